"""Loops: hand-worked cases, then agreement with networkx on random graphs."""

import random

import networkx as nx
import pytest
from conftest import deal

from dealgraph.queries.flows.flow import Hop, deals_in_force, hops
from dealgraph.queries.flows.loops import find_loops, iter_cycles


def loops_of(data, **kw):
    return find_loops(hops(deals_in_force(data.deals)), **kw)


def test_two_entity_loop_amount_is_the_smaller_hop(load):
    # nvidia -> openai 30B (equity); openai -> nvidia 10B + 5B (two purchases) = 15B.
    data = load(
        [
            deal("e", "nvidia", "openai", "equity", "30B"),
            deal("p1", "openai", "nvidia", "purchase", "10B"),
            deal("p2", "openai", "nvidia", "purchase", "5B"),
        ]
    )
    (loop,) = loops_of(data).loops
    assert loop.entities == ("nvidia", "openai")
    assert [h.amount_usd for h in loop.hops] == [30e9, 15e9]
    assert loop.amount_usd == 15e9
    assert loop.deal_ids == ("e", "p1", "p2")


def test_six_entity_loop_in_flow_order_from_the_smallest_id(load):
    # f -> a -> e -> b -> d -> c -> f, amounts 6,1,5,2,4,3 (B): the loop is listed from "a",
    # in the money's order, and 1B (a -> e) is what can go round.
    order = ["f", "a", "e", "b", "d", "c"]
    rows = [
        deal(f"d{i}", s, t, amount=f"{amt}B")
        for i, (s, t, amt) in enumerate(
            zip(order, order[1:] + order[:1], [6, 1, 5, 2, 4, 3], strict=True)
        )
    ]
    data = load(rows)
    (loop,) = loops_of(data).loops
    assert loop.entities == ("a", "e", "b", "d", "c", "f")
    assert loop.length == 6 and loop.amount_usd == 1e9
    assert loops_of(data, max_length=5).loops == []


def test_unknown_amount_makes_the_loop_amount_unknown(load):
    data = load(
        [deal("w", "amd", "openai", "warrant"), deal("p", "openai", "amd", "purchase", "10B")]
    )
    (loop,) = loops_of(data).loops
    assert loop.amount_usd is None
    assert loops_of(data, min_amount=1).loops == []  # unknown never passes a minimum


def test_min_amount_drops_loops_with_a_small_hop(load):
    data = load(
        [
            deal("1", "a", "b", amount="5B"),
            deal("2", "b", "a", amount="2B"),
            deal("3", "a", "c", amount="9B"),
            deal("4", "c", "a", amount="8B"),
        ]
    )
    assert [loop.entities for loop in loops_of(data).loops] == [("a", "b"), ("a", "c")]
    assert [loop.entities for loop in loops_of(data, min_amount=3e9).loops] == [("a", "c")]


def test_as_of_and_kinds_change_which_loops_exist(load):
    from dealgraph.queries.flows.flow import FlowFilter

    data = load(
        [
            deal("e", "a", "b", "equity", date="2024-01-01"),
            deal("p", "b", "a", "purchase", date="2025-06-01"),
        ]
    )
    before = find_loops(hops(deals_in_force(data.deals, FlowFilter(as_of="2025-05-31"))))
    after = find_loops(hops(deals_in_force(data.deals, FlowFilter(as_of="2025-06-01"))))
    only_equity = find_loops(
        hops(deals_in_force(data.deals, FlowFilter(kinds=frozenset({"equity"}))))
    )
    assert (len(before.loops), len(after.loops), len(only_equity.loops)) == (0, 1, 0)


def test_limit_cuts_the_search_and_says_so():
    # A complete directed graph on 6 nodes has 409 cycles of length 2..6.
    edges = {
        (a, b): Hop(a, b, 1.0, (f"{a}{b}",), ("purchase",))
        for a in "abcdef"
        for b in "abcdef"
        if a != b
    }
    full = find_loops(edges)
    assert len(full.loops) == 409 and not full.truncated
    cut = find_loops(edges, limit=10)
    assert len(cut.loops) == 10 and cut.truncated
    assert [loop.entities for loop in cut.loops] == [loop.entities for loop in full.loops[:10]]


def test_max_length_below_two_is_refused():
    with pytest.raises(ValueError):
        find_loops({}, max_length=1)


def _canonical(cycle):
    i = cycle.index(min(cycle))
    return tuple(cycle[i:] + cycle[:i])


@pytest.mark.parametrize("seed", range(40))
def test_same_loops_as_networkx_on_random_graphs(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 14)
    p = rng.uniform(0.05, 0.6)
    graph = nx.gnp_random_graph(n, p, seed=seed, directed=True)
    labels = list(range(n))
    rng.shuffle(labels)  # the answer must not depend on insertion order
    edges = [(f"e{labels[u]:02d}", f"e{labels[v]:02d}") for u, v in graph.edges()]
    rng.shuffle(edges)
    for bound in (2, 3, 4, 6):
        mine = [tuple(c) for c in iter_cycles(edges, bound)]
        theirs = {_canonical(c) for c in nx.simple_cycles(nx.DiGraph(edges), length_bound=bound)}
        assert len(mine) == len(set(mine))  # each loop once
        assert set(mine) == theirs
