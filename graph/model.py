"""The validated data set every store and query starts from."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# The columns of the input format (docs/input-format.md): loaders check files against them,
# the stores write and read them back.
ENTITY_COLUMNS = ("id", "name", "kind", "country", "ticker", "aliases")
DEAL_COLUMNS = (
    "id", "date", "from_entity", "to_entity", "kind", "amount_usd", "amount_low_usd",
    "amount_high_usd", "amount_basis", "consideration", "cash_part_usd", "term_years", "status",
    "status_note", "supersedes", "obligor", "description", "source_url", "source_title",
    "source_date", "source_kind", "corroborated_by",
)  # fmt: skip
AMOUNT_COLUMNS = ("amount_usd", "amount_low_usd", "amount_high_usd")
FIGURE_COLUMNS = (
    "revenue_usd", "capex_usd", "operating_cash_flow_usd", "total_debt_usd", "cash_usd",
    "market_cap_usd",
)  # fmt: skip
PERIOD_COLUMNS = ("fiscal_year", "period", "period_end")
FINANCIAL_COLUMNS = ("entity", *PERIOD_COLUMNS, *FIGURE_COLUMNS, "source_url")


def indexed_by_id(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows looked up by id, in the order they were read; the index is unnamed so `id` stays a
    plain column.

    Nothing is sorted here: every output that lists deals or entities orders them itself, so
    a file's row order changes no result, and a million shuffled rows cost no sort.
    """
    frame = frame.set_index("id", drop=False)
    frame.index.name = None
    return frame


def ids_in_order(ids: pd.Series | pa.Array | pa.ChunkedArray, strictly: bool = False) -> bool:
    """Whether `ids` ascend (without repeats if `strictly`): one pass, no hashing or sorting.

    Exports are often written in id order, which makes the uniqueness check free for them.
    """
    if len(ids) < 2:
        return True
    values = ids if isinstance(ids, pa.Array | pa.ChunkedArray) else pa.array(ids)
    before, after = values[:-1], values[1:]
    ascending = pc.less(before, after) if strictly else pc.less_equal(before, after)
    return bool(pc.all(ascending).as_py())


@dataclass(frozen=True)
class DataSet:
    """Entities and deals as typed frames, one row per record, indexed by id.

    `entities`: id, name, kind, country, ticker, aliases (a tuple of names) and any extra
    columns. `deals`: the deal columns of the input format with amounts as floats (NaN when
    unknown), `from_entity`/`to_entity` resolved to entity ids, and any extra columns.
    `financials`: company figures when the data set has them: one row per entity id and
    fiscal year (`fiscal_year` an int, `period` such as FY2025, `period_end`, the `*_usd`
    figures as floats, `source_url`, extra columns). `files`: what was read.
    """

    entities: pd.DataFrame
    deals: pd.DataFrame
    financials: pd.DataFrame | None = None
    files: tuple[str, ...] = field(default=())

    def entity_name(self, entity_id: str) -> str:
        return str(self.entities.at[entity_id, "name"])

    def deal_records(self) -> list[dict]:
        """Deals as plain dicts (NaN amounts as None), in the order read."""
        frame = self.deals.reset_index()
        frame = frame.astype(object).where(frame.notna(), None)
        return frame.to_dict("records")

    def entity_records(self) -> list[dict]:
        frame = self.entities.reset_index()
        return frame.astype(object).where(frame.notna(), None).to_dict("records")
