"""Excel workbooks and Parquet folders load to the same data set, and the same analysis, as
the bundled CSV files they are made from; their problems name the file, sheet, row and field."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from dealgraph.cli import main
from dealgraph.errors import DataError
from dealgraph.exports.parquet import data_tables
from dealgraph.loaders import load_dataset
from dealgraph.loaders.dataset import bundled_path
from dealgraph.queries.findings.analysis import analyze

NUMBERS = ("amount_usd", "amount_low_usd", "amount_high_usd", "cash_part_usd")


@pytest.fixture(scope="module")
def bundled():
    return load_dataset()


def _csv(table: str) -> pd.DataFrame:
    return pd.read_csv(bundled_path() / f"{table}.csv", dtype=str, keep_default_na=False)


def _write_book(path, sheets: dict[str, pd.DataFrame], typed: bool = True) -> None:
    """Sheets as a spreadsheet user would have them: amounts as numbers and full dates as
    date cells when `typed`, the rest as text."""
    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        for record in frame.to_dict("records"):
            row = []
            for column, text in record.items():
                if typed and column in NUMBERS and text:
                    row.append(float(text))
                elif typed and column == "date" and len(text) == 10:
                    row.append(dt.datetime.fromisoformat(text))
                else:
                    row.append(text)
            sheet.append(row)
        if typed:
            for cell in sheet[1]:
                if cell.value == "date":
                    for (day,) in sheet.iter_rows(min_row=2, min_col=cell.column,
                                                  max_col=cell.column):  # fmt: skip
                        day.number_format = "yyyy-mm-dd"
    book.save(path)


def _same_analysis(loaded, bundled) -> None:
    pd.testing.assert_frame_equal(loaded.entities, bundled.entities)
    pd.testing.assert_frame_equal(loaded.deals, bundled.deals)
    pd.testing.assert_frame_equal(loaded.financials, bundled.financials)
    ours, theirs = analyze(loaded), analyze(bundled)
    assert [a.as_dict() for a in ours.alerts] == [a.as_dict() for a in theirs.alerts]
    assert ours.alerts  # an empty analysis would prove nothing


def test_a_workbook_loads_like_the_csv_files(tmp_path, bundled):
    path = tmp_path / "deals.xlsx"
    _write_book(path, {t: _csv(t) for t in ("entities", "deals", "financials")})
    _same_analysis(load_dataset([path]), bundled)


def test_a_month_formatted_date_cell_reads_as_the_month(tmp_path):
    book = Workbook()
    entities = book.active
    entities.title = "entities"
    entities.append(["id", "name", "kind"])
    entities.append(["a", "A", "other"])
    entities.append(["b", "B", "other"])
    deals = book.create_sheet("deals")
    deals.append(["id", "date", "from_entity", "to_entity", "kind", "amount_usd", "source_url"])
    deals.append(["d1", dt.datetime(2025, 9, 1), "a", "b", "purchase", 5e9, "https://x.org/1"])
    deals["B2"].number_format = "mmm-yy"
    book.save(tmp_path / "month.xlsx")
    loaded = load_dataset([tmp_path / "month.xlsx"])
    assert loaded.deals.at["d1", "date"] == "2025-09"
    assert loaded.deals.at["d1", "amount_usd"] == 5e9


def test_a_parquet_folder_loads_like_the_csv_files(tmp_path, bundled):
    folder = tmp_path / "typed"
    folder.mkdir()
    for table in ("entities", "deals", "financials"):
        frame = _csv(table)
        for column in NUMBERS:
            if column in frame:
                frame[column] = pd.to_numeric(frame[column]).astype("float64")
        frame.to_parquet(folder / f"{table}.parquet")
    _same_analysis(load_dataset([folder]), bundled)


def test_an_exported_parquet_folder_loads_back(tmp_path, bundled):
    """The export writes dates as dates with their text beside them: months come back."""
    folder = tmp_path / "exported"
    folder.mkdir()
    for name, table in data_tables(bundled, analyze(bundled).deals).items():
        pq.write_table(table, folder / f"{name}.parquet")
    loaded = load_dataset([folder])
    assert (loaded.deals["date"] == bundled.deals["date"]).all()
    assert (loaded.deals["date"].str.len() == 7).any()
    extras = ["in_force", "value_usd"]  # the export's own columns come back as extra columns
    pd.testing.assert_frame_equal(loaded.deals.drop(columns=extras), bundled.deals)
    pd.testing.assert_frame_equal(loaded.entities, bundled.entities)


def test_a_bad_cell_names_workbook_sheet_row_and_field(tmp_path):
    deals = _csv("deals")
    deals.loc[4, "amount_usd"] = "lots"
    path = tmp_path / "bad.xlsx"
    _write_book(path, {"entities": _csv("entities"), "deals": deals}, typed=False)
    with pytest.raises(DataError) as caught:
        load_dataset([path])
    assert [str(p) for p in caught.value.problems][0].startswith(f"{path}[deals]:6: amount_usd: ")


def test_a_bad_parquet_value_names_file_row_and_column(tmp_path):
    folder = tmp_path / "nested"
    folder.mkdir()
    nested = pa.table({"id": ["a"], "name": ["A"], "kind": ["other"], "aliases": [[["x"]]]})
    pq.write_table(nested, folder / "entities.parquet")
    with pytest.raises(DataError) as caught:
        load_dataset([folder])
    assert str(caught.value) == (
        f"{folder / 'entities.parquet'}:1: aliases: "
        "expected text, a number or a date, not a list inside a list"
    )


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("deals.txt", lambda p: p.write_text("x"), "cannot tell which table this file holds"),
        ("book.xlsx", lambda p: _write_book(p, {"Deal": _csv("deals")}), "sheets 'Deal': expected"),
        ("book.xlsx", lambda p: p.write_bytes(b"PK\x03\x04 not a zip"), "not an .xlsx workbook"),
        ("deals.parquet", lambda p: p.write_bytes(b"PAR1"), "not a readable Parquet file"),
    ],
)
def test_bad_inputs_are_one_line_and_exit_2(tmp_path, name, make, expected):
    path = tmp_path / name
    make(path)
    result = CliRunner().invoke(main, ["analyze", "--data", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and str(path) in lines[0], result.output


def test_a_raised_csv_field_limit_changes_no_message(tmp_path):
    """followthemoney (a test dependency) raises the csv module's process-wide field limit on
    import; the loader's own limit must hold whatever another library set."""
    import csv

    before = csv.field_size_limit(10**9)
    try:
        folder = tmp_path / "huge"
        folder.mkdir()
        (folder / "entities.csv").write_text("id,name,kind\na,A,other\n")
        (folder / "deals.csv").write_text("id,date\n" + "x" * 200_000 + "\n")
        with pytest.raises(DataError) as caught:
            load_dataset([folder])
    finally:
        csv.field_size_limit(before)
    assert "a cell over 131,072 characters" in str(caught.value)
    assert csv.field_size_limit() == before


def test_a_workbook_declaring_gigabytes_is_refused_before_it_is_opened(tmp_path):
    """A zip bomb's central directory claims sizes far beyond its bytes: refused on the claim."""
    path = tmp_path / "bomb.xlsx"
    _write_book(path, {"entities": _csv("entities"), "deals": _csv("deals")}, typed=False)
    raw = bytearray(path.read_bytes())
    entry = raw.find(b"PK\x01\x02")  # the first central directory entry
    raw[entry + 24 : entry + 28] = (0xFFFFFFF0).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError) as caught:
        load_dataset([path])
    assert str(caught.value).startswith(f"{path}: expands to ")
