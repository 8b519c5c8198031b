"""Node positions for the map, computed once in Python so the page opens still and drawn.

Each connected part of the graph gets a force-directed layout (Fruchterman and Reingold,
1991) with a fixed seed, so the same data gives the same picture on every run and machine;
the parts are then packed in rows, largest first, instead of being left to drift apart.
Repulsion grows with degree, as in ForceAtlas2, which pulls hubs apart and keeps each
small counterparty near the hub it deals with. networkx's `spring_layout` runs the same
base algorithm, but from 500 nodes on it needs scipy, which dealgraph does not depend on;
this dense numpy version avoids three-dimensional temporaries and lays out 2,000 entities
in about a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import networkx as nx
import numpy as np

SEED = 20251125
SPACING = 110.0  # pixels: a part of n nodes gets a disc of radius SPACING * sqrt(n) / 2
GAP = 60.0  # pixels between packed parts


def spring_positions(
    nodes: Sequence[str], edges: Iterable[tuple[str, str]], seed: int = SEED
) -> dict[str, tuple[float, float]]:
    """Map each node to an (x, y) position in pixels, the drawing centred on (0, 0).

    The input order does not change the picture (nodes and parts are sorted first);
    parallel and reverse edges pull as one. Coordinates are rounded to 0.1 px so two runs
    diff cleanly.

    >>> pos = spring_positions(["a", "b", "c"], [("a", "b"), ("b", "c")])
    >>> pos == spring_positions(["c", "b", "a"], [("b", "c"), ("a", "b")])
    True
    """
    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(nodes)))
    graph.add_edges_from((a, b) for a, b in edges if a != b)
    parts = sorted(
        (sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0])
    )
    rng = np.random.default_rng(seed)
    laid = [_part_positions(graph.subgraph(part), part, rng) for part in parts]
    placed = _pack(laid)
    if not placed:
        return {}
    xy = np.array(list(placed.values()))
    middle = (xy.max(axis=0) + xy.min(axis=0)) / 2
    return {node: (round(float(x - middle[0]), 1), round(float(y - middle[1]), 1))
            for node, (x, y) in sorted(placed.items())}  # fmt: skip


def _part_positions(
    graph: nx.Graph, order: list[str], rng: np.random.Generator
) -> tuple[dict, float]:
    """One connected part laid out in a disc around (0, 0); returns (positions, radius)."""
    n = len(order)
    radius = SPACING * np.sqrt(n) / 2
    if n == 1:
        return {order[0]: np.zeros(2)}, SPACING / 4
    index = {node: i for i, node in enumerate(order)}
    pairs = sorted({tuple(sorted((index[a], index[b]))) for a, b in graph.edges()})
    links = np.array(pairs, dtype=np.int64)
    pos = _fruchterman_reingold(n, links, rng).astype(np.float64)
    pos -= pos.mean(axis=0)
    reach = float(np.sqrt((pos * pos).sum(axis=1)).max()) or 1.0
    pos *= radius / reach
    return {node: pos[i] for node, i in index.items()}, radius


def _pack(laid: list[tuple[dict, float]]) -> dict[str, np.ndarray]:
    """Place parts left to right in rows no wider than the largest part (or the square
    root of the total area, when many small parts would make one long row)."""
    if not laid:
        return {}
    width = max(2 * laid[0][1], np.sqrt(sum((2 * r + GAP) ** 2 for _, r in laid)))
    placed: dict[str, np.ndarray] = {}
    x = y = row_height = 0.0
    for positions, radius in laid:
        size = 2 * radius
        if x > 0 and x + size > width:
            x, y, row_height = 0.0, y + row_height + GAP, 0.0
        centre = np.array([x + radius, y + radius])
        placed.update({node: p + centre for node, p in positions.items()})
        x += size + GAP
        row_height = max(row_height, size)
    return placed


def _fruchterman_reingold(n: int, links: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Positions in about the unit square: pairs repel (k^2 / d, times both nodes' degree
    weights), links attract (d^2 / k); a weak pull to the centre keeps leaves close.

    The step shrinks linearly to zero (simulated cooling). Small graphs get more
    iterations, which cost little and settle them further.
    """
    iterations = 300 if n < 200 else 100 if n < 1000 else 50
    pos = rng.random((n, 2)).astype(np.float32)
    k2 = np.float32(1.0 / n)
    k = np.sqrt(k2)
    degree = np.bincount(links.ravel(), minlength=n).astype(np.float32) + 1
    mass = degree / degree.mean()
    source, target = links[:, 0], links[:, 1]
    step = 0.1
    cooling = step / (iterations + 1)
    for _ in range(iterations):
        x, y = pos[:, 0], pos[:, 1]
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        repulse = dx * dx
        repulse += dy * dy
        np.maximum(repulse, 1e-6, out=repulse)
        np.divide(k2, repulse, out=repulse)
        repulse *= mass[:, None]
        repulse *= mass[None, :]
        shift = np.stack([(repulse * dx).sum(axis=1), (repulse * dy).sum(axis=1)], axis=1)
        delta = pos[source] - pos[target]
        pull = delta * (np.sqrt((delta * delta).sum(axis=1)) / k)[:, None]
        np.add.at(shift, source, -pull)
        np.add.at(shift, target, pull)
        shift -= (pos - pos.mean(axis=0)) * (mass * np.float32(0.05 * np.sqrt(n)))[:, None]
        length = np.sqrt((shift * shift).sum(axis=1))[:, None]
        np.maximum(length, 0.01, out=length)
        pos += shift / length * np.float32(step)
        step -= cooling
    return pos


