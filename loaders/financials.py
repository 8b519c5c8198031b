"""Company figures (`financials.csv`): one row per entity and fiscal year, checked like deals.

The risk analyses set deals against a company's size (revenue, cash, debt) and its capital
spending against its cash flow, so these figures go through the same validation as deals:
every problem reported as `FILE:ROW: field: message`, all at once. Rules:
- `entity` is required and names an entity by id, name or alias (resolved by the data set
  loader, exactly as deal ends are);
- the year comes from `fiscal_year` (`2025` or `FY2025`), else `period` (`FY2025`), else the
  year of `period_end` (a date); at least one must be given;
- amounts are read like deal amounts (`$57.4B`, `5.74e10`); `operating_cash_flow_usd` may be
  negative (a company can burn cash), the others may not;
- the same entity and year twice in one file with different figures is an error; a later
  `--data` layer replaces an earlier one's row for the same entity and year.
Extra columns are kept.
"""

from __future__ import annotations

import pandas as pd

from dealgraph.errors import Problem
from dealgraph.graph.model import FIGURE_COLUMNS, FINANCIAL_COLUMNS, PERIOD_COLUMNS
from dealgraph.loaders.tables import FILE, ROW
from dealgraph.loaders.validate import Checker, with_columns

SIGNED_COLUMNS = ("operating_cash_flow_usd",)
_YEAR = r"(?:FY\s?)?([0-9]{4})"  # ASCII: \d would take ２０２５, which pandas cannot read


def check_financials(layers: list[pd.DataFrame]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check every financials file; return the rows (entities not yet resolved) and problems.

    The rows come back even when some are wrong, so that their entity references can be
    checked too and every problem reported at once. None when there is no financials file
    ("no figures" is not "figures for nobody").
    """
    if not layers:
        return None, []
    problems: list[Problem] = []
    checked = []
    for frame in layers:
        if not frame.attrs["declares_columns"]:  # an empty JSON list: no rows, no columns
            continue
        file = frame.attrs["file"]
        missing = []
        if "entity" not in frame.columns:
            missing.append(Problem(file, 1, "entity", "missing required column"))
        if not set(PERIOD_COLUMNS) & set(frame.columns):
            missing.append(
                Problem(file, 1, "fiscal_year", "missing required column (or period, period_end)")
            )
        problems += missing
        if not missing:
            frame, found = _check_rows(frame.reset_index(drop=True))
            problems += found
            checked.append(frame)
    if not checked:  # no file could be read row by row: nothing to resolve either
        return None, problems
    return pd.concat(checked, ignore_index=True), problems


def _check_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    check = Checker(with_columns(frame, FINANCIAL_COLUMNS))
    check.flag(check.frame["entity"].str.strip() == "", "entity", "required value is empty")
    check.dates("period_end")
    years = pd.Series(pd.NA, index=check.frame.index, dtype="Int64")
    for column in ("period", "fiscal_year"):  # fiscal_year wins over period
        cells = check.frame[column].str.strip()
        found = cells.str.fullmatch(_YEAR, case=False)
        check.flag(
            (cells != "") & ~found,
            column,
            lambda v: f"not a fiscal year: {v!r} (use 2025 or FY2025)",
        )
        parsed = pd.to_numeric(cells.str.extract(f"^{_YEAR}$", expand=False), errors="coerce")
        years = parsed.astype("Int64").where(found, years)
    ends = check.frame["period_end"]
    dated = ends.str.fullmatch(r"[0-9]{4}-[0-9]{2}(-[0-9]{2})?")
    from_end = pd.to_numeric(ends.str[:4].where(dated))
    years = years.fillna(from_end.astype("Int64"))
    no_period = (check.frame[list(PERIOD_COLUMNS)] == "").all(axis=1)
    check.flag(no_period, "fiscal_year", "required value is empty (or give period, period_end)")
    out = check.frame.copy()
    for column in FIGURE_COLUMNS:
        out[column] = _signed(check, column) if column in SIGNED_COLUMNS else check.amounts(column)
    out["fiscal_year"] = years
    period = out["period"].str.strip()
    out["period"] = period.where(period != "", "FY" + years.astype(str))
    return out, check.problems


def _signed(check: Checker, column: str) -> pd.Series:
    """Amounts that may be negative: `-1.2B` or the accountants' `(1.2B)`."""
    cells = check.frame[column].str.strip()
    negative = cells.str.startswith("-") | (cells.str.startswith("(") & cells.str.endswith(")"))
    bare = cells.where(~negative, cells.str.strip("-() "))
    values = Checker(check.frame.assign(**{column: bare}))
    parsed = values.amounts(column)
    check.problems += values.problems
    return parsed.where(~negative, -parsed)


def stack_financials(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """One row per entity and year: exact repeats dropped, conflicts within a file reported,
    later files winning over earlier ones. `entity` must already hold resolved ids."""
    content = [c for c in frame.columns if c not in (FILE, ROW)]
    frame = frame.drop_duplicates(subset=content)
    key = [FILE, "entity", "fiscal_year"]
    repeated = frame.duplicated(key, keep="first")
    problems = []
    first = frame.drop_duplicates(key).set_index(key)[ROW]
    for _, row in frame[repeated].iterrows():
        seen = first[(row[FILE], row["entity"], row["fiscal_year"])]
        problems.append(
            Problem(
                row[FILE],
                int(row[ROW]),
                "fiscal_year",
                f"figures for {row['entity']!r} FY{row['fiscal_year']} already given at row "
                f"{seen}, with different content",
            )
        )
    # Files come in layer order, so keeping the last row per entity and year lets later win.
    latest = frame.drop_duplicates(["entity", "fiscal_year"], keep="last")
    latest = latest.drop(columns=[FILE, ROW]).sort_values(["entity", "fiscal_year"])
    return latest.reset_index(drop=True), problems
