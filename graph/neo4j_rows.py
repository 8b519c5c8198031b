"""A data set as Neo4j property rows, and back: the whole mapping between the two, in one place.

Entities become `(:Entity:<Label> {id, name, kind, country, ticker, aliases, ...})`, deals
become `(from)-[:<TYPE> {deal_id, date, amount_usd, ...}]->(to)` with the label and the type
read from schema.toml, and company figures become `(:Entity)-[:REPORTED]->(:Financials
{entity, fiscal_year, period, revenue_usd, ...})`, one node per entity and fiscal year.

Dates (`date`, `source_date`, `period_end`) are Neo4j `date` values, so Cypher compares and
indexes them as dates; a `YYYY-MM` date, which names a month, is stored as the month's first
day, and every date's written text is kept beside it (`date_text` etc.): reading back takes
the text, so a month stays a month. Amounts are floats.

Neo4j has no null properties, so empty text and unknown amounts are left out, and come back
as "" and NaN. Reading the rows back gives frames equal to the ones `load_dataset` returns
(same dtypes and index; known columns first, extra ones by name), which is what makes every
analysis on Neo4j equal to the embedded one: both run the same code on the same frames.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import pandas as pd

from dealgraph.graph.model import (
    AMOUNT_COLUMNS,
    DEAL_COLUMNS,
    ENTITY_COLUMNS,
    FIGURE_COLUMNS,
    FINANCIAL_COLUMNS,
    indexed_by_id,
)
from dealgraph.graph.schema import SCHEMA

# The input format's columns are the loader's (it checks them); extra columns a user adds are
# stored as text properties and come back after these, sorted by name.
NUMBER_COLUMNS = frozenset({*AMOUNT_COLUMNS, "cash_part_usd", "term_years", *FIGURE_COLUMNS})
# Properties that describe a deal's place in the graph, not a column of its own.
DEAL_KEYS = ("deal_id", "type", "from_entity", "to_entity", "load_id")
# Entity properties written by `analyze --neo4j`: findings, not data (see neo4j_store).
FINDING_PREFIX = "concentration_"
# The id of the load that wrote a node or deal (see neo4j_load_switch): the store's, not data.
LOAD_KEY = "load_id"

# Date properties, stored as dates with their written text in `<name>_text`.
DATE_PROPERTIES = ("date", "source_date", "period_end")
TEXT_SUFFIX = "_text"

TYPE_OF_KIND = {name: kind.type for name, kind in SCHEMA.deal_kinds.items()}
KIND_OF_TYPE = {kind.type: name for name, kind in SCHEMA.deal_kinds.items()}
LABEL_OF_KIND = {name: kind.label for name, kind in SCHEMA.entity_kinds.items()}
KIND_LABELS = tuple(LABEL_OF_KIND.values())


def _value(value: object) -> object:
    """A property value, or None for what Neo4j cannot hold (empty text, NaN, no aliases)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, tuple | list):
        return [str(v) for v in value] or None
    if hasattr(value, "item"):  # numpy scalars
        return _value(value.item())
    return value


def _properties(record: dict, skip: Iterable[str] = ()) -> dict:
    skipped = set(skip)
    props = {
        key: value
        for key, raw in record.items()
        if key not in skipped and (value := _value(raw)) is not None
    }
    for key in DATE_PROPERTIES:
        text = props.get(key)
        if isinstance(text, str):  # validated by the loader: YYYY-MM or YYYY-MM-DD
            props[key + TEXT_SUFFIX] = text
            props[key] = dt.date.fromisoformat(text if len(text) == 10 else f"{text}-01")
    return props


def _written_dates(record: dict) -> dict:
    """A property map read back, each date as its written text."""
    record = dict(record)
    for key in DATE_PROPERTIES:
        text = record.pop(key + TEXT_SUFFIX, None)
        if text is not None:
            record[key] = text
        elif key in record and not isinstance(record[key], str):
            record[key] = record[key].iso_format()  # a date stored without its text
    return record


