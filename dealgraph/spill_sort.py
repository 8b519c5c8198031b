"""Sort more records than fit in memory: sorted runs spilled to disk, merged lazily.

`analyze` writes alerts.json and alerts.csv most severe first, however many loops the
search finds; holding millions of alerts to sort them took gigabytes. `SpillSort` keeps
at most `run_size` records in memory: when that many are in, they are sorted and pickled
to a run file (in chunks, so reading one back costs one `pickle.loads` per chunk), and
`sorted()` merges the runs with `heapq.merge`. Memory is one run plus a chunk per run.

Records are sorted as they compare (tuples field by field, no key function: the fastest
sort and merge Python has), so a caller puts its sort key first and, to keep ties in the
order added, a running count after it.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

RUN_SIZE = 50_000  # records in memory before a run is spilled
CHUNK = 1_000  # records per pickle in a run file


class SpillSort:
    """`extend(records)` as records come; `sorted()` once, records in order; the run files
    live in `folder` (a temporary folder the caller removes) and go on `close`."""

    def __init__(self, folder: Path, run_size: int | None = None):
        self.folder, self.run_size = folder, run_size or RUN_SIZE
        self._batch: list[Any] = []
        self._runs: list[Path] = []
        self._added = 0

    def extend(self, records: Iterable[Any]) -> None:
        before = len(self._batch)
        self._batch.extend(records)
        self._added += len(self._batch) - before
        if len(self._batch) >= self.run_size:
            self._spill()

    def __len__(self) -> int:
        return self._added

    def _spill(self) -> None:
        self._batch.sort()
        fd, name = tempfile.mkstemp(dir=self.folder, prefix=".sort-run.", suffix=".tmp")
        with open(fd, "wb") as out:
            for start in range(0, len(self._batch), CHUNK):
                pickle.dump(self._batch[start : start + CHUNK], out, pickle.HIGHEST_PROTOCOL)
        self._runs.append(Path(name))
        self._batch = []

    def sorted(self) -> Iterator[Any]:
        """Every record, in order."""
        self._batch.sort()
        if not self._runs:
            return iter(self._batch)
        return heapq.merge(*[_read_run(path) for path in self._runs], self._batch)

    def close(self) -> None:
        for path in self._runs:
            path.unlink(missing_ok=True)
        self._runs, self._batch = [], []

    def __enter__(self) -> SpillSort:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def _read_run(path: Path) -> Iterator[Any]:
    with path.open("rb") as run:
        while True:
            try:
                chunk = pickle.load(run)
            except EOFError:
                return
            yield from chunk
