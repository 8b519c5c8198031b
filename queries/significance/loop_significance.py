"""Significance: are there more loops than a network with these degrees would have by chance?

Any dense network has cycles, so a loop count alone proves little. Here the observed
money-flow graph is compared with `samples` graphs from a degree-preserving null model
(`null_model`): the same entities, each paying and being paid by as many others as in the
data, with the partners drawn at random. For each loop length, the total, the money
circulating in loops (the sum of each loop's smallest hop) and Finn's circularity index:
the null's mean and standard deviation, z = (observed - mean) / sd, and an empirical
one-sided p-value (k + 1) / (samples + 1), k the samples at least as high as observed (it
never reaches 0: with 1,000 samples the smallest is 1/1,001).

Per entity: the loops through it against the null, with p-values and Benjamini-Hochberg
q-values across the entities that can be on a loop at all (they both pay and are paid;
the others have no loop in any sample and are not tested).

Same seed, same result: the chains draw from seeds spawned from `seed`, and the samples are
split into chains the same way however many processes count them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from threadpoolctl import threadpool_limits

from dealgraph.queries.flows.circularity import circularity
from dealgraph.queries.flows.flow import Hop
from dealgraph.queries.significance.null_model import CHAIN, EdgeList, count_cycles, null_graphs

DEFAULT_SAMPLES = 1_000
DEFAULT_MAX_LENGTH = 5
PARALLEL_FROM = 100_000  # samples x edges; below, starting processes costs more than it saves
# `analyze`'s shuffles when not told: (most money flows, samples), the first that fits.
# Measured (docs/benchmarks.md): 1,000 take a few seconds up to about 1,000 flows, 100
# about as long at 5,000 flows; beyond 10,000 flows the test is left to `significance`.
ANALYZE_SAMPLES = ((1_000, 1_000), (10_000, 100))


def default_samples(flows: int) -> int:
    """How many shuffles `analyze` runs on a graph of `flows` money flows by default."""
    return next((samples for most, samples in ANALYZE_SAMPLES if flows <= most), 0)


@dataclass(frozen=True)
class NullComparison:
    """One figure against the null: observed, null mean and sd, z, empirical p-value."""

    observed: float
    null_mean: float
    null_sd: float
    z: float | None  # None when the null never varies
    p_value: float


@dataclass(frozen=True)
class EntitySignificance:
    entity: str
    loops: int
    null_mean: float
    p_value: float
    q_value: float


@dataclass(frozen=True)
class Significance:
    loops_by_length: dict[int, NullComparison]
    total: NullComparison
    circulating_usd: NullComparison
    circularity: NullComparison
    entities: tuple[EntitySignificance, ...]  # most significant first
    samples: int
    seed: int
    max_length: int
    keep_reciprocity: bool
    shuffle_amounts: bool

    def summary(self) -> str:
        """'94 loops of 2 to 5 entities against 31 ± 6 in 1,000 degree-preserving shuffles,
        p < 0.001 (two-party loops p = 0.002, money circulating p < 0.001)': the count, and
        beside it the two figures a count can hide (round trips and the money going round)."""
        t, n = self.total, self.samples
        beside = [f"money circulating {format_p(self.circulating_usd.p_value, n)}"]
        if 2 in self.loops_by_length:
            beside.insert(0, f"two-party loops {format_p(self.loops_by_length[2].p_value, n)}")
        return (
            f"{t.observed:,.0f} loops of 2 to {self.max_length} entities against "
            f"{t.null_mean:,.0f} ± {t.null_sd:,.0f} in {n:,} degree-preserving shuffles, "
            f"{format_p(t.p_value, n)} ({', '.join(beside)})"
        )

    def entity_p_values(self) -> dict[str, float]:
        return {e.entity: e.p_value for e in self.entities}


def format_p(p: float, samples: int) -> str:
    """`p < 0.001` at the resolution floor of 1/(samples + 1), else `p = 0.042`."""
    if p <= 1 / (samples + 1) + 1e-15:
        floor = 10 ** np.ceil(np.log10(1 / (samples + 1)))
        return f"p < {floor:g}"
    return f"p = {p:.3f}"


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values: q_(i) = min over j >= i of p_(j) m / j, capped at 1."""
    p = np.asarray(p_values, dtype="float64")
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    result = np.empty(m)
    result[order] = np.minimum(q, 1.0)
    return result


