"""Read an Excel workbook (.xlsx) whose sheets are the tables: `entities`, `deals` and,
optionally, `financials`.

Each sheet reads like a CSV file: the first row is the header, every cell becomes text
(`typed_cells.cell_text`), and problems name the workbook, the sheet and the spreadsheet row,
`book.xlsx[deals]:7: amount_usd: ...`. A date cell shown without its day (a number format
such as `mmm-yy`) means a month and reads as `YYYY-MM`, as the CSV format writes it.
Formulas count by their last computed value. A sheet with another name, or a workbook with
neither `entities` nor `deals`, is refused: a misspelt sheet must not vanish silently.

Before openpyxl sees the file, the zip's declared sizes are checked (`MAX_EXPANDED`), so a
small file that inflates to gigabytes is refused instead of filling the memory.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from dealgraph.errors import DataError, Problem
from dealgraph.loaders.files import read_bytes
from dealgraph.loaders.tables import FILE, ROW, TABLES, check_columns
from dealgraph.loaders.typed_cells import CellError, cell_text

SUFFIX = ".xlsx"
MAX_EXPANDED = 1 << 30  # bytes the workbook's parts may inflate to: 1 GiB
_DAY_CODES = ("d", "D")


def read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """The tables of the workbook at `path`, each a frame of text cells with `_file` and
    `_row` columns, keyed by table name."""
    from openpyxl import load_workbook  # imported on use: only .xlsx input needs it

    name = str(path)
    raw = read_bytes(path)
    _check_zip(name, raw)
    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(
            [Problem(name, 0, "", f"not a readable .xlsx workbook: {message}")]
        ) from None
    try:
        sheets = {sheet.title.strip().lower(): sheet for sheet in book.worksheets}
        unknown = sorted(set(sheets) - set(TABLES))
        if unknown or not {"entities", "deals"} & set(sheets):
            found = ", ".join(repr(s.title) for s in book.worksheets) or "none"
            message = f"sheets {found}: expected entities and deals (and financials), no others"
            raise DataError([Problem(name, 0, "", message)])
        return {table: _read_sheet(f"{name}[{table}]", sheet) for table, sheet in sheets.items()}
    finally:
        book.close()


def _check_zip(name: str, raw: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise DataError([Problem(name, 0, "", "not an .xlsx workbook (not a zip file)")]) from None
    if expanded > MAX_EXPANDED:
        message = f"expands to {expanded:,} bytes (at most {MAX_EXPANDED:,}); split the workbook"
        raise DataError([Problem(name, 0, "", message)])


def _month_only(number_format: str | None) -> bool:
    return bool(number_format) and not any(code in number_format for code in _DAY_CODES)


def _read_sheet(name: str, sheet) -> pd.DataFrame:
    rows = sheet.iter_rows()
    header_cells = next(rows, None)
    if not header_cells or all(c.value is None for c in header_cells):
        raise DataError([Problem(name, 1, "", "the first row is empty (expected a header row)")])
    header = ["" if c.value is None else str(c.value).strip() for c in header_cells]
    while header and header[-1] == "":  # formatted but empty columns at the right
        header.pop()
    check_columns(name, 1, header)
    records, numbers, problems = [], [], []
    for number, cells in enumerate(rows, start=2):
        values = []
        for position, cell in enumerate(cells):
            value = cell.value
            if position >= len(header):
                if value not in (None, ""):
                    problems.append(Problem(name, number, "", f"a value in column "
                                            f"{position + 1}, which has no header"))  # fmt: skip
                continue
            try:
                month = hasattr(value, "year") and _month_only(getattr(cell, "number_format", None))
                values.append(cell_text(value, month_only=month))
            except CellError as exc:
                problems.append(Problem(name, number, header[position], str(exc)))
                values.append("")
        if not any(values):
            continue  # an empty row: spreadsheets keep many
        values += [""] * (len(header) - len(values))
        records.append(values)
        numbers.append(number)
        if len(problems) >= 50:
            break
    if problems:
        raise DataError(problems)
    frame = pd.DataFrame(records, columns=header, dtype=str)
    frame[ROW] = numbers
    frame[FILE] = pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), [name])
    frame.attrs["file"] = name
    frame.attrs["declares_columns"] = True
    return frame
