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

from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, Query, RoutingControl, Transaction
from neo4j import time as neo4j_time
from neo4j.exceptions import DriverError, Neo4jError

from dealgraph.errors import StoreError
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
            for statement in cypher.CONSTRAINTS:
                session.run(statement).consume()
            for kind, deal_type in rows.TYPE_OF_KIND.items():
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
    ) -> LoadReport:
        """Write `dataset` in one transaction; with `replace`, also remove what it lacks.

        `progress(n)` is called after each batch of n rows (entities, deals, financials).
        """
        self.ensure_schema()
        entity_rows = rows.entity_rows(dataset.entities)
        deal_rows = rows.deal_rows(dataset.deals)
        financial_rows = rows.financial_rows(dataset.financials)
        steps = [(cypher.MERGE_ENTITIES, entity_rows)]
        steps += [
            (statement, [r for r in deal_rows if r["type"] == deal_type])
            for deal_type, statement in cypher.MERGE_DEALS.items()
        ]
        steps.append((cypher.MERGE_FINANCIALS, financial_rows))
        params = {"findings": rows.FINDING_PREFIX, "kind_labels": list(rows.KIND_LABELS)}

        def work(tx: Transaction) -> LoadReport:
            removal = _removals(tx, entity_rows, deal_rows, financial_rows, replace=replace)
            for statement, items in removal.statements():
                for batch in _batches(items, batch_size):
                    tx.run(statement, rows=batch).consume()
            for statement, items in steps:
                for batch in _batches(items, batch_size):
                    tx.run(statement, rows=batch, **params).consume()
                    if progress:
                        progress(len(batch))
            return LoadReport(len(entity_rows), len(deal_rows), len(financial_rows),
                              removal.removed_deals, len(removal.entities),
                              len(removal.financials))  # fmt: skip

        return self._in_transaction(work)

    @_errors
    def read_dataset(self) -> DataSet:
        """The stored data set, as `load_dataset` would return it (one query per table)."""

        def work(tx: Transaction) -> tuple[list[dict], ...]:
            entities = tx.run(cypher.READ_ENTITIES).single()["rows"]
            deals = tx.run(cypher.READ_DEALS, types=list(rows.KIND_OF_TYPE)).single()["rows"]
            financials = tx.run(cypher.READ_FINANCIALS).single()["rows"]
            return entities, deals, financials

        entities, deals, financials = self._in_transaction(work, READ_ACCESS)
        return DataSet(
            entities=rows.entities_frame(entities),
            deals=rows.deals_frame(deals),
            financials=rows.financials_frame(financials),
            files=(f"neo4j:{self.where}",),
        )

    @_errors
    def counts(self) -> dict[str, int]:
        """Entities, deals, financials and loops stored: for load reports and tests."""
        records, _, _ = self.driver.execute_query(
            "CALL () { MATCH (e:Entity) RETURN count(e) AS entities } "
            "CALL () { MATCH (:Entity)-[d]->(:Entity) WHERE d.deal_id IS NOT NULL "
            "          RETURN count(d) AS deals } "
            "CALL () { MATCH (f:Financials) RETURN count(f) AS financials } "
            "CALL () { MATCH (l:Loop) RETURN count(l) AS loops } "
            "RETURN entities, deals, financials, loops",
            database_=self.database,
            routing_=RoutingControl.READ,
        )
        return dict(records[0])

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
