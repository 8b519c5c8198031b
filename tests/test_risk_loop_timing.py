"""Loop timing and firmness: when the legs were signed, how firm the weakest is, what that
does to a loop alert's severity, and `--max-span`."""

from __future__ import annotations

import pytest
from conftest import deal
from risk_data import run, run_json

from dealgraph.queries.findings.analysis import Options, analyze
from dealgraph.queries.flows.flow import FlowFilter
from dealgraph.queries.flows.loop_profile import DealTerms, loop_profile, parse_span

NO_CONC = Options(perspectives=())
RUMORED = FlowFilter(include_rumored=True)


def only_loop(data):
    analysis = analyze(data, NO_CONC)
    (loop,) = analysis.loops.loops
    alert = next(a for a in analysis.alerts if a.kind == "circular_flow")
    return loop_profile(loop, DealTerms(data.deals)), alert


def test_a_quick_firm_round_trip_is_raised(load):
    data = load(
        [
            deal("e", "a", "b", "equity", "5B", "2024-01-15", status="closed",
                 amount_basis="funded"),
            deal("p", "b", "a", "purchase", "2B", "2024-06-15", status="closed",
                 amount_basis="committed"),
        ]
    )  # fmt: skip
    profile, alert = only_loop(data)
    # 2024-01-15 .. 2024-06-15 = 16 + 29 + 31 + 30 + 31 + 15 = 152 days: tight; both closed
    # and committed or funded: firm. $2B can go round: medium, +1 for tight = high.
    assert (profile.first_date, profile.last_date, profile.span_days) == (
        "2024-01-15",
        "2024-06-15",
        152,
    )
    assert (profile.timing, profile.firmness) == ("tight", "firm")
    assert profile.weakest_hop == ("b", "a")  # closed/committed is weaker than closed/funded
    assert alert.severity == "high"
    assert alert.details["span_days"] == 152 and alert.details["firmness"] == "firm"


def test_legs_years_apart_are_ordinary_trade(load):
    # 2019-01-01 .. 2025-01-01 = 6 x 365 + 2 leap days = 2192 days: spread (-1); default
    # status and basis (announced, headline) on both legs: soft (-1). $2B: medium - 2 = low.
    data = load(
        [deal("e", "a", "b", "equity", "5B", "2019-01-01"), deal("p", "b", "a", amount="2B")]
    )
    profile, alert = only_loop(data)
    assert (profile.span_days, profile.timing, profile.firmness) == (2192, "spread", "soft")
    assert alert.severity == "low"


def test_a_leg_counts_from_its_first_deal_and_is_as_firm_as_its_firmest(load):
    data = load(
        [
            deal("e", "a", "b", "equity", "5B", "2024-03-01", status="closed",
                 amount_basis="funded"),
            # the b -> a leg: an LOI in 2024-05 (a month: its first day), then a reported
            # commitment in 2026: the leg exists from 2024-05-01, firm as "reported/committed"
            deal("p1", "b", "a", amount="1B", date="2024-05"),
            deal("p2", "b", "a", amount="1B", date="2026-01-01", status="reported",
                 amount_basis="committed"),
        ]
    )  # fmt: skip
    profile, alert = only_loop(data)
    # 2024-03-01 .. 2024-05-01 = 61 days: tight (+1); partial (0): $2B medium -> high
    assert (profile.last_date, profile.span_days) == ("2024-05-01", 61)
    assert (profile.weakest_status, profile.weakest_basis) == ("reported", "committed")
    assert profile.firmness == "partial"
    assert alert.severity == "high"


@pytest.mark.parametrize(
    ("status", "basis", "firmness"),
    [
        ("closed", "funded", "firm"),
        ("closed", "headline", "partial"),
        ("announced", "committed", "partial"),
        ("announced", "headline", "soft"),
        ("rumored", "funded", "soft"),
    ],
)
def test_firmness_levels(load, status, basis, firmness):
    data = load(
        [
            deal("e", "a", "b", "equity", "5B", status="closed", amount_basis="funded"),
            deal("p", "b", "a", amount="2B", status=status, amount_basis=basis),
        ]
    )
    loop = analyze(data, Options(perspectives=(), flow=RUMORED)).loops.loops[0]
    assert loop_profile(loop, DealTerms(data.deals)).firmness == firmness


def test_parse_span():
    assert [parse_span(t) for t in ("90", "90d", "2w", "6m", "2y", " 1Y ")] == [
        90,
        90,
        14,
        180,
        730,
        365,
    ]
    with pytest.raises(ValueError, match="not a span"):
        parse_span("soon")


def test_max_span_filters_loops_and_alerts(make_data):
    # a <-> b closes in 31 days; c <-> d takes 2024-01-01 .. 2025-07-01 = 547 days.
    folder = make_data(
        [
            deal("e1", "a", "b", "equity", "5B", "2025-01-01"),
            deal("p1", "b", "a", amount="2B", date="2025-02-01"),
            deal("e2", "c", "d", "equity", "5B", "2024-01-01"),
            deal("p2", "d", "c", amount="2B", date="2025-07-01"),
        ]
    )
    every = run_json("loops", "--data", folder)
    assert sorted(r["span_days"] for r in every) == [31, 547]
    assert {r["timing"] for r in every} == {"tight", "moderate"}
    assert [r["entities"] for r in run_json("loops", "--data", folder, "--max-span", "1y")] == [
        ["a", "b"]
    ]
    assert len(run_json("loops", "--data", folder, "--max-span", "547")) == 2
    loop_alerts = [
        a for a in run_json("alerts", "--data", folder, "--max-span", "30d")
        if a["kind"] == "circular_flow"
    ]  # fmt: skip
    assert loop_alerts == []
    result = run("loops", "--data", folder, "--max-span", "soon", ok=False)
    assert result.exit_code == 2 and "not a span: 'soon'" in result.output
