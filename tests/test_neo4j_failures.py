"""When Neo4j fails: one clear line and exit status 2, never a traceback; and a load killed
half-way leaves all of it or none of it, on a server of our own with authentication on."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner
from fixtures_neo4j import ServerInfo, start_server, stop_server
from neo4j_server import free_port
from random_deals import random_folder

from dealgraph.cli import main
from dealgraph.errors import StoreError
from dealgraph.graph.neo4j_store import Neo4jStore
from dealgraph.loaders import load_dataset

PASSWORD = "dealgraph-test-secret"


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def auth_server():
    """A short-lived server with a password, for the tests that must log in wrongly or kill it."""
    server = start_server(password=PASSWORD)
    try:
        yield server
    finally:
        stop_server(server)


def env_for(uri: str, password: str | None = None, database: str | None = None) -> dict:
    return ServerInfo(uri=uri, password=password, database=database).env()


@pytest.mark.parametrize("command", [["loops", "--neo4j"], ["load"], ["cypher", "RETURN 1"]])
def test_server_down(command):
    uri = f"bolt://127.0.0.1:{free_port()}"
    line = one_line_error(CliRunner().invoke(main, command, env=env_for(uri)))
    assert line == (
        f"Error: cannot reach Neo4j at {uri}: is the server running? "
        "(`docker compose up -d`, or set NEO4J_URI)"
    )


def test_server_down_in_a_real_process():
    uri = f"bolt://127.0.0.1:{free_port()}"
    env = {k: v for k, v in env_for(uri).items() if v is not None}
    done = subprocess.run(
        [sys.executable, "-m", "dealgraph", "alerts", "--neo4j"],
        capture_output=True,
        text=True,
        env={**env, "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"Error: cannot reach Neo4j at {uri}: is the server running? "
        "(`docker compose up -d`, or set NEO4J_URI)"
    ]


def test_wrong_or_missing_password(auth_server):
    for password in ("wrong-password", None):
        env = env_for(auth_server.uri, password)
        result = CliRunner().invoke(main, ["loops", "--neo4j"], env=env)
        assert "refused the credentials" in one_line_error(result)
    right = CliRunner().invoke(main, ["load"], env=env_for(auth_server.uri, PASSWORD))
    assert right.exit_code == 0, right.output


def test_unknown_database(neo4j_server):
    env = {**neo4j_server.env(), "NEO4J_DATABASE": "nosuchdb"}
    line = one_line_error(CliRunner().invoke(main, ["loops", "--neo4j"], env=env))
    assert "has no such database" in line and "nosuchdb" in line
    option = ["cypher", "RETURN 1", "--neo4j-database", "nosuchdb"]
    result = CliRunner().invoke(main, option, env=neo4j_server.env())
    assert "has no such database" in one_line_error(result)


def test_not_a_neo4j_uri():
    command = ["loops", "--neo4j", "--neo4j-uri", "http://localhost:7474"]
    line = one_line_error(CliRunner().invoke(main, command))
    assert "not a Neo4j URI" in line


def test_a_load_killed_half_way_leaves_all_or_nothing(auth_server, make_data):
    info = ServerInfo(uri=auth_server.uri, password=PASSWORD)
    before = load_dataset()
    big = load_dataset([random_folder(make_data, 5, entities=1500, deals=6000)])

    # Short retries: once the server is gone, the store should give up quickly.
    driver = info.driver()
    store = Neo4jStore(driver, where=info.uri, retry_seconds=1.0)
    store.load(before, replace=True)
    halfway, killed = threading.Event(), threading.Event()
    sent = []

    def progress(rows: int) -> None:
        sent.append(rows)
        if sum(sent) >= (len(big.entities) + len(big.deals)) // 2 and not halfway.is_set():
            halfway.set()
            killed.wait(60)

    outcome: list[object] = []

    def load_big() -> None:
        outcome.append(_try_load(store, big, progress))
        halfway.set()  # a load that ended early must not leave the test waiting

    loader = threading.Thread(target=load_big)
    loader.start()
    assert halfway.wait(120), "the load never reached half-way"
    assert not outcome, f"the load ended before half-way: {outcome}"
    auth_server.kill()
    killed.set()
    loader.join(120)
    driver.close()
    assert isinstance(outcome[0], StoreError), outcome

    auth_server.start()
    driver = info.driver()
    try:
        store = Neo4jStore(driver, where=info.uri)
        after_crash = store.read_dataset()
        # None of the load (the previous data set, intact) or all of it; nothing in between.
        assert same(after_crash, before) or same(after_crash, big)
        store.load(big, replace=True)  # the re-run completes it
        assert same(store.read_dataset(), big)
    finally:
        driver.close()


def test_a_load_too_large_for_the_server_says_so_and_writes_nothing():
    # A load is one transaction: over the server's memory limit it must fail with a line
    # saying what to change, and leave nothing behind.
    server = start_server(settings={"db.memory.transaction.max": "2m"})
    info = ServerInfo(uri=server.uri)
    driver = info.driver()
    data, sent = load_dataset(), []
    try:
        store = Neo4jStore(driver, where=info.uri)  # replays passing failures for 30 s
        with pytest.raises(StoreError) as failed:
            store.load(data, progress=sent.append, single_transaction=True)
        message = str(failed.value)
        assert "ran out of transaction memory" in message and "\n" not in message
        assert "db.memory.transaction.max," in message and "nothing was written" in message
        # Over its own limit the load fails the same way every time: it is tried once, not
        # replayed for half a minute (the server refuses it at commit, after every batch).
        assert sum(sent) <= len(data.entities) + len(data.deals) + len(data.financials)
        count = "MATCH (n) RETURN count(n) AS n"
        assert driver.execute_query(count).records[0]["n"] == 0
    finally:
        driver.close()
        stop_server(server)


def same(one, other) -> bool:
    financials = (one.financials is None and other.financials is None) or (
        one.financials is not None
        and other.financials is not None
        and set(one.financials.columns) == set(other.financials.columns)
        and one.financials.equals(other.financials[one.financials.columns])
    )
    return (
        one.entities.sort_index().equals(other.entities.sort_index())
        and one.deals.sort_index().equals(other.deals.sort_index())
        and financials
    )


def _try_load(store: Neo4jStore, dataset, progress) -> object:
    try:
        return store.load(dataset, replace=True, progress=progress, single_transaction=True)
    except StoreError as exc:
        return exc
