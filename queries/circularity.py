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
second; above, `diagonal.inverse_diagonal` models m_ii in time linear in the component's
hops and marks the shares it estimates, with a standard error. A component with no leak at
all (every member passes on exactly what it receives, all inside) cycles forever: its
members have c_i = 1. Undisclosed amounts are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from dealgraph.queries.diagonal import inverse_diagonal
from dealgraph.queries.flow import Hop

_CLOSED = 1e-12  # a row of Q this close to 1 leaks nothing
DENSE_MAX = 2_000  # members; the dense inverse takes 0.5 s and 190 MB at 2,000, 7 s at 5,000


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


def throughflows(flows: Mapping[tuple[str, str], float]) -> dict[str, float]:
    inflow: dict[str, float] = defaultdict(float)
    outflow: dict[str, float] = defaultdict(float)
    for (source, target), amount in flows.items():
        outflow[source] += amount
        inflow[target] += amount
    return {n: max(inflow[n], outflow[n]) for n in sorted(set(inflow) | set(outflow))}


def strong_components(pairs: list[tuple[str, str]]) -> list[tuple[str, ...]]:
    """The strongly connected components of more than one member, each sorted.

    scipy's search, on integer codes: networkx's takes seconds on a million deals.
    """
    names = sorted({node for pair in pairs for node in pair})
    if not names:
        return []
    code = {node: i for i, node in enumerate(names)}
    ends = np.array([(code[s], code[t]) for s, t in pairs])
    graph = sp.csr_matrix((np.ones(len(ends)), (ends[:, 0], ends[:, 1])), (len(names),) * 2)
    _, labels = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(labels)
    members: dict[int, list[str]] = defaultdict(list)
    for node, label in zip(names, labels.tolist(), strict=True):
        if sizes[label] > 1:
            members[label].append(node)
    return [tuple(nodes) for nodes in members.values()]


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
        a = -q.toarray()
        a[np.diag_indices(n)] += 1
        m = np.diag(np.linalg.inv(a))
        return (m - 1) / m, np.zeros(n), np.zeros(n, dtype=bool), 0.0
    found = inverse_diagonal(q, through)
    m = found.values
    shares = np.clip((m - 1) / m, 0.0, 1.0)
    return shares, found.stderr / m**2, ~found.exact, found.shared


def circularity(hop_map: Mapping[tuple[str, str], Hop], dense_max: int = DENSE_MAX) -> Circularity:
    """Finn's cycling index of the hops in force, for the market and each entity.

    Components above `dense_max` members are modelled (see `diagonal`). The index's standard
    error adds the members' errors as independent, plus the part they may share.

    >>> from dealgraph.queries.flow import Hop
    >>> h = {("a", "b"): Hop("a", "b", 10.0, ("d1",), ("equity",)),
    ...      ("b", "a"): Hop("b", "a", 5.0, ("d2",), ("purchase",))}
    >>> round(circularity(h).index, 6)  # T = 10 each; half of b's comes back: c = 0.5
    0.5
    """
    flows = {pair: hop.amount_usd for pair, hop in hop_map.items() if hop.amount_usd}
    through = throughflows(flows)
    components = strong_components(list(flows))
    component_of = {node: number for number, nodes in enumerate(components) for node in nodes}
    position = {node: i for nodes in components for i, node in enumerate(nodes)}
    inside: list[list[tuple[int, int, float]]] = [[] for _ in components]
    deal_ids: dict[str, set[str]] = defaultdict(set)
    for (source, target), amount in flows.items():
        if component_of.get(source, -1) == component_of.get(target, -2):
            inside[component_of[source]].append(
                (position[source], position[target], amount / through[source])
            )
            deal_ids[source].update(hop_map[(source, target)].deal_ids)
            deal_ids[target].update(hop_map[(source, target)].deal_ids)
    found = []
    variance = 0.0  # of the index's numerator, sum_i c_i T_i
    for nodes, entries in zip(components, inside, strict=True):
        rows, cols, shares = zip(*entries, strict=True)
        q = sp.csr_matrix((shares, (rows, cols)), shape=(len(nodes), len(nodes)))
        weights = np.array([through[node] for node in nodes])
        values, errors, estimated, shared = cycling_shares(q, weights, dense_max)
        spread = errors * weights
        variance += (shared * spread.sum()) ** 2 + (spread**2).sum()
        found += [
            EntityCycling(node, through[node], float(share), nodes,
                          tuple(sorted(deal_ids[node])), bool(guess), float(error))
            for node, share, error, guess in zip(nodes, values, errors, estimated, strict=True)
        ]  # fmt: skip
    found.sort(key=lambda e: (-e.cycled_usd, e.entity))
    total = sum(through.values())
    index = sum(e.cycled_usd for e in found) / total if total else 0.0
    return Circularity(index, total, tuple(found), variance**0.5 / total if total else 0.0)
