"""Findings: loops, concentration, alerts, the map and `analyze`.

Each command loads a data set, makes one library call, renders.

Errors the user can fix (bad input, an unreachable store) become one line per problem on
stderr and exit status 2; `alerts --fail-on` exits 1 when an alert reaches that severity.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from dealgraph.atomic_files import write_atomically
from dealgraph.cli.neo4j_options import write_findings
from dealgraph.cli.options import (
    complete_entity,
    data_options,
    emit,
    filter_options,
    format_option,
    open_dataset,
    output_suffixes,
    print_out,
    resolve_entity,
    span_option,
    user_errors,
)
from dealgraph.cli.render import render
from dealgraph.cli.stream_output import write_alerts_jsonl
from dealgraph.loaders.previous_alerts import read_alerts
from dealgraph.output_set import MANIFEST, output_set
from dealgraph.queries.dependence.concentration import PERSPECTIVES
from dealgraph.queries.findings.alert_changes import compare_alerts
from dealgraph.queries.findings.alerts import SEVERITIES, format_usd, severity_at_least
from dealgraph.queries.findings.analysis import Analysis, Options, analyze
from dealgraph.queries.flows.flow import FlowFilter
from dealgraph.queries.flows.loops import largest_first
from dealgraph.result_rows import (
    alert_rows,
    concentration_rows,
    entity_names,
    loop_rows,
)
from dealgraph.result_rows import (
    loop_row as _loop_row,
)

SUFFIX_FORMATS = {".json": "json", ".jsonl": "jsonl", ".csv": "csv", ".txt": "table"}


def analysis_options(
    as_of, kinds, include_rumored, max_length, min_amount, limit, max_span=None, **_
) -> Options:
    """The filter options shared by every analysis command, as `Options`."""
    flow = FlowFilter(as_of=as_of, kinds=kinds, include_rumored=include_rumored)
    return Options(
        flow=flow,
        max_length=max_length,
        min_amount=min_amount,
        limit=limit,
        max_span_days=max_span,
    )


def run_analysis(data, **filters) -> Analysis:
    result = analyze(open_dataset(data), analysis_options(**filters))
    if result.loops.truncated:
        click.echo(
            f"Warning: loop search stopped at {result.loops.limit:,} loops (--limit); "
            "raise --limit or narrow it with --max-length or --min-amount.",
            err=True,
        )
    return result


def _names(analysis: Analysis) -> dict[str, str]:
    return entity_names(analysis.dataset)


@click.command("loops")
@data_options
@filter_options
@span_option
@format_option
@user_errors
def loops(fmt, **options) -> None:
    """Circular flows: money that comes back to where it started, largest first."""
    rows = loop_rows(run_analysis(**options))
    emit(rows, fmt, ["amount", "length", "span_days", "firmness", "path", "id"])


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
@format_option
@user_errors
def concentration(fmt, perspective, entity, **options) -> None:
    """Who depends on whom: each entity's customers, suppliers and funders, with HHI."""
    analysis = run_analysis(**options)
    wanted = resolve_entity(analysis.dataset.entities, entity, "--entity") if entity else None
    rows = concentration_rows(analysis, perspective, wanted)
    emit(rows, fmt, ["name", "perspective", "total", "hhi", "top", "top_share"])


ALERT_COLUMNS = [
    "id",
    "kind",
    "severity",
    "entities",
    "amount_usd",
    "deal_ids",
    "sources",
    "summary",
]


