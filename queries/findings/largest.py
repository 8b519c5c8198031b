"""The first `k` items of a stream in some order, kept in memory bounded by `k`.

A summary shows the five largest of a million loops and a map the 300 largest it can draw:
sorting them all to take the head would hold them all. `Largest` keeps a buffer of at most
`2k` items and, when it fills, cuts it back to the `k` first; an item that cannot beat the
current `k`th is refused with one comparison of keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Largest(Generic[T]):
    """The `k` items with the smallest `key` (ties: first offered wins, as `sorted` keeps
    them), and how many were offered.

    >>> top = Largest(2, key=lambda n: -n)
    >>> top.extend([3, 9, 1, 7])
    >>> top.items(), top.offered
    ([9, 7], 4)
    """

    def __init__(self, k: int, key: Callable[[T], Any]):
        self.k, self.key = k, key
        self.offered = 0
        self._kept: list[tuple[Any, int, T]] = []  # (key, arrival, item): stable ties
        self._bar: Any = None  # the key of the kth item once the buffer was cut

    def add(self, item: T) -> None:
        self.offered += 1
        if self.k <= 0:
            return
        key = self.key(item)
        if self._bar is not None and not key < self._bar:
            return
        self._kept.append((key, self.offered, item))
        if len(self._kept) >= 2 * self.k:
            self._cut()

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.add(item)

    def _cut(self) -> None:
        self._kept.sort(key=lambda kept: kept[:2])
        del self._kept[self.k :]
        self._bar = self._kept[-1][0]

    def items(self) -> list[T]:
        """The kept items, first in order first."""
        self._kept.sort(key=lambda kept: kept[:2])
        return [item for _, _, item in self._kept[: self.k]]
