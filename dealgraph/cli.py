"""The `dealgraph` command: each command loads a data set, makes one library call, renders.

Errors the user can fix (bad input, an unreachable store) become one line per problem on
stderr and exit status 2; `alerts --fail-on` exits 1 when an alert reaches that severity.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import click

from dealgraph import __version__
from dealgraph.atomic_files import write_atomically
from dealgraph.cli_options import (
    UserError,
    data_options,
    emit,
    filter_options,
    format_option,
    open_dataset,
    print_out,
    span_option,
    user_errors,
)
from dealgraph.loaders import load_dataset
from dealgraph.loaders.previous_alerts import read_alerts
from dealgraph.neo4j_commands import cypher_command, load_command
from dealgraph.neo4j_options import write_findings
from dealgraph.output_set import MANIFEST, output_set
from dealgraph.queries.alert_changes import compare_alerts
from dealgraph.queries.alerts import SEVERITIES, format_usd, severity_at_least, stable_id
from dealgraph.queries.analysis import Analysis, Options, analyze
from dealgraph.queries.concentration import PERSPECTIVES
from dealgraph.queries.flow import FlowFilter
from dealgraph.queries.loop_profile import DealTerms, loop_profile
from dealgraph.queries.loops import Loop, largest_first
from dealgraph.render import render, to_json
from dealgraph.risk_commands import RISK_COMMANDS
from dealgraph.significance_command import analyze_lines, significance_command
from dealgraph.stream_output import write_alerts_jsonl


def analysis_options(
    as_of, kinds, include_rumored, max_length, min_amount, limit, max_span=None,
    amounts="headline", samples=0, seed=0, **_,
) -> Options:  # fmt: skip
    """The filter options shared by every analysis command, as `Options`."""
    flow = FlowFilter(as_of=as_of, kinds=kinds, include_rumored=include_rumored, amounts=amounts)
    return Options(
        flow=flow,
        max_length=max_length,
        min_amount=min_amount,
        limit=limit,
        max_span_days=max_span,
        significance_samples=samples,
        seed=seed,
        compare_firm=samples > 0,
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dealgraph")
def main() -> None:
    """Map the money of the AI build-out: circular financing, dependencies, contagion.

    Every command reads the bundled, cited data set unless --data says otherwise.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_signal)


def _exit_on_signal(number: int, frame) -> None:
    """SIGTERM unwinds like SIGINT, through the clean-up of half-written outputs."""
    sys.exit(128 + number)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@user_errors
def validate(paths: tuple[str, ...]) -> None:
    """Check a data set (folders or files) and print what it holds; change nothing."""
    dataset = load_dataset(paths)
    kinds = dataset.deals["kind"].value_counts().sort_index()
    print_out(
        f"OK: {len(dataset.entities)} entities, {len(dataset.deals)} deals "
        f"({', '.join(f'{k} {n}' for k, n in kinds.items())})"
    )
    for file in dataset.files:
        print_out(f"  read {file}")


