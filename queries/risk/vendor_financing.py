"""Vendor financing: a seller funding the customer that buys from it.

Where A funds B (equity, warrant, debt, backstop) and B pays A (purchase, cloud_contract,
leaseback), part of A's sales to B may be A's own money coming back. The same holds through
one intermediary: A funds B, B pays C, C pays A (a chipmaker funds a lab, the lab rents a
cloud, the cloud buys the chips). For each case this reports the funding, the payments on
the way back, the amount that can return (the smallest of them) and the share of A's sales
on the last leg that A's own money could cover (that amount over the last leg).

The kinds differ from concentration's roles on purpose: a backstop is money A puts at risk
for B (funding), and a revenue share is not a purchase of A's goods.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from dealgraph.graph.schema import SCHEMA
from dealgraph.queries.flows.flow import Hop, hops

FUNDING_KINDS = frozenset({"equity", "warrant", "debt", "backstop"})
PAYMENT_KINDS = frozenset({"purchase", "cloud_contract", "leaseback"})
if not FUNDING_KINDS | PAYMENT_KINDS <= SCHEMA.deal_kinds.keys():
    raise ValueError("vendor_financing: a deal kind is missing from schema.toml")


@dataclass(frozen=True, slots=True)
class VendorFinancing:
    """A funds B, and the money can come back to A: directly, or via C.

    `payments` are the hops back: (B -> A,) or (B -> C, C -> A).
    """

    funder: str
    recipient: str
    via: str | None
    funding: Hop
    payments: tuple[Hop, ...]

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(e for e in (self.funder, self.recipient, self.via) if e)

    @property
    def sales_usd(self) -> float | None:
        """What the funder is paid on the last leg (its sales to B, or to C)."""
        return self.payments[-1].amount_usd

    @property
    def returned_usd(self) -> float | None:
        """The most of the funding that can come back: the smallest leg; None if undisclosed."""
        amounts = [self.funding.amount_usd, *(p.amount_usd for p in self.payments)]
        return None if None in amounts else min(amounts)  # type: ignore[type-var]

    @property
    def coverage(self) -> float | None:
        """The share of the funder's sales on the last leg that its own money could cover."""
        returned, sales = self.returned_usd, self.sales_usd
        return None if returned is None or not sales else returned / sales

    @property
    def deal_ids(self) -> tuple[str, ...]:
        return tuple(d for hop in (self.funding, *self.payments) for d in hop.deal_ids)


def vendor_financing(deals: pd.DataFrame, via: bool = True) -> list[VendorFinancing]:
    """Every vendor-financing pattern among `deals` (the deals in force), largest return first.

    With `via`, also the routes through one intermediary. Each route appears once per
    (funder, recipient, intermediary); undisclosed returns come last.
    """
    funding = hops(deals[deals["kind"].isin(FUNDING_KINDS)])
    paying = hops(deals[deals["kind"].isin(PAYMENT_KINDS)])
    pays_to: dict[str, list[str]] = defaultdict(list)
    for payer, payee in paying:
        pays_to[payer].append(payee)
    found = []
    for (a, b), fund in funding.items():
        if (b, a) in paying:
            found.append(VendorFinancing(a, b, None, fund, (paying[(b, a)],)))
        if via:
            found += [
                VendorFinancing(a, b, c, fund, (paying[(b, c)], paying[(c, a)]))
                for c in pays_to[b]
                if c != a and (c, a) in paying
            ]
    return sorted(found, key=lambda v: (-(v.returned_usd or -1.0), v.entities))
