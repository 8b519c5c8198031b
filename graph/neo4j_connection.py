"""Connecting to Neo4j: settings from the driver's conventions, and every driver error as one line.

The caller owns the driver (one per application) and hands it to `Neo4jStore`; this module
only builds it from `NEO4J_URI`, `NEO4J_USERNAME`, `NEO4J_PASSWORD` and `NEO4J_DATABASE`
(the names the driver's own examples and Aura's downloaded credentials use).

`store_errors()` is the one place where a neo4j exception becomes our `StoreError`, with a
message that says what to do next. The driver's hierarchy (see `neo4j/exceptions.py`) has
two families: `Neo4jError`, which the server sent (bad password, unknown database, a Cypher
error), and `DriverError`, raised on this side (server unreachable, connection lost).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from neo4j import Driver, GraphDatabase
from neo4j import exceptions as neo4j_errors

from dealgraph.errors import StoreError

DEFAULT_URI = "neo4j://localhost:7687"
SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


@dataclass(frozen=True)
class Neo4jSettings:
    """Where the graph lives. `database=None` means the server's default database."""

    uri: str = DEFAULT_URI
    username: str = "neo4j"
    password: str | None = None
    database: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **given: str | None) -> Neo4jSettings:
        """The environment's settings, overridden by the `given` ones that are not None."""
        values = {
            "uri": env.get("NEO4J_URI") or DEFAULT_URI,
            "username": env.get("NEO4J_USERNAME") or "neo4j",
            "password": env.get("NEO4J_PASSWORD") or None,
            "database": env.get("NEO4J_DATABASE") or None,
        }
        values.update({key: value for key, value in given.items() if value is not None})
        return cls(**values)

    @property
    def where(self) -> str:
        """`bolt://host:7687, database 'x'`: for messages (never shows the password)."""
        return f"{self.uri}, database {self.database!r}" if self.database else self.uri

    def open_driver(self) -> Driver:
        """A driver for these settings. Nothing is sent until the first query.

        Server notifications are off: driver 6 turns each into a Python warning, which would
        drown the output of `dealgraph cypher`. A short connection timeout makes "server
        down" a fast, clear failure rather than a hang.
        """
        scheme = urlsplit(self.uri).scheme
        if scheme not in SCHEMES:
            raise StoreError(
                f"not a Neo4j URI: {self.uri!r} (expected {', '.join(SCHEMES)}://HOST:PORT)"
            )
        auth = (self.username, self.password) if self.password is not None else None
        try:
            with store_errors(self.where):
                return GraphDatabase.driver(
                    self.uri, auth=auth, notifications_min_severity="OFF", connection_timeout=10.0
                )
        except (ValueError, ImportError) as exc:  # a malformed URI, found by the driver
            raise StoreError(f"Neo4j settings for {self.where}: {exc}") from exc


OUT_OF_MEMORY = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"
FORBIDDEN = "Neo.ClientError.Security.Forbidden"


def over_transaction_limit(exc: Exception) -> bool:
    """The server refused a transaction bigger than `db.memory.transaction.max`: unlike a
    shortage of the shared pool, which passes as other transactions end, it recurs."""
    message = getattr(exc, "message", None) or ""
    return getattr(exc, "code", None) == OUT_OF_MEMORY and "db.memory.transaction.max " in message


def _server_message(exc: neo4j_errors.Neo4jError) -> str:
    text = exc.message or str(exc)
    return text.strip().splitlines()[0] if text.strip() else exc.code or "unknown error"


def describe(exc: Exception, where: str) -> str:
    """One line saying what went wrong with the server at `where` and what to do about it."""
    code = getattr(exc, "code", None) or ""
    if code == FORBIDDEN and "overridden by READ" in (getattr(exc, "message", None) or ""):
        # A procedure that runs its query read-only (apoc.cypher.run, runTimeboxed) was asked
        # to write: the server refused the write itself, not the user's credentials.
        return ("a procedure that runs its query read-only (such as apoc.cypher.run) tried to "
                "write, and Neo4j refused the write, so nothing changed: write with plain Cypher "
                f"or apoc.cypher.doIt and --write ({_server_message(exc)})")  # fmt: skip
    if code == FORBIDDEN:
        return (f"Neo4j at {where} forbids this to the user ({_server_message(exc)}): "
                "ask its administrator for the privilege")  # fmt: skip
    if isinstance(exc, neo4j_errors.AuthError) or code.startswith("Neo.ClientError.Security"):
        return (f"Neo4j at {where} refused the credentials ({_server_message(exc)}): "
                "check NEO4J_USERNAME and NEO4J_PASSWORD")  # fmt: skip
    if code == "Neo.ClientError.Database.DatabaseNotFound":
        return (f"Neo4j at {where} has no such database ({_server_message(exc)}): "
                "check --neo4j-database / NEO4J_DATABASE (Community has only 'neo4j')")  # fmt: skip
    if code == "Neo.ClientError.Statement.AccessMode":
        return "this query writes and ran read-only, so nothing changed (add --write to allow it)"
    if isinstance(exc, neo4j_errors.CypherSyntaxError):
        return f"Cypher syntax error: {_server_message(exc)}"
    if code == "Neo.ClientError.Statement.ParameterMissing":
        return f"{_server_message(exc)} (give it with --param NAME=VALUE)"
    if code == OUT_OF_MEMORY:
        setting = ("db.memory.transaction.max" if over_transaction_limit(exc)
                   else "db.memory.transaction.total.max")  # fmt: skip
        return (f"Neo4j at {where} ran out of transaction memory ({_server_message(exc)}); "
                "the transaction was rolled back, so nothing was written: give the server "
                f"more ({setting}, server.memory.heap.max_size; see docs/neo4j.md)")  # fmt: skip
    if isinstance(exc, neo4j_errors.Neo4jError):
        return f"Neo4j at {where}: {_server_message(exc)} [{code}]"
    if isinstance(exc, neo4j_errors.ServiceUnavailable | neo4j_errors.SessionExpired):
        return (f"cannot reach Neo4j at {where}: is the server running? "
                "(`docker compose up -d`, or set NEO4J_URI)")  # fmt: skip
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"Neo4j at {where}: {first}"


@contextmanager
def store_errors(where: str) -> Iterator[None]:
    """Turn any neo4j driver or server error raised inside into a one-line `StoreError`."""
    try:
        yield
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
        raise StoreError(describe(exc, where)) from exc
