"""The risk commands: vendor financing, exposure, capex funding, stress, circularity, timeline.

Each builds a `DealGraph` like every other command (`--data`, or `--neo4j`), asks it one
question and renders its rows through `emit`. A short note about the numbers' basis (the figures
used, the cascade's DebtRank) goes to stderr, so JSON and CSV on stdout stay clean.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from dealgraph.atomic_files import write_atomically
from dealgraph.cli.options import (
    amounts_option,
    complete_entity,
    data_options,
    filter_options,
    open_graph,
    parse_amount_option,
    parse_date,
    parse_kinds,
    user_errors,
)
from dealgraph.cli.output import output_options, output_suffixes
from dealgraph.queries.risk.stress import DEFAULT_THRESHOLD


def flow_options(command: Callable) -> Callable:
    """The deal filters of `filter_options` without the loop search's."""
    options = [
        click.option("--as-of", callback=parse_date, metavar="DATE", help="Only deals dated on or "
                     "before DATE, each in its version of that date; figures known by then."),
        click.option("--kinds", callback=parse_kinds, metavar="K1,K2",
                     help="Only these deal kinds (comma-separated)."),
        click.option("--include-rumored", is_flag=True, help="Count rumored deals too."),
        amounts_option,
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


@click.command("vendor-financing")
@data_options
@flow_options
@click.option("--min-amount", callback=parse_amount_option, metavar="USD",
              help="Only routes where at least this much can come back, e.g. 1B.")  # fmt: skip
@click.option("--direct-only", is_flag=True, help="Leave out routes through an intermediary.")
@output_options()
@user_errors
def vendor_financing_command(data, min_amount, direct_only, out, **flow) -> None:
    """Sellers funding their own customers: A funds B, and B pays A (or pays C, who pays A)."""
    rows = open_graph(data).vendor_financing_rows(min_amount, direct_only, **flow)
    out.emit(rows, ["returned", "coverage", "funding", "sales", "route"])


@click.command("exposure")
@click.argument("entity", shell_complete=complete_entity)
@data_options
@flow_options
@output_options()
@user_errors
def exposure_command(entity, data, out, **flow) -> None:
    """Everything ENTITY (id, name or alias) committed and received, next to its size."""
    graph = open_graph(data)
    rows = graph.exposure_rows(graph.entity(entity, "ENTITY"), **flow)
    out.notes(rows)
    out.emit(
        rows,
        ["direction", "name", "kind", "amount", "of_revenue", "of_cash", "of_counterparty_revenue"],
    )


@click.command("funding")
@data_options
@flow_options
@click.option("--entity", metavar="ENTITY", shell_complete=complete_entity,
              help="Only this entity (id, name or alias).")  # fmt: skip
@output_options()
@user_errors
def funding_command(data, entity, out, **flow) -> None:
    """Capex against operating cash flow, and the debt and partners' money raised, per year."""
    graph = open_graph(data)
    rows = graph.funding_rows(graph.entity(entity, "--entity") if entity else None, **flow)
    out.notes(rows)
    out.emit(
        rows,
        ["name", "period", "capex", "cash_flow", "capex_to_cash_flow", "debt_raised", "partners",
         "lean"],
    )  # fmt: skip


def _shock(ctx, param, values: tuple[str, ...]) -> list[tuple[str, float]]:
    shocks = []
    for value in values:
        name, _, fraction = value.partition("=")
        try:
            share = float(fraction) if fraction else 1.0
        except ValueError:
            raise click.BadParameter(f"{value!r}: the fraction must be a number") from None
        if not 0 < share <= 1:
            raise click.BadParameter(f"{value!r}: the fraction must be above 0 and at most 1")
        shocks.append((name, share))
    return shocks


@click.command("stress")
@data_options
@flow_options
@click.option(
    "--shock",
    "shocks",
    multiple=True,
    required=True,
    callback=_shock,
    metavar="ENTITY[=FRACTION]",
    help="An entity that stops paying FRACTION of its "
    "outflows (default 1: all). Repeat for several.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, min_open=True),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Loss ratio (loss / revenue, else / inflows) at which an "
    "entity is distressed and passes the shock on.",
)
@output_options()
@user_errors
def stress_command(data, shocks, threshold, out, **flow) -> None:  # fmt: skip
    """What breaks, in what order, if some parties stop paying (DebtRank-style cascade)."""
    graph = open_graph(data)
    given = {graph.entity(text, "--shock"): fraction for text, fraction in shocks}
    rows = graph.stress_rows(given, threshold, **flow)
    out.notes(rows)
    out.emit(rows, ["round", "name", "loss", "size_basis", "loss_ratio", "path"])


@click.command("circularity")
@data_options
@flow_options
@output_options()
@user_errors
def circularity_command(data, out, **flow) -> None:
    """How much of the money comes back to where it started: Finn's cycling index."""
    rows = open_graph(data).circularity_rows(**flow)
    out.notes(rows)
    columns = ["scope", "name", "throughflow", "cycled", "cycling_share"]
    if rows.result.estimated:
        columns += ["estimated", "cycling_share_stderr"]
    out.emit(rows, columns)


@click.command("timeline")
@data_options
@filter_options
@click.option(
    "--start",
    callback=parse_date,
    metavar="DATE",
    help="First quarter (default: the quarter of the first deal).",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=output_suffixes(".png"),
    help="Also draw the timeline as a PNG chart into this file.",
)
@output_options()
@user_errors
def timeline_command(data, start, chart, out, as_of, kinds, include_rumored, amounts, max_length,
                     min_amount, limit, **_) -> None:  # fmt: skip
    """Quarter by quarter: new commitments by kind, money going round, circularity index."""
    rows = open_graph(data).timeline_rows(
        start, max_length, min_amount, limit, as_of=as_of, kinds=kinds,
        include_rumored=include_rumored, amounts=amounts,
    )  # fmt: skip
    if chart is not None:
        from dealgraph.viz.timeline_chart import png  # matplotlib loads only when asked

        write_atomically(chart, png(rows.result))
        out.say(f"Wrote {chart}")
    out.emit(rows, ["quarter", "new", "cycled", "cycling_index", "loops", "largest_loop"])
