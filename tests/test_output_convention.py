"""One output convention on every command (dealgraph/cli/output.py): `--format`, `-o/--output`
and `--quiet` everywhere data is printed; the format from the file's suffix unless --format
says otherwise; unwritable suffixes refused before any work; progress on a terminal only; a
closed pipe ends the command quietly."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from dealgraph.cli import main

# The commands that do not take all three, and why: the one place these are listed.
EXCEPTIONS = {
    "load": "writes into Neo4j and prints no data: it takes --quiet only",
}
# Arguments that make each command runnable (or at least parseable) on the bundled data.
ARGUMENTS = {
    "exposure": ["oracle"],
    "stress": ["--shock", "openai"],
    "validate": ["bundled"],
    "cypher": ["MATCH (n) RETURN n LIMIT 1"],
    "picture": ["--wheel"],
    "export": ["--format", "graphml"],
}


def command_names() -> list[str]:
    return main.list_commands(None)


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_every_command_help_shows_format_output_and_quiet():
    assert len(command_names()) >= 18  # every command of `dealgraph --help`
    for name in command_names():
        shown = run(name, "--help").stdout
        has = {
            "--format": "--format" in shown,
            "-o/--output": re.search(r"-o, --output\b", shown) is not None,
            "--quiet": re.search(r"-q, --quiet\b", shown) is not None,
        }
        if name in EXCEPTIONS:
            assert has == {"--format": False, "-o/--output": False, "--quiet": True}, name
        else:
            assert all(has.values()), (name, has)
    assert set(EXCEPTIONS) <= set(command_names())


@pytest.mark.parametrize("name", [n for n in command_names() if n not in EXCEPTIONS])
def test_a_suffix_the_command_cannot_write_is_refused_before_any_work(name, tmp_path):
    target = tmp_path / "out.xlsx"  # no writer here writes .xlsx
    data = [] if name in ("validate", "cypher") else ["--data", str(tmp_path / "missing")]
    args = [name, *ARGUMENTS.get(name, []), *data, "-o", str(target)]
    result = CliRunner().invoke(main, args, env={"NEO4J_URI": "neo4j://127.0.0.1:1"})
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1, result.output  # one line
    assert "not .xlsx" in result.output and "missing" not in result.output
    assert not target.exists()


def test_the_format_follows_the_suffix_unless_format_says_otherwise(tmp_path):
    run("loops", "-o", tmp_path / "l.csv")
    header = next(csv.reader(io.StringIO((tmp_path / "l.csv").read_text("utf-8"))))
    assert header[:2] == ["id", "length"]
    run("loops", "-o", tmp_path / "l.jsonl")
    lines = (tmp_path / "l.jsonl").read_text("utf-8").splitlines()
    assert len(lines) > 1 and all(json.loads(line)["id"] for line in lines)
    run("loops", "-o", tmp_path / "forced.csv", "--format", "json")
    assert isinstance(json.loads((tmp_path / "forced.csv").read_text("utf-8")), list)
    run("loops", "-o", tmp_path / "l.txt")
    assert (tmp_path / "l.txt").read_text("utf-8").split()[:2] == ["amount", "length"]
    # a suffix nothing writes is taken once --format says what to write
    assert "give --format" in run("loops", "-o", tmp_path / "l.out", ok=False).output
    run("loops", "-o", tmp_path / "l.out", "--format", "csv")
    assert (tmp_path / "l.out").read_text("utf-8").startswith("id,")
    # the reports of data and validate: text, or JSON from the suffix
    run("data", "-o", tmp_path / "d.json")
    assert json.loads((tmp_path / "d.json").read_text("utf-8"))["entities"] == 150
    run("validate", "bundled", "-o", tmp_path / "v.json")
    assert json.loads((tmp_path / "v.json").read_text("utf-8"))["deals"] == 545
    run("validate", "bundled", "-o", tmp_path / "v.txt")
    assert (tmp_path / "v.txt").read_text("utf-8").startswith("OK: 150 entities, 545 deals")


def test_export_takes_its_format_from_the_suffix(tmp_path):
    import networkx as nx

    run("export", "-o", tmp_path / "g.gexf")
    assert nx.read_gexf(tmp_path / "g.gexf").number_of_nodes() == 150
    run("export", "-o", tmp_path / "money.ftm.jsonl")
    first = json.loads((tmp_path / "money.ftm.jsonl").read_text("utf-8").splitlines()[0])
    assert first["id"].startswith("dealgraph-")
    refused = run("export", "-o", tmp_path / "tables", ok=False)
    assert refused.exit_code == 2 and "give --format" in refused.output
    assert not (tmp_path / "tables").exists()


def test_quiet_silences_summaries_and_notes_not_data(tmp_path):
    loud = run("exposure", "oracle", "--format", "json")
    quiet = run("exposure", "oracle", "--format", "json", "--quiet")
    assert loud.stderr and not quiet.stderr  # the note on the figures used
    assert json.loads(quiet.stdout) == json.loads(loud.stdout)
    page = tmp_path / "m.html"
    assert "Wrote" in run("map", "-o", page).stderr
    assert run("map", "-o", page, "-q").output == "" and page.exists()
    picture = tmp_path / "w.svg"
    assert run("picture", "--wheel", "-o", picture, "-q").output == "" and picture.exists()
    assert run("export", "-o", tmp_path / "g.graphml", "-q").output == ""


def test_analyze_quiet_prints_nothing_and_json_prints_its_summary(tmp_path):
    assert run("analyze", "-o", tmp_path / "a", "--quiet").output == ""
    assert (tmp_path / "a" / "manifest.json").exists()
    found = json.loads(run("analyze", "-o", tmp_path / "b", "--format", "json", "-q").stdout)
    assert found["entities"] == 150 and found["deals"] == 545
    assert found["files"][-1] == str(tmp_path / "b" / "manifest.json")
    written = json.loads((tmp_path / "b" / "alerts.json").read_text("utf-8"))
    assert sum(found["alerts"].values()) == len(written)
    # --out, the folder's earlier name, still works
    run("analyze", "--out", tmp_path / "c", "-q")
    assert (tmp_path / "c" / "alerts.csv").exists()


def test_alert_kinds_compute_only_those(tmp_path):
    kinds = {"loops": "circular_flow", "concentration": "concentration",
             "vendor-financing": "vendor_financing", "stress": "stress"}  # fmt: skip
    every = json.loads(run("alerts", "--format", "json").stdout)
    assert {a["kind"] for a in every} == set(kinds.values())
    for asked in (["concentration"], ["loops", "stress"], ["vendor-financing"]):
        got = json.loads(run("alerts", "--alert-kinds", ",".join(asked), "--format", "json").stdout)
        wanted = [a for a in every if a["kind"] in {kinds[k] for k in asked}]
        assert got == wanted
    streamed = run("alerts", "--alert-kinds", "stress", "--format", "jsonl").stdout.splitlines()
    assert {json.loads(line)["kind"] for line in streamed} == {"stress"}
    bad = run("alerts", "--alert-kinds", "loops,nope", ok=False)
    assert bad.exit_code == 2 and bad.output.count("\n") == 1
    assert bad.output.startswith("Error: --alert-kinds: nope: expected some of loops,")
    summary = run("analyze", "-o", tmp_path / "a", "--alert-kinds", "concentration").stdout
    assert "0 loops (not searched: --alert-kinds)" in summary


def test_alert_kinds_skip_the_work_not_only_the_rows():
    import dealgraph

    ds = dealgraph.load()
    no_loops = ds.analysis(alert_kinds="concentration")
    assert no_loops.loops.loops == [] and no_loops.concentration  # no loop search at all
    only_loops = ds.analysis(alert_kinds=["loops"])
    assert only_loops.loops.loops and only_loops.concentration == []
    assert {a.kind for a in only_loops.alerts} == {"circular_flow"}
    with pytest.raises(dealgraph.api.DealgraphError, match="expected some of"):
        ds.analysis(alert_kinds="loop")


def _dealgraph(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dealgraph", *args], timeout=300, **kwargs)


def test_alerts_through_head_end_quietly():
    """`dealgraph alerts --format jsonl | head -1` in a real shell pipe."""
    done = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m dealgraph alerts --format jsonl | head -1; '
                       'echo "status ${PIPESTATUS[0]}" >&2'],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert json.loads(done.stdout)["severity"] in ("low", "medium", "high")
    assert re.fullmatch(r"status (0|141)\n", done.stderr), done.stderr  # nothing else said


@pytest.mark.parametrize(
    "args",
    [
        ["alerts", "--format", "jsonl"],
        ["alerts", "--format", "json", "--fail-on", "low"],
        ["loops", "--format", "csv"],
        ["data"],
        ["validate", "bundled"],
        ["significance", "--samples", "3", "--format", "json", "-q"],
        ["export", "--format", "ftm"],
        ["map", "-o", "-"],
    ],
)
def test_a_closed_pipe_ends_the_command_quietly(args):
    """The reader is gone before the first write: every write fails with EPIPE."""
    read, write = os.pipe()
    os.close(read)
    try:
        done = _dealgraph(*args, stdout=write, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write)
    assert done.returncode in (0, 141) and done.stderr == "", (done.returncode, done.stderr)


def _on_a_terminal(*args: str) -> str:
    """What the command writes to stderr when stderr is a terminal (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "dealgraph", *args],
        stdout=subprocess.DEVNULL, stderr=follower, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert process.wait(timeout=300) == 0, seen
    return seen.decode("utf-8", "replace")


def test_progress_shows_on_a_terminal_only(tmp_path):
    shown = _on_a_terminal("analyze", "-o", str(tmp_path / "a"))
    assert "\rAnalysing" in shown
    piped = _dealgraph("analyze", "-o", str(tmp_path / "b"), capture_output=True, text=True)
    assert piped.returncode == 0 and "Analysing" not in piped.stderr + piped.stdout
    assert "\r" not in piped.stderr
    assert "Exporting" not in _on_a_terminal("export", "-o", str(tmp_path / "g.gexf"), "-q")
    assert "\rExporting gexf" in _on_a_terminal("export", "-o", str(tmp_path / "g.gexf"))
