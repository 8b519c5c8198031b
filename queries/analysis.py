"""The main job in one call: deals in force -> hops -> loops, concentration, alerts.

The alerts also cover vendor financing and stress transmission (each entity's full default,
see `stress`); concentration alerts weigh amounts against revenue where figures exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
from dealgraph.graph.model import DataSet
from dealgraph.queries.alerts import (
    Alert,
    concentration_alert,
    loop_alert,
    sort_alerts,
    stress_alert,
    vendor_financing_alert,
)
from dealgraph.queries.concentration import PERSPECTIVES, Concentration, concentration
from dealgraph.queries.figures import Figure, latest
from dealgraph.queries.flow import FlowFilter, Hop, deals_in_force, hops
from dealgraph.queries.loop_profile import deal_terms, loop_profile
from dealgraph.queries.loops import DEFAULT_LIMIT, DEFAULT_MAX_LENGTH, LoopSearch, find_loops
from dealgraph.queries.stress import DEFAULT_THRESHOLD, StressNetwork, entity_sizes
from dealgraph.queries.vendor_financing import vendor_financing


@dataclass(frozen=True)
class Options:
    """What an analysis looks at; the CLI's filters map one to one onto these fields."""

    flow: FlowFilter = field(default_factory=FlowFilter)
    max_length: int = DEFAULT_MAX_LENGTH
    min_amount: float | None = None
    limit: int = DEFAULT_LIMIT
    perspectives: tuple[str, ...] = PERSPECTIVES
    max_span_days: int | None = None  # only loops whose legs were signed within this span


@dataclass(frozen=True)
class Analysis:
    dataset: DataSet
    options: Options
    deals: pd.DataFrame  # the deals in force
    hops: dict[tuple[str, str], Hop]
    loops: LoopSearch
    concentration: list[Concentration]
    alerts: list[Alert]


def analyze(dataset: DataSet, options: Options = Options()) -> Analysis:
    deals = deals_in_force(dataset.deals, options.flow)
    hop_map = hops(deals)
    search = find_loops(hop_map, options.max_length, options.min_amount, options.limit)
    terms = deal_terms(dataset.deals)
    profiles = {loop.entities: loop_profile(loop, terms) for loop in search.loops}
    if options.max_span_days is not None:
        span = options.max_span_days
        kept = [loop for loop in search.loops if profiles[loop.entities].span_days <= span]
        search = replace(search, loops=kept)
    found = [
        c
        for perspective in options.perspectives
        for c in concentration(deals, perspective, min_total=options.min_amount or 0.0)
    ]
    names = dict(zip(dataset.entities["id"], dataset.entities["name"], strict=True))
    alerts = [
        loop_alert(loop, dataset.deals, names, profiles[loop.entities]) for loop in search.loops
    ]
    revenue = latest(dataset.financials, "revenue_usd", options.flow.as_of)
    alerts += [
        a
        for c in found
        if (a := concentration_alert(c, dataset.deals, names, revenue.get(c.entity)))
    ]
    alerts += _risk_alerts(dataset, deals, hop_map, revenue, options, names)
    return Analysis(dataset, options, deals, hop_map, search, found, sort_alerts(alerts))


def _risk_alerts(
    dataset: DataSet,
    deals: pd.DataFrame,
    hop_map: dict[tuple[str, str], Hop],
    revenue: dict[str, Figure],
    options: Options,
    names: dict[str, str],
) -> list[Alert]:
    """Vendor financing at least `min_amount`, and each entity's full default that would
    start a cascade (run only for those whose outflows could distress someone)."""
    alerts = [
        vendor_financing_alert(v, dataset.deals, names)
        for v in vendor_financing(deals)
        if not options.min_amount or (v.returned_usd or 0.0) >= options.min_amount
    ]
    network = StressNetwork(hop_map, entity_sizes(hop_map, revenue))
    for origin in network.could_distress(DEFAULT_THRESHOLD):
        result = network.propagate({origin: 1.0}, DEFAULT_THRESHOLD)
        if result.cascades and result.loss_usd >= (options.min_amount or 0.0):
            alerts.append(stress_alert(result, dataset.deals, names))
    return alerts
