"""`dealgraph cypher` without --write reads the graph and nothing else, proven on a real server.

Each query below tries to reach beyond the graph (a file, a URL, the server's settings or
transactions, users, a procedure off the allowlist, a write), often hidden by comments,
case, backquotes, subqueries or a Cypher string run by a procedure. Each must be refused
with exit status 2 and one line naming what was refused and `--write`, and afterwards:
the graph is the same (counts and a checksum), no file's contents came out, no connection
reached a socket this module listens on, and a concurrent transaction is still alive.
Controls prove the probes work: with --write, the same server reads the file, connects to
the socket and terminates a transaction. The guard is tested twice: on the session server
(the file settings of docker-compose.yml) and on one that allows files, since it must not
depend on them.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures_neo4j import ServerInfo, start_server, stop_server

from dealgraph.cli import main
from dealgraph.graph import cypher_guard
from dealgraph.graph.neo4j_store import Neo4jStore
from dealgraph.loaders import load_dataset
from dealgraph.queries.cypher_catalogue import catalogue

ROOT = Path(__file__).resolve().parent.parent
SECRET = "dealgraph-guard-secret-7f3a9c"  # a file's contents that must never come out
FILE = "file:///secret.csv"  # relative to the import folder of the server that allows files

# (query, what the refusal names); `fill` puts in {file}, {path}, {url} and {tx}.
FILES = [
    ("LOAD CSV FROM '{file}' AS r RETURN r", "LOAD CSV"),
    ("load csv from '{file}' as r return r", "LOAD CSV"),
    ("LoAd CsV WITH HEADERS FROM '{file}' AS r RETURN r", "LOAD CSV"),
    ("/* a read */ LOAD // really\n CSV FROM '{file}' AS r RETURN r", "LOAD CSV"),
    ("LOAD CSV FROM 'file://{path}' AS r RETURN r", "LOAD CSV"),
    ("CALL { LOAD CSV FROM '{file}' AS r RETURN r } RETURN r", "LOAD CSV"),
    ("CALL () { LOAD CSV FROM '{file}' AS r RETURN r } RETURN r", "LOAD CSV"),
    ("MATCH (e:Entity) WITH e LIMIT 1 CALL (e) { LOAD CSV FROM '{file}' AS r RETURN r } "
     "RETURN r", "LOAD CSV"),
    ("UNWIND ['{file}'] AS u LOAD CSV FROM u AS r RETURN r", "LOAD CSV"),
    ("RETURN ['x'] AS r UNION LOAD CSV FROM '{file}' AS r RETURN r", "LOAD CSV"),
    ("OPTIONAL MATCH (n:Nothing) WITH n LOAD CSV FROM '{file}' AS r RETURN r", "LOAD CSV"),
    ("CALL apoc.load.json('{file}') YIELD value RETURN value", "apoc.load.json"),
    ("CALL apoc.load.jsonArray('{file}') YIELD value RETURN value", "apoc.load.jsonArray"),
    ("CALL apoc.load.xml('{file}') YIELD value RETURN value", "apoc.load.xml"),
    ("CALL apoc.import.json('{file}')", "apoc.import.json"),
    ("CALL apoc.import.graphml('{file}', {})", "apoc.import.graphml"),
    ("CALL apoc.import.csv([{fileName: '{file}', labels: ['X']}], [], {})",
     "apoc.import.csv"),
    ("CALL apoc.export.json.all('out.json', {})", "apoc.export.json.all"),
    ("CALL apoc.export.json.all(null, {stream: true})", "apoc.export.json.all"),
    ("CALL apoc.export.csv.all(null, {stream: true})", "apoc.export.csv.all"),
    ("CALL apoc.export.cypher.all(null, {stream: true})", "apoc.export.cypher.all"),
    ("CALL apoc.log.stream('neo4j.log')", "apoc.log.stream"),
    ("RETURN apoc.cypher.runFirstColumnSingle(\"LOAD CSV FROM '{file}' AS r RETURN r\", {})"
     " AS x", "apoc.cypher.runFirstColumnSingle"),
    ("CALL apoc.meta.graph.of(\"LOAD CSV FROM '{file}' AS r RETURN r\")",
     "apoc.meta.graph.of"),
]  # fmt: skip
NETWORK = [
    ("LOAD CSV FROM '{url}' AS r RETURN r", "LOAD CSV"),
    ("CALL apoc.load.json('{url}') YIELD value RETURN value", "apoc.load.json"),
    ("CALL apoc.load.jsonParams('{url}', {}, null) YIELD value RETURN value",
     "apoc.load.jsonParams"),
    ("CALL `apoc`.`load`.`json`('{url}') YIELD value RETURN value", "apoc.load.json"),
    ("call apoc . load . json ( '{url}' ) yield value return value", "apoc.load.json"),
    ("MATCH (e:Entity) WITH e LIMIT 1 CALL apoc.load.json('{url}?id=' + e.id) YIELD value "
     "RETURN value", "apoc.load.json"),
    ("CALL { CALL apoc.load.json('{url}') YIELD value RETURN value } RETURN value",
     "apoc.load.json"),
    ("CALL apoc.cypher.run(\"LOAD CSV FROM '{url}' AS r RETURN r\", {}) YIELD value "
     "RETURN value", "apoc.cypher.run"),
    ("CALL apoc.when(true, \"LOAD CSV FROM '{url}' AS r RETURN r\", '', {})", "apoc.when"),
    ("CALL apoc.case([true, \"LOAD CSV FROM '{url}' AS r RETURN r\"], '', {})",
     "apoc.case"),
    ("CALL apoc.graph.fromCypher(\"LOAD CSV FROM '{url}' AS r RETURN r\", {}, 'g', {})",
     "apoc.graph.fromCypher"),
    ("CALL apoc.spatial.geocodeOnce('Abilene, Texas')", "apoc.spatial.geocodeOnce"),
    ("RETURN apoc.xml.parse('<!DOCTYPE a [<!ENTITY e SYSTEM \"{url}\">]><a>&e;</a>') AS x",
     "apoc.xml.parse"),
]  # fmt: skip
ADMIN = [
    ("SHOW SETTINGS", "SHOW SETTINGS"),
    ("show settings yield name, value return name, value", "SHOW SETTINGS"),
    ("/* only a look */ SHOW // settings\n SETTINGS", "SHOW SETTINGS"),
    ("SHOW TRANSACTIONS", "SHOW TRANSACTIONS"),
    ("SHOW TRANSACTIONS YIELD * RETURN *", "SHOW TRANSACTIONS"),
    ("TERMINATE TRANSACTIONS '{tx}'", "TERMINATE TRANSACTIONS"),
    ("terminate transaction '{tx}'", "TERMINATE TRANSACTIONS"),
    ("SHOW TRANSACTIONS YIELD transactionId AS t WHERE t = '{tx}' "
     "TERMINATE TRANSACTIONS t YIELD message RETURN message", "TRANSACTIONS"),
    ("SHOW PROCEDURES", "SHOW PROCEDURES"),
    ("SHOW FUNCTIONS", "SHOW FUNCTIONS"),
    ("SHOW INDEXES", "SHOW INDEXES"),
    ("SHOW CONSTRAINTS", "SHOW CONSTRAINTS"),
    ("SHOW USERS", "SHOW USERS"),
    ("SHOW CURRENT USER", "SHOW CURRENT USER"),
    ("SHOW DATABASES", "SHOW DATABASES"),
    ("SHOW SERVERS", "SHOW SERVERS"),
    ("SHOW PRIVILEGES", "SHOW PRIVILEGES"),
    ("CREATE USER intruder SET PASSWORD 'a-long-password'", "CREATE USER"),
    ("create user intruder set password 'a-long-password'", "CREATE USER"),
    ("ALTER USER neo4j SET PASSWORD 'another-long-password'", "ALTER USER"),
    ("ALTER CURRENT USER SET PASSWORD FROM 'old-password' TO 'new-password'", "ALTER CURRENT USER"),
    ("DROP USER neo4j", "DROP USER"),
    ("CREATE ROLE intruder", "CREATE ROLE"),
    ("GRANT ROLE admin TO neo4j", "GRANT ROLE"),
    ("CREATE DATABASE intruder", "CREATE DATABASE"),
    ("STOP DATABASE neo4j", "STOP DATABASE"),
    ("CALL dbms.listConfig()", "dbms.listConfig"),
    ("CALL dbms.listConnections()", "dbms.listConnections"),
    ("CALL dbms.killConnections(['bolt-1'])", "dbms.killConnections"),
    ("CALL dbms.components()", "dbms.components"),
    ("CALL dbms.info()", "dbms.info"),
    ("CALL dbms.queryJmx('*:*')", "dbms.queryJmx"),
    ("CALL db.clearQueryCaches()", "db.clearQueryCaches"),
    ("CALL db.stats.collect('QUERIES')", "db.stats.collect"),
    ("CALL tx.setMetaData({app: 'intruder'})", "tx.setMetaData"),
]  # fmt: skip
PROCEDURES = [
    ("CALL apoc.util.sleep(10)", "apoc.util.sleep"),
    ("CALL apoc.util.sleep", "apoc.util.sleep"),  # arguments taken from parameters
    ("MATCH (e:Entity) WITH e LIMIT 1 CALL apoc.util.sleep(10) RETURN e.id", "apoc.util.sleep"),
    ("CALL apoc.periodic.iterate('MATCH (e:Entity) RETURN e', 'SET e.x = 1', {})",
     "apoc.periodic.iterate"),
    ("CALL apoc.periodic.submit('intruder', 'CREATE (:Intruder)')", "apoc.periodic.submit"),
    ("CALL apoc.periodic.list()", "apoc.periodic.list"),
    ("CALL apoc.cypher.runTimeboxed('CREATE (:Intruder)', {}, 1000)",
     "apoc.cypher.runTimeboxed"),
    ("CALL apoc.cypher.run('CREATE (:Intruder)', {}) YIELD value RETURN value",
     "apoc.cypher.run"),
    ("CALL apoc.cypher.runMany('CREATE (:Intruder);', {})", "apoc.cypher.runMany"),
    ("CALL apoc.trigger.list()", "apoc.trigger.list"),
    ("CALL apoc.lock.read.nodes([])", "apoc.lock.read.nodes"),
    ("CALL apoc.help('load')", "apoc.help"),
    ("CALL apoc.warmup.run()", "apoc.warmup.run"),
    ("CALL apoc.meta.data.of('MATCH (n) RETURN n')", "apoc.meta.data.of"),
    ("RETURN apoc.version() AS v", "apoc.version"),
    ("RETURN apoc.cypher.runFirstColumnMany('MATCH (n) RETURN n', {}) AS x",
     "apoc.cypher.runFirstColumnMany"),
    ("WITH 1 AS x WHERE apoc.cypher.runFirstColumnSingle('RETURN true', {}) RETURN x",
     "apoc.cypher.runFirstColumnSingle"),
    ("MATCH (e:Entity) RETURN [x IN [1] | apoc.cypher.runFirstColumnSingle('RETURN 1', {})]"
     " AS x", "apoc.cypher.runFirstColumnSingle"),
    ("CALL db.labels() YIELD label CALL apoc.util.sleep(1) RETURN label", "apoc.util.sleep"),
    ("MATCH (e:Entity) WHERE EXISTS { MATCH (e)-->(m) WHERE m.id = "
     "apoc.cypher.runFirstColumnSingle('RETURN 1', {}) } RETURN e.id",
     "apoc.cypher.runFirstColumnSingle"),
]  # fmt: skip
WRITES = [
    ("CREATE (:Intruder)", "CREATE"),
    ("MATCH (e:Entity) SET e.intruded = true", "SET"),
    ("MATCH (e:Entity) DETACH DELETE e", "DETACH DELETE"),
    ("MERGE (:Intruder {id: 1})", "MERGE"),
    ("MATCH (e:Entity) REMOVE e:Entity", "REMOVE"),
    ("CALL { CREATE (:Intruder) }", "CREATE"),
    ("FOREACH (x IN [1] | CREATE (:Intruder))", "FOREACH"),
    ("CREATE INDEX intruder FOR (n:Intruder) ON (n.id)", "CREATE INDEX"),
    ("DROP CONSTRAINT entity_id", "DROP CONSTRAINT"),
    ("CALL apoc.create.node(['Intruder'], {}) YIELD node RETURN node", "apoc.create.node"),
    ("CALL apoc.merge.node(['Intruder'], {id: 1}) YIELD node RETURN node",
     "apoc.merge.node"),
    ("CALL apoc.cypher.doIt('CREATE (:Intruder)', {}) YIELD value RETURN value",
     "apoc.cypher.doIt"),
    ("CALL db.createLabel('Intruder')", "db.createLabel"),
]  # fmt: skip
REFUSED = FILES + NETWORK + ADMIN + PROCEDURES + WRITES


def cli(env, *args):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def one_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def fingerprint(driver, database) -> tuple[int, int, str]:
    """Node and relationship counts and a checksum of every label, type and property."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props",
        database_=database,
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN elementId(a) AS a, type(r) AS type, elementId(b) AS b, "
        "properties(r) AS props",
        database_=database,
    )
    rows = sorted(json.dumps(r.data(), sort_keys=True, default=str) for r in [*nodes, *rels])
    return len(nodes), len(rels), hashlib.sha256("\n".join(rows).encode()).hexdigest()


