"""The graph in a Neo4j server: write a data set, read it back, keep findings, run Cypher.

    driver = Neo4jSettings.from_env().open_driver()   # the caller owns the driver
    store = Neo4jStore(driver)
    store.check()                 # reachable, credentials, database, version: or StoreError
    store.load(dataset)           # one transaction: all of the data set, or nothing
    same = store.read_dataset()   # frames equal to the ones load_dataset gave

Design decisions:
- A load is ONE transaction made of batched `UNWIND $rows ... MERGE` cypher. Killed
  half-way, the server rolls it back, so a database holds all of a load or none of it,
  and running the load again completes it. MERGE on the keys (`Entity.id`, a deal's
  `deal_id` within its type, `Loop.id`) makes the transaction safe to replay after a
  passing failure. The price: a load must fit in the server's transaction memory.
- `_in_transaction` replays failed transactions, not the driver's `execute_write`, which
  would also replay one over the server's per-transaction memory limit for 30 s and more,
  logging each try, though it fails the same way every time.
- The analyses stay in Python. Reading back costs one aggregating query per table, and
  the analyses then run on frames equal to the embedded ones: same answers by
  construction, not by a second implementation in Cypher.
- Every neo4j error leaves this module as a one-line `StoreError` (see neo4j_connection).
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, Query, Transaction
from neo4j import time as neo4j_time
from neo4j.exceptions import DriverError, Neo4jError

from dealgraph.errors import StoreError
from dealgraph.graph import neo4j_load_switch as switch
from dealgraph.graph import neo4j_rows as rows
from dealgraph.graph import neo4j_statements as cypher
from dealgraph.graph.cypher_guard import refusal, unplanned_refusal
from dealgraph.graph.model import DataSet
from dealgraph.graph.neo4j_connection import over_transaction_limit, store_errors

MIN_VERSION = (5, 26)  # dynamic labels and types (`SET e:$(label)`) arrived in 5.26
READ_TIMEOUT = 60.0  # seconds a read-only query may run (`dealgraph cypher --timeout`)
TIMED_OUT = frozenset({
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",  # the driver's timeout
    "Neo.ClientError.Transaction.TransactionTimedOut",  # the server's db.transaction.timeout
})  # fmt: skip
READ_ATTEMPTS = 20  # reads of the data set tried while loads switch (see _consistent_read)
BATCH = 10_000  # rows per UNWIND: chosen by measurement, see docs/benchmarks.md
COUNTERS = (
    "nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
    "properties_set", "labels_added", "labels_removed", "indexes_added", "indexes_removed",
    "constraints_added", "constraints_removed",
)  # fmt: skip


@dataclass(frozen=True)
class LoadReport:
    """What a load did: rows written (merged, changed or not) and what it removed."""

    entities: int
    deals: int
    financials: int = 0
    removed_deals: int = 0
    removed_entities: int = 0
    removed_financials: int = 0


@dataclass(frozen=True)
class _Removals:
    """What a load deletes before it merges: deals by element id, entities by id, figures
    by (entity, fiscal_year). `removed_deals` leave for good; the other deals moved."""

    deals: list[str]
    removed_deals: int
    entities: list[str]
    financials: list[dict]

    def statements(self) -> list[tuple[str, list]]:
        return [(cypher.DELETE_DEALS, self.deals), (cypher.DELETE_ENTITIES, self.entities),
                (cypher.DELETE_FINANCIALS, self.financials)]  # fmt: skip


def _removals(
    tx: Transaction,
    entity_rows: list[dict],
    deal_rows: list[dict],
    financial_rows: list[dict],
    replace: bool,
) -> _Removals:
    """Read the stored keys (one query per table) and decide what the load deletes.

    A deal whose type or ends changed is deleted and merged anew (a relationship can change
    neither); with `replace`, so is every deal, entity and figure the data set lacks.
    """
    wanted = {r["deal_id"]: (r["type"], r["source"], r["target"]) for r in deal_rows}
    stale, removed = [], 0
    for row in tx.run(cypher.EXISTING_DEALS, types=list(rows.KIND_OF_TYPE)).data():
        target = wanted.get(row["deal_id"])
        stored = (row["type"], row["source"], row["target"])
        if (target is not None or replace) and target != stored:
            stale.append(row["element"])
            removed += target is None
    if not replace:
        return _Removals(stale, removed, [], [])
    ids = tx.run("MATCH (e:Entity) RETURN collect(e.id) AS ids").single()["ids"]
    keys = tx.run(
        "MATCH (f:Financials) RETURN collect([f.entity, f.fiscal_year]) AS keys"
    ).single()["keys"]
    kept = {(r["entity"], r["fiscal_year"]) for r in financial_rows}
    return _Removals(
        stale,
        removed,
        sorted(set(ids) - {r["id"] for r in entity_rows}),
        [
            {"entity": e, "fiscal_year": y}
            for e, y in sorted(map(tuple, keys))
            if (e, y) not in kept
        ],
    )


@dataclass(frozen=True)
class QueryResult:
    """Rows of plain values (nodes as property maps, temporal values as ISO text)."""

    keys: list[str]
    rows: list[dict]
    query_type: str
    counters: dict = field(default_factory=dict)


def _errors(method: Callable) -> Callable:
    """Run a store method inside `store_errors`, the one place neo4j errors are mapped."""

    @functools.wraps(method)
    def wrapper(self: Neo4jStore, *args, **kwargs):
        with store_errors(self.where):
            return method(self, *args, **kwargs)

    return wrapper


def parse_version(text: str) -> tuple[int, int]:
    """`5.26.19` -> (5, 26); calendar releases such as `2025.10.1` sort after every 5.x."""
    parts = text.split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise StoreError(f"cannot read the Neo4j version {text!r}") from None


def require_supported(version: str) -> None:
    if parse_version(version) < MIN_VERSION:
        wanted = ".".join(map(str, MIN_VERSION))
        raise StoreError(f"Neo4j {version} is older than supported: dealgraph needs {wanted} or "
                         "later (docker-compose.yml runs 5.26.19)")  # fmt: skip


def _plain(value: object) -> object:
    """A query result value as JSON-ready data: temporal values as ISO text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, neo4j_time.Date | neo4j_time.DateTime | neo4j_time.Time):
        return value.iso_format()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # durations, points


