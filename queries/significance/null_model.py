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
from scipy.sparse.csgraph import connected_components

BURN_IN = 10  # attempted swaps per edge before the first sample
SPACING = 2  # attempted swaps per edge between two samples
CHAIN = 100  # samples per chain
DENSE_TRACE_MAX = 400  # nodes on cycles; above, the trace counts use sparse products
DENSE_REACH_MAX = 1_000  # nodes on cycles; above, the counter's pruning is sparse (`_Reach`)
REACH_MAX_PAIRS = 4_000_000  # above, the counter prunes its search less (`_Reach`)
PATHS_MAX = 2_000_000  # paths grown at once by the counter; more are split in halves


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

    def pairs(self) -> set[tuple[int, int]]:
        return set(zip(self.src.tolist(), self.dst.tolist(), strict=True))


class SwapChain:
    """A Markov chain of degree-preserving rewirings of `graph` (see the module docstring).

    An edge is the integer key `payer * n + payee`, so the test for an existing edge is one
    lookup in a set of ints. A swap keeps each edge's payer and amount in place and moves
    only payees; the reciprocated pairs are kept apart, each with the amounts of its two
    directions.
    """

    def __init__(self, graph: EdgeList, rng: np.random.Generator, keep_reciprocity: bool = False):
        self.n, self.rng, self.keep_reciprocity = graph.n, rng, keep_reciprocity
        n = graph.n
        src, dst, amount = graph.src.tolist(), graph.dst.tolist(), graph.amount.tolist()
        self.present = {u * n + v for u, v in zip(src, dst, strict=True)}
        paid = {u * n + v: w for u, v, w in zip(src, dst, amount, strict=True)}
        mutual = [
            keep_reciprocity and v * n + u in self.present for u, v in zip(src, dst, strict=True)
        ]
        single = [i for i, m in enumerate(mutual) if not m]
        self.src = [src[i] for i in single]
        self.dst = [dst[i] for i in single]
        self.amount = [amount[i] for i in single]
        ends = [(u, v) for u, v, m in zip(src, dst, mutual, strict=True) if m and u < v]
        self.pair_a = [u for u, _ in ends]
        self.pair_b = [v for _, v in ends]
        self.pair_ab = [paid[u * n + v] for u, v in ends]  # a pays b
        self.pair_ba = [paid[v * n + u] for u, v in ends]  # b pays a
        self.accepted = 0

    def run(self, attempts: int) -> None:
        """Attempt `attempts` swaps, split between single edges and pairs by their numbers."""
        total = len(self.src) + len(self.pair_a)
        if total == 0 or attempts <= 0:
            return
        on_pairs = int(round(attempts * len(self.pair_a) / total))
        self._swap_single(attempts - on_pairs)
        self._swap_mutual(on_pairs)

    def _swap_single(self, attempts: int) -> None:
        src, dst, m, n = self.src, self.dst, len(self.src), self.n
        if m < 2 or attempts <= 0:
            return
        present, strict, accepted = self.present, self.keep_reciprocity, 0
        picks = self.rng.integers(0, m, size=(attempts, 2)).tolist()
        for i, j in picks:
            a, b, c, d = src[i], dst[i], src[j], dst[j]
            if a == d or c == b or a == c or b == d:
                continue
            ad, cb = a * n + d, c * n + b
            if ad in present or cb in present:
                continue
            if strict and (d * n + a in present or b * n + c in present):
                continue  # would make a new two-way pair
            present.remove(a * n + b)
            present.remove(c * n + d)
            present.add(ad)
            present.add(cb)
            dst[i], dst[j] = d, b
            accepted += 1
        self.accepted += accepted

    def _swap_mutual(self, attempts: int) -> None:
        first, second, m, n = self.pair_a, self.pair_b, len(self.pair_a), self.n
        if m < 2 or attempts <= 0:
            return
        present, ab, ba = self.present, self.pair_ab, self.pair_ba
        picks = self.rng.integers(0, m, size=(attempts, 3)).tolist()
        for i, j, flip in picks:
            a, b = first[i], second[i]
            c, d, cd, dc = first[j], second[j], ab[j], ba[j]
            if flip & 1:  # both orientations of the second pair, or some swaps are unreachable
                c, d, cd, dc = d, c, dc, cd
            if a == c or a == d or b == c or b == d:
                continue
            ad, da, cb, bc = a * n + d, d * n + a, c * n + b, b * n + c
            if ad in present or da in present or cb in present or bc in present:
                continue
            present.difference_update((a * n + b, b * n + a, c * n + d, d * n + c))
            present.update((ad, da, cb, bc))
            # {a,d}: a pays d what it paid b, d pays a what it paid c; {c,b} likewise
            first[i], second[i], ab[i], ba[i], first[j], second[j], ab[j], ba[j] = (
                a,
                d,
                ab[i],
                dc,
                c,
                b,
                cd,
                ba[i],
            )
            self.accepted += 1

    def graph(self, shuffle_amounts: bool = False) -> EdgeList:
        """The current state, edges in key order (so a state has one representation)."""
        src = np.array(self.src + self.pair_a + self.pair_b, dtype=np.int64)
        dst = np.array(self.dst + self.pair_b + self.pair_a, dtype=np.int64)
        amount = np.array(self.amount + self.pair_ab + self.pair_ba, dtype=np.float64)
        order = np.argsort(src * self.n + dst)
        src, dst, amount = src[order], dst[order], amount[order]
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
    Up to length 5 from traces of powers of the adjacency matrix (`trace_counts`); longer,
    by extending all paths at once (`path_counts`).
    """
    if max_length <= 5:
        return trace_counts(graph, max_length)
    return path_counts(graph, max_length)


def trace_counts(graph: EdgeList, max_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Cycles of 2..5 nodes from closed walks, with A the adjacency matrix (no self-loops),
    M = A * A^T its two-way pairs, m_i = sum_j M_ij and, entrywise, X o Y:
    - through i, length 2: m_i; length 3: t_i = (A^3)_ii, every closed 3-walk is a triangle;
    - length 4: (A^4)_ii less the closed 4-walks from i that are not simple, namely
      i>j>i>k>i (j != k: m_i(m_i - 1)), i>j>k>j>i (k != i: (Mm)_i - m_i) and i>j>i>j>i
      (m_i): (A^4)_ii - m_i^2 - (Mm)_i + m_i;
    - length 5: a closed 5-walk that is not simple is a two-way pair x<>y and a triangle
      x>p>q>x joined at x, the word x y x p q read from one of its five places: from x
      (2 m_i t_i: pair first or triangle first), from y ((M t)_i), from p or from q (the
      pairs at the triangle's next or previous node: ((A o (A^2)^T) m)_i and
      ((A^2 o A^T) m)_i). When y is p or q the pair lies on a triangle edge u<>v and the
      word is read twice, as x y x p q and as y x p q x: add it back once, twice at u
      and v, once at the third node w (row sums of 2 M o (A^2)^T + 2 A^2 o M + (AM) o A^T);
    - a cycle of length k passes through k nodes, so the count is the sum over i over k.
    (A^k)_ii is the row sum of A^a o (A^b)^T for a + b = k. Only edges inside strongly
    connected components count; up to `DENSE_TRACE_MAX` nodes on them the products are
    dense, beyond sparse.
    `path_counts` counts the same by search; the tests hold the two together.
    """

    by_length = np.zeros(max_length + 1, dtype=np.int64)
    through = np.zeros(graph.n, dtype=np.int64)
    # small graphs as they are; larger ones cut to the edges that can be on a cycle
    src, dst = (graph.src, graph.dst) if graph.n <= DENSE_TRACE_MAX else _cyclic_edges(graph)
    if len(src) == 0 or max_length < 2:
        return by_length, through
    nodes, local = np.unique(np.concatenate([src, dst]), return_inverse=True)
    k = len(nodes)
    if k <= DENSE_TRACE_MAX:  # small: dense products cost less than sparse bookkeeping
        a = np.zeros((k, k))
        a[local[: len(src)], local[len(src) :]] = 1
        both = np.multiply
    else:
        ones = np.ones(len(src), dtype=np.int64)
        a = sp.csr_matrix((ones, (local[: len(src)], local[len(src) :])), shape=(k, k))
        both = sp.csr_matrix.multiply
    mutual = both(a, a.T)
    m = _row_sums(mutual)
    per_length = {2: m}
    if max_length >= 3:
        a2 = a @ a
        per_length[3] = _row_sums(both(a2, a.T))
    if max_length >= 4:
        walks = _row_sums(both(a2, a2.T))
        per_length[4] = walks - m * m - mutual @ m + m
    if max_length >= 5:
        t, a3 = per_length[3], a2 @ a
        walks = _row_sums(both(a2, a3.T))
        twice = 2 * _row_sums(both(mutual, a2.T)) + 2 * _row_sums(both(a2, mutual))
        twice += _row_sums(both(a @ mutual, a.T))
        pairs_on_triangles = both(a, a2.T) @ m + both(a2, a.T) @ m
        per_length[5] = walks - 2 * m * t - mutual @ t - pairs_on_triangles + twice
    for length, counts in per_length.items():
        counts = np.rint(counts).astype(np.int64)
        through[nodes] += counts
        by_length[length] = counts.sum() // length
    return by_length, through


