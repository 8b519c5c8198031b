"""What every command shares: its options, how it opens the data, how it prints, and how
errors the user can fix become one line on stderr with exit status 2.

Options parse and check their values here (click callbacks), so a bad `--as-of` or
`--min-amount` stops before any data is read.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import click

from dealgraph.atomic_files import stdout_failed, write_atomically, written_in_place
from dealgraph.cli.neo4j_options import neo4j_dataset, neo4j_options
from dealgraph.cli.render import FORMATS, render
from dealgraph.errors import DataError, DealgraphError
from dealgraph.graph.entity_names import entity_choices
from dealgraph.graph.entity_names import resolve_entity as resolve_entity
from dealgraph.graph.model import DataSet
from dealgraph.graph.schema import SCHEMA
from dealgraph.loaders import BUNDLED, load_dataset
from dealgraph.queries.flows.loop_profile import parse_span
from dealgraph.queries.flows.loops import DEFAULT_LIMIT, DEFAULT_MAX_LENGTH


class UserError(click.ClickException):
    """One line on stderr (one per problem for bad data), exit status 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


def user_errors(command: Callable) -> Callable:
    """Turn the library's errors into `UserError` for every command."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DataError as exc:
            lines = [str(p) for p in exc.problems]
            if len(lines) > 1:
                lines.append(f"Error: {len(lines)} problems; nothing was loaded or written.")
            raise UserError("\n".join(lines)) from None
        except DealgraphError as exc:
            raise UserError(f"Error: {exc}") from None

    return wrapper


def parse_kinds(ctx, param, value: str | None) -> frozenset[str] | None:
    if not value:
        return None
    kinds = frozenset(k.strip() for k in value.split(",") if k.strip())
    unknown = sorted(kinds - SCHEMA.deal_kinds.keys())
    if unknown:
        raise click.BadParameter(
            f"unknown deal kind {', '.join(unknown)} (expected: {', '.join(SCHEMA.deal_kinds)})"
        )
    return kinds


def parse_date(ctx, param, value: str | None) -> str | None:
    from dealgraph.queries.flows.flow import check_date

    if value is None:
        return None
    try:
        return check_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def parse_amount_option(ctx, param, value: str | None) -> float | None:
    from dealgraph.loaders.amounts import AmountError, parse_amount

    if value is None:
        return None
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise click.BadParameter(str(exc)) from None


def data_options(command: Callable) -> Callable:
    """`--data`: where the data set comes from (repeat to stack folders; later ones win)."""
    command = neo4j_options(command)  # or --neo4j: the graph in a Neo4j server
    return click.option(
        "--data",
        "data",
        multiple=True,
        metavar="PATH",
        help="A data folder or file, or 'bundled' (the default). Repeat to stack: "
        "--data bundled --data ./mine (later rows win on equal ids).",
    )(command)


def filter_options(command: Callable) -> Callable:
    """The filters every analysis shares."""
    options = [
        click.option(
            "--as-of",
            callback=parse_date,
            metavar="DATE",
            help="Only deals dated on or before DATE, each in its version of that date.",
        ),
        click.option(
            "--kinds",
            callback=parse_kinds,
            metavar="K1,K2",
            help="Only these deal kinds (comma-separated).",
        ),
        click.option("--include-rumored", is_flag=True, help="Count rumored deals too."),
        click.option(
            "--max-length",
            type=click.IntRange(2, 12),
            default=DEFAULT_MAX_LENGTH,
            show_default=True,
            help="Longest loop searched, in entities.",
        ),
        click.option(
            "--min-amount",
            callback=parse_amount_option,
            metavar="USD",
            help="Only loops (and concentration totals) of at least this much, e.g. 1B.",
        ),
        click.option(
            "--limit",
            type=click.IntRange(1),
            default=DEFAULT_LIMIT,
            show_default=True,
            help="Stop the loop search after this many loops (and say so).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def parse_span_option(ctx, param, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_span(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def span_option(command: Callable) -> Callable:
    """`--max-span`: only loops whose legs were all signed within this many days."""
    return click.option(
        "--max-span",
        callback=parse_span_option,
        metavar="DAYS",
        help="Only loops whose legs were signed within this span: days, or e.g. 6m, 2y.",
    )(command)


def format_option(command: Callable) -> Callable:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        help="Output format (default: table on a terminal, json otherwise).",
    )(command)


# What each file-writing option writes, by suffix; `dealgraph export` writes the rest.
OTHER_WRITERS = {".parquet": "export --format parquet", ".graphml": "export --format graphml",
                 ".gexf": "export --format gexf"}  # fmt: skip


def output_suffixes(*suffixes: str) -> Callable:
    """A click callback refusing an output file whose suffix names a format this option does
    not write (`-o alerts.parquet` must not quietly hold JSON), before any data is read.
    No suffix, `-`, a device and a FIFO are accepted."""

    def check(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
        if value is None or written_in_place(value) or not value.suffix:
            return value
        suffix = value.suffix.lower()
        if suffix in suffixes:
            return value
        hint = f"; for {suffix} files use `dealgraph {OTHER_WRITERS[suffix]}`" if (
            suffix in OTHER_WRITERS) else ""  # fmt: skip
        raise click.BadParameter(
            f"{value}: this writes {', '.join(suffixes)} files, not {suffix}{hint}",
            ctx=ctx, param=param,
        )  # fmt: skip

    return check


def open_dataset(data: tuple[str, ...]) -> DataSet:
    """The data set a command works on: files (bundled by default), or Neo4j with --neo4j."""
    return neo4j_dataset(data) or load_dataset(data or (BUNDLED,))


def emit(
    rows: list[dict], fmt: str | None, table_columns: list[str], output: Path | None = None
) -> None:
    fmt = fmt or ("table" if output is None and sys.stdout.isatty() else "json")
    columns = table_columns if fmt == "table" else None
    text = render(rows, fmt, columns)
    if output is None:
        print_out(text, nl=False)
    else:
        write_atomically(output, text)  # `-`, a device or a FIFO: written in place


def print_out(text: str, nl: bool = True) -> None:
    """`click.echo` to standard output; a failed write (a full disk, a closed pipe) becomes
    an `OutputError`, one line and exit status 2 instead of a traceback."""
    try:
        click.echo(text, nl=nl)
    except OSError as exc:
        raise stdout_failed(exc) from None


def complete_entity(ctx: click.Context, param: click.Parameter, incomplete: str) -> list:
    """Shell completion for entity arguments: the ids of the data set given so far."""
    from click.shell_completion import CompletionItem

    try:
        dataset = load_dataset(ctx.params.get("data") or (BUNDLED,))
    except DealgraphError:
        return []
    names = dict(zip(dataset.entities["id"], dataset.entities["name"], strict=True))
    return [CompletionItem(i, help=names[i]) for i in entity_choices(dataset.entities, incomplete)]
