"""Concentration: how much of an entity's money comes from, or goes to, one counterparty.

Three perspectives, from the deal kinds declared in schema.toml (`roles`):
- `customers`: an entity's inflows of customer kinds (purchase, cloud_contract, leaseback,
  backstop, revenue_share), by paying counterparty;
- `suppliers`: its outflows of those kinds, by receiving counterparty;
- `funders`: its inflows of funding kinds (equity, debt, warrant), by funder.
For each: the total, every counterparty's share, the Herfindahl-Hirschman index (the sum of
squared shares, from 1/n for n equal counterparties to 1 for a single one) and the top
counterparty. Only deals with a known value count; the deal ids behind each figure are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from dealgraph.graph.schema import SCHEMA
from dealgraph.queries.flow import deal_values

PERSPECTIVES = ("customers", "suppliers", "funders")


@dataclass(frozen=True)
class Counterparty:
    entity: str
    amount_usd: float
    share: float
    deal_ids: tuple[str, ...]


@dataclass(frozen=True)
class Concentration:
    entity: str
    perspective: str
    total_usd: float
    hhi: float
    counterparties: tuple[Counterparty, ...]  # largest first

    @property
    def top(self) -> Counterparty:
        return self.counterparties[0]

    @property
    def deal_ids(self) -> tuple[str, ...]:
        return tuple(sorted(d for c in self.counterparties for d in c.deal_ids))


def _sides(perspective: str) -> tuple[frozenset[str], str, str]:
    """(deal kinds, the entity's column, the counterparty's column) for a perspective."""
    if perspective == "customers":
        return SCHEMA.customer_kinds, "to_entity", "from_entity"
    if perspective == "suppliers":
        return SCHEMA.customer_kinds, "from_entity", "to_entity"
    if perspective == "funders":
        return SCHEMA.funder_kinds, "to_entity", "from_entity"
    raise ValueError(f"unknown perspective {perspective!r} (expected one of {PERSPECTIVES})")


def concentration(
    deals: pd.DataFrame, perspective: str, min_total: float = 0.0
) -> list[Concentration]:
    """Concentration of every entity from one perspective, most concentrated first.

    `deals` are the deals in force (see `flow.deals_in_force`). Entities whose total is
    below `min_total` are left out.
    """
    kinds, own, other = _sides(perspective)
    frame = deals[deals["kind"].isin(kinds)].assign(_value=deal_values(deals))
    frame = frame[frame["_value"].notna()].sort_values("id")
    pairs = frame.groupby([own, other], sort=True).agg(
        amount=("_value", "sum"), deal_ids=("id", tuple)
    )
    results = []
    for entity, group in pairs.groupby(level=0, sort=True):
        total = float(group["amount"].sum())
        if total <= 0 or total < min_total:
            continue
        parties = [
            Counterparty(party, float(row.amount), float(row.amount) / total, row.deal_ids)
            for (_, party), row in zip(group.index, group.itertuples(), strict=True)
        ]
        parties.sort(key=lambda c: (-c.amount_usd, c.entity))
        hhi = sum(c.share**2 for c in parties)
        results.append(Concentration(entity, perspective, total, hhi, tuple(parties)))
    results.sort(key=lambda c: (-c.hhi, -c.total_usd, c.entity))
    return results
