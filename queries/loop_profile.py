"""When a loop's legs were signed and how firm they are: the difference between circular
financing and ordinary trade.

A round trip closed within months (A invests in B, B buys from A) is what the press calls
circular financing; legs years apart are ordinary trade. A loop of closed, funded deals is
money that moved; a loop of letters of intent is a headline. So every loop also reports:
- timing: each leg counts from its earliest deal (the leg exists from then on); the loop's
  `first_date` and `last_date` are its earliest and latest legs, `span_days` the days
  between: how long the loop took to close. `tight` within `TIGHT_DAYS` (a year: one
  reporting cycle), `spread` beyond `SPREAD_DAYS` (three years), else `moderate`;
- firmness: a leg is as firm as its firmest deal (status first, then amount basis), the
  loop as firm as its weakest leg. `firm`: that leg is closed and committed or funded;
  `soft`: it is rumored, or announced with a headline (up-to) amount; else `partial`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dealgraph.queries.loops import Loop

TIGHT_DAYS = 365
SPREAD_DAYS = 3 * 365
STATUS_RANK = {"rumored": 0, "announced": 1, "reported": 2, "amended": 2, "closed": 3}
BASIS_RANK = {"headline": 0, "estimate": 1, "committed": 2, "funded": 3}
_SPAN = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_UNIT_DAYS = {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}


@dataclass(frozen=True)
class LoopProfile:
    first_date: str
    last_date: str
    span_days: int
    weakest_hop: tuple[str, str]
    weakest_status: str
    weakest_basis: str

    @property
    def timing(self) -> str:
        if self.span_days <= TIGHT_DAYS:
            return "tight"
        return "spread" if self.span_days > SPREAD_DAYS else "moderate"

    @property
    def firmness(self) -> str:
        status, basis = self.weakest_status, self.weakest_basis
        if status == "closed" and basis in ("committed", "funded"):
            return "firm"
        if status == "rumored" or (status == "announced" and basis == "headline"):
            return "soft"
        return "partial"

    def as_dict(self) -> dict:
        return {
            "first_date": self.first_date,
            "last_date": self.last_date,
            "span_days": self.span_days,
            "timing": self.timing,
            "firmness": self.firmness,
            "weakest_hop": list(self.weakest_hop),
            "weakest_status": self.weakest_status,
            "weakest_basis": self.weakest_basis,
        }


def _day(text: str) -> date:
    """`2025-09-22`, or `2025-09` as the month's first day."""
    return date.fromisoformat(text if len(text) == 10 else f"{text}-01")


def deal_terms(deals: pd.DataFrame) -> dict[str, tuple[date, str, str]]:
    """Deal id -> (day signed, status, amount_basis): what `loop_profile` reads, built once
    (dates parsed here, once per deal, not once per loop through the deal)."""
    columns = (deals["id"], deals["date"], deals["status"], deals["amount_basis"])
    ids, days, statuses, bases = (column.tolist() for column in columns)
    return {i: (_day(d), s, b) for i, d, s, b in zip(ids, days, statuses, bases, strict=True)}


def loop_profile(loop: Loop, terms: Mapping[str, tuple[date, str, str]]) -> LoopProfile:
    """Timing and firmness of `loop`, from `deal_terms` of (at least) its deals."""
    signed, firmest = [], []
    for hop in loop.hops:
        facts = [terms[d] for d in hop.deal_ids]
        signed.append(min(day for day, _, _ in facts))
        firmest.append(
            max((STATUS_RANK.get(s, 0), BASIS_RANK.get(b, 0), s, b) for _, s, b in facts)
        )
    weakest = min(range(len(firmest)), key=lambda i: firmest[i][:2])
    hop = loop.hops[weakest]
    return LoopProfile(
        first_date=min(signed).isoformat(),
        last_date=max(signed).isoformat(),
        span_days=(max(signed) - min(signed)).days,
        weakest_hop=(hop.source, hop.target),
        weakest_status=firmest[weakest][2],
        weakest_basis=firmest[weakest][3],
    )


def parse_span(text: str) -> int:
    """Days in `180`, `180d`, `26w`, `6m` (30 days each) or `2y` (365 days each).

    >>> parse_span("6m"), parse_span("2y"), parse_span("90")
    (180, 730, 90)
    """
    match = _SPAN.match(text)
    if not match:
        raise ValueError(f"not a span: {text!r} (use days, or e.g. 90d, 6m, 2y)")
    return int(match[1]) * _UNIT_DAYS[match[2].lower()]


def severity_shift(profile: LoopProfile) -> int:
    """Levels to move a loop's amount-based severity: +1 when tight, -1 when spread,
    -1 when soft (a quick round trip of letters of intent stays where its amount puts it)."""
    shift = {"tight": 1, "moderate": 0, "spread": -1}[profile.timing]
    return shift - (profile.firmness == "soft")
