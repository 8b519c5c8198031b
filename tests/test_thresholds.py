"""Every severity threshold and filter bound, exactly on it, just below and just above.

A rule written `>=` that becomes `>` (or the reverse) fails here: each case sits on the
bound itself. Amounts step by $1 (exact in floats at these sizes), shares and ratios by
1e-9 of their value. The rules are in queries/findings/alerts.py's docstring.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import deal

from dealgraph.cli import main
from dealgraph.queries.dependence.concentration import Concentration, Counterparty
from dealgraph.queries.dependence.figures import Figure
from dealgraph.queries.findings.alerts import (
    LoopAlerts,
    concentration_alert,
    stress_alert,
    vendor_financing_alert,
)
from dealgraph.queries.findings.analysis import Options, analyze
from dealgraph.queries.flows.flow import FlowFilter, Hop, deal_spans, deals_in_force
from dealgraph.queries.flows.loop_profile import LoopProfile
from dealgraph.queries.flows.loops import Loop
from dealgraph.queries.risk.stress import StressHit, StressNetwork, StressResult
from dealgraph.queries.risk.vendor_financing import VendorFinancing

B = 1e9
EPS = 1e-9  # relative step for shares and ratios


# The amount rule that circular flows and stress share: high from $10B, medium from $1B.
AMOUNT_BOUNDS = [
    (10 * B, "high"),
    (10 * B - 1, "medium"),
    (10 * B + 1, "high"),
    (1 * B, "medium"),
    (1 * B - 1, "low"),
    (1 * B + 1, "medium"),
]


def below(x: float) -> float:
    return x * (1 - EPS)


def above(x: float) -> float:
    return x * (1 + EPS)


# --- concentration ----------------------------------------------------------------------


def concentration_of(share: float, total: float, hhi: float | None = None) -> Concentration:
    """An entity whose top counterparty has `share` of `total` (the rest with one other)."""
    parties = [Counterparty("top", share * total, share, ("d1",))]
    if share < 1:
        parties.append(Counterparty("other", (1 - share) * total, 1 - share, ("d2",)))
    if hhi is None:
        hhi = sum(p.share**2 for p in parties)
    return Concentration("me", "customers", total, hhi, tuple(parties))


def concentration_severity(share, total, hhi=None, revenue=None) -> str | None:
    figure = None if revenue is None else Figure("me", "revenue_usd", revenue, "FY2025", "u")
    alert = concentration_alert(concentration_of(share, total, hhi), {}, {}, figure)
    return alert and alert.severity


@pytest.mark.parametrize(
    "share, total, expected",
    [
        (0.75, 10 * B, "high"),  # on both bounds: 75% of $10B
        (below(0.75), 10 * B, "medium"),
        (above(0.75), 10 * B, "high"),
        (0.75, 10 * B - 1, "medium"),
        (0.75, 10 * B + 1, "high"),
        (0.5, 1 * B, "medium"),  # on both bounds: 50% of $1B
        (below(0.5), 1 * B, "low"),
        (above(0.5), 1 * B, "medium"),
        (0.5, 1 * B - 1, "low"),
        (0.5, 1 * B + 1, "medium"),
    ],
)
def test_concentration_severity_bounds(share, total, expected):
    assert concentration_severity(share, total) == expected


@pytest.mark.parametrize(
    "share, hhi, raised",
    [
        (0.5, 0.2, True),  # the top share alone, on its bound
        (below(0.5), 0.2, False),
        (above(0.5), 0.2, True),
        (0.4, 0.25, True),  # the HHI alone, on its bound
        (0.4, below(0.25), False),
        (0.4, above(0.25), True),
    ],
)
def test_concentration_alert_is_raised_from_the_bounds(share, hhi, raised):
    assert (concentration_severity(share, 5 * B, hhi) is not None) is raised


@pytest.mark.parametrize(
    "revenue, hhi, expected",
    [
        # The top one is 0.4 x $5B = $2B; HHI 0.2 is below its bound, so only size raises it.
        (2 * B, 0.2, "high"),  # exactly a year of revenue
        (above(2 * B), 0.2, None),  # a little less than a year
        (below(2 * B), 0.2, "high"),
        # HHI 0.3 raises a low alert; a quarter of the revenue makes it at least medium.
        (8 * B, 0.3, "medium"),  # exactly a quarter
        (above(8 * B), 0.3, "low"),
        (below(8 * B), 0.3, "medium"),
    ],
)
def test_concentration_against_revenue_bounds(revenue, hhi, expected):
    assert concentration_severity(0.4, 5 * B, hhi, revenue) == expected


def test_concentration_end_to_end_on_the_high_bound(load):
    # c pays a $7.5B and b $2.5B: a is exactly 75% of c's supplier spending of $10B.
    def suppliers(a_amount: str) -> str:
        data = load([deal("1", "c", "a", amount=a_amount), deal("2", "c", "b", amount="2.5B")])
        (alert,) = [a for a in analyze(data).alerts if a.details.get("perspective") == "suppliers"]
        return alert.severity

    assert suppliers("7.5B") == "high"
    assert suppliers("7499999999") == "medium"  # just under 75% of just under $10B
    assert suppliers("7500000001") == "high"


@pytest.mark.parametrize("minimum, kept", [(10 * B, True), (10 * B - 1, True), (10 * B + 1, False)])
def test_concentration_min_amount_is_at_least(load, minimum, kept):
    data = load([deal("1", "c", "a", amount="7.5B"), deal("2", "c", "b", amount="2.5B")])
    found = analyze(data, Options(min_amount=minimum)).concentration
    assert bool(found) is kept


# --- vendor financing -------------------------------------------------------------------


def hop(source, target, amount):
    return Hop(source, target, amount, (f"{source}{target}",), ("equity",))


def vendor_severity(funding, payment, via=False) -> str:
    if via:
        found = VendorFinancing(
            "a", "b", "c", hop("a", "b", funding), (hop("b", "c", payment), hop("c", "a", payment))
        )
    else:
        found = VendorFinancing("a", "b", None, hop("a", "b", funding), (hop("b", "a", payment),))
    return vendor_financing_alert(found, {}, {}).severity


@pytest.mark.parametrize(
    "funding, payment, expected",
    [
        (10 * B, 40 * B, "high"),  # $10B back, covering exactly a quarter of $40B of sales
        (10 * B - 1, 40 * B, "medium"),
        (10 * B + 1, 40 * B, "high"),
        (10 * B, 40 * B + 4, "medium"),  # coverage just below a quarter
        (10 * B, 40 * B - 4, "high"),
        (1 * B, 1 * B, "medium"),  # $1B back
        (1 * B - 1, 1 * B, "low"),
        (1 * B + 1, 2 * B, "medium"),
        (None, 40 * B, "medium"),  # undisclosed
    ],
)
def test_vendor_financing_severity_bounds(funding, payment, expected):
    assert vendor_severity(funding, payment) == expected


def test_vendor_financing_through_an_intermediary_is_one_level_down():
    assert vendor_severity(10 * B, 40 * B, via=True) == "medium"
    assert vendor_severity(1 * B, 1 * B, via=True) == "low"
    assert vendor_severity(1 * B - 1, 1 * B, via=True) == "low"


@pytest.mark.parametrize("minimum, kept", [(3 * B, True), (3 * B - 1, True), (3 * B + 1, False)])
def test_vendor_financing_min_amount_is_at_least(load, minimum, kept):
    data = load([deal("e", "a", "b", "equity", "5B"), deal("p", "b", "a", "purchase", "3B")])
    kinds = {a.kind for a in analyze(data, Options(min_amount=minimum)).alerts}
    assert ("vendor_financing" in kinds) is kept


# --- stress -----------------------------------------------------------------------------


def stress_severity(loss: float) -> str:
    hits = (
        StressHit("o", 1.0, 0.0, 0.0, None, "", 0, 1.0, ("o",), ()),
        StressHit("x", None, loss, 0.0, loss, "inflows", 1, 1.0, ("o", "x"), ("d",)),
        StressHit("y", None, 0.0, 0.0, 1.0, "inflows", 2, 0.0, ("o", "x", "y"), ()),
    )
    return stress_alert(StressResult((("o", 1.0),), 0.25, hits, 2, 0.5), {}, {}).severity


@pytest.mark.parametrize("loss, expected", AMOUNT_BOUNDS)
def test_stress_severity_bounds(loss, expected):
    assert stress_severity(loss) == expected


@pytest.mark.parametrize("amount, distressed", [(25.0, True), (below(25.0), False), (26.0, True)])
def test_distress_threshold_is_at_least(amount, distressed):
    network = StressNetwork({("o", "x"): hop("o", "x", amount)}, {"x": (100.0, "revenue")})
    assert (network.could_distress(0.25) == ["o"]) is distressed
    result = network.propagate({"o": 1.0}, 0.25)
    assert bool(result.distressed) is distressed


@pytest.mark.parametrize("minimum, kept", [(15 * B, True), (15 * B - 1, True), (15 * B + 1, False)])
def test_stress_min_amount_is_at_least(load, minimum, kept):
    # o's default distresses x (loses 10B of 10B inflows), whose default distresses y
    # (5B of 5B) in round 2: a cascade; 15B lost by the others.
    data = load([deal("1", "o", "x", amount="10B"), deal("2", "x", "y", amount="5B")])
    stress = [a for a in analyze(data, Options(min_amount=minimum)).alerts if a.kind == "stress"]
    assert [a.amount_usd for a in stress] == ([15 * B] if kept else [])


# --- circular flow ----------------------------------------------------------------------


def loop_severity(amount: float | None, span_days: int = 400) -> str:
    loop = Loop(("a", "b"), (hop("a", "b", amount), hop("b", "a", 100 * B)))
    profile = LoopProfile("2024-01-01", "2025-01-01", span_days, ("a", "b"), "closed", "funded")
    return LoopAlerts({}, {})(loop, profile).severity


@pytest.mark.parametrize("amount, expected", [*AMOUNT_BOUNDS, (None, "medium")])
def test_circular_flow_severity_bounds(amount, expected):
    assert loop_severity(amount) == expected


@pytest.mark.parametrize(
    "span, expected",
    [
        (365, "high"),  # tight: a year or less, one level up from medium
        (364, "high"),
        (366, "medium"),
        (1095, "medium"),  # three years: still moderate
        (1094, "medium"),
        (1096, "low"),  # spread: one level down
    ],
)
def test_circular_flow_timing_bounds(span, expected):
    assert loop_severity(5 * B, span) == expected


# --- CLI filters: --min-amount, --max-span, --as-of -------------------------------------


def loops_json(folder, *args) -> list[dict]:
    result = CliRunner().invoke(main, ["loops", "--data", str(folder), "--format", "json",
                                       *map(str, args)])  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def one_loop(make_data):
    # a -> b 5B on 2025-01-01, b -> a 3B on 2025-04-11: $3B goes round; legs 100 days apart.
    return make_data(
        [
            deal("1", "a", "b", "equity", "5B", date="2025-01-01"),
            deal("2", "b", "a", "purchase", "3000000000", date="2025-04-11"),
        ]
    )


@pytest.mark.parametrize(
    "minimum, found", [("3000000000", 1), ("2999999999", 1), ("3000000001", 0)]
)
def test_min_amount_keeps_loops_of_at_least(one_loop, minimum, found):
    assert len(loops_json(one_loop, "--min-amount", minimum)) == found


@pytest.mark.parametrize("span, found", [("100", 1), ("99", 0), ("101", 1)])
def test_max_span_keeps_loops_within(one_loop, span, found):
    assert len(loops_json(one_loop, "--max-span", span)) == found


@pytest.mark.parametrize(
    "as_of, found",
    [("2025-04-11", 1), ("2025-04-10", 0), ("2025-04-12", 1), ("2025-04", 1), ("2025-03", 0)],
)
def test_as_of_counts_deals_dated_on_or_before(one_loop, as_of, found):
    assert len(loops_json(one_loop, "--as-of", as_of)) == found


@pytest.mark.parametrize("as_of, found", [("2025-04-01", 1), ("2025-03-31", 0)])
def test_a_month_date_counts_from_the_first_of_the_month(make_data, as_of, found):
    folder = make_data(
        [
            deal("1", "a", "b", "equity", "5B", date="2025-01-01"),
            deal("2", "b", "a", "purchase", "3B", date="2025-04"),
        ]
    )
    assert len(loops_json(folder, "--as-of", as_of)) == found


# --- supersede on, just before and just after the original's day ------------------------


def in_force(data, as_of: str) -> list[str]:
    return sorted(deals_in_force(data.deals, FlowFilter(as_of=as_of))["id"])


def spans(data) -> dict[str, str]:
    """Deal id -> `until` for every deal in force on some date (what the map's slider uses)."""
    frame = deal_spans(data.deals)
    return dict(zip(frame["id"], frame["until"], strict=True))


def test_a_row_superseding_on_the_same_day_replaces_the_deal_from_day_one(load):
    data = load(
        [
            deal("old", "a", "b", amount="5B", date="2025-01-01"),
            deal("new", "a", "b", amount="7B", date="2025-01-01", supersedes="old"),
        ]
    )
    assert in_force(data, "2024-12-31") == []
    assert in_force(data, "2025-01-01") == ["new"]
    assert in_force(data, "2025-06-01") == ["new"]
    assert spans(data) == {"new": ""}  # "old" is in force on no day at all


def test_a_row_superseding_the_next_day_leaves_the_deal_in_force_for_one_day(load):
    data = load(
        [
            deal("old", "a", "b", amount="5B", date="2025-01-01"),
            deal("new", "a", "b", amount="7B", date="2025-01-02", supersedes="old"),
        ]
    )
    assert in_force(data, "2025-01-01") == ["old"]
    assert in_force(data, "2025-01-02") == ["new"]
    assert spans(data) == {"old": "2025-01-02", "new": ""}


def test_a_row_superseding_from_the_day_before_means_the_deal_never_counts(load):
    data = load(
        [
            deal("old", "a", "b", amount="5B", date="2025-01-02"),
            deal("new", "a", "b", amount="7B", date="2025-01-01", supersedes="old"),
        ]
    )
    assert in_force(data, "2025-01-01") == ["new"]
    assert in_force(data, "2025-01-02") == ["new"]
    assert spans(data) == {"new": ""}
