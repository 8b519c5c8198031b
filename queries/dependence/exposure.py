"""Exposure: everything one entity has committed and received, next to its size.

A dependency is large or small only against the company: OpenAI's $300B contract is about
five years of Oracle's revenue, and a rounding error for Amazon. So each line (one
counterparty, one direction, one deal kind) carries its amount as a multiple of the entity's
latest revenue and cash, and of the counterparty's revenue, where those are known.
Direction follows the money: `out` is what the entity pays or commits to the counterparty,
`in` what it receives from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dealgraph.queries.dependence.figures import Figure, latest
from dealgraph.queries.flows.flow import deal_values

SIZE_FIELDS = ("revenue_usd", "cash_usd", "total_debt_usd", "market_cap_usd")


@dataclass(frozen=True)
class ExposureLine:
    direction: str  # "out" or "in"
    counterparty: str
    kind: str
    amount_usd: float | None  # None when no deal on the line discloses its value
    deal_ids: tuple[str, ...]
    unknown_deal_ids: tuple[str, ...]
    of_revenue: float | None  # amount / the entity's revenue
    of_cash: float | None  # amount / the entity's cash
    of_counterparty_revenue: float | None


@dataclass(frozen=True)
class Exposure:
    entity: str
    size: dict[str, Figure]  # the entity's latest figures by field, where known
    lines: tuple[ExposureLine, ...]  # `out` then `in`, each largest first

    def total(self, direction: str) -> float:
        return sum(line.amount_usd or 0.0 for line in self.lines if line.direction == direction)

    def ratio(self, amount: float | None, field: str) -> float | None:
        figure = self.size.get(field)
        return _ratio(amount, figure)


def _ratio(amount: float | None, figure: Figure | None) -> float | None:
    if amount is None or figure is None or figure.value <= 0:
        return None
    return amount / figure.value


def exposure(
    deals: pd.DataFrame,
    entity: str,
    financials: pd.DataFrame | None = None,
    as_of: str | None = None,
) -> Exposure:
    """The exposure of `entity` in `deals` (the deals in force).

    Figures are the latest known on `as_of` (see `figures.latest`).
    """
    size = {
        field: figure
        for field in SIZE_FIELDS
        if (figure := latest(financials, field, as_of).get(entity)) is not None
    }
    revenue = latest(financials, "revenue_usd", as_of)
    frame = deals[(deals["from_entity"] == entity) | (deals["to_entity"] == entity)]
    frame = frame.assign(
        _value=deal_values(frame),
        _direction=(frame["from_entity"] == entity).map({True: "out", False: "in"}),
        _party=frame["to_entity"].where(frame["from_entity"] == entity, frame["from_entity"]),
    ).sort_values("id")
    lines = []
    for (direction, party, kind), group in frame.groupby(["_direction", "_party", "kind"]):
        known = group["_value"].notna()
        amount = float(group["_value"][known].sum()) if known.any() else None
        lines.append(
            ExposureLine(
                direction=direction,
                counterparty=party,
                kind=kind,
                amount_usd=amount,
                deal_ids=tuple(group["id"]),
                unknown_deal_ids=tuple(group["id"][~known]),
                of_revenue=_ratio(amount, size.get("revenue_usd")),
                of_cash=_ratio(amount, size.get("cash_usd")),
                of_counterparty_revenue=_ratio(amount, revenue.get(party)),
            )
        )
    order = {"out": 0, "in": 1}
    lines.sort(key=lambda x: (order[x.direction], -(x.amount_usd or -1.0), x.counterparty, x.kind))
    return Exposure(entity, size, tuple(lines))
