"""`analyze`'s alert files, written as the alerts stream by, in memory flat in their number.

- alerts.jsonl: one JSON line per alert in the order found (loops as the search finds them,
  then each other kind in turn), as `alerts --format jsonl` prints them.
- alerts.json and alerts.csv: the same alerts most severe first, then largest, then by id,
  byte for byte what rendering the whole list gives (`options.render`: a JSON list holds
  one record a line, so alerts.json's records are alerts.jsonl's lines).

Each alert is serialised once (its JSON line, written to alerts.jsonl as found) and its
CSV line made once. A `SpillSort` on disk takes each alert's sort key, where its line lies
in alerts.jsonl, and its CSV line; alerts.json is then copied line by line out of
alerts.jsonl in sorted order (`os.pread`: mapping the file into memory would count
gigabytes of file pages as the process's own) and alerts.csv written from the merged runs.

Everything is written into the output set's staging folder (`output_set`), which is moved
in whole, so no file here needs its own temporary name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from itertools import islice
from operator import attrgetter
from os import pread
from pathlib import Path

import orjson

from dealgraph.atomic_files import checkpoint
from dealgraph.cli.gc_tuning import fewer_collections
from dealgraph.cli.options import JSON_OPTIONS, csv_lines, render
from dealgraph.queries.findings.alerts import SEVERITIES, Alert
from dealgraph.spill_sort import SpillSort

ALERT_FILES = ("alerts.jsonl", "alerts.json", "alerts.csv")
BATCH = 2_048  # alerts serialised and written per call
_LINE = JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE


def write_alert_files(alerts: Iterable[Alert], folder: Path, columns: list[str]) -> int:
    """Write `ALERT_FILES` into `folder` from `alerts` (read once; `columns` are the CSV's).
    Returns how many alerts were written."""
    stream = iter(alerts)
    rank = {severity: -i for i, severity in enumerate(SEVERITIES)}  # most severe first
    with fewer_collections(), SpillSort(folder) as ordered:
        with (folder / "alerts.jsonl").open("wb") as jsonl:
            at = 0  # where the next line starts in alerts.jsonl
            while batch := list(islice(stream, BATCH)):
                lines = [orjson.dumps(alert, option=_LINE) for alert in batch]
                jsonl.write(b"".join(lines))
                checkpoint()  # a test may stop the stream here (atomic_files)
                records = []
                for alert, line, row in zip(batch, lines, alert_csv_lines(batch, columns),
                                            strict=True):  # fmt: skip
                    key = (rank[alert.severity], -(alert.amount_usd or 0.0), alert.id, at)
                    records.append((*key, len(line) - 1, row))
                    at += len(line)
                ordered.extend(records)
        _write_sorted(ordered, folder, columns)
        return len(ordered)


def _write_sorted(ordered: SpillSort, folder: Path, columns: list[str]) -> None:
    """alerts.json as `render(rows, "json")` writes it (`[]` when empty), and alerts.csv
    with its header."""
    header = render([], "csv", columns).encode("utf-8")
    with ExitStack() as files:
        as_json = files.enter_context((folder / "alerts.json").open("wb"))
        as_csv = files.enter_context((folder / "alerts.csv").open("wb"))
        as_csv.write(header)
        if not len(ordered):
            as_json.write(render([], "json").encode("utf-8"))
            return
        jsonl = files.enter_context((folder / "alerts.jsonl").open("rb")).fileno()
        records = ordered.sorted()
        as_json.write(b"[\n")
        while batch := list(islice(records, BATCH)):
            if as_json.tell() > 2:
                as_json.write(b",\n")
            as_json.write(b",\n".join([pread(jsonl, r[4], r[3]) for r in batch]))
            as_csv.write(b"".join([r[5] for r in batch]))
            checkpoint()
        as_json.write(b"\n]\n")


def alert_csv_lines(alerts: Sequence[Alert], columns: Sequence[str]) -> list[bytes]:
    """Each alert's CSV line (`p_value` lifted from its details, as `alert_csv_rows` does),
    encoded."""
    values = []
    for column in columns:
        if column == "p_value":
            values.append([(a.details or {}).get("p_value") for a in alerts])
        else:
            values.append(list(map(attrgetter(column), alerts)))
    return [line.encode("utf-8") for line in csv_lines(values)]
