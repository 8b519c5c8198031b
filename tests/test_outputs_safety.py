"""What the tool writes is safe to open and safe to interrupt (docs/security.md, "Safe CSV" and
"Atomic outputs"): formula cells neutralised, rows that read back one for one, modes that
follow the umask, devices and FIFOs written in place, one-line errors, and sets that a
SIGKILL at any step leaves old or new, never mistakable for whole when mixed."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import deal, entity, run, write_csv

from dealgraph.cli.options import csv_text, render
from dealgraph.loaders import bundled_path
from dealgraph.output_set import MANIFEST, read_manifest

DEALGRAPH = [sys.executable, "-m", "dealgraph"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SET = ("alerts.jsonl", "alerts.json", "alerts.csv", "map.html", "significance.json")  # analyze's


def spawn(*args, umask=None, env=None, **kw) -> subprocess.CompletedProcess:
    """`python -m dealgraph ARGS` in a real process (optionally with a umask and a stop hook)."""
    return subprocess.run(
        [*DEALGRAPH, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
        **kw,
    )


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_csv_safe(text: str, rows_expected: int | None = None) -> list[list[str]]:
    """Every cell that would start a formula is a number; the rows read back as written."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or is_number(cell), (cell, row)
    if rows_expected is not None:
        assert len(rows) == rows_expected + 1  # the header
    return rows


def read_csv(path: Path) -> str:
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()


# --- Safe CSV: the renderer --------------------------------------------------------------


