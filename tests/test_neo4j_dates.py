"""Dates in Neo4j are `date` values (months kept as written beside them), amounts floats, and
each deal type has date and amount indexes that Cypher range queries use."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dealgraph.graph.neo4j_rows import KIND_OF_TYPE
from dealgraph.loaders import load_dataset


def test_dates_are_dates_and_months_stay_months(neo4j_store, neo4j_driver):
    dataset = load_dataset()
    neo4j_store.load(dataset)
    records = neo4j_driver.execute_query(
        "MATCH ()-[d]->() WHERE d.deal_id IS NOT NULL "
        "RETURN d.deal_id AS id, d.date AS date, d.date_text AS text, "
        "valueType(d.date) AS type, valueType(d.amount_usd) AS amount"
    ).records
    written = dataset.deals["date"]
    assert len(records) == len(dataset.deals)
    assert {r["type"] for r in records} == {"DATE NOT NULL"}
    assert {r["amount"] for r in records} <= {"FLOAT NOT NULL", "NULL"}
    months = [r for r in records if len(written[r["id"]]) == 7]
    assert months  # the bundled data has month-precision dates
    for r in records:
        assert r["text"] == written[r["id"]]
        day = dt.date.fromisoformat(r["text"] if len(r["text"]) == 10 else r["text"] + "-01")
        assert r["date"].to_native() == day
    pd.testing.assert_frame_equal(neo4j_store.read_dataset().deals, dataset.deals)


def test_date_range_queries_use_the_indexes(neo4j_store, neo4j_driver):
    dataset = load_dataset()
    neo4j_store.load(dataset)
    names = {r["name"] for r in neo4j_driver.execute_query("SHOW INDEXES YIELD name").records}
    for kind in KIND_OF_TYPE.values():
        assert {f"deal_{kind}_date", f"deal_{kind}_amount_usd"} <= names
    neo4j_driver.execute_query("CALL db.awaitIndexes(60)")
    since = dt.date(2025, 1, 1)
    result = neo4j_driver.execute_query(
        "PROFILE MATCH ()-[d:EQUITY]->() WHERE d.date >= $since RETURN count(d) AS n",
        since=since,
    )
    expected = dataset.deals[(dataset.deals["kind"] == "equity")]
    expected = expected[
        expected["date"].map(lambda t: t if len(t) == 10 else t + "-01") >= "2025-01-01"
    ]
    assert result.records[0]["n"] == len(expected) > 0
    operators = _operators(result.summary.profile)
    assert any("IndexSeekByRange" in op for op in operators), operators


def _operators(plan: dict) -> list[str]:
    return [
        plan["operatorType"],
        *(op for child in plan.get("children", []) for op in _operators(child)),
    ]
