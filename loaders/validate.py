"""Check one table's rows against the schema, gathering every problem before giving up.

Checks run column by column over the whole frame (vectorised), so a million rows cost about
what reading them costs; only flagged rows are turned into `Problem`s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dealgraph.errors import Problem
from dealgraph.graph.model import AMOUNT_COLUMNS, DEAL_COLUMNS, ENTITY_COLUMNS, ids_in_order
from dealgraph.graph.schema import SCHEMA
from dealgraph.loaders.amounts import parse_amount_column
from dealgraph.loaders.tables import FILE, ROW

REQUIRED = {
    "entities": ("id", "name", "kind"),
    "deals": ("id", "date", "from_entity", "to_entity", "kind"),
}
ENTITY_ID = r"[a-z0-9][a-z0-9_.-]*"
DATE = r"[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?"  # ASCII digits only


class Checker:
    """Collects problems about the rows of one frame, which may mix several files."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.problems: list[Problem] = []

    def flag(self, mask: pd.Series, field: str, message: str | Callable[[str], str]) -> None:
        """Report `message` (or `message(cell)`) for every row where `mask` is true."""
        for index in mask[mask].index:
            row = self.frame.loc[index]
            text = message(row[field]) if callable(message) else message
            self.problems.append(Problem(row[FILE], int(row[ROW]), field, text))

    def require_columns(self, table: str, file_columns: dict[str, list[str]]) -> bool:
        ok = True
        for file, columns in file_columns.items():
            for column in REQUIRED[table]:
                if column not in columns:
                    self.problems.append(Problem(file, 1, column, "missing required column"))
                    ok = False
        return ok

    def require_values(self, table: str) -> None:
        for column in REQUIRED[table]:
            cells = self.frame[column]
            self.flag((cells == "") | cells.str.isspace(), column, "required value is empty")

    def one_of(self, column: str, allowed: tuple[str, ...] | list[str]) -> None:
        cells = self.frame[column]
        listed = ", ".join(allowed)
        bad = [text for text in cells.unique() if text and text not in allowed]
        if bad:
            expected = f"(expected one of: {listed})"
            self.flag(cells.isin(bad), column, lambda v: f"unknown value {v!r} {expected}")

    def dates(self, column: str) -> None:
        """ISO dates, `YYYY-MM-DD` or `YYYY-MM`, that exist on the calendar.

        A column holds few distinct dates however long it is, so each is checked once.
        """
        cells = self.frame[column]
        bad = [text for text in cells.unique() if text and not _is_date(text)]
        if bad:
            self.flag(cells.isin(bad), column, lambda v: f"not a date: {v!r} (use YYYY-MM-DD)")

    def amounts(self, column: str) -> pd.Series:
        values, errors = parse_amount_column(self.frame[column])
        for pos, message in errors.items():
            row = self.frame.iloc[pos]
            self.problems.append(Problem(row[FILE], int(row[ROW]), column, message))
        return values

    def unique_ids(self) -> pd.DataFrame:
        """Drop exact repeats of a record; a repeated id with other content is an error."""
        ids = self.frame["id"]
        if ids_in_order(ids, strictly=True) or len(pc.unique(pa.array(ids))) == len(ids):
            return self.frame
        repeated_id = ids.duplicated(keep=False) & (ids != "")
        content = [c for c in self.frame.columns if c not in (FILE, ROW)]
        suspects = self.frame[repeated_id]
        exact = suspects.duplicated(subset=content, keep="first")
        frame = self.frame.drop(index=suspects.index[exact])
        suspects = suspects[~exact]
        first_rows = suspects.drop_duplicates("id").set_index("id")[ROW]
        for index in suspects.index[suspects["id"].duplicated(keep="first")]:
            row = suspects.loc[index]
            self.problems.append(
                Problem(
                    row[FILE],
                    int(row[ROW]),
                    "id",
                    f"duplicate id {row['id']!r} (first at row {first_rows[row['id']]}) "
                    "with different content",
                )
            )
        return frame


def _is_date(text: str) -> bool:
    if not re.fullmatch(DATE, text):
        return False
    try:
        date.fromisoformat(text if len(text) == 10 else f"{text}-01")
    except ValueError:
        return False
    return True


def with_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Add the optional columns a file left out, as empty text.

    They share one zero-copy Arrow column of empty strings: filling each with "" would cost
    a million-row file more than checking its real columns.
    """
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        empty = pa.repeat(pa.scalar("", pa.large_string()), len(frame)).to_pandas()
        empty.index = frame.index
        for column in missing:
            frame[column] = empty
    return frame


def check_entities(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checker(with_columns(frame, ENTITY_COLUMNS))
    check.require_values("entities")
    ids = check.frame["id"]
    check.flag(
        (ids != "") & ~ids.str.fullmatch(ENTITY_ID),
        "id",
        lambda v: f"not a valid id: {v!r} (lower-case letters, digits, '_', '.', '-')",
    )
    check.one_of("kind", list(SCHEMA.entity_kinds))
    return check.frame, check.problems


def check_deals(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checker(with_columns(frame, DEAL_COLUMNS))
    check.require_values("deals")
    check.dates("date")
    check.dates("source_date")
    check.one_of("kind", list(SCHEMA.deal_kinds))
    check.one_of("status", SCHEMA.statuses)
    check.one_of("amount_basis", SCHEMA.amount_bases)
    check.one_of("consideration", SCHEMA.considerations)
    check.one_of("source_kind", SCHEMA.source_kinds)
    parsed = {column: check.amounts(column) for column in AMOUNT_COLUMNS}
    term = check.amounts("term_years")
    cash = check.amounts("cash_part_usd")
    check.flag(
        cash.notna() & (check.frame["consideration"] != "mixed"),
        "cash_part_usd",
        "a cash part is given only for a mixed consideration",
    )
    check.flag(cash > parsed["amount_usd"], "cash_part_usd", "cash part is above the whole amount")
    low, high = parsed["amount_low_usd"], parsed["amount_high_usd"]
    check.flag(low > high, "amount_low_usd", "low amount is above the high amount")
    amount = parsed["amount_usd"]
    outside = (amount < low) | (amount > high)
    check.flag(outside, "amount_usd", "amount lies outside its low..high range")
    frame = check.frame.copy()
    for column, values in parsed.items():
        frame[column] = values
    frame["term_years"] = term
    frame["cash_part_usd"] = cash
    consideration = frame["consideration"]
    frame["consideration"] = consideration.where(consideration != "", SCHEMA.default_consideration)
    frame["status"] = frame["status"].where(frame["status"] != "", SCHEMA.default_status)
    basis = frame["amount_basis"]
    frame["amount_basis"] = basis.where(basis != "", SCHEMA.default_amount_basis)
    return frame, check.problems
