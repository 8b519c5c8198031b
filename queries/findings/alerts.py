"""Alerts: loops and concentration turned into findings with a severity and their sources.

Rules (also in the README):
- `circular_flow`, one per loop. Severity by the loop's circulating amount (its smallest
  hop): high from $10B, medium from $1B or when a hop's amount is undisclosed, else low;
  then one level up when its legs were signed within a year (`tight`), one down when they
  are more than three years apart (`spread`), and one down when its weakest leg is soft
  (rumored, or announced with a headline amount): see `loop_profile`. Its details give the
  loop's range (`amount_low_usd` counting firm parts, `amount_high_usd` headlines) and, where
  known, whether it exists only under headline amounts (`rests_on_ceilings`: some hop has no
  firm deal, so under `--amounts firm` there is no loop) and its length's `p_value` against
  the degree-preserving null (see `significance`).
- `concentration`, one per entity and perspective whose top counterparty holds at least
  half of the total (`TOP_SHARE`) or whose HHI is at least 0.25 (`HHI`, the level antitrust
  practice calls highly concentrated). Severity: high when the top share is at least 75% of
  a total of $10B or more, medium when it is at least 50% of $1B or more, else low.
  Where the entity's revenue is known (customers, suppliers), the top counterparty's amount
  is also set against it: at least a year of revenue (`SIZE_HIGH`) raises an alert even
  below the share thresholds and makes it high; at least a quarter (`SIZE_MEDIUM`) makes it
  at least medium.
- `vendor_financing`, one per funder, recipient (and intermediary) whose funding can come
  back as purchases (see `vendor_financing`). Severity by the amount that can come back:
  high from $10B when it covers at least a quarter of the funder's sales on that route,
  medium from $1B or when undisclosed, else low; one level down through an intermediary.
- `stress`, one per entity whose full default would spread distress past its direct
  counterparties: someone distressed in a second round or later (see `stress`, with
  `DEFAULT_THRESHOLD`). A single payer's default hurting its payees is what concentration
  already reports; a cascade is the new finding. Severity by the losses of everyone else:
  high from $10B, medium from $1B, else low.
An alert's id depends only on what it is about (the loop's entities; the entity and
perspective), so the same finding keeps its id across runs and machines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from dealgraph.queries.dependence.concentration import Concentration
from dealgraph.queries.dependence.figures import Figure
from dealgraph.queries.flows.flow import Hop
from dealgraph.queries.flows.loop_profile import LoopProfile, severity_shift
from dealgraph.queries.flows.loops import Loop
from dealgraph.queries.risk.stress import StressResult
from dealgraph.queries.risk.vendor_financing import VendorFinancing

SEVERITIES = ("low", "medium", "high")
TOP_SHARE = 0.5
HHI = 0.25
HIGH_AMOUNT = 10e9
MEDIUM_AMOUNT = 1e9
SIZE_HIGH = 1.0
SIZE_MEDIUM = 0.25
VENDOR_COVERAGE = 0.25
LOOP_KIND = "circular_flow"


@dataclass(frozen=True, slots=True)  # slots: millions stream by
class Alert:
    id: str
    kind: str
    severity: str
    entities: tuple[str, ...]
    amount_usd: float | None
    deal_ids: tuple[str, ...]
    sources: tuple[str, ...]
    summary: str
    details: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "severity": self.severity,
            "entities": list(self.entities),
            "amount_usd": self.amount_usd,
            "deal_ids": list(self.deal_ids),
            "sources": list(self.sources),
            "summary": self.summary,
            "details": self.details,
        }


def format_usd(amount: float | None) -> str:
    """`$300B`, `$1.5B`, `$750M`; `undisclosed` for None."""
    if amount is None:
        return "undisclosed"
    units = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
    for n, (size, unit) in enumerate(units):
        if amount >= size:
            scaled = amount / size
            if scaled >= 1000 or (n == 0 and float(f"{scaled:.3g}") >= 1000):
                return f"${scaled:,.0f}{unit}"
            if float(f"{scaled:.3g}") >= 1000:  # $999.5B rounds up: say $1T, not $1e+03B
                size, unit = units[n - 1]
                scaled = amount / size
            return f"${scaled:.3g}{unit}"
    return f"${amount:,.0f}"


def severity_at_least(severity: str, floor: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(floor)


def shifted(severity: str, steps: int) -> str:
    """`severity` moved `steps` levels up (or down), within low..high."""
    return SEVERITIES[max(0, min(len(SEVERITIES) - 1, SEVERITIES.index(severity) + steps))]


def stable_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"


def source_urls(deals: pd.DataFrame) -> dict[str, str]:
    """Deal id -> its source URL, built once: an alert looks its deals up in O(1) (a pandas
    lookup per alert costs milliseconds, which adds up to minutes over 100,000 loops)."""
    ids, urls = deals["id"].tolist(), deals["source_url"].tolist()
    return {d: url for d, url in zip(ids, urls, strict=True) if url}


def _sources(source_of: Mapping[str, str], deal_ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({url for d in deal_ids if (url := source_of.get(d))}))


class LoopAlerts:
    """Turns loops into `circular_flow` alerts. A hop sits in many loops, so what belongs
    to one hop (its entry in the details, its sources) is worked out once and shared,
    read-only, by every alert through it."""

    def __init__(
        self,
        source_of: Mapping[str, str],
        names: Mapping[str, str],
        firm_pairs: frozenset[tuple[str, str]] | None = None,
    ):
        """`firm_pairs`: the pairs joined by a firm deal, to mark loops resting on ceilings."""
        self.source_of, self.names, self.firm_pairs = source_of, names, firm_pairs
        self._hops: dict[tuple[str, ...], tuple[dict, frozenset[str]]] = {}

    def _hop(self, hop: Hop) -> tuple[dict, frozenset[str]]:
        found = self._hops.get(hop.deal_ids)  # a deal belongs to exactly one hop
        if found is None:
            entry = {
                "from": hop.source,
                "to": hop.target,
                "amount_usd": hop.amount_usd,
                "deal_ids": list(hop.deal_ids),
            }
            urls = frozenset(u for d in hop.deal_ids if (u := self.source_of.get(d)))
            found = self._hops[hop.deal_ids] = (entry, urls)
        return found

    def __call__(self, loop: Loop, profile: LoopProfile) -> Alert:
        """`profile`: the loop's timing and firmness (see `loop_profile`)."""
        amount = loop.amount_usd
        severity = loop_severity(amount, severity_shift(profile))
        path = " -> ".join(self.names.get(e, e) for e in (*loop.entities, loop.entities[0]))
        unknown = sum(hop.amount_usd is None for hop in loop.hops)
        parts = [self._hop(hop) for hop in loop.hops]
        robustness: dict = {
            "amount_low_usd": loop.amount_low_usd,
            "amount_high_usd": loop.amount_high_usd,
        }
        soft = None
        if self.firm_pairs is not None:
            soft = any((hop.source, hop.target) not in self.firm_pairs for hop in loop.hops)
            robustness["rests_on_ceilings"] = soft
        return Alert(
            id=stable_id("loop", *loop.entities),
            kind=LOOP_KIND,
            severity=severity,
            entities=loop.entities,
            amount_usd=amount,
            deal_ids=loop.deal_ids,
            sources=tuple(sorted(frozenset().union(*(urls for _, urls in parts)))),
            summary=loop_summary(path, format_usd(amount), unknown, loop.length, soft),
            details={
                "length": loop.length,
                "hops": [entry for entry, _ in parts],
                **profile.as_dict(),
                **robustness,
            },
        )


