"""`analyze`, the main job: alerts (JSON Lines, JSON and CSV) and the map into one folder,
a summary.

The alerts go to disk as the loop search finds them and the summary and map keep only what
they show, so memory stays flat however many loops there are (`analysis_files`). The
folder (`-o`) is filled in a temporary one and moved in whole, its manifest last
(`output_set`); with --neo4j the loops and concentration figures are written back to the
graph too (every loop, so that analysis is held in memory). The summary goes to stdout: text
(silenced by --quiet) or, with --format json, the same figures as data.
"""

from __future__ import annotations

from pathlib import Path

import click

from dealgraph.api import StreamedAnalysis
from dealgraph.atomic_files import write_atomically
from dealgraph.cli.analysis_files import ALERT_FILES, write_alert_files
from dealgraph.cli.findings import ALERT_COLUMNS
from dealgraph.cli.neo4j_options import neo4j_selected, write_findings
from dealgraph.cli.options import (
    UserError,
    alert_kinds_option,
    data_options,
    filter_options,
    open_graph,
    to_json,
    user_errors,
    warn_if_cut,
)
from dealgraph.cli.output import REPORT, Output, names_a_file_format, output_options
from dealgraph.cli.significance import analyze_lines, shuffle_options
from dealgraph.output_set import MANIFEST, output_set
from dealgraph.queries.findings.alerts import SEVERITIES, format_usd
from dealgraph.result_rows import entity_names, loop_path


@click.command("analyze")
@data_options
@filter_options
@alert_kinds_option
@output_options(
    REPORT,
    output_names=("-o", "--output", "--out"),
    output_type=click.Path(file_okay=False, path_type=Path),
    default_output=Path("dealgraph-out"),
    output_help="Folder for alerts.jsonl, alerts.json, alerts.csv, map.html and "
    "significance.json, and manifest.json, written last.",
    format_help="The summary on stdout: text (the default) or json.",
    resolve=False,
)
@shuffle_options(by_size=True)
@user_errors
def analyze_command(data, fmt, output: Path, quiet, **filters) -> None:
    """The main job: find loops and concentration, write alerts and the map, summarise."""
    if names_a_file_format(output):
        raise UserError(f"Error: -o {output}: analyze writes a folder (alerts.jsonl, alerts.json, "
                        f"alerts.csv, map.html), not {output.suffix} files")  # fmt: skip
    told = Output(fmt or "text", None, quiet)  # the summary; `output` is the folder
    graph = open_graph(data)
    filters["compare_firm"] = True  # the summary sets the largest findings under firm amounts
    run = graph.analysis_stream(**filters)  # in flat memory: the alerts go to disk as found
    files = (*ALERT_FILES, "map.html")
    if run.analysis.options.significance_samples:  # --samples, or by the graph's size
        files += ("significance.json",)
    with told.spinner("Analysing"), output_set(output, files) as staging:
        write_alert_files(run.alerts(), staging, ALERT_COLUMNS)
        warn_if_cut(run.analysis)
        tested = run.analysis.significance
        if tested is not None:
            from dealgraph.queries.significance.loop_significance import significance_dict

            found = to_json(significance_dict(tested), indent=True) + "\n"
            write_atomically(staging / "significance.json", found)
        run.map().save(staging / "map.html")
    note = None
    if neo4j_selected(click.get_current_context()):  # every loop into the graph: kept in memory
        note = write_findings(graph.analysis(**filters))
    if told.format == "json":
        told.write(to_json(summary_data(run, output, files), indent=True) + "\n")
    elif not quiet:
        told.write(
            summary(run, output, filters.get("samples")) + "\n" + (note + "\n" if note else "")
        )


def summary_data(run: StreamedAnalysis, out: Path, files: tuple[str, ...]) -> dict:
    """The summary's figures as data (`analyze --format json`)."""
    analysis = run.analysis
    return {
        "entities": len(analysis.dataset.entities),
        "deals": len(analysis.dataset.deals),
        "deals_in_force": len(analysis.deals),
        "money_flows": len(analysis.hops),
        "loops": run.loops,
        "loop_search_cut": analysis.loops.truncated,
        "alerts": {s: run.severities[s] for s in reversed(SEVERITIES)},
        "against_chance": analysis.significance.summary() if analysis.significance else None,
        "files": [str(out / name) for name in (*files, MANIFEST)],
    }


def summary(run: StreamedAnalysis, out: Path, asked: int | None = None) -> str:
    """The text summary; `asked` is the --samples given (None: left to the graph's size)."""
    analysis = run.analysis
    counts = {s: run.severities[s] for s in reversed(SEVERITIES)}
    cut = " (search cut at --limit)" if analysis.loops.truncated else ""
    if "loops" not in analysis.options.alert_kinds:
        cut = " (not searched: --alert-kinds)"
    names = entity_names(analysis.dataset)
    lines = [
        f"{len(analysis.dataset.entities)} entities, {len(analysis.deals)} deals in force "
        f"(of {len(analysis.dataset.deals)}), {len(analysis.hops)} money flows",
        f"{run.loops} loops{cut}, "
        f"{sum(counts.values())} alerts: " + ", ".join(f"{n} {s}" for s, n in counts.items()),
        "",
        "Largest loops:",
    ]
    lines += [f"  {format_usd(loop.amount_usd):>12}  {loop_path(loop, names)}"
              for loop in analysis.loops.loops]  # fmt: skip
    lines += ["", "Most concentrated:"]
    conc = [a for a in analysis.alerts if a.kind == "concentration"][:5]
    lines += [f"  {a.severity:>6}  {a.summary}" for a in conc]
    lines += analyze_lines(analysis, names, asked)
    written = ", ".join(str(out / name) for name in ALERT_FILES)
    tested = f", {out / 'significance.json'}" if analysis.significance is not None else ""
    lines += [
        "",
        f"Wrote {written}{tested} and {out / 'map.html'} ({out / MANIFEST} last)",
    ]
    return "\n".join(lines)