@pytest.mark.parametrize("start", FORMULA_START)
def test_text_cells_that_could_start_a_formula_get_a_quote(start):
    assert csv_text(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert csv_text(["=a", "b"]) == "'=a;b"  # a list flattened to text is text
    assert csv_text({"k": 1}) == '{"k":1}'  # JSON: not neutralised


def test_numbers_stay_numbers():
    assert csv_text(-5e9) == "-5000000000"
    assert csv_text(-1.5) == "-1.5"
    assert csv_text(-3) == "-3"
    assert csv_text("-42") == "-42" and csv_text("+1.5e3") == "+1.5e3"  # numeric text
    assert csv_text("-$5B") == "'-$5B"  # not a number: text


def test_carriage_returns_and_line_feeds_are_quoted_and_read_back():
    rows = [{"a": "x\ry", "b": "p\nq", "c": 'say "hi", then\r\n', "d": -1.0}]
    text = render(rows, "csv")
    assert text.startswith('a,b,c,d\n"x\ry","p\nq",')
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back == [["a", "b", "c", "d"], ["x\ry", "p\nq", 'say "hi", then\r\n', "-1"]]


def test_one_empty_column_is_still_a_row():
    text = render([{"a": ""}, {"a": None}], "csv")
    assert list(csv.reader(io.StringIO(text))) == [["a"], [""], [""]]


# --- Safe CSV: every CSV the tool writes -----------------------------------------------

HOSTILE_NAMES = {
    "a": '=HYPERLINK("http://evil.example","x")',
    "b": "-2+3\rX",
    "c": "@SUM(1)\nY",
    "d": "\tTab",
    "e": "\rCR",
    "f": "+1 phone",
}


@pytest.fixture
def hostile_data(make_data):
    deals = [
        deal("d1", "a", "b", "equity", "20B", source_url="=1+1"),
        deal("d2", "b", "a", "purchase", "15B", source_url="https://x.example/-d2"),
        deal("d3", "c", "a", "purchase", "1B", source_url="@x"),
        deal("d4", "a", "d", "purchase", "1B", source_url="-http://y"),
        deal("d5", "e", "f", "cloud_contract", "2B", source_url="+http://z"),
        deal("d6", "f", "e", "debt", "1B", source_url="\thttp://t"),
        deal("d7", "d", "c", "purchase", "3B"),
        deal("d8", "c", "b", "equity", "4B"),
    ]
    ents = [entity(i, "ai_lab" if i == "a" else "other", name=n) for i, n in HOSTILE_NAMES.items()]
    folder = make_data(deals, ents)
    write_csv(
        folder / "financials.csv",
        ["entity", "fiscal_year", "revenue_usd", "capex_usd", "operating_cash_flow_usd",
         "source_url"],
        [{"entity": "a", "fiscal_year": "2025", "revenue_usd": "9B", "capex_usd": "5B",
          "operating_cash_flow_usd": "-2B", "source_url": "=evil()"}],
    )  # fmt: skip
    return folder


CSV_COMMANDS = [
    ("alerts",),
    ("loops",),
    ("concentration",),
    ("vendor-financing",),
    ("exposure", "a"),
    ("funding",),
    ("stress", "--shock", "b"),
    ("circularity",),
    ("timeline",),
]


@pytest.mark.parametrize("command", CSV_COMMANDS, ids=lambda c: c[0])
def test_every_csv_command_neutralises_formulas(hostile_data, command):
    text = run(*command, "--data", hostile_data, "--format", "csv").stdout
    rows = assert_csv_safe(text)
    assert len(rows) > 1, text


def test_alerts_csv_rows_match_alerts_json_with_hostile_names(hostile_data, tmp_path):
    run("analyze", "--data", hostile_data, "--out", tmp_path / "out")
    alerts = json.loads((tmp_path / "out" / "alerts.json").read_text(encoding="utf-8"))
    text = read_csv(tmp_path / "out" / "alerts.csv")
    rows = assert_csv_safe(text, len(alerts))
    at = rows[0].index("summary")
    for alert, row in zip(alerts, rows[1:], strict=True):
        summary = alert["summary"]
        assert row[at] == ("'" + summary if summary.startswith(FORMULA_START) else summary)
    amounts = [r[4] for r in rows[1:]]
    assert all(a == "" or is_number(a) for a in amounts)  # amounts are numbers, unquoted
    # the same shuffles as analyze ran by default: the same p-values, the same file
    samples = json.loads((tmp_path / "out" / "significance.json").read_text())["samples"]
    run("alerts", "--data", hostile_data, "--samples", samples, "-o", tmp_path / "a.csv")
    assert read_csv(tmp_path / "a.csv") == text


def test_a_carriage_return_in_a_bundled_name_keeps_the_row_count(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(bundled_path(), data)
    entities = (data / "entities.csv").read_text(encoding="utf-8")
    (data / "entities.csv").write_text(
        entities.replace("OpenAI,", '"Open\rAI",', 1), encoding="utf-8"
    )
    run("analyze", "--data", data, "--out", tmp_path / "out")
    alerts = json.loads((tmp_path / "out" / "alerts.json").read_text(encoding="utf-8"))
    assert any("Open\rAI" in a["summary"] for a in alerts)
    text = read_csv(tmp_path / "out" / "alerts.csv")
    assert_csv_safe(text, len(alerts))


# --- Modes ------------------------------------------------------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_outputs_follow_the_umask(loop_data_folder, tmp_path, umask, mode):
    out = tmp_path / "out"
    assert spawn("analyze", "--data", loop_data_folder, "--out", out, umask=umask).returncode == 0
    for name in (*SET, MANIFEST):
        assert stat.S_IMODE((out / name).stat().st_mode) == mode, name
    result = spawn("alerts", "--data", loop_data_folder, "-o", tmp_path / "a.json", umask=umask)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == mode


def test_a_replaced_file_keeps_its_mode(loop_data_folder, tmp_path):
    out = tmp_path / "out"
    assert spawn("analyze", "--data", loop_data_folder, "--out", out).returncode == 0
    os.chmod(out / "alerts.csv", 0o640)
    os.chmod(out / "map.html", 0o604)
    (out / "alerts.json").unlink()
    (tmp_path / "a.json").write_text("old")
    os.chmod(tmp_path / "a.json", 0o644)
    assert spawn("analyze", "--data", loop_data_folder, "--out", out, umask=0o077).returncode == 0
    assert stat.S_IMODE((out / "alerts.csv").stat().st_mode) == 0o640
    assert stat.S_IMODE((out / "map.html").stat().st_mode) == 0o604
    assert stat.S_IMODE((out / "alerts.json").stat().st_mode) == 0o600  # new: the umask
    result = spawn("alerts", "--data", loop_data_folder, "-o", tmp_path / "a.json", umask=0o077)
    assert result.returncode == 0
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    assert (tmp_path / "a.json").read_text() != "old"


def test_a_symlink_to_a_file_is_kept_and_its_target_replaced(loop_data_folder, tmp_path):
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    run("alerts", "--data", loop_data_folder, "-o", tmp_path / "link.json")
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "real.json").read_text())


