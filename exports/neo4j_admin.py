"""CSV files for `neo4j-admin database import full`: the fastest way to fill an empty database.

The files hold what `dealgraph load` writes, built from the same rows (`graph.neo4j_rows`):
`(:Entity:<Label>)` nodes, one relationship per deal typed by its kind, and `(:Financials)`
nodes linked by `REPORTED`. Headers follow neo4j-admin's conventions: `id:ID(Entity)` (the
id is kept as the `id` property), `:LABEL`, `:START_ID(Entity)`, `:END_ID(Entity)`, `:TYPE`,
and typed properties (`amount_usd:double`, `date:date` with `date_text` beside it,
`fiscal_year:long`, `aliases:string[]`). An empty
field is no property, as `load` leaves out empty text and unknown amounts. Aliases are
joined by ";", neo4j-admin's array delimiter. Descriptions may span lines: import with
`--multiline-fields=true` (docs/formats.md has the whole command).
"""

from __future__ import annotations

import csv
from pathlib import Path

from dealgraph.errors import DataError, Problem
from dealgraph.graph.neo4j_rows import (
    DATE_PROPERTIES,
    NUMBER_COLUMNS,
    deal_rows,
    entity_rows,
    financial_rows,
)
from dealgraph.queries.findings.analysis import Analysis

FILES = ("entities.csv", "deals.csv", "financials.csv", "reported.csv")
ARRAY_DELIMITER = ";"
IMPORT_ARGUMENTS = (
    "--nodes=entities.csv", "--nodes=financials.csv", "--relationships=deals.csv",
    "--relationships=reported.csv", "--multiline-fields=true",
)  # fmt: skip


def _typed(name: str) -> str:
    if name in NUMBER_COLUMNS:
        return f"{name}:double"
    if name in DATE_PROPERTIES:
        return f"{name}:date"
    if name == "fiscal_year":
        return f"{name}:long"
    if name == "aliases":
        return f"{name}:string[]"
    return name


def _cell(name: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _keys(rows: list[dict], first: tuple[str, ...] = ()) -> list[str]:
    keys = sorted({key for row in rows for key in row["props"]} - set(first))
    return [*first, *keys]


def _write(path: Path, header: list[str], lines: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(lines)


def _check_aliases(rows: list[dict]) -> None:
    bad = [
        Problem(
            "entities", 0, "aliases", f"entity {row['id']!r}: an alias holds {ARRAY_DELIMITER!r}"
        )
        for row in rows
        if any(ARRAY_DELIMITER in alias for alias in row["props"].get("aliases", []))
    ]
    if bad:
        raise DataError(bad)


def write_neo4j_admin(analysis: Analysis, folder: Path) -> None:
    """Write the four CSV files of `FILES` into `folder` (which must exist): the whole data
    set, as `dealgraph load` writes it (the analysis's filters do not apply)."""
    dataset = analysis.dataset
    entities = entity_rows(dataset.entities)
    _check_aliases(entities)
    keys = _keys(entities, first=("id",))
    _write(
        folder / "entities.csv",
        ["id:ID(Entity)", ":LABEL", *[_typed(k) for k in keys[1:]]],
        [[row["id"], f"Entity;{row['label']}",
          *[_cell(k, row["props"].get(k)) for k in keys[1:]]] for row in entities],
    )  # fmt: skip
    deals = deal_rows(dataset.deals)
    keys = _keys(deals, first=("deal_id",))
    _write(
        folder / "deals.csv",
        [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE", *[_typed(k) for k in keys]],
        [[row["source"], row["target"], row["type"],
          *[_cell(k, row["props"].get(k)) for k in keys]] for row in deals],
    )  # fmt: skip
    figures = financial_rows(dataset.financials)
    keys = _keys(figures, first=("entity", "fiscal_year"))
    _write(
        folder / "financials.csv",
        [":ID(Financials)", ":LABEL", *[_typed(k) for k in keys]],
        [[f"{row['entity']}|{row['fiscal_year']}", "Financials",
          *[_cell(k, row["props"].get(k)) for k in keys]] for row in figures],
    )  # fmt: skip
    _write(
        folder / "reported.csv",
        [":START_ID(Entity)", ":END_ID(Financials)", ":TYPE"],
        [[row["entity"], f"{row['entity']}|{row['fiscal_year']}", "REPORTED"] for row in figures],
    )
