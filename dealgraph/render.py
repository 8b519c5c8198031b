"""Rows out: one renderer per format, chosen once at the edge of the CLI.

Rows are plain dicts. JSON keeps nested values; CSV and tables flatten lists with `;` and
nested objects as JSON. An empty result is `[]` in JSON, a header alone in CSV.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from collections.abc import Sequence

FORMATS = ("table", "json", "jsonl", "csv")


def plain(value: object) -> object:
    """JSON-safe: NaN becomes null, tuples become lists."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _flat(value: object) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_flat(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None) -> str:
    """The text of `rows` in `fmt`; `columns` fixes the order (and the CSV header if empty)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        return json.dumps([plain(r) for r in rows], indent=2, ensure_ascii=False) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(plain(r), ensure_ascii=False) + "\n" for r in rows)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_flat(r.get(c)) for c in columns] for r in rows)
        return out.getvalue()
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