def compare(observed: float, null: np.ndarray) -> NullComparison:
    """The observed value against the null samples (one-sided: more than chance)."""
    mean = float(np.mean(null))
    sd = float(np.std(null, ddof=1)) if len(null) > 1 else 0.0
    z = (observed - mean) / sd if sd > 0 else None
    exceed = int(np.sum(null >= observed - 1e-9 * max(1.0, abs(observed))))
    return NullComparison(float(observed), mean, sd, z, (exceed + 1) / (len(null) + 1))


def edge_list(hop_map: Mapping[tuple[str, str], Hop]) -> tuple[EdgeList, list[str]]:
    """The hops as integer arrays (entities numbered in name order); undisclosed amounts
    count 0 in the money figures, self-payments are left out."""
    pairs = sorted(pair for pair in hop_map if pair[0] != pair[1])
    names = sorted({e for pair in pairs for e in pair})
    code = {name: i for i, name in enumerate(names)}
    src = np.array([code[a] for a, _ in pairs], dtype=np.int64)
    dst = np.array([code[b] for _, b in pairs], dtype=np.int64)
    amount = np.array([hop_map[p].amount_usd or 0.0 for p in pairs], dtype=np.float64)
    return EdgeList(len(names), src, dst, amount), names


DENSE_CYCLING_MAX = 1_500  # entities in one component; above, `circularity` (modelled hubs)
SMALL_INVERSE = 300  # entities that pay and are paid; up to this, one inverse for them all


def cycling(graph: EdgeList) -> tuple[float, float]:
    """Finn's cycling index and the money it counts as cycled (sum_i c_i T_i).

    One dense inverse of I - Q per strongly connected component of up to
    `DENSE_CYCLING_MAX` entities: the matrix is block triangular in component order, so
    the diagonal of its inverse is that of the blocks' own inverses (an entity on no cycle
    has 1 there and cycles nothing). That is `circularity`'s answer at a fraction of its
    cost per sample. A larger component, or a closed one (no leak, I - Q singular), goes to
    `circularity`.
    """
    found = _dense_cycling(graph) if graph.n else None
    if found is not None:
        return found
    hop_map = {
        (str(u), str(v)): Hop(str(u), str(v), w, (f"{u}>{v}",), ("other",))
        for u, v, w in zip(
            graph.src.tolist(), graph.dst.tolist(), graph.amount.tolist(), strict=True
        )  # fmt: skip
        if w > 0
    }
    if not hop_map:
        return 0.0, 0.0
    found = circularity(hop_map)
    return found.index, found.cycled_usd


def _dense_cycling(graph: EdgeList) -> tuple[float, float] | None:
    n, paid = graph.n, graph.amount > 0
    src, dst, amount = graph.src[paid], graph.dst[paid], graph.amount[paid]
    through = np.maximum(np.bincount(src, amount, n), np.bincount(dst, amount, n))
    total = float(through.sum())
    if total <= 0:
        return 0.0, 0.0
    blocks = _blocks(src, dst, n)
    if blocks is None:
        return None
    share = amount / through[src]  # each payer's outflow, positive: it pays these
    cycled = 0.0
    for block in blocks:
        members, local = np.unique(np.concatenate([src[block], dst[block]]), return_inverse=True)
        k = len(members)
        leontief = np.eye(k)
        leontief[local[: len(block)], local[len(block) :]] -= share[block]
        try:
            inverse = np.linalg.inv(leontief)
        except np.linalg.LinAlgError:
            return None
        if not np.allclose(leontief @ inverse, np.eye(k), atol=1e-8):
            return None  # (nearly) singular: a component that leaks nothing
        diagonal = np.diag(inverse)
        cycled += float(((diagonal - 1) / diagonal * through[members]).sum())
    return cycled / total, cycled


