"""`dealgraph picture`: the deal wheel or one loop as a static picture for print.

Drawn with matplotlib, without a browser (`dealgraph.viz.pictures`); the file's extension
chooses SVG or PNG, and must: `--format`, if given, has to agree with it (a picture named
.svg holding PNG would open nowhere). Wrong combinations of options are refused before any
work.
"""

from __future__ import annotations

from pathlib import Path

import click

from dealgraph.cli.map import focus_options
from dealgraph.cli.options import (
    UserError,
    data_options,
    filter_options,
    open_graph,
    user_errors,
    warn_if_cut,
)
from dealgraph.cli.output import Formats, Output, output_options

PICTURES = Formats(("svg", "png"), {".svg": "svg", ".png": "png"}, None, None, strict=True)


@click.command("picture")
@data_options
@filter_options
@focus_options
@click.option("--wheel", is_flag=True, help="The deal wheel: entities on a ring by kind.")
@click.option("--loop", "loop_id", metavar="ID", help="One loop (an id from `dealgraph loops`).")
@output_options(
    PICTURES,
    output_type=click.Path(dir_okay=False, path_type=Path),
    output_help="The picture to write: NAME.svg or NAME.png (300 dpi). Required.",
    format_help="svg or png; the -o file's suffix says which, and --format must agree.",
)
@user_errors
def picture_command(data, out: Output, wheel, loop_id, focus, hops, **filters) -> None:
    """Static pictures for print: the deal wheel of the graph (or of --focus ENTITY --hops K),
    or one loop with its amounts, dates and sources."""
    from dealgraph.viz.pictures import write_picture

    output = out.path
    if output is None:
        raise UserError("Error: give -o NAME.svg or -o NAME.png")
    if wheel == (loop_id is not None):
        raise UserError("Error: give one of --wheel or --loop ID")
    if loop_id is not None and focus is not None:
        raise UserError("Error: --focus draws a wheel: use it with --wheel, not --loop")
    if output.suffix.lower() != f".{out.format}":
        raise UserError(f"Error: -o {str(output)!r}: the name must end in .{out.format}")
    graph = open_graph(data)
    wanted = graph.entity(focus, "--focus") if focus is not None else None
    warn_if_cut(graph.analysis(**filters))  # kept: the picture below searches no further
    picture = graph.picture(loop_id, focus=wanted, hops=hops, **filters)
    out.say(f"Wrote {write_picture(picture, output)}")
