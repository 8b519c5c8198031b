"""A folder of typed Parquet tables: the data and the analysis, for pandas, DuckDB or Spark.

Dates are Arrow `date32` values and amounts `float64`. A `YYYY-MM` date names a month, which
no date type can say: its `date` column holds the month's first day and `date_text` the date
as written, so nothing is lost and `WHERE date >= '2025-09-01'` still works. The same goes for
`source_date` and `period_end`. Lists (aliases, deal ids, sources) are Arrow lists of strings;
an alert's free-form `details` is JSON text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dealgraph.graph.model import DataSet
from dealgraph.queries.findings.analysis import Analysis
from dealgraph.queries.flows.flow import deal_values

FILES = (
    "entities.parquet", "deals.parquet", "financials.parquet", "loops.parquet",
    "alerts.parquet", "concentration.parquet", "concentration_counterparties.parquet",
)  # fmt: skip
DATE_COLUMNS = ("date", "source_date", "period_end")
STRINGS = pa.list_(pa.string())


def as_dates(texts: pd.Series) -> pd.Series:
    """`YYYY-MM-DD` -> that day, `YYYY-MM` -> the month's first day, "" -> missing."""
    text = texts.fillna("").astype("str")
    padded = text.where(text.str.len() != 7, text + "-01")
    return pd.to_datetime(
        padded.where(padded != "", None), format="%Y-%m-%d", errors="coerce"
    ).dt.date


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    """Each date column as a date, its written text beside it as `<column>_text`."""
    frame = frame.reset_index(drop=True).copy()
    for column in DATE_COLUMNS:
        if column in frame.columns:
            position = frame.columns.get_loc(column)
            frame.insert(position + 1, f"{column}_text", frame[column].fillna("").astype("str"))
            frame[column] = as_dates(frame[column])
    return frame


def _table(frame: pd.DataFrame, lists: tuple[str, ...] = ()) -> pa.Table:
    fields = []
    for column in frame.columns:
        if column in lists:
            kind = STRINGS
        elif column in DATE_COLUMNS:
            kind = pa.date32()
        elif pd.api.types.is_integer_dtype(frame[column]):
            kind = pa.int64()
        elif pd.api.types.is_float_dtype(frame[column]):
            kind = pa.float64()
        elif pd.api.types.is_bool_dtype(frame[column]):
            kind = pa.bool_()
        else:
            kind = pa.string()
        fields.append(pa.field(column, kind))
    return pa.Table.from_pandas(frame, schema=pa.schema(fields), preserve_index=False)


def data_tables(dataset: DataSet, in_force: pd.DataFrame) -> dict[str, pa.Table]:
    """entities, deals (all of them, with `in_force` and the counted `value_usd`), financials."""
    entities = dataset.entities.sort_values("id").reset_index(drop=True).copy()
    entities["aliases"] = [list(a) for a in entities["aliases"]]
    deals = dataset.deals.sort_values("id")
    deals = deals.assign(in_force=deals["id"].isin(in_force["id"]), value_usd=deal_values(deals))
    financials = dataset.financials
    if financials is None:
        financials = pd.DataFrame({"entity": pd.Series(dtype="str")})
    else:
        financials = financials.sort_values(["entity", "fiscal_year"])
        financials = financials.astype({"fiscal_year": "int64"})
    return {
        "entities": _table(entities, lists=("aliases",)),
        "deals": _table(_dated(deals)),
        "financials": _table(_dated(financials)),
    }


def result_tables(analysis: Analysis) -> dict[str, pa.Table]:
    """loops, alerts, concentration (one row per entity and perspective) and its counterparties."""
    loops = pd.DataFrame(
        [
            {"path": " -> ".join(loop.entities), "length": loop.length,
             "amount_usd": loop.amount_usd, "entities": list(loop.entities),
             "deal_ids": list(loop.deal_ids)}
            for loop in analysis.loops.loops
        ],
        columns=["path", "length", "amount_usd", "entities", "deal_ids"],
    ).astype({"length": "int64", "amount_usd": "float64"})  # fmt: skip
    alerts = pd.DataFrame(
        [a.as_dict() | {"details": json.dumps(a.details, sort_keys=True, default=str)}
         for a in analysis.alerts],
        columns=["id", "kind", "severity", "entities", "amount_usd", "deal_ids", "sources",
                 "summary", "details"],
    ).astype({"amount_usd": "float64"})  # fmt: skip
    found = sorted(analysis.concentration, key=lambda c: (c.entity, c.perspective))
    summary = pd.DataFrame(
        [
            {"entity": c.entity, "perspective": c.perspective, "total_usd": c.total_usd,
             "hhi": c.hhi, "counterparty_count": len(c.counterparties),
             "top_counterparty": c.top.entity, "top_share": c.top.share,
             "deal_ids": list(c.deal_ids)}
            for c in found
        ],
        columns=["entity", "perspective", "total_usd", "hhi", "counterparty_count",
                 "top_counterparty", "top_share", "deal_ids"],
    ).astype({"total_usd": "float64", "hhi": "float64", "counterparty_count": "int64",
              "top_share": "float64"})  # fmt: skip
    parties = pd.DataFrame(
        [
            {"entity": c.entity, "perspective": c.perspective, "counterparty": p.entity,
             "amount_usd": p.amount_usd, "share": p.share, "deal_ids": list(p.deal_ids)}
            for c in found
            for p in c.counterparties
        ],
        columns=["entity", "perspective", "counterparty", "amount_usd", "share", "deal_ids"],
    ).astype({"amount_usd": "float64", "share": "float64"})  # fmt: skip
    return {
        "loops": _table(loops, lists=("entities", "deal_ids")),
        "alerts": _table(alerts, lists=("entities", "deal_ids", "sources")),
        "concentration": _table(summary, lists=("deal_ids",)),
        "concentration_counterparties": _table(parties, lists=("deal_ids",)),
    }


def write_parquet(analysis: Analysis, folder: Path) -> None:
    """Write the tables of `FILES` into `folder` (which must exist)."""
    tables = data_tables(analysis.dataset, analysis.deals) | result_tables(analysis)
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
