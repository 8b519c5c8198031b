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

# The names only: the writers (networkx, pyarrow) load when the command runs.
EXPORT_FORMATS = ("graphml", "gexf", "parquet", "neo4j-admin", "ftm")
FOLDER_FORMATS = ("parquet", "neo4j-admin")


@click.command("export")
@data_options
@filter_options
@span_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    required=True,
    help="graphml or gexf (Gephi), parquet (a folder of tables), neo4j-admin (a folder of "
    "CSV files for neo4j-admin database import), ftm (FollowTheMoney JSON lines).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True, path_type=Path),
    required=True,
    help="The file to write, or the folder for parquet and neo4j-admin ('-': stdout, for "
    "one-file formats).",
)
@user_errors
def export(data, fmt, output, **filters) -> None:
    """Write the graph and its findings as GraphML, GEXF, Parquet, neo4j-admin CSV or FtM."""
    folder = fmt in FOLDER_FORMATS
    if folder and str(output) == "-":
        raise UserError(f"Error: --format {fmt} writes a folder: give -o FOLDER, not '-'")
    if not folder and output.is_dir():
        raise UserError(f"Error: -o {output}: is a folder; --format {fmt} writes one file")
    filtered = filters["as_of"] or filters["kinds"] is not None or filters["include_rumored"]
    if fmt == "neo4j-admin" and filtered:
        raise UserError(
            "Error: --format neo4j-admin writes the whole data set, as `dealgraph load` "
            "does: drop --as-of, --kinds and --include-rumored"
        )
    graph = open_graph(data)
    analysis = graph.analysis(**filters)
    warn_if_cut(analysis)
    graph.export(output, fmt, **filters)  # the analysis is kept: no second search
    if str(output) != "-":
        what = f"{len(analysis.dataset.entities)} entities, {len(analysis.deals)} deals in force"
        if fmt == "neo4j-admin":
            what = f"{len(analysis.dataset.entities)} entities, {len(analysis.dataset.deals)} deals"
        click.echo(f"Wrote {fmt} to {output} ({what})", err=True)