def _blocks(src: np.ndarray, dst: np.ndarray, n: int) -> list[np.ndarray] | None:
    """The edges to invert I - Q over, as groups of edge indices (None: a component
    too large). Up to `SMALL_INVERSE` entities that both pay and are paid, one group of
    the edges among them: every closed walk stays among such entities, so the diagonal is
    the same, and one small inverse costs less than finding the components. Above, one
    group per strongly connected component."""
    both = (np.bincount(src, minlength=n) > 0) & (np.bincount(dst, minlength=n) > 0)
    if both.sum() <= SMALL_INVERSE:
        among = np.flatnonzero(both[src] & both[dst])
        return [among] if len(among) else []
    ones = np.ones(len(src), dtype=np.int8)
    _, label = connected_components(
        sp.csr_matrix((ones, (src, dst)), shape=(n, n)), directed=True, connection="strong"
    )
    inside = np.flatnonzero(label[src] == label[dst])
    if len(inside) == 0:
        return []
    if np.bincount(label)[label[src[inside]]].max() > DENSE_CYCLING_MAX:
        return None
    order = inside[np.argsort(label[src[inside]], kind="stable")]
    return np.split(order, np.flatnonzero(np.diff(label[src[order]])) + 1)


@dataclass(frozen=True)
class _Figures:
    """What one graph (observed or a sample) is measured by."""

    by_length: np.ndarray  # counts, index = length
    through: np.ndarray  # loops through each node
    circulating: float  # Finn's cycled money: the dollars that come back to where they were
    circularity: float


def measure(graph: EdgeList, max_length: int) -> _Figures:
    by_length, through = count_cycles(graph, max_length)
    index, cycled = cycling(graph)
    return _Figures(by_length, through, cycled, index)


def _run_chain(args) -> list[_Figures]:
    """One chain's samples, measured. The processes are the parallelism: BLAS threads on
    top of them would only fight over the same cores (and its small inverses gain nothing)."""
    graph, samples, seed_sequence, max_length, keep_reciprocity, shuffle_amounts = args
    with threadpool_limits(1, user_api="blas"):
        return [
            measure(sample, max_length)
            for sample in null_graphs(
                graph, samples, seed_sequence, keep_reciprocity, shuffle_amounts
            )
        ]


