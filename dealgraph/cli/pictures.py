"""`dealgraph picture`: the deal wheel or one loop as a static picture for print.

Drawn with matplotlib, without a browser (`dealgraph.viz.pictures`); the file's extension
chooses SVG or PNG. Wrong combinations of options are refused before any work.
"""

from __future__ import annotations

from pathlib import Path

import click

from dealgraph.cli.findings import focus_options, run_analysis
from dealgraph.cli.options import (
    UserError,
    data_options,
    filter_options,
    print_out,
    resolve_entity,
    user_errors,
)


@click.command("picture")
@data_options
@filter_options
@focus_options
@click.option("--wheel", is_flag=True, help="The deal wheel: entities on a ring by kind.")
@click.option("--loop", "loop_id", metavar="ID", help="One loop (an id from `dealgraph loops`).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The picture to write: NAME.svg or NAME.png (300 dpi).",
)
@user_errors
def picture_command(output, wheel, loop_id, focus, hops, **options) -> None:
    """Static pictures for print: the deal wheel of the graph (or of --focus ENTITY --hops K),
    or one loop with its amounts, dates and sources."""
    from dealgraph.viz.pictures import FORMATS, loop_picture, wheel_picture, write_picture

    if wheel == (loop_id is not None):
        raise UserError("Error: give one of --wheel or --loop ID")
    if loop_id is not None and focus is not None:
        raise UserError("Error: --focus draws a wheel: use it with --wheel, not --loop")
    if output.suffix.lower() not in FORMATS:
        raise UserError(f"Error: -o {str(output)!r}: the name must end in .svg or .png")
    analysis = run_analysis(**options)
    if wheel:
        if focus is not None:
            focus = resolve_entity(analysis.dataset.entities, focus, "--focus")
        picture = wheel_picture(analysis, focus=focus, hops=hops)
    else:
        picture = loop_picture(analysis, loop_id)
    print_out(f"Wrote {write_picture(picture, output)}")
