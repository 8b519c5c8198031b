"""`circular_flow` alerts built straight from the search's cycles, at millions of loops.

A hop sits in thousands of loops and an entity in more, so everything that belongs to one
hop (its entry in the details, its sources, amounts, first day and firmest terms, whether a
firm deal joins it) and to one entity (its name) is worked out once, as a plain tuple; a
loop's alert is then a few `min`s over those tuples, one hash for its id and one string
for its summary. No `Loop` or `LoopProfile` object is made per loop. The alerts are the
ones `alerts.LoopAlerts` makes from a `Loop` and its `loop_profile` (same ids, same
fields, same order of keys): a test holds the two to each other on random graphs.
"""

from __future__ import annotations

from collections.abc import Mapping

from dealgraph.queries.findings.alerts import (
    LOOP_KIND,
    Alert,
    format_usd,
    loop_severity,
    loop_summary,
    stable_id,
)
from dealgraph.queries.flows.flow import Hop
from dealgraph.queries.flows.loop_profile import DealTerms, firmness_of, shift_of, timing_of

# Hops whose parts are kept: a dense graph's loops reuse a few thousand hops millions of
# times; a million sparse deals touch hundreds of thousands once or twice (about 1 KB each).
MAX_HOP_PARTS = 65_536

# One hop's parts, by position in the tuple.
(_AMOUNT, _LOW, _HIGH, _DEALS, _URLS, _ENTRY, _FIRST, _RANK, _STATUS, _BASIS, _SOFT, _NAME,
 _ENDS) = range(13)  # fmt: skip


class LoopAlertBuilder:
    """`builder(entities)`: the alert of the loop through `entities` (smallest id first,
    each paying the next), or None when its legs span more than `max_span_days`."""

    def __init__(
        self,
        hop_map: Mapping[tuple[str, str], Hop],
        terms: DealTerms,
        source_of: Mapping[str, str],
        names: Mapping[str, str],
        firm_pairs: frozenset[tuple[str, str]] | None = None,
        max_span_days: int | None = None,
    ):
        self.hop_map, self.terms, self.source_of = hop_map, terms, source_of
        self.firm_pairs, self.max_span_days = firm_pairs, max_span_days
        self.names = names
        self._parts: dict[tuple[str, str], tuple] = {}
        self._days: dict[int, str] = {}  # day ordinal -> ISO text
        self._usd: dict[float | None, str] = {}  # amount -> its text (a loop's is a hop's)
        self._grades: dict[tuple, tuple[str, str]] = {}  # see `_grade`

    def hop_part(self, source: str, target: str) -> tuple:
        """What every loop through the hop `source -> target` shares (see `_AMOUNT` etc.)."""
        part = self._parts.get((source, target))
        if part is None:
            hop = self.hop_map[(source, target)]
            first, firmest = self.terms.leg(hop.deal_ids)
            entry = {
                "from": source,
                "to": target,
                "amount_usd": hop.amount_usd,
                "deal_ids": list(hop.deal_ids),
            }
            urls = tuple({u for d in hop.deal_ids if (u := self.source_of.get(d))})
            soft = None if self.firm_pairs is None else (source, target) not in self.firm_pairs
            if len(self._parts) >= MAX_HOP_PARTS:
                self._parts.clear()  # memory stays bounded; a hop seen again is redone
            day = first.toordinal()
            self._days.setdefault(day, first.isoformat())
            part = self._parts[(source, target)] = (
                hop.amount_usd, hop.amount_low_usd, hop.amount_high_usd, hop.deal_ids, urls,
                entry, day, firmest[:2], firmest[2], firmest[3], soft,
                self.names.get(source, source), [source, target],
            )  # fmt: skip
        return part

    def _format_usd(self, amount: float | None) -> str:
        text = self._usd.get(amount)
        if text is None:
            text = self._usd[amount] = format_usd(amount)
        return text

    def __call__(self, entities: tuple[str, ...]) -> Alert | None:
        known, new = self._parts, self.hop_part
        pairs = zip(entities, (*entities[1:], entities[0]), strict=True)
        parts = [known.get(pair) or new(*pair) for pair in pairs]
        fields = list(zip(*parts, strict=True))  # each hop part's field, hop by hop
        firsts = fields[_FIRST]
        first, last = min(firsts), max(firsts)
        span = last - first
        if self.max_span_days is not None and span > self.max_span_days:
            return None
        ranks = fields[_RANK]
        weakest = parts[ranks.index(min(ranks))]  # the first leg of the lowest rank
        amounts = fields[_AMOUNT]
        unknown = amounts.count(None)
        amount = None if unknown else min(amounts)
        soft = None if self.firm_pairs is None else any(fields[_SOFT])
        timing = timing_of(span)
        severity, firmness = self._grade(amount, timing, weakest[_STATUS], weakest[_BASIS])
        length = len(entities)
        days = self._days
        details = {
            "length": length,
            "hops": list(fields[_ENTRY]),
            "first_date": days[first],
            "last_date": days[last],
            "span_days": span,
            "timing": timing,
            "firmness": firmness,
            "weakest_hop": weakest[_ENDS],
            "weakest_status": weakest[_STATUS],
            "weakest_basis": weakest[_BASIS],
            "amount_low_usd": _smallest(fields[_LOW]),
            "amount_high_usd": _smallest(fields[_HIGH]),
        }
        if soft is not None:
            details["rests_on_ceilings"] = soft
        names = fields[_NAME]
        path = " -> ".join((*names, names[0]))
        return Alert(
            stable_id("loop", *entities),
            LOOP_KIND,
            severity,
            entities,
            amount,
            sum(fields[_DEALS], ()),
            tuple(sorted(frozenset().union(*fields[_URLS]))),
            loop_summary(path, self._format_usd(amount), unknown, length, soft),
            details,
        )

    def _grade(self, amount: float | None, timing: str, status: str, basis: str) -> tuple:
        """Severity and firmness: a few values repeated over millions of loops (as many
        as hop amounts, timings and weakest terms go together), each worked out once."""
        key = (amount, timing, status, basis)
        graded = self._grades.get(key)
        if graded is None:
            firmness = firmness_of(status, basis)
            severity = loop_severity(amount, shift_of(timing, firmness))
            graded = self._grades[key] = (severity, firmness)
        return graded


def _smallest(amounts: tuple[float | None, ...]) -> float | None:
    return None if None in amounts else min(amounts)  # type: ignore[type-var]
