"""Every risk command on the bundled data set, through the CLI: properties that hold for any
reasonable data (not today's numbers), and the analyses checked against each other."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from risk_data import run, run_json

from dealgraph.loaders import load_dataset
from dealgraph.queries.flows.flow import deal_values, deals_in_force


@pytest.fixture(scope="module")
def bundled():
    return load_dataset()


def test_vendor_financing(bundled):
    rows = run_json("vendor-financing")
    assert rows, "the bundled data has well-known vendor financing (e.g. NVIDIA and OpenAI)"
    ids = set(bundled.deals["id"])
    for r in rows:
        assert r["funder"] != r["recipient"] and r["via"] not in (r["funder"], r["recipient"])
        assert set(r["deal_ids"]) <= ids
        if r["returned_usd"] is not None:
            assert r["returned_usd"] <= min([r["funding_usd"], *r["payments_usd"]])
            assert 0 < r["coverage"] <= 1
    amounts = [r["returned_usd"] for r in rows if r["returned_usd"] is not None]
    assert amounts == sorted(amounts, reverse=True)


def test_exposure_of_every_listed_company_adds_up(bundled):
    for entity in sorted(set(bundled.financials["entity"]))[:6]:
        rows = run_json("exposure", entity)
        deals = bundled.deals.loc[[d for r in rows if r["counterparty"] != "*"
                                   for d in r["deal_ids"]]]  # fmt: skip
        assert ((deals["from_entity"] == entity) | (deals["to_entity"] == entity)).all()
        for direction in ("out", "in"):
            lines = [r for r in rows if r["direction"] == direction]
            total, parts = lines[0], lines[1:]
            assert total["counterparty"] == "*"
            assert total["amount_usd"] == pytest.approx(sum(r["amount_usd"] or 0 for r in parts))
            if total["of_revenue"] is not None and total["amount_usd"]:
                revenue = total["amount_usd"] / total["of_revenue"]
                for r in parts:
                    if r["amount_usd"]:
                        assert r["of_revenue"] == pytest.approx(r["amount_usd"] / revenue, abs=2e-6)


def test_funding(bundled):
    rows = run_json("funding")
    assert {r["entity"] for r in rows} == set(bundled.financials["entity"])
    assert {r["lean"] for r in rows} <= {"cash_flow", "debt", "partners", "reserves", "unknown"}
    for r in rows:
        if r["capex_to_cash_flow"] is not None:
            ratio = r["capex_usd"] / r["operating_cash_flow_usd"]
            assert r["capex_to_cash_flow"] == pytest.approx(ratio, abs=1e-4)
            assert (r["lean"] == "cash_flow") == (ratio <= 1)


def test_stress_of_the_largest_payer(bundled):
    deals = deals_in_force(bundled.deals)
    payer = deals.assign(v=deal_values(deals)).groupby("from_entity")["v"].sum().idxmax()
    result = run("stress", "--shock", payer, "--format", "json")
    rows = json.loads(result.stdout)
    assert rows[0]["entity"] == payer and rows[0]["round"] == 0
    rounds = [r["round"] for r in rows if r["round"] is not None]
    assert rounds == sorted(rounds) and rows[1]["direct_loss_usd"] > 0
    for r in rows:
        assert r["path_ids"][0] == payer and r["path_ids"][-1] == r["entity"]
        if r["round"]:
            assert r["loss_ratio"] >= 0.25
    assert "DebtRank" in result.stderr


def test_circularity_and_timeline_agree(bundled):
    rows = run_json("circularity")
    market, entities = rows[0], rows[1:]
    assert market["scope"] == "market" and 0 < market["cycling_share"] < 1
    assert market["cycled_usd"] == pytest.approx(sum(r["cycled_usd"] for r in entities))
    assert all(0 < r["cycling_share"] <= 1 for r in entities)
    quarters = run_json("timeline", "--max-length", "3")
    labels = [q["quarter"] for q in quarters]
    assert labels == sorted(labels) and len(labels) == len(set(labels))
    # the last quarter ends at the last deal: its index is today's
    assert quarters[-1]["cycling_index"] == market["cycling_share"]
    stock = deal_values(deals_in_force(bundled.deals)).fillna(0).sum()
    assert sum(q["new_usd"] for q in quarters) == pytest.approx(stock)


def test_alerts_carry_the_new_kinds_and_loops_their_timing():
    alerts = run_json("alerts")
    kinds = {a["kind"] for a in alerts}
    assert {"vendor_financing", "stress", "circular_flow", "concentration"} <= kinds
    loops = run_json("loops", "--max-length", "4")
    tight = run_json("loops", "--max-length", "4", "--max-span", "6m")
    assert len(tight) < len(loops) and all(r["span_days"] <= 180 for r in tight)
    assert {r["firmness"] for r in loops} <= {"firm", "partial", "soft"}


def test_table_output_through_a_real_process():
    result = subprocess.run(
        [sys.executable, "-m", "dealgraph", "circularity", "--format", "table"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    header, rule, market = result.stdout.splitlines()[:3]
    assert header.split() == ["scope", "name", "throughflow", "cycled", "cycling_share"]
    assert market.startswith("market  (market)")
