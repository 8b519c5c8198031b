"""The main job in one call: deals in force -> hops -> loops, concentration, alerts.

The alerts also cover vendor financing and stress transmission (each entity's full default,
see `stress`); concentration alerts weigh amounts against revenue where figures exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from dealgraph.graph.model import DataSet
from dealgraph.queries.dependence.concentration import PERSPECTIVES, Concentration
from dealgraph.queries.findings.alert_kinds import (
    AlertInputs,
    StreamReport,
    loop_alerts,
    other_alerts,
)
from dealgraph.queries.findings.alerts import Alert, sort_alerts
from dealgraph.queries.flows.flow import FlowFilter, Hop
from dealgraph.queries.flows.loops import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_LENGTH,
    LoopSearch,
    find_loops,
)
from dealgraph.queries.significance.robustness import (
    HeadlineToFirm,
    headline_to_firm,
    with_p_values,
)

if TYPE_CHECKING:
    from dealgraph.queries.significance.loop_significance import Significance

__all__ = ["Analysis", "Options", "StreamReport", "analyze", "stream_alerts"]


@dataclass(frozen=True)
class Options:
    """What an analysis looks at; the CLI's filters map one to one onto these fields."""

    flow: FlowFilter = field(default_factory=FlowFilter)
    max_length: int = DEFAULT_MAX_LENGTH
    min_amount: float | None = None
    limit: int = DEFAULT_LIMIT
    perspectives: tuple[str, ...] = PERSPECTIVES
    max_span_days: int | None = None  # only loops whose legs were signed within this span
    significance_samples: int = 0  # degree-preserving shuffles to test the loops against
    seed: int = 0  # of the shuffles
    compare_firm: bool = False  # also set the largest findings under firm amounts beside


@dataclass(frozen=True)
class Analysis:
    dataset: DataSet
    options: Options
    deals: pd.DataFrame  # the deals in force
    hops: dict[tuple[str, str], Hop]
    loops: LoopSearch
    concentration: list[Concentration]
    alerts: list[Alert]
    significance: Significance | None = None
    firm: HeadlineToFirm | None = None


def analyze(dataset: DataSet, options: Options = Options()) -> Analysis:
    inputs = AlertInputs(dataset, options)
    search = find_loops(inputs.hop_map, options.max_length, options.min_amount, options.limit)
    build = inputs.loop_builder()
    loops, alerts = [], []
    for loop in search.loops:
        if (alert := build(loop.entities)) is not None:  # None: outside max_span_days
            loops.append(loop)
            alerts.append(alert)
    search = replace(search, loops=loops)
    alerts += other_alerts(inputs)
    tested = _significance(inputs)
    if tested is not None:
        alerts = with_p_values(alerts, tested)
    firm = _firm(dataset, options)
    return Analysis(dataset, options, inputs.deals, inputs.hop_map, search,
                    inputs.concentration, sort_alerts(alerts), tested, firm)  # fmt: skip


def _significance(inputs: AlertInputs) -> Significance | None:
    options = inputs.options
    if not options.significance_samples:
        return None
    from dealgraph.queries.significance.loop_significance import (
        significance,  # scipy: only when asked
    )

    return significance(inputs.hop_map, options.significance_samples, options.seed,
                        min(options.max_length, 5))  # fmt: skip


def _firm(dataset: DataSet, options: Options) -> HeadlineToFirm | None:
    if options.compare_firm and options.flow.amounts == "headline":
        return headline_to_firm(dataset, options.flow, options.max_length)
    return None


def stream_alerts(
    dataset: DataSet, options: Options = Options(), report: StreamReport | None = None
) -> Iterator[Alert]:
    """The alerts of `analyze`, loops first and as the search finds them, then the others
    (sorted). Nothing keeps the loops, so memory stays flat however many there are: the
    way to write millions of loop alerts to a file or a pipe."""
    inputs = AlertInputs(dataset, options)
    yield from loop_alerts(inputs, report)
    yield from sort_alerts(other_alerts(inputs))
