"""pytest fixtures for the real Neo4j server: one per session, reused by every Neo4j test.

`tests/conftest.py` imports these (`from fixtures_neo4j import *`). The session server is
the one `NEO4J_URI` points at (with NEO4J_USERNAME, NEO4J_PASSWORD, NEO4J_DATABASE), else a
Neo4j Community server this session starts from Maven Central's jars (tests/neo4j_server.py)
and stops at the end. Beware: the tests empty the database they are given.

There is no skipping: a server that does not come up is an error in every test that needs
it, with the server's log in the message, on CI as everywhere else.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase
from neo4j_server import BUILD, Neo4jServer

from dealgraph.graph.neo4j_store import Neo4jStore

# What `from fixtures_neo4j import *` gives conftest: the fixtures.
__all__ = ["neo4j_driver", "neo4j_env", "neo4j_server", "neo4j_store"]


@dataclass(frozen=True)
class ServerInfo:
    uri: str
    username: str = "neo4j"
    password: str | None = None
    database: str | None = None

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.username, self.password) if self.password else None

    def env(self) -> dict[str, str | None]:
        """The CLI's settings for this server (None unsets a variable in CliRunner)."""
        return {
            "NEO4J_URI": self.uri,
            "NEO4J_USERNAME": self.username,
            "NEO4J_PASSWORD": self.password,
            "NEO4J_DATABASE": self.database,
            "DEALGRAPH_STORE": None,
        }

    def driver(self) -> Driver:
        return GraphDatabase.driver(self.uri, auth=self.auth, notifications_min_severity="OFF")


def start_server(
    password: str | None = None,
    settings: dict[str, str] | None = None,
    apoc: dict[str, str] | None = None,
) -> Neo4jServer:
    """A server of our own in a fresh home under build/neo4j/ (removed by `stop_server`)."""
    (BUILD / "neo4j").mkdir(parents=True, exist_ok=True)
    home = tempfile.mkdtemp(prefix="home-", dir=BUILD / "neo4j")
    return Neo4jServer(Path(home), password=password, settings=settings, apoc=apoc).start()


def stop_server(server: Neo4jServer) -> None:
    server.stop()
    shutil.rmtree(server.home, ignore_errors=True)


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[ServerInfo]:
    """The session's server: NEO4J_URI's if set, else one started here and stopped at the end."""
    if os.environ.get("NEO4J_URI"):
        yield ServerInfo(
            uri=os.environ["NEO4J_URI"],
            username=os.environ.get("NEO4J_USERNAME") or "neo4j",
            password=os.environ.get("NEO4J_PASSWORD") or None,
            database=os.environ.get("NEO4J_DATABASE") or None,
        )
        return
    server = start_server()
    try:
        yield ServerInfo(uri=server.uri)
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_server: ServerInfo) -> Iterator[Driver]:
    driver = neo4j_server.driver()
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def neo4j_store(neo4j_server: ServerInfo, neo4j_driver: Driver) -> Neo4jStore:
    """A store on an empty database (constraints stay: they are idempotent)."""
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_=neo4j_server.database)
    return Neo4jStore(neo4j_driver, neo4j_server.database, where=neo4j_server.uri)


@pytest.fixture
def neo4j_env(neo4j_server: ServerInfo, neo4j_store: Neo4jStore) -> dict[str, str | None]:
    """Environment for `CliRunner().invoke(..., env=neo4j_env)` on the emptied database."""
    return neo4j_server.env()
