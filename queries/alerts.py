"""Alerts: loops and concentration turned into findings with a severity and their sources.

Rules (also in the README):
- `circular_flow`, one per loop. Severity by the loop's circulating amount (its smallest
  hop): high from $10B, medium from $1B or when a hop's amount is undisclosed, else low.
- `concentration`, one per entity and perspective whose top counterparty holds at least
  half of the total (`TOP_SHARE`) or whose HHI is at least 0.25 (`HHI`, the level antitrust
  practice calls highly concentrated). Severity: high when the top share is at least 75% of
  a total of $10B or more, medium when it is at least 50% of $1B or more, else low.
An alert's id depends only on what it is about (the loop's entities; the entity and
perspective), so the same finding keeps its id across runs and machines.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
from dealgraph.queries.concentration import Concentration
from dealgraph.queries.loops import Loop

SEVERITIES = ("low", "medium", "high")
TOP_SHARE = 0.5
HHI = 0.25
HIGH_AMOUNT = 10e9
MEDIUM_AMOUNT = 1e9


@dataclass(frozen=True)
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
    for size, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if amount >= size:
            return (
                f"${amount / size:,.3g}{unit}"
                if amount < 1000 * size
                else f"${amount / size:,.0f}{unit}"
            )
    return f"${amount:,.0f}"


def severity_at_least(severity: str, floor: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(floor)


def stable_id(prefix: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"


def _sources(deals: pd.DataFrame, deal_ids: tuple[str, ...]) -> tuple[str, ...]:
    urls = deals.loc[list(deal_ids), "source_url"] if deal_ids else []
    return tuple(sorted({u for u in urls if u}))


def loop_alert(loop: Loop, deals: pd.DataFrame, names: dict[str, str]) -> Alert:
    amount = loop.amount_usd
    if amount is None:
        severity = "medium"
    elif amount >= HIGH_AMOUNT:
        severity = "high"
    else:
        severity = "medium" if amount >= MEDIUM_AMOUNT else "low"
    path = " -> ".join(names.get(e, e) for e in (*loop.entities, loop.entities[0]))
    unknown = sum(hop.amount_usd is None for hop in loop.hops)
    if unknown:
        tail = f"amount undisclosed on {unknown} of {loop.length} hops"
    else:
        tail = f"{format_usd(amount)} can go round (smallest hop)"
    hops = [
        {"from": h.source, "to": h.target, "amount_usd": h.amount_usd, "deal_ids": list(h.deal_ids)}
        for h in loop.hops
    ]
    return Alert(
        id=stable_id("loop", *loop.entities),
        kind="circular_flow",
        severity=severity,
        entities=loop.entities,
        amount_usd=amount,
        deal_ids=loop.deal_ids,
        sources=_sources(deals, loop.deal_ids),
        summary=f"{path}: {tail}",
        details={"length": loop.length, "hops": hops},
    )


def concentration_alert(
    found: Concentration, deals: pd.DataFrame, names: dict[str, str]
) -> Alert | None:
    top = found.top
    if top.share < TOP_SHARE and found.hhi < HHI:
        return None
    if top.share >= 0.75 and found.total_usd >= HIGH_AMOUNT:
        severity = "high"
    elif top.share >= TOP_SHARE and found.total_usd >= MEDIUM_AMOUNT:
        severity = "medium"
    else:
        severity = "low"
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
    return Alert(
        id=stable_id("conc", found.entity, found.perspective),
        kind="concentration",
        severity=severity,
        entities=(found.entity, top.entity),
        amount_usd=found.total_usd,
        deal_ids=found.deal_ids,
        sources=_sources(deals, found.deal_ids),
        summary=summary,
        details={
            "perspective": found.perspective,
            "hhi": round(found.hhi, 6),
            "top_share": round(top.share, 6),
            "top_amount_usd": top.amount_usd,
            "counterparties": len(found.counterparties),
        },
    )


def sort_alerts(alerts: list[Alert]) -> list[Alert]:
    """Most severe first, then largest amount, then id: a stable order for diffs."""
    return sorted(
        alerts,
        key=lambda a: (-SEVERITIES.index(a.severity), -(a.amount_usd or 0.0), a.id),
    )
