"""A degree-preserving null model of the money-flow graph, and a fast loop counter for it.

The null keeps what any network of these entities would have to have, namely every
entity's number of payers (in-degree) and payees (out-degree), and randomises who pays whom:
directed double-edge swaps (a->b, c->d) -> (a->d, c->b), refused when they would make a
self-loop or an edge that exists already (Milo et al. 2003, "On the uniform generation of
random graphs with prescribed degree sequences", arXiv:cond-mat/0312028).

With `keep_reciprocity` the reciprocated pairs (a->b and b->a both in force) are kept as
such: single edges swap only with single edges and may not land opposite an existing edge,
and reciprocated pairs swap as undirected pairs {a,b}, {c,d} -> {a,d}, {c,b}. Every entity
keeps its number of two-way partners too, so loops of three or more are tested beyond what
two-party deals already explain.

Amounts travel with the edge's payer (a->d takes a->b's amount), so every entity keeps the
money it pays out; `shuffle_amounts` permutes them across all edges instead.

A chain starts from the observed graph, makes `BURN_IN` x edges attempted swaps, then
`SPACING` x edges between samples; chains of `CHAIN` samples run from independent seeds
(spawned from the one seed, so the samples do not depend on how many processes run them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

BURN_IN = 10  # attempted swaps per edge before the first sample
SPACING = 2  # attempted swaps per edge between two samples
CHAIN = 100  # samples per chain


@dataclass(frozen=True)
class EdgeList:
    """A directed graph on nodes 0..n-1 as parallel arrays (no self-loops, no multi-edges)."""

    n: int
    src: np.ndarray
    dst: np.ndarray
    amount: np.ndarray

    def degrees(self) -> tuple[np.ndarray, np.ndarray]:
        return np.bincount(self.src, minlength=self.n), np.bincount(self.dst, minlength=self.n)

    def reciprocated(self) -> np.ndarray:
        """Each node's number of two-way partners."""
        keys = set(zip(self.src.tolist(), self.dst.tolist(), strict=True))
        mutual = [u for u, v in keys if (v, u) in keys]
        return np.bincount(np.asarray(mutual, dtype=np.int64), minlength=self.n)


