"""Circular flows: money that leaves an entity and comes back to it through others.

A loop is an elementary directed cycle in the money-flow graph, whose nodes are entities and
whose edges are hops (all deals in force from one entity to another). Each loop is reported
once, starting at its smallest entity id, with the deals on each hop; its circulating amount
is its smallest hop: the most money that can go round it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice

import numpy as np
import pandas as pd

from dealgraph.queries.flows.flow import Hop

DEFAULT_MAX_LENGTH = 6
DEFAULT_LIMIT = 100_000


@dataclass(frozen=True)
class Loop:
    """A cycle of hops; `hops[i]` goes from `entities[i]` to `entities[i + 1]` (wrapping)."""

    entities: tuple[str, ...]
    hops: tuple[Hop, ...]

    @property
    def length(self) -> int:
        return len(self.entities)

    @property
    def amount_usd(self) -> float | None:
        """The smallest hop; None when any hop's amount is undisclosed."""
        amounts = [hop.amount_usd for hop in self.hops]
        return None if any(a is None for a in amounts) else min(amounts)  # type: ignore[type-var]

    @property
    def amount_low_usd(self) -> float | None:
        """The smallest hop counting each deal's firm or up-front part."""
        return _smallest(hop.amount_low_usd for hop in self.hops)

    @property
    def amount_high_usd(self) -> float | None:
        """The smallest hop counting each deal's headline (or high end)."""
        return _smallest(hop.amount_high_usd for hop in self.hops)

    @property
    def deal_ids(self) -> tuple[str, ...]:
        return tuple(d for hop in self.hops for d in hop.deal_ids)


def _smallest(amounts) -> float | None:
    found = list(amounts)
    return None if any(a is None for a in found) else min(found)


@dataclass(frozen=True)
class LoopSearch:
    """The loops found, and whether `limit` cut the search short."""

    loops: list[Loop]
    truncated: bool
    limit: int
    max_length: int


def largest_first(loops: list[Loop]) -> list[Loop]:
    """Loops by circulating amount, undisclosed ones last, ties by entities."""
    return sorted(loops, key=lambda loop: (-(loop.amount_usd or -1.0), loop.entities))


def find_loops(
    hop_map: Mapping[tuple[str, str], Hop],
    max_length: int = DEFAULT_MAX_LENGTH,
    min_amount: float | None = None,
    limit: int = DEFAULT_LIMIT,
) -> LoopSearch:
    """Every loop of 2..`max_length` entities whose amount is at least `min_amount`.

    The number of loops can grow exponentially with `max_length`; the search stops after
    `limit` loops and says so (`truncated`). Loops come in a deterministic order (see
    `iter_cycles`). To handle loops one at a time, in flat memory, use `iter_loops`.

    >>> from dealgraph.queries.flows.flow import Hop
    >>> h = {("a", "b"): Hop("a", "b", 5.0, ("d1",), ("equity",)),
    ...      ("b", "a"): Hop("b", "a", 3.0, ("d2",), ("purchase",))}
    >>> [(l.entities, l.amount_usd) for l in find_loops(h).loops]
    [(('a', 'b'), 3.0)]
    """
    loops = list(islice(iter_loops(hop_map, max_length, min_amount), limit + 1))
    truncated = len(loops) > limit
    return LoopSearch(loops[:limit], truncated, limit, max_length)


def iter_loops(
    hop_map: Mapping[tuple[str, str], Hop],
    max_length: int = DEFAULT_MAX_LENGTH,
    min_amount: float | None = None,
) -> Iterator[Loop]:
    """Yield loops as the search finds them (see `find_loops` for what a loop is).

    A loop's amount is its smallest hop, so hops below `min_amount` (or undisclosed) are
    dropped before the search: fewer hops, same answer, much less work.
    """
    hop_map = searched_hops(hop_map, min_amount)
    for entities in iter_loop_entities(hop_map, max_length):
        pairs = zip(entities, (*entities[1:], entities[0]), strict=True)
        yield Loop(entities, tuple(hop_map[pair] for pair in pairs))


def searched_hops(
    hop_map: Mapping[tuple[str, str], Hop], min_amount: float | None
) -> Mapping[tuple[str, str], Hop]:
    """The hops a loop of at least `min_amount` can use: those of at least that amount."""
    if not min_amount:
        return hop_map
    return {
        pair: hop
        for pair, hop in hop_map.items()
        if hop.amount_usd is not None and hop.amount_usd >= min_amount
    }


def iter_loop_entities(
    hop_map: Mapping[tuple[str, str], Hop], max_length: int = DEFAULT_MAX_LENGTH
) -> Iterator[tuple[str, ...]]:
    """The loops of `iter_loops` over every hop of `hop_map`, as their entities only: no
    `Loop` made, for callers that work per hop themselves (`loop_alerts`)."""
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    for cycle in iter_cycles(list(hop_map), max_length):
        yield tuple(cycle)


