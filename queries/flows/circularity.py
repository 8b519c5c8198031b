"""Circularity: how much of the money in the graph comes back to where it started.

Finn's cycling index (Finn 1976, "Measures of ecosystem structure and function derived from
analysis of flows", Journal of Theoretical Biology 56:363-380), built for nutrient flows in
ecosystems and used in input-output economics as the cycling index of the Leontief inverse.
With f_ij the money flowing from i to j (the hop amounts in force):
- throughflow T_i = max(inflows_i, outflows_i): the graph is not balanced, so the shortfall
  counts as money entering from, or leaving to, outside the data set;
- Q_ij = f_ij / T_i, the share of what passes through i that goes on to j;
- M = (I - Q)^-1 (the Leontief inverse): m_ii counts the expected passes of a dollar
  through i, so c_i = (m_ii - 1) / m_ii is the share of i's throughflow that has been round
  before (equivalently, the chance a dollar leaving i ever comes back);
- the index is sum_i c_i T_i / sum_i T_i, between 0 (no loops) and 1 (a closed circle).
A dollar can only return to i inside i's strongly connected component, so each component
is inverted on its own: exactly (dense) up to `DENSE_MAX` members, where that takes under a
second; above, `diagonal.inverse_diagonal` takes the hubs out exactly and models the rest's
m_ii, marking the shares it estimates, with a standard error. A component with no leak at
all (every member passes on exactly what it receives, all inside) cycles forever: its
members have c_i = 1. Undisclosed amounts are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from dealgraph.queries.flows.diagonal import DENSE_MAX, dense_diagonal, inverse_diagonal
from dealgraph.queries.flows.flow import Hop

_CLOSED = 1e-12  # a row of Q this close to 1 leaks nothing


@dataclass(frozen=True)
class EntityCycling:
    entity: str
    throughflow_usd: float
    cycling_share: float  # c_i
    component: tuple[str, ...]  # the strongly connected component it cycles in
    deal_ids: tuple[str, ...]  # its deals inside that component
    estimated: bool = False  # True: the share is modelled, not computed exactly
    stderr: float = 0.0  # standard error of an estimated share

    @property
    def cycled_usd(self) -> float:
        return self.cycling_share * self.throughflow_usd


@dataclass(frozen=True)
class Circularity:
    index: float  # Finn's cycling index of the whole graph
    throughflow_usd: float  # total system throughflow, sum of T_i
    entities: tuple[EntityCycling, ...]  # those that cycle any money, most cycled first
    index_stderr: float = 0.0  # standard error of an estimated index

    @property
    def estimated(self) -> bool:
        return any(e.estimated for e in self.entities)

    @property
    def cycled_usd(self) -> float:
        return sum(e.cycled_usd for e in self.entities)

    @property
    def deal_ids(self) -> tuple[str, ...]:
        return tuple(sorted({d for e in self.entities for d in e.deal_ids}))


def cycling_shares(
    q: sp.csr_matrix, through: np.ndarray, dense_max: int = DENSE_MAX
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """c_i of one strongly connected component: shares, standard errors, which are estimated,
    and the part of the errors all estimated members may share (per standard error).

    `q` holds the component's flow shares; `through` its members' throughflows.
    """
    n = q.shape[0]
    if np.all(np.asarray(q.sum(axis=1)).ravel() >= 1 - _CLOSED):
        return np.ones(n), np.zeros(n), np.zeros(n, dtype=bool), 0.0
    if n <= dense_max:
        m = dense_diagonal(q)
        return (m - 1) / m, np.zeros(n), np.zeros(n, dtype=bool), 0.0
    found = inverse_diagonal(q, through, dense_max=dense_max)
    m = found.values
    shares = np.clip((m - 1) / m, 0.0, 1.0)
    return shares, found.stderr / m**2, ~found.exact, found.shared


class _Flows:
    """The known hop amounts as integer arrays: entities coded in name order, each hop's
    strongly connected component, and each entity's position inside its component."""

    def __init__(self, hop_map: Mapping[tuple[str, str], Hop]):
        self.hops = [hop for hop in hop_map.values() if hop.amount_usd]
        ends = pd.factorize(
            np.array([h.source for h in self.hops] + [h.target for h in self.hops], dtype=object),
            sort=True,
        )
        codes, self.names = ends[0], np.asarray(ends[1], dtype=object)
        self.src, self.dst = codes[: len(self.hops)], codes[len(self.hops) :]
        self.amount = np.array([h.amount_usd for h in self.hops], dtype="float64")
        n = len(self.names)
        outflow = np.bincount(self.src, self.amount, minlength=n)
        self.through = np.maximum(outflow, np.bincount(self.dst, self.amount, minlength=n))
        graph = sp.csr_matrix((np.ones(len(self.hops)), (self.src, self.dst)), (n, n))
        _, label = connected_components(graph, directed=True, connection="strong")
        sizes = np.bincount(label)
        members = np.flatnonzero(sizes[label] > 1)  # a lone entity cannot cycle
        self.members = members[np.argsort(label[members], kind="stable")]  # by component
        self.starts = np.flatnonzero(np.r_[True, np.diff(label[self.members]) != 0])
        self.label = label
        self.position = np.zeros(n, dtype=np.int64)
        first = np.repeat(self.starts, np.diff(np.r_[self.starts, len(self.members)]))
        self.position[self.members] = np.arange(len(self.members)) - first
        self.inside = np.flatnonzero(
            (label[self.src] == label[self.dst]) & (sizes[label[self.src]] > 1)
        )

    def components(self):
        """Each component's members (codes) and its flow-share matrix Q."""
        if not len(self.members):
            return
        hops = self.inside[np.argsort(self.label[self.src[self.inside]], kind="stable")]
        hop_starts = np.searchsorted(
            self.label[self.src[hops]], self.label[self.members[self.starts]]
        )
        ends = np.r_[self.starts[1:], len(self.members)]
        hop_ends = np.r_[hop_starts[1:], len(hops)]
        bounds = zip(self.starts.tolist(), ends.tolist(), hop_starts.tolist(), hop_ends.tolist(),
                     strict=True)  # fmt: skip
        for first, end, hop_first, hop_end in bounds:
            nodes = self.members[first:end]
            part = hops[hop_first:hop_end]
            src, dst = self.src[part], self.dst[part]
            shares = self.amount[part] / self.through[src]
            size = end - first
            q = sp.csr_matrix((shares, (self.position[src], self.position[dst])), (size, size))
            yield nodes, q

    def deal_ids(self) -> dict[int, tuple[str, ...]]:
        """Each member's deals inside its component, in id order (a deal is in one hop)."""
        if not len(self.inside):
            return {}
        per_hop = [self.hops[i].deal_ids for i in self.inside.tolist()]
        counts = np.fromiter(map(len, per_hop), np.int64, len(per_hop))
        ids = pa.array(list(chain.from_iterable(per_hop)), pa.string())
        order = pc.sort_indices(ids).to_numpy()
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order))
        src, dst = (
            np.repeat(self.src[self.inside], counts),
            np.repeat(self.dst[self.inside], counts),
        )
        other = src != dst  # a hop from an entity to itself lists its deals once
        keys = np.sort(np.r_[src * len(order) + rank, (dst * len(order) + rank)[other]])
        owner, ranked = np.divmod(keys, len(order))
        names = ids.take(pa.array(order)).to_numpy(zero_copy_only=False)[ranked].tolist()
        cuts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]).tolist() + [len(keys)]
        return {int(owner[a]): tuple(names[a:b]) for a, b in zip(cuts[:-1], cuts[1:], strict=True)}


