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
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dealgraph.queries.flows.loops import Loop

TIGHT_DAYS = 365
SPREAD_DAYS = 3 * 365
STATUS_RANK = {"rumored": 0, "announced": 1, "reported": 2, "amended": 2, "closed": 3}
BASIS_RANK = {"headline": 0, "estimate": 1, "committed": 2, "funded": 3}
_SPAN = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_UNIT_DAYS = {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}
_TIMING_SHIFT = {"tight": 1, "moderate": 0, "spread": -1}


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
        return timing_of(self.span_days)

    @property
    def firmness(self) -> str:
        return firmness_of(self.weakest_status, self.weakest_basis)

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


def timing_of(span_days: int) -> str:
    """`tight`, `moderate` or `spread` (see the module docstring)."""
    if span_days <= TIGHT_DAYS:
        return "tight"
    return "spread" if span_days > SPREAD_DAYS else "moderate"


def firmness_of(status: str, basis: str) -> str:
    """`firm`, `partial` or `soft`, from the weakest leg's status and amount basis."""
    if status == "closed" and basis in ("committed", "funded"):
        return "firm"
    if status == "rumored" or (status == "announced" and basis == "headline"):
        return "soft"
    return "partial"


def _day(text: str) -> date:
    """`2025-09-22`, or `2025-09` as the month's first day."""
    return date.fromisoformat(text if len(text) == 10 else f"{text}-01")


class DealTerms:
    """Deal id -> (day signed, status, amount_basis), parsed once per deal, and each leg's
    earliest day and firmest terms, worked out once per leg: a leg sits in many loops."""

    def __init__(self, deals: pd.DataFrame):
        ids, days = deals["id"].tolist(), deals["date"].tolist()
        statuses, bases = _shared(deals["status"]), _shared(deals["amount_basis"])
        on = {day: _day(day) for day in set(days)}  # a day's `date`, made once
        self.by_deal = {
            i: (on[d], s, b) for i, d, s, b in zip(ids, days, statuses, bases, strict=True)
        }
        self._legs: dict[tuple[str, ...], tuple[date, tuple[int, int, str, str]]] = {}

    def leg(self, deal_ids: tuple[str, ...]) -> tuple[date, tuple[int, int, str, str]]:
        """The leg's first day, and its firmest deal as (status rank, basis rank, status,
        basis)."""
        found = self._legs.get(deal_ids)
        if found is None:
            facts = [self.by_deal[d] for d in deal_ids]
            firmest = max((STATUS_RANK.get(s, 0), BASIS_RANK.get(b, 0), s, b) for _, s, b in facts)
            found = self._legs[deal_ids] = (min(day for day, _, _ in facts), firmest)
        return found


def _shared(column: pd.Series) -> list:
    """The column's values, each distinct value one object: a million deals hold a
    few statuses, not a million copies of them."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    values = uniques.tolist()
    return [values[c] for c in codes.tolist()]


def loop_profile(loop: Loop, terms: DealTerms) -> LoopProfile:
    """Timing and firmness of `loop`, from the `DealTerms` of (at least) its deals."""
    legs = [terms.leg(hop.deal_ids) for hop in loop.hops]
    signed = [day for day, _ in legs]
    weakest = min(range(len(legs)), key=lambda i: legs[i][1][:2])
    hop, firmest = loop.hops[weakest], legs[weakest][1]
    first, last = min(signed), max(signed)
    return LoopProfile(
        first_date=first.isoformat(),
        last_date=last.isoformat(),
        span_days=(last - first).days,
        weakest_hop=(hop.source, hop.target),
        weakest_status=firmest[2],
        weakest_basis=firmest[3],
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
    return shift_of(profile.timing, profile.firmness)


def shift_of(timing: str, firmness: str) -> int:
    """`severity_shift` from a loop's timing and firmness."""
    return _TIMING_SHIFT[timing] - (firmness == "soft")
