"""Loading 100,000 deals into Neo4j, against a bare `UNWIND $rows CREATE` of the same rows;
and 1M deals over 50,000 entities in committed batches on a server with a 1 GB heap.

A real server (the one the tests use: Neo4j Community from Maven Central, Java 17) is
started under build/bench/neo4j and stopped at the end; or NEO4J_URI points at one (its
database is wiped). Both runs start from an empty database with the constraints in place.
The store's load MERGEs (idempotent, one transaction); the baseline CREATEs blindly, in
batches of the same size. Our load is also timed at other batch sizes, to choose one.
"""

from __future__ import annotations

import os
import sys
import time

from datasets import BENCH, ROOT, dataset

SIZE = 100_000
WIPE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
CREATE_ENTITIES = "UNWIND $rows AS r CREATE (e:Entity) SET e = r.props"
CREATE_DEALS = """
UNWIND $rows AS r
MATCH (a:Entity {id: r.source}), (b:Entity {id: r.target})
CREATE (a)-[d:DEAL]->(b) SET d = r.props
"""


def _bare_create(driver, entities: list[dict], deals: list[dict], batch: int) -> None:
    with driver.session() as session:
        for statement, rows in ((CREATE_ENTITIES, entities), (CREATE_DEALS, deals)):
            for start in range(0, len(rows), batch):
                session.execute_write(
                    lambda tx, b=rows[start : start + batch], s=statement: tx.run(
                        s, rows=b
                    ).consume()
                )


def rows(batch_sizes: tuple[int, ...] = (1000, 5000, 10000)) -> list[dict]:
    return hundred_thousand(batch_sizes) + million()


def million() -> list[dict]:
    """1M deals, 50,000 entities: a first load and a reload (switch, then the old load's
    1M deals deleted in batches), each in batches of the default size, on a fresh server
    whose heap is 1 GB (tests/neo4j_server.py runs every server with -Xmx1g)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import shutil

    from neo4j import GraphDatabase
    from neo4j_server import Neo4jServer

    from dealgraph.graph.neo4j_store import BATCH, Neo4jStore
    from dealgraph.loaders import load_dataset

    data = load_dataset([dataset(1_000_000)])
    home = BENCH / "neo4j-1m"
    shutil.rmtree(home, ignore_errors=True)
    server = Neo4jServer(home, settings={"server.memory.heap.max_size": "1g"}).start()
    driver = GraphDatabase.driver(server.uri)
    out = []
    try:
        store = Neo4jStore(driver)
        for step in ("first load", "reload"):
            started = time.perf_counter()
            report = store.load(data, replace=True)
            wall = time.perf_counter() - started
            assert report.deals == len(data.deals) == store.counts()["deals"]
            out.append({
                "size": "1M",
                "step": f"dealgraph load, {step}, batches of {BATCH:,}, 1 GB heap: "
                        f"{len(data.deals) / wall:,.0f} deals/s",
                "wall_s": wall, "peak_mb": None, "baseline": "", "ratio": None,
            })  # fmt: skip
            print(out[-1], file=sys.stderr, flush=True)
    finally:
        driver.close()
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    return out


def hundred_thousand(batch_sizes: tuple[int, ...]) -> list[dict]:
    # Imported here, so that run.py stays small: a child process starts with its parent's
    # resident memory counted in its peak.
    sys.path.insert(0, str(ROOT / "tests"))
    from neo4j import GraphDatabase
    from neo4j_server import Neo4jServer

    from dealgraph.graph import neo4j_rows
    from dealgraph.graph.neo4j_store import BATCH, Neo4jStore
    from dealgraph.loaders import load_dataset

    data = load_dataset([dataset(SIZE)])
    entity_rows = [{"props": r["props"]} for r in neo4j_rows.entity_rows(data.entities)]
    deal_rows = neo4j_rows.deal_rows(data.deals)
    server = None
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        server = Neo4jServer(BENCH / "neo4j").start()
        uri = server.uri
    auth = (os.environ.get("NEO4J_USERNAME", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
    driver = GraphDatabase.driver(uri, auth=auth if auth[1] else None)
    store = Neo4jStore(driver)
    out = []
    try:

        def timed(action) -> float:
            with driver.session() as session:  # CALL IN TRANSACTIONS needs an implicit one
                session.run(WIPE).consume()
            store.ensure_schema()
            started = time.perf_counter()
            action()
            return time.perf_counter() - started

        base = timed(lambda: _bare_create(driver, entity_rows, deal_rows, BATCH))
        out.append(_row(f"UNWIND CREATE (batch {BATCH})", base, None))
        for size in batch_sizes:
            took = timed(lambda s=size: store.load(data, batch_size=s, single_transaction=True))
            out.append(_row(f"dealgraph load --single-transaction (batch {size})", took, base))
    finally:
        driver.close()
        if server:
            server.stop()
    return out


def _row(step: str, wall: float, base: float | None) -> dict:
    rate = SIZE / wall
    return {
        "size": "100k",
        "step": f"{step}: {rate:,.0f} deals/s",
        "wall_s": wall,
        "peak_mb": None,
        "baseline": "UNWIND CREATE" if base else "",
        "ratio": wall / base if base else None,
    }


if __name__ == "__main__":
    for row in million():
        print(row)
