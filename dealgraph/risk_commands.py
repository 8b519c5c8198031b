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
from dealgraph.cli_options import (
    UserError,
    amounts_option,
    data_options,
    emit,
    filter_options,
    format_option,
    open_dataset,
    parse_amount_option,
    parse_date,
    parse_kinds,
    user_errors,
)
from dealgraph.graph.model import DataSet
from dealgraph.queries.alerts import format_usd, stable_id
from dealgraph.queries.exposure import SIZE_FIELDS, Exposure, exposure
from dealgraph.queries.figures import latest
from dealgraph.queries.flow import FlowFilter, deals_in_force, hops
from dealgraph.queries.funding import capex_funding
from dealgraph.queries.stress import DEFAULT_THRESHOLD, stress
from dealgraph.queries.vendor_financing import vendor_financing


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


def _load(data, as_of, kinds, include_rumored, amounts) -> tuple[DataSet, FlowFilter]:
    return open_dataset(data), FlowFilter(as_of, kinds, include_rumored, amounts)


def _names(dataset: DataSet) -> dict[str, str]:
    return dict(zip(dataset.entities["id"], dataset.entities["name"], strict=True))


def resolve_entity(dataset: DataSet, text: str, option: str) -> str:
    """An entity id from its id, name or alias (any case), as the loaders resolve deals."""
    key = text.strip().lower()
    entities = dataset.entities
    ids = [i for i in entities["id"] if i.lower() == key]
    if not ids:
        ids = sorted(
            i
            for i, name, aliases in zip(
                entities["id"], entities["name"], entities["aliases"], strict=True
            )
            if key in {name.lower(), *(a.lower() for a in aliases)}
        )
    if len(ids) != 1:
        which = f"may be {', '.join(ids)}" if ids else "no entity has this id, name or alias"
        raise UserError(f"Error: {option}: {text!r}: {which}")
    return ids[0]


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


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
    rows = []
    for v in vendor_financing(deals_in_force(dataset.deals, flow_filter), via=not direct_only):
        if min_amount and (v.returned_usd or 0.0) < min_amount:
            continue
        route = (*v.entities, v.funder)
        rows.append(
            {
                "id": stable_id("vendor", *v.entities),
                "funder": v.funder,
                "recipient": v.recipient,
                "via": v.via,
                "route": " > ".join(names.get(e, e) for e in route),
                "funding_usd": v.funding.amount_usd,
                "funding": format_usd(v.funding.amount_usd),
                "payments_usd": [p.amount_usd for p in v.payments],
                "sales_usd": v.sales_usd,
                "sales": format_usd(v.sales_usd),
                "returned_usd": v.returned_usd,
                "returned": format_usd(v.returned_usd),
                "coverage": _ratio(v.coverage),
                "funding_deal_ids": list(v.funding.deal_ids),
                "payment_deal_ids": [d for p in v.payments for d in p.deal_ids],
                "deal_ids": list(v.deal_ids),
            }
        )
    emit(rows, fmt, ["returned", "coverage", "funding", "sales", "route"])


@click.command("exposure")
@click.argument("entity")
@data_options
@flow_options
@format_option
@user_errors
def exposure_command(entity, data, fmt, **flow) -> None:
    """Everything ENTITY (id, name or alias) committed and received, next to its size."""
    dataset, flow_filter = _load(data, **flow)
    entity = resolve_entity(dataset, entity, "ENTITY")
    names = _names(dataset)
    found = exposure(
        deals_in_force(dataset.deals, flow_filter), entity, dataset.financials, flow_filter.as_of
    )
    rows = []
    for direction in ("out", "in"):
        lines = [line for line in found.lines if line.direction == direction]
        total = found.total(direction)
        rows.append(_exposure_total(found, direction, total, lines))
        rows += [
            {
                "direction": direction,
                "counterparty": line.counterparty,
                "name": names.get(line.counterparty, line.counterparty),
                "kind": line.kind,
                "amount_usd": line.amount_usd,
                "amount": format_usd(line.amount_usd),
                "of_revenue": _ratio(line.of_revenue),
                "of_cash": _ratio(line.of_cash),
                "of_counterparty_revenue": _ratio(line.of_counterparty_revenue),
                "deal_ids": list(line.deal_ids),
                "unknown_deal_ids": list(line.unknown_deal_ids),
            }
            for line in lines
        ]
    click.echo(_size_note(names.get(entity, entity), found), err=True)
    emit(
        rows,
        fmt,
        ["direction", "name", "kind", "amount", "of_revenue", "of_cash", "of_counterparty_revenue"],
    )


