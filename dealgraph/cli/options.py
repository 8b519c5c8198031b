"""What every command shares: its options, how it opens the data set (a `DealGraph`), how
it renders rows, and how errors the user can fix become one line on stderr with exit
status 2. The output options (`--format`, `-o`, `--quiet`) are in `output`.

Options parse and check their values here (click callbacks), so a bad `--as-of` or
`--min-amount` stops before any data is read.

Rows out: one renderer per format, chosen once at the edge of the CLI.
Rows are plain dicts. JSON keeps nested values; CSV and tables flatten lists with `;` and
nested objects as JSON. An empty result is `[]` in JSON, a header alone in CSV.

CSV is safe to open in a spreadsheet (docs/security.md, "Safe CSV"): a text cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's advice
against formula injection), while numbers, negative ones included, stay numbers; a cell
holding a comma, a quote, a carriage return or a line feed is quoted, so every row reads
back as one row.
"""

from __future__ import annotations

import csv
import functools
import math
import re
import shutil
from collections.abc import Callable, Sequence

import click
import orjson

from dealgraph.api import DealGraph
from dealgraph.atomic_files import stdout_failed
from dealgraph.cli.neo4j_options import neo4j_dataset, neo4j_options
from dealgraph.errors import ClosedOutput, DataError, DealgraphError
from dealgraph.graph.entity_names import entity_choices
from dealgraph.graph.entity_names import resolve_entity as resolve_entity
from dealgraph.graph.model import DataSet
from dealgraph.graph.schema import SCHEMA
from dealgraph.loaders import BUNDLED, load_dataset
from dealgraph.queries.findings.analysis import ALERT_KINDS, parse_alert_kinds
from dealgraph.queries.flows.flow import AMOUNT_BASES
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
        except ClosedOutput:  # not the user's to fix: the CLI group ends quietly
            raise
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


def amounts_option(command: Callable) -> Callable:
    """`--amounts headline|firm`: which money counts (see queries/flows/flow.py)."""
    return click.option(
        "--amounts",
        type=click.Choice(AMOUNT_BASES),
        default="headline",
        show_default=True,
        help="headline: each deal's headline figure; firm: only closed, committed or funded "
        "deals, each with its firm or up-front part.",
    )(command)


