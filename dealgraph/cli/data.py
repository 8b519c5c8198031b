"""What a data set holds: `validate` checks one, `data` describes it."""

from __future__ import annotations

import click

from dealgraph.api import load
from dealgraph.cli.options import data_options, open_graph, to_json, user_errors
from dealgraph.cli.output import REPORT, Output, output_options

REPORT_HELP = "text: a readable report (the default); json: what `dealgraph data` reports."


@click.command("validate")
@click.argument("paths", nargs=-1, required=True)
@output_options(REPORT, format_help=REPORT_HELP)
@user_errors
def validate(paths: tuple[str, ...], out: Output) -> None:
    """Check a data set (folders or files) and print what it holds; change nothing."""
    checked = load(*paths)
    if out.format == "json":
        out.write(to_json(checked.summary(), indent=True) + "\n")
        return
    dataset = checked.dataset
    kinds = dataset.deals["kind"].value_counts().sort_index()
    lines = [
        f"OK: {len(dataset.entities)} entities, {len(dataset.deals)} deals "
        f"({', '.join(f'{k} {n}' for k, n in kinds.items())})",
        *(f"  read {file}" for file in dataset.files),
    ]
    out.write("\n".join(lines) + "\n")


@click.command("data")
@data_options
@output_options(REPORT, format_help="text: a readable summary (the default); json: its data.")
@user_errors
def data_command(data: tuple[str, ...], out: Output) -> None:
    """What the data set holds (the bundled one by default) and where its files are.

    Copy the files, add your own rows, and stack them: --data bundled --data ./mine.
    """
    summary = open_graph(data).summary()
    about = summary["about"]
    if out.format == "json":
        out.write(to_json(summary, indent=True) + "\n")
        return
    lines = []
    if about:
        lines.append(
            f"{about['name']} {about['version']}, compiled {about['compiled']}; "
            f"complete up to {about['horizon']} (its horizon)"
        )
    newest = summary["newest_deal"]  # None when the data set holds no deals
    span = f", {summary['first_date']} to {newest['date']}" if newest else ""
    lines.append(f"{summary['entities']} entities, {summary['deals']} deals{span}")
    for title in ("entities_by_kind", "deals_by_kind", "deals_by_year", "deals_by_status"):
        counts = ", ".join(f"{k} {v}" for k, v in summary[title].items())
        lines.append(f"{title.replace('_', ' ').capitalize()}: {counts}")
    if newest:
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
    out.write("\n".join(lines) + "\n")
