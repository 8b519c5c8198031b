"""`dealgraph significance`, `--amounts` on the commands, and what `analyze` adds."""

import csv
import io
import json

from conftest import deal, run

from dealgraph.loaders import load_dataset
from dealgraph.queries.flows.flow import FlowFilter, deals_in_force, hops
from dealgraph.queries.significance.loop_significance import (
    ANALYZE_SAMPLES,
    default_samples,
    significance,
    significance_dict,
)


def test_json_is_the_library_result_and_the_same_seed_gives_the_same_bytes():
    args = ("significance", "--samples", "40", "--seed", "3", "--format", "json")
    first, second = run(*args), run(*args)
    assert first.stdout == second.stdout
    found = json.loads(first.stdout)
    expected = significance(hops(deals_in_force(load_dataset().deals)), 40, 3, 5)
    assert found == json.loads(json.dumps(significance_dict(expected)))
    assert [r["length"] for r in found["loops_by_length"]] == [2, 3, 4, 5]
    assert set(found["loops_by_length"][0]) == {
        "length", "observed", "null_mean", "null_sd", "z", "p_value"
    }  # fmt: skip
    assert set(found["entities"][0]) == {"entity", "loops", "null_mean", "p_value", "q_value"}
    assert {"total", "circulating_usd", "circularity"} <= set(found)
    assert first.stderr.strip() == expected.summary()
    assert run(*args[:-2], "--seed", "4", "--format", "json").stdout != first.stdout


