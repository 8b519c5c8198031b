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
from dealgraph.queries.dependence.concentration import (
    PERSPECTIVES,
    Concentration,
    concentration_of_hops,
    perspective_kinds,
    role_hops,
)
from dealgraph.queries.dependence.figures import Figure, latest
from dealgraph.queries.findings.alerts import (
    Alert,
    LoopAlerts,
    concentration_alert,
    sort_alerts,
    source_urls,
    stress_alert,
    vendor_financing_alert,
)
from dealgraph.queries.flows.flow import FlowFilter, Hop, deals_in_force, hops
from dealgraph.queries.flows.loop_profile import DealTerms, loop_profile
from dealgraph.queries.flows.loops import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_LENGTH,
    LoopSearch,
    find_loops,
    iter_loops,
)
from dealgraph.queries.risk.stress import DEFAULT_THRESHOLD, StressNetwork, entity_sizes
from dealgraph.queries.risk.vendor_financing import vendor_financing
from dealgraph.queries.significance.robustness import (
    HeadlineToFirm,
    firm_pairs,
    headline_to_firm,
    with_p_values,
)

if TYPE_CHECKING:
    from dealgraph.queries.significance.loop_significance import Significance


# What `--alert-kinds` names; each kind left out is not computed (its alerts are circular_flow,
# concentration, vendor_financing and stress). Without loops, no loop is searched.
ALERT_KINDS = ("loops", "concentration", "vendor-financing", "stress")


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
    deals = deals_in_force(dataset.deals, options.flow)
    hop_map = hops(deals)
    search = LoopSearch([], False, options.limit, options.max_length)
    if "loops" in options.alert_kinds:
        search = find_loops(hop_map, options.max_length, options.min_amount, options.limit)
    terms = DealTerms(dataset.deals)
    profiles = {loop.entities: loop_profile(loop, terms) for loop in search.loops}
    if options.max_span_days is not None:
        span = options.max_span_days
        kept = [loop for loop in search.loops if profiles[loop.entities].span_days <= span]
        search = replace(search, loops=kept)
    found = _concentration(deals, options) if "concentration" in options.alert_kinds else []
    names, source_of = _names(dataset), source_urls(dataset.deals)
    to_alert = LoopAlerts(source_of, names, _firm_pairs(deals, options))
    alerts = [to_alert(loop, profiles[loop.entities]) for loop in search.loops]
    alerts += _other_alerts(dataset, deals, hop_map, found, options, names, source_of)
    tested = _significance(hop_map, options)
    if tested is not None:
        alerts = with_p_values(alerts, tested)
    firm = None
    if options.compare_firm and options.flow.amounts == "headline":
        firm = headline_to_firm(dataset, options.flow, options.max_length)
    return Analysis(
        dataset, options, deals, hop_map, search, found, sort_alerts(alerts), tested, firm
    )


def _significance(hop_map: dict[tuple[str, str], Hop], options: Options) -> Significance | None:
    """The loops against `options.significance_samples` shuffles (None when 0)."""
    if not options.significance_samples:
        return None
    from dealgraph.queries.significance.loop_significance import significance

    return significance(hop_map, options.significance_samples, options.seed,
                        min(options.max_length, 5))  # fmt: skip


def _firm_pairs(deals: pd.DataFrame, options: Options) -> frozenset[tuple[str, str]] | None:
    """Under headline amounts, the pairs a firm deal joins (to mark loops resting on
    ceilings); under firm amounts every loop is firm already."""
    return firm_pairs(deals) if options.flow.amounts == "headline" else None


@dataclass
class StreamReport:
    """What `stream_alerts` found, filled in as it goes."""

    loops: int = 0  # loop alerts yielded
    truncated: bool = False  # the search stopped at `Options.limit` loops


def stream_alerts(
    dataset: DataSet, options: Options = Options(), report: StreamReport | None = None
) -> Iterator[Alert]:
    """The alerts of `analyze`, loops first and as the search finds them, then the others
    (sorted). Nothing keeps the loops, so memory stays flat however many there are: the
    way to write millions of loop alerts to a file or a pipe."""
    report = report if report is not None else StreamReport()
    deals = deals_in_force(dataset.deals, options.flow)
    hop_map = hops(deals)
    terms = DealTerms(dataset.deals)
    names, source_of = _names(dataset), source_urls(dataset.deals)
    to_alert = LoopAlerts(source_of, names, _firm_pairs(deals, options))
    tested = _significance(hop_map, options)  # before the stream: loop alerts carry p-values
    marked = (lambda alerts: with_p_values(alerts, tested)) if tested else (lambda alerts: alerts)
    found_loops = iter(())
    if "loops" in options.alert_kinds:
        found_loops = iter_loops(hop_map, options.max_length, options.min_amount)
    for searched, loop in enumerate(found_loops):
        if searched == options.limit:
            report.truncated = True
            break
        profile = loop_profile(loop, terms)
        if options.max_span_days is None or profile.span_days <= options.max_span_days:
            report.loops += 1
            yield from marked([to_alert(loop, profile)])
    found = _concentration(deals, options) if "concentration" in options.alert_kinds else []
    others = _other_alerts(dataset, deals, hop_map, found, options, names, source_of)
    yield from sort_alerts(marked(others))


def _names(dataset: DataSet) -> dict[str, str]:
    return dict(zip(dataset.entities["id"], dataset.entities["name"], strict=True))


def _concentration(deals: pd.DataFrame, options: Options) -> list[Concentration]:
    """Every perspective asked for; customers and suppliers read the same hops, built once."""
    by_kinds: dict[frozenset[str], dict] = {}
    found = []
    for perspective in options.perspectives:
        kinds = perspective_kinds(perspective)
        if kinds not in by_kinds:
            by_kinds[kinds] = role_hops(deals, kinds)
        found += concentration_of_hops(by_kinds[kinds], perspective, options.min_amount or 0.0)
    return found


def _other_alerts(
    dataset: DataSet,
    deals: pd.DataFrame,
    hop_map: dict[tuple[str, str], Hop],
    found: list[Concentration],
    options: Options,
    names: dict[str, str],
    source_of: dict[str, str],
) -> list[Alert]:
    """Concentration (weighed against revenue where known), vendor financing and stress."""
    revenue = latest(dataset.financials, "revenue_usd", options.flow.as_of)
    alerts = [
        a for c in found if (a := concentration_alert(c, source_of, names, revenue.get(c.entity)))
    ]
    return alerts + _risk_alerts(deals, hop_map, revenue, options, names, source_of)


def _risk_alerts(
    deals: pd.DataFrame,
    hop_map: dict[tuple[str, str], Hop],
    revenue: dict[str, Figure],
    options: Options,
    names: dict[str, str],
    source_of: dict[str, str],
) -> list[Alert]:
    """Vendor financing at least `min_amount`, and each entity's full default that would
    start a cascade (run only for those whose outflows could distress someone)."""
    alerts = [
        vendor_financing_alert(v, source_of, names)
        for v in (vendor_financing(deals) if "vendor-financing" in options.alert_kinds else ())
        if not options.min_amount or (v.returned_usd or 0.0) >= options.min_amount
    ]
    if "stress" not in options.alert_kinds:
        return alerts
    network = StressNetwork(hop_map, entity_sizes(hop_map, revenue))
    for origin in network.could_distress(DEFAULT_THRESHOLD):
        result = network.propagate({origin: 1.0}, DEFAULT_THRESHOLD)
        if result.cascades and result.loss_usd >= (options.min_amount or 0.0):
            alerts.append(stress_alert(result, source_of, names))
    return alerts
