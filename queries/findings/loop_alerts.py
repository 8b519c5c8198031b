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
            urls = frozenset(u for d in hop.deal_ids if (u := self.source_of.get(d)))
            soft = None if self.firm_pairs is None else (source, target) not in self.firm_pairs
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
        firsts = [p[_FIRST] for p in parts]
        first, last = min(firsts), max(firsts)
        span = last - first
        if self.max_span_days is not None and span > self.max_span_days:
            return None
        ranks = [p[_RANK] for p in parts]
        weakest = parts[ranks.index(min(ranks))]  # the first leg of the lowest rank
        timing, firmness = timing_of(span), firmness_of(weakest[_STATUS], weakest[_BASIS])
        amounts = [p[_AMOUNT] for p in parts]
        unknown = amounts.count(None)
        amount = None if unknown else min(amounts)
        length = len(entities)
        names = [p[_NAME] for p in parts]
        names.append(names[0])
        days = self._days
        details = {
            "length": length,
            "hops": [p[_ENTRY] for p in parts],
            "first_date": days[first],
            "last_date": days[last],
            "span_days": span,
            "timing": timing,
            "firmness": firmness,
            "weakest_hop": weakest[_ENDS],
            "weakest_status": weakest[_STATUS],
            "weakest_basis": weakest[_BASIS],
            "amount_low_usd": _smallest([p[_LOW] for p in parts]),
            "amount_high_usd": _smallest([p[_HIGH] for p in parts]),
        }
        soft = None
        if self.firm_pairs is not None:
            soft = details["rests_on_ceilings"] = any([p[_SOFT] for p in parts])
        return Alert(
            stable_id("loop", *entities),
            LOOP_KIND,
            loop_severity(amount, shift_of(timing, firmness)),
            entities,
            amount,
            sum([p[_DEALS] for p in parts], ()),
            tuple(sorted(frozenset().union(*[p[_URLS] for p in parts]))),
            loop_summary(" -> ".join(names), self._format_usd(amount), unknown, length, soft),
            details,
        )


def _smallest(amounts: list[float | None]) -> float | None:
    return None if None in amounts else min(amounts)  # type: ignore[type-var]