def loop_severity(amount: float | None, shift: int) -> str:
    """A loop's severity: by its amount (see the module's rules), moved `shift` levels."""
    if amount is None:
        severity = "medium"
    elif amount >= HIGH_AMOUNT:
        severity = "high"
    else:
        severity = "medium" if amount >= MEDIUM_AMOUNT else "low"
    return shifted(severity, shift)


def loop_summary(path: str, amount: str, unknown: int, length: int, soft: bool | None) -> str:
    """`path: what can go round` (`amount`: its text); `soft`: some hop has no firm deal
    (None: not known)."""
    if unknown:
        tail = f"amount undisclosed on {unknown} of {length} hops"
    else:
        tail = f"{amount} can go round (smallest hop)"
    if soft:
        tail += "; rests on ceilings (no loop under firm amounts)"
    return f"{path}: {tail}"


def concentration_alert(
    found: Concentration,
    source_of: Mapping[str, str],
    names: Mapping[str, str],
    revenue: Figure | None = None,
) -> Alert | None:
    """`revenue`: the entity's latest revenue, when known (see the module's rules)."""
    top = found.top
    to_revenue = None
    if revenue is not None and revenue.value > 0 and found.perspective != "funders":
        to_revenue = top.amount_usd / revenue.value
    large = to_revenue is not None and to_revenue >= SIZE_HIGH
    if top.share < TOP_SHARE and found.hhi < HHI and not large:
        return None
    if top.share >= 0.75 and found.total_usd >= HIGH_AMOUNT:
        severity = "high"
    elif top.share >= TOP_SHARE and found.total_usd >= MEDIUM_AMOUNT:
        severity = "medium"
    else:
        severity = "low"
    if large:
        severity = "high"
    elif to_revenue is not None and to_revenue >= SIZE_MEDIUM:
        severity = max(severity, "medium", key=SEVERITIES.index)
    who = names.get(found.entity, found.entity)
    what = {
        "customers": "customer inflows",
        "suppliers": "supplier spending",
        "funders": "funding",
    }[found.perspective]
    count = len(found.counterparties)
    summary = (
        f"{names.get(top.entity, top.entity)} is {top.share:.0%} of {who}'s {what} of "
        f"{format_usd(found.total_usd)} ({count} counterpart{'y' if count == 1 else 'ies'}, "
        f"HHI {found.hhi:.2f})"
    )
    size = {}
    if to_revenue is not None and revenue is not None:
        summary += f"; the top one is {to_revenue:.2f}x {who}'s {revenue.period} revenue"
        size = {"top_to_revenue": round(to_revenue, 6), "revenue": revenue.as_dict()}
    return Alert(
        id=stable_id("conc", found.entity, found.perspective),
        kind="concentration",
        severity=severity,
        entities=(found.entity, top.entity),
        amount_usd=found.total_usd,
        deal_ids=found.deal_ids,
        sources=_sources(source_of, found.deal_ids),
        summary=summary,
        details={
            "perspective": found.perspective,
            "hhi": round(found.hhi, 6),
            "top_share": round(top.share, 6),
            "top_amount_usd": top.amount_usd,
            "counterparties": len(found.counterparties),
            **size,
        },
    )


