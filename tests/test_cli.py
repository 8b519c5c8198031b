"""The CLI as users meet it: exit codes, one-line errors, formats, files written or not."""

import csv
import io
import json
import random
import subprocess
import sys

from click.testing import CliRunner
from conftest import deal, entity, run

from dealgraph.cli import main
from dealgraph.loaders import bundled_path


def test_every_command_has_help_and_version():
    assert "dealgraph, version" in run("--version").output
    for name in main.commands:
        assert run(name, "--help").output.startswith("Usage: ")


def test_loops_json_lists_each_loop_with_its_hops(loop_data):
    rows = json.loads(run("loops", "--data", loop_data, "--format", "json").output)
    assert [r["entities"] for r in rows] == [["a", "b"], ["c", "d"]]
    assert rows[0]["amount_usd"] == 12e9 and rows[0]["path"] == "Alpha > Beta > Alpha"
    assert rows[0]["hops"][1] == {
        "from": "b",
        "to": "a",
        "amount_usd": 12e9,
        "kinds": ["purchase"],
        "deal_ids": ["p1"],
    }


def test_filters_reach_the_search(loop_data):
    def count(*extra):
        return len(json.loads(run("loops", "--data", loop_data, "--format", "json", *extra).output))

    assert count("--min-amount", "5B") == 1
    assert count("--as-of", "2025-01-31") == 1
    assert count("--kinds", "equity,purchase") == 1
    assert count("--max-length", "2") == 2


def test_alerts_formats(loop_data):
    as_json = json.loads(run("alerts", "--data", loop_data, "--format", "json").output)
    lines = run("alerts", "--data", loop_data, "--format", "jsonl").output.splitlines()
    streamed = [json.loads(line) for line in lines]
    # JSON Lines streams loop alerts as the search finds them, then the others: same alerts.
    assert sorted(streamed, key=lambda a: a["id"]) == sorted(as_json, key=lambda a: a["id"])
    kinds = [a["kind"] for a in streamed]
    assert kinds == sorted(kinds, key=lambda k: k != "circular_flow")
    rows = list(
        csv.DictReader(io.StringIO(run("alerts", "--data", loop_data, "--format", "csv").output))
    )
    assert [r["id"] for r in rows] == [a["id"] for a in as_json]
    loop = next(r for r in rows if r["kind"] == "circular_flow" and r["severity"] == "high")
    assert loop["deal_ids"] == "e1;p1" and loop["amount_usd"] == "12000000000"
    table = run("alerts", "--data", loop_data, "--format", "table").output
    assert table.splitlines()[0].split() == ["severity", "kind", "summary", "id"]


def test_fail_on(loop_data):
    assert run("alerts", "--data", loop_data, "--fail-on", "high", ok=False).exit_code == 1
    quiet = run("alerts", "--data", loop_data, "--min-amount", "100B", "--fail-on", "low")
    assert json.loads(quiet.output) == []


def test_concentration_command(loop_data):
    rows = json.loads(
        run("concentration", "--data", loop_data, "--by", "funders", "--format", "json").output
    )
    assert {(r["entity"], r["top"], r["top_share"]) for r in rows} == {
        ("b", "a", 1.0),
        ("c", "d", 1.0),
    }
    bad = run("concentration", "--data", loop_data, "--entity", "zzz", ok=False)
    assert bad.exit_code == 2
    assert bad.output == "Error: --entity: 'zzz': no entity has this id, name or alias\n"


def test_validate_prints_a_summary(loop_data):
    out = run("validate", loop_data).output
    assert out.startswith("OK: 4 entities, 4 deals (cloud_contract 1, equity 2, purchase 1)")


def test_bad_input_is_one_line_per_problem_exit_2_and_no_traceback(make_data):
    folder = make_data(
        [deal("d1", "a", "b", amount="lots"), deal("d2", "a", "zz")], [entity("a"), entity("b")]
    )
    result = run("alerts", "--data", folder, ok=False)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.output.splitlines() == [
        f"{folder / 'deals.csv'}:2: amount_usd: not an amount: 'lots' "
        "(use e.g. 1500000000, 1.5e9 or $1.5B)",
        f"{folder / 'deals.csv'}:3: to_entity: unknown entity 'zz'",
        "Error: 2 problems; nothing was loaded or written.",
    ]