class Listener:
    """A local socket that records every connection made to it (and closes it at once)."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/deals.csv"
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.socket.close()


@pytest.fixture(scope="module")
def secret_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("import")
    (folder / "secret.csv").write_text(f"{SECRET},1\n")
    (folder / "secret.json").write_text(json.dumps({"secret": SECRET}))
    return folder


@pytest.fixture(scope="module")
def listener():
    probe = Listener()
    yield probe
    probe.close()


@pytest.fixture(scope="module")
def loaded(neo4j_server: ServerInfo, neo4j_driver) -> ServerInfo:
    """The session server with the bundled data set, loaded once for this module."""
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_=neo4j_server.database)
    Neo4jStore(neo4j_driver, neo4j_server.database).load(load_dataset())
    return neo4j_server


def open_transaction(driver, database, tag: str):
    """An explicit transaction with a write in it, left open; returns (session, tx, its id)."""
    session = driver.session(database=database)
    tx = session.begin_transaction(metadata={"guard_test": tag})
    tx.run("CREATE (:Concurrent {tag: $tag})", tag=tag).consume()
    records, _, _ = driver.execute_query(
        "SHOW TRANSACTIONS YIELD transactionId, metaData "
        "WHERE metaData.guard_test = $tag RETURN transactionId",
        tag=tag,
        database_=database,
    )
    return session, tx, records[0]["transactionId"]


def alive(driver, database, transaction_id: str) -> bool:
    records, _, _ = driver.execute_query(
        "SHOW TRANSACTIONS YIELD transactionId, status WHERE transactionId = $id RETURN status",
        id=transaction_id,
        database_=database,
    )
    return bool(records) and not records[0]["status"].startswith("Terminated")


@pytest.fixture(scope="module")
def concurrent(loaded: ServerInfo, neo4j_driver):
    """Another client's open transaction, which no refused query may touch."""
    session, tx, transaction_id = open_transaction(neo4j_driver, loaded.database, "concurrent")
    yield transaction_id
    assert tx.run("MATCH (c:Concurrent) RETURN count(c) AS n").single()["n"] == 1
    tx.rollback()
    session.close()