# --- Devices, FIFOs, standard output, errors -------------------------------------------


@pytest.fixture
def loop_data_folder(make_data):
    return make_data(
        [
            deal("e1", "a", "b", "equity", "30B", date="2024-03-01"),
            deal("p1", "b", "a", "purchase", "12B", date="2025-02-01"),
            deal("x1", "c", "d", "cloud_contract", "2B", date="2025-01-01"),
            deal("x2", "d", "c", "equity", "1B", date="2025-01-01"),
            deal("x3", "d", "a", "purchase", "1B", date="2025-01-01"),
            deal("x4", "a", "c", "purchase", "1B", date="2025-01-01"),
        ]
    )


@pytest.mark.parametrize("fmt", ["json", "csv", "jsonl"])
def test_dev_null_stays_a_device(loop_data_folder, fmt):
    before = os.stat("/dev/null")
    run("alerts", "--data", loop_data_folder, "--format", fmt, "-o", "/dev/null")
    run("map", "--data", loop_data_folder, "-o", "/dev/null")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


@pytest.mark.parametrize("fmt", ["json", "csv", "jsonl"])
def test_a_fifo_is_written_in_place(loop_data_folder, tmp_path, fmt):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = spawn("alerts", "--data", loop_data_folder, "--format", fmt, "-o", fifo)
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    expected = spawn("alerts", "--data", loop_data_folder, "--format", fmt).stdout
    assert received == [expected.encode("utf-8")]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary


def test_dash_is_standard_output(loop_data_folder):
    via_dash = run("alerts", "--data", loop_data_folder, "--format", "csv", "-o", "-").stdout
    assert via_dash == run("alerts", "--data", loop_data_folder, "--format", "csv").stdout


def assert_one_line_error(result, path: str):
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and path in lines[0], lines
    assert "Traceback" not in result.stderr


def test_out_onto_a_device_is_one_line(loop_data_folder):
    result = spawn("analyze", "--data", loop_data_folder, "--out", "/dev/null")
    assert_one_line_error(result, "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_out_onto_a_file_is_refused(loop_data_folder, tmp_path):
    (tmp_path / "file").write_text("keep")
    result = spawn("analyze", "--data", loop_data_folder, "--out", tmp_path / "file")
    assert result.returncode == 2 and "Traceback" not in result.stderr  # click's usage error
    assert str(tmp_path / "file") in result.stderr.splitlines()[-1]
    assert (tmp_path / "file").read_text() == "keep"


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody may write into: chmod for a user, the immutable flag for root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        # Root ignores permissions: only the immutable flag stops it. Without it the test
        # fails rather than skips, so a machine that cannot check this is noticed.
        subprocess.run(["chattr", "+i", folder], check=True)
        yield folder
        subprocess.run(["chattr", "-i", folder], check=True)
    else:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


def test_a_read_only_folder_is_one_line(loop_data_folder, read_only_folder):
    result = spawn("analyze", "--data", loop_data_folder, "--out", read_only_folder)
    assert_one_line_error(result, str(read_only_folder))
    result = spawn("alerts", "--data", loop_data_folder, "-o", read_only_folder / "a.json")
    assert_one_line_error(result, str(read_only_folder / "a.json"))
    assert list(read_only_folder.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ("alerts", "--format", "json"),
        ("alerts", "--format", "jsonl"),
        ("alerts", "--format", "csv"),
        ("loops", "--format", "table"),
        ("alerts", "--format", "csv", "-o", "/dev/full"),
        ("analyze", "--out", "OUT"),
    ],
    ids=lambda a: "-".join(a),
)
def test_a_full_disk_is_one_line(loop_data_folder, tmp_path, args):
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*DEALGRAPH, *args, "--data", str(loop_data_folder)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    where = "/dev/full" if "/dev/full" in args else "standard output"
    assert_one_line_error(result, where)
    assert "No space left on device" in result.stderr


# --- Interrupted writes -----------------------------------------------------------------


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def contents(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in (*SET, MANIFEST)}