@main.command("data")
@data_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A readable summary, or JSON.",
)
@user_errors
def data_command(data: tuple[str, ...], fmt: str) -> None:
    """What the data set holds (the bundled one by default) and where its files are.

    Copy the files, add your own rows, and stack them: --data bundled --data ./mine.
    """
    from dealgraph.loaders.dataset import BUNDLED, bundled_about
    from dealgraph.queries.inventory import describe

    about = bundled_about() if BUNDLED in (data or (BUNDLED,)) else None
    summary = describe(open_dataset(data), about)
    if fmt == "json":
        print_out(to_json(summary, indent=True))
        return
    lines = []
    if about:
        lines.append(
            f"{about['name']} {about['version']}, compiled {about['compiled']}; "
            f"complete up to {about['horizon']} (its horizon)"
        )
    lines.append(
        f"{summary['entities']} entities, {summary['deals']} deals, "
        f"{summary['first_date']} to {summary['newest_deal']['date']}"
    )
    for title in ("entities_by_kind", "deals_by_kind", "deals_by_year", "deals_by_status"):
        counts = ", ".join(f"{k} {v}" for k, v in summary[title].items())
        lines.append(f"{title.replace('_', ' ').capitalize()}: {counts}")
    newest = summary["newest_deal"]
    lines.append(f"Newest deal: {newest['id']} ({newest['date']}): {newest['description']}")
    ranked = sorted(summary["sources_by_publisher"].items(), key=lambda kv: (-kv[1], kv[0]))
    lines.append(
        "Sources by publisher: "
        + ", ".join(f"{k} {v}" for k, v in ranked[:15])
        + (f" and {len(ranked) - 15} more" if len(ranked) > 15 else "")
    )
    kinds = summary["sources_by_kind"]
    lines.append("Sources by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    lines.append(f"Deals whose source shows no date: {summary['deals_without_source_date']}")
    lines.append(
        f"Deals paid in stock or in kind (no cash counted): {summary['deals_not_paid_in_cash']}"
    )
    lines.append("Files:")
    lines += [f"  {file}" for file in summary["files"]]
    print_out("\n".join(lines))


def loop_row(loop: Loop, names: dict[str, str]) -> dict:
    return {
        "id": stable_id("loop", *loop.entities),
        "length": loop.length,
        "entities": list(loop.entities),
        "path": " > ".join(names.get(e, e) for e in (*loop.entities, loop.entities[0])),
        "amount_usd": loop.amount_usd,
        "amount": format_usd(loop.amount_usd),
        "amount_low_usd": loop.amount_low_usd,
        "amount_high_usd": loop.amount_high_usd,
        "hops": [
            {
                "from": h.source,
                "to": h.target,
                "amount_usd": h.amount_usd,
                "kinds": list(h.kinds),
                "deal_ids": list(h.deal_ids),
            }
            for h in loop.hops
        ],
        "deal_ids": list(loop.deal_ids),
    }


def _names(analysis: Analysis) -> dict[str, str]:
    entities = analysis.dataset.entities
    return dict(zip(entities["id"], entities["name"], strict=True))


@main.command()
@data_options
@filter_options
@span_option
@format_option
@user_errors
def loops(fmt, **options) -> None:
    """Circular flows: money that comes back to where it started, largest first."""
    analysis = run_analysis(**options)
    names = _names(analysis)
    terms = DealTerms(analysis.dataset.deals)  # when each leg was signed, how firm it is
    rows = [
        {**loop_row(loop, names), **loop_profile(loop, terms).as_dict()}
        for loop in largest_first(analysis.loops.loops)
    ]
    emit(rows, fmt, ["amount", "length", "span_days", "firmness", "path", "id"])


@main.command()
@data_options
@filter_options
@click.option(
    "--by",
    "perspective",
    type=click.Choice(PERSPECTIVES),
    help="Only one perspective (default: all three).",
)
@click.option("--entity", metavar="ID", help="Only this entity.")
@format_option
@user_errors
def concentration(fmt, perspective, entity, **options) -> None:
    """Who depends on whom: each entity's customers, suppliers and funders, with HHI."""
    analysis = run_analysis(**options)
    names = _names(analysis)
    if entity is not None and entity not in names:
        raise UserError(f"Error: --entity: unknown entity id {entity!r}")
    rows = []
    for c in analysis.concentration:
        if (perspective and c.perspective != perspective) or (entity and c.entity != entity):
            continue
        rows.append(
            {
                "entity": c.entity,
                "name": names.get(c.entity, c.entity),
                "perspective": c.perspective,
                "total_usd": c.total_usd,
                "total": format_usd(c.total_usd),
                "hhi": round(c.hhi, 4),
                "top": c.top.entity,
                "top_share": round(c.top.share, 4),
                "counterparties": [
                    {
                        "entity": p.entity,
                        "amount_usd": p.amount_usd,
                        "share": round(p.share, 6),
                        "deal_ids": list(p.deal_ids),
                    }
                    for p in c.counterparties
                ],
                "deal_ids": list(c.deal_ids),
            }
        )
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


@main.command()
@data_options
@filter_options
@span_option
@format_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write to this file instead of stdout (a device or FIFO is written in place).",
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
    if fmt == "jsonl" and since is None:
        dataset = open_dataset(options.pop("data"))
        worst = write_alerts_jsonl(dataset, analysis_options(**options), output)
        if fail_on and worst and severity_at_least(worst, fail_on):
            sys.exit(1)
        return
    analysis = run_analysis(**options)
    rows = [a.as_dict() for a in analysis.alerts]
    columns = ALERT_COLUMNS
    if since is not None:
        rows, columns = compare_alerts(rows, read_alerts(since)), [*ALERT_COLUMNS, "change"]
    if fmt == "csv" or (fmt is None and output is not None and output.suffix == ".csv"):
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
    return click.option("--focus", metavar="ID", help="Draw only this entity's neighbourhood.")(
        command
    )


@main.command("map")
@data_options
@filter_options
@focus_options
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("map.html"),
    show_default=True,
    help="The HTML file to write.",
)
@user_errors
def map_command(output, focus, hops, **options) -> None:
    """An interactive HTML map of the deals and loops, one file that works offline."""
    from dealgraph.viz.map import write_map

    analysis = run_analysis(**options)
    path = write_map(analysis, output, focus=focus, hops=hops)
    if str(path) != "-":  # `-o -`: the page went to standard output
        print_out(f"Wrote {path}")


