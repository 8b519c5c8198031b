"""Timeline: the market quarter by quarter, to read a trend rather than a snapshot.

For each calendar quarter:
- net new commitments by deal kind: the value of the deals in force at the quarter's end
  minus that at the previous quarter's end, so an amendment adds only its change and a
  cancellation or a cut shows as negative (undisclosed values count as zero);
- the circularity as of the quarter's end (Finn's cycling index and the cycled money, see
  `circularity`), and the loops then in force (how many, and the largest one's amount).
Every figure uses the same rules of "in force" as the rest (`flow.deals_in_force`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from dealgraph.queries.flows.circularity import circularity
from dealgraph.queries.flows.flow import FlowFilter, _end_of, deal_values, deals_in_force, hops
from dealgraph.queries.flows.loops import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_LENGTH,
    find_loops,
    largest_first,
)


@dataclass(frozen=True)
class Quarter:
    label: str  # "2025Q3"
    start: str
    end: str
    new_usd: dict[str, float]  # net change of commitments in force, by kind (non-zero only)
    new_deal_ids: tuple[str, ...]  # deals in force at the end that were not at the start
    index: float  # Finn's cycling index at the end
    cycled_usd: float
    loops: int
    largest_loop_usd: float | None
    truncated: bool  # the loop search stopped at its limit

    @property
    def new_total_usd(self) -> float:
        return sum(self.new_usd.values())


def _stock(deals: pd.DataFrame) -> dict[str, float]:
    values = deal_values(deals).fillna(0.0)
    return {k: float(v) for k, v in values.groupby(deals["kind"]).sum().items()}


def quarters(first: str, last: str) -> list[pd.Period]:
    """Calendar quarters from the one holding `first` to the one holding `last`."""
    return list(pd.period_range(pd.Period(first[:7], "M"), pd.Period(last[:7], "M"), freq="Q"))


def timeline(
    deals: pd.DataFrame,
    flow: FlowFilter | None = None,
    start: str | None = None,
    max_length: int = DEFAULT_MAX_LENGTH,
    min_amount: float | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Quarter]:
    """One `Quarter` per calendar quarter from `start` (else the first deal) to `flow.as_of`
    (else the last deal). `deals` is the data set's deal frame, not yet filtered."""
    flow = flow or FlowFilter()
    visible = deals_in_force(deals, flow)
    if visible.empty:
        return []
    last = flow.as_of or str(deals["date"].max())
    first = start or str(visible["date"].min())
    periods = quarters(first, last)
    if not periods:
        return []
    before = (periods[0].start_time - pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    previous = deals_in_force(deals, replace(flow, as_of=before))
    result = []
    for period in periods:
        end = min(period.end_time.strftime("%Y-%m-%d"), _end_of(last))
        current = deals_in_force(deals, replace(flow, as_of=end))
        old, new = _stock(previous), _stock(current)
        change = {k: new.get(k, 0.0) - old.get(k, 0.0) for k in sorted(set(old) | set(new))}
        hop_map = hops(current)
        circ = circularity(hop_map)
        search = find_loops(hop_map, max_length, min_amount, limit)
        biggest = largest_first(search.loops)[:1]
        result.append(
            Quarter(
                label=str(period),
                start=period.start_time.strftime("%Y-%m-%d"),
                end=end,
                new_usd={k: v for k, v in change.items() if v},
                new_deal_ids=tuple(sorted(set(current["id"]) - set(previous["id"]))),
                index=circ.index,
                cycled_usd=circ.cycled_usd,
                loops=len(search.loops),
                largest_loop_usd=biggest[0].amount_usd if biggest else None,
                truncated=search.truncated,
            )
        )
        previous = current
    return result