class SwapChain:
    """A Markov chain of degree-preserving rewirings of `graph` (see the module docstring)."""

    def __init__(self, graph: EdgeList, rng: np.random.Generator, keep_reciprocity: bool = False):
        self.n, self.rng, self.keep_reciprocity = graph.n, rng, keep_reciprocity
        pairs = list(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))
        amount = dict(zip(pairs, graph.amount.tolist(), strict=True))
        self.amount = amount
        self.present = set(pairs)
        if keep_reciprocity:
            self.single = [p for p in pairs if (p[1], p[0]) not in self.present]
            self.mutual = [p for p in pairs if p[0] < p[1] and (p[1], p[0]) in self.present]
        else:
            self.single, self.mutual = pairs, []
        self.accepted = 0

    def run(self, attempts: int) -> None:
        """Attempt `attempts` swaps, split between single edges and pairs by their numbers."""
        total = len(self.single) + len(self.mutual)
        if total == 0 or attempts <= 0:
            return
        on_pairs = int(round(attempts * len(self.mutual) / total))
        self._swap_single(attempts - on_pairs)
        self._swap_mutual(on_pairs)

    def _swap_single(self, attempts: int) -> None:
        edges, m = self.single, len(self.single)
        if m < 2 or attempts <= 0:
            return
        present, amount, strict = self.present, self.amount, self.keep_reciprocity
        picks = self.rng.integers(0, m, size=(attempts, 2)).tolist()
        for i, j in picks:
            a, b = edges[i]
            c, d = edges[j]
            if a == d or c == b or a == c or b == d:
                continue
            if (a, d) in present or (c, b) in present:
                continue
            if strict and ((d, a) in present or (b, c) in present):
                continue  # would make a new two-way pair
            present.difference_update(((a, b), (c, d)))
            present.update(((a, d), (c, b)))
            amount[(a, d)], amount[(c, b)] = amount.pop((a, b)), amount.pop((c, d))
            edges[i], edges[j] = (a, d), (c, b)
            self.accepted += 1

    def _swap_mutual(self, attempts: int) -> None:
        edges, m = self.mutual, len(self.mutual)
        if m < 2 or attempts <= 0:
            return
        present, amount = self.present, self.amount
        picks = self.rng.integers(0, m, size=(attempts, 3)).tolist()
        for i, j, flip in picks:
            a, b = edges[i]
            c, d = edges[j]
            if flip & 1:  # both orientations of the second pair, or some swaps are unreachable
                c, d = d, c
            if len({a, b, c, d}) < 4:
                continue
            if {(a, d), (d, a), (c, b), (b, c)} & present:
                continue
            for old in ((a, b), (b, a), (c, d), (d, c)):
                present.discard(old)
            present.update(((a, d), (d, a), (c, b), (b, c)))
            moved = {
                (a, d): amount.pop((a, b)),
                (d, a): amount.pop((d, c)),
                (c, b): amount.pop((c, d)),
                (b, c): amount.pop((b, a)),
            }
            amount.update(moved)
            edges[i], edges[j] = (min(a, d), max(a, d)), (min(c, b), max(c, b))
            self.accepted += 1

    def graph(self, shuffle_amounts: bool = False) -> EdgeList:
        """The current state, edges in sorted order (so a state has one representation)."""
        pairs = sorted(self.amount)
        src = np.fromiter((p[0] for p in pairs), np.int64, len(pairs))
        dst = np.fromiter((p[1] for p in pairs), np.int64, len(pairs))
        amount = np.fromiter((self.amount[p] for p in pairs), np.float64, len(pairs))
        if shuffle_amounts:
            amount = self.rng.permutation(amount)
        return EdgeList(self.n, src, dst, amount)


def null_graphs(
    graph: EdgeList,
    samples: int,
    seed_sequence: np.random.SeedSequence,
    keep_reciprocity: bool = False,
    shuffle_amounts: bool = False,
    burn_in: int = BURN_IN,
    spacing: int = SPACING,
):
    """Yield `samples` rewired graphs from one chain seeded by `seed_sequence`."""
    chain = SwapChain(graph, np.random.default_rng(seed_sequence), keep_reciprocity)
    edges = len(graph.src)
    chain.run(burn_in * edges)
    for number in range(samples):
        if number:
            chain.run(spacing * edges)
        yield chain.graph(shuffle_amounts)