def test_sigkill_at_every_step_of_analyze_leaves_the_old_set_or_the_new(loop_data_folder, tmp_path):
    args = ["analyze", "--data", loop_data_folder]
    old_dir, new_dir, out = tmp_path / "old", tmp_path / "new", tmp_path / "out"
    assert spawn(*args, "--out", old_dir, "--min-amount", "2B").returncode == 0
    assert spawn(*args, "--out", new_dir).returncode == 0
    old, new = contents(old_dir), contents(new_dir)
    assert old != new
    out.mkdir()
    uncertified, point, previous = 0, 0, []
    while True:
        point += 1
        for name, data in old.items():  # the old set again; earlier runs' temporaries stay
            (out / name).write_bytes(data)
        result = spawn(*args, "--out", out, env={"DEALGRAPH_TEST_STOP_AT": str(point)})
        if result.returncode == 0:
            break
        assert result.returncode == -signal.SIGKILL, result.stderr
        left = temporaries(out)
        assert not set(previous) & set(left), "the next run removes a killed run's temporaries"
        assert len(left) <= 2  # this run's folder (and the manifest's temporary)
        previous = left
        files = {name: (out / name).read_bytes() for name in SET}
        if read_manifest(out) is not None:
            assert files in ({n: old[n] for n in SET}, {n: new[n] for n in SET}), point
        else:  # killed between the moves: no manifest says the set is whole
            assert not (out / MANIFEST).exists(), point
            uncertified += 1
    assert point > 20, f"only {point - 1} points to stop at"  # writes, batches and moves
    assert uncertified <= 1 + len(SET)  # the moves: the old manifest gone, one rename a file
    assert contents(out) == new and temporaries(out) == []


def stream_data(make_data) -> Path:
    """Loops enough for a stream of dozens of lines: every pair of 7 entities trades."""
    ids = [f"n{i}" for i in range(7)]
    deals = [
        deal(f"d{a}{b}", x, y, "purchase", f"{1 + a + b}B")
        for a, x in enumerate(ids)
        for b, y in enumerate(ids)
        if a != b
    ]
    return make_data(deals)


def test_sigkill_while_streaming_jsonl_leaves_the_old_file(make_data, tmp_path):
    data = stream_data(make_data)
    target = tmp_path / "alerts.jsonl"
    args = ["alerts", "--data", data, "--format", "jsonl", "--max-length", "3", "-o", target]
    target.write_text("old\n")
    new = spawn(*args[:-2]).stdout
    assert new.count("\n") > 25
    previous: list[str] = []
    for point in range(1, 21):  # 20 lines in
        result = spawn(*args, env={"DEALGRAPH_TEST_STOP_AT": str(point)})
        assert result.returncode == -signal.SIGKILL
        assert target.read_text() == "old\n"
        left = temporaries(tmp_path)
        assert len(left) == 1 and not set(left) & set(previous)
        assert left[0].startswith(".alerts.jsonl.") and left[0].endswith(".tmp")
        previous = left
    assert spawn(*args).returncode == 0
    assert target.read_text() == new and temporaries(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_while_streaming_remove_the_temporary(make_data, tmp_path, sig):
    data = stream_data(make_data)
    target = tmp_path / "alerts.jsonl"
    target.write_text("old\n")
    process = subprocess.Popen(
        [*DEALGRAPH, "alerts", "--data", str(data), "--format", "jsonl", "-o", str(target)],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DEALGRAPH_TEST_STOP_AT": "5:pause"},
    )
    try:
        assert "paused at checkpoint 5" in process.stderr.readline()
        assert len(temporaries(tmp_path)) == 1
        process.send_signal(sig)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert process.returncode != 0
    assert "Traceback" not in process.stderr.read()
    assert target.read_text() == "old\n" and temporaries(tmp_path) == []


def test_sigterm_during_analyze_leaves_the_old_set(loop_data_folder, tmp_path):
    out = tmp_path / "out"
    assert spawn("analyze", "--data", loop_data_folder, "--out", out).returncode == 0
    old = contents(out)
    process = subprocess.Popen(
        [*DEALGRAPH, "analyze", "--data", str(loop_data_folder), "--out", str(out),
         "--min-amount", "2B"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "DEALGRAPH_TEST_STOP_AT": "8:pause"},
    )  # fmt: skip
    try:
        assert "paused" in process.stderr.readline()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM
    assert contents(out) == old and temporaries(out) == []
