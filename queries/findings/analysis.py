"""The main job in one call: deals in force -> hops -> loops, concentration, alerts.

The alerts also cover vendor financing and stress transmission (each entity's full default,
see `stress`); concentration alerts weigh amounts against revenue where figures exist.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TYPE_CHECKING

import pandas as pd

from dealgraph.graph.model import DataSet
from dealgraph.queries.dependence.concentration import PERSPECTIVES, Concentration
from dealgraph.queries.findings.alert_kinds import (
    ALERT_KINDS,
    AlertInputs,
    StreamReport,
    loop_alerts,
    other_alert_kinds,
    other_alerts,
    parse_alert_kinds,
)
from dealgraph.queries.findings.alerts import LOOP_KIND, Alert, sort_alerts
from dealgraph.queries.findings.largest import Largest
from dealgraph.queries.flows.flow import FlowFilter, Hop
from dealgraph.queries.flows.loops import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_LENGTH,
    Loop,
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

__all__ = [
    "ALERT_KINDS",
    "Analysis",
    "AnalysisStream",
    "Options",
    "StreamReport",
    "analyze",
    "parse_alert_kinds",
    "stream_alerts",
]


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
    alert_kinds: frozenset[str] = frozenset(ALERT_KINDS)  # the alerts to compute


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
    search = LoopSearch([], False, options.limit, options.max_length)
    loops, alerts = [], []
    if "loops" in options.alert_kinds:  # without loops, no loop is searched
        search = find_loops(inputs.hop_map, options.max_length, options.min_amount, options.limit)
        build = inputs.loop_builder()
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
    """The loops against `options.significance_samples` shuffles (None when 0)."""
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
    """The alerts of `analyze`, loops first and as the search finds them, then each other
    kind in turn (concentration, vendor financing, stress; each sorted). Nothing keeps the
    loops, so memory stays flat however many there are: the way to write millions of loop
    alerts to a file or a pipe."""
    inputs = AlertInputs(dataset, options)
    yield from _alert_stream(inputs, _significance(inputs), report, keep_concentration=False)


def _alert_stream(
    inputs: AlertInputs,
    tested: Significance | None,
    report: StreamReport | None,
    keep_concentration: bool = True,
) -> Iterator[Alert]:
    """Loop alerts as found, then each other kind in turn, sorted (computed only once the
    loops are out, so the stream starts at once; one kind held at a time); each with its
    p-value when `tested`. Without `keep_concentration` the concentration figures go once
    their alerts are made."""
    loops = loop_alerts(inputs, report)
    if tested is not None:
        loops = _with_p_values(loops, tested)
    yield from loops
    for found in other_alert_kinds(inputs, keep_concentration):
        found = sort_alerts(found)
        yield from with_p_values(found, tested) if tested is not None else found
        del found  # before the next kind is made


SUMMARY_LOOPS = 5  # the largest loops a streamed analysis keeps (what `analyze` prints)


class AnalysisStream:
    """`analyze` in flat memory: `alerts()` yields every alert once (the loops as the
    search finds them, then each other kind in turn, sorted), nothing keeping the loops; what a
    summary shows is tallied as they go by.

    `analysis` is there from the start with the data set, options, deals in force and hops
    (enough to plan a map before the loops come); when `alerts()` is exhausted it also
    holds the largest `keep_loops` loops (`loops.loops`, with `truncated`), the
    concentration figures, the alerts other than loops (`alerts`), significance and the
    headline-to-firm comparison. `loops` counts the loop alerts, `severities` every alert
    by severity. Alerts carry their length's or entity's p-value when significance is asked.
    """

    def __init__(self, dataset: DataSet, options: Options, keep_loops: int = SUMMARY_LOOPS):
        self.inputs = AlertInputs(dataset, options)
        self.report = StreamReport()
        self.severities: Counter[str] = Counter()
        self.keep_loops = keep_loops
        search = LoopSearch([], False, options.limit, options.max_length)
        self.analysis = Analysis(dataset, options, self.inputs.deals, self.inputs.hop_map,
                                 search, [], [])  # fmt: skip

    @property
    def loops(self) -> int:
        return self.report.loops

    def alerts(self) -> Iterator[Alert]:
        inputs, options = self.inputs, self.analysis.options
        tested = _significance(inputs)
        largest = Largest(self.keep_loops, key=lambda a: (-(a.amount_usd or -1.0), a.entities))
        others: list[Alert] = []
        for alert in _alert_stream(inputs, tested, self.report):
            self.severities[alert.severity] += 1
            (largest.add if alert.kind == LOOP_KIND else others.append)(alert)
            yield alert
        hop_map = inputs.hop_map
        kept = [Loop(a.entities, tuple(hop_map[pair] for pair in _pairs(a.entities)))
                for a in largest.items()]  # fmt: skip
        search = replace(self.analysis.loops, loops=kept, truncated=self.report.truncated)
        self.analysis = replace(self.analysis, loops=search, concentration=inputs.concentration,
                                alerts=others, significance=tested,
                                firm=_firm(self.analysis.dataset, options))  # fmt: skip


def _pairs(entities: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    return zip(entities, (*entities[1:], entities[0]), strict=True)


def _with_p_values(alerts: Iterator[Alert], tested: Significance) -> Iterator[Alert]:
    """`with_p_values` over a stream, a batch at a time (it reads the entities' p-values
    once a call)."""
    while batch := list(islice(alerts, 4096)):
        yield from with_p_values(batch, tested)