def _exposure_total(found: Exposure, direction: str, total: float, lines: list) -> dict:
    """The `*` row: a direction's sum over every counterparty and kind."""
    return {
        "direction": direction,
        "counterparty": "*",
        "name": "(all)",
        "kind": "*",
        "amount_usd": total,
        "amount": format_usd(total),
        "of_revenue": _ratio(found.ratio(total, "revenue_usd")),
        "of_cash": _ratio(found.ratio(total, "cash_usd")),
        "of_counterparty_revenue": None,
        "deal_ids": sorted(d for line in lines for d in line.deal_ids),
        "unknown_deal_ids": sorted(d for line in lines for d in line.unknown_deal_ids),
    }


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
@click.option("--entity", metavar="ID", help="Only this entity (id, name or alias).")
@format_option
@user_errors
def funding_command(data, entity, fmt, **flow) -> None:
    """Capex against operating cash flow, and the debt and partners' money raised, per year."""
    dataset, flow_filter = _load(data, **flow)
    names = _names(dataset)
    wanted = resolve_entity(dataset, entity, "--entity") if entity else None
    if dataset.financials is None:
        click.echo("No financials file in this data set: nothing to compare.", err=True)
    deals = deals_in_force(dataset.deals, flow_filter)
    years = capex_funding(deals, dataset.financials, flow_filter.as_of)
    rows = [
        {
            "entity": y.entity,
            "name": names.get(y.entity, y.entity),
            "period": y.period,
            "end": y.end,
            "capex_usd": y.capex_usd,
            "capex": format_usd(y.capex_usd),
            "operating_cash_flow_usd": y.operating_cash_flow_usd,
            "cash_flow": _signed_usd(y.operating_cash_flow_usd),
            "capex_to_cash_flow": _ratio(y.capex_to_cash_flow),
            "gap_usd": y.gap_usd,
            "debt_raised_usd": y.debt_raised_usd,
            "debt_raised": format_usd(y.debt_raised_usd),
            "debt_change_usd": y.debt_change_usd,
            "partner_funding_usd": y.partner_funding_usd,
            "partners": format_usd(y.partner_funding_usd),
            "lean": y.lean,
            "debt_deal_ids": list(y.debt_deal_ids),
            "partner_deal_ids": list(y.partner_deal_ids),
            "source_url": y.source_url,
        }
        for y in years
        if wanted is None or y.entity == wanted
    ]
    emit(
        rows,
        fmt,
        ["name", "period", "capex", "cash_flow", "capex_to_cash_flow", "debt_raised", "partners",
         "lean"],
    )  # fmt: skip


