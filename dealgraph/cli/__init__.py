"""The `dealgraph` command: a thin shell over the Python API (`dealgraph.api`).

The group imports only click; each command's module (`dealgraph/cli/<topic>.py`) loads when
the command runs (`LazyGroup`). Shared options and the error mapping are in `options`, the
output convention (`--format`, `-o`, `--quiet`) in `output`. Errors the user can fix become
one line on stderr and exit status 2; `alerts --fail-on` exits 1 when an alert reaches that
severity; a reader closing the pipe (`dealgraph alerts | head -1`) ends the command quietly
with status 141, as a SIGPIPE would.
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


CLOSED_PIPE_STATUS = 128 + signal.SIGPIPE  # what a shell reports for `yes | head -1`


class DealgraphGroup(LazyGroup):
    """The command group; a closed standard output ends any command quietly.

    Click would exit 1 on a broken pipe, the status `alerts --fail-on` gives to "alerts
    found"; the buffered rest of standard output is flushed here, inside the command, so no
    "Exception ignored" lands on stderr at exit."""

    def invoke(self, ctx: click.Context):
        from dealgraph.atomic_files import stdout_failed
        from dealgraph.errors import ClosedOutput

        try:
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()
        except BrokenPipeError as exc:
            stdout_failed(exc)  # what is still buffered goes to /dev/null
            sys.exit(CLOSED_PIPE_STATUS)
        except ClosedOutput:
            stdout_failed(BrokenPipeError())
            sys.exit(CLOSED_PIPE_STATUS)


@click.group(
    cls=DealgraphGroup,
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