@pytest.fixture(scope="module")
def before(loaded: ServerInfo, neo4j_driver, concurrent):
    return fingerprint(neo4j_driver, loaded.database)


def fill(query: str, url: str = "", path: Path = Path(), tx: str = "") -> str:
    """The query with its placeholders filled in (plain replacement: Cypher maps use braces)."""
    for key, value in (("{file}", FILE), ("{path}", str(path)), ("{url}", url), ("{tx}", tx)):
        query = query.replace(key, value)
    return query


@pytest.mark.parametrize(("query", "named"), REFUSED, ids=[q for q, _ in REFUSED])
def test_refused_without_write_and_nothing_reached(
    loaded, neo4j_driver, listener, secret_folder, concurrent, before, query, named
):
    text = fill(query, listener.url, secret_folder / "secret.csv", concurrent)
    connections = listener.connections
    result = cli(loaded.env(), "cypher", text, "--param", "duration=10")
    line = one_line(result)
    assert result.exit_code == 2, line
    assert line.startswith("Error: ") and named in line and "(--write allows it)" in line, line
    assert SECRET not in result.output
    time.sleep(0.05)  # a connection the server made is accepted by now
    assert listener.connections == connections, "the server connected to the listener"
    assert fingerprint(neo4j_driver, loaded.database) == before
    assert alive(neo4j_driver, loaded.database, concurrent)


