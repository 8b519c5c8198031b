"""Finn's cycling index: hand-worked graphs, the per-component computation checked
against the whole-graph Leontief inverse and its power series on random graphs, and the
modelled path for large components checked against the exact one."""

from __future__ import annotations

import functools
from collections import defaultdict

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import deal
from risk_data import run_json

from dealgraph.cli import main
from dealgraph.queries.flows import circularity as circularity_module
from dealgraph.queries.flows.circularity import circularity
from dealgraph.queries.flows.flow import Hop


def hop_map(*edges) -> dict[tuple[str, str], Hop]:
    return {(s, t): Hop(s, t, amount, (f"{s}{t}",), ("purchase",)) for s, t, amount in edges}


def shares(found) -> dict[str, float]:
    return {e.entity: round(e.cycling_share, 9) for e in found.entities}


def test_half_comes_back():
    # T_a = max(in 5, out 10) = 10, T_b = max(in 10, out 5) = 10. A dollar leaving a goes to
    # b (q = 1) and comes back with q_ba = 5/10: return chance 0.5, m = 1/(1-0.5) = 2,
    # c = (2-1)/2 = 0.5 for both. Cycled 10 of 20: index 0.5.
    found = circularity(hop_map(("a", "b", 10.0), ("b", "a", 5.0)))
    assert shares(found) == {"a": 0.5, "b": 0.5}
    assert (found.index, found.cycled_usd, found.throughflow_usd) == (0.5, 10.0, 20.0)
    assert found.deal_ids == ("ab", "ba")


def test_a_closed_circle_cycles_everything():
    found = circularity(hop_map(("a", "b", 5.0), ("b", "c", 5.0), ("c", "a", 5.0)))
    assert found.index == 1.0 and set(shares(found).values()) == {1.0}


def test_a_leaking_circle_next_to_a_chain():
    # a -> b -> c -> a carries 10, 10, 5; c also sends 5 out to x. T = 10, 10, 10 and 5 for x.
    # Return chance from any member: 1 x 1 x 0.5 = 0.5, so c = 0.5 each: cycled 15 of 35.
    # The chain y -> z adds 2 + 2 to the throughflow and nothing to the cycling.
    found = circularity(
        hop_map(("a", "b", 10.0), ("b", "c", 10.0), ("c", "a", 5.0), ("c", "x", 5.0),
                ("y", "z", 2.0), ("z", "q", None))
    )  # fmt: skip
    assert shares(found) == {"a": 0.5, "b": 0.5, "c": 0.5}
    assert found.throughflow_usd == 39.0  # x 5, y 2, z 2 on top of 30
    assert found.index == pytest.approx(15 / 39)
    assert found.entities[0].component == ("a", "b", "c")


def test_no_loop_no_cycling():
    found = circularity(hop_map(("a", "b", 3.0), ("b", "c", 1.0), ("a", "c", 2.0)))
    assert (found.index, found.entities) == (0.0, ())
    assert circularity({}).index == 0.0


def throughflows(flows: dict) -> dict[str, float]:
    """T_i = max(inflows, outflows), summed plainly: the reference for the module's arrays."""
    inflow: dict[str, float] = defaultdict(float)
    outflow: dict[str, float] = defaultdict(float)
    for (source, target), amount in flows.items():
        outflow[source] += amount
        inflow[target] += amount
    return {n: max(inflow[n], outflow[n]) for n in sorted(set(inflow) | set(outflow))}


def whole_graph_shares(flows: dict, through: dict) -> dict[str, float]:
    """c_i from one inverse over every node, and again from the power series sum_k Q^k."""
    nodes = sorted(through)
    index = {n: i for i, n in enumerate(nodes)}
    q = np.zeros((len(nodes), len(nodes)))
    for (s, t), amount in flows.items():
        q[index[s], index[t]] = amount / through[s]
    m = np.diag(np.linalg.inv(np.eye(len(nodes)) - q))
    series, power = np.eye(len(nodes)), np.eye(len(nodes))
    for _ in range(3000):
        power = power @ q
        series += power
    assert np.allclose(np.diag(series), m, rtol=1e-6)
    return {n: (m[index[n]] - 1) / m[index[n]] for n in nodes}


@pytest.mark.parametrize("seed", range(8))
def test_components_agree_with_the_whole_graph(seed):
    rng = np.random.default_rng(seed)
    graph = nx.gnp_random_graph(12, 0.18, seed=seed, directed=True)
    flows = {(f"n{s:02d}", f"n{t:02d}"): float(rng.uniform(1, 100)) for s, t in graph.edges}
    found = circularity(hop_map(*((s, t, a) for (s, t), a in flows.items())))
    expected = whole_graph_shares(flows, throughflows(flows))
    got = {e.entity: e.cycling_share for e in found.entities}
    for node, share in expected.items():
        assert got.get(node, 0.0) == pytest.approx(share, abs=1e-9), node
    total = sum(throughflows(flows).values())
    weighted = sum(share * throughflows(flows)[n] for n, share in expected.items())
    assert found.index == pytest.approx(weighted / total)


