"""The input format and its validation: every rule, with the exact message a user sees."""

import csv
import json

import pandas as pd
import pytest
from conftest import deal, entity, write_csv

from dealgraph.errors import DataError
from dealgraph.graph.model import DEAL_COLUMNS, ENTITY_COLUMNS
from dealgraph.loaders import load_dataset
from dealgraph.queries.flows.flow import deal_values, deals_in_force


def problems(folder) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_dataset([folder])
    return [str(p) for p in caught.value.problems]


def only_problem(folder) -> str:
    found = problems(folder)
    assert len(found) == 1, found
    return found[0]


def test_a_valid_folder_loads_typed_records(make_data):
    folder = make_data(
        [
            deal(
                "d1",
                "a",
                "b",
                "equity",
                "$1.5B",
                date="2025-09",
                status="closed",
                term_years="5",
                amount_basis="committed",
                sector="chips",
            )
        ],
        [
            entity(
                "a", "chipmaker", "Alpha Corp", country="US", ticker="ALP", aliases="Alpha; ALP"
            ),
            entity("b", "ai_lab"),
        ],
    )
    data = load_dataset([folder])
    row = data.deals.loc["d1"]
    assert (row.from_entity, row.to_entity, row.kind) == ("a", "b", "equity")
    assert row.amount_usd == 1.5e9 and row.term_years == 5.0
    assert row.date == "2025-09"  # month precision is kept as written
    assert row.sector == "chips"  # extra columns are kept as properties
    assert data.entities.loc["a", "aliases"] == ("Alpha", "ALP")


def test_defaults_for_status_and_amount_basis(load):
    data = load([deal("d1", "a", "b")])
    assert data.deals.loc["d1", "status"] == "announced"
    assert data.deals.loc["d1", "amount_basis"] == "headline"
    assert pd.isna(data.deals.loc["d1", "amount_usd"])  # kept, amount unknown


def test_references_by_name_or_alias_any_case(load):
    ents = [entity("nvidia", name="NVIDIA Corporation", aliases="Nvidia;NVDA"), entity("openai")]
    data = load([deal("d1", "nvda", "OpenAI"), deal("d2", "nvidia corporation", "OPENAI")], ents)
    assert list(data.deals["from_entity"]) == ["nvidia", "nvidia"]
    assert list(data.deals["to_entity"]) == ["openai", "openai"]


def test_json_and_jsonl_load_like_csv(tmp_path, make_data):
    rows = [deal("d1", "a", "b", amount="2e9", description='quote " and, comma')]
    ents = [entity("a", aliases="A1;A2"), entity("b")]
    from_csv = load_dataset([make_data(rows, ents)])
    as_json = tmp_path / "json"
    as_json.mkdir()
    (as_json / "entities.json").write_text(
        json.dumps(
            [
                {**e, "aliases": e.get("aliases", "").split(";") if e.get("aliases") else []}
                for e in ents
            ]
        )
    )
    (as_json / "deals.json").write_text(json.dumps([{**rows[0], "amount_usd": 2e9}]))
    as_jsonl = tmp_path / "jsonl"
    as_jsonl.mkdir()
    (as_jsonl / "entities.jsonl").write_text("\n".join(json.dumps(e) for e in ents) + "\n")
    (as_jsonl / "deals.jsonl").write_text("\n" + json.dumps(rows[0]) + "\n")
    for folder in (as_json, as_jsonl):
        other = load_dataset([folder])
        cols = ["from_entity", "to_entity", "kind", "amount_usd", "description", "source_url"]
        pd.testing.assert_frame_equal(other.deals[cols], from_csv.deals[cols])
        assert other.entities.loc["a", "aliases"] == ("A1", "A2")


def test_explicit_files_and_utf8_bom(tmp_path):
    ents = write_csv(tmp_path / "entities.csv", ENTITY_COLUMNS, [entity("a"), entity("b")])
    deals = tmp_path / "deals.csv"
    write_csv(deals, DEAL_COLUMNS, [deal("d1", "a", "b", amount="5")])
    deals.write_bytes(b"\xef\xbb\xbf" + deals.read_bytes())  # as Excel saves it
    data = load_dataset([ents, deals])
    assert list(data.deals["id"]) == ["d1"]


def test_later_layers_win_on_equal_ids(make_data):
    base = make_data([deal("d1", "a", "b", amount="1"), deal("d2", "b", "a", amount="2")])
    mine = make_data(
        [deal("d1", "a", "b", amount="10"), deal("d3", "a", "c", amount="3")],
        [entity("a"), entity("b"), entity("c", "neocloud")],
    )
    data = load_dataset([base, mine])
    assert data.deals["amount_usd"].to_dict() == {"d1": 10.0, "d2": 2.0, "d3": 3.0}