def _row_sums(matrix) -> np.ndarray:
    return np.rint(np.asarray(matrix.sum(axis=1)).ravel()).astype(np.int64)


def path_counts(
    graph: EdgeList,
    max_length: int,
    dense_max: int = DENSE_REACH_MAX,
    max_pairs: int = REACH_MAX_PAIRS,
    paths_max: int = PATHS_MAX,
) -> tuple[np.ndarray, np.ndarray]:
    """Count cycles by growing every simple path at once, one node per round, as arrays.

    A path starts at its smallest node s and only visits larger ones, so each cycle is
    counted once, from s, when the path's last node has an edge back to s. Only edges inside
    a strongly connected component can be on a cycle (nodes are renumbered among their
    ends, in the same order); a path is extended to w only if w can get back to s in the
    steps left (`_Reach`). Each round is a few numpy operations on a set of paths of one
    length, not a Python loop per path; a set that would grow past `paths_max` is split in
    two first, so memory stays bounded however dense the graph.
    """
    by_length = np.zeros(max_length + 1, dtype=np.int64)
    through = np.zeros(graph.n, dtype=np.int64)
    src, dst = _cyclic_edges(graph)
    if len(src) == 0 or max_length < 2:
        return by_length, through
    nodes, local = np.unique(np.concatenate([src, dst]), return_inverse=True)
    src, dst, k = local[: len(src)], local[len(src) :], len(nodes)
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=k))])
    reach = _Reach(src, dst, k, max_length - 1, dense_max, max_pairs)
    stack = [np.unique(src)[:, None]]  # sets of paths of one length, done depth first
    while stack:
        paths = stack.pop()
        size, start, last = paths.shape[1], paths[:, 0], paths[:, -1]
        first, count = indptr[last], indptr[last + 1] - indptr[last]
        if size < max_length and count.sum() > paths_max and len(paths) > 1:
            stack += np.array_split(paths, 2)
            continue
        if size >= 2:
            closed = reach.within(1, last, start)
            by_length[size] += int(closed.sum())
            through[nodes] += np.bincount(paths[closed].ravel(), minlength=k)
        if size == max_length or len(paths) == 0:
            continue
        row = np.repeat(np.arange(len(paths)), count)
        nxt = dst[first[row] + np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)]
        keep = nxt > start[row]
        for column in range(1, size):
            keep &= nxt != paths[row, column]
        row, nxt = row[keep], nxt[keep]
        # nxt is node size + 1 of at most max_length: max_length - size steps from home
        home = reach.within(max_length - size, nxt, start[row])
        stack.append(np.column_stack([paths[row[home]], nxt[home]]))
    return by_length, through


