"""Loop search on the reference graph, against networkx and igraph in the same run.

The graph: 5,000 entities and 45,000 entity pairs drawn from power-law weights, whose
largest strongly connected component holds about 95% of the entities. Each engine counts
the elementary cycles of 2..L entities; the counts must agree. networkx is the baseline
(`simple_cycles(length_bound=L)`); at L=4 it is left out because it would run for hours.
"""

from __future__ import annotations

from datasets import loop_graph
from measure import run_step

EDGES = (
    "import pandas as pd\n"
    "d = pd.read_csv({path!r}, dtype=str, keep_default_na=False)\n"
    "edges = list(dict.fromkeys(zip(d['from_entity'], d['to_entity'])))\n"
)
ENGINES = {
    "networkx simple_cycles": (
        "import networkx as nx\ng = nx.DiGraph(edges)",
        "sum(1 for _ in nx.simple_cycles(g, length_bound={L}))",
    ),
    "igraph simple_cycles": (
        "import igraph as ig\ng = ig.Graph.TupleList(edges, directed=True)",
        "len(g.simple_cycles(min=2, max={L}))",
    ),
    "dealgraph iter_cycles": (
        "from dealgraph.queries.flows.loops import iter_cycles",
        "sum(1 for _ in iter_cycles(edges, {L}))",
    ),
}


def rows(lengths: tuple[int, ...] = (3, 4), with_networkx: bool = True) -> list[dict]:
    path = str(loop_graph() / "deals.csv")
    out = []
    for length in lengths:
        measured = {}
        for engine, (setup, call) in ENGINES.items():
            if engine.startswith("networkx") and (length > 3 or not with_networkx):
                continue
            measured[engine] = run_step(EDGES.format(path=path) + setup, call.format(L=length))
        counts = {m["result"] for m in measured.values()}
        if len(counts) != 1:
            raise AssertionError(f"engines disagree on the loops of length <= {length}: {measured}")
        baseline = (
            "networkx simple_cycles"
            if "networkx simple_cycles" in measured
            else "igraph simple_cycles"
        )
        for engine, m in measured.items():
            out.append(
                {
                    "size": f"5k entities/45k pairs, L<={length} ({m['result']:,} loops)",
                    "step": engine,
                    "wall_s": m["wall_s"],
                    "peak_mb": m["peak_mb"],
                    "baseline": baseline if engine != baseline else "",
                    "ratio": m["wall_s"] / measured[baseline]["wall_s"]
                    if engine != baseline
                    else None,
                }
            )
    return out