def _figure_keys(financials) -> set[tuple]:
    if financials is None:
        return set()
    return set(zip(financials["entity"], financials["fiscal_year"].astype(int), strict=True))


def _batches(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Neo4jStore:
    """A data set kept in Neo4j. `database=None` uses the server's default database."""

    def __init__(
        self,
        driver: Driver,
        database: str | None = None,
        where: str = "the server",
        retry_seconds: float = 30.0,
    ):
        self.driver = driver
        self.database = database
        self.where = where  # for messages, e.g. the URI
        self.retry_seconds = retry_seconds  # how long a failed transaction is replayed

    def _session(self, access: str = WRITE_ACCESS):
        return self.driver.session(database=self.database, default_access_mode=access)

    def _in_transaction(self, work: Callable[[Transaction], object], access: str = WRITE_ACCESS):
        """`work(tx)` in one transaction, replayed as the driver replays managed ones.

        A retryable failure (server restarting, leader lost, deadlock) starts it again after
        1, 2, 4... s (with jitter) for up to `retry_seconds`; any other failure, and a
        transaction over the server's own limit (`over_transaction_limit`), ends it at once.
        """
        started, delay = time.monotonic(), 1.0
        while True:
            try:
                with self._session(access) as session, session.begin_transaction() as tx:
                    result = work(tx)
                    tx.commit()
                    return result
            except (Neo4jError, DriverError) as exc:
                late = time.monotonic() - started + delay > self.retry_seconds
                if not exc.is_retryable() or over_transaction_limit(exc) or late:
                    raise
            time.sleep(delay * random.uniform(0.8, 1.2))
            delay *= 2

    @_errors
    def check(self) -> str:
        """Reach the server and the database, and refuse an older Neo4j; return its version.

        An auto-commit query is not retried, so a server that is down fails at once here
        instead of after the driver's 30 s of retries in a managed transaction.
        """
        with self._session(READ_ACCESS) as session:
            record = session.run(
                "CALL dbms.components() YIELD name, versions WHERE name = 'Neo4j Kernel' "
                "RETURN versions[0] AS version"
            ).single()
        version = record["version"] if record else "unknown"
        require_supported(version)
        return version

    @_errors
    def ensure_schema(self) -> None:
        """Uniqueness constraints for entities, loops and each deal type, and each deal type's
        date and amount indexes (idempotent)."""
        with self._session() as session:
            for statement in (*cypher.CONSTRAINTS, *cypher.STAGED_CONSTRAINTS):
                session.run(statement).consume()
            for kind, deal_type in rows.TYPE_OF_KIND.items():
                session.run(cypher.OLD_DEAL_CONSTRAINT.format(kind=kind)).consume()
                session.run(cypher.DEAL_CONSTRAINT.format(kind=kind, type=deal_type)).consume()
                for index in cypher.DEAL_INDEXES:
                    session.run(index.format(kind=kind, type=deal_type)).consume()

    @_errors
    def load(
        self,
        dataset: DataSet,
        replace: bool = False,
        progress: Callable[[int], None] | None = None,
        batch_size: int = BATCH,
        single_transaction: bool = False,
    ) -> LoadReport:
        """Write `dataset`; with `replace`, the database ends up equal to it, without it the
        data set is added to what is stored (its rows replace stored rows with their ids).

        By default the load commits every `batch_size` rows under a new load id and readers
        switch to it at the end, all at once (see neo4j_load_switch); `single_transaction`
        writes it in one transaction instead, which must fit the server's transaction
        memory. `progress(n)` is called after each batch of n rows written.
        """
        self.ensure_schema()
        if single_transaction:
            return self._load_in_one_transaction(dataset, replace, progress, batch_size)
        return self._load_in_batches(dataset, replace, progress, batch_size)

    def _load_in_batches(self, dataset, replace, progress, batch_size) -> LoadReport:
        self.delete_leftovers(batch_size)
        before = self._stored_keys()
        if not replace:
            dataset = switch.merged(self.read_dataset(), dataset)
        load_id = switch.new_load_id()

        def write(statement: str, batch: list, params: dict) -> None:
            self._in_transaction(lambda tx: tx.run(statement, rows=batch, **params).consume())

        entities, deals, financials = switch.stage(write, dataset, load_id, batch_size, progress)

        def make_current(tx: Transaction) -> None:
            staged = tx.run(cypher.STAGED_COUNTS, load=load_id).single()
            switch.check_staged(dict(staged), entities, financials)
            params = {"load": load_id, "kind_labels": list(rows.KIND_LABELS), "entities": entities,
                      "deals": deals, "financials": financials}  # fmt: skip
            for statement in cypher.SWITCH:
                tx.run(statement, params).consume()

        self._in_transaction(make_current)
        self.delete_leftovers(batch_size)
        deal_ids, entity_ids, figure_keys = before
        return LoadReport(
            entities, deals, financials,
            removed_deals=len(deal_ids - set(dataset.deals["id"])),
            removed_entities=len(entity_ids - set(dataset.entities["id"])),
            removed_financials=len(figure_keys - _figure_keys(dataset.financials)),
        )  # fmt: skip

    def _stored_keys(self) -> tuple[set, set, set]:
        """The current deal ids, entity ids and (entity, fiscal_year) keys: for the report."""

        def work(tx: Transaction) -> tuple[set, set, set]:
            deals = tx.run(cypher.EXISTING_DEALS, types=list(rows.KIND_OF_TYPE)).data()
            ids = tx.run("MATCH (e:Entity) RETURN collect(e.id) AS ids").single()["ids"]
            keys = tx.run(
                "MATCH (f:Financials) RETURN collect([f.entity, f.fiscal_year]) AS keys"
            ).single()["keys"]
            return {d["deal_id"] for d in deals}, set(ids), set(map(tuple, keys))

        return self._in_transaction(work, READ_ACCESS)

    @_errors
    def delete_leftovers(self, batch_size: int = BATCH) -> int:
        """Delete what killed loads and the previous load left (staged and retired nodes), in
        transactions of `batch_size` rows; return how many such nodes there were."""
        labels = list(cypher.LEFTOVER_LABELS)
        with self._session() as session:
            found = session.run(cypher.COUNT_LEFTOVERS, labels=labels).single()["n"]
            if found:
                for statement in cypher.DELETE_LEFTOVERS:
                    session.run(statement, size=batch_size).consume()
        return found

    def _load_in_one_transaction(self, dataset, replace, progress, batch_size) -> LoadReport:
        entity_rows = rows.entity_rows(dataset.entities)
        deal_rows = rows.deal_rows(dataset.deals)
        financial_rows = rows.financial_rows(dataset.financials)
        statements = (cypher.MERGE_ENTITIES, cypher.MERGE_DEALS, cypher.MERGE_FINANCIALS)
        steps = switch.write_steps(statements, entity_rows, deal_rows, financial_rows)
        params = {"findings": rows.FINDING_PREFIX, "kind_labels": list(rows.KIND_LABELS)}

        def work(tx: Transaction) -> LoadReport:
            # The current load's id: its deals are unique by (deal_id, load_id).
            current = tx.run(cypher.CURRENT_LOAD).single()["marker"]
            load_id = current["load_id"] if current else switch.new_load_id()
            tx.run(cypher.SET_CURRENT_LOAD, load=load_id).consume()
            for statement in () if current else cypher.STAMP_LOAD:
                tx.run(statement, load=load_id).consume()
            removal = _removals(tx, entity_rows, deal_rows, financial_rows, replace=replace)
            for statement, items in removal.statements():
                for batch in _batches(items, batch_size):
                    tx.run(statement, rows=batch).consume()
            for statement, items in steps:
                for batch in _batches(items, batch_size):
                    tx.run(statement, rows=batch, load=load_id, **params).consume()
                    if progress:
                        progress(len(batch))
            tx.run(cypher.SET_LOAD_COUNTS).consume()
            return LoadReport(len(entity_rows), len(deal_rows), len(financial_rows),
                              removal.removed_deals, len(removal.entities),
                              len(removal.financials))  # fmt: skip

        return self._in_transaction(work)

    def _consistent_read(
        self, work: Callable[[Transaction], dict], tally: Callable = switch.tally
    ) -> dict:
        """`work(tx)`'s tables, read again until they are one whole load.

        Neo4j reads are read-committed: a read running while a load switches can see part
        of the old load and part of the new one. `work` returns `{table: rows}`, each row
        with its `load_id`; the read counts when the current-load marker is the same before
        and after it and every table holds exactly that load's rows (see neo4j_load_switch);
        `tally(table)` gives a table's {load id: rows}.
        """
        for attempt in range(READ_ATTEMPTS):
            with self._session(READ_ACCESS) as session, session.begin_transaction() as tx:
                before = tx.run(cypher.CURRENT_LOAD).single()["marker"]
                tables = work(tx)
                after = tx.run(cypher.CURRENT_LOAD).single()["marker"]
            tallies = {name: tally(tables[name]) for name in switch.TABLES}
            if switch.whole_load(before, after, tallies):
                return tables
            time.sleep(0.05 * (attempt + 1))
        raise StoreError(
            f"the data in Neo4j at {self.where} changed during each of {READ_ATTEMPTS} reads "
            "(loads running back to back?): read again once the load has finished"
        )

    @_errors
    def read_dataset(self) -> DataSet:
        """The stored data set, as `load_dataset` would return it (one query per table),
        all of one load even while another load switches."""

        def work(tx: Transaction) -> dict:
            return {
                "entities": tx.run(cypher.READ_ENTITIES).single()["rows"],
                "deals": tx.run(cypher.READ_DEALS, types=list(rows.KIND_OF_TYPE)).single()["rows"],
                "financials": tx.run(cypher.READ_FINANCIALS).single()["rows"],
            }

        tables = self._consistent_read(work)
        return DataSet(
            entities=rows.entities_frame(tables["entities"]),
            deals=rows.deals_frame(tables["deals"]),
            financials=rows.financials_frame(tables["financials"]),
            files=(f"neo4j:{self.where}",),
        )

    @_errors
    def counts(self) -> dict[str, int]:
        """Entities, deals, financials and loops stored (all of one load): for load reports
        and tests."""

        def work(tx: Transaction) -> dict:
            record = tx.run(cypher.COUNT_BY_LOAD).single()
            tables = {name: record[name] for name in ("entities", "deals", "financials")}
            return {**tables, "loops": record["loops"]}

        found = self._consistent_read(work, tally=lambda pairs: {k: n for k, n in pairs})
        sizes = {name: sum(n for _, n in found[name]) for name in switch.TABLES}
        return sizes | {"loops": found["loops"]}

    @_errors
    def write_findings(self, loops: list[dict], figures: list[dict]) -> None:
        """Replace the stored findings with these, in one transaction.

        `loops`: `{id, entities, props}`, written as `(:Loop {id, ...props})-[:THROUGH
        {position}]->(:Entity)` in the loop's order. `figures`: `{id, props}` set on the
        entity with that id; every key must start with `FINDING_PREFIX`, so the next run can
        clear them and `read_dataset` can tell them from data.
        """
        for figure in figures:
            bad = [k for k in figure["props"] if not k.startswith(rows.FINDING_PREFIX)]
            if bad:
                raise ValueError(f"finding keys must start with {rows.FINDING_PREFIX!r}: {bad}")
        self.ensure_schema()

        def work(tx: Transaction) -> None:
            tx.run("MATCH (l:Loop) DETACH DELETE l").consume()
            tx.run(cypher.CLEAR_FINDINGS, prefix=rows.FINDING_PREFIX).consume()
            for statement, items in ((cypher.WRITE_LOOPS, loops), (cypher.WRITE_FIGURES, figures)):
                for batch in _batches(items):
                    tx.run(statement, rows=batch).consume()

        self._in_transaction(work)

    @_errors
    def run(
        self,
        query: str,
        parameters: dict | None = None,
        write: bool = False,
        timeout: float | None = None,
    ) -> QueryResult:
        """Run one Cypher query; unless `write`, refuse any query that is not a pure read of
        the graph, and stop a read after `timeout` seconds (READ_TIMEOUT by default).

        Three guards: EXPLAIN gives the server's plan, which `cypher_guard.refusal` walks
        (no LOAD CSV, no administration command, only allowlisted procedures and functions,
        query type `r`) with the text as a second check; a refused query never runs. A read
        then runs in a READ session, which the server enforces (a write there fails with
        `AccessMode`), under a transaction timeout. Queries run in auto-commit transactions,
        never replayed, so `CALL {...} IN TRANSACTIONS` works with `write`, which also drops
        the guard and, unless `timeout` is given, the time limit.
        """
        params = parameters or {}
        seconds = timeout if timeout is not None else (None if write else READ_TIMEOUT)
        with self._session(WRITE_ACCESS if write else READ_ACCESS) as session:
            try:
                explained = session.run("EXPLAIN " + query, params).consume()
            except Neo4jError as exc:
                reason = None if write else unplanned_refusal(query, exc.code)
                if reason:
                    raise StoreError(reason) from None
                raise
            reason = None if write else refusal(query, explained.plan, explained.query_type)
            if reason:
                raise StoreError(reason)
            try:
                result = session.run(Query(query, timeout=seconds), params)
                keys = list(result.keys())
                data = [{k: _plain(v) for k, v in record.data().items()} for record in result]
                summary = result.consume()
            except Neo4jError as exc:
                if exc.code in TIMED_OUT:
                    raise StoreError(
                        f"the query ran longer than {seconds:g} s and was stopped, so nothing "
                        "changed: give it longer with --timeout SECONDS"
                    ) from None
                raise
        changed = {name: n for name in COUNTERS if (n := getattr(summary.counters, name))}
        return QueryResult(keys, data, explained.query_type, changed)
