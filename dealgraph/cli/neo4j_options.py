"""Which store a command reads: the `--neo4j` switch and the connection options, for the CLI.

Settings follow the driver's conventions: `NEO4J_URI`, `NEO4J_USERNAME`, `NEO4J_PASSWORD`,
`NEO4J_DATABASE`, each but the password also an option (`--neo4j-uri` etc.). The password is
read from the environment only, so it never lands in shell history or `ps` output.
`--neo4j` (or `DEALGRAPH_STORE=neo4j`) makes an analysis command read its data set from
Neo4j instead of files.

The options keep their values in the click context (`ctx.meta`) rather than in the commands'
arguments, so the analysis commands and the library calls behind them need not change: the
CLI asks `neo4j_dataset()` for the data set before reading files. The driver is opened once
per command and closed with the context.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from dealgraph.graph.model import DataSet
from dealgraph.queries.findings.analysis import Analysis

if TYPE_CHECKING:  # the driver is imported only when a command talks to Neo4j (0.2 s saved)
    from dealgraph.graph.neo4j_connection import Neo4jSettings
    from dealgraph.graph.neo4j_store import Neo4jStore
from dealgraph.queries.findings.graph_findings import concentration_findings, loop_findings

_META = "dealgraph.neo4j"
STORE_ENV = "DEALGRAPH_STORE"


def _given(ctx: click.Context) -> dict:
    return ctx.meta.setdefault(_META, {})


def _remember(ctx: click.Context, param: click.Parameter, value: object) -> object:
    _given(ctx)[param.name] = value
    return value


def connection_options(command: Callable) -> Callable:
    """`--neo4j-uri`, `--neo4j-username`, `--neo4j-database` (password: NEO4J_PASSWORD)."""
    options = [
        click.option("--neo4j-uri", metavar="URI", expose_value=False, callback=_remember,
                     help="Neo4j server [env NEO4J_URI; default neo4j://localhost:7687]."),
        click.option("--neo4j-username", metavar="NAME", expose_value=False, callback=_remember,
                     help="Neo4j user [env NEO4J_USERNAME; default neo4j]. The password is "
                          "read from NEO4J_PASSWORD only."),
        click.option("--neo4j-database", metavar="NAME", expose_value=False, callback=_remember,
                     help="Neo4j database [env NEO4J_DATABASE; default: the server's]."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def neo4j_options(command: Callable) -> Callable:
    """`--neo4j` (read the graph from Neo4j) plus the connection options."""
    command = connection_options(command)
    return click.option(
        "--neo4j", is_flag=True, expose_value=False, callback=_remember,
        help=f"Read the data set from Neo4j instead of files [env {STORE_ENV}=neo4j].",
    )(command)  # fmt: skip


def neo4j_selected(ctx: click.Context) -> bool:
    """True when `--neo4j` was given or DEALGRAPH_STORE says neo4j."""
    if _given(ctx).get("neo4j"):
        return True
    store = os.environ.get(STORE_ENV, "").strip().lower()
    if store not in ("", "files", "neo4j"):
        raise click.UsageError(f"{STORE_ENV}={store!r}: expected 'neo4j' or 'files'")
    return store == "neo4j"


def settings(ctx: click.Context) -> Neo4jSettings:
    from dealgraph.graph.neo4j_connection import Neo4jSettings

    given = _given(ctx)
    return Neo4jSettings.from_env(
        uri=given.get("neo4j_uri"),
        username=given.get("neo4j_username"),
        database=given.get("neo4j_database"),
    )


def open_store(ctx: click.Context | None = None) -> Neo4jStore:
    """The command's store: connected, checked (server, credentials, database, version).

    Opened once per command and closed with the click context.
    """
    from dealgraph.graph.neo4j_store import Neo4jStore

    ctx = ctx or click.get_current_context()
    store = ctx.meta.get(f"{_META}.store")
    if store is None:
        chosen = settings(ctx)
        driver = chosen.open_driver()
        ctx.call_on_close(driver.close)
        store = Neo4jStore(driver, chosen.database, where=chosen.where)
        store.check()
        ctx.meta[f"{_META}.store"] = store
    return store


def neo4j_dataset(data: tuple[str, ...]) -> DataSet | None:
    """The data set from Neo4j when the command was asked to read it there, else None."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or not neo4j_selected(ctx):
        return None
    if data:
        raise click.UsageError(f"--data reads files, --neo4j (or {STORE_ENV}=neo4j) reads the "
                               "database: give one (`dealgraph load --data PATH` puts files "
                               "into Neo4j)")  # fmt: skip
    return open_store(ctx).read_dataset()


def write_findings(analysis: Analysis) -> str | None:
    """After `analyze --neo4j`: replace the findings stored in Neo4j; say what was written."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or not neo4j_selected(ctx):
        return None
    store = open_store(ctx)
    loops, figures = loop_findings(analysis), concentration_findings(analysis)
    store.write_findings(loops, figures)
    return (
        f"Wrote {len(loops)} loops (:Loop)-[:THROUGH]->(:Entity) and concentration figures "
        f"of {len(figures)} entities (concentration_* properties) to Neo4j at {store.where}"
    )
