"""The null model and the significance test: degrees kept, counts right, p-values honest."""

import json
import random

import numpy as np
from scipy.stats import binom

from dealgraph.loaders import load_dataset
from dealgraph.loaders.dataset import BUNDLED
from dealgraph.queries.flows.flow import Hop, deals_in_force, hops
from dealgraph.queries.flows.loops import find_loops
from dealgraph.queries.significance.loop_significance import (
    benjamini_hochberg,
    edge_list,
    format_p,
    significance,
    significance_dict,
)
from dealgraph.queries.significance.null_model import (
    BURN_IN,
    EdgeList,
    SwapChain,
    count_cycles,
    null_graphs,
    path_counts,
    trace_counts,
)


def random_hops(seed: int, n: int = 20, p: float = 0.12, extra=()) -> dict:
    """A directed G(n, p) with random amounts, plus `extra` edges: no planted structure."""
    rng = random.Random(seed)
    edges = {(f"n{a:02d}", f"n{b:02d}") for a in range(n) for b in range(n)
             if a != b and rng.random() < p}  # fmt: skip
    edges |= set(extra)
    return {e: Hop(e[0], e[1], float(rng.randint(1, 100)), (f"{e[0]}>{e[1]}",), ("purchase",))
            for e in sorted(edges)}  # fmt: skip


def bundled_hops():
    return hops(deals_in_force(load_dataset((BUNDLED,)).deals))


def test_swaps_keep_every_degree_and_with_the_option_every_two_way_pair():
    graph, _ = edge_list(bundled_hops())
    out_degree, in_degree = graph.degrees()
    mutual = graph.reciprocated()
    original = set(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))
    for keep in (False, True):
        seq = np.random.SeedSequence(3)
        for sample in null_graphs(graph, 5, seq, keep_reciprocity=keep):
            out_s, in_s = sample.degrees()
            assert (out_s == out_degree).all() and (in_s == in_degree).all()
            pairs = list(zip(sample.src.tolist(), sample.dst.tolist(), strict=True))
            assert len(set(pairs)) == len(pairs) and all(a != b for a, b in pairs)
            assert set(pairs) != original  # it did rewire
            # amounts travel with the payer: each entity pays out what it paid
            paid = np.bincount(sample.src, sample.amount, minlength=graph.n)
            assert np.allclose(paid, np.bincount(graph.src, graph.amount, minlength=graph.n))
            if keep:
                assert (sample.reciprocated() == mutual).all()
        if not keep:
            assert (sample.reciprocated() != mutual).any()


def test_the_chain_is_mixed_after_its_burn_in():
    # Mixed: after BURN_IN swaps per edge, as few original edges survive as after ten
    # times as many (where the chain has surely forgotten its start), within sampling noise.
    graph, _ = edge_list(bundled_hops())
    original = set(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))

    def kept_after(per_edge: int, seed: int) -> float:
        chain = SwapChain(graph, np.random.default_rng(seed))
        chain.run(per_edge * len(original))
        return len(original & chain.graph().pairs()) / len(original)

    short = np.array([kept_after(BURN_IN, s) for s in range(20)])
    long = np.array([kept_after(10 * BURN_IN, s + 100) for s in range(20)])
    noise = np.sqrt(short.var(ddof=1) / 20 + long.var(ddof=1) / 20)
    assert abs(short.mean() - long.mean()) < 3 * noise + 0.01
    early = np.array([kept_after(1, s) for s in range(20)])
    assert early.mean() > long.mean() + 3 * noise  # the test can tell an unmixed chain


def test_counting_agrees_with_the_loop_search():
    # Two counters (traces of matrix powers up to length 5, growing paths beyond) against
    # `find_loops`, which lists the loops one by one, on random graphs of rising density.
    for seed in range(15):
        hop_map = random_hops(seed, n=14, p=0.2 + 0.02 * seed)
        graph, names = edge_list(hop_map)
        by_length, through = path_counts(graph, 6)
        for short in (2, 3, 4, 5):  # the trace counts, against the paths
            traced = trace_counts(graph, short)
            grown = path_counts(graph, short)
            assert traced[0].tolist() == grown[0].tolist()
            assert traced[1].tolist() == grown[1].tolist()
        loops = find_loops(hop_map, max_length=6).loops
        assert by_length.sum() == len(loops)
        for k in range(2, 7):
            assert by_length[k] == sum(1 for loop in loops if loop.length == k)
        expected = {name: 0 for name in names}
        for loop in loops:
            for e in loop.entities:
                expected[e] += 1
        assert dict(zip(names, through.tolist(), strict=True)) == expected
    assert count_cycles(edge_list(bundled_hops())[0], 6)[0].tolist()[2:] == [
        sum(1 for loop in find_loops(bundled_hops(), 6).loops if loop.length == k)
        for k in range(2, 7)
    ]


def test_sparse_pruning_and_batches_count_what_the_dense_search_does():
    # Above `dense_max` nodes the search prunes by sorted keys, and stops building levels
    # past `max_pairs` (50: after the first); past `paths_max` paths it works in batches.
    # None of these may change a count.
    graphs = [edge_list(random_hops(seed, n=30, p=0.15))[0] for seed in range(5)]
    dense = [path_counts(graph, 6) for graph in graphs]
    for options in ({"max_pairs": 10**9}, {"max_pairs": 50}, {"paths_max": 10}):
        for graph, (by_length, through) in zip(graphs, dense, strict=True):
            found = path_counts(graph, 6, dense_max=0 if "max_pairs" in options else 1000,
                                **options)  # fmt: skip
            assert found[0].tolist() == by_length.tolist()
            assert found[1].tolist() == through.tolist()