def test_layers_with_different_columns_stack(make_data, tmp_path):
    base = make_data([deal("d1", "a", "b", amount="1", amount_low_usd="1", amount_high_usd="2")])
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "deals.csv").write_text(
        "id,date,from_entity,to_entity,kind,amount_usd\nd2,2025-03-01,A,B,equity,$5B\n"
    )
    data = load_dataset([base, mine])
    assert data.deals.loc["d2", "amount_usd"] == 5e9
    assert data.deals.loc["d2", "status"] == "announced"
    assert data.deals["amount_low_usd"].isna().tolist() == [False, True]


# --- every validation rule: FILE:ROW: field: message ------------------------------------


def test_missing_file_or_folder(tmp_path):
    assert only_problem(tmp_path / "nope") == f"{tmp_path / 'nope'}: no such file or folder"


def test_missing_required_column(tmp_path):
    (tmp_path / "entities.csv").write_text("id,name\na,A\n")
    write_csv(tmp_path / "deals.csv", DEAL_COLUMNS, [])
    assert only_problem(tmp_path) == f"{tmp_path / 'entities.csv'}:1: kind: missing required column"


def test_empty_required_fields_all_reported(make_data):
    folder = make_data(
        [deal("d1", "a", "b", kind=""), deal("", "a", "b"), deal("d3", "a", "b", date="")],
        [entity("a"), entity("b", name=" ")],
    )
    found = problems(folder)
    file = folder / "deals.csv"
    assert f"{file}:2: kind: required value is empty" in found
    assert f"{file}:3: id: required value is empty" in found
    assert f"{file}:4: date: required value is empty" in found
    assert f"{folder / 'entities.csv'}:3: name: required value is empty" in found


def test_unknown_kind_and_status(make_data):
    folder = make_data([deal("d1", "a", "b", kind="gift", status="maybe")])
    found = problems(folder)
    assert any(p.startswith(f"{folder / 'deals.csv'}:2: kind: unknown value 'gift'") for p in found)
    assert any(
        p.startswith(f"{folder / 'deals.csv'}:2: status: unknown value 'maybe'") for p in found
    )


def test_unknown_entity_kind_and_bad_id(make_data):
    folder = make_data([deal("d1", "a", "b")], [entity("a", "bank"), entity("b"), entity("Bad Id")])
    found = problems(folder)
    assert any(
        p.startswith(f"{folder / 'entities.csv'}:2: kind: unknown value 'bank'") for p in found
    )
    assert any(
        p.startswith(f"{folder / 'entities.csv'}:4: id: not a valid id: 'Bad Id'") for p in found
    )


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("amount_usd", "lots", "not an amount: 'lots'"),
        ("amount_usd", "-3", "negative"),
        ("amount_low_usd", "abc", "not an amount: 'abc'"),
        ("term_years", "x", "not an amount: 'x'"),
    ],
)
def test_bad_amounts(make_data, field, text, message):
    folder = make_data([deal("d1", "a", "b", **{field: text})])
    problem = only_problem(folder)
    assert problem.startswith(f"{folder / 'deals.csv'}:2: {field}: ") and message in problem


def test_low_above_high(make_data):
    folder = make_data([deal("d1", "a", "b", amount_low_usd="5B", amount_high_usd="2B")])
    assert only_problem(folder).endswith("amount_low_usd: low amount is above the high amount")


@pytest.mark.parametrize("text", ["2025-13-01", "2025-02-30", "25-01-01", "2025/01/01", "soon"])
def test_bad_dates(make_data, text):
    folder = make_data([deal("d1", "a", "b", date=text)])
    assert (
        only_problem(folder)
        == f"{folder / 'deals.csv'}:2: date: not a date: {text!r} (use YYYY-MM-DD)"
    )


def test_duplicate_ids(make_data):
    same = deal("d1", "a", "b", amount="1")
    assert len(load_dataset([make_data([same, dict(same)])]).deals) == 1  # exact repeat: fine
    folder = make_data([same, deal("d1", "a", "b", amount="2")])
    assert only_problem(folder) == (
        f"{folder / 'deals.csv'}:3: id: duplicate id 'd1' (first at row 2) with different content"
    )


