"""Typed cells (a spreadsheet's, a Parquet column's) as the text the validators read.

CSV and JSON cells are checked as written; typed files first become the same text, so one set
of rules checks every format: a whole number is written without `.0` (10000000000.0 ->
"10000000000"), a date as `YYYY-MM-DD` (or `YYYY-MM` when only the month is meant), a list
joined by ";" as the CSV format writes aliases, a boolean as `true`/`false`, a missing value
or NaN as empty. What has no text form (a nested list, a map, bytes, infinity, a time of day)
is a problem naming the cell.
"""

from __future__ import annotations

import datetime as dt
import math

from dealgraph.loaders.tables import MAX_CELL


class CellError(ValueError):
    """A value that cannot be a cell; the message says what it is."""


def cell_text(value: object, month_only: bool = False, in_list: bool = False) -> str:
    """`value` as text; `month_only` writes a date as `YYYY-MM` (a spreadsheet cell shown as
    a month, such as `Sep-25`, means the month, not its first day)."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = str(value).lower()  # a typed yes/no column (extra columns are kept as text)
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if math.isnan(value):
            return ""
        if not math.isfinite(value):
            raise CellError("number too large")
        text = str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)
    elif isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError(f"a date with a time of day ({value.isoformat()}); give the day only")
        text = value.strftime("%Y-%m") if month_only else value.date().isoformat()
    elif isinstance(value, dt.date):
        text = value.strftime("%Y-%m") if month_only else value.isoformat()
    elif isinstance(value, list | tuple) and not in_list:
        text = ";".join(cell_text(item, in_list=True) for item in value)
    else:
        what = "a list inside a list" if isinstance(value, list | tuple) else type(value).__name__
        raise CellError(f"expected text, a number or a date, not {what}")
    if len(text) > MAX_CELL:
        raise CellError(f"cell of {len(text):,} characters (at most {MAX_CELL:,})")
    return text