def test_no_planted_structure_is_rarely_significant():
    # Under the null, P(p <= 0.05) <= 0.05 for each seed; over 40 seeds more than
    # `bound` rejections has probability below 0.01 (binomial tail).
    seeds = 40
    bound = int(binom.ppf(0.99, seeds, 0.05))
    rejected = {"total": 0, 2: 0, 3: 0}
    for seed in range(seeds):
        found = significance(random_hops(seed), samples=100, seed=seed, max_length=4)
        rejected["total"] += found.total.p_value <= 0.05
        rejected[2] += found.loops_by_length[2].p_value <= 0.05
        rejected[3] += found.loops_by_length[3].p_value <= 0.05
    assert all(count <= bound for count in rejected.values()), (rejected, bound)


def test_planted_reciprocity_is_significant_at_length_two():
    pairs = [(f"n{a:02d}", f"n{a + 1:02d}") for a in range(0, 20, 2)]
    planted = pairs + [(b, a) for a, b in pairs]
    for seed in range(3):
        found = significance(random_hops(seed, extra=planted), samples=200, seed=seed)
        assert found.loops_by_length[2].p_value < 0.01


def test_planted_three_party_loops_are_significant_beyond_two_way_pairs():
    # 13 disjoint triangles on 39 of 40 nodes, over a sparse random graph: the null, with
    # the same degrees, expects a few triangles (mean degree ~2.2: about 2.2^3 / 3).
    triangles = [(f"n{a:02d}", f"n{a + 1:02d}", f"n{a + 2:02d}") for a in range(0, 39, 3)]
    planted = [edge for a, b, c in triangles for edge in ((a, b), (b, c), (c, a))]
    for seed in range(3):
        found = significance(
            random_hops(seed, n=40, p=0.03, extra=planted), samples=200, seed=seed,
            keep_reciprocity=True, max_length=4,
        )  # fmt: skip
        assert found.loops_by_length[3].p_value < 0.01
        assert found.loops_by_length[2].p_value == 1.0  # kept exactly: nothing to test


def test_same_seed_same_output_however_many_processes():
    hop_map = random_hops(7)
    one = significance_dict(significance(hop_map, samples=250, seed=5, processes=1))
    two = significance_dict(significance(hop_map, samples=250, seed=5, processes=2))
    again = significance_dict(significance(hop_map, samples=250, seed=5))
    assert json.dumps(one) == json.dumps(two) == json.dumps(again)
    other = significance_dict(significance(hop_map, samples=250, seed=6, processes=1))
    assert json.dumps(other) != json.dumps(one)


def test_benjamini_hochberg_by_hand():
    # sorted p: 0.01, 0.03, 0.04, 0.2 (m = 4); p*m/rank: 0.04, 0.06, 0.0533, 0.2;
    # running minimum from the top: 0.04, 0.0533, 0.0533, 0.2.
    q = benjamini_hochberg(np.array([0.03, 0.2, 0.01, 0.04]))
    assert np.allclose(q, [0.16 / 3, 0.2, 0.04, 0.16 / 3])
    assert benjamini_hochberg(np.array([0.9, 0.8])).tolist() == [0.9, 0.9]


def test_entity_q_values_are_benjamini_hochberg_of_their_p_values():
    found = significance(bundled_hops(), samples=100, seed=2)
    rows = sorted(found.entities, key=lambda e: e.p_value)
    m = len(rows)
    for i, row in enumerate(rows):  # the definition, computed directly
        q = min(min(r.p_value * m / (j + 1) for j, r in enumerate(rows) if j >= i), 1.0)
        assert np.isclose(row.q_value, q)
    assert all(row.loops >= 0 and 0 < row.p_value <= 1 for row in rows)


def test_one_line_summary_states_the_comparison():
    found = significance(random_hops(1, extra=[("n00", "n01"), ("n01", "n00")]), samples=50)
    line = found.summary()
    assert line.startswith(f"{found.total.observed:,.0f} loops of 2 to 5 entities against ")
    assert "in 50 degree-preserving shuffles, p " in line
    two = format_p(found.loops_by_length[2].p_value, 50)
    assert f"(two-party loops {two}, money circulating " in line


def test_an_empty_graph_tests_nothing():
    found = significance({}, samples=10)
    assert found.total.observed == 0 and found.entities == ()
    assert isinstance(EdgeList(0, np.array([]), np.array([]), np.array([])).n, int)


def test_the_dense_cycling_index_is_circularitys():
    from dealgraph.queries.flows.circularity import circularity
    from dealgraph.queries.significance.loop_significance import _dense_cycling

    cases = [random_hops(seed, n=12, p=0.25) for seed in range(10)] + [bundled_hops()]
    checked = 0
    for hop_map in cases:
        graph, _ = edge_list(hop_map)
        dense = _dense_cycling(graph)
        if dense is None:
            continue
        checked += 1
        known = {pair: hop for pair, hop in hop_map.items() if hop.amount_usd}
        exact = circularity(known)
        assert np.isclose(dense[0], exact.index) and np.isclose(dense[1], exact.cycled_usd)
    assert checked >= 8
