"""A set of output files that belong together (alerts.json, alerts.csv, map.html), moved into
their folder together and certified by a manifest written last.

The files are written into a temporary folder inside the target folder (same file system,
so each move is a rename), `.dealgraph-set.PID.XXXXXXXX.tmp`, with the new `manifest.json`
(each file's SHA-256 and size). Only when all are written: the old manifest is removed, each
file is renamed over its old version (keeping that version's mode), and the new manifest is
renamed in last. So at any moment `manifest.json` either is missing or describes the files
beside it: a reader that finds it (and may check the digests) has a whole set; a reader that
does not has a set being replaced, or left by a crash during the moves. A failure or
SIGINT/SIGTERM before the moves leaves the old set as it was, manifest included; a SIGKILL
leaves the temporary folder, which the next run removes
(`atomic_files.remove_stale_temporaries`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dealgraph.atomic_files import (
    OutputError,
    checkpoint,
    new_file_mode,
    remove_stale_temporaries,
    temporary_prefix,
    write_atomically,
    written_in_place,
)

MANIFEST = "manifest.json"
_STAGING = "dealgraph-set"  # the temporary folder's name stem, inside the target folder
_CHUNK = 1 << 20  # bytes read at a time to hash or copy a file


@contextmanager
def output_set(folder: Path, names: tuple[str, ...]) -> Iterator[Path]:
    """Yield a temporary folder to write `names` into; on success they replace the set in
    `folder` and the manifest is written (see the module docstring)."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write into {folder}: not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in (_STAGING, *names, MANIFEST):
            remove_stale_temporaries(folder / name)
        checkpoint()
        staging = Path(
            tempfile.mkdtemp(dir=folder, prefix=temporary_prefix(folder / _STAGING), suffix=".tmp")
        )
    except OSError as exc:
        raise OutputError(f"cannot write into {folder}: {exc.strerror or exc}") from None
    try:
        checkpoint()
        yield staging
        missing = [n for n in names if not (staging / n).is_file()]  # a caller's slip
        if missing:
            raise OutputError(f"{', '.join(missing)} not written; {folder} left as it was")
        _move_in(staging, folder, names)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    checkpoint()


def _move_in(staging: Path, folder: Path, names: tuple[str, ...]) -> None:
    """Certify the staged set, then swap it in: the old manifest goes first, the new one is
    renamed in last, so a manifest never stands beside a mixed set."""
    manifest = {name: _describe(staging / name) for name in names}
    text = json.dumps({"files": manifest}, indent=2, sort_keys=True) + "\n"
    write_atomically(staging / MANIFEST, text)
    try:
        os.chmod(staging / MANIFEST, new_file_mode(folder / MANIFEST))
        (folder / MANIFEST).unlink(missing_ok=True)
        checkpoint()
        for name in (*names, MANIFEST):
            target, staged = folder / name, staging / name
            if written_in_place(target):  # a device or a FIFO stays one
                with open(target, "wb") as out, staged.open("rb") as source:
                    shutil.copyfileobj(source, out, _CHUNK)
            else:
                os.chmod(staged, new_file_mode(target))
                os.replace(staged, target)
            checkpoint()
    except OSError as exc:
        raise OutputError(f"cannot write into {folder}: {exc.strerror or exc}") from None


def _describe(path: Path) -> dict:
    """Size and SHA-256, read a chunk at a time: alerts files run to gigabytes."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as data:
        while chunk := data.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"bytes": size, "sha256": digest.hexdigest()}


def read_manifest(folder: Path) -> dict | None:
    """The files `folder`'s manifest lists, if it has one and every digest matches, else None:
    None means the set is not known to be whole."""
    try:
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
        whole = all(_describe(folder / name) == facts for name, facts in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files if whole else None
