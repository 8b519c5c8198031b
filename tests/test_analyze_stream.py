"""`analyze` streamed: every loop once in alerts.jsonl, the sorted files equal to the
in-memory analysis rendered whole, and the summary's largest loops the head of a full sort.

The spill runs are made small (`spill_sort.RUN_SIZE`) so that alerts.json and alerts.csv
come from merging several runs on disk, as they do at millions of loops.
"""

import csv
import io
import json
import os
import random
import shlex
import subprocess
import sys

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import deal

from dealgraph import load, spill_sort
from dealgraph.cli import main
from dealgraph.cli.findings import ALERT_COLUMNS, alert_csv_rows
from dealgraph.cli.options import csv_lines, csv_text, render
from dealgraph.queries.findings.alerts import SEVERITIES, stable_id
from dealgraph.spill_sort import SpillSort
from dealgraph.viz import map as map_module


def dense_data(make_data, seed: int, size: int = 8):
    """Most ordered pairs of `size` entities trade, some amounts undisclosed, a few pairs
    twice: hundreds of loops up to length 5, many of equal amount."""
    rng = random.Random(seed)
    ids = [f"n{i}" for i in range(size)]
    deals = []
    for a in ids:
        for b in ids:
            if a != b and rng.random() < 0.7:
                for n in range(rng.choice([1, 1, 2])):
                    amount = rng.choice(["", "500M", "1B", "2B", f"{rng.randint(1, 40)}B"])
                    kind = rng.choice(["purchase", "equity"])
                    signed = f"202{rng.randint(2, 5)}-0{rng.randint(1, 9)}-01"
                    deals.append(deal(f"d{a}{b}{n}", a, b, kind, amount, signed))
    return make_data(deals)


def expected_loops(folder, max_length: int) -> dict[str, tuple[str, ...]]:
    """Loop id -> entities, from networkx over the deals' pairs (an independent search)."""
    graph = nx.DiGraph()
    with (folder / "deals.csv").open() as handle:
        graph.add_edges_from((r["from_entity"], r["to_entity"]) for r in csv.DictReader(handle))
    found = {}
    for cycle in nx.simple_cycles(graph, length_bound=max_length):
        first = cycle.index(min(cycle))
        entities = tuple(cycle[first:] + cycle[:first])
        found[stable_id("loop", *entities)] = entities
    return found


def sort_key(row: dict) -> tuple:
    return (-SEVERITIES.index(row["severity"]), -(row["amount_usd"] or 0.0), row["id"])


