"""A seeded generator of power-law financing graphs, as data sets in the input format.

Out- and in-degrees follow Pareto weights (a few hubs take most deals, as NVIDIA, Microsoft
and OpenAI do in the real data); pairs are drawn Chung-Lu style, so the graph has one large
strongly connected core. Amounts are log-normal around $200M; dates spread over 2023-2026.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from dealgraph.graph.schema import SCHEMA

DEAL_KINDS = list(SCHEMA.deal_kinds)
ENTITY_KINDS = list(SCHEMA.entity_kinds)


def power_law_pairs(entities: int, pairs: int, seed: int = 7, alpha: float = 2.3) -> np.ndarray:
    """`pairs` distinct (source, target) index pairs without self-loops.

    One Pareto weight per entity drives both its out- and in-degree: hubs pay and are paid,
    which is what makes financing graphs loop-rich.
    """
    rng = np.random.default_rng(seed)
    weight = rng.pareto(alpha - 1, entities) + 1
    out_p = in_p = weight / weight.sum()
    found = np.empty((0, 2), dtype=np.int64)
    while len(found) < pairs:
        need = int((pairs - len(found)) * 1.3) + 100
        batch = np.column_stack(
            [rng.choice(entities, need, p=out_p), rng.choice(entities, need, p=in_p)]
        )
        batch = batch[batch[:, 0] != batch[:, 1]]
        found = np.unique(np.vstack([found, batch]), axis=0)
    return found[rng.permutation(len(found))[:pairs]]


def write_dataset(
    folder: Path, entities: int, deals: int, pairs: int | None = None, seed: int = 7
) -> Path:
    """Write entities.csv and deals.csv: `deals` rows over `pairs` distinct entity pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 1)
    pair_index = power_law_pairs(entities, pairs or min(deals, entities * 9), seed)
    chosen = (
        np.concatenate(
            [np.arange(len(pair_index)), rng.integers(0, len(pair_index), deals - len(pair_index))]
        )
        if deals > len(pair_index)
        else np.arange(deals)
    )
    ids = [f"e{i:07d}" for i in range(entities)]
    with (folder / "entities.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "name", "kind", "country", "ticker", "aliases"])
        kinds = rng.choice(ENTITY_KINDS, entities)
        out.writerows([i, f"Entity {i}", k, "US", "", ""] for i, k in zip(ids, kinds, strict=True))
    amounts = np.round(rng.lognormal(np.log(2e8), 1.5, len(chosen)), -3)
    unknown = rng.random(len(chosen)) < 0.1
    days = rng.integers(0, 1400, len(chosen))
    dates = (np.datetime64("2023-01-01") + days).astype(str)
    kinds = rng.choice(DEAL_KINDS, len(chosen))
    with (folder / "deals.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["id", "date", "from_entity", "to_entity", "kind", "amount_usd", "status", "source_url"]
        )
        for n, p in enumerate(chosen):
            s, t = pair_index[p]
            amount = "" if unknown[n] else f"{amounts[n]:.0f}"
            out.writerow(
                [
                    f"d{n:08d}",
                    dates[n],
                    ids[s],
                    ids[t],
                    kinds[n],
                    amount,
                    "announced",
                    f"https://example.com/d{n}",
                ]
            )
    return folder
