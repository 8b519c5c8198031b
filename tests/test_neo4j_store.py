"""The data set in a real Neo4j server: loads are idempotent, updates land, --replace removes,
and reading the graph back gives the data set the files gave, so every analysis agrees."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from conftest import deal, entity
from random_deals import random_data, random_folder

from dealgraph.errors import StoreError
from dealgraph.graph import neo4j_rows
from dealgraph.graph.neo4j_store import parse_version, require_supported
from dealgraph.graph.schema import SCHEMA
from dealgraph.loaders import load_dataset
from dealgraph.queries.findings.analysis import Options, analyze
from dealgraph.queries.flows.flow import FlowFilter


def assert_same_dataset(back, expected) -> None:
    pd.testing.assert_frame_equal(back.entities, expected.entities, check_like=True)
    pd.testing.assert_frame_equal(back.deals, expected.deals, check_like=True)
    if expected.financials is None:
        assert back.financials is None
    else:
        pd.testing.assert_frame_equal(back.financials, expected.financials, check_like=True)


def assert_same_analysis(a, b) -> None:
    """Every result field equal (alerts with their details, which `==` leaves out)."""
    for field in dataclasses.fields(a):
        mine, theirs = getattr(a, field.name), getattr(b, field.name)
        if field.name in ("dataset", "options"):
            continue
        if isinstance(mine, pd.DataFrame):
            pd.testing.assert_frame_equal(mine, theirs, check_like=True)
        elif field.name == "alerts":
            assert [x.as_dict() for x in mine] == [x.as_dict() for x in theirs]
        else:
            assert mine == theirs, field.name


OPTIONS = [
    Options(),
    Options(flow=FlowFilter(include_rumored=True), max_length=4),
    Options(flow=FlowFilter(as_of="2025-06", kinds=frozenset({"equity", "purchase", "debt"}))),
    Options(min_amount=5e9, limit=3),
]


def test_bundled_data_reads_back_equal_and_analyses_agree(neo4j_store):
    files = load_dataset()
    neo4j_store.load(files)
    back = neo4j_store.read_dataset()
    assert_same_dataset(back, files)
    for options in OPTIONS:
        assert_same_analysis(analyze(back, options), analyze(files, options))


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_read_back_equal_and_analyses_agree(neo4j_store, make_data, seed):
    files = load_dataset([random_folder(make_data, seed, entities=8 + seed, deals=25 + 10 * seed)])
    assert files.financials is not None
    neo4j_store.load(files, replace=True)
    back = neo4j_store.read_dataset()
    assert_same_dataset(back, files)
    for options in OPTIONS:
        found = analyze(files, options)
        assert_same_analysis(analyze(back, options), found)


def test_loading_twice_leaves_the_same_graph(neo4j_store, neo4j_driver):
    files = load_dataset()
    first = neo4j_store.load(files)
    counts = neo4j_store.counts()
    assert counts["entities"] == first.entities == len(files.entities)
    assert counts["deals"] == first.deals == len(files.deals)
    neo4j_store.load(files)
    assert neo4j_store.counts() == counts
    assert_same_dataset(neo4j_store.read_dataset(), files)
    # Every node carries exactly Entity plus the label of its kind.
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (e:Entity) RETURN e.kind AS kind, labels(e) AS labels"
    )
    for r in records:
        assert sorted(r["labels"]) == sorted(["Entity", SCHEMA.entity_kinds[r["kind"]].label])


def test_a_changed_deal_is_updated_not_duplicated(neo4j_store, neo4j_driver, load):
    before = load(
        [
            deal("d1", "a", "b", "equity", "5B", description="old"),
            deal("d2", "b", "a", "purchase", "1B"),
        ],
        [entity("a", "neocloud"), entity("b", "ai_lab"), entity("c")],
    )
    after = load(
        # d1 changes kind (so its relationship type), direction and amount, and loses its
        # description; entity a changes kind, so its second label.
        [deal("d1", "b", "c", "debt", "7B"), deal("d2", "b", "a", "purchase", "1B")],
        [entity("a", "financier"), entity("b", "ai_lab"), entity("c")],
    )
    neo4j_store.load(before)
    neo4j_store.load(after)
    assert_same_dataset(neo4j_store.read_dataset(), after)
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (x)-[d {deal_id: 'd1'}]->(y) RETURN type(d) AS t, x.id AS x, y.id AS y, "
        "d.description AS description"
    )
    assert [dict(r) for r in records] == [{"t": "DEBT", "x": "b", "y": "c", "description": None}]
    records, _, _ = neo4j_driver.execute_query("MATCH (e:Entity {id: 'a'}) RETURN labels(e) AS l")
    assert sorted(records[0]["l"]) == ["Entity", SCHEMA.entity_kinds["financier"].label]


def test_replace_removes_what_the_data_set_lacks(neo4j_store, load):
    full = load([deal("d1", "a", "b", "equity", "5B"), deal("d2", "b", "c", "purchase", "1B")])
    smaller = load([deal("d1", "a", "b", "equity", "5B")])
    neo4j_store.load(full)
    kept = neo4j_store.load(smaller)
    assert kept.removed_deals == 0 and neo4j_store.counts()["deals"] == 2  # a load only adds
    report = neo4j_store.load(smaller, replace=True)
    assert (report.removed_deals, report.removed_entities) == (1, 1)
    assert_same_dataset(neo4j_store.read_dataset(), smaller)


def test_progress_counts_every_row_once(neo4j_store, make_data):
    entities, deals = random_data(7, entities=30, deals=120)
    files = load_dataset([make_data(deals, entities)])
    seen: list[int] = []
    neo4j_store.load(files, progress=seen.append, batch_size=25)
    assert sum(seen) == len(files.entities) + len(files.deals)
    assert max(seen) == 25


def test_findings_replace_the_previous_ones_and_stay_out_of_the_data(neo4j_store, neo4j_driver):
    from dealgraph.queries.findings.graph_findings import concentration_findings, loop_findings

    files = load_dataset()
    neo4j_store.load(files)
    analysis = analyze(files)
    for _ in range(2):
        neo4j_store.write_findings(loop_findings(analysis), concentration_findings(analysis))
    assert neo4j_store.counts()["loops"] == len(analysis.loops.loops)
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (l:Loop)-[t:THROUGH]->(e:Entity) WITH l, t, e ORDER BY t.position "
        "RETURN l.id AS id, l.length AS length, collect(e.id) AS entities"
    )
    stored = {r["id"]: (r["length"], tuple(r["entities"])) for r in records}
    written = loop_findings(analysis)
    expected = {f["id"]: (len(f["entities"]), tuple(f["entities"])) for f in written}
    assert stored == expected
    assert_same_dataset(neo4j_store.read_dataset(), files)  # figures are not data
    neo4j_store.write_findings([], [])
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (e:Entity) UNWIND keys(e) AS k WITH k WHERE k STARTS WITH $p RETURN count(k) AS n",
        p=neo4j_rows.FINDING_PREFIX,
    )
    assert records[0]["n"] == 0 and neo4j_store.counts()["loops"] == 0


def test_versions_older_than_5_26_are_refused():
    assert parse_version("5.26.19") == (5, 26) and parse_version("2025.10.1") == (2025, 10)
    require_supported("5.26.0")
    require_supported("2025.01.0")
    for old in ("5.25.1", "4.4.30"):
        with pytest.raises(StoreError, match=f"Neo4j {old} is older than supported"):
            require_supported(old)


def test_check_reports_the_server_version(neo4j_store):
    version = neo4j_store.check()
    assert parse_version(version) >= (5, 26)
