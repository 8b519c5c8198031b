"""Fewer garbage collections while millions of alerts stream by.

Each alert is a few dicts, lists and tuples that reference counting frees once it is
written; none is part of a cycle. CPython still runs a young collection every 700 new
containers, and a batch of alerts that outlives them is promoted and walked again by the
older collections: a fifth of `analyze`'s time at a million loops went there. Inside
`fewer_collections` the objects that exist (the data set, its frames, the hops) are frozen
out of the collector's walks and collections come a hundred times less often; both are put
back on the way out. Cycles made inside are still collected, only later.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (50_000, 20, 100)  # new containers between young collections; then per older


@contextmanager
def fewer_collections() -> Iterator[None]:
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
