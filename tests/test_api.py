"""The Python API gives the rows the CLI prints, resolves entities like it, and its graph
and map work where analysts use them (GraphML/GEXF, Jupyter)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from random_deals import random_folder

import dealgraph
from dealgraph.cli import main
from dealgraph.errors import DealgraphError

ROOT = Path(__file__).resolve().parent.parent


def cli_json(*args: str) -> list[dict]:
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def records(frame) -> list[dict]:
    """A frame's rows with NaN as None, the way JSON carries them."""
    rows = frame.to_dict("records")
    return [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in rows
    ]


def same_rows(frame, rows: list[dict]) -> None:
    assert len(rows) > 0  # an empty pair would prove nothing
    assert json.loads(json.dumps(records(frame))) == rows


@pytest.fixture(scope="module")
def bundled():
    return dealgraph.load()


def test_frames_equal_cli_rows_on_bundled_data(bundled):
    same_rows(bundled.loops(max_length=4, min_amount="1B"),
              cli_json("loops", "--max-length", "4", "--min-amount", "1B"))  # fmt: skip
    same_rows(bundled.alerts(), cli_json("alerts"))
    same_rows(bundled.concentration(by="customers"),
              cli_json("concentration", "--by", "customers"))  # fmt: skip
    same_rows(bundled.as_of("2025-06-30").loops(), cli_json("loops", "--as-of", "2025-06-30"))
    same_rows(bundled.exposure("Oracle"), cli_json("exposure", "oracle"))
    same_rows(bundled.stress({"OpenAI": 1.0}), cli_json("stress", "--shock", "openai"))
    same_rows(bundled.vendor_financing(), cli_json("vendor-financing"))
    same_rows(bundled.funding(), cli_json("funding"))
    same_rows(bundled.circularity(), cli_json("circularity"))
    same_rows(bundled.timeline(), cli_json("timeline"))


@pytest.mark.parametrize("seed", [3, 11])
def test_frames_equal_cli_rows_on_random_data(make_data, seed):
    folder = random_folder(make_data, seed, entities=10, deals=60)
    ds = dealgraph.load(folder)
    data = ["--data", str(folder)]
    same_rows(ds.loops(), cli_json("loops", *data))
    same_rows(ds.alerts(), cli_json("alerts", *data))
    same_rows(ds.concentration(), cli_json("concentration", *data))
    same_rows(ds.funding(), cli_json("funding", *data))
    same_rows(ds.circularity(), cli_json("circularity", *data))
    same_rows(ds.timeline(), cli_json("timeline", *data))
    same_rows(ds.exposure(ds.entities["id"].iloc[0]),
              cli_json("exposure", ds.entities["id"].iloc[0], *data))  # fmt: skip
    # vendor financing needs a seller funding its customer, which a random set may lack
    found = cli_json("vendor-financing", *data)
    assert json.loads(json.dumps(records(ds.vendor_financing()))) == found


def test_neo4j_load_gives_the_frames_of_the_files(neo4j_env, monkeypatch, bundled):
    result = CliRunner().invoke(main, ["load"], env=neo4j_env)
    assert result.exit_code == 0, result.output
    for name, value in neo4j_env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    stored = dealgraph.load(neo4j=True)
    assert len(stored.deals) == len(bundled.deals) > 0
    for question in ("loops", "alerts", "concentration", "circularity", "vendor_financing",
                     "timeline"):  # fmt: skip
        files, server = getattr(bundled, question)(), getattr(stored, question)()
        same_rows(server, json.loads(json.dumps(records(files))))
    oracle = json.loads(json.dumps(records(bundled.exposure("Oracle"))))
    same_rows(stored.exposure("Oracle"), oracle)


def test_entity_arguments_take_id_name_or_alias_in_any_case(bundled):
    by_name = cli_json("concentration", "--entity", "Oracle")
    assert by_name and {r["entity"] for r in by_name} == {"oracle"}
    assert cli_json("concentration", "--entity", "ORACLE CORPORATION") == by_name
    assert records(bundled.concentration(entity="oracle corporation")) == by_name
    assert bundled.entity("OpenAI") == "openai"


def test_an_ambiguous_or_unknown_entity_names_what_it_may_mean(make_data):
    from conftest import deal, entity

    folder = make_data(
        [deal("d1", "a", "b", amount="1B")],
        [entity("a", name="Acme", aliases="AC"), entity("b", name="Beta", aliases="AC")],
    )
    with pytest.raises(DealgraphError, match=r"^entity: 'ac': may be a, b$"):
        dealgraph.load(folder).exposure("ac")
    result = CliRunner().invoke(main, ["map", "--data", str(folder), "--focus", "nobody"])
    assert result.exit_code == 2
    assert result.output == "Error: --focus: 'nobody': no entity has this id, name or alias\n"


