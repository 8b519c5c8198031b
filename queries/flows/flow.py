"""The money-flow graph: which deals count, and how they add up between two entities.

Every analysis starts here, so "which deals are in force on a date" is decided once:
- a deal counts from its date on (`--as-of`); a `YYYY-MM` date counts from the month's start;
- a row that `supersedes` another replaces it from the newer row's date on (chains follow);
- cancelled deals never count (a cancelled row that supersedes a deal cancels it);
- rumored deals count only when asked (`include_rumored`), and only then replace others;
- `kinds` keeps only deals of those kinds;
- `amounts` is the basis: `headline` counts each deal's headline figure; `firm` counts only
  money that is firm (status `closed`, or basis `committed`/`funded`) and of it only the firm
  or up-front part (`amount_low_usd` where the source gives one, else `amount_usd`), so
  "up to" ceilings and letters of intent drop out.
- only money counts: a deal paid wholly in stock or in kind (`consideration`, a share swap)
  stays in the data (`dealgraph data`, the files, Neo4j) but is never in force here.
A deal's value is `amount_usd`, else the low end of its range, else unknown (NaN); a mixed
consideration counts its `cash_part_usd` part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dealgraph.graph.schema import SCHEMA

AMOUNT_BASES = ("headline", "firm")
FIRM_STATUSES = frozenset({"closed"})
FIRM_BASES = frozenset({"committed", "funded"})


@dataclass(frozen=True)
class FlowFilter:
    """Which deals an analysis sees. The defaults: every kind, today, no rumours."""

    as_of: str | None = None
    kinds: frozenset[str] | None = None
    include_rumored: bool = False
    amounts: str = "headline"

    def __post_init__(self) -> None:
        if self.amounts not in AMOUNT_BASES:
            raise ValueError(f"amounts must be one of {', '.join(AMOUNT_BASES)}: {self.amounts!r}")

    def key(self) -> str:
        kinds = ",".join(sorted(self.kinds)) if self.kinds else "all"
        key = f"as_of={self.as_of or 'latest'};kinds={kinds};rumored={self.include_rumored}"
        return key if self.amounts == "headline" else f"{key};amounts={self.amounts}"


@dataclass(frozen=True, slots=True)  # slots: a million hops take 100 MB less
class Hop:
    """All deals in force from one entity to another, added up.

    `amount_usd` is the sum of the known deal values, None when no deal's value is known;
    `unknown_deal_ids` lists deals whose value is undisclosed (so the sum is a floor).
    `amount_low_usd` and `amount_high_usd` add up the deals' ranges: each deal's firm or
    up-front part (else its value) and its headline or high end (else its value).
    """

    source: str
    target: str
    amount_usd: float | None
    deal_ids: tuple[str, ...]
    kinds: tuple[str, ...]
    unknown_deal_ids: tuple[str, ...] = ()
    amount_low_usd: float | None = None
    amount_high_usd: float | None = None


def check_date(text: str) -> str:
    """`text` if it is a date as filters take it (YYYY-MM-DD or YYYY-MM), else ValueError."""
    import datetime

    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            datetime.datetime.strptime(text, fmt)
            return text
        except ValueError:
            pass
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or YYYY-MM)")


def _end_of(as_of: str) -> str:
    """`2025-09` as a cut-off means the whole month."""
    return f"{as_of}-31" if len(as_of) == 7 else as_of


def deal_values(deals: pd.DataFrame) -> pd.Series:
    """The money each deal moves: the amount, else the low end of its range; for a `mixed`
    consideration its cash part (unknown when not stated), for `stock` or `in_kind` nothing.

    A share swap moves no cash, so it must add nothing to a loop, a concentration or a
    quarter's commitments; its amount stays in `amount_usd` for every reader to see.
    """
    values = deals["amount_usd"].fillna(deals["amount_low_usd"])
    consideration = deals["consideration"]
    if (consideration == SCHEMA.default_consideration).all():  # the common case: all cash
        return values
    values = values.where(consideration != "mixed", deals["cash_part_usd"])
    return values.where(~consideration.isin(SCHEMA.non_cash_considerations), 0.0)


def firm_amounts(deals: pd.DataFrame) -> pd.DataFrame:
    """Only the firm deals, each counting its firm part: `amount_usd` becomes `amount_low_usd`
    where one is given (the headline stays readable as `headline_amount_usd`).

    A committed deal of up to $40B with $15B up front counts $15B; a closed purchase of $60B
    counts $60B; an announced letter of intent counts nothing.
    """
    firm = deals["status"].isin(FIRM_STATUSES) | deals["amount_basis"].isin(FIRM_BASES)
    kept = deals[firm]
    amount = kept["amount_low_usd"].where(kept["amount_low_usd"].notna(), kept["amount_usd"])
    return kept.assign(headline_amount_usd=kept["amount_usd"], amount_usd=amount)


def deal_ranges(deals: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each deal's low and high value: the firm part (`amount_low_usd`) and the headline
    (`amount_usd`, or `amount_high_usd` for a range), each falling back on `deal_values`.
    Under `--amounts firm` the headline is the one kept in `headline_amount_usd`."""
    values = deal_values(deals)
    headline = deals.get("headline_amount_usd", deals["amount_usd"])
    cash = ~deals["consideration"].isin(("mixed", *SCHEMA.non_cash_considerations))
    low = deals["amount_low_usd"].where(cash).fillna(values)
    high = headline.fillna(deals["amount_high_usd"]).where(cash).fillna(values)
    return low, high


