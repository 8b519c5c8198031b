"""Timeline: net new commitments per quarter, circularity at each quarter's end, the chart."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import deal
from risk_data import run, run_json

from dealgraph.loaders import load_dataset
from dealgraph.queries.flows.flow import FlowFilter
from dealgraph.queries.flows.timeline import timeline

ROWS = [
    deal("e1", "a", "b", "equity", "10B", "2025-01-15"),
    deal("p1", "b", "a", "purchase", "4B", "2025-02-01"),
    deal("e2", "a", "b", "equity", "15B", "2025-05-01", supersedes="e1", status="amended"),
    deal("c1", "c", "d", "cloud_contract", "3B", "2025-08"),
    deal("c1x", "c", "d", "cloud_contract", "3B", "2025-10-01", supersedes="c1",
         status="cancelled"),
]  # fmt: skip


@pytest.fixture
def folder(make_data):
    return make_data(ROWS)


def test_quarters_worked_by_hand(folder):
    quarters = timeline(load_dataset([folder]).deals)
    assert [(q.label, q.start, q.end) for q in quarters] == [
        ("2025Q1", "2025-01-01", "2025-03-31"),
        ("2025Q2", "2025-04-01", "2025-06-30"),
        ("2025Q3", "2025-07-01", "2025-09-30"),
        ("2025Q4", "2025-10-01", "2025-10-01"),  # up to the last deal
    ]
    # Q1: $10B equity and $4B purchases, new. Q2: the amendment adds 15 - 10 = $5B.
    # Q3: $3B of cloud. Q4: its cancellation takes the $3B away.
    assert [q.new_usd for q in quarters] == [
        {"equity": 10e9, "purchase": 4e9},
        {"equity": 5e9},
        {"cloud_contract": 3e9},
        {"cloud_contract": -3e9},
    ]
    assert [q.new_deal_ids for q in quarters] == [("e1", "p1"), ("e2",), ("c1",), ()]
    # Q1: T_a = T_b = 10, return chance 4/10: cycled 8 of 20 (index 0.4).
    # Q2: T = 15 each, return chance 4/15: cycled 4/15 x 30 = 8 of 30.
    # Q3: c and d add 3 + 3 of throughflow: 8 of 36. Q4: back to 8 of 30.
    assert [round(q.index, 6) for q in quarters] == [0.4, round(8 / 30, 6), round(8 / 36, 6),
                                                     round(8 / 30, 6)]  # fmt: skip
    assert [q.cycled_usd for q in quarters] == pytest.approx([8e9, 8e9, 8e9, 8e9])
    assert [(q.loops, q.largest_loop_usd) for q in quarters] == [(1, 4e9)] * 4


def test_start_and_as_of(folder):
    deals = load_dataset([folder]).deals
    quarters = timeline(deals, FlowFilter(as_of="2025-08"), start="2025-04-15")
    assert [(q.label, q.end) for q in quarters] == [
        ("2025Q2", "2025-06-30"),
        ("2025Q3", "2025-08-31"),
    ]
    assert quarters[0].new_usd == {"equity": 5e9}  # measured from the end of Q1


def test_cli_csv_columns_per_kind_and_a_chart(folder, tmp_path):
    result = run("timeline", "--data", folder, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["quarter"] for r in rows] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert rows[3]["new_cloud_contract_usd"] == "-3000000000"
    assert rows[0]["new_equity_usd"] == "10000000000" and rows[0]["loops"] == "1"
    chart = tmp_path / "out" / "timeline.png"
    run("timeline", "--data", folder, "--chart", chart, "--format", "json")
    first = chart.read_bytes()
    assert first.startswith(b"\x89PNG\r\n\x1a\n") and len(first) > 5000
    run("timeline", "--data", folder, "--chart", chart, "--format", "json")
    assert chart.read_bytes() == first  # same input, same file
    assert list(chart.parent.iterdir()) == [chart]  # no temp file left behind


def test_empty_when_nothing_is_in_force(folder):
    assert run_json("timeline", "--data", folder, "--as-of", "2024-12-31") == []


def test_every_bar_of_the_bundled_chart_lies_inside_the_axes():
    """The tallest stack (2025Q4 in the bundled data) once ran off the top of the axis."""
    from matplotlib.patches import Rectangle

    from dealgraph.viz.timeline_chart import draw

    for quarters in (timeline(load_dataset().deals), timeline(load_dataset().deals)[:1]):
        axes = draw(quarters).axes[0]
        low, high = axes.get_ylim()
        bars = [p for p in axes.patches if isinstance(p, Rectangle)]
        assert bars
        spare = 0.01 * (high - low)  # not touching the frame either
        for bar in bars:
            bottom, top = sorted((bar.get_y(), bar.get_y() + bar.get_height()))
            assert low <= bottom and top <= high - spare, (bar.get_x(), bottom, top, high)
