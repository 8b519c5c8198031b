"""A file-writing option refuses a suffix it does not write (`-o alerts.parquet` must not hold
JSON), before any data is read, and `alerts -o FILE` takes its format from the suffix."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dealgraph.cli import main


@pytest.mark.parametrize(
    ("args", "name", "hint"),
    [
        (["alerts"], "z.parquet", "export --format parquet"),
        (["alerts"], "z.xlsx", "writes .csv, .json, .jsonl, .ndjson, .txt files, not .xlsx"),
        (["map"], "z.json", "writes .htm, .html files"),
        (["timeline", "--chart"], "z.svg", "writes .png files"),
    ],
)
def test_an_unwritable_suffix_is_refused_before_any_work(tmp_path, args, name, hint):
    target = tmp_path / name
    flag = [] if args[-1] == "--chart" else ["-o"]
    # A data folder that does not exist: refused on the option first, so never read.
    result = CliRunner().invoke(
        main, [*args, *flag, str(target), "--data", str(tmp_path / "missing")]
    )
    assert result.exit_code == 2, result.output
    assert hint in result.output and "missing" not in result.output
    assert not target.exists()


@pytest.mark.parametrize(("suffix", "check"), [
    (".jsonl", lambda text: all(json.loads(line)["id"] for line in text.splitlines())),
    (".json", lambda text: isinstance(json.loads(text), list)),
    (".csv", lambda text: text.startswith("id,") or "severity" in text.splitlines()[0]),
])  # fmt: skip
def test_alerts_take_the_format_from_the_suffix(tmp_path, suffix, check):
    target = tmp_path / f"alerts{suffix}"
    result = CliRunner().invoke(main, ["alerts", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert check(target.read_text("utf-8"))
