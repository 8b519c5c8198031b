"""Company figures (financials.csv): read, validated like deals, resolved, layered; and the
lookup of an entity's latest figure on a date."""

from __future__ import annotations

import math

import pytest
from conftest import deal, entity
from risk_data import run, write_financials

from dealgraph.errors import DataError
from dealgraph.loaders import load_dataset
from dealgraph.queries.dependence.figures import latest

DEALS = [deal("d1", "a", "b", "purchase", "1B")]
ENTITIES = [entity("a", name="Alpha Corp", aliases="Alpha;AC"), entity("b")]


@pytest.fixture
def folder(make_data):
    return make_data(DEALS, ENTITIES)


def test_figures_load_typed_resolved_and_with_extra_columns(folder):
    write_financials(
        folder,
        [
            # by alias, FY label, accountants' negative cash flow, a money suffix
            {"entity": "Alpha", "fiscal_year": "FY2025", "period_end": "2025-06-30",
             "revenue_usd": "$57.4B", "operating_cash_flow_usd": "(1.5B)", "note": "x"},
            {"entity": "b", "period": "FY2024", "capex_usd": "2e9"},  # year from period
            {"entity": "B", "period_end": "2023-12-31", "cash_usd": "0"},  # year from the end
        ],
    )  # fmt: skip
    figures = load_dataset([folder]).financials
    assert list(figures["entity"]) == ["a", "b", "b"]
    assert list(figures["fiscal_year"]) == [2025, 2023, 2024]
    assert list(figures["period"]) == ["FY2025", "FY2023", "FY2024"]
    alpha = figures.iloc[0]
    assert alpha["revenue_usd"] == 57.4e9 and alpha["operating_cash_flow_usd"] == -1.5e9
    assert alpha["note"] == "x" and math.isnan(alpha["capex_usd"])


def test_every_problem_is_reported_at_once(folder):
    path = (
        write_financials(
            folder,
            [
                {"entity": "zeta", "fiscal_year": "2025"},  # row 2: unknown entity
                {"entity": "a", "fiscal_year": "2025", "revenue_usd": "-5"},  # 3: negative
                {"entity": "a", "fiscal_year": "2025/26"},  # 4: not a year
                {"entity": "b"},  # 5: no year at all
                {"entity": "b", "period_end": "2025-13-01"},  # 6: not a date
                {"entity": "", "fiscal_year": "2024", "capex_usd": "lots"},  # 7: two problems
            ],
        )
        / "financials.csv"
    )
    with pytest.raises(DataError) as caught:
        load_dataset([folder])
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {
        (2, "entity"),
        (3, "revenue_usd"),
        (4, "fiscal_year"),
        (5, "fiscal_year"),
        (6, "period_end"),
        (7, "entity"),
        (7, "capex_usd"),
    }
    assert all(p.file == str(path) for p in caught.value.problems)
    assert "unknown entity 'zeta'" in str(caught.value)


def test_missing_columns_and_conflicting_years(folder):
    write_financials(folder, [{"revenue_usd": "1"}])
    (folder / "financials.csv").write_text("revenue_usd\n1\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_dataset([folder])
    assert {(p.row, p.field) for p in caught.value.problems} == {(1, "entity"), (1, "fiscal_year")}

    write_financials(
        folder,
        [
            {"entity": "a", "fiscal_year": "2025", "revenue_usd": "1B"},
            {"entity": "a", "fiscal_year": "2025", "revenue_usd": "1B"},  # a repeat: fine
            {"entity": "Alpha Corp", "fiscal_year": "FY2025", "revenue_usd": "2B"},  # conflict
        ],
    )
    with pytest.raises(DataError) as caught:
        load_dataset([folder])
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (4, "fiscal_year")
    assert "already given at row 2" in problem.message


def test_a_later_layer_replaces_an_entity_year(folder, tmp_path):
    write_financials(
        folder,
        [
            {"entity": "a", "fiscal_year": "2025", "revenue_usd": "1B"},
            {"entity": "b", "fiscal_year": "2025", "revenue_usd": "5B"},
        ],
    )
    update = tmp_path / "update"
    update.mkdir()
    write_financials(update, [{"entity": "a", "fiscal_year": "FY2025", "revenue_usd": "3B"}])
    figures = load_dataset([folder, update]).financials
    assert dict(zip(figures["entity"], figures["revenue_usd"], strict=True)) == {"a": 3e9, "b": 5e9}


def test_no_financials_file_means_none(folder):
    assert load_dataset([folder]).financials is None


def test_validate_exits_2_with_one_line_per_problem(folder):
    write_financials(folder, [{"entity": "zeta", "fiscal_year": "2025", "cash_usd": "-1"}])
    result = run("validate", folder, ok=False)
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert "financials.csv:2: cash_usd: negative" in lines[0]
    assert lines[1].endswith("financials.csv:2: entity: unknown entity 'zeta'")
    assert "Traceback" not in result.output


def test_latest_figure_per_field_as_known_on_a_date(folder):
    write_financials(
        folder,
        [
            {"entity": "a", "fiscal_year": "2024", "period_end": "2024-06-30",
             "revenue_usd": "10B", "cash_usd": "1B", "source_url": "https://x/24"},
            {"entity": "a", "fiscal_year": "2025", "period_end": "2025-06-30",
             "cash_usd": "2B", "source_url": "https://x/25"},  # revenue not reported yet
            {"entity": "b", "fiscal_year": "2025", "revenue_usd": "7B"},  # ends 2025-12-31
        ],
    )  # fmt: skip
    figures = load_dataset([folder]).financials
    revenue = latest(figures, "revenue_usd")
    assert (revenue["a"].value, revenue["a"].period, revenue["a"].source_url) == (
        10e9,
        "FY2024",
        "https://x/24",
    )
    assert latest(figures, "cash_usd")["a"].value == 2e9
    assert latest(figures, "cash_usd", as_of="2025-06")["a"].value == 2e9  # the month's end
    assert latest(figures, "cash_usd", as_of="2025-06-29")["a"].value == 1e9
    assert "b" not in latest(figures, "revenue_usd", as_of="2025-12-30")
    assert latest(None, "revenue_usd") == {}


def test_a_market_cap_is_known_from_its_own_date(folder):
    # FY2025 ends 2025-06-30, but its market value was taken on 2025-09-15: before that day it
    # is not known, and it is reported as of that day, not as of the fiscal year.
    write_financials(
        folder,
        [
            {"entity": "a", "fiscal_year": "2024", "period_end": "2024-06-30",
             "market_cap_usd": "40B", "market_cap_date": "2024-08-01"},
            {"entity": "a", "fiscal_year": "2025", "period_end": "2025-06-30",
             "market_cap_usd": "50B", "market_cap_date": "2025-09-15"},
            {"entity": "b", "fiscal_year": "2025", "market_cap_usd": "9B"},  # no date: year end
        ],
    )  # fmt: skip
    figures = load_dataset([folder]).financials
    caps = latest(figures, "market_cap_usd")
    assert (caps["a"].value, caps["a"].period) == (50e9, "2025-09-15")
    assert caps["b"].period == "FY2025"
    assert latest(figures, "market_cap_usd", as_of="2025-09-14")["a"].value == 40e9
    assert latest(figures, "market_cap_usd", as_of="2025-09-15")["a"].value == 50e9
