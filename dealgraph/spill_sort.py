"""Sort more records than fit in memory: sorted runs spilled to disk, merged lazily.

`analyze` writes alerts.json and alerts.csv most severe first, however many loops the
search finds; holding millions of alerts to sort them took gigabytes. `SpillSort` keeps
at most `run_size` records in memory: when that many are in, they are sorted and pickled
to a run file (in chunks, so reading one back costs one `pickle.loads` per chunk), and
`sorted()` merges the runs with `heapq.merge`. Memory is one run plus a chunk per run.
Ties keep the order the records were added in, as `sorted` does.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import Any

RUN_SIZE = 50_000  # records in memory before a run is spilled
CHUNK = 1_000  # records per pickle in a run file


class SpillSort:
    """`add(key, record)` as records come; `sorted()` once, records by key; the run
    files live in `folder` (a temporary folder the caller removes) and go on `close`."""

    def __init__(self, folder: Path, run_size: int | None = None):
        self.folder, self.run_size = folder, run_size or RUN_SIZE
        self._batch: list[tuple[Any, int, Any]] = []
        self._runs: list[Path] = []
        self._added = 0

    def add(self, key: Any, record: Any) -> None:
        self._batch.append((key, self._added, record))  # the count keeps ties in order
        self._added += 1
        if len(self._batch) >= self.run_size:
            self._spill()

    def __len__(self) -> int:
        return self._added

    def _spill(self) -> None:
        self._batch.sort(key=itemgetter(0, 1))
        fd, name = tempfile.mkstemp(dir=self.folder, prefix=".sort-run.", suffix=".tmp")
        with open(fd, "wb") as out:
            for start in range(0, len(self._batch), CHUNK):
                pickle.dump(self._batch[start : start + CHUNK], out, pickle.HIGHEST_PROTOCOL)
        self._runs.append(Path(name))
        self._batch = []

    def sorted(self) -> Iterator[Any]:
        """Every record, by key (then by the order added)."""
        self._batch.sort(key=itemgetter(0, 1))
        if not self._runs:
            yield from (record for _, _, record in self._batch)
            return
        runs = [_read_run(path) for path in self._runs]
        merged = heapq.merge(*runs, self._batch, key=itemgetter(0, 1))
        yield from (record for _, _, record in merged)

    def close(self) -> None:
        for path in self._runs:
            path.unlink(missing_ok=True)
        self._runs, self._batch = [], []

    def __enter__(self) -> SpillSort:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def _read_run(path: Path) -> Iterator[tuple]:
    with path.open("rb") as run:
        while True:
            try:
                chunk = pickle.load(run)
            except EOFError:
                return
            yield from chunk