def iter_cycles(edges: list[tuple[str, str]], max_length: int) -> Iterator[list[str]]:
    """Yield each elementary cycle of at most `max_length` nodes once, smallest id first.

    A bounded depth-first search inside each strongly connected component. Nodes are ranked
    hubs first; from each start the search visits only higher-ranked nodes (so each cycle is
    found once, from its first-ranked node) and only nodes whose shortest way back to the
    start fits in the remaining length. Ranking hubs first means they are settled early and
    every later search skips them; candidates are found by walking the smaller of "successors"
    and "within reach of the start", so a hub's thousands of partners cost little. The search
    keeps an explicit stack: it yields cycles as it finds them and callers may stop early.
    The order is deterministic: by the start's rank, then depth first in rank order.
    """
    order, succ, pred = _ranked_graph(edges)
    succ_sets = [set(s) for s in succ]
    for start in range(len(order)):
        if not succ[start]:
            continue
        within = _reach_back(start, pred, max_length - 1)
        for cycle in _cycles_from(start, succ, succ_sets, within, max_length):
            names = [order[i] for i in cycle]
            first = names.index(min(names))
            yield names[first:] + names[:first]


def _ranked_graph(
    edges: list[tuple[str, str]],
) -> tuple[list[str], list[list[int]], list[list[int]]]:
    """Nodes ranked hubs first (degree in and out, then by id), with successor and
    predecessor ranks inside each strong component (no edge between two components lies
    on a cycle). Built from integer arrays: a graph object of a million edges took more
    memory than the search itself."""
    if not edges:
        return [], [], []
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    ends = np.empty(2 * len(edges), dtype=object)
    ends[:] = [node for edge in edges for node in edge]
    codes, names = pd.factorize(ends, sort=True)  # codes in id order
    source, target = codes[0::2], codes[1::2]
    count = len(names)
    degree = np.bincount(source, minlength=count) + np.bincount(target, minlength=count)
    by_rank = np.lexsort((np.arange(count), -degree))  # hubs first, then by id
    rank = np.empty(count, dtype=np.int64)
    rank[by_rank] = np.arange(count)
    adjacency = coo_array((np.ones(len(source), dtype=np.int8), (source, target)),
                          shape=(count, count))  # fmt: skip
    _, component = connected_components(adjacency, directed=True, connection="strong")
    inside = component[source] == component[target]
    tails, heads = rank[source[inside]], rank[target[inside]]
    order = names[by_rank].tolist()
    return order, _neighbours(tails, heads, count), _neighbours(heads, tails, count)


def _neighbours(nodes: np.ndarray, others: np.ndarray, count: int) -> list[list[int]]:
    """For each node 0..count-1, its `others` in rank order."""
    order = np.lexsort((others, nodes))
    cuts = np.cumsum(np.bincount(nodes, minlength=count))[:-1].tolist()
    flat = others[order].tolist()
    starts = [0, *cuts]
    return [flat[a:b] for a, b in zip(starts, [*cuts, len(flat)], strict=True)]


def _reach_back(start: int, pred: list[list[int]], depth: int) -> list[tuple[list[int], set[int]]]:
    """For j = 0..depth: nodes ranked after `start` at most j steps from it (sorted; as a set)."""
    seen = {start}
    frontier = [start]
    rings: list[list[int]] = []
    for _ in range(depth):
        nxt = []
        for node in frontier:
            for p in pred[node]:
                if p > start and p not in seen:
                    seen.add(p)
                    nxt.append(p)
        rings.append(nxt)
        frontier = nxt
    within: list[tuple[list[int], set[int]]] = [([], set())]
    members: list[int] = []
    for ring in rings:
        members = sorted(members + ring)
        within.append((members, set(members)))
    return within


def _cycles_from(
    start: int,
    succ: list[list[int]],
    succ_sets: list[set[int]],
    within: list[tuple[list[int], set[int]]],
    max_length: int,
) -> Iterator[list[int]]:
    """Cycles through `start` over larger nodes, as the path is extended depth first."""

    def onward(node: int, length: int) -> Iterator[int]:
        """Successors of `node` that can still get back to `start` within the bound, in rank
        order; walks whichever of the two sets is smaller."""
        reach_list, reach_set = within[max_length - length]
        if len(succ[node]) <= len(reach_list):
            return iter([v for v in succ[node] if v in reach_set])
        return iter([v for v in reach_list if v in succ_sets[node]])

    path = [start]
    on_path = {start}
    stack = [onward(start, 1)]
    while stack:
        for node in stack[-1]:
            if node in on_path:
                continue
            path.append(node)
            on_path.add(node)
            if start in succ_sets[node]:
                yield list(path)
            stack.append(onward(node, len(path)))
            break
        else:
            stack.pop()
            on_path.discard(path.pop())
