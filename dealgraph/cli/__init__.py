"""The `dealgraph` command: a thin shell over the Python API (`dealgraph.api`).

The group imports only click; each command's module (`dealgraph/cli/<topic>.py`) loads when
the command runs (`LazyGroup`). Shared options and the error mapping are in `options`, the
output formats in `render`. Errors the user can fix become one line on stderr and exit
status 2; `alerts --fail-on` exits 1 when an alert reaches that severity.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

import click

from dealgraph import __version__
from dealgraph.cli.lazy_group import LazyGroup

__all__ = ["main"]


@click.group(
    cls=LazyGroup,
    folder=Path(__file__).parent,
    package=__name__,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="dealgraph", package_name="dealgraph")
def main() -> None:
    """Map the money of the AI build-out: circular financing, dependencies, contagion.

    Every command reads the bundled, cited data set unless --data says otherwise.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_signal)


def _exit_on_signal(number: int, frame) -> None:
    """SIGTERM unwinds like SIGINT, through the clean-up of half-written outputs."""
    sys.exit(128 + number)
