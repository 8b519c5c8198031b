"""Read one table file (CSV, JSON or JSON Lines) into a frame of text cells, rows numbered.

Every cell comes back as `str` (empty for missing), so validation sees exactly what the user
wrote. The `_row` column locates each record for error messages: the spreadsheet row in a CSV
(the header is row 1), the position in a JSON list (from 1), the line in a JSON Lines file.

What is refused here, before any row is checked: a file that is not a regular file
(`files.read_bytes`), text that is not UTF-8 or holds NUL bytes, a header naming a column
twice (once spaces are stripped) or naming one of the loader's own columns (`_row`, `_file`),
a cell over `MAX_CELL` characters, JSON nested deeper than Python can parse, and JSON values
that are not text: objects, true/false, lists of lists, NaN and Infinity.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from dealgraph.errors import DataError, Problem
from dealgraph.loaders.files import read_bytes

TABLES = ("entities", "deals", "financials")
FORMATS = (".csv", ".json", ".jsonl", ".parquet")  # .parquet: see parquet_tables
ROW = "_row"
FILE = "_file"
MAX_CELL = 131_072  # characters in one cell: the csv module's own field limit


def table_of(path: Path) -> str | None:
    """Which table a file holds, from its name: `deals.csv` holds deals."""
    if path.suffix.lower() in FORMATS and path.stem.lower() in TABLES:
        return path.stem.lower()
    return None


def read_table(path: Path) -> pd.DataFrame:
    """Read `path` into a frame of strings with `_file` and `_row` columns."""
    name = str(path)
    raw = read_bytes(path)
    _check_bytes(name, raw)
    if path.suffix.lower() == ".csv":
        frame = _read_csv(name, raw)
    else:
        frame = _read_json(name, _text(name, raw), lines=path.suffix.lower() == ".jsonl")
    frame[FILE] = pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), [name])
    frame.attrs["file"] = name
    # A CSV file declares its columns in the header; a JSON file only in its records, so an
    # empty JSON list has no columns to miss.
    frame.attrs["declares_columns"] = path.suffix.lower() == ".csv" or len(frame) > 0
    return frame


def _check_bytes(name: str, raw: bytes) -> None:
    """UTF-16 and binary files, named before a parser stumbles over them."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError([Problem(name, 0, "", "UTF-16 text; save it as UTF-8")])
    nul = raw.find(b"\x00")  # one memchr: text files pay nothing more
    if nul >= 0:
        if max(raw[0::2].count(0), raw[1::2].count(0)) > len(raw) // 4:  # UTF-16, no BOM
            raise DataError([Problem(name, 0, "", "UTF-16 text; save it as UTF-8")])
        line = raw[:nul].count(b"\n") + 1
        raise DataError(
            [Problem(name, 0, "", f"NUL byte at line {line}: not a text file; save it as UTF-8")]
        )


def _text(name: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [Problem(name, 0, "", f"not UTF-8 text (bad byte at line {line}); save it as UTF-8")]
        ) from None


def check_columns(name: str, row: int, columns: list[str], unit: str = "column") -> None:
    """Refuse a header (or a JSON object's keys: `unit="key"`) that names a column twice or
    names the loader's own columns."""
    problems = [
        Problem(name, row, column, "reserved column name (dealgraph locates rows with it)")
        for column in columns
        if column in (ROW, FILE)
    ]
    for column, count in Counter(columns).items():
        if count > 1:
            places = [str(n) for n, c in enumerate(columns, start=1) if c == column]
            what = f"a {unit} with no name" if column == "" else f"this {unit}"
            problems.append(
                Problem(
                    name,
                    row,
                    column,
                    f"{what} appears {count} times ({unit}s "
                    f"{', '.join(places)}; spaces around names do not count)",
                )
            )
    if problems:
        raise DataError(problems)


def _read_csv(name: str, raw: bytes) -> pd.DataFrame:
    """Parse with pyarrow's multi-threaded reader, every column as text.

    The header is read by Python's csv module and handed to Arrow, so Arrow reads exactly the
    columns checked here. Arrow checks the UTF-8 itself; the file is decoded in Python only to
    explain an error.
    """
    handle = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")
    try:
        with _cell_limit():
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        _text(name, raw)  # raises the problem, with the line of the bad byte
        raise
    except csv.Error as exc:
        raise DataError([Problem(name, 1, "", f"not valid CSV: {exc}")]) from None
    if not header:
        empty = not raw.removeprefix(codecs.BOM_UTF8).strip()
        blank = "file is empty" if empty else "the first line is blank"
        raise DataError([Problem(name, 0, "", f"{blank} (expected a header row)")])
    header = [column.strip() for column in header]
    check_columns(name, 1, header)
    table = _arrow_csv(name, raw, header)
    _check_cell_sizes(name, table)
    table = table.append_column(ROW, pa.array(np.arange(2, table.num_rows + 2)))
    return table.to_pandas()


def _arrow_csv(name: str, raw: bytes, header: list[str]) -> pa.Table:
    read = pa_csv.ReadOptions(column_names=header, skip_rows=1)
    convert = pa_csv.ConvertOptions(column_types={column: pa.string() for column in header})
    try:
        return pa_csv.read_csv(pa.BufferReader(raw), read_options=read, convert_options=convert)
    except pa.ArrowInvalid as exc:
        problems = [Problem(name, row, "", msg) for row, msg in _ragged_rows(_text(name, raw))]
        if problems:
            raise DataError(problems) from None
        first_error = exc
    try:  # quoted cells spanning lines across Arrow's blocks need the slower parse
        parse = pa_csv.ParseOptions(newlines_in_values=True)
        return pa_csv.read_csv(
            pa.BufferReader(raw), read_options=read, parse_options=parse, convert_options=convert
        )
    except pa.ArrowInvalid:
        raise DataError([Problem(name, 0, "", f"not valid CSV: {first_error}")]) from None