def filter_options(command: Callable) -> Callable:
    """The filters every analysis shares."""
    options = [
        amounts_option,
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


def alert_kinds_option(command: Callable) -> Callable:
    """`--alert-kinds loops,concentration,...`: the alerts to compute; the others are not."""

    def parse(ctx: click.Context, param: click.Parameter, value: str | None):
        if value is None:
            return None
        try:
            return ",".join(sorted(parse_alert_kinds(value.split(","))))
        except ValueError as exc:
            raise UserError(f"Error: --alert-kinds: {exc}") from None

    return click.option(
        "--alert-kinds", callback=parse, metavar="K1,K2",
        help=f"Compute only these alerts ({','.join(ALERT_KINDS)}; default: all). "
        "Without loops, no loop is searched.",
    )(command)  # fmt: skip


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


def open_dataset(data: tuple[str, ...]) -> DataSet:
    """The data set a command works on: files (bundled by default), or Neo4j with --neo4j."""
    return neo4j_dataset(data) or load_dataset(data or (BUNDLED,))


def open_graph(data: tuple[str, ...]) -> DealGraph:
    """The `DealGraph` a command asks its question of (see `open_dataset`)."""
    from_neo4j = neo4j_dataset(data)
    if from_neo4j is not None:
        return DealGraph(from_neo4j)
    return DealGraph(load_dataset(data or (BUNDLED,)), bundled=BUNDLED in (data or (BUNDLED,)))


def warn_if_cut(analysis) -> None:
    """Say so when the loop search stopped at --limit: the loops listed are not all."""
    if analysis.loops.truncated:
        click.echo(
            f"Warning: loop search stopped at {analysis.loops.limit:,} loops (--limit); "
            "raise --limit or narrow it with --max-length or --min-amount.",
            err=True,
        )


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


# -- rows out ---------------------------------------------------------------------

# How every JSON output is written (numpy scalars, non-text keys); `to_json` and the streams.
JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def to_json(value: object, indent: bool = False, sort_keys: bool = False) -> str:
    """JSON text, fast at any size (orjson): NaN as null, tuples as lists, UTF-8 kept."""
    option = JSON_OPTIONS | (orjson.OPT_INDENT_2 if indent else 0)
    option |= orjson.OPT_SORT_KEYS if sort_keys else 0
    return orjson.dumps(value, option=option).decode("utf-8")


def _flat(value: object) -> str:
    """One cell of text; the common cases (text, lists of text) first, as CSV of a million
    alerts calls this for every cell."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, tuple | list):
        return ";".join(v if isinstance(v, str) else _flat(v) for v in value)
    if isinstance(value, dict):
        return to_json(value, sort_keys=True)
    return str(value)


def csv_text(value: object) -> str:
    """One CSV cell's text: neutralised with a leading `'` when it is text a spreadsheet
    would run as a formula; numbers, and text that is a plain number, are left alone."""
    text = _flat(value)
    if text[:1] in _FORMULA_START and not isinstance(value, int | float):
        return text if _NUMBER.fullmatch(text) else "'" + text
    return text


def _csv(rows: Sequence[Sequence[object]]) -> str:
    """CSV of `rows` (the header first) with `\n` line ends (`csv_lines`)."""
    if not rows[0]:  # no columns: csv.writer writes an empty line a row
        return "\n" * len(rows)
    return "".join(csv_lines([list(column) for column in zip(*rows, strict=True)]))


def csv_lines(columns: Sequence[Sequence[object]]) -> list[str]:
    """The CSV line of each row of `columns` (a list of values per column; `render` and
    `analyze`'s alerts.csv write these): cells made safe by `csv_text`, `\\n` line ends,
    cells holding a comma, a quote, `\\r` or `\\n` quoted.

    Most rows need no quoting; their line is the cells joined, a tenth of `csv.writer`'s
    time. A row whose joined text holds a quote, a line break or more commas than it has
    separators goes through `csv.writer` (which quotes the characters of its terminator
    only, so it writes `\\r\\n`, one `write` a row, and the `\\r` is dropped)."""
    separators = len(columns) - 1
    lines: list[str] = []
    writer = csv.writer(_Lines(lines), lineterminator="\r\n")
    for row in zip(*[_cells(values) for values in columns], strict=True):
        text = ",".join(row)
        if ('"' in text or "\n" in text or "\r" in text or text.count(",") != separators
                or not text):  # fmt: skip  # (a lone empty cell is written `""`)
            writer.writerow(row)
            text = lines.pop()[:-2]
        lines.append(text + "\n")
    return lines


def _cells(values: Sequence[object]) -> list[str]:
    """`csv_text` of each value, a column at a time, without the call for the common cells:
    text (or a tuple of text) whose first character is a letter or digit, numbers, None."""
    cells: list[str] = []
    add = cells.append
    for value in values:
        kind = type(value)
        if kind is str:
            text = value
        elif kind is tuple:
            try:
                text = ";".join(value)  # type: ignore[arg-type]
            except TypeError:  # not all text
                add(csv_text(value))
                continue
        elif kind is float and value == value:  # not NaN
            add(str(int(value)) if value.is_integer() else repr(value))  # type: ignore[union-attr]
            continue
        elif value is None:
            add("")
            continue
        else:
            add(csv_text(value))
            continue
        add(text if text[:1].isalnum() else csv_text(value))
    return cells


class _Lines:
    def __init__(self, lines: list[str]):
        self.write = lines.append


def render(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None) -> str:
    """The text of `rows` in `fmt`; `columns` fixes the order (and the CSV header if empty)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":  # a list, one record a line: compact, and still read line by line
        return "[\n" + ",\n".join(to_json(r) for r in rows) + "\n]\n" if rows else "[]\n"
    if fmt == "jsonl":
        return "".join(to_json(r) + "\n" for r in rows)
    if fmt == "csv":
        return _csv([columns, *([r.get(c) for c in columns] for r in rows)])
    if fmt == "table":
        return table(rows, columns)
    raise ValueError(f"unknown format {fmt!r}")


def table(rows: Sequence[dict], columns: Sequence[str], max_width: int | None = None) -> str:
    """A plain-text table that fits the terminal: the widest column is cut with `…`."""
    if not rows:
        return "(none)\n"
    cells = [[_flat(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    room = (max_width or shutil.get_terminal_size((120, 20)).columns) - 2 * (len(columns) - 1)
    while sum(widths) > room and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def line(values: Sequence[str]) -> str:
        fitted = [
            v if len(v) <= w else v[: w - 1] + "…" for v, w in zip(values, widths, strict=True)
        ]
        return "  ".join(f.ljust(w) for f, w in zip(fitted, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(columns)), rule, *(line(row) for row in cells)]) + "\n"
