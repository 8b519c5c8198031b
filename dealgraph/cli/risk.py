"""The risk commands: vendor financing, exposure, capex funding, stress, circularity, timeline.

Each loads the data set like every other command (`--data`, or `--neo4j`), makes one library
call and renders rows through `emit`. A short note about the numbers' basis (the figures
used, the cascade's DebtRank) goes to stderr, so JSON and CSV on stdout stay clean.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from dealgraph.atomic_files import write_atomically
from dealgraph.cli.options import (
    complete_entity,
    data_options,
    emit,
    filter_options,
    format_option,
    open_dataset,
    output_suffixes,
    parse_amount_option,
    parse_date,
    parse_kinds,
    resolve_entity,
    user_errors,
)
from dealgraph.graph.model import DataSet
from dealgraph.queries.dependence.exposure import SIZE_FIELDS, Exposure, exposure
from dealgraph.queries.dependence.figures import latest
from dealgraph.queries.dependence.funding import capex_funding
from dealgraph.queries.findings.alerts import format_usd
from dealgraph.queries.flows.flow import FlowFilter, deals_in_force, hops
from dealgraph.queries.risk.stress import DEFAULT_THRESHOLD, stress
from dealgraph.queries.risk.vendor_financing import vendor_financing
from dealgraph.result_rows import (
    circularity_rows,
    entity_names,
    exposure_rows,
    funding_rows,
    stress_rows,
    timeline_rows,
    vendor_financing_rows,
)


def flow_options(command: Callable) -> Callable:
    """The deal filters of `filter_options` without the loop search's."""
    options = [
        click.option("--as-of", callback=parse_date, metavar="DATE", help="Only deals dated on or "
                     "before DATE, each in its version of that date; figures known by then."),
        click.option("--kinds", callback=parse_kinds, metavar="K1,K2",
                     help="Only these deal kinds (comma-separated)."),
        click.option("--include-rumored", is_flag=True, help="Count rumored deals too."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _load(data, as_of, kinds, include_rumored) -> tuple[DataSet, FlowFilter]:
    return open_dataset(data), FlowFilter(as_of, kinds, include_rumored)


def _names(dataset: DataSet) -> dict[str, str]:
    return entity_names(dataset)


@click.command("vendor-financing")
@data_options
@flow_options
@click.option("--min-amount", callback=parse_amount_option, metavar="USD",
              help="Only routes where at least this much can come back, e.g. 1B.")  # fmt: skip
@click.option("--direct-only", is_flag=True, help="Leave out routes through an intermediary.")
@format_option
@user_errors
def vendor_financing_command(data, min_amount, direct_only, fmt, **flow) -> None:
    """Sellers funding their own customers: A funds B, and B pays A (or pays C, who pays A)."""
    dataset, flow_filter = _load(data, **flow)
    names = _names(dataset)
    found = vendor_financing(deals_in_force(dataset.deals, flow_filter), via=not direct_only)
    rows = vendor_financing_rows(found, names, min_amount)
    emit(rows, fmt, ["returned", "coverage", "funding", "sales", "route"])


@click.command("exposure")
@click.argument("entity", shell_complete=complete_entity)
@data_options
@flow_options
@format_option
@user_errors
def exposure_command(entity, data, fmt, **flow) -> None:
    """Everything ENTITY (id, name or alias) committed and received, next to its size."""
    dataset, flow_filter = _load(data, **flow)
    entity = resolve_entity(dataset.entities, entity, "ENTITY")
    names = _names(dataset)
    found = exposure(
        deals_in_force(dataset.deals, flow_filter), entity, dataset.financials, flow_filter.as_of
    )
    rows = exposure_rows(found, names)
    click.echo(_size_note(names.get(entity, entity), found), err=True)
    emit(
        rows,
        fmt,
        ["direction", "name", "kind", "amount", "of_revenue", "of_cash", "of_counterparty_revenue"],
    )


def _size_note(name: str, found: Exposure) -> str:
    known = [
        f"{field.removesuffix('_usd').replace('_', ' ')} {format_usd(f.value)} ({f.period}, "
        f"{f.source_url})"
        for field in SIZE_FIELDS
        if (f := found.size.get(field))
    ]
    return f"{name}: " + ("; ".join(known) if known else "no company figures in the data set")


@click.command("funding")
@data_options
@flow_options
@click.option("--entity", metavar="ENTITY", shell_complete=complete_entity,
              help="Only this entity (id, name or alias).")  # fmt: skip
@format_option
@user_errors
def funding_command(data, entity, fmt, **flow) -> None:
    """Capex against operating cash flow, and the debt and partners' money raised, per year."""
    dataset, flow_filter = _load(data, **flow)
    names = _names(dataset)
    wanted = resolve_entity(dataset.entities, entity, "--entity") if entity else None
    if dataset.financials is None:
        click.echo("No financials file in this data set: nothing to compare.", err=True)
    deals = deals_in_force(dataset.deals, flow_filter)
    years = capex_funding(deals, dataset.financials, flow_filter.as_of)
    rows = funding_rows(years, names, wanted)
    emit(
        rows,
        fmt,
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
@format_option
@user_errors
def stress_command(data, shocks, threshold, fmt, **flow) -> None:  # fmt: skip
    """What breaks, in what order, if some parties stop paying (DebtRank-style cascade)."""
    dataset, flow_filter = _load(data, **flow)
    names = _names(dataset)
    given: dict[str, float] = {}
    for text, fraction in shocks:
        given[resolve_entity(dataset.entities, text, "--shock")] = fraction
    revenue = latest(dataset.financials, "revenue_usd", flow_filter.as_of)
    result = stress(hops(deals_in_force(dataset.deals, flow_filter)), given, revenue, threshold)
    rows = stress_rows(result, names)
    click.echo(
        f"{len(result.hits) - len(given)} entities hit, {len(result.distressed)} distressed in "
        f"{result.rounds} rounds; {format_usd(result.loss_usd)} lost by the others; "
        f"DebtRank {result.debtrank:.3f} (threshold {threshold:g})",
        err=True,
    )
    emit(rows, fmt, ["round", "name", "loss", "size_basis", "loss_ratio", "path"])


@click.command("circularity")
@data_options
@flow_options
@format_option
@user_errors
def circularity_command(data, fmt, **flow) -> None:
    """How much of the money comes back to where it started: Finn's cycling index."""
    from dealgraph.queries.flows.circularity import circularity  # scipy: load it only when used

    dataset, flow_filter = _load(data, **flow)
    names = _names(dataset)
    found = circularity(hops(deals_in_force(dataset.deals, flow_filter)))
    rows = circularity_rows(found, names)
    columns = ["scope", "name", "throughflow", "cycled", "cycling_share"]
    if found.estimated:
        guessed = sum(e.estimated for e in found.entities)
        click.echo(
            f"Estimated: {guessed:,} of {len(found.entities):,} entities sit in components too "
            "large to invert exactly; their shares (and the index) are modelled, "
            "cycling_share_stderr gives each one's standard error (see docs/risk.md).",
            err=True,
        )
        columns += ["estimated", "cycling_share_stderr"]
    emit(rows, fmt, columns)


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
@format_option
@user_errors
def timeline_command(data, start, chart, fmt, as_of, kinds, include_rumored, max_length,
                     min_amount, limit, **_) -> None:  # fmt: skip
    """Quarter by quarter: new commitments by kind, money going round, circularity index."""
    from dealgraph.queries.flows.timeline import timeline  # scipy: load it only when used

    dataset = open_dataset(data)
    flow_filter = FlowFilter(as_of, kinds, include_rumored)
    quarters = timeline(dataset.deals, flow_filter, start, max_length, min_amount, limit)
    rows = timeline_rows(quarters)
    if chart is not None:
        from dealgraph.viz.timeline_chart import png  # matplotlib loads only when asked

        write_atomically(chart, png(quarters))
        click.echo(f"Wrote {chart}", err=True)
    emit(rows, fmt, ["quarter", "new", "cycled", "cycling_index", "loops", "largest_loop"])
