"""--amounts firm: only firm deals, each with its firm or up-front part."""

from conftest import deal

from dealgraph.loaders import load_dataset
from dealgraph.loaders.dataset import BUNDLED
from dealgraph.queries.findings.analysis import Options, analyze
from dealgraph.queries.flows.flow import FlowFilter, deals_in_force, hops
from dealgraph.queries.flows.loops import find_loops
from dealgraph.queries.significance.robustness import headline_to_firm


def loops(data, amounts):
    flow = FlowFilter(amounts=amounts)
    found = find_loops(hops(deals_in_force(data.deals, flow))).loops
    return {loop.entities: loop.amount_usd for loop in found}


def test_a_ceiling_with_a_firm_part_against_a_closed_purchase(load):
    # a -> b: committed, up to 40 with 15 up front; b -> a: a closed purchase of 60.
    # Headline: min(40, 60) = 40. Firm: min(15, 60) = 15.
    data = load(
        [
            deal("up-to", "a", "b", kind="equity", amount="40", amount_low_usd="15",
                 amount_basis="committed", consideration="cash"),
            deal("bought", "b", "a", amount="60", status="closed"),
        ]
    )  # fmt: skip
    assert loops(data, "headline") == {("a", "b"): 40.0}
    assert loops(data, "firm") == {("a", "b"): 15.0}


def test_an_announced_headline_counts_nothing_under_firm(load):
    data = load(
        [
            deal("loi", "a", "b", amount="40"),  # announced, basis headline
            deal("bought", "b", "a", amount="60", status="closed"),
            deal("paid", "b", "c", amount="5", amount_basis="funded"),
            deal("back", "c", "b", amount="7", status="closed"),
            deal("shares", "c", "b", kind="equity", amount="9", status="closed",
                 consideration="stock"),
        ]
    )  # fmt: skip
    assert loops(data, "headline") == {("a", "b"): 40.0, ("b", "c"): 5.0}
    assert loops(data, "firm") == {("b", "c"): 5.0}  # the stock deal counts nothing either way


def test_bundled_firm_loops_are_fewer_and_never_larger():
    data = load_dataset((BUNDLED,))
    headline, firm = loops(data, "headline"), loops(data, "firm")
    assert set(firm) <= set(headline) and len(firm) < len(headline)
    for entities, amount in firm.items():
        assert amount is None or headline[entities] is None or amount <= headline[entities]
    assert any(firm[e] is not None and headline[e] and firm[e] < headline[e] for e in firm)


def hand_loop(load):
    return load(
        [
            deal("up-to", "a", "b", kind="equity", amount="40", amount_low_usd="15",
                 amount_basis="committed", consideration="cash"),
            deal("bought", "b", "a", amount="60", status="closed"),
            deal("loi", "b", "c", amount="8"),
            deal("back", "c", "a", amount="9", status="closed"),
        ]
    )  # fmt: skip


def test_loops_carry_their_range_and_say_when_they_rest_on_ceilings(load):
    data = hand_loop(load)
    by_loop = {a.entities: a for a in analyze(data).alerts if a.kind == "circular_flow"}
    firm_loop, soft_loop = by_loop[("a", "b")], by_loop[("a", "b", "c")]
    assert firm_loop.amount_usd == 40.0
    assert (firm_loop.details["amount_low_usd"], firm_loop.details["amount_high_usd"]) == (15, 40)
    assert firm_loop.details["rests_on_ceilings"] is False
    assert "rests on ceilings" not in firm_loop.summary
    assert soft_loop.details["rests_on_ceilings"] is True  # b -> c is an announced headline
    assert soft_loop.summary.endswith("rests on ceilings (no loop under firm amounts)")
    firm = analyze(data, Options(flow=FlowFilter(amounts="firm")))
    (only,) = [a for a in firm.alerts if a.kind == "circular_flow"]
    assert only.entities == ("a", "b") and only.amount_usd == 15.0
    assert (only.details["amount_low_usd"], only.details["amount_high_usd"]) == (15, 40)
    assert "rests_on_ceilings" not in only.details


def test_headline_to_firm_sets_the_largest_findings_side_by_side(load):
    moved = headline_to_firm(hand_loop(load))
    assert (moved.headline_loops, moved.firm_loops) == (2, 1)
    assert [(s.entities, s.headline_usd, s.firm_usd, s.survives) for s in moved.loops] == [
        (("a", "b"), 40.0, 15.0, True),
        (("a", "b", "c"), 8.0, None, False),
    ]
    # b's funders: a's equity, 40 headline and 15 firm; a is all of it either way
    shifts = {(c.entity, c.perspective): c for c in moved.concentration}
    funded = shifts[("b", "funders")]
    assert (funded.headline_total_usd, funded.firm_total_usd) == (40.0, 15.0)
    assert funded.headline_top_share == funded.firm_top_share == 1.0
    assert moved.summary().startswith("Firm money only: 1 of 2 loops remain")


def test_significance_p_values_reach_the_alerts(load):
    data = hand_loop(load)
    found = analyze(data, Options(significance_samples=20, seed=1))
    assert found.significance is not None
    for alert in found.alerts:
        if alert.kind == "circular_flow":
            compared = found.significance.loops_by_length[len(alert.entities)]
            assert alert.details["p_value"] == compared.p_value
    assert analyze(data).significance is None