def _cyclic_edges(graph: EdgeList) -> tuple[np.ndarray, np.ndarray]:
    """The edges inside strongly connected components: the only ones a cycle can use."""
    if graph.n == 0 or len(graph.src) == 0:
        return graph.src, graph.dst
    ones = np.ones(len(graph.src), dtype=np.int8)
    a = sp.csr_matrix((ones, (graph.src, graph.dst)), shape=(graph.n, graph.n))
    _, label = connected_components(a, directed=True, connection="strong")
    inside = label[graph.src] == label[graph.dst]
    return graph.src[inside], graph.dst[inside]


class _Reach:
    """Which nodes reach which in at most r steps, r = 1..`steps`: the search's pruning.

    Up to `dense_max` nodes as dense boolean matrices (a few small matrix products); above,
    as sorted keys w * k + s from sparse products; the levels stop before one with more than
    `max_pairs` pairs (the search then prunes less on its first rounds).
    """

    def __init__(self, src, dst, k: int, steps: int, dense_max: int, max_pairs: int):
        self.k, self.dense = k, k <= dense_max
        self.levels: list = [None]
        if self.dense:
            a = np.zeros((k, k), dtype=np.float32)
            a[src, dst] = 1
            within = a
            self.levels.append(within > 0)
            for _ in range(2, steps + 1):
                within = np.minimum(a @ within + within, 1)
                self.levels.append(within > 0)
            return
        a = sp.csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(k, k))
        self.levels.append(np.sort(src * k + dst))
        within = a
        for _ in range(2, steps + 1):
            within = ((a @ within + within) > 0).astype(np.int8).tocsr()
            if within.nnz > max_pairs:
                break
            coo = within.tocoo()
            self.levels.append(np.sort(coo.row.astype(np.int64) * k + coo.col))

    def within(self, steps: int, frm: np.ndarray, to: np.ndarray) -> np.ndarray:
        """Whether each `frm` reaches its `to` in at most `steps` (True where not known)."""
        if steps >= len(self.levels):
            return np.ones(len(frm), dtype=bool)
        level = self.levels[steps]
        if self.dense:
            return level[frm, to]
        keys = frm * self.k + to
        at = np.minimum(np.searchsorted(level, keys), len(level) - 1)
        return level[at] == keys
