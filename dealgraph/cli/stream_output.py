"""Alerts written as the loop search finds them: JSON Lines to a file or a pipe.

Memory stays flat however many loops there are; a progress line shows on a terminal (never
in a pipe or a file); a file is written under a temporary name and renamed when complete,
so a reader never sees half of it; a killed stream's temporary file goes on SIGINT or
SIGTERM, or at the next write to that file after a SIGKILL (see `atomic_files`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO

import click
import orjson

from dealgraph.api import DealGraph
from dealgraph.atomic_files import atomic_output, checkpoint
from dealgraph.cli.gc_tuning import fewer_collections
from dealgraph.cli.options import JSON_OPTIONS
from dealgraph.cli.output import Output
from dealgraph.queries.findings.alerts import SEVERITIES
from dealgraph.queries.findings.analysis import StreamReport

PROGRESS_EVERY = 0.5  # seconds between progress updates
BATCH = 256  # alerts per write
FLUSH_EVERY = 0.2  # seconds: lines found more slowly go out at least this often


def write_alerts_jsonl(graph: DealGraph, filters: dict, output: Output) -> str | None:
    """Stream every alert of `graph.alert_stream(**filters)` as one JSON line; return the
    highest severity seen (or None). Lines go out in batches (`BATCH` alerts, or what
    came within `FLUSH_EVERY`), each flushed: a reader sees the first loops while the
    search goes on."""
    report = StreamReport()
    worst = -1
    show_progress = output.shows_progress
    last = written = time.monotonic()
    pending: list[bytes] = []
    with fewer_collections(), atomic_output(output.path or Path("-"), binary=True) as out:
        for alert in graph.alert_stream(report, **filters):
            pending.append(orjson.dumps(alert, option=JSON_OPTIONS))
            checkpoint()  # a test may stop the stream here (atomic_files)
            worst = max(worst, SEVERITIES.index(alert.severity))
            now = time.monotonic()
            if len(pending) >= BATCH or now - written > FLUSH_EVERY:
                _write(out, pending)
                written = now
            if show_progress and now - last > PROGRESS_EVERY:
                click.echo(f"\r{report.loops:,} loops found...", nl=False, err=True)
                last = now
        _write(out, pending)
    if show_progress:
        click.echo("\r" + " " * 40 + "\r", nl=False, err=True)
    if report.truncated:
        click.echo(
            f"Warning: loop search stopped at {filters['limit']:,} loops (--limit); "
            f"{report.loops:,} loop alerts written. Raise --limit or narrow it with "
            "--max-length or --min-amount.",
            err=True,
        )
    return SEVERITIES[worst] if worst >= 0 else None


def _write(out: IO[bytes], lines: list[bytes]) -> None:
    if lines:
        out.write(b"\n".join(lines) + b"\n")
        out.flush()
        lines.clear()
