"""Capex funding: capex against operating cash flow, and the debt and partners' money of the
same fiscal year."""

from __future__ import annotations

import pytest
from conftest import deal
from risk_data import run_json, write_financials

from dealgraph.loaders import load_dataset
from dealgraph.queries.dependence.funding import capex_funding
from dealgraph.queries.flows.flow import deals_in_force

ROWS = [
    deal("d24", "bank", "b1", "debt", "3B", "2024-06-30"),  # the last day of b1's FY2024
    deal("d25", "bank", "b1", "debt", "8B", "2024-09-01"),  # FY2025: 2024-07-01 .. 2025-06-30
    deal("e25", "fund", "b1", "equity", "2B", "2025-01"),
    deal("p2", "fund", "b2", "equity", "5B", "2025-03-01"),
    deal("d2", "bank", "b2", "debt", "1B", "2025-12-31"),
    deal("x", "bank", "b3", "purchase", "9B", "2025-05-01"),  # a purchase raises nothing
    deal("y", "b4", "bank", "purchase", "1B", "2025-05-01"),
]
FIGURES = [
    {"entity": "b1", "fiscal_year": "2024", "period_end": "2024-06-30", "capex_usd": "10B",
     "operating_cash_flow_usd": "15B", "total_debt_usd": "45B"},
    {"entity": "b1", "fiscal_year": "2025", "period_end": "2025-06-30", "capex_usd": "30B",
     "operating_cash_flow_usd": "20B", "total_debt_usd": "50B"},
    {"entity": "b2", "fiscal_year": "2025", "capex_usd": "10B",
     "operating_cash_flow_usd": "4B"},  # calendar year
    {"entity": "b3", "fiscal_year": "2025", "capex_usd": "5B", "operating_cash_flow_usd": "1B"},
    {"entity": "b4", "fiscal_year": "2025", "operating_cash_flow_usd": "-2B"},
]  # fmt: skip


@pytest.fixture
def data(make_data):
    return load_dataset([write_financials(make_data(ROWS), FIGURES)])


def test_lean_per_company_and_year(data):
    found = capex_funding(deals_in_force(data.deals), data.financials)
    years = {(y.entity, y.period): y for y in found}
    assert list(years) == [("b1", "FY2024"), ("b1", "FY2025"), ("b2", "FY2025"),
                           ("b3", "FY2025"), ("b4", "FY2025")]  # fmt: skip
    # b1 FY2024: capex 10 <= cash flow 15: cash flow (10/15 = 0.667), $3B debt that year
    y24 = years[("b1", "FY2024")]
    assert (y24.lean, y24.gap_usd, y24.debt_raised_usd, y24.debt_deal_ids) == (
        "cash_flow", -5e9, 3e9, ("d24",),
    )  # fmt: skip
    assert round(y24.capex_to_cash_flow, 4) == 0.6667
    # b1 FY2025: gap 30 - 20 = 10; debt: max(8 raised, 50 - 45 = 5 more reported) = 8 > 2
    y25 = years[("b1", "FY2025")]
    assert (y25.gap_usd, y25.debt_raised_usd, y25.debt_change_usd) == (10e9, 8e9, 5e9)
    assert (y25.partner_funding_usd, y25.partner_deal_ids, y25.lean) == (2e9, ("e25",), "debt")
    assert (y25.start, y25.end) == ("2024-06-30", "2025-06-30")
    # b2: gap 6; partners 5 > debt 1 (2025-12-31 is inside the calendar year): partners
    assert (years[("b2", "FY2025")].debt_raised_usd, years[("b2", "FY2025")].lean) == (
        1e9, "partners",
    )  # fmt: skip
    # b3: gap 4 and nothing raised: reserves; b4: no capex reported: unknown
    assert years[("b3", "FY2025")].lean == "reserves"
    assert years[("b4", "FY2025")].lean == "unknown"
    assert years[("b4", "FY2025")].capex_to_cash_flow is None


def test_as_of_keeps_the_years_that_had_ended(data):
    years = capex_funding(deals_in_force(data.deals), data.financials, as_of="2025-03")
    assert [(y.entity, y.period) for y in years] == [("b1", "FY2024")]


def test_cli(make_data):
    folder = write_financials(make_data(ROWS), FIGURES)
    rows = run_json("funding", "--data", folder, "--entity", "b1")
    assert [(r["period"], r["lean"]) for r in rows] == [("FY2024", "cash_flow"), ("FY2025", "debt")]
    assert rows[1]["capex_to_cash_flow"] == 1.5 and rows[1]["debt_deal_ids"] == ["d25"]
    b4 = run_json("funding", "--data", folder, "--entity", "b4")
    assert b4[0]["cash_flow"] == "-$2B"
    assert run_json("funding", "--data", make_data(ROWS)) == []
