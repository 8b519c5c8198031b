"""Alerts: severity rules, stable ids, sources behind every number."""

from conftest import deal, entity

from dealgraph.queries.findings.alerts import format_usd, severity_at_least
from dealgraph.queries.findings.analysis import Options, analyze


def test_loop_alert_carries_deals_sources_and_severity(load):
    data = load(
        [deal("e", "a", "b", "equity", "30B"), deal("p", "b", "a", "purchase", "12B")],
        [entity("a", name="Alpha"), entity("b", name="Beta")],
    )
    (alert,) = [a for a in analyze(data).alerts if a.kind == "circular_flow"]
    assert alert.severity == "high"  # 12B can go round: at least 10B
    assert alert.amount_usd == 12e9
    assert alert.entities == ("a", "b") and alert.deal_ids == ("e", "p")
    assert alert.sources == ("https://example.com/e", "https://example.com/p")
    assert alert.summary == "Alpha -> Beta -> Alpha: $12B can go round (smallest hop)"


def test_loop_severity_thresholds(load):
    def severity(amount_back):
        data = load([deal("e", "a", "b", "equity", "30B"), deal("p", "b", "a", amount=amount_back)])
        return next(a.severity for a in analyze(data).alerts if a.kind == "circular_flow")

    assert severity("10B") == "high"
    assert severity("9.9B") == "medium"
    assert severity("1B") == "medium"
    assert severity("999M") == "low"
    assert severity("") == "medium"  # undisclosed: cannot be ruled small


def test_alert_ids_are_stable_and_depend_only_on_the_finding(load):
    first = load([deal("e", "a", "b", "equity", "5B"), deal("p", "b", "a", amount="1B")])
    again = load(
        [
            deal("x", "a", "b", "debt", "7B"),
            deal("y", "b", "a", amount="2B"),
            deal("z", "c", "d", amount="1"),
        ]
    )
    loop_ids = [
        {a.id for a in analyze(d).alerts if a.kind == "circular_flow"} for d in (first, again)
    ]
    assert loop_ids[0] == loop_ids[1] and len(loop_ids[0]) == 1


def test_concentration_alert_rules(load):
    # z's customers: a 16B (80%), b 4B: high (>=75% of >=10B). y's: a 500M, b 300M (under 1B): low.
    # x's: four customers of 1B each: top share 25%, HHI .25: an alert (HHI rule), low.
    rows = [
        deal("1", "a", "z", amount="16B"),
        deal("2", "b", "z", amount="4B"),
        deal("3", "a", "y", amount="500M"),
        deal("4", "b", "y", amount="300M"),
    ]
    rows += [deal(f"x{i}", f"c{i}", "x", amount="1B") for i in range(4)]
    rows += [deal(f"w{i}", f"c{i}", "w", amount="1B") for i in range(5)]  # HHI .2: no alert
    alerts = {
        (a.entities[0], a.details["perspective"]): a
        for a in analyze(load(rows)).alerts
        if a.kind == "concentration"
    }
    z = alerts[("z", "customers")]
    assert z.severity == "high" and z.details["top_share"] == 0.8 and z.amount_usd == 20e9
    assert z.summary == "A is 80% of Z's customer inflows of $20B (2 counterparties, HHI 0.68)"
    assert alerts[("y", "customers")].severity == "low"
    assert alerts[("x", "customers")].severity == "low"
    assert ("w", "customers") not in alerts


def test_alerts_sorted_most_severe_then_largest(load):
    rows = [
        deal("1", "a", "b", amount="50B"),
        deal("2", "b", "a", amount="20B"),
        deal("3", "c", "d", amount="2B"),
        deal("4", "d", "c", amount="1B"),
    ]
    alerts = analyze(load(rows), Options(perspectives=())).alerts
    assert [a.amount_usd for a in alerts] == [20e9, 1e9]


def test_money_text():
    # 999.5B rounds to three digits before the unit is chosen: $1T, never "$1e+03B".
    amounts = (300e9, 1.5e9, 750e6, 12.25e9, 2.5e12, 999, None, 999.5e9, 2.5e15, 999.6e12)
    assert [format_usd(x) for x in amounts] == [
        "$300B",
        "$1.5B",
        "$750M",
        "$12.2B",
        "$2.5T",
        "$999",
        "undisclosed",
        "$1T",
        "$2,500T",
        "$1,000T",
    ]
    assert severity_at_least("high", "medium") and not severity_at_least("low", "medium")
