"""Stress transmission: who is hurt, and in what order, if some parties stop paying.

A DebtRank-style propagation (Battiston et al. 2012, "DebtRank: too central to fail?",
Scientific Reports 2:541) over the money-flow graph; docs/risk.md has the full model.
- Shocked entities stop paying a fraction `f` of their outflows (every hop out of them).
- A counterparty loses those inflows; its loss ratio is the loss over its size: its latest
  revenue, or its total inflows in the data set when revenue is unknown.
- An entity whose loss ratio reaches `threshold` is distressed: it stops paying
  min(1, loss ratio) of its own outflows, and the shock travels on.
- Each entity passes the shock on once, in the round after it became distressed (DebtRank's
  "inactive" state), so the cascade ends within as many rounds as there are entities, even
  when the money goes round in loops. Losses arriving later are still counted.
Only disclosed amounts carry a loss; an undisclosed hop carries none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from dealgraph.queries.dependence.figures import Figure
from dealgraph.queries.flows.flow import Hop

DEFAULT_THRESHOLD = 0.25


@dataclass(frozen=True)
class StressHit:
    """One entity's outcome. Round 0 is a shocked entity; None means hit but not distressed."""

    entity: str
    shocked_fraction: float | None
    direct_loss_usd: float  # from the shocked entities themselves
    indirect_loss_usd: float  # from entities the shock distressed
    size_usd: float | None
    size_basis: str  # "revenue FY2025" or "inflows"
    distressed_round: int | None
    cut_fraction: float | None  # the share of its outflows it stopped paying
    path: tuple[str, ...]  # the chain of largest losses that first reached it
    deal_ids: tuple[str, ...]  # the deals whose payments it lost

    @property
    def loss_usd(self) -> float:
        return self.direct_loss_usd + self.indirect_loss_usd

    @property
    def loss_ratio(self) -> float | None:
        return self.loss_usd / self.size_usd if self.size_usd else None


@dataclass(frozen=True)
class StressResult:
    shocks: tuple[tuple[str, float], ...]
    threshold: float
    hits: tuple[StressHit, ...]  # shocked first, then by round, then largest loss
    rounds: int
    debtrank: float  # the value-weighted distress the shock adds (Battiston et al.'s R)

    @property
    def distressed(self) -> tuple[StressHit, ...]:
        return tuple(h for h in self.hits if h.distressed_round)

    @property
    def cascades(self) -> bool:
        """Distress spread past the shocked entities' direct counterparties."""
        return any((h.distressed_round or 0) >= 2 for h in self.hits)

    @property
    def loss_usd(self) -> float:
        """What everyone but the shocked entities lost."""
        return sum(h.loss_usd for h in self.hits if h.shocked_fraction is None)


def entity_sizes(
    hop_map: Mapping[tuple[str, str], Hop], revenue: Mapping[str, Figure]
) -> dict[str, tuple[float, str]]:
    """Entity -> (size, basis): the latest revenue where known, else total disclosed inflows."""
    inflows: dict[str, float] = defaultdict(float)
    for (_, target), hop in hop_map.items():
        inflows[target] += hop.amount_usd or 0.0
    sizes = {}
    for entity in sorted(set(inflows) | set(revenue)):
        figure = revenue.get(entity)
        if figure is not None and figure.value > 0:
            sizes[entity] = (figure.value, f"revenue {figure.period}")
        elif inflows.get(entity, 0.0) > 0:
            sizes[entity] = (inflows[entity], "inflows")
    return sizes


