"""The synthetic data sets the benchmarks share, written once under build/bench/."""

from __future__ import annotations

import random
from pathlib import Path

from synthetic import write_dataset

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "build" / "bench"

# deals -> (entities, distinct entity pairs): about nine partners per entity, as in the
# reference graph for loops (5,000 entities, 45,000 pairs), and twenty deals per entity.
SIZES = {
    1_000: (50, 450),
    10_000: (500, 4_500),
    100_000: (5_000, 45_000),
    1_000_000: (50_000, 450_000),
}
LABELS = {1_000: "1k", 10_000: "10k", 100_000: "100k", 1_000_000: "1M"}


def dataset(deals: int) -> Path:
    """The folder of the data set with `deals` deals, written on first use."""
    entities, pairs = SIZES[deals]
    folder = BENCH / f"deals-{LABELS[deals]}"
    if not (folder / "deals.csv").exists():
        write_dataset(folder, entities, deals, pairs)
    return folder


def shuffled(deals: int) -> Path:
    """The same data set with its deal rows in a random (seeded) order: files are not always
    written in id order, and the loader must give the same results for them."""
    source = dataset(deals)
    folder = BENCH / f"deals-{LABELS[deals]}-shuffled"
    if not (folder / "deals.csv").exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "entities.csv").write_bytes((source / "entities.csv").read_bytes())
        header, *rows = (source / "deals.csv").read_text("utf-8").splitlines(keepends=True)
        random.Random(7).shuffle(rows)
        (folder / "deals.csv").write_text(header + "".join(rows), "utf-8")
    return folder


def loop_graph() -> Path:
    """The reference graph for loops: 5,000 entities, 45,000 pairs, one deal per pair."""
    folder = BENCH / "loops-5k-45k"
    if not (folder / "deals.csv").exists():
        write_dataset(folder, 5_000, 45_000, 45_000)
    return folder
