"""The output convention of every command that prints data: `--format`, `-o/--output` and
`--quiet`, added by one decorator (`output_options`) that hands the command an `Output`.

- The format is `--format` when given, else the output file's suffix (`-o alerts.csv` writes
  CSV), else the command's default (for rows: a table on a terminal, JSON otherwise).
- A suffix the command writes no format for is refused before any work, in one line and exit
  status 2, even with `--format` (`alerts -o alerts.parquet`: a hint names the command that
  writes .parquet); so is a suffix nothing here writes, unless `--format` says what to write
  (`-o alerts.out --format csv`). `-`, a device and a FIFO take any format.
- `--quiet` silences what goes to stderr besides errors: summaries ("Wrote ..."), notes on
  the numbers' basis and progress. The data itself still prints, and so does the warning
  that a loop search stopped at `--limit` (the rows are then not all).
- Progress shows on stderr only when stderr is a terminal (`Output.progress`,
  `Output.spinner`): a pipe, a file or a log never holds it.

Folder and picture writers keep the options with their own meaning (docs/formats.md,
"One output convention"): `analyze -o` is a folder and `--format` the summary's format;
`export` writes folders for parquet and neo4j-admin; `map` writes a file, map.html by default;
`picture` writes SVG or PNG and its suffix must name the format.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from dealgraph.atomic_files import write_atomically, written_in_place
from dealgraph.cli.options import UserError, print_out, render


@dataclass(frozen=True)
class Formats:
    """What a command writes: its `--format` choices, the suffix of each, and its defaults
    (to a terminal, and to a pipe or a file; None: `--format` must say). `strict`: the
    file's suffix must be one of `suffixes`, whatever --format says (pictures)."""

    names: tuple[str, ...]
    suffixes: Mapping[str, str]
    terminal: str | None
    otherwise: str | None
    strict: bool = False

    def describe(self) -> str:
        return ", ".join(sorted(self.suffixes))


ROWS = Formats(("table", "json", "jsonl", "csv"),
               {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
                ".txt": "table"}, "table", "json")  # fmt: skip
REPORT = Formats(("text", "json"), {".txt": "text", ".json": "json"}, "text", "text")
# Suffixes other commands write: named in the refusal, so `-o x.parquet` says where to go.
WRITTEN_BY = {".parquet": "export --format parquet", ".graphml": "export --format graphml",
              ".gexf": "export --format gexf", ".ftm": "export --format ftm",
              ".html": "map", ".htm": "map", ".svg": "picture", ".png": "picture",
              ".xlsx": None, ".xls": None}  # fmt: skip


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def names_a_file_format(path: Path) -> bool:
    """True when `path`'s suffix is one some writer (or reader) here knows as a file format:
    a folder named `out.json` is most likely a mistake."""
    suffix = _suffix(path)
    return suffix in WRITTEN_BY or suffix in ROWS.suffixes or suffix in REPORT.suffixes


def resolve_format(formats: Formats, given: str | None, path: Path | None, option: str) -> str:
    """The format to write (see the module docstring); a `UserError` before any work if the
    suffix of `path` cannot hold what this command writes."""
    in_place = path is None or (written_in_place(path) and not path.is_dir())
    suffix = "" if in_place else _suffix(path)
    if suffix and suffix not in formats.suffixes:
        known = names_a_file_format(path)
        if known or given is None or formats.strict:
            where = WRITTEN_BY.get(suffix)
            hint = f"; `dealgraph {where}` writes {suffix}" if where else ""
            if not known and not formats.strict:
                hint = f"; give --format ({', '.join(formats.names)}) to write it anyway"
            raise UserError(f"Error: {option} {path}: this command writes "
                            f"{formats.describe()} files, not {suffix}{hint}")  # fmt: skip
    if given is not None:
        return given
    if suffix:
        return formats.suffixes[suffix]
    default = formats.terminal if path is None and sys.stdout.isatty() else formats.otherwise
    if default is None:
        named = f"{option} {path}: " if path is not None else ""
        raise UserError(f"Error: {named}give --format ({', '.join(formats.names)})")
    return default


