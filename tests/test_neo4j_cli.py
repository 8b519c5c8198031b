"""The CLI with Neo4j: `load`, every analysis command with --neo4j giving the output the files
give, and `analyze --neo4j` writing its findings back."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import deal
from random_deals import random_folder

from dealgraph.cli import main


def cli(env, *args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def counts(driver) -> tuple[int, int]:
    records, _, _ = driver.execute_query(
        "CALL { MATCH (e:Entity) RETURN count(e) AS e } "
        "CALL { MATCH ()-[d]->() WHERE d.deal_id IS NOT NULL RETURN count(d) AS d } RETURN e, d"
    )
    return records[0]["e"], records[0]["d"]


ANALYSES = [
    ["loops", "--format", "json"],
    ["loops", "--format", "json", "--include-rumored", "--max-length", "4"],
    ["concentration", "--format", "json"],
    ["concentration", "--format", "json", "--as-of", "2025-06", "--by", "funders"],
    ["alerts", "--format", "json"],
    ["alerts", "--format", "csv", "--kinds", "equity,purchase,cloud_contract"],
]


def test_every_analysis_gives_the_same_output_from_neo4j(neo4j_env, tmp_path):
    cli(neo4j_env, "load")
    for args in ANALYSES:
        from_files = cli(neo4j_env, *args).output
        assert cli(neo4j_env, *args, "--neo4j").output == from_files, args
        assert cli({**neo4j_env, "DEALGRAPH_STORE": "neo4j"}, *args).output == from_files, args
    cli(neo4j_env, "map", "-o", tmp_path / "files.html")
    cli(neo4j_env, "map", "--neo4j", "-o", tmp_path / "neo4j.html")
    assert (tmp_path / "files.html").read_bytes() == (tmp_path / "neo4j.html").read_bytes()


def test_random_data_gives_the_same_alerts_from_neo4j(neo4j_env, make_data):
    folder = random_folder(make_data, 11, entities=14, deals=70)
    cli(neo4j_env, "load", "--data", folder, "--replace")
    args = ["alerts", "--format", "json", "--include-rumored"]
    expected = cli(neo4j_env, *args, "--data", folder).output
    assert json.loads(expected), "the random data set should raise some alerts"
    assert cli(neo4j_env, *args, "--neo4j").output == expected


def test_load_twice_then_replace(neo4j_env, neo4j_driver, make_data):
    first = cli(neo4j_env, "load").output
    loaded = counts(neo4j_driver)
    assert f"Loaded {loaded[0]} entities and {loaded[1]} deals" in first
    cli(neo4j_env, "load")
    assert counts(neo4j_driver) == loaded
    small = make_data([deal("d1", "a", "b", "equity", "1B")])
    out = cli(neo4j_env, "load", "--data", small, "--replace").output
    assert counts(neo4j_driver) == (2, 1)
    assert f"--replace removed {loaded[1]} deals and {loaded[0]} entities" in out


def test_batch_size_and_single_transaction(neo4j_env, neo4j_driver, make_data):
    cli(neo4j_env, "load", "--batch-size", "7")
    loaded = counts(neo4j_driver)
    assert loaded[1] > 7
    leftovers = "MATCH (n:StagedEntity|RetiredEntity) RETURN count(n) AS n"
    assert neo4j_driver.execute_query(leftovers).records[0]["n"] == 0
    small = make_data([deal("d1", "a", "b", "equity", "1B")])
    cli(neo4j_env, "load", "--data", small, "--replace", "--single-transaction")
    assert counts(neo4j_driver) == (2, 1)
    refused = cli(neo4j_env, "load", "--batch-size", "0", ok=False)
    assert refused.exit_code == 2 and "--batch-size" in refused.output
    assert counts(neo4j_driver) == (2, 1)


def test_a_bad_row_means_nothing_is_written(neo4j_env, neo4j_driver, make_data):
    bad = make_data([deal("d1", "a", "b", "equity", "1B"), deal("d2", "a", "b", "nonsense")])
    result = cli(neo4j_env, "load", "--data", bad, ok=False)
    assert result.exit_code == 2 and "unknown value 'nonsense'" in result.output
    assert "Traceback" not in result.output
    assert counts(neo4j_driver) == (0, 0)


def test_data_and_neo4j_together_are_refused(neo4j_env):
    result = cli(neo4j_env, "loops", "--neo4j", "--data", "bundled", ok=False)
    assert result.exit_code == 2 and "give one" in result.output
    result = cli({**neo4j_env, "DEALGRAPH_STORE": "sqlite"}, "loops", ok=False)
    assert result.exit_code == 2 and "DEALGRAPH_STORE" in result.output


def test_analyze_writes_its_findings_back_and_replaces_them(neo4j_env, neo4j_driver, tmp_path):
    cli(neo4j_env, "load")
    for _ in range(2):
        out = cli(neo4j_env, "analyze", "--neo4j", "--out", tmp_path).output
    alerts = json.loads((tmp_path / "alerts.json").read_text())
    loops = {a["id"]: a for a in alerts if a["kind"] == "circular_flow"}
    rows = json.loads(
        cli(neo4j_env, "cypher", "--name", "loop-findings", "--format", "json").output
    )
    assert {r["id"]: (r["severity"], r["entities"]) for r in rows} == {
        i: (a["severity"], a["entities"]) for i, a in loops.items()
    }
    assert f"Wrote {len(loops)} loops" in out
    concentration = json.loads(cli(neo4j_env, "concentration", "--format", "json").output)
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (e:Entity) WHERE e.concentration_customers_hhi IS NOT NULL "
        "RETURN e.id AS id, e.concentration_customers_hhi AS hhi"
    )
    stored = {r["id"]: round(r["hhi"], 4) for r in records}
    assert stored == {
        c["entity"]: c["hhi"] for c in concentration if c["perspective"] == "customers"
    }
