"""Circular flows: money that leaves an entity and comes back to it through others.

A loop is an elementary directed cycle in the money-flow graph, whose nodes are entities and
whose edges are hops (all deals in force from one entity to another). Each loop is reported
once, starting at its smallest entity id, with the deals on each hop; its circulating amount
is its smallest hop: the most money that can go round it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import networkx as nx
from dealgraph.queries.flow import Hop

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
    def deal_ids(self) -> tuple[str, ...]:
        return tuple(d for hop in self.hops for d in hop.deal_ids)


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
    `limit` loops and says so (`truncated`). Loops come in a deterministic order: by their
    smallest entity, then depth-first in entity-id order.

    >>> from dealgraph.queries.flow import Hop
    >>> h = {("a", "b"): Hop("a", "b", 5.0, ("d1",), ("equity",)),
    ...      ("b", "a"): Hop("b", "a", 3.0, ("d2",), ("purchase",))}
    >>> [(l.entities, l.amount_usd) for l in find_loops(h).loops]
    [(('a', 'b'), 3.0)]
    """
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    if min_amount:
        hop_map = {
            pair: hop
            for pair, hop in hop_map.items()
            if hop.amount_usd is not None and hop.amount_usd >= min_amount
        }
    loops: list[Loop] = []
    for cycle in iter_cycles(list(hop_map), max_length):
        if len(loops) == limit:
            return LoopSearch(loops, True, limit, max_length)
        pairs = zip(cycle, cycle[1:] + cycle[:1], strict=True)
        loops.append(Loop(tuple(cycle), tuple(hop_map[pair] for pair in pairs)))
    return LoopSearch(loops, False, limit, max_length)


def iter_cycles(edges: list[tuple[str, str]], max_length: int) -> Iterator[list[str]]:
    """Yield each elementary cycle of at most `max_length` nodes once, smallest node first.

    A bounded depth-first search per strongly connected component: from each start `s` it
    visits only nodes larger than `s` (so each cycle is found from its smallest node only),
    and prunes any node whose shortest way back to `s` is too long for the bound. The search
    keeps an explicit stack, so callers may stop early.
    """
    graph = nx.DiGraph(edges)
    order = sorted(graph)
    rank = {node: i for i, node in enumerate(order)}
    component = {}
    for number, nodes in enumerate(nx.strongly_connected_components(graph)):
        for node in nodes:
            component[node] = number
    succ = [
        sorted(rank[v] for v in graph.successors(u) if component[v] == component[u]) for u in order
    ]
    pred = [[rank[v] for v in graph.predecessors(u) if component[v] == component[u]] for u in order]
    for start in range(len(order)):
        if not succ[start]:
            continue
        distance = _distances_back(start, pred, max_length - 1)
        yield from (
            [order[i] for i in cycle] for cycle in _cycles_from(start, succ, distance, max_length)
        )


def _distances_back(start: int, pred: list[list[int]], depth: int) -> dict[int, int]:
    """Hops from each node (larger than `start`) back to `start`, up to `depth`."""
    distance = {start: 0}
    frontier = [start]
    for level in range(1, depth + 1):
        nxt = []
        for node in frontier:
            for p in pred[node]:
                if p > start and p not in distance:
                    distance[p] = level
                    nxt.append(p)
        frontier = nxt
    return distance


def _cycles_from(
    start: int, succ: list[list[int]], distance: dict[int, int], max_length: int
) -> Iterator[list[int]]:
    path = [start]
    on_path = {start}
    stack = [iter(succ[start])]
    while stack:
        for node in stack[-1]:
            if node == start:
                if len(path) >= 2:
                    yield list(path)
            elif node > start and node not in on_path:
                back = distance.get(node)
                if back is not None and len(path) + back <= max_length:
                    path.append(node)
                    on_path.add(node)
                    stack.append(iter(succ[node]))
                    break
        else:
            stack.pop()
            on_path.discard(path.pop())
