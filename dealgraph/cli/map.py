"""The map: one interactive HTML page of the deals and loops, which works offline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from dealgraph.cli.options import (
    complete_entity,
    data_options,
    filter_options,
    open_graph,
    user_errors,
    warn_if_cut,
)
from dealgraph.cli.output import Formats, Output, output_options

HTML = Formats(("html",), {".html": "html", ".htm": "html"}, "html", "html")


def focus_options(command: Callable) -> Callable:
    command = click.option(
        "--hops",
        type=click.IntRange(0),
        default=1,
        show_default=True,
        help="With --focus: how many steps around the entity.",
    )(command)
    return click.option(
        "--focus",
        metavar="ENTITY",
        shell_complete=complete_entity,
        help="Draw only this entity's neighbourhood (id, name or alias).",
    )(command)


@click.command("map")
@data_options
@filter_options
@focus_options
@output_options(
    HTML,
    default_output=Path("map.html"),
    output_help="The HTML file to write ('-': stdout).",
    format_help="html, the only one: the page is one file that works offline.",
)
@click.option(
    "--layout",
    type=click.Choice(["spring", "wheel"]),
    default="spring",
    show_default=True,
    help="How the page opens: force-directed, or on a ring by kind (it can switch).",
)
@user_errors
def map_command(data, out: Output, focus, hops, layout, **filters) -> None:
    """An interactive HTML map of the deals and loops, one file that works offline."""
    graph = open_graph(data)
    wanted = graph.entity(focus, "--focus") if focus is not None else None
    warn_if_cut(graph.analysis(**filters))  # kept: the map below searches no further
    out.write(graph.map(wanted, hops, layout, **filters).html)
    if out.path is not None:  # `-o -`: the page went to standard output
        out.say(f"Wrote {out.path}")