def test_bad_options_exit_2(loop_data):
    assert run("loops", "--data", loop_data, "--kinds", "gift", ok=False).exit_code == 2
    assert run("loops", "--data", loop_data, "--as-of", "someday", ok=False).exit_code == 2
    assert run("loops", "--data", loop_data, "--min-amount", "lots", ok=False).exit_code == 2


def test_jsonl_streams_to_a_file_and_stops_at_the_limit(make_data, tmp_path):
    # A complete graph on five entities has 84 loops; --limit 5 writes five loop alerts.
    rows = [deal(f"{a}{b}", a, b, amount="1") for a in "abcde" for b in "abcde" if a != b]
    out = tmp_path / "alerts.jsonl"
    result = CliRunner().invoke(
        main,
        [
            "alerts",
            "--data",
            str(make_data(rows)),
            "--limit",
            "5",
            "--format",
            "jsonl",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert sum(a["kind"] == "circular_flow" for a in written) == 5
    assert "stopped at 5 loops (--limit); 5 loop alerts written" in result.stderr
    assert not list(tmp_path.glob(".alerts.jsonl.*"))  # no temporary file left behind


def test_limit_warns_when_the_search_is_cut(make_data):
    rows = [deal(f"{a}{b}", a, b, amount="1") for a in "abcde" for b in "abcde" if a != b]
    result = CliRunner().invoke(
        main, ["loops", "--data", str(make_data(rows)), "--limit", "5", "--format", "json"]
    )
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 5
    assert "loop search stopped at 5 loops" in result.stderr


def test_analyze_writes_alerts_and_map(loop_data, tmp_path):
    out = tmp_path / "out"
    result = run("analyze", "--data", loop_data, "--out", out)
    alerts = json.loads((out / "alerts.json").read_text())
    assert len(alerts) == len(list(csv.DictReader((out / "alerts.csv").open())))
    assert (out / "map.html").read_text().lstrip().lower().startswith("<!doctype html>")
    assert "2 loops" in result.output and "Alpha > Beta > Alpha" in result.output


def test_analyze_on_bad_input_writes_nothing(make_data, tmp_path):
    out = tmp_path / "out"
    result = run(
        "analyze",
        "--data",
        make_data([deal("d1", "a", "b", date="2025-02-30")]),
        "--out",
        out,
        ok=False,
    )
    assert result.exit_code == 2 and not out.exists()


def test_default_data_is_the_bundled_set():
    rows = json.loads(run("alerts", "--format", "json").output)
    assert rows and all(r["sources"] for r in rows)


def test_real_subprocess(loop_data):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dealgraph",
            "alerts",
            "--data",
            str(loop_data),
            "--format",
            "jsonl",
            "--fail-on",
            "high",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert [json.loads(line)["severity"] for line in done.stdout.splitlines()][0] == "high"
    bad = subprocess.run(
        [sys.executable, "-m", "dealgraph", "validate", str(loop_data / "nope.csv")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        bad.returncode == 2 and bad.stderr == f"{loop_data / 'nope.csv'}: no such file or folder\n"
    )


def test_the_order_of_rows_in_the_files_changes_no_output(tmp_path):
    # The loader keeps the files' order (sorting a million rows would cost more than
    # reading them), so every output must order its records itself.
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for table in ("entities", "deals", "financials"):
        with (bundled_path() / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle))
        random.Random(5).shuffle(rows)
        with (shuffled / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    outputs = {}
    for name, data in (("bundled", "bundled"), ("shuffled", shuffled)):
        out = tmp_path / f"out-{name}"
        run("analyze", "--data", data, "--out", out)
        texts = [(out / f).read_text("utf-8") for f in ("alerts.json", "alerts.csv", "map.html")]
        for command in ("loops", "concentration", "circularity", "vendor-financing", "timeline"):
            texts.append(run(command, "--data", data, "--format", "json").output)
        outputs[name] = texts
    assert outputs["shuffled"] == outputs["bundled"]