@main.command("analyze")
@data_options
@filter_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dealgraph-out"),
    show_default=True,
    help="Folder for alerts.json, alerts.csv, map.html and significance.json, and "
    "manifest.json, written last.",
)
@click.option(
    "--samples",
    type=click.IntRange(0),
    default=1_000,
    show_default=True,
    help="Degree-preserving shuffles to test the loops against (0: no test).",
)
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True,
              help="Seed of the shuffles.")  # fmt: skip
@user_errors
def analyze_command(out: Path, **options) -> None:
    """The main job: find loops and concentration, write alerts and the map, summarise."""
    from dealgraph.viz.map import write_map

    analysis = run_analysis(**options)
    rows = [a.as_dict() for a in analysis.alerts]
    # Written into a temporary folder, moved in together, the manifest last (output_set).
    files = ("alerts.json", "alerts.csv", "map.html")
    if analysis.significance is not None:
        files += ("significance.json",)
    with output_set(out, files) as staging:
        write_atomically(staging / "alerts.json", render(rows, "json"))
        if analysis.significance is not None:
            from dealgraph.queries.significance import significance_dict

            found = significance_dict(analysis.significance)
            write_atomically(staging / "significance.json", to_json(found, indent=True) + "\n")
        write_atomically(
            staging / "alerts.csv",
            render([{k: r[k] for k in ALERT_COLUMNS} for r in rows], "csv", ALERT_COLUMNS),
        )
        write_map(analysis, staging / "map.html")
    print_out(summary(analysis, out))
    if note := write_findings(analysis):  # with --neo4j: loops and figures into the graph
        print_out(note)


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
        f"  {format_usd(loop.amount_usd):>12}  {loop_row(loop, names)['path']}"
        for loop in largest_first(loops_found)[:5]
    ]
    lines += ["", "Most concentrated:"]
    conc = [a for a in analysis.alerts if a.kind == "concentration"][:5]
    lines += [f"  {a.severity:>6}  {a.summary}" for a in conc]
    lines += analyze_lines(analysis, names)
    tested = f", {out / 'significance.json'}" if analysis.significance is not None else ""
    lines += [
        "",
        f"Wrote {out / 'alerts.json'}, {out / 'alerts.csv'}{tested} and {out / 'map.html'} "
        f"({out / MANIFEST} last)",
    ]
    return "\n".join(lines)


main.add_command(load_command)
main.add_command(cypher_command)
main.add_command(significance_command)
for _command in RISK_COMMANDS:  # vendor financing, exposure, stress, circularity, ...
    main.add_command(_command)
