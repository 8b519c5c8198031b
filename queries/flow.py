"""The money-flow graph: which deals count, and how they add up between two entities.

Every analysis starts here, so "which deals are in force on a date" is decided once:
- a deal counts from its date on (`--as-of`); a `YYYY-MM` date counts from the month's start;
- a row that `supersedes` another replaces it from the newer row's date on (chains follow);
- cancelled deals never count (a cancelled row that supersedes a deal cancels it);
- rumored deals count only when asked (`include_rumored`), and only then replace others;
- `kinds` keeps only deals of those kinds.
A deal's value is `amount_usd`, else the low end of its range, else unknown (NaN).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class FlowFilter:
    """Which deals an analysis sees. The defaults: every kind, today, no rumours."""

    as_of: str | None = None
    kinds: frozenset[str] | None = None
    include_rumored: bool = False

    def key(self) -> str:
        kinds = ",".join(sorted(self.kinds)) if self.kinds else "all"
        return f"as_of={self.as_of or 'latest'};kinds={kinds};rumored={self.include_rumored}"


@dataclass(frozen=True)
class Hop:
    """All deals in force from one entity to another, added up.

    `amount_usd` is the sum of the known deal values, None when no deal's value is known;
    `unknown_deal_ids` lists deals whose value is undisclosed (so the sum is a floor).
    """

    source: str
    target: str
    amount_usd: float | None
    deal_ids: tuple[str, ...]
    kinds: tuple[str, ...]
    unknown_deal_ids: tuple[str, ...] = ()


def _end_of(as_of: str) -> str:
    """`2025-09` as a cut-off means the whole month."""
    return f"{as_of}-31" if len(as_of) == 7 else as_of


def deal_values(deals: pd.DataFrame) -> pd.Series:
    """The value each deal contributes: the amount, else the low end of its range."""
    return deals["amount_usd"].fillna(deals["amount_low_usd"])


def deals_in_force(deals: pd.DataFrame, flow: FlowFilter = FlowFilter()) -> pd.DataFrame:
    """The deals that count under `flow` (see the module docstring for the rules)."""
    visible = deals
    if flow.as_of:
        visible = visible[visible["date"] <= _end_of(flow.as_of)]
    if not flow.include_rumored:
        visible = visible[visible["status"] != "rumored"]
    replaced = set(visible["supersedes"][visible["supersedes"] != ""])
    current = visible[~visible["id"].isin(replaced) & (visible["status"] != "cancelled")]
    if flow.kinds is not None:
        current = current[current["kind"].isin(flow.kinds)]
    return current


def hops(deals: pd.DataFrame) -> dict[tuple[str, str], Hop]:
    """Group deals (already filtered) into one hop per ordered pair of entities."""
    if deals.empty:
        return {}
    frame = deals.assign(_value=deal_values(deals)).sort_values("id")
    result: dict[tuple[str, str], Hop] = {}
    for (source, target), group in frame.groupby(["from_entity", "to_entity"], sort=True):
        values = group["_value"]
        known = values.notna()
        result[(source, target)] = Hop(
            source=source,
            target=target,
            amount_usd=float(values[known].sum()) if known.any() else None,
            deal_ids=tuple(group["id"]),
            kinds=tuple(sorted(set(group["kind"]))),
            unknown_deal_ids=tuple(group["id"][~known]),
        )
    return result


def entities_of(hop_list: Iterable[Hop]) -> set[str]:
    return {e for hop in hop_list for e in (hop.source, hop.target)}