def wheel_order(
    kinds: dict[str, str],
    kind_order: Sequence[str],
    links: Iterable[tuple[str, str, float]],
    passes: int = 12,
) -> list[str]:
    """The entities round a ring: grouped by kind (in `kind_order`), each group ordered so
    that its members sit on the side of the arc that faces their partners.

    `kinds` maps entity -> kind, `links` gives (a, b, weight) pairs. Starting from the
    entities with the most weight first, each pass moves every entity towards the circular
    mean angle of its partners (weights damped by a square root, so one giant deal does not
    decide everything) and sorts each group by that pull; crossing chords get shorter, as
    in the barycentre heuristic of layered drawings (Sugiyama et al., 1981). Deterministic:
    ties fall back to the entity id.
    """
    names = sorted(kinds)
    index = {e: i for i, e in enumerate(names)}
    ends = [(index[a], index[b], float(np.sqrt(max(w, 0.0))) + 1.0)
            for a, b, w in links if a != b and a in index and b in index]  # fmt: skip
    pairs = np.array([(a, b) for a, b, _ in ends], dtype=np.int64).reshape(-1, 2)
    weights = np.array([w for _, _, w in ends], dtype=np.float64)
    source = np.concatenate([pairs[:, 0], pairs[:, 1]])  # each link pulls both ways
    target = np.concatenate([pairs[:, 1], pairs[:, 0]])
    pull_weight = np.concatenate([weights, weights])
    weight = np.bincount(source, weights=pull_weight, minlength=len(names))
    rank = {k: i for i, k in enumerate(kind_order)}
    groups: dict[str, list[int]] = {}
    for i in sorted(range(len(names)), key=lambda i: (rank.get(kinds[names[i]], len(rank)),
                                                       -weight[i], names[i])):  # fmt: skip
        groups.setdefault(kinds[names[i]], []).append(i)
    order = [i for members in groups.values() for i in members]
    for _ in range(passes):
        where = np.empty(len(names))
        where[order] = np.pi / 2 - 2 * np.pi * np.arange(len(order)) / max(len(order), 1)
        spot = np.exp(1j * where)
        pulled = np.zeros(len(names), dtype=np.complex128)
        np.add.at(pulled, source, pull_weight * spot[target])
        new_order = []
        for members in groups.values():
            centre = np.angle(spot[members].mean())
            turn = pulled[members] * np.exp(-1j * centre)
            # where the partners draw each member, relative to its group's centre (negative:
            # clockwise of it, where the group's later members sit); none: the centre
            pull = np.where(np.abs(turn) < 1e-9, 0.0, -np.angle(turn))
            ranked = sorted(range(len(members)), key=lambda k: (pull[k], names[members[k]]))
            new_order += [members[k] for k in ranked]
        if new_order == order:
            break
        order = new_order
    return [names[i] for i in order]


def ring_angles(order: Sequence[str], turn: float = 0.0) -> dict[str, float]:
    """Each entity's angle on the ring, in radians, going clockwise from the top; `turn`
    (a fraction of one step) moves them all clockwise."""
    n = max(len(order), 1)
    return {e: float(np.pi / 2 - 2 * np.pi * (i + turn) / n) for i, e in enumerate(order)}


def chord_length(order: Sequence[str], links: Iterable[tuple[str, str, float]]) -> float:
    """The total length of the chords between linked entities on a unit ring."""
    angle = ring_angles(order)
    return float(sum(2 * abs(np.sin((angle[a] - angle[b]) / 2)) for a, b, _ in links
                     if a in angle and b in angle))  # fmt: skip