def vendor_financing_alert(
    found: VendorFinancing, source_of: Mapping[str, str], names: Mapping[str, str]
) -> Alert:
    returned, coverage = found.returned_usd, found.coverage
    if returned is None:
        severity = "medium"
    elif returned >= HIGH_AMOUNT and (coverage or 0.0) >= VENDOR_COVERAGE:
        severity = "high"
    else:
        severity = "medium" if returned >= MEDIUM_AMOUNT else "low"
    if found.via:
        severity = shifted(severity, -1)

    def name(entity: str) -> str:
        return names.get(entity, entity)

    funder, recipient = name(found.funder), name(found.recipient)
    route = f"{recipient} pays {funder}"
    if found.via:
        route = f"{recipient} pays {name(found.via)}, which pays {funder}"
    if returned is None:
        tail = "amount undisclosed on a leg"
    else:
        share = "" if coverage is None else f", {coverage:.0%} of the sales on that leg"
        tail = f"{format_usd(returned)} can come back{share}"  # no share of zero sales
    return Alert(
        id=stable_id("vendor", *found.entities),
        kind="vendor_financing",
        severity=severity,
        entities=found.entities,
        amount_usd=returned,
        deal_ids=found.deal_ids,
        sources=_sources(source_of, found.deal_ids),
        summary=f"{funder} funds {recipient} ({format_usd(found.funding.amount_usd)}); "
        f"{route}: {tail}",
        details={
            "funding_usd": found.funding.amount_usd,
            "payments_usd": [p.amount_usd for p in found.payments],
            "coverage": None if coverage is None else round(coverage, 6),
            "via": found.via,
        },
    )


def stress_alert(
    result: StressResult, source_of: Mapping[str, str], names: Mapping[str, str]
) -> Alert:
    """An alert for one entity's default (`result` of a single full shock)."""
    ((origin, _),) = result.shocks
    hit = [h for h in result.hits if h.entity != origin]
    distressed = result.distressed
    lost = result.loss_usd
    if lost >= HIGH_AMOUNT:
        severity = "high"
    else:
        severity = "medium" if lost >= MEDIUM_AMOUNT else "low"
    deal_ids = tuple(sorted({d for h in distressed for d in h.deal_ids}))
    who = ", ".join(
        f"{names.get(h.entity, h.entity)} (round {h.distressed_round})" for h in distressed[:4]
    )
    more = f" and {len(distressed) - 4} more" if len(distressed) > 4 else ""
    return Alert(
        id=stable_id("stress", origin),
        kind="stress",
        severity=severity,
        entities=(origin, *(h.entity for h in distressed)),
        amount_usd=lost,
        deal_ids=deal_ids,
        sources=_sources(source_of, deal_ids),
        summary=f"If {names.get(origin, origin)} stopped paying: {who}{more} distressed; "
        f"{format_usd(lost)} lost across {len(hit)} entities",
        details={
            "threshold": result.threshold,
            "rounds": result.rounds,
            "debtrank": round(result.debtrank, 6),
            "distressed": [
                {
                    "entity": h.entity,
                    "round": h.distressed_round,
                    "loss_usd": h.loss_usd,
                    "loss_ratio": h.loss_ratio,
                    "path": list(h.path),
                }
                for h in distressed
            ],
        },
    )


def sort_alerts(alerts: list[Alert]) -> list[Alert]:
    """Most severe first, then largest amount, then id: a stable order for diffs."""
    return sorted(
        alerts,
        key=lambda a: (-SEVERITIES.index(a.severity), -(a.amount_usd or 0.0), a.id),
    )
