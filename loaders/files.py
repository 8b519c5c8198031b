"""Open an input file for reading, refusing anything that is not a regular file.

A data folder may hold things named like table files that are not files: a folder called
`deals.csv`, a broken or looping symbolic link, a named pipe (FIFO), a device. Each is bad
input, reported in one line, and none may hang the loader: the file is opened without
blocking (a FIFO with no writer would block a plain `open` forever), and only then asked
what it is, so nothing is read between checking and opening.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from dealgraph.errors import DataError, Problem

_NOT_FILES = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a file"),
    (stat.S_ISCHR, "is a device, not a file"),
    (stat.S_ISBLK, "is a device, not a file"),
    (stat.S_ISSOCK, "is a socket, not a file"),
)


def read_bytes(path: Path) -> bytes:
    """The whole content of the regular file at `path`; `DataError` for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise DataError([Problem(str(path), 0, "", _open_failure(path, exc))]) from None
    try:
        mode = os.fstat(fd).st_mode
        for is_kind, message in _NOT_FILES:
            if is_kind(mode):
                raise DataError([Problem(str(path), 0, "", message)])
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError as exc:
        raise DataError(
            [Problem(str(path), 0, "", f"cannot read file: {exc.strerror or exc}")]
        ) from None
    finally:
        os.close(fd)


def _open_failure(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (it points, in the end, back to itself)"
    if exc.errno == errno.ENOENT and path.is_symlink():
        try:
            return f"broken symbolic link (its target {os.readlink(path)!r} does not exist)"
        except OSError:
            return "broken symbolic link"
    if exc.errno == errno.ENOENT:
        return "no such file or folder"
    if exc.errno == errno.ENXIO:  # a socket, or a FIFO the system will not open this way
        return "not a regular file"
    return f"cannot read file: {exc.strerror or exc}"


def exists(path: Path) -> bool:
    """Whether anything at all is at `path`, even a broken link: such things must be reported,
    not skipped as if absent. Raises `OSError` when the folder may not be searched."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True
