"""What a data set holds: counts by kind and year, the newest deal, sources by publisher."""

from __future__ import annotations

from urllib.parse import urlsplit

from dealgraph.graph.model import DataSet
from dealgraph.graph.schema import SCHEMA


def publisher(url: str) -> str:
    """The site a source comes from: `https://www.sec.gov/...` -> `sec.gov`."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or "(none)"


def describe(dataset: DataSet, about: dict[str, str] | None = None) -> dict:
    """A plain summary a person can read, with the files it came from.

    `about` is what a data set says of itself (the bundled one: name, version, compile date
    and the horizon up to which it claims to be complete); it is passed through as is.
    """
    deals = dataset.deals
    years = deals["date"].str[:4]
    newest = deals.sort_values(["date", "id"]).iloc[-1] if len(deals) else None
    sources = deals["source_url"].map(publisher).value_counts()
    kinds = deals["source_kind"].where(deals["source_kind"] != "", "(not given)")
    return {
        "about": about or {},
        "entities": len(dataset.entities),
        "deals": len(deals),
        "entities_by_kind": dataset.entities["kind"].value_counts().sort_index().to_dict(),
        "deals_by_kind": deals["kind"].value_counts().sort_index().to_dict(),
        "deals_by_year": years.value_counts().sort_index().to_dict(),
        "deals_by_status": deals["status"].value_counts().sort_index().to_dict(),
        "first_date": deals["date"].min() if len(deals) else None,
        "newest_deal": None
        if newest is None
        else {"id": newest["id"], "date": newest["date"], "description": newest["description"]},
        "sources_by_publisher": {k: int(v) for k, v in sources.sort_index().items()},
        "sources_by_kind": {k: int(v) for k, v in kinds.value_counts().sort_index().items()},
        "deals_not_paid_in_cash": int(
            deals["consideration"].isin(SCHEMA.non_cash_considerations).sum()
        ),
        "deals_without_source_date": int((deals["source_date"] == "").sum()),
        "financials": 0 if dataset.financials is None else len(dataset.financials),
        "files": list(dataset.files),
    }