def count_cycles(graph: EdgeList, max_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Count the simple cycles of 2..`max_length` nodes without listing them.

    Returns counts by length (index = length) and each node's number of cycles through it.
    Up to length 4 from traces of powers of the adjacency matrix (`trace_counts`); longer,
    by a bounded depth-first search (`search_counts`).
    """
    if max_length <= 4:
        return trace_counts(graph, max_length)
    by_length, through, _ = search_counts(graph, max_length)
    return by_length, through


def trace_counts(graph: EdgeList, max_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Cycles of 2..4 nodes from closed walks, with A the adjacency matrix (no self-loops),
    M = A * A^T its two-way pairs and m_i = sum_j M_ij:
    - through i, length 2: m_i; length 3: (A^3)_ii, every closed 3-walk is a triangle;
    - length 4: (A^4)_ii less the closed 4-walks from i that are not simple, namely
      i>j>i>k>i (j != k: m_i(m_i - 1)), i>j>k>j>i (k != i: (Mm)_i - m_i) and i>j>i>j>i
      (m_i): (A^4)_ii - m_i^2 - (Mm)_i + m_i;
    - a cycle of length k passes through k nodes, so the count is the sum over i over k.
    Only sparse products: (A^k)_ii is the row sum of A^a * (A^b)^T for a + b = k.
    """

    n = graph.n
    by_length = np.zeros(max_length + 1, dtype=np.int64)
    through = np.zeros(n, dtype=np.int64)
    if n == 0 or max_length < 2:
        return by_length, through
    ones = np.ones(len(graph.src), dtype=np.int64)
    a = sp.csr_matrix((ones, (graph.src, graph.dst)), shape=(n, n))
    mutual = a.multiply(a.T).tocsr()
    m = np.asarray(mutual.sum(axis=1)).ravel().astype(np.int64)
    per_length = {2: m}
    if max_length >= 3:
        a2 = a @ a
        per_length[3] = np.asarray(a2.multiply(a.T).sum(axis=1)).ravel().astype(np.int64)
    if max_length >= 4:
        walks = np.asarray(a2.multiply(a2.T).sum(axis=1)).ravel().astype(np.int64)
        per_length[4] = walks - m * m - mutual @ m + m
    for length, counts in per_length.items():
        through += counts
        by_length[length] = counts.sum() // length
    return by_length, through


def search_counts(graph: EdgeList, max_length: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Count cycles by a bounded depth-first search, with the sum over cycles of their
    smallest edge amount. From each node over larger-numbered nodes only (so each cycle is
    counted once, from its smallest node), pruned to nodes whose shortest way back to the
    start fits in the remaining length.
    """
    n = graph.n
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    weight: dict[tuple[int, int], float] = {}
    for u, v, w in zip(graph.src.tolist(), graph.dst.tolist(), graph.amount.tolist(), strict=True):
        succ[u].append(v)
        pred[v].append(u)
        weight[(u, v)] = w
    by_length = np.zeros(max_length + 1, dtype=np.int64)
    through = np.zeros(n, dtype=np.int64)
    circulating = 0.0
    for start in range(n):
        back = _distance_back(start, pred, max_length - 1)
        if not any(v in back for v in succ[start]):
            continue
        found = _count_from(start, succ, back, weight, max_length)
        for length, count in found.by_length.items():
            by_length[length] += count
        for node, count in found.through.items():
            through[node] += count
        circulating += found.circulating
    return by_length, through, circulating


def _distance_back(start: int, pred: list[list[int]], depth: int) -> dict[int, int]:
    """Nodes above `start` that reach it in at most `depth` steps, with their distance."""
    dist = {start: 0}
    frontier = [start]
    for step in range(1, depth + 1):
        nxt = []
        for node in frontier:
            for p in pred[node]:
                if p > start and p not in dist:
                    dist[p] = step
                    nxt.append(p)
        frontier = nxt
    del dist[start]
    return dist


@dataclass
class _Found:
    by_length: dict[int, int]
    through: dict[int, int]
    circulating: float


def _count_from(start, succ, back, weight, max_length) -> _Found:
    """Cycles whose smallest node is `start`, by an explicit-stack depth-first search."""
    found = _Found({}, {}, 0.0)
    path = [start]
    smallest = [float("inf")]  # the smallest edge amount along the path so far
    on_path = {start}
    stack = [iter(succ[start])]
    while stack:
        for node in stack[-1]:
            length = len(path)
            if node == start:
                if length >= 2:
                    _record(found, path, min(smallest[-1], weight[(path[-1], start)]))
                continue
            if node in on_path or back.get(node, max_length) > max_length - length:
                continue
            path.append(node)
            on_path.add(node)
            smallest.append(min(smallest[-1], weight[(path[-2], node)]))
            stack.append(iter(succ[node]))
            break
        else:
            stack.pop()
            on_path.discard(path.pop())
            smallest.pop()
    return found


def _record(found: _Found, path: list[int], amount: float) -> None:
    length = len(path)
    found.by_length[length] = found.by_length.get(length, 0) + 1
    for node in path:
        found.through[node] = found.through.get(node, 0) + 1
    found.circulating += amount
