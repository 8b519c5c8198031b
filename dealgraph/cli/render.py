"""Rows out: one renderer per format, chosen once at the edge of the CLI.

Rows are plain dicts. JSON keeps nested values; CSV and tables flatten lists with `;` and
nested objects as JSON. An empty result is `[]` in JSON, a header alone in CSV.

CSV is safe to open in a spreadsheet (docs/security.md, "Safe CSV"): a text cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's advice
against formula injection), while numbers, negative ones included, stay numbers; a cell
holding a comma, a quote, a carriage return or a line feed is quoted, so every row reads
back as one row.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
from collections.abc import Sequence

import orjson

FORMATS = ("table", "json", "jsonl", "csv")
_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def to_json(value: object, indent: bool = False, sort_keys: bool = False) -> str:
    """JSON text, fast at any size (orjson): NaN as null, tuples as lists, UTF-8 kept."""
    option = _JSON_OPTIONS | (orjson.OPT_INDENT_2 if indent else 0)
    option |= orjson.OPT_SORT_KEYS if sort_keys else 0
    return orjson.dumps(value, option=option).decode("utf-8")


def _flat(value: object) -> str:
    """One cell of text; the common cases (text, lists of text) first, as CSV of a million
    alerts calls this for every cell."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, tuple | list):
        return ";".join(v if isinstance(v, str) else _flat(v) for v in value)
    if isinstance(value, dict):
        return to_json(value, sort_keys=True)
    return str(value)


def csv_text(value: object) -> str:
    """One CSV cell's text: neutralised with a leading `'` when it is text a spreadsheet
    would run as a formula; numbers, and text that is a plain number, are left alone."""
    text = _flat(value)
    if text[:1] in _FORMULA_START and not isinstance(value, int | float):
        return text if _NUMBER.fullmatch(text) else "'" + text
    return text


def _csv(rows: Sequence[Sequence[object]]) -> str:
    """CSV with `\n` line ends, every cell holding a `\r` or `\n` quoted. `csv.writer`
    quotes the characters of its line terminator only, so it writes `\r\n` lines (one
    `write` a row) and each row's end becomes `\n`."""
    lines: list[str] = []
    writer = csv.writer(_Lines(lines), lineterminator="\r\n")
    writer.writerows(
        [t if t[:1] not in _FORMULA_START else csv_text(v) for v in row for t in (_flat(v),)]
        for row in rows
    )
    return "".join(line[:-2] + "\n" for line in lines)


class _Lines:
    def __init__(self, lines: list[str]):
        self.write = lines.append


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None) -> str:
    """The text of `rows` in `fmt`; `columns` fixes the order (and the CSV header if empty)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        return to_json(rows, indent=True) + "\n"
    if fmt == "jsonl":
        return "".join(to_json(r) + "\n" for r in rows)
    if fmt == "csv":
        return _csv([columns, *([r.get(c) for c in columns] for r in rows)])
    if fmt == "table":
        return table(rows, columns)
    raise ValueError(f"unknown format {fmt!r}")


def table(rows: Sequence[dict], columns: Sequence[str], max_width: int | None = None) -> str:
    """A plain-text table that fits the terminal: the widest column is cut with `…`."""
    if not rows:
        return "(none)\n"
    cells = [[_flat(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    room = (max_width or shutil.get_terminal_size((120, 20)).columns) - 2 * (len(columns) - 1)
    while sum(widths) > room and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def line(values: Sequence[str]) -> str:
        fitted = [
            v if len(v) <= w else v[: w - 1] + "…" for v, w in zip(values, widths, strict=True)
        ]
        return "  ".join(f.ljust(w) for f, w in zip(fitted, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(columns)), rule, *(line(row) for row in cells)]) + "\n"
