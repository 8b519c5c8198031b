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
is inverted on its own: exact, and fast on large graphs whose loops sit in small parts.
A component with no leak at all (every member passes on exactly what it receives, all
inside) cycles forever: its members have c_i = 1. Undisclosed amounts are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np

from dealgraph.queries.flow import Hop

_CLOSED = 1e-12  # a row of Q this close to 1 leaks nothing


@dataclass(frozen=True)
class EntityCycling:
    entity: str
    throughflow_usd: float
    cycling_share: float  # c_i
    component: tuple[str, ...]  # the strongly connected component it cycles in
    deal_ids: tuple[str, ...]  # its deals inside that component

    @property
    def cycled_usd(self) -> float:
        return self.cycling_share * self.throughflow_usd


@dataclass(frozen=True)
class Circularity:
    index: float  # Finn's cycling index of the whole graph
    throughflow_usd: float  # total system throughflow, sum of T_i
    entities: tuple[EntityCycling, ...]  # those that cycle any money, most cycled first

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


def cycling_shares(
    flows: Mapping[tuple[str, str], float], nodes: list[str], through: Mapping[str, float]
) -> np.ndarray:
    """c_i for the members of one strongly connected component, in `nodes` order."""
    index = {n: i for i, n in enumerate(nodes)}
    q = np.zeros((len(nodes), len(nodes)))
    for (source, target), amount in flows.items():
        if source in index and target in index:
            q[index[source], index[target]] = amount / through[source]
    if np.all(q.sum(axis=1) >= 1 - _CLOSED):
        return np.ones(len(nodes))
    m = np.diag(np.linalg.inv(np.eye(len(nodes)) - q))
    return (m - 1) / m


def circularity(hop_map: Mapping[tuple[str, str], Hop]) -> Circularity:
    """Finn's cycling index of the hops in force, for the market and each entity.

    >>> from dealgraph.queries.flow import Hop
    >>> h = {("a", "b"): Hop("a", "b", 10.0, ("d1",), ("equity",)),
    ...      ("b", "a"): Hop("b", "a", 5.0, ("d2",), ("purchase",))}
    >>> round(circularity(h).index, 6)  # T = 10 each; half of b's comes back: c = 0.5
    0.5
    """
    flows = {pair: hop.amount_usd for pair, hop in hop_map.items() if hop.amount_usd}
    through = throughflows(flows)
    components = [
        tuple(sorted(members))
        for members in nx.strongly_connected_components(nx.DiGraph(list(flows)))
        if len(members) > 1
    ]
    component_of = {node: number for number, nodes in enumerate(components) for node in nodes}
    deal_ids: dict[str, set[str]] = defaultdict(set)
    for source, target in flows:
        if component_of.get(source, -1) == component_of.get(target, -2):
            deal_ids[source].update(hop_map[(source, target)].deal_ids)
            deal_ids[target].update(hop_map[(source, target)].deal_ids)
    found = []
    for nodes in components:
        shares = cycling_shares(flows, list(nodes), through)
        found += [
            EntityCycling(node, through[node], float(share), nodes, tuple(sorted(deal_ids[node])))
            for node, share in zip(nodes, shares, strict=True)
        ]
    found.sort(key=lambda e: (-e.cycled_usd, e.entity))
    total = sum(through.values())
    index = sum(e.cycled_usd for e in found) / total if total else 0.0
    return Circularity(index, total, tuple(found))
