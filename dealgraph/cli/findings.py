"""Findings: loops, concentration and alerts.

Each command builds a `DealGraph` (from --data or --neo4j), asks it one question with the
filters given, and renders the rows (`options.emit`). `alerts --fail-on` exits 1 when an
alert reaches that severity.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dealgraph.cli.options import (
    alert_kinds_option,
    complete_entity,
    data_options,
    filter_options,
    open_graph,
    span_option,
    user_errors,
    warn_if_cut,
)
from dealgraph.cli.output import output_options
from dealgraph.cli.significance import shuffle_options
from dealgraph.cli.stream_output import write_alerts_jsonl
from dealgraph.loaders.previous_alerts import read_alerts
from dealgraph.queries.dependence.concentration import PERSPECTIVES
from dealgraph.queries.findings.alert_changes import compare_alerts
from dealgraph.queries.findings.alerts import SEVERITIES, severity_at_least

ALERT_COLUMNS = [
    "id",
    "kind",
    "severity",
    "entities",
    "amount_usd",
    "deal_ids",
    "sources",
    "summary",
    "p_value",  # against degree-preserving shuffles, where they ran (--samples)
]


@click.command("loops")
@data_options
@filter_options
@span_option
@output_options()
@user_errors
def loops(data, out, **filters) -> None:
    """Circular flows: money that comes back to where it started, largest first."""
    rows = open_graph(data).loop_rows(**filters)
    warn_if_cut(rows.result)
    out.emit(rows, ["amount", "length", "span_days", "firmness", "path", "id"])


@click.command("concentration")
@data_options
@filter_options
@click.option(
    "--by",
    "perspective",
    type=click.Choice(PERSPECTIVES),
    help="Only one perspective (default: all three).",
)
@click.option(
    "--entity",
    metavar="ENTITY",
    shell_complete=complete_entity,
    help="Only this entity (id, name or alias).",
)
@output_options()
@user_errors
def concentration(data, out, perspective, entity, **filters) -> None:
    """Who depends on whom: each entity's customers, suppliers and funders, with HHI."""
    graph = open_graph(data)
    wanted = graph.entity(entity, "--entity") if entity else None
    rows = graph.concentration_rows(perspective, wanted, **filters)
    warn_if_cut(rows.result)
    out.emit(rows, ["name", "perspective", "total", "hhi", "top", "top_share"])


def alert_csv_rows(rows, columns=ALERT_COLUMNS) -> list[dict]:
    """Alert rows flat for CSV: the columns, `p_value` lifted from the details."""
    return [
        {k: (r.get("details") or {}).get(k) if k == "p_value" else r[k] for k in columns}
        for r in rows
    ]


@click.command("alerts")
@data_options
@filter_options
@span_option
@alert_kinds_option
@output_options()
@shuffle_options(by_size=False)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit with status 1 when any alert is at or above this severity.",
)
@click.option(
    "--since",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="PREVIOUS.json",
    help="Mark each alert new, changed or unchanged against an earlier run's JSON, "
    "and list those gone.",
)
@user_errors
def alerts(data, out, fail_on, since, **filters) -> None:
    """Findings with severity and sources: circular flows, concentration, vendor financing
    and stress. JSON Lines stream: each loop's alert is written as the search finds it."""
    graph = open_graph(data)
    if out.format == "jsonl" and since is None:
        worst = write_alerts_jsonl(graph, filters, out)
        if fail_on and worst and severity_at_least(worst, fail_on):
            sys.exit(1)
        return
    rows = graph.alert_rows(compare_firm=True, **filters)  # says which loops rest on ceilings
    warn_if_cut(rows.result)
    failed = fail_on and any(severity_at_least(r["severity"], fail_on) for r in rows)
    columns = ALERT_COLUMNS
    if since is not None:
        rows, columns = compare_alerts(rows, read_alerts(since)), [*ALERT_COLUMNS, "change"]
    if out.format == "csv":
        rows = alert_csv_rows(rows, columns)
    out.emit(rows, ["severity", *(["change"] if since else []), "kind", "summary", "id"])
    if failed:
        sys.exit(1)
