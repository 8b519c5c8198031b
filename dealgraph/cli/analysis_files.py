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
from dealgraph.cli.options import csv_text, render
from dealgraph.queries.findings.alerts import SEVERITIES, Alert
from dealgraph.spill_sort import SpillSort

ALERT_FILES = ("alerts.jsonl", "alerts.json", "alerts.csv")
BATCH = 2_048  # alerts serialised and written per call
_JSON = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS  # as `options.to_json`
_INDENTED = _JSON | orjson.OPT_INDENT_2


def write_alert_files(alerts: Iterable[Alert], folder: Path, columns: list[str]) -> int:
    """Write `ALERT_FILES` into `folder` from `alerts` (read once; `columns` are the CSV's).
    Returns how many alerts were written."""
    lines = _CsvLines()
    stream = iter(alerts)
    with (
        SpillSort(folder) as ordered,
        (folder / "alerts.jsonl").open("wb") as jsonl,
    ):
        while batch := list(islice(stream, BATCH)):
            jsonl.write(b"".join([orjson.dumps(alert, option=_JSON) + b"\n" for alert in batch]))
            checkpoint()  # a test may stop the stream here (atomic_files)
            for alert in batch:
                key = (-SEVERITIES.index(alert.severity), -(alert.amount_usd or 0.0), alert.id)
                indented = orjson.dumps(alert, option=_INDENTED).replace(b"\n", b"\n  ")
                ordered.add(key, (indented, lines(_cells(alert, columns))))
        _write_sorted(ordered, folder, columns)
        return len(ordered)


def _cells(alert: Alert, columns: list[str]) -> list[object]:
    return [getattr(alert, column) for column in columns]


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


class _CsvLines:
    """One alert's CSV line, as `options.render(rows, "csv")` writes its rows: cells made
    safe by `csv_text`, `\\n` line ends (cells holding `\\r` or `\\n` quoted)."""

    def __init__(self):
        self._line: list[str] = []
        self._writer = csv.writer(self, lineterminator="\r\n")

    def write(self, text: str) -> None:
        self._line.append(text)

    def __call__(self, cells: list[object]) -> bytes:
        self._writer.writerow([csv_text(cell) for cell in cells])
        line = "".join(self._line)
        self._line.clear()
        return (line[:-2] + "\n").encode("utf-8")