def test_csv_has_a_row_per_length_figure_and_entity():
    result = run("significance", "--samples", "20", "--max-length", "3", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    scopes = [r["scope"] for r in rows]
    assert scopes[:5] == ["length", "length", "total", "circulating_usd", "circularity"]
    assert set(scopes[5:]) == {"entity"} and len(scopes) > 5
    assert all(0 < float(r["p_value"]) <= 1 for r in rows)


def test_bad_arguments_are_one_line_and_exit_2():
    result = run("significance", "--samples", "0", ok=False)
    assert result.exit_code == 2 and "--samples" in result.output
    result = run("loops", "--amounts", "ceiling", ok=False)
    assert result.exit_code == 2 and "--amounts" in result.output


def test_amounts_firm_reaches_every_analysis(make_data):
    data = make_data(
        [
            deal("up-to", "a", "b", kind="equity", amount="40", amount_low_usd="15",
                 amount_basis="committed", consideration="cash"),
            deal("bought", "b", "a", amount="60", status="closed"),
        ]
    )  # fmt: skip
    headline = json.loads(run("loops", "--data", data, "--format", "json").stdout)
    firm = json.loads(run("loops", "--data", data, "--amounts", "firm", "--format", "json").stdout)
    assert [r["amount_usd"] for r in headline] == [40.0]
    assert [r["amount_usd"] for r in firm] == [15.0]
    assert (firm[0]["amount_low_usd"], firm[0]["amount_high_usd"]) == (15.0, 40.0)
    for command in (("concentration",), ("stress", "--shock", "a"), ("circularity",),
                    ("significance", "--samples", "5")):  # fmt: skip
        h = run(*command, "--data", data, "--format", "json").stdout
        f = run(*command, "--data", data, "--amounts", "firm", "--format", "json").stdout
        assert h != f, command


def test_analyze_writes_significance_json_and_prints_the_line(loop_data, tmp_path):
    out = tmp_path / "out"
    result = run("analyze", "--data", loop_data, "--out", out, "--samples", "30")
    found = json.loads((out / "significance.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert "significance.json" in json.dumps(manifest)
    assert found["samples"] == 30
    assert found["summary"] in result.output
    assert "Firm money only:" in result.output
    alerts = json.loads((out / "alerts.json").read_text())
    by_length = {r["length"]: r["p_value"] for r in found["loops_by_length"]}
    for alert in alerts:
        if alert["kind"] == "circular_flow":
            assert alert["details"]["p_value"] == by_length[len(alert["entities"])]


def test_significance_of_the_bundled_data_under_firm_amounts():
    flow = FlowFilter(amounts="firm")
    result = run("significance", "--amounts", "firm", "--samples", "20", "--format", "json")
    expected = significance(hops(deals_in_force(load_dataset().deals, flow)), 20, 0, 5)
    assert json.loads(result.stdout)["total"]["observed"] == expected.total.observed


def test_analyze_tests_by_default_and_samples_0_skips(loop_data, tmp_path):
    result = run("analyze", "--data", loop_data, "--out", tmp_path / "default")
    found = json.loads((tmp_path / "default" / "significance.json").read_text())
    flows = len(hops(deals_in_force(load_dataset([loop_data]).deals)))
    assert found["samples"] == default_samples(flows) > 0
    assert f"Against chance: {found['summary']}" in result.output
    skipped = run("analyze", "--data", loop_data, "--out", tmp_path / "none", "--samples", "0")
    assert not (tmp_path / "none" / "significance.json").exists()
    assert "Against chance" not in skipped.output
    # beyond the sizes analyze tests by default, it says so and leaves it to `significance`
    assert default_samples(ANALYZE_SAMPLES[-1][0] + 1) == 0


def test_alerts_carry_p_values_in_every_format(loop_data):
    args = ("alerts", "--data", loop_data, "--samples", "50", "--seed", "2")
    rows = json.loads(run(*args, "--format", "json").stdout)
    lines = [json.loads(line) for line in run(*args, "--format", "jsonl").stdout.splitlines()]
    table = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    tested = significance(hops(deals_in_force(load_dataset([loop_data]).deals)), 50, 2, 5)
    loops = [r for r in rows if r["kind"] == "circular_flow"]
    assert loops and all(
        r["details"]["p_value"] == tested.loops_by_length[len(r["entities"])].p_value for r in loops
    )
    by_id = {r["id"]: r["details"]["p_value"] for r in rows}
    assert {r["id"]: r["details"]["p_value"] for r in lines} == by_id
    assert {r["id"]: float(r["p_value"]) for r in table} == by_id
    untested = json.loads(run("alerts", "--data", loop_data, "--format", "json").stdout)
    assert all("p_value" not in r["details"] for r in untested)
    assert {r["p_value"] for r in csv.DictReader(io.StringIO(run(
        "alerts", "--data", loop_data, "--format", "csv").stdout))} == {""}  # fmt: skip


def test_stress_sets_the_same_default_under_firm_amounts():
    from dealgraph.queries.dependence.figures import latest
    from dealgraph.queries.findings.alerts import format_usd
    from dealgraph.queries.risk.stress import stress

    data = load_dataset()
    revenue = latest(data.financials, "revenue_usd", None)
    by_basis = {
        basis: stress(
            hops(deals_in_force(data.deals, FlowFilter(amounts=basis))), {"amazon": 1.0}, revenue
        )  # fmt: skip
        for basis in ("headline", "firm")
    }
    assert by_basis["firm"].loss_usd < by_basis["headline"].loss_usd  # ceilings carry most
    firm = by_basis["firm"]
    note = (f"Firm money only: {len(firm.distressed)} distressed, {format_usd(firm.loss_usd)} "
            f"lost by the others, DebtRank {firm.debtrank:.3f}")  # fmt: skip
    assert note in run("stress", "--shock", "amazon", "--format", "json").stderr
    assert (
        "Firm money only"
        not in run("stress", "--shock", "amazon", "--amounts", "firm", "--format", "json").stderr
    )


def test_analyze_moves_the_worst_defaults_from_headline_to_firm(tmp_path):
    from dealgraph.queries.findings.alerts import format_usd
    from dealgraph.queries.significance.robustness import worst_defaults

    output = run("analyze", "--samples", "0", "--out", tmp_path / "out").output
    shifts = worst_defaults(load_dataset(), FlowFilter())
    assert shifts and shifts == tuple(sorted(shifts, key=lambda s: -s.headline.loss_usd))
    names = dict(zip(load_dataset().entities["id"], load_dataset().entities["name"], strict=True))
    for shift in shifts:
        line = (f"  if {names[shift.entity]} defaults: {format_usd(shift.headline.loss_usd)} "
                f"lost, {len(shift.headline.distressed)} distressed -> ")  # fmt: skip
        assert line in output
