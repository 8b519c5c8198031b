"""`dealgraph export`: the graph and the analysis in formats other tools read (docs/formats.md)."""

from __future__ import annotations

from pathlib import Path

import click

from dealgraph.cli.options import (
    UserError,
    data_options,
    filter_options,
    open_graph,
    span_option,
    user_errors,
    warn_if_cut,
)
from dealgraph.cli.output import Formats, Output, output_options

# The names only: the writers (networkx, pyarrow) load when the command runs. FtM files are
# JSON lines (`money.ftm.json`, `.ftm.jsonl`); a Parquet folder may be named `tables.parquet`.
EXPORTS = Formats(
    ("graphml", "gexf", "parquet", "neo4j-admin", "ftm"),
    {".graphml": "graphml", ".gexf": "gexf", ".parquet": "parquet", ".ftm": "ftm",
     ".json": "ftm", ".jsonl": "ftm"},
    None,
    None,
)  # fmt: skip
FOLDER_FORMATS = ("parquet", "neo4j-admin")


@click.command("export")
@data_options
@filter_options
@span_option
@output_options(
    EXPORTS,
    format_help="graphml or gexf (Gephi), parquet (a folder of tables), neo4j-admin (a folder "
    "of CSV files for neo4j-admin database import), ftm (FollowTheMoney JSON lines); by "
    "default what the -o file's suffix says (.graphml, .gexf, .parquet, .ftm, .json, .jsonl).",
    output_help="The file to write, or the folder for parquet and neo4j-admin (default or "
    "'-': stdout, for one-file formats).",
    output_type=click.Path(allow_dash=True, path_type=Path),
)
@user_errors
def export(data, out: Output, **filters) -> None:
    """Write the graph and its findings as GraphML, GEXF, Parquet, neo4j-admin CSV or FtM."""
    fmt, output = out.format, out.path or Path("-")
    folder = fmt in FOLDER_FORMATS
    if folder and out.path is None:
        raise UserError(f"Error: --format {fmt} writes a folder: give -o FOLDER")
    if not folder and output.is_dir():
        raise UserError(f"Error: -o {output}: is a folder; --format {fmt} writes one file")
    filtered = filters["as_of"] or filters["kinds"] is not None or filters["include_rumored"]
    if fmt == "neo4j-admin" and filtered:
        raise UserError(
            "Error: --format neo4j-admin writes the whole data set, as `dealgraph load` "
            "does: drop --as-of, --kinds and --include-rumored"
        )
    graph = open_graph(data)
    with out.spinner(f"Exporting {fmt}"):
        analysis = graph.analysis(**filters)
        graph.export(output, fmt, **filters)  # the analysis is kept: no second search
    warn_if_cut(analysis)
    if out.path is not None:
        what = f"{len(analysis.dataset.entities)} entities, {len(analysis.deals)} deals in force"
        if fmt == "neo4j-admin":
            what = f"{len(analysis.dataset.entities)} entities, {len(analysis.dataset.deals)} deals"
        out.say(f"Wrote {fmt} to {output} ({what})")
