"""--amounts firm: only firm deals, each with its firm or up-front part."""

from conftest import deal

from dealgraph.loaders import load_dataset
from dealgraph.loaders.dataset import BUNDLED
from dealgraph.queries.flow import FlowFilter, deals_in_force, hops
from dealgraph.queries.loops import find_loops


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
