"""Read one table file (CSV, JSON or JSON Lines) into a frame of text cells, rows numbered.

Every cell comes back as `str` (empty for missing), so validation sees exactly what the user
wrote. The `_row` column locates each record for error messages: the spreadsheet row in a CSV
(the header is row 1), the position in a JSON list (from 1), the line in a JSON Lines file.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv as pa_csv

from dealgraph.errors import DataError, Problem

TABLES = ("entities", "deals", "financials")
FORMATS = (".csv", ".json", ".jsonl")
ROW = "_row"
FILE = "_file"


def table_of(path: Path) -> str | None:
    """Which table a file holds, from its name: `deals.csv` holds deals."""
    if path.suffix.lower() in FORMATS and path.stem.lower() in TABLES:
        return path.stem.lower()
    return None


def read_table(path: Path) -> pd.DataFrame:
    """Read `path` into a frame of strings with `_file` and `_row` columns."""
    name = str(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            frame = _read_csv(path)
        else:
            frame = _read_json(name, _text(path), lines=suffix == ".jsonl")
    except OSError as exc:
        raise DataError(
            [Problem(name, 0, "", f"cannot read file: {exc.strerror or exc}")]
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame[FILE] = pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), [name])
    frame.attrs["file"] = name
    return frame


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [
                Problem(
                    str(path), 0, "", f"not UTF-8 text (bad byte at line {line}); save it as UTF-8"
                )
            ]
        ) from None


def _read_csv(path: Path) -> pd.DataFrame:
    """Parse with pyarrow's multi-threaded reader, every column as text.

    Arrow checks the UTF-8 itself; the file is decoded in Python only to explain an error.
    """
    name = str(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            header = next(csv.reader(handle), None)
        except UnicodeDecodeError:
            _text(path)  # raises the problem, with the line of the bad byte
            raise
        except csv.Error as exc:
            raise DataError([Problem(name, 1, "", f"not valid CSV: {exc}")]) from None
    if not header:
        raise DataError([Problem(name, 0, "", "file is empty (expected a header row)")])
    try:
        table = pa_csv.read_csv(
            path,
            convert_options=pa_csv.ConvertOptions(
                column_types={column: pa.string() for column in header}
            ),
        )
    except pa.ArrowInvalid as exc:
        problems = [Problem(name, row, "", msg) for row, msg in _ragged_rows(_text(path))]
        raise DataError(problems or [Problem(name, 0, "", f"not valid CSV: {exc}")]) from None
    table = table.append_column(ROW, pa.array(np.arange(2, table.num_rows + 2)))
    return table.to_pandas()


def _ragged_rows(text: str) -> list[tuple[int, str]]:
    """Rows whose number of cells differs from the header's (pandas stops at the first)."""
    rows = csv.reader(io.StringIO(text, newline=""))
    problems: list[tuple[int, str]] = []
    width = None
    for number, cells in enumerate(rows, start=1):
        if not cells:
            continue
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            problems.append((number, f"has {len(cells)} cells, the header has {width}"))
        if len(problems) >= 20:
            break
    return problems


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    return str(value)


def _read_json(name: str, text: str, lines: bool) -> pd.DataFrame:
    records: list[dict] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    if lines:
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    problems.append(Problem(name, number, "", f"not valid JSON: {exc.msg}"))
                    continue
                numbers.append(number)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(
                [Problem(name, 0, "", f"not valid JSON: {exc.msg} at line {exc.lineno}")]
            ) from None
        if not isinstance(data, list):
            raise DataError([Problem(name, 0, "", "expected a JSON list of objects")])
        records, numbers = data, list(range(1, len(data) + 1))
    for record, number in zip(records, numbers, strict=True):
        if not isinstance(record, dict):
            problems.append(Problem(name, number, "", "expected a JSON object"))
    if problems:
        raise DataError(problems)
    columns = list(dict.fromkeys(key for record in records for key in record))
    frame = pd.DataFrame(
        [[_cell(record.get(c)) for c in columns] for record in records], columns=columns, dtype=str
    )
    frame[ROW] = numbers
    return frame
