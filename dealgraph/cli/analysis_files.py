"""`analyze`'s alert files, written as the alerts stream by, in memory flat in their number.

- alerts.jsonl: one JSON line per alert in the order found (loops as the search finds them,
  then the other kinds), as `alerts --format jsonl` prints them.
- alerts.json and alerts.csv: the same alerts most severe first, then largest, then by id,
  byte for byte what rendering the whole list gives (`options.render`). Each alert's JSON
  (indented one level, as inside the list) and CSV line are made once, go to a `SpillSort`
  on disk, and are merged into the two files at the end.

Everything is written into the output set's staging folder (`output_set`), which is moved
in whole, so no file here needs its own temporary name.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import orjson

from dealgraph.atomic_files import checkpoint
from dealgraph.cli.options import JSON_OPTIONS, csv_text, render
from dealgraph.queries.findings.alerts import SEVERITIES, Alert
from dealgraph.spill_sort import SpillSort

ALERT_FILES = ("alerts.jsonl", "alerts.json", "alerts.csv")
BATCH = 2_048  # alerts serialised and written per call
_INDENTED = JSON_OPTIONS | orjson.OPT_INDENT_2


def write_alert_files(alerts: Iterable[Alert], folder: Path, columns: list[str]) -> int:
    """Write `ALERT_FILES` into `folder` from `alerts` (read once; `columns` are the CSV's).
    Returns how many alerts were written."""
    stream = iter(alerts)
    with (
        SpillSort(folder) as ordered,
        (folder / "alerts.jsonl").open("wb") as jsonl,
    ):
        while batch := list(islice(stream, BATCH)):
            jsonl.write(
                b"".join([orjson.dumps(alert, option=JSON_OPTIONS) + b"\n" for alert in batch])
            )
            checkpoint()  # a test may stop the stream here (atomic_files)
            lines = csv_lines([[_column(a, c) for c in columns] for a in batch])
            for alert, line in zip(batch, lines, strict=True):
                key = (-SEVERITIES.index(alert.severity), -(alert.amount_usd or 0.0), alert.id)
                indented = orjson.dumps(alert, option=_INDENTED).replace(b"\n", b"\n  ")
                ordered.add(key, (indented, line))
        _write_sorted(ordered, folder, columns)
        return len(ordered)


def _column(alert: Alert, column: str) -> object:
    """An alert's CSV cell: `p_value` is lifted from its details, as `alert_csv_rows` does."""
    if column == "p_value":
        return (alert.details or {}).get("p_value")
    return getattr(alert, column)


def _write_sorted(ordered: SpillSort, folder: Path, columns: list[str]) -> None:
    """alerts.json as `to_json(rows, indent=True)` writes it (`[]` when empty), and
    alerts.csv with its header."""
    header = render([], "csv", columns).encode("utf-8")
    with (
        (folder / "alerts.json").open("wb") as as_json,
        (folder / "alerts.csv").open("wb") as as_csv,
    ):
        as_csv.write(header)
        records = ordered.sorted()
        while batch := list(islice(records, BATCH)):
            start = b"[\n  " if as_json.tell() == 0 else b",\n  "
            as_json.write(start + b",\n  ".join(indented for indented, _ in batch))
            as_csv.write(b"".join(line for _, line in batch))
            checkpoint()
        as_json.write(b"\n]\n" if as_json.tell() else b"[]\n")


def csv_lines(rows: list[list[object]]) -> list[bytes]:
    """Each row's CSV line, as `options.render(rows, "csv")` writes it: cells made safe by
    `csv_text`, `\\n` line ends, cells holding `\\r` or `\\n` quoted (`csv.writer` quotes
    its own terminator only, so it writes `\\r\\n`, one `write` a row)."""
    lines: list[str] = []
    writer = csv.writer(_Lines(lines), lineterminator="\r\n")
    writer.writerows([_cell(value) for value in row] for row in rows)
    return [(line[:-2] + "\n").encode("utf-8") for line in lines]


def _cell(value: object) -> str:
    """`csv_text(value)`, without the call for text that cannot start a formula (text
    or a tuple of text whose first character is a letter or digit)."""
    if type(value) is str:
        text = value
    elif type(value) is tuple:
        try:
            text = ";".join(value)
        except TypeError:  # not all text
            return csv_text(value)
    else:
        return csv_text(value)
    return text if text[:1].isalnum() else csv_text(value)


class _Lines:
    def __init__(self, lines: list[str]):
        self.write = lines.append
