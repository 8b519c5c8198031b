"""Alert lifecycle: `alerts --since PREVIOUS.json` marks new, changed, unchanged and gone."""

from __future__ import annotations

import csv
import io
import json

from conftest import deal
from risk_data import run, run_json

from dealgraph.queries.findings.alert_changes import compare_alerts


def alert(id, severity="low", amount=1.0, **more):
    row = {"id": id, "kind": "circular_flow", "severity": severity, "entities": ["a", "b"]}
    return {**row, "amount_usd": amount, "deal_ids": ["d1"], "sources": [], "summary": "s", **more}


def test_each_change_by_hand():
    previous = [alert("same"), alert("moved"), alert("bigger"), alert("dropped")]
    current = [
        alert("same", amount=1),  # 1 and 1.0 are the same number once written as JSON
        alert("moved", severity="high"),
        alert("bigger", amount=2.0, deal_ids=("d1", "d2")),  # a tuple compares as a list
        alert("fresh"),
    ]
    rows = compare_alerts(current, previous)
    assert [(r["id"], r["change"], r["changed_fields"]) for r in rows] == [
        ("same", "unchanged", []),
        ("moved", "changed", ["severity"]),
        ("bigger", "changed", ["amount_usd", "deal_ids"]),
        ("fresh", "new", []),
        ("dropped", "gone", []),
    ]
    assert rows[1]["previous_severity"] == "low" and "previous_severity" not in rows[2]
    assert rows[4]["severity"] == "low"  # a gone alert as it was
    # a file written with --since lists gone alerts; comparing against it they were not there
    again = compare_alerts([alert("same")], rows)
    assert [(r["id"], r["change"]) for r in again] == [
        ("same", "unchanged"), ("moved", "gone"), ("bigger", "gone"), ("fresh", "gone"),
    ]  # fmt: skip


def test_a_weekly_run(make_data, tmp_path):
    week1 = make_data(
        [
            deal("e1", "a", "b", "equity", "5B"), deal("p1", "b", "a", amount="2B"),
            deal("e2", "c", "d", "equity", "5B"), deal("p2", "d", "c", amount="2B"),
        ]
    )  # fmt: skip
    week2 = make_data(
        [
            deal("e1", "a", "b", "equity", "15B"), deal("p1", "b", "a", amount="20B"),  # grew
            deal("e3", "e", "f", "equity", "5B"), deal("p3", "f", "e", amount="2B"),  # new
        ]
    )  # fmt: skip
    previous = tmp_path / "last-week.json"
    run("alerts", "--data", week1, "--format", "json", "-o", previous)
    assert {a["kind"] for a in json.loads(previous.read_text())} >= {"circular_flow"}
    rows = run_json("alerts", "--data", week2, "--since", previous, "--kinds", "equity,purchase")
    loops = {tuple(r["entities"]): r for r in rows if r["kind"] == "circular_flow"}
    assert loops[("a", "b")]["change"] == "changed"
    # $2B round trip (medium) became $15B (high)
    assert loops[("a", "b")]["changed_fields"] == ["severity", "amount_usd", "summary"]
    assert loops[("a", "b")]["previous_severity"] == "medium"
    assert loops[("e", "f")]["change"] == "new"
    assert loops[("c", "d")]["change"] == "gone"
    assert rows[-1]["change"] == "gone"  # gone ones come last
    unchanged = run_json("alerts", "--data", week1, "--since", previous)
    assert {r["change"] for r in unchanged} == {"unchanged"}
    table = run("alerts", "--data", week2, "--since", previous, "--format", "csv").stdout
    header = next(csv.reader(io.StringIO(table)))
    assert header[-1] == "change"


def test_a_bad_previous_file_is_refused(make_data, tmp_path):
    folder = make_data([deal("e1", "a", "b", "equity", "5B")])
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": "x"}, {"kind": "loop"}, 3]', encoding="utf-8")
    result = run("alerts", "--data", folder, "--since", bad, ok=False)
    assert result.exit_code == 2
    assert f"{bad}:2: id: expected an alert object with an `id`" in result.output
    assert f"{bad}:3: id:" in result.output
    bad.write_text('{"id": "x"}', encoding="utf-8")
    assert "expected a JSON list of alerts" in run("alerts", "--data", folder, "--since", bad,
                                                   ok=False).output  # fmt: skip
    lines = tmp_path / "previous.jsonl"
    lines.write_text('{"id": "loop-1"}\n\n{"id": "loop-2"}\n', encoding="utf-8")
    gone = [r for r in run_json("alerts", "--data", folder, "--since", lines)
            if r["change"] == "gone"]  # fmt: skip
    assert [r["id"] for r in gone] == ["loop-1", "loop-2"]