@click.command("alerts")
@data_options
@filter_options
@span_option
@format_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    callback=output_suffixes(".json", ".jsonl", ".csv", ".txt"),
    help="Write to this file instead of stdout (a device or FIFO is written in place); "
    "its suffix (.json, .jsonl, .csv) picks the format unless --format is given.",
)
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
def alerts(fmt, output, fail_on, since, **options) -> None:
    """Findings with severity and sources: circular flows, concentration, vendor financing
    and stress. JSON Lines stream: each loop's alert is written as the search finds it."""
    if fmt is None and output is not None:  # the file's suffix says which format
        fmt = SUFFIX_FORMATS.get(output.suffix.lower())
    if fmt == "jsonl" and since is None:
        dataset = open_dataset(options.pop("data"))
        worst = write_alerts_jsonl(dataset, analysis_options(**options), output)
        if fail_on and worst and severity_at_least(worst, fail_on):
            sys.exit(1)
        return
    analysis = run_analysis(**options)
    rows = alert_rows(analysis)
    columns = ALERT_COLUMNS
    if since is not None:
        rows, columns = compare_alerts(rows, read_alerts(since)), [*ALERT_COLUMNS, "change"]
    if fmt == "csv":
        fmt, rows = "csv", [{k: r[k] for k in columns} for r in rows]
    table = ["severity", *(["change"] if since else []), "kind", "summary", "id"]
    emit(rows, fmt, table, output)
    if fail_on and any(severity_at_least(a.severity, fail_on) for a in analysis.alerts):
        sys.exit(1)


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
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("map.html"),
    show_default=True,
    callback=output_suffixes(".html", ".htm"),
    help="The HTML file to write.",
)
@click.option(
    "--layout",
    type=click.Choice(["spring", "wheel"]),
    default="spring",
    show_default=True,
    help="How the page opens: force-directed, or on a ring by kind (it can switch).",
)
@user_errors
def map_command(output, focus, hops, layout, **options) -> None:
    """An interactive HTML map of the deals and loops, one file that works offline."""
    from dealgraph.viz.map import write_map

    analysis = run_analysis(**options)
    if focus is not None:
        focus = resolve_entity(analysis.dataset.entities, focus, "--focus")
    path = write_map(analysis, output, focus=focus, hops=hops, layout=layout)
    if str(path) != "-":  # `-o -`: the page went to standard output
        print_out(f"Wrote {path}")


@click.command("analyze")
@data_options
@filter_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dealgraph-out"),
    show_default=True,
    help="Folder for alerts.json, alerts.csv and map.html, and manifest.json, written last.",
)
@user_errors
def analyze_command(out: Path, **options) -> None:
    """The main job: find loops and concentration, write alerts and the map, summarise."""
    from dealgraph.viz.map import write_map

    analysis = run_analysis(**options)
    rows = alert_rows(analysis)
    # Written into a temporary folder, moved in together, the manifest last (output_set).
    with output_set(out, ("alerts.json", "alerts.csv", "map.html")) as staging:
        write_atomically(staging / "alerts.json", render(rows, "json"))
        write_atomically(
            staging / "alerts.csv",
            render([{k: r[k] for k in ALERT_COLUMNS} for r in rows], "csv", ALERT_COLUMNS),
        )
        write_map(analysis, staging / "map.html")
    print_out(summary(analysis, out))
    if note := write_findings(analysis):  # with --neo4j: loops and figures into the graph
        print_out(note)


def path_of(loop, names: dict[str, str]) -> str:
    return _loop_row(loop, names)["path"]


def summary(analysis: Analysis, out: Path) -> str:
    names = _names(analysis)
    counts = {s: sum(a.severity == s for a in analysis.alerts) for s in reversed(SEVERITIES)}
    loops_found = analysis.loops.loops
    cut = " (search cut at --limit)" if analysis.loops.truncated else ""
    lines = [
        f"{len(analysis.dataset.entities)} entities, {len(analysis.deals)} deals in force "
        f"(of {len(analysis.dataset.deals)}), {len(analysis.hops)} money flows",
        f"{len(loops_found)} loops{cut}, "
        f"{len(analysis.alerts)} alerts: " + ", ".join(f"{n} {s}" for s, n in counts.items()),
        "",
        "Largest loops:",
    ]
    lines += [
        f"  {format_usd(loop.amount_usd):>12}  {path_of(loop, names)}"
        for loop in largest_first(loops_found)[:5]
    ]
    lines += ["", "Most concentrated:"]
    conc = [a for a in analysis.alerts if a.kind == "concentration"][:5]
    lines += [f"  {a.severity:>6}  {a.summary}" for a in conc]
    lines += [
        "",
        f"Wrote {out / 'alerts.json'}, {out / 'alerts.csv'} and {out / 'map.html'} "
        f"({out / MANIFEST} last)",
    ]
    return "\n".join(lines)
