"""`dealgraph export --format neo4j-admin` imported by the real `neo4j-admin database import
full` into a fresh store equals what `dealgraph load` builds: same frames read back, same
labels, relationship types and property types."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
from neo4j import GraphDatabase
from neo4j_server import BUILD, Neo4jServer, ServerError, fetch_server, java_executable

from dealgraph.exports import write_export
from dealgraph.exports.neo4j_admin import IMPORT_ARGUMENTS
from dealgraph.graph.neo4j_store import Neo4jStore
from dealgraph.loaders import load_dataset
from dealgraph.queries.findings.analysis import analyze

# The data's nodes and relationships; `dealgraph load`'s bookkeeping node (which load is
# current, graph/neo4j_load_switch.py) is not data, and an imported store has none until the
# first `dealgraph load` after it.
SHAPE = """
MATCH (n) WHERE NOT n:DealgraphLoad
WITH labels(n) AS labels, count(*) AS n RETURN 'nodes' AS what, labels AS key, n
UNION ALL
MATCH ()-[r]->() RETURN 'relationships' AS what, [type(r)] AS key, count(*) AS n
"""
PROPERTY_TYPES = """
MATCH ()-[d]->() WHERE d.amount_usd IS NOT NULL
RETURN DISTINCT valueType(d.amount_usd) AS amount, valueType(d.date) AS date
"""


def _import(folder: Path, home: Path) -> None:
    """neo4j-admin's own entry point (the AdminTool class in the server's jars)."""
    dist = fetch_server()
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "neo4j.conf").write_text("")
    env = dict(os.environ, NEO4J_HOME=str(home), NEO4J_CONF=str(home / "conf"))
    command = [java_executable(), "-cp", f"{dist}/lib/*", "org.neo4j.cli.AdminTool",
               "database", "import", "full", *IMPORT_ARGUMENTS, "neo4j"]  # fmt: skip
    done = subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise ServerError(f"neo4j-admin import failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def _shape(driver) -> dict:
    records = driver.execute_query(SHAPE).records
    return {(r["what"], tuple(sorted(r["key"]))): r["n"] for r in records}


def test_neo4j_admin_import_equals_load(tmp_path, neo4j_store, neo4j_driver):
    dataset = load_dataset()
    write_export(analyze(dataset), "neo4j-admin", tmp_path / "import")
    neo4j_store.load(dataset)
    loaded = neo4j_store.read_dataset()
    home = Path(tempfile.mkdtemp(prefix="home-import-", dir=BUILD / "neo4j"))
    shutil.rmtree(home)
    _import(tmp_path / "import", home)
    server = Neo4jServer(home).start()
    try:
        with GraphDatabase.driver(server.uri, notifications_min_severity="OFF") as driver:
            imported = Neo4jStore(driver, None, where=server.uri).read_dataset()
            shape = _shape(driver)
            types = driver.execute_query(PROPERTY_TYPES).records
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)
    pd.testing.assert_frame_equal(imported.entities, loaded.entities)
    pd.testing.assert_frame_equal(imported.deals, loaded.deals)
    pd.testing.assert_frame_equal(imported.financials, loaded.financials)
    assert shape == _shape(neo4j_driver)
    assert shape[("relationships", ("REPORTED",))] == len(dataset.financials)
    assert [(r["amount"], r["date"]) for r in types] == [("FLOAT NOT NULL", "DATE NOT NULL")]
