"""Company size: the latest reported figure of each kind, as known on a date.

Deals are measured against a company's size (a $300B contract means little next to a $600B
revenue, a lot next to $57B), so several analyses need "the revenue of X". Figures come per
fiscal year from `financials.csv`; the latest year that reports a field wins, each field on
its own (a year may report cash flow before revenue is filed). A fiscal year counts as known
on `as_of` once it has ended: its `period_end`, or 31 December of the year when no end date
was given; a market capitalisation is known from its `market_cap_date`, which is also the
period it reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dealgraph.queries.flows.flow import _end_of


@dataclass(frozen=True)
class Figure:
    """One reported number, with the period and the source it comes from."""

    entity: str
    field: str
    value: float
    period: str
    source_url: str

    def as_dict(self) -> dict:
        return {"value": self.value, "period": self.period, "source_url": self.source_url}


# Figures taken on a day rather than over a fiscal year, and the column holding that day.
DATED_FIELDS = {"market_cap_usd": "market_cap_date"}


def _period_ends(financials: pd.DataFrame) -> pd.Series:
    ends = financials["period_end"].str.strip()
    ends = ends.map(_end_of)  # `2025-06` means the whole month
    fallback = financials["fiscal_year"].astype(str) + "-12-31"
    return ends.where(ends != "", fallback)


def latest(financials: pd.DataFrame | None, field: str, as_of: str | None = None) -> dict:
    """Entity id -> the `Figure` of `field` from its latest fiscal year known on `as_of`.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"entity": ["x", "x"], "fiscal_year": [2024, 2025],
    ...     "period": ["FY2024", "FY2025"], "period_end": ["", "2025-06-30"],
    ...     "revenue_usd": [1.0, 2.0], "source_url": ["a", "b"]})
    >>> latest(rows, "revenue_usd")["x"].value, latest(rows, "revenue_usd", "2025-03")["x"].value
    (2.0, 1.0)
    """
    if financials is None or financials.empty or field not in financials.columns:
        return {}
    frame = financials.assign(_end=_period_ends(financials))
    dated_by = DATED_FIELDS.get(field)
    if dated_by in frame.columns:  # a market value is known on its own date, not the year's end
        on = frame[dated_by].str.strip()
        frame = frame.assign(_end=on.where(on != "", frame["_end"]))
        frame["period"] = on.where(on != "", frame["period"])
    frame = frame[frame[field].notna()]
    if as_of:
        frame = frame[frame["_end"] <= _end_of(as_of)]
    frame = frame.sort_values(["entity", "_end"]).drop_duplicates("entity", keep="last")
    values = zip(frame["entity"], frame[field], frame["period"], frame["source_url"], strict=True)
    return {e: Figure(e, field, float(v), period, url) for e, v, period, url in values}
