"""Stress transmission: a DebtRank-style cascade worked out by hand, its invariants on random
graphs, the `stress` alert and the command."""

from __future__ import annotations

import random

import pytest
from conftest import deal
from random_deals import random_folder
from risk_data import run, run_json, write_financials

from dealgraph.loaders import load_dataset
from dealgraph.queries.dependence.figures import latest
from dealgraph.queries.findings.analysis import Options, analyze
from dealgraph.queries.flows.flow import deals_in_force, hops
from dealgraph.queries.risk.stress import stress

ROWS = [
    deal("sa", "s", "a", amount="40B"),
    deal("sb", "s", "b", amount="10B"),
    deal("ab", "a", "b", amount="50B"),
    deal("bc", "b", "c", amount="20B"),
    deal("bs", "b", "s", amount="100B"),
    deal("dc", "d", "c", amount="60B"),
    deal("ad", "a", "d", amount=""),  # undisclosed: carries no loss
]
FIGURES = [
    {"entity": "s", "fiscal_year": "2025", "revenue_usd": "500B"},
    {"entity": "a", "fiscal_year": "2025", "revenue_usd": "100B"},
    {"entity": "b", "fiscal_year": "2025", "revenue_usd": "100B"},
]  # c has no figures: its size is its inflows, 20 + 60 = 80; d has neither


@pytest.fixture
def folder(make_data):
    return write_financials(make_data(ROWS), FIGURES)


def run_stress(data, shocks, threshold=0.25):
    revenue = latest(data.financials, "revenue_usd")
    return stress(hops(deals_in_force(data.deals)), shocks, revenue, threshold)


def test_a_cascade_worked_by_hand(folder):
    # Round 1: s stops paying everything. a loses 40 of 100 (0.4 >= 0.25: distressed, cuts
    #   40% of its outflows); b loses 10 of 100 (0.1: not yet).
    # Round 2: a passes 0.4 x 50 = 20 to b: b has lost 30 of 100 (0.3): distressed, cuts 30%.
    # Round 3: b passes 0.3 x 20 = 6 to c (6 / 80 = 0.075: hurt, not distressed) and
    #   0.3 x 100 = 30 back to s, which already passed its shock on. Nothing else moves.
    result = run_stress(load_dataset([folder]), {"s": 1.0})
    table = [
        (h.entity, h.distressed_round, h.direct_loss_usd / 1e9, h.indirect_loss_usd / 1e9,
         h.cut_fraction, h.path, h.deal_ids)
        for h in result.hits
    ]  # fmt: skip
    assert table == [
        ("s", 0, 0.0, 30.0, 1.0, ("s",), ("bs",)),
        ("a", 1, 40.0, 0.0, 0.4, ("s", "a"), ("sa",)),
        ("b", 2, 10.0, 20.0, 0.3, ("s", "b"), ("ab", "sb")),  # first reached from s
        ("c", None, 0.0, 6.0, None, ("s", "b", "c"), ("bc",)),
    ]
    assert [(h.size_basis, h.loss_ratio) for h in result.hits] == [
        ("revenue FY2025", 30 / 500),
        ("revenue FY2025", 0.4),
        ("revenue FY2025", 0.3),
        ("inflows", 6 / 80),
    ]
    assert result.rounds == 2 and result.cascades
    assert result.loss_usd == 76e9  # 40 + 30 + 6: what everyone but s lost
    # DebtRank: sizes s 500, a 100, b 100, c 80 (total 780); added distress x relative size:
    # a 0.4 x 100, b 0.3 x 100, c 0.075 x 80, s none beyond its own shock -> 76 / 780
    assert result.debtrank == pytest.approx(76 / 780)


def test_threshold_and_fraction(folder):
    data = load_dataset([folder])
    calm = run_stress(data, {"s": 1.0}, threshold=0.5)  # a's 0.4 no longer distresses
    assert [(h.entity, h.loss_usd) for h in calm.hits] == [("s", 0.0), ("a", 40e9), ("b", 10e9)]
    assert not calm.distressed and calm.rounds == 0
    half = run_stress(data, {"s": 0.5})  # a loses 20 of 100: 0.2 < 0.25
    assert [h.entity for h in half.distressed] == []
    with pytest.raises(ValueError, match="must be in"):
        run_stress(data, {"s": 1.5})


@pytest.mark.parametrize("seed", range(5))
def test_invariants_on_random_graphs(make_data, seed):
    data = load_dataset([random_folder(make_data, seed, entities=10 + seed, deals=40)])
    hop_map = hops(deals_in_force(data.deals))
    origin = random.Random(seed).choice(sorted({s for s, _ in hop_map}))
    threshold = 0.2
    result = stress(hop_map, {origin: 0.8}, latest(data.financials, "revenue_usd"), threshold)
    # every dollar not paid is lost by someone: the losses add up to what the passers cut
    passed = sum(
        h.cut_fraction * (hop.amount_usd or 0.0)
        for h in result.hits
        if h.cut_fraction is not None
        for (source, _), hop in hop_map.items()
        if source == h.entity
    )
    assert sum(h.loss_usd for h in result.hits) == pytest.approx(passed)
    for h in result.hits:
        assert h.path[0] == origin and h.path[-1] == h.entity
        assert all(pair in hop_map for pair in zip(h.path, h.path[1:], strict=False))
        if h.entity != origin:  # distressed exactly when the loss reached the threshold
            assert (h.distressed_round is not None) == (h.loss_ratio >= threshold)
            # its cut is its loss ratio when it passed the shock on; later losses add to the ratio
            if h.cut_fraction is not None:
                assert threshold <= h.cut_fraction <= min(1.0, h.loss_ratio) + 1e-12


def test_only_a_cascade_makes_a_stress_alert(folder):
    # a's default distresses b (50 of 100), b passes half on: c 10/80, s 50/500: no second
    # round. b's and d's defaults distress c only. s's reaches b in round 2: one alert.
    alerts = [a for a in analyze(load_dataset([folder]), Options()).alerts if a.kind == "stress"]
    (alert,) = alerts
    assert alert.entities == ("s", "a", "b") and alert.severity == "high"  # $76B lost
    assert alert.amount_usd == 76e9 and alert.deal_ids == ("ab", "sa", "sb")
    assert alert.summary == (
        "If S stopped paying: A (round 1), B (round 2) distressed; $76B lost across 3 entities"
    )


def test_cli(folder):
    rows = run_json("stress", "--data", folder, "--shock", "S=1", "--threshold", "0.25")
    assert [(r["entity"], r["round"]) for r in rows] == [("s", 0), ("a", 1), ("b", 2), ("c", None)]
    assert rows[3]["path"] == "S > B > C" and rows[3]["path_ids"] == ["s", "b", "c"]
    result = run("stress", "--data", folder, "--shock", "s", "--format", "csv")
    assert result.stdout.splitlines()[0].startswith("entity,name,shocked,round")
    assert "3 entities hit, 2 distressed in 2 rounds; $76B lost by the others" in result.stderr
    bad = run("stress", "--data", folder, "--shock", "s=2", ok=False)
    assert bad.exit_code == 2 and "the fraction must be above 0 and at most 1" in bad.output
    unknown = run("stress", "--data", folder, "--shock", "zz", ok=False)
    assert unknown.exit_code == 2 and "--shock: 'zz'" in unknown.output
