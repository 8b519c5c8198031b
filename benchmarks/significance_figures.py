"""The significance test: 1,000 degree-preserving shuffles with loops counted up to length 4.

dealgraph's `significance` (swap chains, loops counted from traces of sparse matrix powers,
Finn's index per sample, two processes) against networkx in the same run on the same graph:
`directed_edge_swap` (as many swaps per sample as our chains make) then `simple_cycles`
with `length_bound=4`, one sample after another. networkx runs at 1k deals only; at 100k the
run uses 100 samples (the time per sample is flat, so 1,000 take ten times as long).
"""

from __future__ import annotations

from datasets import LABELS, dataset
from measure import run_step

HOPS = (
    "from dealgraph.loaders import load_dataset\n"
    "from dealgraph.queries.flows.flow import deals_in_force, hops\n"
    "h = hops(deals_in_force(load_dataset(({path!r},)).deals))\n"
)
OURS = (
    "from dealgraph.queries.significance.loop_significance import significance",
    "significance(h, samples={samples}, seed=1, max_length=4).total.observed",
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
    "networkx_null(h, {samples}, 4)",
)
SAMPLES = {1_000: 1_000, 10_000: 1_000, 100_000: 100}


def rows(sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> list[dict]:
    out = []
    for size in sizes:
        samples = SAMPLES[size]
        setup = HOPS.format(path=str(dataset(size)))
        ours = run_step(setup + OURS[0], OURS[1].format(samples=samples))
        label = f"{LABELS[size]}, {samples:,} samples, L<=4"
        if size == 1_000:
            base = run_step(setup + NETWORKX[0], NETWORKX[1].format(samples=samples))
            out.append(_row(label, "networkx directed_edge_swap + simple_cycles", base, None))
            out.append(_row(label, "dealgraph significance", ours, base))
        else:
            out.append(_row(label, "dealgraph significance", ours, None))
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
    import sys

    sys.path.insert(0, ".")
    from run import render

    print(render(rows(), markdown="--markdown" in sys.argv))
