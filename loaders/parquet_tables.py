"""Read one Parquet table (`entities.parquet`, `deals.parquet`, `financials.parquet`) into
text cells, as `tables.read_table` does for CSV.

Rows are numbered from 1, as in a JSON list. A date column read from a `dealgraph export
--format parquet` folder has its written text beside it (`date_text`): that text is what the
validators see, so a month (`2025-09`) stays a month. Any other typed column becomes text by
`typed_cells.cell_text`.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dealgraph.errors import DataError, Problem
from dealgraph.loaders.files import read_bytes
from dealgraph.loaders.tables import FILE, ROW, check_columns
from dealgraph.loaders.typed_cells import CellError, cell_text

TEXT_SUFFIX = "_text"  # `date_text` holds the date as written; `date` the typed day


def read_parquet(path: Path) -> pd.DataFrame:
    """Read the Parquet file at `path` into text cells with `_file` and `_row` columns."""
    name = str(path)
    frame = read_parquet_table(name, read_bytes(path))
    frame[FILE] = pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), [name])
    frame.attrs["file"] = name
    frame.attrs["declares_columns"] = True  # a Parquet file has a schema, even when empty
    return frame


def read_parquet_table(name: str, raw: bytes) -> pd.DataFrame:
    """The table in `raw` (a Parquet file's bytes) as a frame of strings with a `_row` column."""
    try:
        table = pq.read_table(io.BytesIO(raw))
    except (pa.ArrowException, OSError, ValueError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError([Problem(name, 0, "", f"not a readable Parquet file: {message}")]) from None
    names = [column.strip() for column in table.column_names]
    check_columns(name, 0, names)
    written = {n.removesuffix(TEXT_SUFFIX) for n in names if n.endswith(TEXT_SUFFIX)}
    columns: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for column, values in zip(names, table.columns, strict=True):
        if column in written:
            continue  # its `_text` twin below holds the value as written
        twin = column.endswith(TEXT_SUFFIX) and column.removesuffix(TEXT_SUFFIX) in written
        target = column.removesuffix(TEXT_SUFFIX) if twin else column
        cells = []
        for number, value in enumerate(values.to_pylist(), start=1):
            try:
                cells.append(cell_text(value))
            except CellError as exc:
                problems.append(Problem(name, number, column, str(exc)))
                cells.append("")
            if len(problems) >= 50:
                raise DataError(problems)
        columns[target] = cells
    if problems:
        raise DataError(problems)
    frame = pd.DataFrame(columns, dtype=str, columns=list(columns))
    frame[ROW] = range(1, table.num_rows + 1)
    return frame
