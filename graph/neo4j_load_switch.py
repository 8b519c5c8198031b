"""A load in committed batches that readers see all at once, or not at all.

A load writes the whole data set under a new load id, as `:StagedEntity` nodes (their kind
label kept in a property) with the deals between them and `:StagedFinancials` figures, in
transactions of `batch_size` rows. No reader starts from those labels, so nobody sees them.
Then ONE transaction swaps the labels: the current `:Entity` and `:Financials` nodes become
`:RetiredEntity` and `:RetiredFinancials`, the staged ones become `:Entity` (plus their
kind's label) and `:Financials`. Deals are relationships between entities, so they change
sides with their nodes: the switch's size grows with the entities and figures, never with
the deals. The retired nodes are then deleted in batches.

Killed anywhere, a load leaves only staged or retired nodes, which no reader sees; the next
load deletes them before it starts. One load runs at a time: a second load started during
the first deletes the first one's staging, and the first then refuses to switch.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pandas as pd

from dealgraph.errors import StoreError
from dealgraph.graph import neo4j_rows as rows
from dealgraph.graph import neo4j_statements as cypher
from dealgraph.graph.model import DataSet


def new_load_id() -> str:
    return uuid.uuid4().hex


def merged(current: DataSet, given: DataSet) -> DataSet:
    """What a load without --replace leaves: `current` updated and extended by `given`.

    Rows of `given` win over the current rows with the same id (entity, deal) or the same
    (entity, fiscal_year) for figures; current rows `given` lacks are kept.
    """

    def union(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
        kept = old[~old.index.isin(new.index)]
        return pd.concat([kept, new]) if len(kept) else new

    financials = given.financials
    if current.financials is not None and given.financials is not None:
        key = ["entity", "fiscal_year"]
        keys = given.financials.set_index(key).index
        old = current.financials[~current.financials.set_index(key).index.isin(keys)]
        financials = pd.concat([old, given.financials], ignore_index=True)
    elif given.financials is None:
        financials = current.financials
    return DataSet(
        entities=union(current.entities, given.entities),
        deals=union(current.deals, given.deals),
        financials=financials,
        files=given.files,
    )


def write_steps(
    statements: tuple[str, dict[str, str], str],
    entity_rows: list[dict],
    deal_rows: list[dict],
    financial_rows: list[dict],
) -> list[tuple[str, list[dict]]]:
    """(statement, rows) in the order a load writes them: entities, each deal type's deals
    (with `statements[1]`, a statement per type), figures."""
    entities, deals, financials = statements
    steps = [(entities, entity_rows)]
    steps += [
        (statement, [r for r in deal_rows if r["type"] == deal_type])
        for deal_type, statement in deals.items()
    ]
    steps.append((financials, financial_rows))
    return steps


def stage(
    write: Callable[[str, list, dict], None],
    dataset: DataSet,
    load_id: str,
    batch_size: int,
    progress: Callable[[int], None] | None,
) -> tuple[int, int, int]:
    """Write `dataset` under `load_id`, one committed transaction per batch.

    `write(statement, batch, params)` runs one batch in its own transaction (replayed on a
    passing failure: every statement MERGEs on its keys and the load id, so a replay writes
    nothing twice). Returns the entity, deal and figure rows written.
    """
    entity_rows = rows.entity_rows(dataset.entities)
    deal_rows = rows.deal_rows(dataset.deals)
    financial_rows = rows.financial_rows(dataset.financials)
    statements = (cypher.STAGE_ENTITIES, cypher.STAGE_DEALS, cypher.STAGE_FINANCIALS)
    for statement, items in write_steps(statements, entity_rows, deal_rows, financial_rows):
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            write(statement, batch, {"load": load_id})
            if progress:
                progress(len(batch))
    return len(entity_rows), len(deal_rows), len(financial_rows)


def check_staged(staged: dict, entities: int, financials: int) -> None:
    """Refuse to switch to a staging another load has deleted or added to."""
    if (staged["entities"], staged["financials"]) != (entities, financials):
        raise StoreError(
            f"the load's staged rows changed under it ({staged['entities']} of {entities} "
            f"entities, {staged['financials']} of {financials} figures): another load ran at "
            "the same time, so this one was not made current; run one load at a time"
        )


TABLES = ("entities", "deals", "financials")


def tally(table: list[dict]) -> dict:
    """Rows read back (property maps) -> {load id: rows}."""
    found: dict = {}
    for row in table:
        found[row.get(rows.LOAD_KEY)] = found.get(row.get(rows.LOAD_KEY), 0) + 1
    return found


def whole_load(before: dict | None, after: dict | None, tallies: dict[str, dict]) -> bool:
    """Whether a read saw exactly one load: the marker the same before and after it, and
    every table's rows all of the marker's load, as many as the marker says it has.

    `tallies`: {table: {load id: rows}}. Without a marker (an empty database, or one loaded
    before markers existed) there is nothing to check against.
    """
    if before is None and after is None:
        return True
    if before != after:
        return False
    return all(
        tallies[table] == ({before["load_id"]: before[table]} if before[table] else {})
        for table in TABLES
    )
