"""One function per alert kind, over inputs worked out once (`AlertInputs`).

`loop_alerts` yields as the search finds loops (memory flat in their number); the others
return lists (one alert per entity, pair or route at most). `Options.alert_kinds` names the
kinds to compute (`ALERT_KINDS`, what `--alert-kinds` takes); each function returns nothing
for a kind left out, and without loops no loop is searched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING

import pandas as pd

from dealgraph.graph.model import DataSet
from dealgraph.queries.dependence.concentration import (
    Concentration,
    concentration_of_hops,
    perspective_kinds,
    role_hops,
)
from dealgraph.queries.dependence.figures import Figure, latest
from dealgraph.queries.findings.alerts import (
    Alert,
    concentration_alert,
    source_urls,
    stress_alert,
    vendor_financing_alert,
)
from dealgraph.queries.findings.loop_alerts import LoopAlertBuilder
from dealgraph.queries.flows.flow import Hop, deals_in_force, hops
from dealgraph.queries.flows.loop_profile import DealTerms
from dealgraph.queries.flows.loops import iter_loop_entities, searched_hops
from dealgraph.queries.risk.stress import DEFAULT_THRESHOLD, StressNetwork, entity_sizes
from dealgraph.queries.risk.vendor_financing import vendor_financing
from dealgraph.queries.significance.robustness import firm_pairs

if TYPE_CHECKING:
    from dealgraph.queries.findings.analysis import Options

# What `--alert-kinds` names; their alerts are circular_flow, concentration,
# vendor_financing and stress.
ALERT_KINDS = ("loops", "concentration", "vendor-financing", "stress")


def parse_alert_kinds(names: Iterable[str]) -> frozenset[str]:
    """The alert kinds named (blanks dropped); a ValueError naming the unknown ones, or
    saying none was given. What `--alert-kinds` and the API's `alert_kinds` both take."""
    kinds = frozenset(name.strip() for name in names if name.strip())
    unknown = sorted(kinds - set(ALERT_KINDS))
    if unknown or not kinds:
        raise ValueError(f"{', '.join(unknown) or 'none given'}: expected some of "
                         f"{','.join(ALERT_KINDS)}")  # fmt: skip
    return kinds


@dataclass
class StreamReport:
    """What `loop_alerts` found, filled in as it goes."""

    loops: int = 0  # loop alerts yielded
    truncated: bool = False  # the search stopped at `Options.limit` loops


@dataclass
class AlertInputs:
    """What several alert kinds read: the deals in force, their hops, names and sources,
    each built once (and only when a kind asks for it)."""

    dataset: DataSet
    options: Options
    deals: pd.DataFrame = field(init=False)
    hop_map: dict[tuple[str, str], Hop] = field(init=False)

    def __post_init__(self):
        self.deals = deals_in_force(self.dataset.deals, self.options.flow)
        self.hop_map = hops(self.deals)

    @cached_property
    def names(self) -> dict[str, str]:
        entities = self.dataset.entities
        return dict(zip(entities["id"], entities["name"], strict=True))

    @cached_property
    def source_of(self) -> dict[str, str]:
        return source_urls(self.dataset.deals)

    @cached_property
    def revenue(self) -> dict[str, Figure]:
        return latest(self.dataset.financials, "revenue_usd", self.options.flow.as_of)

    @cached_property
    def concentration(self) -> list[Concentration]:
        """Every perspective asked for (none when concentration alerts are not); customers
        and suppliers read the same hops."""
        if "concentration" not in self.options.alert_kinds:
            return []
        least = self.options.min_amount or 0.0
        by_kinds: dict[frozenset[str], list[str]] = {}
        for perspective in self.options.perspectives:
            by_kinds.setdefault(perspective_kinds(perspective), []).append(perspective)
        found: dict[str, list[Concentration]] = {}
        for kinds, perspectives in by_kinds.items():  # one set of role hops at a time
            role = role_hops(self.deals, kinds)
            for perspective in perspectives:
                found[perspective] = concentration_of_hops(role, perspective, least)
            del role
        return [c for perspective in self.options.perspectives for c in found[perspective]]

    def loop_builder(self) -> LoopAlertBuilder:
        """Under headline amounts, loops resting on ceilings are marked (the pairs a firm
        deal joins); under firm amounts every loop is firm already."""
        firm = firm_pairs(self.deals) if self.options.flow.amounts == "headline" else None
        terms = DealTerms(self.dataset.deals)
        return LoopAlertBuilder(self.hop_map, terms, self.source_of, self.names, firm,
                                self.options.max_span_days)  # fmt: skip


