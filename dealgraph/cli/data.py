"""What a data set holds: `validate` checks one, `data` describes it."""

from __future__ import annotations

import click

from dealgraph.cli.options import data_options, open_dataset, print_out, user_errors
from dealgraph.cli.render import to_json
from dealgraph.loaders import load_dataset


@click.command("validate")
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


@click.command("data")
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
    print_out("\n".join(lines))
