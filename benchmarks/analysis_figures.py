"""The analyses that must grow linearly with the number of deals, timed per size.

Baseline: the same step on the smallest size, per deal; a ratio near 1.0 means the step's
cost per deal stays flat as the graph grows (linear growth).
"""

from __future__ import annotations

from datasets import LABELS, dataset
from measure import run_step

SETUP = (
    "from dealgraph.loaders import load_dataset\n"
    "from dealgraph.queries.flows.flow import deals_in_force, hops\n"
    "data = load_dataset([{folder!r}])\n"
    "deals = deals_in_force(data.deals)\n"
)
STEPS = {
    "money-flow hops": ("", "len(hops(deals))"),
    "concentration (3 perspectives)": (
        "from dealgraph.queries.dependence.concentration import concentration, PERSPECTIVES",
        "sum(len(concentration(deals, p)) for p in PERSPECTIVES)",
    ),
    "vendor financing": (
        "from dealgraph.queries.risk.vendor_financing import vendor_financing",
        "len(vendor_financing(deals))",
    ),
    "stress (every default that could cascade)": (
        "from dealgraph.queries.risk.stress import DEFAULT_THRESHOLD, StressNetwork, entity_sizes\n"
        "h = hops(deals)\nnet = StressNetwork(h, entity_sizes(h, {}))",
        "sum(net.propagate({o: 1.0}, DEFAULT_THRESHOLD).cascades"
        " for o in net.could_distress(DEFAULT_THRESHOLD))",
    ),
    "circularity index": (
        "from dealgraph.queries.flows.circularity import circularity\nh = hops(deals)",
        "round(circularity(h).index, 6)",
    ),
    "map data (top 2,000 entities)": (
        "from dealgraph.queries.findings.analysis import analyze, Options\n"
        "from dealgraph.viz.map import map_data\n"
        "a = analyze(data, Options(max_length=2, limit=1000))",
        "len(map_data(a)['deals'])",
    ),
}


def rows(sizes: list[int]) -> list[dict]:
    out = []
    first: dict[str, float] = {}
    smallest = min(sizes)
    for size in sorted(sizes):
        folder = str(dataset(size))
        for step, (setup, call) in STEPS.items():
            measured = run_step(SETUP.format(folder=folder) + setup, call)
            per_deal = measured["wall_s"] / size
            first.setdefault(step, per_deal)
            out.append(
                {
                    "size": LABELS[size],
                    "step": step,
                    "wall_s": measured["wall_s"],
                    "peak_mb": measured["peak_mb"],
                    "baseline": ""
                    if size == smallest
                    else f"same step at {LABELS[smallest]}, per deal",
                    "ratio": None if size == smallest else per_deal / first[step],
                }
            )
    return out