def test_there_are_at_least_60_hostile_queries():
    assert len(REFUSED) >= 60 and len({q for q, _ in REFUSED}) == len(REFUSED)


# ---- the controls: with --write the same server does reach out ------------------------------


def test_with_write_the_server_connects_to_the_listener(loaded, listener):
    """The network probe works: the refused queries above would have connected."""
    for query in ("LOAD CSV FROM '{url}' AS r RETURN r",
                  "CALL apoc.load.json('{url}') YIELD value RETURN value"):  # fmt: skip
        connections = listener.connections
        result = cli(loaded.env(), "cypher", fill(query, listener.url), "--write",
                     "--timeout", "20")  # fmt: skip
        assert result.exit_code == 2  # the listener hangs up without an answer
        deadline = time.monotonic() + 5
        while listener.connections == connections and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.connections > connections, query


def test_with_write_terminate_ends_a_transaction(loaded, neo4j_driver):
    """The transaction probe works: TERMINATE with --write does end one."""
    session, tx, transaction_id = open_transaction(neo4j_driver, loaded.database, "victim")
    try:
        result = cli(loaded.env(), "cypher", f"TERMINATE TRANSACTIONS '{transaction_id}'",
                     "--write", "--format", "json")  # fmt: skip
        assert result.exit_code == 0, result.output
        assert not alive(neo4j_driver, loaded.database, transaction_id)
    finally:
        session.close()


