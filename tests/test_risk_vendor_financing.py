"""Vendor financing: a seller's money coming back as its sales, directly or via one party."""

from __future__ import annotations

from conftest import deal
from risk_data import run_json

from dealgraph.queries.findings.alerts import source_urls, vendor_financing_alert
from dealgraph.queries.findings.analysis import analyze
from dealgraph.queries.flows.flow import deals_in_force
from dealgraph.queries.risk.vendor_financing import vendor_financing

# n funds o ($10B equity) and sells to o ($40B) and to c ($8B); o rents from c ($6B).
# The revenue share o -> n is not a purchase and the jv n -> o is not funding: both ignored.
ROWS = [
    deal("fund", "n", "o", "equity", "10B"),
    deal("buy", "o", "n", "purchase", "40B"),
    deal("rent", "o", "c", "cloud_contract", "6B"),
    deal("resell", "c", "n", "purchase", "8B"),
    deal("share", "o", "n", "revenue_share", "100B"),
    deal("venture", "n", "o", "jv", "50B"),
]


def test_direct_and_through_one_intermediary(load):
    data = load(ROWS)
    direct, via = vendor_financing(deals_in_force(data.deals))
    # direct: min(10, 40) = $10B can come back, 10 / 40 = 25% of n's sales to o
    assert (direct.funder, direct.recipient, direct.via) == ("n", "o", None)
    assert (direct.returned_usd, direct.sales_usd, direct.coverage) == (10e9, 40e9, 0.25)
    assert direct.deal_ids == ("fund", "buy")
    # via c: min(10, 6, 8) = $6B, 6 / 8 = 75% of n's sales to c
    assert via.entities == ("n", "o", "c")
    assert (via.returned_usd, via.sales_usd, via.coverage) == (6e9, 8e9, 0.75)
    assert via.deal_ids == ("fund", "rent", "resell")
    assert vendor_financing(deals_in_force(data.deals), via=False) == [direct]


def test_alerts_and_their_severity(load):
    data = load(ROWS)
    found = {a.entities: a for a in analyze(data).alerts if a.kind == "vendor_financing"}
    # $10B back covering 25%: high. $6B: medium, one level down via an intermediary: low.
    assert found[("n", "o")].severity == "high"
    assert found[("n", "o", "c")].severity == "low"
    assert found[("n", "o")].sources == ("https://example.com/buy", "https://example.com/fund")
    assert found[("n", "o")].summary == (
        "N funds O ($10B); O pays N: $10B can come back, 25% of the sales on that leg"
    )


def test_undisclosed_legs_keep_the_pattern(load):
    data = load([deal("f", "n", "o", "debt", "5B"), deal("p", "o", "n", "leaseback", "")])
    (found,) = vendor_financing(deals_in_force(data.deals))
    assert (found.returned_usd, found.coverage, found.sales_usd) == (None, None, None)
    names = {"n": "N", "o": "O"}
    alert = vendor_financing_alert(found, source_urls(data.deals), names)
    assert alert.severity == "medium" and "undisclosed" in alert.summary


def test_cli_filters_and_formats(make_data):
    folder = make_data(ROWS)
    rows = run_json("vendor-financing", "--data", folder)
    assert [r["route"] for r in rows] == ["N > O > N", "N > O > C > N"]
    assert rows[1]["payments_usd"] == [6e9, 8e9] and rows[1]["coverage"] == 0.75
    assert rows[1]["funding_deal_ids"] == ["fund"]
    assert rows[1]["payment_deal_ids"] == ["rent", "resell"]
    assert len(run_json("vendor-financing", "--data", folder, "--direct-only")) == 1
    assert len(run_json("vendor-financing", "--data", folder, "--min-amount", "7B")) == 1
    assert run_json("vendor-financing", "--data", folder, "--kinds", "debt,purchase") == []
