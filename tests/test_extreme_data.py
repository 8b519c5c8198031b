"""Valid but extreme data sets: every command runs on them and exits 0.

Validation lets these through, so each analysis must cope: no deals at all, every amount
zero (no share of zero sales), every amount at the 1e15 bound (sums stay finite), every amount
undisclosed, every deal cancelled. Found by the input fuzz: `data` failed on no deals and
every loop command on zero amounts.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dealgraph.cli import main
from dealgraph.loaders import bundled_path

AMOUNTS = ("amount_usd", "amount_low_usd", "amount_high_usd", "cash_part_usd")
FIGURES = ("revenue_usd", "capex_usd", "operating_cash_flow_usd", "total_debt_usd", "cash_usd",
           "market_cap_usd")  # fmt: skip


def _amounts(value: str):
    def change(rows):
        return [{**row, **dict.fromkeys(AMOUNTS, ""), "amount_usd": value} for row in rows]

    return change


def _figures(value: str):
    return lambda rows: [{**row, **dict.fromkeys(FIGURES, value)} for row in rows]


EXTREMES = {
    "no-deals": (lambda rows: [], None),
    "one-deal": (lambda rows: rows[:1], None),
    "zero-amounts": (_amounts("0"), _figures("0")),
    "amounts-at-the-bound": (_amounts("1e15"), _figures("1e15")),
    "undisclosed-amounts": (_amounts(""), _figures("")),
    "all-cancelled": (lambda rows: [{**row, "status": "cancelled"} for row in rows], None),
}


def _write(folder: Path, table: str, change) -> None:
    with (bundled_path() / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(change(rows) if change else rows)


@pytest.fixture(scope="module", params=sorted(EXTREMES))
def extreme(request, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp(request.param)
    shutil.copy(bundled_path() / "entities.csv", folder)
    deals, figures = EXTREMES[request.param]
    _write(folder, "deals", deals)
    _write(folder, "financials", figures)
    return folder


COMMANDS = [
    ["validate"],
    ["data"],
    ["loops", "--format", "json"],
    ["alerts", "--format", "json"],
    ["alerts", "--format", "jsonl"],
    ["concentration", "--format", "json"],
    ["circularity", "--format", "json"],
    ["funding", "--format", "json"],
    ["timeline", "--format", "json"],
    ["vendor-financing", "--format", "json"],
    ["exposure", "openai", "--format", "json"],
    ["stress", "--shock", "openai", "--format", "json"],
    ["analyze", "--out", "OUT"],
    ["map", "-o", "OUT/map.html"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_every_command_runs_on_extreme_data(extreme, command, tmp_path):
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    args += [str(extreme)] if command == ["validate"] else ["--data", str(extreme)]
    result = CliRunner().invoke(main, args, env={"DEALGRAPH_STORE": None})
    assert result.exit_code == 0, result.output
    assert result.exception is None
