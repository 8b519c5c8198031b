"""Output files written whole or not at all, with the permissions and targets a user expects.

- A regular file (or a new one) is written to a temporary file beside it, then renamed over
  it: a reader or a crash never sees half a file, and a failed command leaves the old file
  as it was. The new file keeps the mode of the file it replaces, or gets 0666 less the
  umask when it is new (what `open` would give), not `mkstemp`'s 0600. A symbolic link to a
  regular file is kept: its target is replaced.
- Anything else is written in place: a device (`/dev/null`, `/dev/full`), a FIFO, anything
  under /dev or /proc (`/dev/stdout`), and `-` (standard output). Renaming over them would
  put a regular file where the device was.
- Temporary names carry the writer's process id, `.NAME.PID.XXXXXXXX.tmp`. SIGINT and
  SIGTERM unwind through the cleanup (the CLI turns SIGTERM into `SystemExit`); a SIGKILL
  cannot be caught, so every write first removes the temporaries of its target whose
  process is gone.
- A write that fails raises `OutputError`: one line naming the path and the reason.

Test hook (docs/security.md, "Atomic outputs"): `DEALGRAPH_TEST_STOP_AT=N` makes the process
SIGKILL itself at the Nth `checkpoint()` (`N:pause` makes it wait there instead), so tests
can stop a write at every step. Unset, a checkpoint costs one comparison.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from dealgraph.errors import ClosedOutput, OutputError

_STOP_AT = os.environ.get("DEALGRAPH_TEST_STOP_AT", "")
_checkpoints = 0


def checkpoint() -> None:
    """A point where tests may stop this process (see the module docstring)."""
    global _checkpoints
    if not _STOP_AT:
        return
    _checkpoints += 1
    number, _, how = _STOP_AT.partition(":")
    if _checkpoints == int(number):
        if how == "pause":
            print(f"dealgraph: paused at checkpoint {number}", file=sys.stderr, flush=True)
            time.sleep(600)
        else:
            os.kill(os.getpid(), signal.SIGKILL)


def written_in_place(path: Path) -> bool:
    """True for `-`, devices, FIFOs and /dev or /proc paths; False for regular or new files."""
    if str(path) == "-" or str(path).startswith(("/dev/", "/proc/")):
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def new_file_mode(existing: Path | None = None) -> int:
    """The mode of `existing` when it is a regular file, else 0666 less the umask."""
    if existing is not None:
        try:
            found = os.stat(existing)
            if stat.S_ISREG(found.st_mode):
                return stat.S_IMODE(found.st_mode) & 0o777
        except FileNotFoundError:
            pass
    return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux shows it without changing it
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temporary_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


def remove_stale_temporaries(path: Path) -> None:
    """Remove the temporaries of `path` (files or folders) left by processes that are gone."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[A-Za-z0-9_]+\.tmp")
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if not match or _alive(int(match[1])):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            Path(entry.path).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _failed(path: Path | str, exc: OSError) -> OutputError:
    if isinstance(exc, BrokenPipeError):  # a FIFO or /dev/stdout whose reader left
        return ClosedOutput(f"{path} was closed by its reader")
    return OutputError(f"cannot write {path}: {exc.strerror or exc}")


def stdout_failed(exc: OSError) -> OutputError:
    """An `OutputError` for a failed write to standard output (`ClosedOutput` when its reader
    closed the pipe). What is still buffered is sent to /dev/null, so the flush at exit does
    not fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real stream (a test runner's): nothing to flush
        pass
    if isinstance(exc, BrokenPipeError):
        return ClosedOutput("standard output was closed by its reader")
    return OutputError(f"cannot write to standard output: {exc.strerror or exc}")


@contextmanager
def atomic_output(path: Path, binary: bool = False) -> Iterator[IO]:
    """A handle whose content replaces `path` only when the block ends without error; written
    in place for a device, a FIFO or `-` (see the module docstring)."""
    if str(path) == "-":
        try:
            yield sys.stdout.buffer if binary else sys.stdout
            sys.stdout.flush()
        except OSError as exc:
            raise stdout_failed(exc) from None
        return
    if written_in_place(path):
        try:
            with open(path, "wb" if binary else "w", encoding=None if binary else "utf-8") as out:
                yield out
        except OSError as exc:
            raise _failed(path, exc) from None
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temporary_prefix(path), suffix=".tmp")
    except OSError as exc:
        raise _failed(path, exc) from None
    try:
        checkpoint()
        os.fchmod(fd, new_file_mode(path))
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8",
                       newline=None if binary else "\n") as handle:  # fmt: skip
            yield handle
        checkpoint()
        os.replace(tmp, path)
        checkpoint()
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _failed(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write `content` (text as UTF-8) to `path`, whole or not at all."""
    with atomic_output(path, binary=True) as handle:
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)