def deals_in_force(deals: pd.DataFrame, flow: FlowFilter = FlowFilter()) -> pd.DataFrame:
    """The deals that count under `flow` (see the module docstring for the rules). When
    every deal counts, `deals` itself: a million rows are not copied for nothing."""
    kept, until = _kept(deals, flow)
    return kept if until is None else kept[until == ""]


def deal_spans(deals: pd.DataFrame, flow: FlowFilter = FlowFilter()) -> pd.DataFrame:
    """Every deal that is in force at some date up to `flow.as_of`, with an `until` column:
    the first date a visible row superseding it appears ("" when none does).

    A deal is in force on a date T when its `date` is on or before T and its `until` is
    after T: the module's rules for every T at once (the map's date slider reads this).
    `YYYY-MM` dates compare as strings, so `2025-09` sorts before any day of that month.
    """
    kept, until = _kept(deals, flow)
    if until is None:
        return kept.assign(until="")
    kept = kept.assign(until=until)
    never = (kept["until"] != "") & (kept["until"] <= kept["date"])  # replaced on day one
    return kept[~never]


def _kept(deals: pd.DataFrame, flow: FlowFilter) -> tuple[pd.DataFrame, pd.Series | None]:
    """The deals `flow` sees that move money, and when each is superseded ("" for never;
    None when nothing is: the common case at scale, nothing to look up)."""
    visible = deals
    if flow.as_of:
        visible = _where(visible, visible["date"] <= _end_of(flow.as_of))
    if not flow.include_rumored:
        visible = _where(visible, visible["status"] != "rumored")
    replacing = visible[visible["supersedes"] != ""]
    kept = _where(visible, (visible["status"] != "cancelled")
                  & ~visible["consideration"].isin(SCHEMA.non_cash_considerations))  # fmt: skip
    if flow.kinds is not None:
        kept = _where(kept, kept["kind"].isin(flow.kinds))
    if flow.amounts == "firm":  # after `until`: a soft row still replaces a firm one
        kept = firm_amounts(kept)
    if replacing.empty:
        return kept, None
    until = replacing.groupby("supersedes")["date"].min()
    return kept, kept["id"].map(until).fillna("").astype("str")


def _where(deals: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """The rows of `keep`; `deals` itself when that is all of them (no copy)."""
    return deals if keep.all() else deals[keep]


def count_hops(deals: pd.DataFrame) -> int:
    """`len(hops(deals))` without making them: the ordered pairs of entities that trade."""
    return len(deals[["from_entity", "to_entity"]].drop_duplicates())


def hops(deals: pd.DataFrame) -> dict[tuple[str, str], Hop]:
    """Group deals (already filtered) into one hop per ordered pair of entities.

    Vectorised: the deals are sorted once by (source, target, id) on integer codes and each
    hop is a slice of the sorted arrays, so a million deals cost a few seconds.
    """
    if deals.empty:
        return {}
    source_codes, source_index = pd.factorize(deals["from_entity"], sort=True)
    target_codes, target_index = pd.factorize(deals["to_entity"], sort=True)
    sources, targets = source_index.tolist(), target_index.tolist()  # plain lists index fast
    id_codes, _ = pd.factorize(deals["id"], sort=True)
    order = np.lexsort((id_codes, target_codes, source_codes))
    src, dst = source_codes[order], target_codes[order]
    ids = deals["id"].to_numpy()[order]
    kind_codes, kind_names = pd.factorize(deals["kind"], use_na_sentinel=False)
    kinds = np.asarray(kind_names.tolist(), dtype=object)[kind_codes[order]]  # shared texts
    alone = {kind: (kind,) for kind in kind_names.tolist()}  # one tuple per single kind
    values = deal_values(deals).to_numpy(dtype="float64")[order]
    low, high = (r.to_numpy(dtype="float64")[order] for r in deal_ranges(deals))
    unknown = np.isnan(values)
    starts = np.flatnonzero(np.r_[True, (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])])
    ends = np.r_[starts[1:], len(order)]
    sums = np.add.reduceat(np.where(unknown, 0.0, values), starts).tolist()
    lows = np.add.reduceat(np.nan_to_num(low), starts).tolist()
    highs = np.add.reduceat(np.nan_to_num(high), starts).tolist()
    known = np.add.reduceat(~unknown, starts).tolist()
    src_of, dst_of = src[starts].tolist(), dst[starts].tolist()
    id_list, kind_list, unknown_list = ids.tolist(), kinds.tolist(), unknown.tolist()
    result: dict[tuple[str, str], Hop] = {}
    for n, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        pair = (sources[src_of[n]], targets[dst_of[n]])
        deal_ids = tuple(id_list[a:b])
        result[pair] = Hop(
            source=pair[0],
            target=pair[1],
            amount_usd=sums[n] if known[n] else None,
            deal_ids=deal_ids,
            kinds=alone[kind_list[a]] if b - a == 1 else tuple(sorted(set(kind_list[a:b]))),
            unknown_deal_ids=tuple(d for d, u in zip(deal_ids, unknown_list[a:b], strict=True) if u)
            if known[n] < b - a
            else (),
            amount_low_usd=_same(lows[n], sums[n]) if known[n] else None,
            amount_high_usd=_same(highs[n], sums[n]) if known[n] else None,
        )
    return result


def _same(value: float, amount: float) -> float:
    """`amount` itself when `value` equals it: most hops' ranges are their amount, and one
    float object in place of three saves 50 bytes a hop."""
    return amount if value == amount else value