def entity_rows(entities: pd.DataFrame) -> list[dict]:
    """`{id, label, props}` per entity, sorted by id; `props` holds every data property."""
    records = entities.sort_values("id").to_dict("records")
    return [
        {"id": r["id"], "label": LABEL_OF_KIND[r["kind"]], "props": _properties(r)} for r in records
    ]


def deal_rows(deals: pd.DataFrame) -> list[dict]:
    """`{deal_id, type, source, target, props}` per deal, sorted by id.

    The deal's id is stored as `deal_id` (a relationship has no `id` of its own in Cypher's
    eyes, and `deal_id` reads clearly in queries); its kind is the relationship type.
    """
    rows = []
    for r in deals.sort_values("id").to_dict("records"):
        props = _properties(r, skip=("id", "kind", "from_entity", "to_entity"))
        props["deal_id"] = r["id"]
        rows.append({
            "deal_id": r["id"], "type": TYPE_OF_KIND[r["kind"]],
            "source": r["from_entity"], "target": r["to_entity"], "props": props,
        })  # fmt: skip
    return rows


def financial_rows(financials: pd.DataFrame | None) -> list[dict]:
    """`{entity, fiscal_year, props}` per row of company figures, sorted by entity and year."""
    if financials is None:
        return []
    rows = []
    for r in financials.sort_values(["entity", "fiscal_year"]).to_dict("records"):
        props = _properties(r)
        props["fiscal_year"] = int(r["fiscal_year"])
        rows.append({"entity": r["entity"], "fiscal_year": props["fiscal_year"], "props": props})
    return rows


def _frame(records: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    """Known columns first, then extras by name; text missing -> "", numbers missing -> NaN."""
    records = [_written_dates(r) for r in records]
    extras = sorted({key for r in records for key in r} - set(columns))
    frame = pd.DataFrame(records, columns=[*columns, *extras])
    for column in frame.columns:
        if column == "fiscal_year":
            frame[column] = frame[column].astype("Int64")
        elif column in NUMBER_COLUMNS:
            frame[column] = frame[column].astype("float64")
        elif column != "aliases":
            frame[column] = frame[column].where(frame[column].notna(), "").astype("str")
    return frame


def entities_frame(records: list[dict]) -> pd.DataFrame:
    """Entity property maps (as read back) -> the frame `load_dataset` would give."""
    cleaned = [
        {k: v for k, v in r.items() if not k.startswith(FINDING_PREFIX) and k != LOAD_KEY}
        for r in records
    ]
    frame = _frame(cleaned, ENTITY_COLUMNS)
    frame["aliases"] = [tuple(a) if isinstance(a, list) else () for a in frame["aliases"]]
    return indexed_by_id(frame)


def deals_frame(records: list[dict]) -> pd.DataFrame:
    """Deal property maps with `type`, `from_entity`, `to_entity` -> the deals frame."""
    rows = []
    for r in records:
        row = {k: v for k, v in r.items() if k not in DEAL_KEYS}
        row.update(id=r["deal_id"], kind=KIND_OF_TYPE[r["type"]],
                   from_entity=r["from_entity"], to_entity=r["to_entity"])  # fmt: skip
        rows.append(row)
    return indexed_by_id(_frame(rows, DEAL_COLUMNS))


def financials_frame(records: list[dict]) -> pd.DataFrame | None:
    """Financials property maps -> the frame `load_dataset` would give; None when there are none.

    An empty financials file also reads back as None: every analysis treats "no figures" and
    "figures for nobody" alike.
    """
    if not records:
        return None
    frame = _frame([{k: v for k, v in r.items() if k != LOAD_KEY} for r in records],
                   FINANCIAL_COLUMNS)  # fmt: skip
    return frame.sort_values(["entity", "fiscal_year"]).reset_index(drop=True)