def circularity(hop_map: Mapping[tuple[str, str], Hop], dense_max: int = DENSE_MAX) -> Circularity:
    """Finn's cycling index of the hops in force, for the market and each entity.

    Components above `dense_max` members are modelled (see `diagonal`). The index's standard
    error adds the members' errors as independent, plus the part they may share.

    >>> from dealgraph.queries.flows.flow import Hop
    >>> h = {("a", "b"): Hop("a", "b", 10.0, ("d1",), ("equity",)),
    ...      ("b", "a"): Hop("b", "a", 5.0, ("d2",), ("purchase",))}
    >>> round(circularity(h).index, 6)  # T = 10 each; half of b's comes back: c = 0.5
    0.5
    """
    flows = _Flows(hop_map)
    deal_ids = flows.deal_ids()
    names, through = flows.names.tolist(), flows.through.tolist()
    found = []
    variance = 0.0  # of the index's numerator, sum_i c_i T_i
    for nodes, q in flows.components():
        weights = flows.through[nodes]
        values, errors, estimated, shared = cycling_shares(q, weights, dense_max)
        spread = errors * weights
        variance += (shared * spread.sum()) ** 2 + (spread**2).sum()
        codes = nodes.tolist()
        members = tuple(names[c] for c in codes)
        found += [
            EntityCycling(names[c], through[c], share, members, deal_ids[c], guess, error)
            for c, share, error, guess in zip(
                codes, values.tolist(), errors.tolist(), estimated.tolist(), strict=True
            )
        ]
    found.sort(key=lambda e: (-e.cycled_usd, e.entity))
    total = float(flows.through.sum())
    index = sum(e.cycled_usd for e in found) / total if total else 0.0
    return Circularity(index, total, tuple(found), variance**0.5 / total if total else 0.0)