def power_law_hops(entities: int, seed: int) -> dict[tuple[str, str], Hop]:
    """About nine partners each, hubs paying and paid (as benchmarks/synthetic.py draws)."""
    rng = np.random.default_rng(seed)
    weight = rng.pareto(1.3, entities) + 1
    p = weight / weight.sum()
    ends = rng.choice(entities, (9 * entities, 2), p=p)
    pairs = sorted({(int(s), int(t)) for s, t in ends if s != t})
    return hop_map(*((f"e{s:04d}", f"e{t:04d}", float(rng.lognormal(0, 1.5))) for s, t in pairs))


@pytest.fixture(scope="module")
def modelled():
    """A 920-member core, modelled above 50 members, and its exact dense result."""
    hops = power_law_hops(1000, seed=1)
    return circularity(hops, dense_max=50), circularity(hops)


def test_the_model_agrees_with_the_exact_inverse(modelled):
    # Measured on 20 such graphs (500 to 1,450 entities): index error at most 6.2e-6
    # (indices 0.004-0.015), entity error at most 2.3e-3, median at most 3.4e-6; on this
    # one 1.1e-6, 4.4e-4 and 5.6e-7. Without the long-walk (Perron) term the next test fails.
    estimate, exact = modelled
    assert estimate.estimated and not exact.estimated
    assert estimate.index == pytest.approx(exact.index, abs=3e-5)
    expected = {e.entity: e.cycling_share for e in exact.entities}
    errors = np.array([e.cycling_share - expected[e.entity] for e in estimate.entities])
    guessed = np.array([e.estimated for e in estimate.entities])
    assert guessed.sum() > 400 and np.abs(errors).max() < 3e-3
    assert np.median(np.abs(errors[guessed])) < 3e-5
    assert np.abs(errors[~guessed]).max() < 1e-9  # those solved exactly are exact
    assert not any(e.estimated for e in estimate.entities[:8])  # the heaviest are solved
    assert all(0 <= e.cycling_share <= 1 for e in estimate.entities)
    assert all(e.stderr == 0 for e in estimate.entities if not e.estimated)


def test_the_reported_error_covers_the_actual_one(modelled):
    estimate, exact = modelled
    assert 0 < estimate.index_stderr and exact.index_stderr == 0
    assert abs(estimate.index - exact.index) <= estimate.index_stderr
    expected = {e.entity: e.cycling_share for e in exact.entities}
    guessed = [e for e in estimate.entities if e.estimated]
    covered = [abs(e.cycling_share - expected[e.entity]) <= 2 * e.stderr for e in guessed]
    assert np.mean(covered) >= 0.9  # the errors have a heavy tail: see docs/risk.md


def test_cli(make_data):
    folder = make_data(
        [deal("ab", "a", "b", "equity", "10B"), deal("ba", "b", "a", amount="5B"),
         deal("cd", "c", "d", amount="1B")]
    )  # fmt: skip
    rows = run_json("circularity", "--data", folder)
    assert [(r["scope"], r["entity"]) for r in rows] == [
        ("market", None), ("entity", "a"), ("entity", "b"),
    ]  # fmt: skip
    # T: a 10, b 10, c 1, d 1; cycled 5 + 5: index 10 / 22
    assert rows[0]["cycling_share"] == round(10 / 22, 6) and rows[0]["cycled_usd"] == 10e9
    assert rows[1]["deal_ids"] == ["ab", "ba"] and rows[1]["component"] == "a"
    assert rows[1]["component_size"] == 2
    assert run_json("circularity", "--data", folder, "--kinds", "equity")[0]["cycled_usd"] == 0
    assert rows[0]["estimated"] is False and rows[0]["cycling_share_stderr"] == 0.0


def test_cli_marks_estimates(make_data, monkeypatch):
    hops = power_law_hops(300, seed=2)
    folder = make_data(
        [deal(h.deal_ids[0], h.source, h.target, amount=f"{h.amount_usd * 1e9:.0f}")
         for h in hops.values()]
    )  # fmt: skip
    modelled = functools.partial(circularity_module.circularity, dense_max=50)
    monkeypatch.setattr(circularity_module, "circularity", modelled)
    rows = run_json("circularity", "--data", folder)
    assert rows[0]["estimated"] and rows[0]["cycling_share_stderr"] > 0
    guessed = [r for r in rows[1:] if r["estimated"]]
    assert guessed and all(r["cycling_share_stderr"] > 0 for r in guessed)
    assert all(r["cycling_share_stderr"] == 0 for r in rows[1:] if not r["estimated"])
    result = CliRunner().invoke(main, ["circularity", "--data", str(folder), "--format", "table"])
    assert result.stdout.split("\n")[0].split() == [
        "scope", "name", "throughflow", "cycled", "cycling_share", "estimated",
        "cycling_share_stderr",
    ]  # fmt: skip
    assert "Estimated:" in result.stderr