def test_the_session_server_runs_the_documented_file_settings(loaded):
    """docker-compose.yml's settings (docs/security.md) hold on the test server: even with
    --write, LOAD CSV takes no file URL and APOC reads no file."""
    refusals = {
        "LOAD CSV FROM 'file:///secret.csv' AS r RETURN r": "allow_csv_import_from_file_urls",
        "CALL apoc.load.json('file:///secret.json')": "apoc.import.file.enabled",
    }
    for query, setting in refusals.items():
        result = cli(loaded.env(), "cypher", query, "--write")
        assert result.exit_code == 2 and setting in result.output, result.output


# ---- a server that allows files: the guard still holds ---------------------------------------


@pytest.fixture(scope="module")
def open_server(secret_folder):
    """A server configured against docs/security.md: file URLs and APOC file access on, the
    import folder holding the secret."""
    server = start_server(
        settings={"dbms.security.allow_csv_import_from_file_urls": "true",
                  "server.directories.import": str(secret_folder)},
        apoc={"apoc.import.file.enabled": "true", "apoc.export.file.enabled": "true"},
    )  # fmt: skip
    try:
        info = ServerInfo(uri=server.uri)
        with info.driver() as driver:
            Neo4jStore(driver).load(load_dataset())
        yield info
    finally:
        stop_server(server)


def test_with_write_the_open_server_reads_the_file(open_server):
    """The file probe works: this server hands the file's contents to --write."""
    reads = ("LOAD CSV FROM 'file:///secret.csv' AS r RETURN r",
             "CALL apoc.load.json('file:///secret.json') YIELD value RETURN value")  # fmt: skip
    for query in reads:
        result = cli(open_server.env(), "cypher", query, "--write", "--format", "json")
        assert result.exit_code == 0 and SECRET in result.output, result.output


@pytest.mark.parametrize(("query", "named"), FILES, ids=[q for q, _ in FILES])
def test_refused_where_the_server_allows_files(open_server, secret_folder, query, named):
    text = fill(query, path=secret_folder / "secret.csv")
    result = cli(open_server.env(), "cypher", text)
    line = one_line(result)
    assert result.exit_code == 2 and named in line and "(--write allows it)" in line, line
    assert SECRET not in result.output
    assert not (secret_folder / "out.json").exists()


# ---- reads still work ------------------------------------------------------------------------


def test_the_catalogue_still_runs(loaded):
    env = loaded.env()
    listed = json.loads(cli(env, "cypher", "--list", "--format", "json").output)
    assert [row["name"] for row in listed] == sorted(catalogue())
    for name, query in catalogue().items():
        given = [f"{p.name}=coreweave" for p in query.params if p.required]
        args = [a for g in given for a in ("--param", g)]
        result = cli(env, "cypher", "--name", name, *args, "--format", "json")
        assert result.exit_code == 0, (name, result.output)
        assert isinstance(json.loads(result.output), list)


READS = [
    ("CALL db.labels() YIELD label RETURN label ORDER BY label", "Entity"),
    ("CALL db.relationshipTypes()", "EQUITY"),
    ("CALL db.propertyKeys()", "deal_id"),
    ("CALL db.schema.visualization()", "Entity"),
    ("CALL apoc.meta.stats() YIELD nodeCount RETURN nodeCount > 0 AS some", "true"),
    ("CALL db.labels", "Entity"),
    ("MATCH (e:Entity {id: 'coreweave'}) CALL apoc.path.subgraphNodes(e, {maxLevel: 1}) "
     "YIELD node RETURN count(node) > 1 AS some", "true"),
    ("RETURN apoc.text.join(['a', 'b'], '-') AS j, date.truncate('month', date('2025-05-05')) "
     "AS d, apoc.coll.sum([1, 2]) AS s", "2025-05-01"),
    ("MATCH (e:Entity) WHERE e.name <> 'LOAD CSV; SHOW SETTINGS; apoc.util.sleep(1)' "
     "RETURN count(e) > 0 AS some // CALL apoc.util.sleep(1)", "true"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "shows"), READS, ids=[q for q, _ in READS])