def loop_alerts(inputs: AlertInputs, report: StreamReport | None = None) -> Iterator[Alert]:
    """`circular_flow`: one per loop, as the search finds it, up to `Options.limit` loops
    searched (those outside `max_span_days` searched but not yielded)."""
    report = report if report is not None else StreamReport()
    options = inputs.options
    if "loops" not in options.alert_kinds:
        return
    build = inputs.loop_builder()
    searched = searched_hops(inputs.hop_map, options.min_amount)
    found = iter_loop_entities(searched, options.max_length)
    for entities in islice(found, options.limit):
        alert = build(entities)
        if alert is not None:
            report.loops += 1
            yield alert
    report.truncated = next(found, None) is not None


def concentration_alerts(inputs: AlertInputs) -> list[Alert]:
    """`concentration`, weighed against revenue where it is known."""
    if "concentration" not in inputs.options.alert_kinds:
        return []
    revenue, source_of, names = inputs.revenue, inputs.source_of, inputs.names
    found = (concentration_alert(c, source_of, names, revenue.get(c.entity))
             for c in inputs.concentration)  # fmt: skip
    return [alert for alert in found if alert is not None]


def vendor_financing_alerts(inputs: AlertInputs) -> list[Alert]:
    """`vendor_financing` where at least `min_amount` can come back."""
    least = inputs.options.min_amount
    if "vendor-financing" not in inputs.options.alert_kinds:
        return []
    return [
        vendor_financing_alert(v, inputs.source_of, inputs.names)
        for v in vendor_financing(inputs.deals)
        if not least or (v.returned_usd or 0.0) >= least
    ]


def stress_alerts(inputs: AlertInputs) -> list[Alert]:
    """`stress`: each entity's full default that would start a cascade losing at least
    `min_amount` (run only for those whose outflows could distress someone)."""
    if "stress" not in inputs.options.alert_kinds:
        return []
    network = StressNetwork(inputs.hop_map, entity_sizes(inputs.hop_map, inputs.revenue))
    least = inputs.options.min_amount or 0.0
    alerts = []
    for origin in network.could_distress(DEFAULT_THRESHOLD):
        result = network.propagate({origin: 1.0}, DEFAULT_THRESHOLD)
        if result.cascades and result.loss_usd >= least:
            alerts.append(stress_alert(result, inputs.source_of, inputs.names))
    return alerts


def other_alerts(inputs: AlertInputs) -> list[Alert]:
    """Every kind but the loops, in the order `analyze` has always listed them."""
    return [alert for found in other_alert_kinds(inputs) for alert in found]


def other_alert_kinds(inputs: AlertInputs, keep_concentration: bool = True) -> Iterator[list]:
    """The alerts of each kind but the loops, one kind's list at a time, so that a stream
    holds one kind (a million deals give over 100,000 of some) rather than all of them.
    Without `keep_concentration` the concentration figures (every entity's, from every
    perspective) are dropped once their alerts are made."""
    yield concentration_alerts(inputs)
    if not keep_concentration and "concentration" in vars(inputs):
        del inputs.concentration  # a cached_property: deleting it drops the figures
    yield vendor_financing_alerts(inputs)
    yield stress_alerts(inputs)
