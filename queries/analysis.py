"""The main job in one call: deals in force -> hops -> loops, concentration, alerts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from dealgraph.graph.model import DataSet
from dealgraph.queries.alerts import Alert, concentration_alert, loop_alert, sort_alerts
from dealgraph.queries.concentration import PERSPECTIVES, Concentration, concentration
from dealgraph.queries.flow import FlowFilter, Hop, deals_in_force, hops
from dealgraph.queries.loops import DEFAULT_LIMIT, DEFAULT_MAX_LENGTH, LoopSearch, find_loops


@dataclass(frozen=True)
class Options:
    """What an analysis looks at; the CLI's filters map one to one onto these fields."""

    flow: FlowFilter = field(default_factory=FlowFilter)
    max_length: int = DEFAULT_MAX_LENGTH
    min_amount: float | None = None
    limit: int = DEFAULT_LIMIT
    perspectives: tuple[str, ...] = PERSPECTIVES


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
    found = [
        c
        for perspective in options.perspectives
        for c in concentration(deals, perspective, min_total=options.min_amount or 0.0)
    ]
    names = dict(zip(dataset.entities["id"], dataset.entities["name"], strict=True))
    alerts = [loop_alert(loop, dataset.deals, names) for loop in search.loops]
    alerts += [a for c in found if (a := concentration_alert(c, dataset.deals, names))]
    return Analysis(dataset, options, deals, hop_map, search, found, sort_alerts(alerts))
