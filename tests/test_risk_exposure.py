"""Exposure against company size, and concentration alerts that weigh amounts by revenue."""

from __future__ import annotations

import json

import pytest
from conftest import deal, entity
from risk_data import run, run_json, write_financials

from dealgraph.loaders import load_dataset
from dealgraph.queries.dependence.exposure import exposure
from dealgraph.queries.findings.analysis import Options, analyze
from dealgraph.queries.flows.flow import deals_in_force

# Supplier s: revenue $50B, cash $10B. c1 pays it $100B + $20B, c2 $10B; it buys $5B from v
# (revenue $20B) and borrows an undisclosed sum from v; x -> y does not involve s.
ROWS = [
    deal("c1a", "c1", "s", "cloud_contract", "100B"),
    deal("c1b", "c1", "s", "cloud_contract", "20B"),
    deal("c2p", "c2", "s", "purchase", "10B"),
    deal("vp", "s", "v", "purchase", "5B"),
    deal("vd", "s", "v", "debt", ""),
    deal("xy", "x", "y", "equity", "1B"),
]
ENTITIES = [entity(i) for i in ("c1", "c2", "s", "v", "x", "y")]
ENTITIES[2] = entity("s", name="Supplier Inc", aliases="Supplier")
FIGURES = [
    {"entity": "s", "fiscal_year": "2025", "revenue_usd": "50B", "cash_usd": "10B"},
    {"entity": "v", "fiscal_year": "2025", "revenue_usd": "20B"},
]


@pytest.fixture
def folder(make_data):
    return write_financials(make_data(ROWS, ENTITIES), FIGURES)


def test_lines_by_counterparty_and_kind_against_size(folder):
    data = load_dataset([folder])
    found = exposure(deals_in_force(data.deals), "s", data.financials)
    lines = {(x.direction, x.counterparty, x.kind): x for x in found.lines}
    assert list(lines) == [
        ("out", "v", "purchase"),
        ("out", "v", "debt"),  # undisclosed last
        ("in", "c1", "cloud_contract"),
        ("in", "c2", "purchase"),
    ]
    c1 = lines[("in", "c1", "cloud_contract")]
    assert c1.amount_usd == 120e9 and c1.deal_ids == ("c1a", "c1b")
    assert c1.of_revenue == 120 / 50  # 2.4 years of the supplier's revenue
    v = lines[("out", "v", "purchase")]
    # $5B: 5/50 of s's revenue, 5/10 of its cash, 5/20 of v's revenue
    assert (v.of_revenue, v.of_cash, v.of_counterparty_revenue) == (0.1, 0.5, 0.25)
    debt = lines[("out", "v", "debt")]
    assert debt.amount_usd is None and debt.unknown_deal_ids == ("vd",)
    assert (found.total("out"), found.total("in")) == (5e9, 130e9)
    assert found.size["revenue_usd"].value == 50e9


def test_cli_by_alias_with_totals_and_figures_on_stderr(folder):
    result = run("exposure", "supplier", "--data", folder, "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["direction"], r["counterparty"]) for r in rows] == [
        ("out", "*"), ("out", "v"), ("out", "v"), ("in", "*"), ("in", "c1"), ("in", "c2"),
    ]  # fmt: skip
    total_in = rows[3]
    assert total_in["amount_usd"] == 130e9 and total_in["of_revenue"] == 2.6
    assert total_in["deal_ids"] == ["c1a", "c1b", "c2p"]
    assert "Supplier Inc: revenue $50B (FY2025" in result.stderr
    missing = run("exposure", "nobody", "--data", folder, ok=False)
    assert missing.exit_code == 2
    assert "ENTITY: 'nobody': no entity has this id, name or alias" in missing.output


def test_without_figures_the_ratios_are_empty(make_data):
    rows = run_json("exposure", "s", "--data", make_data(ROWS, ENTITIES))
    assert {r["of_revenue"] for r in rows} == {None}
    assert rows[0]["amount_usd"] == 5e9


def concentration_alert_for(load_folder, revenue: str | None, amounts: list[str]):
    rows = [deal(f"p{i}", f"c{i}", "z", amount=a) for i, a in enumerate(amounts)]
    folder = load_folder(rows)
    if revenue:
        write_financials(folder, [{"entity": "z", "fiscal_year": "2025", "revenue_usd": revenue}])
    alerts = analyze(load_dataset([folder]), Options(perspectives=("customers",))).alerts
    return next((a for a in alerts if a.kind == "concentration"), None)


def test_concentration_alerts_weigh_the_top_customer_by_revenue(make_data):
    # five $4B customers: top share 20%, HHI 0.2: below both thresholds
    assert concentration_alert_for(make_data, None, ["4B"] * 5) is None
    assert concentration_alert_for(make_data, "10B", ["4B"] * 5) is None  # 0.4x revenue
    # revenue $3B: the top customer alone is 4/3 = 1.33x a year of revenue: raised, high
    alert = concentration_alert_for(make_data, "3B", ["4B"] * 5)
    assert alert.severity == "high" and alert.details["top_to_revenue"] == round(4 / 3, 6)
    assert alert.summary.endswith("; the top one is 1.33x Z's FY2025 revenue")
    # $600M + $200M: top 75% of $800M: low; against a $2B revenue 0.3x: at least medium
    assert concentration_alert_for(make_data, None, ["600M", "200M"]).severity == "low"
    assert concentration_alert_for(make_data, "2B", ["600M", "200M"]).severity == "medium"