@pytest.mark.parametrize("seed", [1, 2])
def test_analyze_streams_every_loop_once_and_sorts_like_the_whole_list(
    make_data, tmp_path, monkeypatch, seed
):
    monkeypatch.setattr(spill_sort, "RUN_SIZE", 37)  # several runs to merge
    monkeypatch.setattr(map_module, "MAX_ALERTS_LISTED", 7)  # the map lists a few of many
    folder, out = dense_data(make_data, seed), tmp_path / "out"
    args = ["--data", str(folder), "--max-length", "5", "--min-amount", "0"]
    result = CliRunner().invoke(main, ["analyze", *args, "--samples", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output

    streamed = [json.loads(line) for line in (out / "alerts.jsonl").read_text().splitlines()]
    loops = [row for row in streamed if row["kind"] == "circular_flow"]
    expected = expected_loops(folder, 5)
    assert len(loops) > 4 * 37, "enough loops for several spill runs"
    assert sorted(row["id"] for row in loops) == sorted(expected)  # each loop exactly once
    assert all(tuple(row["entities"]) == expected[row["id"]] for row in loops)

    # alerts.json and alerts.csv: the in-memory analysis rendered whole, byte for byte
    asked = {"compare_firm": True, "max_length": 5, "min_amount": 0, "samples": 20}
    rows = load(folder).alert_rows(**asked)
    assert (out / "alerts.json").read_text() == render(rows, "json")
    as_csv = render(alert_csv_rows(rows), "csv", ALERT_COLUMNS)
    assert (out / "alerts.csv").read_text() == as_csv
    # ... and the stream's alerts, sorted, are the same alerts
    assert json.loads((out / "alerts.json").read_text()) == sorted(streamed, key=sort_key)
    table = list(csv.DictReader(io.StringIO((out / "alerts.csv").read_text())))
    assert [r["id"] for r in table] == [r["id"] for r in sorted(streamed, key=sort_key)]
    # the map, its loops picked as they went by, is the one drawn from the whole analysis
    whole = load(folder).map(**asked)
    assert (out / "map.html").read_text() == whole.html

    # the summary: counts, and the five largest loops of a full sort
    assert f"{len(loops)} loops, {len(streamed)} alerts" in result.output
    largest = sorted(loops, key=lambda r: (-(r["amount_usd"] or -1.0), r["entities"]))[:5]
    section = result.output.split("Largest loops:\n")[1].split("\n\n")[0]
    printed = [line.split(None, 1)[1] for line in section.splitlines()]  # after the amount
    names = load(folder).entities.set_index("id")["name"]
    assert printed == [" > ".join(names[e] for e in (*r["entities"], r["entities"][0]))
                       for r in largest]  # fmt: skip


def test_analyze_with_no_alerts_writes_empty_files(make_data, tmp_path):
    folder, out = make_data([deal("x", "a", "b", amount="1B")]), tmp_path / "out"
    args = ["analyze", "--data", str(folder), "--min-amount", "10B", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "0 loops, 0 alerts" in result.output
    assert (out / "alerts.jsonl").read_text() == ""
    assert (out / "alerts.json").read_text() == render([], "json") == "[]\n"
    assert (out / "alerts.csv").read_text() == render([], "csv", ALERT_COLUMNS)


@pytest.mark.parametrize("run_size", [1, 3, 1000])
def test_spill_sort_gives_sorted_order_ties_as_added(tmp_path, run_size):
    rng = random.Random(run_size)
    records = [(rng.randint(0, 9), i, f"r{i}") for i in range(300)]  # many equal keys
    with SpillSort(tmp_path, run_size) as ordered:
        for start in range(0, len(records), 7):
            ordered.extend(records[start : start + 7])
        assert len(ordered) == len(records)
        expected = sorted(records, key=lambda r: r[0])  # ties in the order added
        assert list(ordered.sorted()) == expected
        spilled = list(tmp_path.iterdir())
    assert (len(spilled) > 1) == (run_size < len(records))
    assert list(tmp_path.iterdir()) == []  # the runs go on close


def reference_csv(rows: list[list[object]]) -> str:
    """CSV as the standard library writes it, each cell through `csv_text`, `\\n` line ends
    (`csv.writer` quotes its own terminator's characters only, so it writes `\\r\\n`)."""
    lines: list[str] = []

    class Lines:
        write = lines.append

    writer = csv.writer(Lines(), lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_text(value) for value in row])
    return "".join(line[:-2] + "\n" for line in lines)


def test_csv_lines_are_the_standard_writers_rows():
    """The CSV lines (of `render` and analyze's alerts.csv) against `csv.writer` over
    `csv_text`, on cells a spreadsheet would run or a reader would split: formulas, signs,
    line breaks, lists, numbers, nothing."""
    values = ["=1+1", "-5", "+x", "@sum", "\tx", "a\nb", "a\r\nb", 'say "hi"', "", "plain",
              ("=x", "y"), ("a", "=b"), ("a", "b"), (), 3.0, 2.5, -1.0, None, float("nan"),
              "Ünïcode", "1e9", "-1e9", "a,b", ("a,b", "c"), "'x", " x", 7, ["l", "=m"],
              {"k": 1}, True]  # fmt: skip
    rng = random.Random(0)
    for width in (1, 4):
        rows = [[rng.choice(values) for _ in range(width)] for _ in range(300)]
        columns = ["a", "b", "c", "d"][:width]
        by_column = [list(column) for column in zip(*rows, strict=True)]
        assert "".join(csv_lines(by_column)) == reference_csv(rows)
        rendered = render([dict(zip(columns, row, strict=True)) for row in rows], "csv", columns)
        assert rendered == reference_csv([columns, *rows])


def every_pair_trades(make_data):
    """Seven entities, every ordered pair trading: 805 loops of up to five entities."""
    ids = [f"n{i}" for i in range(7)]
    return make_data([deal(f"d{a}{b}", x, y, "purchase", f"{1 + a + b}B")
                      for a, x in enumerate(ids) for b, y in enumerate(ids) if a != b])  # fmt: skip


def test_jsonl_lines_reach_a_reader_while_the_search_goes_on(make_data):
    # The stream pauses at its 700th alert (a test hook); by then the first lines are out.
    args = ["alerts", "--data", str(every_pair_trades(make_data)), "--max-length", "5",
            "--format", "jsonl"]  # fmt: skip
    env = {**os.environ, "DEALGRAPH_TEST_STOP_AT": "700:pause"}
    child = subprocess.Popen([sys.executable, "-m", "dealgraph", *args], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        first = json.loads(child.stdout.readline())
        assert first["kind"] == "circular_flow"
        assert child.poll() is None  # still searching (paused mid-stream)
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
        child.stderr.close()


def test_jsonl_into_a_closed_pipe_ends_quietly(make_data):
    """`alerts --format jsonl | head -1`: the reader leaves after one line; the writer ends
    with 141 (as if by SIGPIPE) or 0, and says nothing."""
    data = every_pair_trades(make_data)
    dealgraph = f"{shlex.quote(sys.executable)} -m dealgraph"
    args = f"alerts --data {shlex.quote(str(data))} --max-length 5 --format jsonl"
    command = f'{dealgraph} {args} | head -1; echo "status ${{PIPESTATUS[0]}}" >&2'
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert json.loads(result.stdout)["kind"] == "circular_flow"
    assert result.stderr.strip() in ("status 141", "status 0"), result.stderr
