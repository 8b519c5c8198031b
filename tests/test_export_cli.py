"""`dealgraph export` and `DealGraph.export`: every format through the CLI, its filters, and
the refusals (one line, exit status 2, nothing written)."""

from __future__ import annotations

import json
import subprocess
import sys

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

import dealgraph
from dealgraph.cli import main
from dealgraph.exports import FORMATS
from dealgraph.loaders import load_dataset
from dealgraph.queries.findings.analysis import Options, analyze
from dealgraph.queries.flows.flow import FlowFilter


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_through_the_cli(tmp_path, name):
    target = tmp_path / f"out-{name}"
    result = CliRunner().invoke(main, ["export", "--format", name, "-o", str(target)])
    assert result.exit_code == 0, result.output
    files = FORMATS[name].files
    paths = [target / f for f in files] if files else [target]
    assert all(p.stat().st_size > 0 for p in paths)


def test_the_filters_shape_the_export(tmp_path):
    args = ["export", "--format", "graphml", "--as-of", "2024-06", "--kinds", "equity,debt"]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "g.graphml")])
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(tmp_path / "g.graphml")
    flow = FlowFilter(as_of="2024-06", kinds=frozenset({"equity", "debt"}))
    expected = analyze(load_dataset(), Options(flow=flow)).deals
    assert graph.number_of_edges() == len(expected) > 0
    assert {d["kind"] for _, _, d in graph.edges(data=True)} <= {"equity", "debt"}


def test_a_stacked_data_layer_is_exported(tmp_path, make_data):
    from conftest import deal, entity

    folder = make_data([deal("extra-1", "zz-a", "zz-b", amount="1B")],
                       [entity("zz-a"), entity("zz-b")])  # fmt: skip
    args = ["export", "--format", "parquet", "--data", "bundled", "--data", str(folder)]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    deals = pd.read_parquet(tmp_path / "t" / "deals.parquet")
    assert "extra-1" in set(deals["id"]) and len(deals) == len(load_dataset().deals) + 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "parquet", "-o", "-"], "writes a folder"),
        (["--format", "neo4j-admin", "--as-of", "2025-01"], "writes the whole data set"),
        (["--format", "xml"], "Invalid value for '--format'"),
        (["--format", "ftm", "--as-of", "2025-13"], "--as-of"),
    ],
)
def test_refusals_are_one_line_and_exit_2(tmp_path, args, expected):
    out = tmp_path / "never"
    if "-o" not in args:
        args = [*args, "-o", str(out)]
    result = CliRunner().invoke(main, ["export", *args])
    assert result.exit_code == 2, result.output
    assert expected in result.output and not out.exists()


def test_ftm_to_stdout_in_a_real_process():
    done = subprocess.run(
        [sys.executable, "-m", "dealgraph", "export", "--format", "ftm", "-o", "-",
         "--kinds", "debt"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    schemata = {json.loads(line)["schema"] for line in done.stdout.splitlines()}
    assert "Debt" in schemata and not schemata & {"Payment", "Ownership"}


def test_the_api_writes_the_same_file_as_the_cli(tmp_path):
    dealgraph.load().export(tmp_path / "api.gexf", "gexf", as_of="2025-03")
    CliRunner().invoke(main, ["export", "--format", "gexf", "--as-of", "2025-03",
                              "-o", str(tmp_path / "cli.gexf")])  # fmt: skip
    assert (tmp_path / "api.gexf").read_bytes() == (tmp_path / "cli.gexf").read_bytes()
    with pytest.raises(dealgraph.errors.DealgraphError, match="format"):
        dealgraph.load().export(tmp_path / "x", "xml")
