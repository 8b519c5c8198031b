"""Which deals count: dates, versions (supersedes), statuses and kinds."""

from conftest import deal

from dealgraph.queries.flows.flow import FlowFilter, count_hops, deals_in_force, hops


def ids(data, **flow) -> list[str]:
    return sorted(deals_in_force(data.deals, FlowFilter(**flow))["id"])


def test_as_of_keeps_deals_dated_on_or_before(load):
    data = load(
        [
            deal("early", "a", "b", date="2024-05-01"),
            deal("late", "a", "b", date="2025-05-01"),
            deal("month", "a", "b", date="2025-05"),
        ]
    )
    assert ids(data, as_of="2025-04-30") == ["early"]
    assert ids(data, as_of="2025-05-01") == ["early", "late", "month"]
    assert ids(data, as_of="2025-05") == ["early", "late", "month"]  # a month means all of it
    assert ids(data) == ["early", "late", "month"]


def test_a_newer_version_replaces_the_older_from_its_own_date(load):
    # v1 (2025-01) is amended by v2 (2025-06), which is cancelled by v3 (2025-09).
    data = load(
        [
            deal("v1", "a", "b", amount="100", date="2025-01-10"),
            deal("v2", "a", "b", amount="30", date="2025-06-01", supersedes="v1"),
            deal("v3", "a", "b", date="2025-09-01", supersedes="v2", status="cancelled"),
            deal("other", "b", "a", date="2025-01-01"),
        ]
    )
    assert ids(data, as_of="2025-05-31") == ["other", "v1"]
    assert ids(data, as_of="2025-06-01") == ["other", "v2"]
    assert ids(data) == ["other"]


def test_cancelled_never_counts_and_rumored_only_when_asked(load):
    data = load(
        [
            deal("c", "a", "b", status="cancelled"),
            deal("r", "a", "b", status="rumored"),
            deal("ok", "a", "b", status="closed"),
        ]
    )
    assert ids(data) == ["ok"]
    assert ids(data, include_rumored=True) == ["ok", "r"]


def test_a_rumored_amendment_does_not_replace_a_confirmed_deal_unless_asked(load):
    data = load(
        [
            deal("v1", "a", "b", status="closed"),
            deal("v2", "a", "b", date="2025-02-01", supersedes="v1", status="rumored"),
        ]
    )
    assert ids(data) == ["v1"]
    assert ids(data, include_rumored=True) == ["v2"]


def test_kinds_filter(load):
    data = load([deal("e", "a", "b", "equity"), deal("p", "b", "a", "purchase")])
    assert ids(data, kinds=frozenset({"equity"})) == ["e"]


def test_parallel_deals_make_one_hop_with_their_sum(load):
    # a -> b: 2B + 500M + one undisclosed deal = 2.5B known; the range deal counts its low end.
    data = load(
        [
            deal("d1", "a", "b", "equity", "2B"),
            deal("d2", "a", "b", "purchase", "500M"),
            deal("d3", "a", "b", "debt"),
            deal("d4", "b", "a", amount_low_usd="1B", amount_high_usd="3B"),
        ]
    )
    hop_map = hops(deals_in_force(data.deals))
    ab = hop_map[("a", "b")]
    assert ab.amount_usd == 2.5e9
    assert ab.deal_ids == ("d1", "d2", "d3") and ab.unknown_deal_ids == ("d3",)
    assert ab.kinds == ("debt", "equity", "purchase")
    assert hop_map[("b", "a")].amount_usd == 1e9


def test_count_hops_is_the_number_of_hops():
    """`count_hops` (what `analyze` sizes its shuffles by) against the hops themselves, on
    the bundled data whole and cut by date and kind (pairs with several deals among them)."""
    from dealgraph.loaders import BUNDLED, load_dataset

    deals = load_dataset([BUNDLED]).deals
    for flow in (
        FlowFilter(),
        FlowFilter(as_of="2025-06"),
        FlowFilter(kinds=frozenset({"equity"})),
    ):
        in_force = deals_in_force(deals, flow)
        assert count_hops(in_force) == len(hops(in_force)) > 0