class StressNetwork:
    """The graph a shock travels on, built once for many scenarios."""

    def __init__(
        self, hop_map: Mapping[tuple[str, str], Hop], sizes: Mapping[str, tuple[float, str]]
    ):
        self.sizes = dict(sizes)
        self.total_size = sum(size for size, _ in self.sizes.values())
        self.out: dict[str, list[tuple[str, float, tuple[str, ...]]]] = defaultdict(list)
        for (source, target), hop in sorted(hop_map.items()):
            if hop.amount_usd:
                self.out[source].append((target, hop.amount_usd, hop.deal_ids))

    def could_distress(self, threshold: float) -> list[str]:
        """Entities whose full default would distress at least one direct counterparty."""
        return sorted(
            source
            for source, edges in self.out.items()
            if any(w >= threshold * self.sizes[target][0] for target, w, _ in edges)
        )

    def propagate(
        self, shocks: Mapping[str, float], threshold: float = DEFAULT_THRESHOLD
    ) -> StressResult:
        """Run the cascade from `shocks` (entity -> fraction of outflows it stops paying)."""
        cut = dict(shocks)
        round_of = dict.fromkeys(shocks, 0)
        loss: dict[str, float] = defaultdict(float)
        direct: dict[str, float] = defaultdict(float)
        carried: dict[str, set[str]] = defaultdict(set)
        parent: dict[str, str] = {}
        frontier, rounds = sorted(shocks), 0
        while frontier:
            rounds += 1
            best: dict[str, tuple[float, str]] = {}  # target -> (-largest amount, its source)
            for source in frontier:
                for target, amount, deal_ids in self.out[source]:
                    lost = cut[source] * amount
                    loss[target] += lost
                    direct[target] += lost if round_of[source] == 0 else 0.0
                    carried[target].update(deal_ids)
                    best[target] = min(best.get(target, (0.0, "~")), (-lost, source))
            frontier = []
            for target in sorted(best):
                if target not in shocks:
                    parent.setdefault(target, best[target][1])
                ratio = loss[target] / self.sizes[target][0]
                if target not in round_of and ratio >= threshold:
                    cut[target], round_of[target] = min(1.0, ratio), rounds
                    frontier.append(target)
        hits = [
            self._hit(e, shocks, round_of, cut, loss, direct, carried, parent)
            for e in sorted(set(loss) | set(shocks))
        ]
        never = len(round_of) + 1
        hits.sort(key=lambda h: (_or(h.distressed_round, never), -h.loss_usd, h.entity))
        return StressResult(
            shocks=tuple(sorted(shocks.items())),
            threshold=threshold,
            hits=tuple(hits),
            rounds=max(round_of.values(), default=0),
            debtrank=self._debtrank(shocks, loss),
        )

    def _hit(self, entity, shocks, round_of, cut, loss, direct, carried, parent) -> StressHit:
        size, basis = self.sizes.get(entity, (None, ""))
        path = [entity]
        while path[-1] in parent:
            path.append(parent[path[-1]])
        return StressHit(
            entity=entity,
            shocked_fraction=shocks.get(entity),
            direct_loss_usd=direct[entity],
            indirect_loss_usd=loss[entity] - direct[entity],
            size_usd=size,
            size_basis=basis,
            distressed_round=round_of.get(entity),
            cut_fraction=cut.get(entity),
            path=tuple(reversed(path)),
            deal_ids=tuple(sorted(carried[entity])),
        )

    def _debtrank(self, shocks: Mapping[str, float], loss: Mapping[str, float]) -> float:
        """R = sum over entities of (final distress - initial distress) x relative size,
        distress being min(1, loss ratio) on top of the initial shock. Only entities that
        lost anything add to it, so this costs what the cascade touched."""
        value = 0.0
        for entity, lost in loss.items():
            if not lost:
                continue
            size = self.sizes[entity][0]
            start = shocks.get(entity, 0.0)
            value += (min(1.0, start + lost / size) - start) * size / self.total_size
        return value


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def stress(
    hop_map: Mapping[tuple[str, str], Hop],
    shocks: Mapping[str, float],
    revenue: Mapping[str, Figure] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> StressResult:
    """Propagate `shocks` through the hops in force, sizes from `revenue` else inflows."""
    for entity, fraction in shocks.items():
        if not 0 < fraction <= 1:
            raise ValueError(f"shock fraction for {entity!r} must be in (0, 1], not {fraction}")
    if threshold <= 0:
        raise ValueError("threshold must be above 0")
    network = StressNetwork(hop_map, entity_sizes(hop_map, revenue or {}))
    return network.propagate(shocks, threshold)