def test_unknown_and_ambiguous_references(make_data):
    ents = [entity("a", name="Acme", aliases="AC"), entity("b", name="Beta", aliases="AC")]
    folder = make_data([deal("d1", "zeta", "a"), deal("d2", "a", "ac")], ents)
    found = problems(folder)
    assert found == [
        f"{folder / 'deals.csv'}:2: from_entity: unknown entity 'zeta'",
        f"{folder / 'deals.csv'}:3: to_entity: ambiguous entity 'ac': may be a, b",
    ]


def test_a_deal_to_itself(make_data):
    ents = [entity("a", name="Acme"), entity("b")]
    folder = make_data([deal("d1", "a", "ACME")], ents)
    assert (
        only_problem(folder)
        == f"{folder / 'deals.csv'}:2: to_entity: a deal cannot go from 'a' to itself"
    )


def test_unknown_supersedes(make_data):
    folder = make_data([deal("d1", "a", "b", supersedes="d0")])
    assert only_problem(folder) == f"{folder / 'deals.csv'}:2: supersedes: unknown deal 'd0'"


def test_not_utf8(make_data):
    folder = make_data([deal("d1", "a", "b", description="café")])
    path = folder / "deals.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    assert only_problem(folder) == f"{path}: not UTF-8 text (bad byte at line 2); save it as UTF-8"


def test_unreadable_header(make_data):
    folder = make_data([deal("d1", "a", "b")])
    path = folder / "deals.csv"
    path.write_text('"' + "x" * (csv.field_size_limit() + 1) + '",id\n', encoding="utf-8")
    assert only_problem(folder).startswith(f"{path}:1: not valid CSV: field larger than")


def test_ragged_csv_rows(make_data):
    folder = make_data([deal("d1", "a", "b")])
    path = folder / "deals.csv"
    cells = len(DEAL_COLUMNS) + 2
    extra = ",".join(str(n) for n in range(cells - 5))
    path.write_text(path.read_text() + f"d2,2025-01-01,a,b,purchase,{extra}\n")
    header = len(DEAL_COLUMNS)
    assert only_problem(folder) == f"{path}:3: has {cells} cells, the header has {header}"


def test_every_problem_of_a_file_is_reported(make_data):
    folder = make_data([deal(f"d{i}", "a", "b", kind="nope") for i in range(5)])
    assert len(problems(folder)) == 5


def test_bad_json(tmp_path):
    (tmp_path / "entities.json").write_text('{"id": "a"}')
    (tmp_path / "deals.jsonl").write_text('{"id": "d1"}\nnot json\n')
    found = problems(tmp_path)
    assert f"{tmp_path / 'entities.json'}: expected a JSON list of objects" in found
    assert any(p.startswith(f"{tmp_path / 'deals.jsonl'}:2: not valid JSON") for p in found)


def test_what_a_deal_is_paid_with_is_checked(make_data):
    folder = make_data(
        [
            deal("d1", "a", "b", "equity", "10", consideration="shares"),
            deal("d2", "a", "b", "equity", "10", consideration="cash", cash_part_usd="5"),
            deal("d3", "a", "b", "equity", "10", consideration="mixed", cash_part_usd="11"),
            deal("d4", "a", "b", "equity", "10", source_kind="blog"),
        ]
    )
    path = folder / "deals.csv"
    assert problems(folder) == [
        f"{path}:2: consideration: unknown value 'shares' (expected one of: "
        "cash, stock, mixed, in_kind)",
        f"{path}:3: cash_part_usd: a cash part is given only for a mixed consideration",
        f"{path}:4: cash_part_usd: cash part is above the whole amount",
        f"{path}:5: source_kind: unknown value 'blog' (expected one of: "
        "filing, company, regulator, news, repost)",
    ]


def test_only_the_cash_part_of_a_deal_moves_money(load):
    # A share swap moves nothing; a mixed deal counts its cash part, or nothing known without it.
    data = load(
        [
            deal("swap", "a", "b", "acquisition", "250", consideration="stock"),
            deal("credits", "a", "b", "equity", "7", consideration="in_kind"),
            deal("mixed", "b", "a", "acquisition", "10", consideration="mixed", cash_part_usd="4"),
            deal("silent", "b", "a", "equity", "10", consideration="mixed"),
            deal("cash", "a", "b", "purchase", "3"),
        ]
    )
    in_force = deals_in_force(data.deals)
    assert sorted(in_force.index) == ["cash", "mixed", "silent"]
    assert deal_values(in_force).fillna(-1).to_dict() == {"mixed": 4.0, "silent": -1.0, "cash": 3.0}
    assert data.deals.at["swap", "amount_usd"] == 250  # the stated amount stays visible
