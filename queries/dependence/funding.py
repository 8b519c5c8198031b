"""Capex funding: does a builder pay for its data centres from cash flow, or lean on others?

Per company and fiscal year (from `financials.csv`): capital spending against operating cash
flow, and the money the data set shows it raising in that year: debt (deals of kind `debt`
it received) and partners' money (equity, warrants, backstops and joint-venture
contributions it received). The year is the twelve months up to `period_end` (the calendar
year when no end is given), so Oracle's FY2025 takes deals from June 2024 to May 2025.

`lean` says what the figures point to:
- `cash_flow`: capex is at most operating cash flow;
- `debt` / `partners`: capex exceeds cash flow, and the larger of the debt evidence (debt
  deals in the year, or the rise in reported total debt) and partners' money names the gap's
  likely source;
- `reserves`: capex exceeds cash flow and the data shows neither (cash on hand, or
  financing the data set does not hold);
- `unknown`: capex or cash flow is not reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dealgraph.queries.flows.flow import _end_of, deal_values

DEBT_KINDS = frozenset({"debt"})
PARTNER_KINDS = frozenset({"equity", "warrant", "backstop", "jv"})


@dataclass(frozen=True)
class FundingYear:
    entity: str
    period: str
    start: str  # exclusive: the previous year's end
    end: str
    capex_usd: float | None
    operating_cash_flow_usd: float | None
    debt_raised_usd: float
    debt_change_usd: float | None  # reported total debt minus the previous year's
    partner_funding_usd: float
    debt_deal_ids: tuple[str, ...]
    partner_deal_ids: tuple[str, ...]
    source_url: str

    @property
    def gap_usd(self) -> float | None:
        """Capex not covered by operating cash flow (negative: cash flow to spare)."""
        if self.capex_usd is None or self.operating_cash_flow_usd is None:
            return None
        return self.capex_usd - self.operating_cash_flow_usd

    @property
    def capex_to_cash_flow(self) -> float | None:
        ocf = self.operating_cash_flow_usd
        return None if self.capex_usd is None or not ocf or ocf < 0 else self.capex_usd / ocf

    @property
    def lean(self) -> str:
        gap = self.gap_usd
        if gap is None:
            return "unknown"
        if gap <= 0:
            return "cash_flow"
        debt = max(self.debt_raised_usd, self.debt_change_usd or 0.0)
        if debt == 0 and self.partner_funding_usd == 0:
            return "reserves"
        return "debt" if debt >= self.partner_funding_usd else "partners"


def _window(row) -> tuple[str, str]:
    """(exclusive start, inclusive end) of a fiscal year as ISO dates."""
    end = row.period_end if row.period_end else f"{row.fiscal_year}-12-31"
    end = _end_of(end)
    return f"{int(end[:4]) - 1}{end[4:]}", end


def _none(value) -> float | None:
    return None if pd.isna(value) else float(value)


def capex_funding(
    deals: pd.DataFrame, financials: pd.DataFrame | None, as_of: str | None = None
) -> list[FundingYear]:
    """One `FundingYear` per financials row (fiscal years ended by `as_of`), by entity, year.

    `deals` are the deals in force; a deal counts in the year its date falls in.
    """
    if financials is None or financials.empty:
        return []
    frame = deals.assign(_value=deal_values(deals).fillna(0.0)).sort_values("id")
    debt = frame[frame["kind"].isin(DEBT_KINDS)]
    partners = frame[frame["kind"].isin(PARTNER_KINDS)]
    rows = financials.sort_values(["entity", "fiscal_year"])
    previous_debt: dict[str, tuple[int, float]] = {}
    years = []
    for row in rows.itertuples(index=False):
        start, end = _window(row)
        if as_of and end > _end_of(as_of):
            continue

        def raised(kind_frame: pd.DataFrame, entity=row.entity, start=start, end=end):
            hit = kind_frame[
                (kind_frame["to_entity"] == entity)
                & (kind_frame["date"] > start)
                & (kind_frame["date"] <= end)
            ]
            return float(hit["_value"].sum()), tuple(hit["id"])

        debt_usd, debt_ids = raised(debt)
        partner_usd, partner_ids = raised(partners)
        total_debt = _none(row.total_debt_usd)
        before = previous_debt.get(row.entity)
        change = None
        if total_debt is not None and before and before[0] == row.fiscal_year - 1:
            change = total_debt - before[1]
        if total_debt is not None:
            previous_debt[row.entity] = (row.fiscal_year, total_debt)
        years.append(
            FundingYear(
                entity=row.entity,
                period=row.period,
                start=start,
                end=end,
                capex_usd=_none(row.capex_usd),
                operating_cash_flow_usd=_none(row.operating_cash_flow_usd),
                debt_raised_usd=debt_usd,
                debt_change_usd=change,
                partner_funding_usd=partner_usd,
                debt_deal_ids=debt_ids,
                partner_deal_ids=partner_ids,
                source_url=row.source_url,
            )
        )
    return years