def significance(
    hop_map: Mapping[tuple[str, str], Hop],
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
    max_length: int = DEFAULT_MAX_LENGTH,
    keep_reciprocity: bool = False,
    shuffle_amounts: bool = False,
    processes: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Significance:
    """Compare the loops of `hop_map` with `samples` degree-preserving shuffles of it.

    `progress(n)` is called as chains finish, with the number of samples done so far.
    `processes` defaults to the CPUs available when there are enough samples to share.

    >>> from dealgraph.queries.flows.flow import Hop
    >>> h = {(a, b): Hop(a, b, 1.0, (), ()) for a, b in ["ab", "ba", "bc", "ca"]}
    >>> found = significance(h, samples=20, seed=1)
    >>> found.loops_by_length[2].observed, found.loops_by_length[3].observed
    (1.0, 1.0)
    """
    if samples < 1:
        raise ValueError("samples must be at least 1")
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    graph, names = edge_list(hop_map)
    observed = measure(graph, max_length)
    sizes = [min(CHAIN, samples - start) for start in range(0, samples, CHAIN)]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    jobs = [
        (graph, size, seq, max_length, keep_reciprocity, shuffle_amounts)
        for size, seq in zip(sizes, seeds, strict=True)
    ]
    share = samples * len(graph.src) >= PARALLEL_FROM
    workers = processes or (min(len(jobs), os.cpu_count() or 1) if share else 1)
    figures: list[_Figures] = []
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            for chain in pool.map(_run_chain, jobs):
                figures += chain
                if progress:
                    progress(len(figures))
    else:
        for job in jobs:
            figures += _run_chain(job)
            if progress:
                progress(len(figures))
    return _assemble(observed, figures, names, samples, seed, max_length, keep_reciprocity,
                     shuffle_amounts)  # fmt: skip


def _assemble(observed, figures, names, samples, seed, max_length, keep_reciprocity,
              shuffle_amounts) -> Significance:  # fmt: skip
    by_length = np.array([f.by_length for f in figures])
    through = np.array([f.through for f in figures]).reshape(len(figures), len(names))
    lengths = {
        k: compare(float(observed.by_length[k]), by_length[:, k]) for k in range(2, max_length + 1)
    }
    total = compare(float(observed.by_length.sum()), by_length.sum(axis=1))
    circulating = compare(observed.circulating, np.array([f.circulating for f in figures]))
    index = compare(observed.circularity, np.array([f.circularity for f in figures]))
    return Significance(
        lengths,
        total,
        circulating,
        index,
        _entities(observed.through, through, names),
        samples,
        seed,
        max_length,
        keep_reciprocity,
        shuffle_amounts,
    )


def _entities(observed: np.ndarray, null: np.ndarray, names: list[str]):
    """Per entity p-values, and BH q-values across the entities that could be on a loop."""
    testable = np.flatnonzero((observed > 0) | (null.max(axis=0, initial=0) > 0))
    exceed = (null[:, testable] >= observed[testable]).sum(axis=0)
    p = (exceed + 1) / (null.shape[0] + 1)
    q = benjamini_hochberg(p)
    rows = [
        EntitySignificance(
            names[i], int(observed[i]), float(null[:, i].mean()), float(pi), float(qi)
        )  # fmt: skip
        for i, pi, qi in zip(testable.tolist(), p.tolist(), q.tolist(), strict=True)
    ]
    rows.sort(key=lambda e: (e.p_value, -e.loops, e.entity))
    return tuple(rows)


def significance_rows(found: Significance, names: Mapping[str, str] | None = None) -> list[dict]:
    """The result as flat rows (tables, CSV, JSON lines): each loop length, the total, the
    money and the index (`scope` names which), then each entity (`scope` "entity")."""
    names = names or {}
    figures = [("length", str(k), c) for k, c in found.loops_by_length.items()]
    figures += [("total", "all loops", found.total),
                ("circulating_usd", "money circulating", found.circulating_usd),
                ("circularity", "circularity index", found.circularity)]  # fmt: skip
    rows = [{"scope": scope, "name": name, "entity": None, **_row(c), "q_value": None}
            for scope, name, c in figures]  # fmt: skip
    rows += [
        {"scope": "entity", "name": names.get(e.entity, e.entity), "entity": e.entity,
         "observed": e.loops, "null_mean": e.null_mean, "null_sd": None, "z": None,
         "p_value": e.p_value, "q_value": e.q_value}
        for e in found.entities
    ]  # fmt: skip
    return rows


def _row(c: NullComparison) -> dict:
    return {
        "observed": c.observed,
        "null_mean": c.null_mean,
        "null_sd": c.null_sd,
        "z": c.z,
        "p_value": c.p_value,
    }


def significance_dict(found: Significance) -> dict:
    """The `--format json` object."""
    return {
        "samples": found.samples,
        "seed": found.seed,
        "max_length": found.max_length,
        "keep_reciprocity": found.keep_reciprocity,
        "shuffle_amounts": found.shuffle_amounts,
        "summary": found.summary(),
        "loops_by_length": [{"length": k, **_row(c)} for k, c in found.loops_by_length.items()],
        "total": _row(found.total),
        "circulating_usd": _row(found.circulating_usd),
        "circularity": _row(found.circularity),
        "entities": [vars(e) for e in found.entities],
    }