@contextmanager
def _cell_limit() -> Iterator[None]:
    """The csv module's field limit at `MAX_CELL` while we parse: it is process-wide, and a
    library imported beside dealgraph may have raised it (followthemoney sets 30 MiB)."""
    before = csv.field_size_limit(MAX_CELL)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _ragged_rows(text: str) -> list[tuple[int, str]]:
    """Rows whose number of cells differs from the header's (Arrow stops at the first), or the
    first row the csv module cannot read."""
    with _cell_limit():
        return _ragged_rows_within_limit(text)


def _ragged_rows_within_limit(text: str) -> list[tuple[int, str]]:
    rows = csv.reader(io.StringIO(text, newline=""))
    problems: list[tuple[int, str]] = []
    width = None
    while len(problems) < 20:
        try:
            cells = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            too_long = "field larger than field limit" in str(exc)
            message = f"a cell over {MAX_CELL:,} characters" if too_long else exc
            problems.append((rows.line_num, f"not valid CSV: {message}"))
            break
        if not cells:
            continue
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            problems.append((rows.line_num, f"has {len(cells)} cells, the header has {width}"))
    return problems


def _check_cell_sizes(name: str, table: pa.Table) -> None:
    problems = []
    for column in table.column_names:
        # Bytes bound characters from above, and a byte length is read off the offsets.
        if (pc.max(pc.binary_length(table[column])).as_py() or 0) <= MAX_CELL:
            continue
        lengths = pc.utf8_length(table[column])
        if (pc.max(lengths).as_py() or 0) > MAX_CELL:
            for pos in np.flatnonzero(lengths.to_numpy() > MAX_CELL)[:20]:
                problems.append(Problem(name, int(pos) + 2, column, _too_long(lengths[pos])))
    if problems:
        raise DataError(problems)


def _too_long(length) -> str:
    return f"cell of {int(length):,} characters (at most {MAX_CELL:,})"


class _BadValue(ValueError):
    """A JSON value that cannot be a cell; the message says what it is."""


class _Constant:
    """NaN, Infinity or -Infinity as written: Python's json reads them, JSON has no such
    numbers, and taking NaN for "unknown" would hide a broken export."""

    def __init__(self, text: str):
        self.text = text


class _Object(dict):
    """A JSON object, remembering keys written twice (the json module keeps the last)."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, object]]) -> _Object:
    found = _Object(pairs)
    if len(found) < len(pairs):
        found.repeated = tuple(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return found


def _loads(text: str) -> object:
    # Integers are kept as written: an amount of 10**5000 is refused as too large by the
    # amount rules, not by Python's limit on converting long integers.
    return json.loads(text, object_pairs_hook=_object, parse_constant=_Constant, parse_int=str)


def _cell(value: object, in_list: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, _Constant):
        raise _BadValue(f"{value.text} is not a JSON number (leave the value out if unknown)")
    if isinstance(value, bool):
        raise _BadValue(f"expected text or a number, not {str(value).lower()}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _BadValue("number too large")
        return str(int(value)) if value.is_integer() and abs(value) < 1e18 else str(value)
    if isinstance(value, list) and not in_list:
        return ";".join(_cell(v, in_list=True) for v in value)
    what = "a list inside a list" if isinstance(value, list) else "a JSON object"
    raise _BadValue(f"expected text or a number, not {what}")


def _json_records(name: str, text: str, lines: bool) -> tuple[list, list[int]]:
    if lines:
        records, numbers, problems = [], [], []
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                try:
                    records.append(_loads(line))
                except json.JSONDecodeError as exc:
                    problems.append(Problem(name, number, "", f"not valid JSON: {exc.msg}"))
                    continue
                except RecursionError:
                    problems.append(Problem(name, number, "", "not valid JSON: nested too deep"))
                    continue
                numbers.append(number)
        if problems:
            raise DataError(problems)
        return records, numbers
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            [Problem(name, 0, "", f"not valid JSON: {exc.msg} at line {exc.lineno}")]
        ) from None
    except RecursionError:
        raise DataError([Problem(name, 0, "", "not valid JSON: nested too deep")]) from None
    if not isinstance(data, list):
        raise DataError([Problem(name, 0, "", "expected a JSON list of objects")])
    return data, list(range(1, len(data) + 1))


def _read_json(name: str, text: str, lines: bool) -> pd.DataFrame:
    records, numbers = _json_records(name, text, lines)
    problems: list[Problem] = []
    rows: list[dict[str, str]] = []
    for record, number in zip(records, numbers, strict=True):
        if not isinstance(record, dict):
            problems.append(Problem(name, number, "", "expected a JSON object"))
            continue
        problems += [
            Problem(name, number, key.strip(), "key given twice in one object")
            for key in record.repeated
        ]
        keys = [key.strip() for key in record]
        try:
            check_columns(name, number, keys, unit="key")
        except DataError as exc:
            problems += exc.problems
            continue
        row = {}
        for key, value in zip(keys, record.values(), strict=True):
            try:
                row[key] = _cell(value)
            except _BadValue as exc:
                problems.append(Problem(name, number, key, str(exc)))
                continue
            if len(row[key]) > MAX_CELL:
                problems.append(Problem(name, number, key, _too_long(len(row[key]))))
        rows.append(row)
    if problems:
        raise DataError(problems)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    frame = pd.DataFrame(
        [[row.get(c, "") for c in columns] for row in rows], columns=columns, dtype=str
    )
    frame[ROW] = numbers
    return frame