def test_reads_of_the_graph_still_run(loaded, query, shows):
    result = cli(loaded.env(), "cypher", query, "--format", "json")
    assert result.exit_code == 0, result.output
    assert shows in result.output


def test_timeout_stops_a_long_read(loaded):
    started = time.monotonic()
    result = cli(loaded.env(), "cypher", "--timeout", "1",
                 "UNWIND range(1, 100000000) AS a UNWIND range(1, 100000000) AS b "
                 "RETURN count(*) AS n")  # fmt: skip
    line = one_line(result)
    assert result.exit_code == 2
    assert "longer than 1 s" in line and "--timeout" in line, line
    assert time.monotonic() - started < 30


def test_a_write_inside_apoc_cypher_run_is_described_accurately(loaded, neo4j_driver, before):
    query = "CALL apoc.cypher.run('CREATE (:Intruder)', {}) YIELD value RETURN value"
    result = cli(loaded.env(), "cypher", "--write", query)
    line = one_line(result)
    assert result.exit_code == 2
    assert "credentials" not in line and "apoc.cypher.doIt" in line, line
    assert fingerprint(neo4j_driver, loaded.database) == before


# ---- the allowlist: on the server, read-only, documented -------------------------------------


def routines(driver, kind: str) -> dict[str, str]:
    column = "mode" if kind == "PROCEDURES" else "category"
    records, _, _ = driver.execute_query(f"SHOW {kind} YIELD name, {column} RETURN *")
    return {r["name"]: r[column] for r in records}


def test_every_allowed_procedure_exists_and_cannot_write(neo4j_driver):
    server = {name.lower(): mode for name, mode in routines(neo4j_driver, "PROCEDURES").items()}
    rules = cypher_guard.allowlist()
    assert rules.procedures <= set(server)
    assert {server[name] for name in rules.procedures} <= {"READ", "DEFAULT"}


def test_no_allowed_function_runs_cypher_or_reaches_out(neo4j_driver):
    functions = routines(neo4j_driver, "FUNCTIONS")
    rules = cypher_guard.allowlist()
    allowed = {name for name in functions if rules.allows("function", name)}
    assert {n.lower() for n in functions} >= rules.function_names
    assert all(any(n.lower().startswith(f) for n in functions) for f in rules.function_families)
    outside = {"apoc.cypher.runFirstColumnMany", "apoc.cypher.runFirstColumnSingle",
               "apoc.xml.parse", "apoc.version", "graph.byName", "graph.byElementId"}  # fmt: skip
    assert outside <= set(functions) and not outside & allowed


def test_the_allowlist_is_documented():
    data = tomllib.loads((ROOT / "graph" / cypher_guard.ALLOWLIST_FILE).read_text())
    section = (ROOT / "docs" / "security.md").read_text().split("## Read-only Cypher")[1]
    names = [*data["procedures"]["names"], *data["functions"]["names"],
             *(f"{family}*" for family in data["functions"]["families"])]  # fmt: skip
    missing = [name for name in names if f"`{name}`" not in section]
    assert not missing


# ---- the text check on its own (no server) ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ("RETURN 'LOAD CSV' AS x // LOAD CSV", None),
        ('RETURN "CALL apoc.util.sleep(1)" /* CALL apoc.util.sleep(1) */', None),
        ("load /* hidden */ csv from 'x' as r return r", "LOAD CSV"),
        ("CALL `apoc`.`util`.sleep(1)", "procedure apoc.util.sleep"),
        ("CALL db.labels", None),
        ("CALL dbms.listConfig", "procedure dbms.listConfig"),
        (
            "RETURN apoc . cypher . runFirstColumnSingle ('RETURN 1', {})",
            "function apoc.cypher.runFirstColumnSingle",
        ),
        (
            "SHOW TRANSACTIONS YIELD transactionId AS t TERMINATE TRANSACTIONS t",
            "SHOW TRANSACTIONS",
        ),
        ("MATCH (n) RETURN n.show, n.terminate", None),
    ],  # fmt: skip
)
def test_the_text_check(query, refused):
    reason = cypher_guard._text_refusal(query, cypher_guard.allowlist())
    assert (reason is None) if refused is None else (refused in reason), reason
