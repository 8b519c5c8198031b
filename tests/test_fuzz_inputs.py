"""Bad input, generated: the bundled files mutated every way we know, thousands of times.

Each case copies a slice of the bundled data (all entities and financials, the first deals),
writes it as CSV, JSON or JSON Lines, applies one to three mutations and runs
`dealgraph validate` in process. Every mutation knows its verdict: `accept` (the data is
still valid: loading must succeed), `refuse` (it must fail with exit 2) or `either` (random
damage whose verdict nobody can tell beforehand). Whatever the verdict, the run must exit 0
or 2, print no traceback, and on refusal print only `FILE:ROW: field: message` lines under
the case's folder (and the closing `Error: N problems` line). One case in 25 runs `analyze`
too: accepted data must analyse, refused data must leave `--out` absent.

The case count is `DEALGRAPH_FUZZ_CASES` (2,000 by default, about a minute); the seed is
`DEALGRAPH_FUZZ_SEED` (fixed by default, so CI is repeatable). A failure names the seed, the
case number and its mutations, which is all it takes to replay it. See docs/security.md.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from dealgraph.cli import main
from dealgraph.loaders import bundled_path
from dealgraph.loaders.tables import MAX_CELL

CASES = int(os.environ.get("DEALGRAPH_FUZZ_CASES", "2000"))
SEED = int(os.environ.get("DEALGRAPH_FUZZ_SEED", "20261206"))
DEALS_KEPT = 40  # enough rows for every column to vary, few enough for ~30 ms a case
ENV = {"DEALGRAPH_STORE": None, "NEO4J_URI": None}

ACCEPT, REFUSE, EITHER = "accept", "refuse", "either"

GOOD_AMOUNTS = ["1500000000", "1.5e9", "1,500,000,000", "$1.5B", "300bn", "750M", "US$40B",
                "$ 2.25 billion", "0", "5.", ".5e3", "1e15", " 42 ", "1E5", "1e-400"]  # fmt: skip
BAD_AMOUNTS = ["-0", "-5", "+5", "-0.0", "1.7e308", "1e16", "1e400", "NaN", "nan", "inf",
               "Infinity", "-inf", "lots", "1,50,000", "1.2.3", "١٢", "５", "0x10", "5 zillion",
               "1_000", "−5", "(5)"]  # fmt: skip
GOOD_DATES = ["2025-02-28", "2024-02-29", "2025-03", "1999-12-31", "2030-01"]
BAD_DATES = ["2025-02-30", "2025-13", "2025-13-01", "25-01-01", "2025/01/01", "soon",
             "2023-02-29", "2025-1-1", "20250101", "2025-00", "２０２５-01-01"]  # fmt: skip
ODD_TEXT = ['quote " and, comma', "line\nbreak", "cr\rlf\r\n", "emoji 🚀 and RTL שלום",
            "sep\u2028arator", "tab\there", "=1+1", "'", '""', "\\", "ünïcödé", " lead",
            "trail "]  # fmt: skip


@dataclass
class Table:
    header: list[str]
    rows: list[dict]  # column -> value (text, or for JSON any value)


@dataclass
class Case:
    """One mutated data set, before it is written."""

    tables: dict[str, Table]
    fmt: dict[str, str] = field(default_factory=dict)  # table -> csv, json or jsonl
    verdicts: list[tuple[str, str]] = field(default_factory=list)  # (mutation, verdict)
    after_write: list = field(default_factory=list)  # file-level mutations, run on the folder
    drawn: list[str] = field(default_factory=list)  # the mutations' names

    def note(self, name: str, verdict: str) -> None:
        self.verdicts.append((name, verdict))

    def verdict(self) -> str:
        found = {v for _, v in self.verdicts}
        return REFUSE if REFUSE in found else EITHER if EITHER in found else ACCEPT


def _bundled() -> dict[str, Table]:
    tables = {}
    for name in ("entities", "deals", "financials"):
        with (bundled_path() / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            tables[name] = Table(list(reader.fieldnames), list(reader))
    deals = tables["deals"].rows[:DEALS_KEPT]
    kept = {row["id"] for row in deals}
    for row in deals:  # a superseded deal outside the slice would be an unknown id
        if row["supersedes"] not in kept:
            row["supersedes"] = ""
    tables["deals"].rows = deals
    return tables


BASE = _bundled()


def fresh_case(rng: random.Random) -> Case:
    tables = {name: Table(list(t.header), [dict(r) for r in t.rows]) for name, t in BASE.items()}
    fmt = {
        name: rng.choice(["csv", "csv", "csv", "json", "jsonl"]) for name in ("entities", "deals")
    }
    fmt["financials"] = rng.choice(["csv", "json", "jsonl", "none", "none", "none"])
    return Case(tables, fmt)


# --- mutations of rows (any format) -----------------------------------------------------


def _deal(case: Case, rng: random.Random) -> dict:
    return rng.choice(case.tables["deals"].rows)


def amount_good(case, rng):
    _deal(case, rng).update(amount_usd=rng.choice(GOOD_AMOUNTS), amount_low_usd="",
                            amount_high_usd="")  # fmt: skip
    case.note("amount_good", ACCEPT)


def amount_bad(case, rng):
    column = rng.choice(["amount_usd", "amount_low_usd", "amount_high_usd", "term_years"])
    text = rng.choice(BAD_AMOUNTS)
    _deal(case, rng)[column] = text
    case.note(f"amount_bad {column}={text!r}", REFUSE)


def amounts_overflowing(case, rng):
    for row in rng.sample(case.tables["deals"].rows, 3):
        row["amount_usd"] = "1.7e308"
    case.note("amounts_overflowing", REFUSE)


def financial_bad(case, rng):
    if case.fmt["financials"] == "none":
        case.fmt["financials"] = "csv"
    row = rng.choice(case.tables["financials"].rows)
    row[rng.choice(["revenue_usd", "capex_usd", "cash_usd"])] = rng.choice(BAD_AMOUNTS)
    case.note("financial_bad", REFUSE)


def financial_period(case, rng):
    if case.fmt["financials"] == "none":
        case.fmt["financials"] = "csv"
    row = rng.choice(case.tables["financials"].rows)
    year = "".join(c for c in row["fiscal_year"] if c.isdigit()) or row["period_end"][:4]
    if rng.random() < 0.5:  # the same year, written another way
        row["fiscal_year"] = rng.choice([year, f"FY{year}", f"FY {year}", f"fy{year}"])
        case.note("financial_period good", ACCEPT)
        return
    wide = year.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})  # ２０２５
    bad = [("fiscal_year", f"FY{wide}"), ("fiscal_year", year[2:]),
           ("fiscal_year", f"FY{year[2:]}"), ("period_end", f"{wide}-01-26"),
           ("period_end", f"{year}-02-30"), ("period_end", f"{year}/01/26")]  # fmt: skip
    column, text = rng.choice(bad)
    row[column] = text
    case.note(f"financial_period {column}={text!r}", REFUSE)


def date_good(case, rng):
    _deal(case, rng)["date"] = rng.choice(GOOD_DATES)
    case.note("date_good", ACCEPT)


def date_bad(case, rng):
    column = rng.choice(["date", "source_date"])
    text = rng.choice(BAD_DATES)
    _deal(case, rng)[column] = text
    case.note(f"date_bad {column}={text!r}", REFUSE)


def required_empty(case, rng):
    table = rng.choice(["entities", "deals"])
    column = rng.choice(["id", "name", "kind"] if table == "entities" else
                        ["id", "date", "from_entity", "to_entity", "kind"])  # fmt: skip
    rng.choice(case.tables[table].rows)[column] = rng.choice(["", "   "])
    case.note(f"required_empty {table}.{column}", REFUSE)


def required_column_missing(case, rng):
    table = case.tables[rng.choice(["entities", "deals"])]
    column = rng.choice(["id", "kind"])
    table.header.remove(column)
    for row in table.rows:
        row.pop(column, None)
    case.note(f"required_column_missing {column}", REFUSE)


def unknown_kind(case, rng):
    _deal(case, rng)["kind"] = rng.choice(["gift", "EQUITY", "equity ", "", "loan"])
    case.note("unknown_kind", REFUSE)


def unknown_entity(case, rng):
    _deal(case, rng)[rng.choice(["from_entity", "to_entity"])] = "no-such-company"
    case.note("unknown_entity", REFUSE)


def self_deal(case, rng):
    row = _deal(case, rng)
    row["to_entity"] = row["from_entity"]
    case.note("self_deal", REFUSE)


def duplicate_id_same(case, rng):
    rows = case.tables["deals"].rows
    rows.insert(rng.randrange(len(rows) + 1), dict(rng.choice(rows)))
    case.note("duplicate_id_same", ACCEPT)


def duplicate_id_different(case, rng):
    rows = case.tables["deals"].rows
    twin = dict(rng.choice(rows))
    twin["description"] = f"{twin.get('description')} (again)"  # may be a JSON value
    rows.append(twin)
    first, second = rows[0].get("id", ""), rows[1].get("id", "")  # `id` may have been dropped
    rows[0]["supersedes"] = second if second != first else ""
    case.note("duplicate_id_different (with supersedes)", REFUSE)


def supersedes_unknown(case, rng):
    _deal(case, rng)["supersedes"] = "2099-01-nothing"
    case.note("supersedes_unknown", REFUSE)


def odd_text(case, rng):
    row = _deal(case, rng)
    row["description"] = rng.choice(ODD_TEXT) + row["description"] + rng.choice(ODD_TEXT)
    case.note("odd_text", ACCEPT)


def big_cell(case, rng):
    size = rng.choice([MAX_CELL - 10, MAX_CELL, MAX_CELL + 1, 3 * MAX_CELL])
    _deal(case, rng)["source_title"] = "x" * size
    case.note(f"big_cell {size}", REFUSE if size > MAX_CELL else ACCEPT)


def extra_column(case, rng):
    name = rng.choice(["sector", "notes", "Amount USD", "index", "level_0", "id2", "é"])
    table = case.tables["deals"]
    if name in table.header:
        return
    table.header.append(name)
    for row in table.rows:
        row[name] = rng.choice(["", "x", "1", "true"])
    case.note(f"extra_column {name!r}", ACCEPT)


def reserved_column(case, rng):
    table = case.tables[rng.choice(["entities", "deals"])]
    name = rng.choice(["_row", "_file", " _row"])
    table.header.append(name)
    for row in table.rows:
        row[name] = "7"
    case.note(f"reserved_column {name!r}", REFUSE)


def shuffle_rows(case, rng):
    for table in case.tables.values():
        rng.shuffle(table.rows)
    case.note("shuffle_rows", ACCEPT)


def no_deals(case, rng):
    case.tables["deals"].rows = []
    case.note("no_deals", ACCEPT)


ROW_MUTATIONS = [amount_good, amount_bad, amounts_overflowing, financial_bad, financial_period,
                 date_good, date_bad, required_empty, required_column_missing, unknown_kind,
                 unknown_entity, self_deal, duplicate_id_same, duplicate_id_different,
                 supersedes_unknown, odd_text, big_cell, extra_column, reserved_column,
                 shuffle_rows, no_deals]  # fmt: skip


# --- mutations of JSON values -------------------------------------------------------------


def _with_sector(case: Case) -> None:
    if "sector" not in case.tables["deals"].header:
        case.tables["deals"].header.append("sector")


def json_types(case, rng):
    case.fmt["deals"] = rng.choice(["json", "jsonl"])
    _with_sector(case)
    row = _deal(case, rng)
    column = rng.choice(["description", "amount_usd", "kind", "source_title", "sector"])
    value = rng.choice([True, False, {"a": 1}, [[1]], [{"a": 1}], float("nan"), float("inf")])
    row[column] = value
    case.note(f"json_types {column}={value!r}", REFUSE)


def json_good_types(case, rng):
    case.fmt["deals"] = rng.choice(["json", "jsonl"])
    _with_sector(case)
    row = _deal(case, rng)
    row["term_years"] = rng.choice([1500000000, 1.5e9, 0, 10**15, None, 2.5])
    row["sector"] = rng.choice([None, 1, 2.5, ["a", "b"], [], "text"])
    case.note("json_good_types", ACCEPT)


def json_big_integer(case, rng):
    case.fmt["deals"] = rng.choice(["json", "jsonl"])
    _deal(case, rng)["amount_usd"] = 10 ** rng.choice([16, 400, 4000])  # json.dumps stops at 4300
    case.note("json_big_integer", REFUSE)


JSON_MUTATIONS = [json_types, json_good_types, json_big_integer]


# --- mutations of written files ------------------------------------------------------------


def _csv_file(case: Case, table: str = "deals") -> None:
    case.fmt[table] = "csv"


def bom(case, rng):
    table = rng.choice(["entities", "deals"])

    def apply(folder: Path):
        for path in folder.glob(f"{table}.*"):
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())

    case.after_write.append(apply)
    case.note("bom", ACCEPT)


def crlf(case, rng):
    _csv_file(case)

    def apply(folder: Path):
        path = folder / "deals.csv"
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))

    case.after_write.append(apply)
    case.note("crlf", ACCEPT)


def blank_lines_at_end(case, rng):
    _csv_file(case)
    case.after_write.append(lambda folder: _append(folder / "deals.csv", b"\n\n\n"))
    case.note("blank_lines_at_end", ACCEPT)


def _rewrite_csv(path: Path, change) -> None:
    """Change the parsed rows of a CSV file (the header first) and write them back."""
    limit = csv.field_size_limit(10 * MAX_CELL)  # big_cell's cells; the loader's limit stays
    try:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    finally:
        csv.field_size_limit(limit)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(change(rows))
    path.write_text(out.getvalue(), encoding="utf-8")


def header_spaces(case, rng):
    _csv_file(case)

    def apply(folder: Path):
        _rewrite_csv(folder / "deals.csv", lambda rows: [[f" {c}  " for c in rows[0]], *rows[1:]])

    case.after_write.append(apply)
    case.note("header_spaces", ACCEPT)


def header_duplicate(case, rng):
    _csv_file(case)
    column = rng.choice(["id", "supersedes", "description", "zz_note"])
    padded = rng.choice(["", " ", "  "]) + column + rng.choice(["", " "])

    def apply(folder: Path):
        _rewrite_csv(folder / "deals.csv", lambda rows: [row + [padded] for row in rows])

    case.after_write.append(apply)
    # A header that names `zz_note` once is fine; `id` twice is not.
    case.note(f"header_duplicate {padded!r}", ACCEPT if column == "zz_note" else REFUSE)


def latin1(case, rng):
    _csv_file(case)
    _deal(case, rng)["description"] = "café crème"

    def apply(folder: Path):
        path = folder / "deals.csv"
        path.write_bytes(path.read_bytes().decode("utf-8").encode("latin-1", "replace"))

    case.after_write.append(apply)
    case.note("latin1", REFUSE)


def utf16(case, rng):
    table = rng.choice(["entities", "deals"])
    codec = rng.choice(["utf-16", "utf-16-le", "utf-16-be"])

    def apply(folder: Path):
        for path in folder.glob(f"{table}.*"):
            path.write_bytes(path.read_bytes().decode("utf-8").encode(codec))

    case.after_write.append(apply)
    case.note(f"utf16 {codec}", REFUSE)


def nul_byte(case, rng):
    table = rng.choice(["entities", "deals"])

    def apply(folder: Path):
        for path in folder.glob(f"{table}.*"):
            raw = path.read_bytes()
            at = rng.randrange(len(raw) + 1)
            path.write_bytes(raw[:at] + b"\x00" + raw[at:])

    case.after_write.append(apply)
    case.note("nul_byte", REFUSE)


def ragged_row(case, rng):
    _csv_file(case)
    cells = rng.choice([3, 15, 17, 30])
    huge = rng.random() < 0.3

    def apply(folder: Path):
        cell = "y" * (MAX_CELL + 100) if huge else "y"
        _append(folder / "deals.csv", (",".join([cell] * cells) + "\n").encode())

    case.after_write.append(apply)
    case.note(f"ragged_row {cells} cells{' huge' if huge else ''}", REFUSE)


def unbalanced_quote(case, rng):
    _csv_file(case)
    case.after_write.append(lambda folder: _append(folder / "deals.csv", b'd9,"2025-01-01,a\n'))
    case.note("unbalanced_quote", REFUSE)


def empty_file(case, rng):
    table = rng.choice(["entities", "deals", "financials"])
    content = rng.choice([b"", b"\n", b"   ", b"\xef\xbb\xbf"])

    def apply(folder: Path):
        for path in folder.glob(f"{table}.*"):
            path.write_bytes(content)
            # Empty JSON Lines hold no records, as `[]` does (no deals or figures is fine, no
            # entities leaves the deals' parties unknown); CSV needs a header, JSON a list.
            verdict = ACCEPT if path.suffix == ".jsonl" and table != "entities" else REFUSE
            case.note(f"empty_file {path.name} {content!r}", verdict)

    case.after_write.append(apply)


def header_only(case, rng):
    _csv_file(case)

    def apply(folder: Path):
        path = folder / "deals.csv"
        path.write_bytes(path.read_bytes().split(b"\n")[0] + b"\n")

    case.after_write.append(apply)
    case.note("header_only", ACCEPT)


def json_nesting(case, rng):
    table = rng.choice(["entities", "deals"])
    case.fmt[table] = rng.choice(["json", "jsonl"])
    depth = rng.choice([50, 5_000, 200_000])
    opening, closing = rng.choice([("[", "]"), ('{"a":', "}")])

    def apply(folder: Path):
        path = next(folder.glob(f"{table}.json*"))
        nested = opening * depth + "1" + closing * depth
        if path.suffix == ".json":
            path.write_text(f'[{{"id": "x", "name": {nested}}}]')
        else:
            _append(path, f'{{"id": "x", "name": {nested}}}\n'.encode())

    case.after_write.append(apply)
    case.note(f"json_nesting {depth}", REFUSE)


def json_duplicate_key(case, rng):
    if case.fmt["deals"] not in ("json", "jsonl"):
        case.fmt["deals"] = rng.choice(["json", "jsonl"])

    def apply(folder: Path):
        path = next(folder.glob("deals.json*"))
        text = path.read_text()
        first = text.index("{") + 1  # the first record gets a second `kind`
        path.write_text(text[:first] + '"kind": "equity", ' + text[first:])

    case.after_write.append(apply)
    case.note("json_duplicate_key", REFUSE)


def json_not_a_list(case, rng):
    table = rng.choice(["entities", "deals"])
    case.fmt[table] = "json"
    body = rng.choice(['{"id": "a"}', '"text"', "1", "null", "[1, 2]", '[[{"id": "a"}]]', "{"])

    def apply(folder: Path):
        (folder / f"{table}.json").write_text(body)

    case.after_write.append(apply)
    case.note(f"json_not_a_list {body!r}", REFUSE)


def not_a_file(case, rng, kind: str | None = None):
    table = rng.choice(["entities", "deals", "financials"])
    kind = kind or rng.choice(["folder", "dangling", "loop", "fifo", "device"])

    def apply(folder: Path):
        for path in folder.glob(f"{table}.*"):
            path.unlink()
        path = folder / f"{table}.{case.fmt.get(table, 'csv').replace('none', 'csv')}"
        if kind == "folder":
            path.mkdir()
        elif kind == "dangling":
            path.symlink_to(folder / "nowhere.csv")
        elif kind == "loop":
            path.symlink_to(path.name)
        elif kind == "fifo":
            os.mkfifo(path)
        else:
            path.symlink_to("/dev/zero")

    case.after_write.append(apply)
    case.note(f"not_a_file {table} {kind}", REFUSE)


def two_formats(case, rng):
    _csv_file(case)

    def apply(folder: Path):
        shutil.copy(folder / "deals.csv", folder / "deals.jsonl")

    case.after_write.append(apply)
    case.note("two_formats", REFUSE)


def random_bytes(case, rng):
    table = rng.choice(["entities", "deals"])
    kind = rng.choice(["flip", "truncate", "insert", "delete"])

    def apply(folder: Path):
        for path in folder.glob(f"{table}.*"):
            raw = bytearray(path.read_bytes())
            at = rng.randrange(max(len(raw), 1))
            if kind == "flip" and raw:
                raw[at] = rng.randrange(256)
            elif kind == "truncate":
                raw = raw[:at]
            elif kind == "insert":
                raw[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            else:
                del raw[at : at + rng.randint(1, 40)]
            path.write_bytes(bytes(raw))

    case.after_write.append(apply)
    case.note(f"random_bytes {kind}", EITHER)


FILE_MUTATIONS = [bom, crlf, blank_lines_at_end, header_spaces, header_duplicate, latin1,
                  utf16, nul_byte, ragged_row, unbalanced_quote, empty_file, header_only,
                  json_nesting, json_duplicate_key, json_not_a_list, not_a_file, two_formats,
                  random_bytes]  # fmt: skip
ALL_MUTATIONS = ROW_MUTATIONS + JSON_MUTATIONS + FILE_MUTATIONS


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as handle:
        handle.write(data)


# --- writing a case ------------------------------------------------------------------------


def _json_value(column: str, value):
    if column == "aliases" and isinstance(value, str):
        return [a for a in value.split(";") if a] if value else []
    return value


def write_case(case: Case, folder: Path, rng: random.Random) -> None:
    folder.mkdir()
    for name, table in case.tables.items():
        fmt = case.fmt[name]
        if fmt == "none":
            continue
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=table.header, lineterminator="\n")
            writer.writeheader()
            writer.writerows({c: row.get(c, "") for c in table.header} for row in table.rows)
            path.write_text(out.getvalue(), encoding="utf-8")
            continue
        records = [
            {c.strip(): _json_value(c, row[c]) for c in table.header if c in row}
            for row in table.rows
        ]
        if fmt == "json":
            text = json.dumps(
                records, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1])
            )
        else:
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        path.write_text(text, encoding="utf-8")
    for apply in case.after_write:
        apply(folder)


# Mutations that would undo another's verdict are not drawn together: dropping every row
# hides a bad amount; a CSV-only edit cannot apply to a JSON file; two edits of the written
# files could trip over each other. Edits that keep the data valid go first, so a later one
# that breaks it is never overwritten; copies of rows are made after the other edits.
CSV_ONLY = {crlf, blank_lines_at_end, header_spaces, header_duplicate, latin1, ragged_row,
            unbalanced_quote, header_only, two_formats}  # fmt: skip
JSON_ONLY = {json_types, json_good_types, json_big_integer, json_nesting, json_duplicate_key,
             json_not_a_list}  # fmt: skip
ALONE = {no_deals, header_only, empty_file}  # they drop every row
GOOD = {amount_good, date_good, odd_text, json_good_types, extra_column, big_cell}
LAST = {duplicate_id_same, duplicate_id_different}


def _compatible(mutation, chosen: list) -> bool:
    if mutation in chosen or mutation in ALONE or chosen[0] in ALONE:
        return False
    if mutation in FILE_MUTATIONS and any(m in FILE_MUTATIONS for m in chosen):
        return False
    groups = [m in CSV_ONLY for m in chosen if m in CSV_ONLY | JSON_ONLY]
    return not groups or mutation not in CSV_ONLY | JSON_ONLY or groups[0] == (mutation in CSV_ONLY)


def build_case(rng: random.Random) -> Case:
    case = fresh_case(rng)
    chosen = [rng.choice(ALL_MUTATIONS)]
    for _ in range(rng.choice([0, 0, 1, 2])):
        mutation = rng.choice(ALL_MUTATIONS)
        if _compatible(mutation, chosen):
            chosen.append(mutation)
    for mutation in sorted(chosen, key=lambda m: (m in LAST, m not in GOOD)):
        mutation(case, rng)
        case.drawn.append(mutation.__name__)
    return case


# --- the checks ----------------------------------------------------------------------------


def check_result(result, case: Case, folder: Path, where: str) -> None:
    output = result.output
    assert "Traceback" not in output, where + output
    assert result.exception is None or isinstance(result.exception, SystemExit), where + repr(
        result.exception
    )
    assert result.exit_code in (0, 2), where + output
    expected = case.verdict()
    if expected == ACCEPT:
        assert result.exit_code == 0, where + output
    elif expected == REFUSE:
        assert result.exit_code == 2, where + output
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert lines, where
        for line in lines:
            assert line.startswith(str(folder)) or line.startswith("Error: "), where + line


def run_case(number: int, rng: random.Random, root: Path, runner: CliRunner) -> None:
    case = build_case(rng)
    folder = root / f"case{number}"
    write_case(case, folder, rng)
    where = f"seed {SEED}, case {number}, {case.verdicts}, formats {case.fmt}:\n"
    result = runner.invoke(main, ["validate", str(folder)], env=ENV)
    check_result(result, case, folder, where)
    if number % 25 == 0:
        out = root / f"out{number}"
        result = runner.invoke(main, ["analyze", "--data", str(folder), "--out", str(out)], env=ENV)
        check_result(result, case, folder, "analyze, " + where)
        assert out.exists() == (result.exit_code == 0), where + result.output
        shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(folder)


def test_fuzzed_inputs_exit_0_or_2_with_the_expected_verdict(tmp_path):
    rng = random.Random(SEED)
    runner = CliRunner()
    for number in range(CASES):
        run_case(number, random.Random(rng.random()), tmp_path, runner)


def test_every_mutation_is_drawn():
    """The default run exercises every mutation, so none rots unseen."""
    rng = random.Random(SEED)
    drawn = set()
    for _ in range(min(CASES, 2000)):
        case = build_case(random.Random(rng.random()))
        drawn.update(case.drawn)
    assert drawn >= {m.__name__ for m in ALL_MUTATIONS}


@pytest.mark.parametrize(
    "mutation",
    [json_nesting, functools.partial(not_a_file, kind="fifo"), utf16],
    ids=["json-nesting", "fifo", "utf16"],
)
def test_a_real_process_on_hostile_input(tmp_path, mutation):
    """Out of process too: a FIFO must not block, deep JSON must not overflow the C stack."""
    rng = random.Random(SEED)
    case = fresh_case(rng)
    mutation(case, rng)
    folder = tmp_path / "case"
    write_case(case, folder, rng)
    done = subprocess.run(
        [sys.executable, "-m", "dealgraph", "validate", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "DEALGRAPH_STORE"},
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(str(folder)), done.stderr