def test_map_focus_takes_a_name(tmp_path):
    out = tmp_path / "map.html"
    result = CliRunner().invoke(main, ["map", "--focus", "OpenAI", "--hops", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "around OpenAI" in out.read_text(encoding="utf-8")


def test_networkx_graph_writes_graphml_and_gexf(bundled, tmp_path):
    graph = bundled.to_networkx()
    in_force = bundled.deals  # one edge per deal in force: fewer than all (superseded ones)
    assert 0 < graph.number_of_edges() <= len(in_force)
    assert graph.number_of_nodes() == len(bundled.entities)
    nx.write_graphml(graph, tmp_path / "deals.graphml")
    nx.write_gexf(graph, tmp_path / "deals.gexf")
    back = nx.read_graphml(tmp_path / "deals.graphml", force_multigraph=True)
    assert back.number_of_edges() == graph.number_of_edges()
    assert nx.read_gexf(tmp_path / "deals.gexf").number_of_edges() == graph.number_of_edges()
    assert isinstance(graph.nodes["openai"]["aliases"], str)


def test_to_networkx_is_the_graph_the_export_writes(bundled, tmp_path):
    """One builder: the API's graph and the GraphML export read back agree on every node,
    edge and attribute (loop counts and HHI included), filters too."""
    path = bundled.export(tmp_path / "g.graphml", "graphml", as_of="2025-06-30", max_length=4)
    written = nx.read_graphml(path, force_multigraph=True)
    graph = bundled.to_networkx(as_of="2025-06-30", max_length=4)
    assert dict(graph.nodes(data=True)) == dict(written.nodes(data=True))
    edges = {key: (a, b, data) for a, b, key, data in graph.edges(keys=True, data=True)}
    assert edges == {key: (a, b, data) for a, b, key, data in written.edges(keys=True, data=True)}
    assert len(edges) < len(bundled.to_networkx().edges)  # the date filter reached the graph
    assert any(data.get("loop_count") for *_, data in edges.values())


def test_map_shows_itself_in_an_iframe_and_saves(bundled, tmp_path):
    shown = bundled.map(focus="openai", hops=1)
    cell = shown._repr_html_()
    assert '<iframe srcdoc="' in cell and "&lt;html" in cell.lower()
    assert "http://" not in cell.split("srcdoc")[0]
    assert 'style="width:100%;"' in cell and "padding-bottom:60%;" in cell  # as branca sizes
    assert shown.save(tmp_path / "m.html").read_text(encoding="utf-8") == shown.html


def test_data_set_shows_counts_dates_and_horizon(bundled):
    html = bundled._repr_html_()
    assert f"<td style='text-align:left'>{len(bundled.deals)}</td>" in html
    assert "Horizon" in html and "complete up to" in html


def test_import_is_cheap_and_lists_the_api():
    code = "import sys, dealgraph; print('pandas' in sys.modules); print(dir(dealgraph))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0] == "False"
    assert all(name in lines[1] for name in ("'load'", "'DealGraph'", "'Map'"))


def test_python_m_dealgraph_runs_in_the_clone_root():
    # The root's dealgraph/ shadows the installed package here; its subpackages must resolve.
    out = subprocess.run([sys.executable, "-m", "dealgraph", "--version"], cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("dealgraph, version ")


def test_api_docs_examples_run():
    import doctest

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    path = str(ROOT / "docs" / "api.md")
    failures, tried = doctest.testfile(path, module_relative=False, optionflags=flags)
    assert tried > 5 and failures == 0


def test_notebook_runs_and_shows_the_map_inline():
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "examples" / "circular-financing.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT)}}).execute()  # fmt: skip
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any('<iframe srcdoc="' in h for h in html)  # the map, inline and offline
    assert any("dealgraph data set" in h for h in html)  # the data set's own display


def test_significance_and_amounts_in_the_api(bundled):
    found = bundled.significance(samples=30, seed=2)
    again = bundled.significance(samples=30, seed=2)
    assert found == again and found.samples == 30
    firm = bundled.significance(samples=30, seed=2, amounts="firm")
    assert firm.total.observed < found.total.observed
    assert len(bundled.loops(amounts="firm")) < len(bundled.loops())
    assert len(bundled.where(amounts="firm").loops()) == len(bundled.loops(amounts="firm"))
    with pytest.raises(DealgraphError):
        bundled.loops(amounts="ceiling")
