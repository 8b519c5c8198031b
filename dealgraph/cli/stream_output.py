"""Alerts written as the loop search finds them: JSON Lines to a file or a pipe.

Memory stays flat however many loops there are; a progress line shows on a terminal (never
in a pipe or a file); a file is written under a temporary name and renamed when complete,
so a reader never sees half of it; a killed stream's temporary file goes on SIGINT or
SIGTERM, or at the next write to that file after a SIGKILL (see `atomic_files`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import IO

import click

from dealgraph.atomic_files import atomic_output, checkpoint
from dealgraph.cli.render import to_json
from dealgraph.graph.model import DataSet
from dealgraph.queries.findings.alerts import SEVERITIES
from dealgraph.queries.findings.analysis import Options, StreamReport, stream_alerts

PROGRESS_EVERY = 0.5  # seconds between progress updates


def write_alerts_jsonl(dataset: DataSet, options: Options, output: Path | None) -> str | None:
    """Stream every alert as one JSON line; return the highest severity seen (or None)."""
    report = StreamReport()
    worst = -1
    show_progress = sys.stderr.isatty()
    last = time.monotonic()
    with atomic_output(output or Path("-")) as out:  # stdout, a device or a FIFO in place
        for alert in stream_alerts(dataset, options, report):
            _write(out, alert.as_dict())
            checkpoint()  # a test may stop the stream here (atomic_files)
            worst = max(worst, SEVERITIES.index(alert.severity))
            if show_progress and time.monotonic() - last > PROGRESS_EVERY:
                click.echo(f"\r{report.loops:,} loops found...", nl=False, err=True)
                last = time.monotonic()
    if show_progress:
        click.echo("\r" + " " * 40 + "\r", nl=False, err=True)
    if report.truncated:
        click.echo(
            f"Warning: loop search stopped at {options.limit:,} loops (--limit); "
            f"{report.loops:,} loop alerts written. Raise --limit or narrow it with "
            "--max-length or --min-amount.",
            err=True,
        )
    return SEVERITIES[worst] if worst >= 0 else None


def _write(out: IO[str], row: dict) -> None:
    out.write(to_json(row) + "\n")
