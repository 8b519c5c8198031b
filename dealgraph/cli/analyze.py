"""`analyze`, the main job: alerts (JSON and CSV) and the map into one folder, a summary.

The folder (`-o`) is filled in a temporary one and moved in whole, its manifest last
(`output_set`); with --neo4j the loops and concentration figures are written back to the
graph too. The summary goes to stdout: text (silenced by --quiet) or, with --format json,
the same figures as data.
"""

from __future__ import annotations

from pathlib import Path

import click

from dealgraph.api import DealGraph
from dealgraph.atomic_files import write_atomically
from dealgraph.cli.findings import ALERT_COLUMNS, alert_csv_rows
from dealgraph.cli.neo4j_options import write_findings
from dealgraph.cli.options import (
    UserError,
    alert_kinds_option,
    data_options,
    filter_options,
    open_graph,
    render,
    to_json,
    user_errors,
    warn_if_cut,
)
from dealgraph.cli.output import REPORT, Output, names_a_file_format, output_options
from dealgraph.cli.significance import analyze_lines, shuffle_options
from dealgraph.output_set import MANIFEST, output_set
from dealgraph.queries.findings.alerts import SEVERITIES
from dealgraph.result_rows import entity_names


@click.command("analyze")
@data_options
@filter_options
@alert_kinds_option
@output_options(
    REPORT,
    output_names=("-o", "--output", "--out"),
    output_type=click.Path(file_okay=False, path_type=Path),
    default_output=Path("dealgraph-out"),
    output_help="Folder for alerts.json, alerts.csv, map.html and significance.json, and "
    "manifest.json, written last.",
    format_help="The summary on stdout: text (the default) or json.",
    resolve=False,
)
@shuffle_options(by_size=True)
@user_errors
def analyze_command(data, fmt, output: Path, quiet, **filters) -> None:
    """The main job: find loops and concentration, write alerts and the map, summarise."""
    if names_a_file_format(output):
        raise UserError(f"Error: -o {output}: analyze writes a folder (alerts.json, alerts.csv, "
                        f"map.html), not {output.suffix} files")  # fmt: skip
    told = Output(fmt or "text", None, quiet)  # the summary; `output` is the folder
    graph = open_graph(data)
    filters["compare_firm"] = True  # the summary sets the largest findings under firm amounts
    with told.spinner("Analysing"):
        rows = graph.alert_rows(**filters)  # the analysis is kept: the map reuses it
    warn_if_cut(rows.result)
    tested = rows.result.significance
    files = ("alerts.json", "alerts.csv", "map.html")
    if tested is not None:
        files += ("significance.json",)
    with told.spinner("Writing"), output_set(output, files) as staging:
        write_atomically(staging / "alerts.json", render(rows, "json"))
        if tested is not None:
            from dealgraph.queries.significance.loop_significance import significance_dict

            found = to_json(significance_dict(tested), indent=True) + "\n"
            write_atomically(staging / "significance.json", found)
        write_atomically(
            staging / "alerts.csv",
            render(alert_csv_rows(rows), "csv", ALERT_COLUMNS),
        )
        graph.map(**filters).save(staging / "map.html")
    note = write_findings(rows.result)  # with --neo4j: loops and figures into the graph
    if told.format == "json":
        told.write(to_json(summary_data(graph, filters, output, files), indent=True) + "\n")
    elif not quiet:
        told.write(summary(graph, filters, output) + "\n" + (note + "\n" if note else ""))


def summary_data(graph: DealGraph, filters: dict, out: Path, files: tuple[str, ...]) -> dict:
    """The summary's figures as data (`analyze --format json`)."""
    analysis = graph.analysis(**filters)
    return {
        "entities": len(analysis.dataset.entities),
        "deals": len(analysis.dataset.deals),
        "deals_in_force": len(analysis.deals),
        "money_flows": len(analysis.hops),
        "loops": len(analysis.loops.loops),
        "loop_search_cut": analysis.loops.truncated,
        "alerts": {s: sum(a.severity == s for a in analysis.alerts) for s in reversed(SEVERITIES)},
        "against_chance": analysis.significance.summary() if analysis.significance else None,
        "files": [str(out / name) for name in (*files, MANIFEST)],
    }


def summary(graph: DealGraph, filters: dict, out: Path) -> str:
    analysis = graph.analysis(**filters)
    counts = {s: sum(a.severity == s for a in analysis.alerts) for s in reversed(SEVERITIES)}
    cut = " (search cut at --limit)" if analysis.loops.truncated else ""
    if "loops" not in analysis.options.alert_kinds:
        cut = " (not searched: --alert-kinds)"
    lines = [
        f"{len(analysis.dataset.entities)} entities, {len(analysis.deals)} deals in force "
        f"(of {len(analysis.dataset.deals)}), {len(analysis.hops)} money flows",
        f"{len(analysis.loops.loops)} loops{cut}, "
        f"{len(analysis.alerts)} alerts: " + ", ".join(f"{n} {s}" for s, n in counts.items()),
        "",
        "Largest loops:",
    ]
    lines += [f"  {row['amount']:>12}  {row['path']}" for row in graph.loop_rows(**filters)[:5]]
    lines += ["", "Most concentrated:"]
    conc = [a for a in analysis.alerts if a.kind == "concentration"][:5]
    lines += [f"  {a.severity:>6}  {a.summary}" for a in conc]
    lines += analyze_lines(analysis, entity_names(analysis.dataset), filters.get("samples"))
    tested = f", {out / 'significance.json'}" if analysis.significance is not None else ""
    lines += [
        "",
        f"Wrote {out / 'alerts.json'}, {out / 'alerts.csv'}{tested} and {out / 'map.html'} "
        f"({out / MANIFEST} last)",
    ]
    return "\n".join(lines)
