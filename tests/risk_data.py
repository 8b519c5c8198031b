"""Helpers for the risk tests: company figures next to `make_data`'s folders, and
the CLI through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import run, write_csv  # noqa: F401  (run: the risk tests import it from here)

from dealgraph.cli import main
from dealgraph.graph.model import FINANCIAL_COLUMNS


def write_financials(folder: Path, rows: list[dict], name: str = "financials.csv") -> Path:
    """Write `rows` as a financials file into `folder` (standard columns, then extra ones)."""
    columns = list(dict.fromkeys([*FINANCIAL_COLUMNS, *(k for row in rows for k in row)]))
    write_csv(folder / name, columns, rows)
    return folder


def run_json(*args) -> list[dict]:
    """`dealgraph ARGS --format json`, parsed (stderr notes kept apart)."""
    result = CliRunner().invoke(main, [*map(str, args), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