@dataclass(frozen=True)
class Output:
    """Where and how a command writes: the format, the file (None: stdout), and whether
    summaries and progress are silenced."""

    format: str
    path: Path | None
    quiet: bool

    def emit(self, rows: Sequence[dict], table_columns: Sequence[str]) -> None:
        """The rows in this output's format; the table shows `table_columns`."""
        columns = table_columns if self.format == "table" else None
        self.write(render(rows, self.format, columns))

    def write(self, content: str | bytes) -> None:
        """The whole output, to the file (written whole or not at all) or to stdout."""
        if self.path is None:
            if isinstance(content, bytes):
                content = content.decode("utf-8")
            print_out(content, nl=False)
        else:
            write_atomically(self.path, content)  # `-`, a device or a FIFO: in place

    def say(self, text: str) -> None:
        """A summary or a note, on stderr, unless --quiet."""
        if not self.quiet:
            click.echo(text, err=True)

    def notes(self, rows) -> None:
        """The notes on a facade's rows (the numbers' basis), on stderr unless --quiet."""
        for note in getattr(rows, "notes", ()):
            self.say(note)

    @property
    def shows_progress(self) -> bool:
        return not self.quiet and sys.stderr.isatty()

    def progress(self, length: int, label: str):
        """A `click.progressbar` on stderr when it is a terminal, else a bar that draws
        nothing: use `with out.progress(n, "Loading") as bar: ... bar.update(k)`."""
        return click.progressbar(length=length, label=label, file=sys.stderr if
                                 self.shows_progress else _Silent())  # fmt: skip

    @contextmanager
    def spinner(self, label: str) -> Iterator[None]:
        """`label` and the seconds elapsed on stderr while the block runs (a terminal only),
        for work whose length nothing measures beforehand (the analysis, an export)."""
        if not self.shows_progress:
            yield
            return
        stop = threading.Event()
        thread = threading.Thread(target=_spin, args=(label, stop), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


SPINNER_EVERY = 0.25  # seconds between frames
_FRAMES = "|/-\\"


def _spin(label: str, stop: threading.Event) -> None:
    start, frame = time.monotonic(), 0
    width = 0
    while True:
        text = f"\r{label} {_FRAMES[frame % len(_FRAMES)]} {time.monotonic() - start:.0f} s"
        width = max(width, len(text))
        click.echo(text, nl=False, err=True)
        frame += 1
        if stop.wait(SPINNER_EVERY):
            break
    click.echo("\r" + " " * width + "\r", nl=False, err=True)


class _Silent:
    """A file for click's progressbar that is not a terminal: nothing is drawn."""

    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def quiet_option(command: Callable) -> Callable:
    """`-q/--quiet` alone, for a command that prints no data (`load`)."""
    return click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP)(command)


QUIET_HELP = "No summaries, notes or progress on stderr; data and errors only."


def output_options(
    formats: Formats = ROWS,
    *,
    output_help: str | None = None,
    format_help: str | None = None,
    output_type: click.Path | None = None,
    default_output: Path | None = None,
    output_names: tuple[str, ...] = ("-o", "--output"),
    resolve: bool = True,
) -> Callable[[Callable], Callable]:
    """`--format`, `-o/--output` and `--quiet` for a command, which receives `out` (an
    `Output`); checked before the command's body runs. `resolve=False` hands the command
    the raw `fmt`, `output` and `quiet` for writers with their own rules (folders)."""
    output_help = output_help or (
        "Write to this file instead of stdout (a device or FIFO is written in place); its "
        f"suffix ({formats.describe()}) picks the format unless --format is given."
    )
    format_help = format_help or (
        f"Output format (default: {formats.terminal} on a terminal, {formats.otherwise} "
        "otherwise, or what the -o file's suffix says)."
    )
    options = [
        click.option("--format", "fmt", type=click.Choice(formats.names), help=format_help),
        click.option(*output_names, "output", default=default_output,
                     show_default=default_output is not None, help=output_help,
                     type=output_type or click.Path(dir_okay=False, allow_dash=True,
                                                    path_type=Path)),
        click.option("-q", "--quiet", is_flag=True, help=QUIET_HELP),
    ]  # fmt: skip

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def with_output(*args, fmt: str | None, output: Path | None, quiet: bool, **kwargs):
            if not resolve:
                return command(*args, fmt=fmt, output=output, quiet=quiet, **kwargs)
            chosen = resolve_format(formats, fmt, output, output_names[0])
            path = None if output is None or str(output) == "-" else output
            return command(*args, out=Output(chosen, path, quiet), **kwargs)

        for option in reversed(options):
            with_output = option(with_output)
        return with_output

    return decorate


def output_suffixes(*suffixes: str) -> Callable:
    """A click callback refusing a file whose suffix is not one of `suffixes` (for a second
    output beside the data, as `timeline --chart`), before any data is read."""

    def check(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
        if value is None or written_in_place(value) or not value.suffix:
            return value
        suffix = _suffix(value)
        if suffix in suffixes:
            return value
        raise UserError(f"Error: {param.opts[-1]} {value}: this writes {', '.join(suffixes)} "
                        f"files, not {suffix}")  # fmt: skip

    return check