def _signed_usd(amount: float | None) -> str:
    if amount is not None and amount < 0:
        return "-" + format_usd(-amount)
    return format_usd(amount)


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
        given[resolve_entity(dataset, text, "--shock")] = fraction
    revenue = latest(dataset.financials, "revenue_usd", flow_filter.as_of)
    result = stress(hops(deals_in_force(dataset.deals, flow_filter)), given, revenue, threshold)
    rows = [
        {
            "entity": h.entity,
            "name": names.get(h.entity, h.entity),
            "shocked": h.shocked_fraction,
            "round": h.distressed_round,
            "direct_loss_usd": h.direct_loss_usd,
            "indirect_loss_usd": h.indirect_loss_usd,
            "loss_usd": h.loss_usd,
            "loss": format_usd(h.loss_usd),
            "size_usd": h.size_usd,
            "size_basis": h.size_basis,
            "loss_ratio": _ratio(h.loss_ratio),
            "cut_fraction": _ratio(h.cut_fraction),
            "path": " > ".join(names.get(e, e) for e in h.path),
            "path_ids": list(h.path),
            "deal_ids": list(h.deal_ids),
        }
        for h in result.hits
    ]
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
    from dealgraph.queries.circularity import circularity  # scipy: load it only when used

    dataset, flow_filter = _load(data, **flow)
    names = _names(dataset)
    found = circularity(hops(deals_in_force(dataset.deals, flow_filter)))
    rows = [
        {
            "scope": "market",
            "entity": None,
            "name": "(market)",
            "throughflow_usd": found.throughflow_usd,
            "throughflow": format_usd(found.throughflow_usd),
            "cycled_usd": found.cycled_usd,
            "cycled": format_usd(found.cycled_usd),
            "cycling_share": round(found.index, 6),
            "component": None,
            "component_size": None,
            "deal_ids": list(found.deal_ids),
            "estimated": found.estimated,
            "cycling_share_stderr": _stderr(found.index_stderr),
        }
    ]
    rows += [
        {
            "scope": "entity",
            "entity": e.entity,
            "name": names.get(e.entity, e.entity),
            "throughflow_usd": e.throughflow_usd,
            "throughflow": format_usd(e.throughflow_usd),
            "cycled_usd": e.cycled_usd,
            "cycled": format_usd(e.cycled_usd),
            "cycling_share": round(e.cycling_share, 6),
            "component": e.component[0],  # named by its first member; group rows on it
            "component_size": len(e.component),
            "deal_ids": list(e.deal_ids),
            "estimated": e.estimated,
            "cycling_share_stderr": _stderr(e.stderr),
        }
        for e in found.entities
    ]
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


def _stderr(value: float) -> float:
    """Two significant figures: an error bar, not a figure to add up."""
    return float(f"{value:.2g}")


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
    help="Also draw the timeline as a PNG chart into this file.",
)
@format_option
@user_errors
def timeline_command(data, start, chart, fmt, as_of, kinds, include_rumored, amounts,
                     max_length, min_amount, limit, **_) -> None:  # fmt: skip
    """Quarter by quarter: new commitments by kind, money going round, circularity index."""
    from dealgraph.queries.timeline import timeline  # scipy: load it only when used

    dataset = open_dataset(data)
    flow_filter = FlowFilter(as_of, kinds, include_rumored, amounts)
    quarters = timeline(dataset.deals, flow_filter, start, max_length, min_amount, limit)
    kinds_seen = sorted({k for q in quarters for k in q.new_usd})
    rows = [
        {
            "quarter": q.label,
            "start": q.start,
            "end": q.end,
            "new_usd": q.new_total_usd,
            "new": _signed_usd(q.new_total_usd),
            **{f"new_{kind}_usd": q.new_usd.get(kind, 0.0) for kind in kinds_seen},
            "cycled_usd": q.cycled_usd,
            "cycled": format_usd(q.cycled_usd),
            "cycling_index": round(q.index, 6),
            "loops": q.loops,
            "largest_loop_usd": q.largest_loop_usd,
            "largest_loop": format_usd(q.largest_loop_usd) if q.loops else "",
            "loop_search_truncated": q.truncated,
            "new_deal_ids": list(q.new_deal_ids),
        }
        for q in quarters
    ]
    if chart is not None:
        from dealgraph.timeline_chart import png  # matplotlib loads only when asked

        write_atomically(chart, png(quarters))
        click.echo(f"Wrote {chart}", err=True)
    emit(rows, fmt, ["quarter", "new", "cycled", "cycling_index", "loops", "largest_loop"])


RISK_COMMANDS = (
    vendor_financing_command,
    exposure_command,
    funding_command,
    stress_command,
    circularity_command,
    timeline_command,
)
