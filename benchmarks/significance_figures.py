"""The significance test: 1,000 degree-preserving shuffles, loops counted in each.

dealgraph's `significance` (swap chains, loops counted from traces of sparse matrix powers,
Finn's index per sample, the chains shared by the machine's processes) against networkx in
the same run on the same graph: `directed_edge_swap` (as many swaps per sample as our chains
make) then `simple_cycles` with the same `length_bound`, one sample after another. On the
bundled data with the default lengths 2-5 (what `analyze` runs), on the synthetic sets with
lengths 2-4; networkx runs on the bundled data and at 1k deals only.
"""

from __future__ import annotations

import sys

from datasets import LABELS, dataset
from measure import run_step

HOPS = (
    "from dealgraph.loaders import load_dataset\n"
    "from dealgraph.queries.flows.flow import deals_in_force, hops\n"
    "h = hops(deals_in_force(load_dataset({paths}).deals))\n"
)
OURS = (
    "from dealgraph.queries.significance.loop_significance import significance",
    "significance(h, samples={samples}, seed=1, max_length={length}).total.observed",
)
NETWORKX = (
    "import networkx as nx\n"
    "from dealgraph.queries.significance.null_model import SPACING\n"
    "def networkx_null(h, samples, length):\n"
    "    g = nx.DiGraph(list(h))\n"
    "    total = 0\n"
    "    for n in range(samples):\n"
    "        nx.directed_edge_swap(g, nswap=SPACING * g.number_of_edges() // 2,\n"
    "                              max_tries=10**9, seed=n)\n"
    "        total += sum(1 for _ in nx.simple_cycles(g, length_bound=length))\n"
    "    return total / samples\n",
    "networkx_null(h, {samples}, {length})",
)
SAMPLES = 1_000


def rows(sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> list[dict]:
    cases = [("bundled (545 deals)", "()", 5, True)]
    cases += [(LABELS[s], repr((str(dataset(s)),)), 4, s == 1_000) for s in sizes]
    out = []
    for label, paths, length, with_networkx in cases:
        setup = HOPS.format(paths=paths)
        ours = run_step(setup + OURS[0], OURS[1].format(samples=SAMPLES, length=length))
        label = f"{label}, {SAMPLES:,} samples, L<={length}"
        if with_networkx:
            call = NETWORKX[1].format(samples=SAMPLES, length=length)
            base = run_step(setup + NETWORKX[0], call)
            out.append(_row(label, "networkx directed_edge_swap + simple_cycles", base, None))
            out.append(_row(label, "dealgraph significance", ours, base))
        else:
            out.append(_row(label, "dealgraph significance", ours, None))
        print(f"  {label}: {out[-1]['wall_s']:.1f} s", file=sys.stderr, flush=True)
    return out


def _row(size: str, step: str, measured: dict, baseline: dict | None) -> dict:
    return {
        "size": size,
        "step": step,
        "wall_s": measured["wall_s"],
        "peak_mb": measured["peak_mb"],
        "baseline": "networkx directed_edge_swap + simple_cycles" if baseline else "",
        "ratio": measured["wall_s"] / baseline["wall_s"] if baseline else None,
    }


if __name__ == "__main__":
    sys.path.insert(0, ".")
    from run import render

    print(render(rows(), markdown="--markdown" in sys.argv))
