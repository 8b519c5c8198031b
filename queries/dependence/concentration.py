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

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from dealgraph.graph.schema import SCHEMA
from dealgraph.queries.flows.flow import Hop, hops

PERSPECTIVES = ("customers", "suppliers", "funders")


@dataclass(frozen=True, slots=True)
class Counterparty:
    entity: str
    amount_usd: float
    share: float
    deal_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
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


def _sides(perspective: str) -> tuple[frozenset[str], str]:
    """(deal kinds, which end of a hop the entity is) for a perspective."""
    if perspective == "customers":
        return SCHEMA.customer_kinds, "target"
    if perspective == "suppliers":
        return SCHEMA.customer_kinds, "source"
    if perspective == "funders":
        return SCHEMA.funder_kinds, "target"
    raise ValueError(f"unknown perspective {perspective!r} (expected one of {PERSPECTIVES})")


def perspective_kinds(perspective: str) -> frozenset[str]:
    """The deal kinds a perspective reads (see the module docstring)."""
    return _sides(perspective)[0]


def concentration(
    deals: pd.DataFrame, perspective: str, min_total: float = 0.0
) -> list[Concentration]:
    """Concentration of every entity from one perspective, most concentrated first.

    `deals` are the deals in force (see `flow.deals_in_force`). Entities whose total is
    below `min_total` are left out. Built on `flow.hops`: a counterparty's amount is the
    disclosed part of the hop between the two.
    """
    kinds, _ = _sides(perspective)
    return concentration_of_hops(role_hops(deals, kinds), perspective, min_total)


def role_hops(deals: pd.DataFrame, kinds: frozenset[str]) -> dict[tuple[str, str], Hop]:
    """The hops made of deals of `kinds` only (customers and suppliers share one set)."""
    return hops(deals[deals["kind"].isin(kinds)])


def concentration_of_hops(
    hop_map: Mapping[tuple[str, str], Hop], perspective: str, min_total: float = 0.0
) -> list[Concentration]:
    """`concentration` from hops already restricted to the perspective's deal kinds."""
    _, own_end = _sides(perspective)
    by_entity: dict[str, list[tuple[str, float, tuple[str, ...]]]] = {}
    for hop in hop_map.values():
        if hop.amount_usd is None:
            continue
        own, other = (hop.target, hop.source) if own_end == "target" else (hop.source, hop.target)
        undisclosed = set(hop.unknown_deal_ids)
        disclosed = tuple(d for d in hop.deal_ids if d not in undisclosed)
        by_entity.setdefault(own, []).append((other, hop.amount_usd, disclosed))
    results = []
    for entity, parties in sorted(by_entity.items()):
        total = sum(amount for _, amount, _ in parties)
        if total <= 0 or total < min_total:
            continue
        parties.sort(key=lambda p: (-p[1], p[0]))
        shared = tuple(Counterparty(e, amount, amount / total, ids) for e, amount, ids in parties)
        hhi = sum(c.share**2 for c in shared)
        results.append(Concentration(entity, perspective, total, hhi, shared))
    results.sort(key=lambda c: (-c.hhi, -c.total_usd, c.entity))
    return results
