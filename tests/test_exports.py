"""Exports read back by the tools they are for: networkx and igraph (GraphML, GEXF), pandas
and DuckDB (Parquet), followthemoney (FtM). Every expected value comes from the analysis."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import duckdb
import igraph
import networkx as nx
import pandas as pd
import pytest
from followthemoney import model

from dealgraph.exports import FORMATS, write_export
from dealgraph.exports.parquet import as_dates
from dealgraph.loaders import load_dataset
from dealgraph.queries.findings.analysis import Options, analyze
from dealgraph.queries.flows.flow import FlowFilter, deal_values


@pytest.fixture(scope="module")
def analysis():
    return analyze(load_dataset())


def _loop_counts(analysis):
    by_entity, by_deal = Counter(), Counter()
    for loop in analysis.loops.loops:
        by_entity.update(set(loop.entities))
        by_deal.update(set(loop.deal_ids))
    return by_entity, by_deal


@pytest.mark.parametrize("name", ["graphml", "gexf"])
def test_graph_files_read_back_with_networkx(analysis, tmp_path, name):
    path = tmp_path / f"money.{name}"
    write_export(analysis, name, path)
    graph = nx.read_graphml(path) if name == "graphml" else nx.read_gexf(path)
    entities, deals = analysis.dataset.entities, analysis.deals
    assert graph.number_of_nodes() == len(entities)
    assert graph.number_of_edges() == len(deals)
    by_entity, by_deal = _loop_counts(analysis)
    assert by_entity and by_deal  # the bundled data has loops: the check below means something
    for entity in entities.to_dict("records"):
        node = graph.nodes[entity["id"]]
        assert node["kind"] == entity["kind"]
        assert node.get("aliases", "") == ";".join(entity["aliases"])
        assert node["loop_count"] == by_entity[entity["id"]]
    for found in analysis.concentration:
        assert graph.nodes[found.entity][f"hhi_{found.perspective}"] == pytest.approx(found.hhi)
    values = dict(zip(deals["id"], deal_values(deals), strict=True))
    edges = {data["deal_id"]: (u, v, data) for u, v, data in graph.edges(data=True)}
    assert set(edges) == set(deals["id"])
    for deal in deals.to_dict("records"):
        source, target, data = edges[deal["id"]]
        assert (source, target) == (deal["from_entity"], deal["to_entity"])
        assert (data["kind"], data["status"], data["date"]) == (
            deal["kind"], deal["status"], deal["date"])  # fmt: skip
        assert data.get("source_url", "") == deal["source_url"]
        if math.isnan(deal["amount_usd"]):
            assert "amount_usd" not in data
        else:
            assert isinstance(data["amount_usd"], float)
            assert data["amount_usd"] == pytest.approx(deal["amount_usd"])
        if not math.isnan(values[deal["id"]]):
            assert data["value_usd"] == pytest.approx(values[deal["id"]])
        assert data["loop_count"] == by_deal[deal["id"]]


def test_graphml_reads_in_igraph_with_numeric_attributes(analysis, tmp_path):
    path = tmp_path / "money.graphml"
    write_export(analysis, "graphml", path)
    graph = igraph.Graph.Read_GraphML(str(path))
    assert (graph.vcount(), graph.ecount()) == (len(analysis.dataset.entities), len(analysis.deals))
    largest = max(loop.amount_usd for loop in analysis.loops.loops if loop.amount_usd)
    assert max(v for v in graph.vs["largest_loop_usd"] if not math.isnan(v)) == largest
    assert set(graph.vs["kind"]) == set(analysis.dataset.entities["kind"])


def test_graph_files_follow_the_filters(tmp_path):
    dataset = load_dataset()
    flow = FlowFilter(as_of="2024-12", kinds=frozenset({"equity", "debt"}))
    narrow = analyze(dataset, Options(flow=flow))
    write_export(narrow, "gexf", tmp_path / "narrow.gexf")
    graph = nx.read_gexf(tmp_path / "narrow.gexf")
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert graph.number_of_edges() == len(narrow.deals) < len(analyze(dataset).deals)
    assert kinds <= {"equity", "debt"}
    assert max(data["date"] for _, _, data in graph.edges(data=True)) <= "2024-12-31"


def test_parquet_tables_are_typed_and_query_in_duckdb(analysis, tmp_path):
    folder = tmp_path / "tables"
    write_export(analysis, "parquet", folder)
    assert {p.name for p in folder.glob("*.parquet")} == set(FORMATS["parquet"].files)
    deals = pd.read_parquet(folder / "deals.parquet")
    data = analysis.dataset.deals
    assert len(deals) == len(data) and deals["in_force"].sum() == len(analysis.deals)
    assert deals["amount_usd"].dtype == "float64"
    assert deals["date_text"].tolist() == data.sort_values("id")["date"].tolist()
    days = pd.to_datetime(deals["date"])  # date32 reads back as Python dates
    month = deals["date_text"].str.len() == 7
    assert month.any()  # the bundled data has month-precision dates
    assert (days[month].dt.day == 1).all()
    assert (days.dt.strftime("%Y-%m-%d")[~month] == deals["date_text"][~month]).all()
    con = duckdb.connect()
    described = con.execute(f"DESCRIBE SELECT * FROM '{folder / 'deals.parquet'}'").fetchall()
    types = {row[0]: row[1] for row in described}
    assert (types["date"], types["amount_usd"], types["in_force"]) == ("DATE", "DOUBLE", "BOOLEAN")
    total = con.execute(
        f"SELECT sum(value_usd) FROM '{folder / 'deals.parquet'}' WHERE in_force"
    ).fetchone()[0]
    assert total == pytest.approx(deal_values(analysis.deals).sum())
    loops = con.execute(f"SELECT count(*), max(amount_usd) FROM '{folder / 'loops.parquet'}'")
    count, largest = loops.fetchone()
    assert count == len(analysis.loops.loops)
    assert largest == max(loop.amount_usd for loop in analysis.loops.loops if loop.amount_usd)
    alerts = con.execute(f"SELECT kind, count(*) FROM '{folder / 'alerts.parquet'}' GROUP BY 1")
    assert dict(alerts.fetchall()) == Counter(a.kind for a in analysis.alerts)
    hhi = con.execute(f"SELECT entity, perspective, hhi FROM '{folder / 'concentration.parquet'}'")
    assert {(e, p): h for e, p, h in hhi.fetchall()} == {
        (c.entity, c.perspective): pytest.approx(c.hhi) for c in analysis.concentration
    }
    financials = pd.read_parquet(folder / "financials.parquet")
    assert len(financials) == len(analysis.dataset.financials)
    assert financials["fiscal_year"].dtype == "int64"


def test_month_dates_become_the_first_day():
    days = as_dates(pd.Series(["2025-09", "2024-02-29", ""]))
    assert [str(d) for d in days[:2]] == ["2025-09-01", "2024-02-29"] and pd.isna(days[2])


def test_ftm_lines_validate_with_followthemoney(analysis, tmp_path):
    path = tmp_path / "money.ftm.jsonl"
    write_export(analysis, "ftm", path)
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    proxies = [model.get_proxy(line, cleaned=False) for line in lines]
    assert len(proxies) == len(analysis.dataset.entities) + len(analysis.deals)
    for line, proxy in zip(lines, proxies, strict=True):
        for prop, values in line["properties"].items():
            assert proxy.get(prop), (line["id"], prop, values)  # cleaning kept every property
    by_id = {p.id: p for p in proxies}
    schemata = Counter(p.schema.name for p in proxies)
    kinds = Counter(analysis.deals["kind"])
    assert schemata["Debt"] == kinds["debt"]
    ownership = sum(kinds[k] for k in ("equity", "warrant", "jv", "acquisition"))
    assert schemata["Ownership"] == ownership
    assert schemata["Payment"] == len(analysis.deals) - ownership - kinds["debt"]
    for deal in analysis.deals.to_dict("records"):
        proxy = by_id[f"dealgraph-deal-{deal['id']}"]
        assert proxy.get("startDate") == [deal["date"]]
        assert proxy.get("sourceUrl") == ([deal["source_url"]] if deal["source_url"] else [])
        for prop in proxy.schema.edge_source, proxy.schema.edge_target:
            if prop:
                assert proxy.get(prop)[0] in by_id  # every edge ends at an exported entity
        if proxy.schema.name == "Debt" and not math.isnan(deal["amount_usd"]):
            assert float(proxy.get("amount")[0]) == pytest.approx(deal["amount_usd"])
            assert proxy.get("currency") == ["USD"]


def test_every_format_writes_something(analysis, tmp_path):
    for name, export in FORMATS.items():
        target = tmp_path / name
        write_export(analysis, name, target)
        paths = [target / f for f in export.files] if export.files else [target]
        assert all(Path(p).stat().st_size > 0 for p in paths)
