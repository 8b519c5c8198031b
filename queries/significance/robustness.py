"""Robustness: which findings survive counting only firm money, and which beat chance.

Half of the announced billions are ceilings ("up to") and letters of intent. Under
`--amounts firm` (see `flow`) only closed, committed or funded deals count, each with its
firm or up-front part. This module sets the two bases side by side for the largest loops, the
most concentrated entities and the worst full defaults (stress), marks the pairs a firm deal
joins (a loop with a hop outside them rests on ceilings), and hangs the significance p-values
on the alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from dealgraph.graph.model import DataSet
from dealgraph.queries.dependence.concentration import Concentration, concentration
from dealgraph.queries.dependence.figures import latest
from dealgraph.queries.findings.alerts import Alert
from dealgraph.queries.flows.flow import FIRM_BASES, FIRM_STATUSES, FlowFilter, deals_in_force, hops
from dealgraph.queries.flows.loops import Loop, find_loops, largest_first
from dealgraph.queries.risk.stress import (
    DEFAULT_THRESHOLD,
    StressNetwork,
    StressResult,
    entity_sizes,
)

if TYPE_CHECKING:
    from dealgraph.queries.significance.loop_significance import Significance

LOOP_ALERT = "circular_flow"


def firm_pairs(deals: pd.DataFrame) -> frozenset[tuple[str, str]]:
    """The (payer, payee) pairs that at least one firm deal in `deals` joins.

    `deals` are the deals in force under headline amounts; the firm ones among them are
    exactly the deals in force under firm amounts (the same dates and versions).
    """
    firm = deals["status"].isin(FIRM_STATUSES) | deals["amount_basis"].isin(FIRM_BASES)
    kept = deals[firm]
    return frozenset(zip(kept["from_entity"].tolist(), kept["to_entity"].tolist(), strict=True))


def with_p_values(alerts: list[Alert], found: Significance) -> list[Alert]:
    """Loop alerts carry the p-value of their length, the others their entity's (None when
    the loop is longer than the test looked, or the entity is on no loop in any graph)."""
    by_entity = found.entity_p_values()
    result = []
    for alert in alerts:
        if alert.kind == LOOP_ALERT:
            compared = found.loops_by_length.get(len(alert.entities))
            p_value = compared.p_value if compared else None
        else:
            p_value = by_entity.get(alert.entities[0]) if alert.entities else None
        result.append(replace(alert, details={**alert.details, "p_value": p_value}))
    return result


@dataclass(frozen=True)
class LoopShift:
    entities: tuple[str, ...]
    headline_usd: float | None
    firm_usd: float | None  # None: no loop under firm amounts, or a firm hop undisclosed
    survives: bool  # the loop exists under firm amounts


@dataclass(frozen=True)
class ConcentrationShift:
    entity: str
    perspective: str
    headline_top_share: float
    firm_top_share: float | None  # None: nothing firm from that perspective
    headline_total_usd: float
    firm_total_usd: float


@dataclass(frozen=True)
class DefaultShift:
    """One entity's full default (it stops paying all it owes), under both bases."""

    entity: str
    headline: StressResult
    firm: StressResult | None  # None: it pays nothing firm


@dataclass(frozen=True)
class HeadlineToFirm:
    loops: tuple[LoopShift, ...]
    concentration: tuple[ConcentrationShift, ...]
    headline_loops: int
    firm_loops: int
    defaults: tuple[DefaultShift, ...] = ()  # the worst full defaults under headline first

    def summary(self) -> str:
        survive = sum(s.survives for s in self.loops)
        return (
            f"Firm money only: {self.firm_loops:,} of {self.headline_loops:,} loops remain; "
            f"{survive} of the {len(self.loops)} largest survive"
        )


def headline_to_firm(
    dataset: DataSet,
    flow: FlowFilter | None = None,
    max_length: int = 6,
    top: int = 10,
    perspectives: tuple[str, ...] = ("customers", "suppliers", "funders"),
) -> HeadlineToFirm:
    """How the `top` largest loops and most concentrated entities move from headline to firm."""
    flow = flow or FlowFilter()
    searched = {}
    for basis in ("headline", "firm"):
        deals = deals_in_force(dataset.deals, replace(flow, amounts=basis))
        loops = find_loops(hops(deals), max_length).loops
        conc = [c for p in perspectives for c in concentration(deals, p)]
        searched[basis] = (loops, conc)
    defaults = worst_defaults(dataset, flow, top)
    firm_loops = {loop.entities: loop for loop in searched["firm"][0]}
    loop_rows = tuple(
        _loop_shift(loop, firm_loops.get(loop.entities))
        for loop in largest_first(searched["headline"][0])[:top]
    )
    firm_conc = {(c.entity, c.perspective): c for c in searched["firm"][1]}
    most = sorted(searched["headline"][1], key=lambda c: (-c.top.share * c.total_usd, c.entity))
    conc_rows = tuple(_conc_shift(c, firm_conc.get((c.entity, c.perspective))) for c in most[:top])
    return HeadlineToFirm(
        loop_rows, conc_rows, len(searched["headline"][0]), len(firm_loops), defaults
    )


def worst_defaults(dataset: DataSet, flow: FlowFilter, top: int = 5) -> tuple[DefaultShift, ...]:
    """The `top` full defaults that cost the others most under headline amounts (the ones
    `stress` alerts on: they would distress a counterparty), each also under firm amounts:
    how much of the contagion rests on ceilings and letters of intent."""
    revenue = latest(dataset.financials, "revenue_usd", flow.as_of)
    networks = {}
    for basis in ("headline", "firm"):
        hop_map = hops(deals_in_force(dataset.deals, replace(flow, amounts=basis)))
        networks[basis] = StressNetwork(hop_map, entity_sizes(hop_map, revenue))
    headline = networks["headline"]
    found = [
        headline.propagate({origin: 1.0}, DEFAULT_THRESHOLD)
        for origin in headline.could_distress(DEFAULT_THRESHOLD)
    ]
    found.sort(key=lambda r: (-r.loss_usd, r.shocks))
    firm = networks["firm"]
    return tuple(
        DefaultShift(
            r.shocks[0][0],
            r,
            firm.propagate(dict(r.shocks), DEFAULT_THRESHOLD)
            if r.shocks[0][0] in firm.out
            else None,
        )
        for r in found[:top]
    )


def _loop_shift(loop: Loop, firm: Loop | None) -> LoopShift:
    return LoopShift(
        loop.entities, loop.amount_usd, firm.amount_usd if firm else None, firm is not None
    )


def _conc_shift(headline: Concentration, firm: Concentration | None) -> ConcentrationShift:
    return ConcentrationShift(
        headline.entity,
        headline.perspective,
        headline.top.share,
        firm.top.share if firm else None,
        headline.total_usd,
        firm.total_usd if firm else 0.0,
    )
