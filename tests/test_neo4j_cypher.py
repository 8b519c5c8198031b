"""`dealgraph cypher` on a real server: read-only unless --write (proven on the server), the
output formats, and each named query of the catalogue against an answer computed without
Neo4j, on the bundled data and on a random graph."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from random_deals import random_data

from dealgraph.cli import main
from dealgraph.errors import StoreError
from dealgraph.graph.neo4j_store import Neo4jStore
from dealgraph.loaders import load_dataset
from dealgraph.queries import cypher_catalogue
from dealgraph.queries.cypher_catalogue import catalogue
from dealgraph.queries.dependence.concentration import concentration
from dealgraph.queries.findings.alerts import stable_id
from dealgraph.queries.findings.analysis import analyze
from dealgraph.queries.flows.flow import deal_values, deals_in_force


def cli(env, *args):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def count_label(driver, label: str) -> int:
    query = "MATCH (n) WHERE $label IN labels(n) RETURN count(n) AS n"
    records, _, _ = driver.execute_query(query, label=label)
    return records[0]["n"]


WRITES = {  # query: what the refusal names
    "CREATE (n:Intruder) RETURN n": "this query can write (CREATE",
    "MERGE (n:Intruder {id: 1})": "this query can write (MERGE",
    "MATCH (e:Entity) SET e:Intruder": "this query can write (SET LABELS",
    "CALL apoc.create.node(['Intruder'], {}) YIELD node RETURN node": "apoc.create.node",
    "CALL apoc.cypher.doIt('CREATE (n:Intruder)', {}) YIELD value RETURN value": "apoc.cypher.doIt",
}  # fmt: skip


@pytest.mark.parametrize("query", WRITES)
def test_a_write_without_write_is_refused_and_changes_nothing(neo4j_env, neo4j_driver, query):
    cli(neo4j_env, "load")
    result = cli(neo4j_env, "cypher", query)
    assert result.exit_code == 2
    assert WRITES[query] in result.output and "(--write allows it)" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert count_label(neo4j_driver, "Intruder") == 0


def test_the_read_session_refuses_a_write_even_past_the_explain_check(
    neo4j_store, neo4j_driver, monkeypatch
):
    """The last guard on its own: pretend EXPLAIN said `r` with a harmless plan; the server
    still refuses."""
    real_run = neo4j_store.driver.session

    class Explained:
        query_type = "r"
        plan = {"operatorType": "ProduceResults@neo4j", "args": {}, "children": []}

    def session(**config):
        opened = real_run(**config)
        original = opened.run

        def run(query, parameters=None, **kw):
            if isinstance(query, str) and query.startswith("EXPLAIN "):
                return type("R", (), {"consume": lambda self: Explained()})()
            return original(query, parameters, **kw)

        opened.run = run
        return opened

    monkeypatch.setattr(neo4j_store.driver, "session", session)
    with pytest.raises(StoreError, match="ran read-only, so nothing changed"):
        neo4j_store.run("CREATE (n:Intruder)")
    assert count_label(neo4j_driver, "Intruder") == 0


def test_write_runs_and_reports_its_changes(neo4j_env, neo4j_driver):
    result = cli(neo4j_env, "cypher", "CREATE (n:Scratch {v: $v}) RETURN n.v AS v",
                 "--param", "v=3", "--write", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"v": 3}]
    assert "nodes created 1" in result.stderr
    assert count_label(neo4j_driver, "Scratch") == 1


def test_formats_and_parameters(neo4j_env):
    cli(neo4j_env, "load")
    query = "MATCH (e:Entity) WHERE e.id IN $ids RETURN e.id AS id, e.kind AS kind ORDER BY id"
    ids = ["nvidia", "openai"]
    args = ("cypher", query, "--param", f"ids={json.dumps(ids)}")
    as_json = json.loads(cli(neo4j_env, *args, "--format", "json").output)
    as_csv = list(csv.DictReader(io.StringIO(cli(neo4j_env, *args, "--format", "csv").output)))
    table = cli(neo4j_env, *args, "--format", "table").output.splitlines()
    assert [r["id"] for r in as_json] == ids and as_csv == as_json
    assert table[0].split() == ["id", "kind"] and len(table) == 2 + len(ids)


def test_usage_errors_exit_2_with_one_line(neo4j_env):
    for args in (["cypher"], ["cypher", "RETURN 1", "--name", "exposure"],
                 ["cypher", "--name", "no-such-query"], ["cypher", "--name", "exposure"],
                 ["cypher", "--name", "round-trips", "--param", "x=1"],
                 ["cypher", "MATCH (n RETURN n"]):  # fmt: skip
        result = cli(neo4j_env, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output and "Error" in result.output


def test_the_list_shows_every_file_of_the_catalogue(neo4j_env):
    folder = Path(cypher_catalogue.__file__).parent / "cypher"
    names = sorted(p.stem for p in folder.glob("*.cypher"))
    rows = json.loads(cli(neo4j_env, "cypher", "--list", "--format", "json").output)
    assert [r["name"] for r in rows] == names == sorted(catalogue())
    assert all(r["answers"] for r in rows)


# ---- the catalogue against answers computed without Neo4j --------------------------------


def in_force(dataset):
    deals = deals_in_force(dataset.deals)
    return deals.assign(value=deal_values(deals))


def busiest(dataset) -> str:
    """The entity with the most deals in force: a parameter with plenty to find."""
    deals = in_force(dataset)
    return str(deals[["from_entity", "to_entity"]].stack().value_counts().sort_index().idxmax())


def expect_round_trips(dataset, params):
    deals = in_force(dataset)
    funding = deals[deals["kind"].isin({"equity", "warrant", "debt", "backstop"})]
    paying = deals[deals["kind"].isin({"purchase", "cloud_contract", "leaseback"})]
    rows = []
    for (a, b), f in funding.groupby(["from_entity", "to_entity"]):
        p = paying[(paying["from_entity"] == b) & (paying["to_entity"] == a)]
        if len(p):
            rows.append({"funder": a, "recipient": b,
                         "funded_usd": f["value"].fillna(0).sum(),
                         "paid_back_usd": p["value"].fillna(0).sum(),
                         "funding_deal_ids": sorted(f["id"]),
                         "payment_deal_ids": sorted(p["id"])})  # fmt: skip
    return rows


def expect_loops_through(dataset, params):
    entity = params["entity"]
    rows = []
    for loop in analyze(dataset).loops.loops:
        if entity in loop.entities:
            at = loop.entities.index(entity)
            rows.append({"entities": list(loop.entities[at:] + loop.entities[:at]),
                         "length": loop.length, "amount_usd": loop.amount_usd,
                         "deal_ids": sorted(loop.deal_ids)})  # fmt: skip
    return sorted(rows, key=lambda r: r["entities"])


def expect_exposure(dataset, params):
    entity, deals = params["entity"], in_force(dataset)
    rows = []
    sides = (("out", "from_entity", "to_entity"), ("in", "to_entity", "from_entity"))
    for direction, own, other in sides:
        mine = deals[deals[own] == entity]
        for (kind, party), group in mine.groupby(["kind", other]):
            rows.append({"direction": direction, "kind": kind, "counterparty": party,
                         "amount_usd": group["value"].fillna(0).sum(), "deals": len(group),
                         "deal_ids": sorted(group["id"])})  # fmt: skip
    return rows


def expect_top_counterparties(dataset, params):
    entity, deals = params["entity"], in_force(dataset)
    totals: dict[str, dict] = {}
    for own, other, column in (("from_entity", "to_entity", "paid_usd"),
                               ("to_entity", "from_entity", "received_usd")):  # fmt: skip
        for _, d in deals[deals[own] == entity].iterrows():
            row = totals.setdefault(d[other], {"counterparty": d[other], "paid_usd": 0.0,
                                               "received_usd": 0.0, "deal_ids": []})  # fmt: skip
            row[column] += 0.0 if math.isnan(d["value"]) else d["value"]
            row["deal_ids"].append(d["id"])
    rows = [{**r, "total_usd": r["paid_usd"] + r["received_usd"], "deals": len(r["deal_ids"]),
             "deal_ids": sorted(r["deal_ids"])} for r in totals.values()]  # fmt: skip
    rows.sort(key=lambda r: (-r["total_usd"], r["counterparty"]))
    return rows[: params["limit"]]


def expect_deals_by_source(dataset, params):
    groups: dict[str, list] = {}
    for _, d in dataset.deals.iterrows():
        host = urlsplit(d["source_url"]).netloc.lower() if d["source_url"] else "(no source)"
        groups.setdefault(host, []).append(d)
    return [{"source": host, "deals": len(ds),
             "amount_usd": sum(0.0 if math.isnan(v) else v for v in deal_values(
                 dataset.deals.loc[[d["id"] for d in ds]])),
             "deal_ids": sorted(d["id"] for d in ds)} for host, ds in groups.items()]  # fmt: skip


def expect_customer_concentration(dataset, params):
    found = concentration(deals_in_force(dataset.deals), "customers", params["min_total"])
    return [{"entity": c.entity, "total_usd": c.total_usd, "hhi": c.hhi,
             "top_customer": c.top.entity, "top_share": c.top.share,
             "customers": len(c.counterparties)} for c in found]  # fmt: skip


def expect_loop_findings(dataset, params):
    analysis = analyze(dataset)
    severity = {a.id: a.severity for a in analysis.alerts}
    return [{"id": stable_id("loop", *loop.entities), "length": loop.length,
             "amount_usd": loop.amount_usd, "entities": list(loop.entities),
             "severity": severity[stable_id("loop", *loop.entities)]}
            for loop in analysis.loops.loops]  # fmt: skip


def expect_deals_between(dataset, params) -> list[dict]:
    """Dates compared as days, a month as its first day; every row whatever its status."""
    deals = dataset.deals
    day = deals["date"].map(lambda t: t if len(t) == 10 else f"{t}-01")
    kept = deals[(day >= params["since"]) & (day <= params["until"])]
    kept = kept.assign(day=day).sort_values(["day", "id"])
    return [
        {"deal_id": r["id"], "date": r["date"], "kind": r["kind"], "from_entity": r["from_entity"],
         "to_entity": r["to_entity"], "status": r["status"]}
        for r in kept.to_dict("records")
    ]  # fmt: skip


EXPECTED = {
    "deals-between": expect_deals_between,
    "round-trips": expect_round_trips,
    "loops-through": expect_loops_through,
    "exposure": expect_exposure,
    "top-counterparties": expect_top_counterparties,
    "deals-by-source": expect_deals_by_source,
    "customer-concentration": expect_customer_concentration,
    "loop-findings": expect_loop_findings,
}
ORDERED = {"top-counterparties", "deals-between"}  # whose row order is part of the answer (LIMIT)


def comparable(rows: list[dict], keys) -> list[dict]:
    """Only the keys the expectation has; id lists sorted; floats to 9 significant digits."""

    def value(key: str, v):
        if isinstance(v, float):
            return float(f"{v:.9g}")
        return sorted(v) if key.endswith("deal_ids") else v

    return [{k: value(k, r[k]) for k in keys} for r in rows]


def test_every_named_query_has_an_independent_answer():
    assert set(EXPECTED) == set(catalogue())


@pytest.mark.parametrize("data", ["bundled", "random"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_named_query_matches_the_embedded_answer(neo4j_store: Neo4jStore, make_data, name, data):
    if data == "bundled":
        dataset = load_dataset()
    else:
        entities, deals = random_data(101, entities=10, deals=45)
        dataset = load_dataset([make_data(deals, entities)])
    neo4j_store.load(dataset)
    if name == "loop-findings":
        from dealgraph.queries.findings.graph_findings import concentration_findings, loop_findings

        analysis = analyze(dataset)
        neo4j_store.write_findings(loop_findings(analysis), concentration_findings(analysis))
    query = catalogue()[name]
    given = {"entity": busiest(dataset)} if any(p.name == "entity" for p in query.params) else {}
    params = query.bind(given)
    expected = EXPECTED[name](dataset, params)
    got = neo4j_store.run(query.text, params).rows
    keys = list(expected[0]) if expected else []
    assert expected, f"{name} on {data}: the test data gives the query nothing to find"
    mine, theirs = comparable(got, keys), comparable(expected, keys)
    if name not in ORDERED:
        mine = sorted(mine, key=json.dumps)
        theirs = sorted(theirs, key=json.dumps)
    assert mine == theirs
