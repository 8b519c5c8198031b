"""End to end: `dealgraph alerts --format jsonl` against a bare igraph script, same graph.

Both read the reference graph's CSV (5,000 entities, 45,000 pairs) and write every loop of
up to three entities, one JSON line each; both are timed as whole commands, start-up
included. dealgraph also validates the input, writes each loop's hops, deals, sources and
severity, and adds the concentration, vendor-financing and stress alerts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from datasets import BENCH, loop_graph
from measure import run_command

BARE_IGRAPH = """
import json, sys
import igraph as ig
import pandas as pd
deals = pd.read_csv(sys.argv[1] + "/deals.csv", dtype=str, keep_default_na=False)
g = ig.Graph.DataFrame(deals[["from_entity", "to_entity"]], directed=True, use_vids=False)
g.simplify(multiple=True, loops=True)
names = g.vs["name"]
for cycle in g.simple_cycles(min=2, max=int(sys.argv[2])):
    sys.stdout.write(json.dumps([names[v] for v in cycle]) + "\\n")
"""


def rows(length: int = 3) -> list[dict]:
    folder = str(loop_graph())
    script = BENCH / "bare_igraph.py"
    script.write_text(BARE_IGRAPH)
    base = run_command([sys.executable, str(script), folder, str(length)], BENCH / "igraph.out")
    dealgraph = [sys.executable, "-m", "dealgraph", "alerts", "--data", folder,
                 "--max-length", str(length), "--format", "jsonl"]  # fmt: skip
    ours = run_command(dealgraph, BENCH / "alerts.jsonl")
    loops = _count(BENCH / "igraph.out")
    ours_loops = sum(
        json.loads(line)["kind"] == "circular_flow" for line in _lines(BENCH / "alerts.jsonl")
    )
    if ours_loops != loops:
        raise AssertionError(f"dealgraph wrote {ours_loops} loop alerts, igraph {loops} loops")
    size = f"5k entities/45k pairs, L<={length} ({loops:,} loops)"
    return [
        {"size": size, "step": "bare igraph script (read, search, print)", "wall_s": base["wall_s"],
         "peak_mb": base["peak_mb"], "baseline": "", "ratio": None},
        {"size": size, "step": "dealgraph alerts --format jsonl", "wall_s": ours["wall_s"],
         "peak_mb": ours["peak_mb"], "baseline": "bare igraph script",
         "ratio": ours["wall_s"] / base["wall_s"]},
    ]  # fmt: skip


def _lines(path: Path):
    with path.open() as handle:
        yield from handle


def _count(path: Path) -> int:
    return sum(1 for _ in _lines(path))
