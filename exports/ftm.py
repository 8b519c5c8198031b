"""FollowTheMoney entities as JSON lines, for Aleph, OpenSanctions' tools and `ftm` itself.

Entities become `Company` (chipmakers, clouds, labs, data centres, joint ventures and other
firms), `Organization` (financiers: banks, funds, public lenders, bondholders as a group) or
`LegalEntity` (kind `other`). Each deal in force becomes the interval schema that fits it:
- equity, acquisition, joint venture -> `Ownership` (owner: the investor; asset: the investee;
  the amount paid as `sharesValue` in `sharesCurrency` USD, since Ownership has no amount);
- warrant -> `Ownership` of the holder in the issuer;
- debt -> `Debt` (creditor: the lender, debtor: the borrower);
- purchases, cloud contracts, leasebacks, revenue shares, backstops, other -> `Payment`
  (payer -> beneficiary; `purpose` names the deal kind).
Every deal carries `startDate` (a `YYYY-MM` date stays a month: FtM dates keep precision),
`amount` and `currency` USD where known, `sourceUrl`, `status`-like notes in `summary`, and
`recordId` the deal's id. Ids are readable: `dealgraph-entity-<id>`, `dealgraph-deal-<id>`.
"""

from __future__ import annotations

import json
import math
from typing import IO

from dealgraph.queries.findings.analysis import Analysis
from dealgraph.queries.flows.flow import deal_values

SCHEMA_OF_ENTITY_KIND = {"financier": "Organization", "other": "LegalEntity"}  # else Company
OWNERSHIP_KINDS = frozenset({"equity", "acquisition", "jv"})


def entity_id(entity: str) -> str:
    return f"dealgraph-entity-{entity}"


def deal_id(deal: str) -> str:
    return f"dealgraph-deal-{deal}"


def _amount(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return f"{float(value):.2f}"


def entity_record(entity: dict) -> dict:
    properties = {"name": [entity["name"]]}
    if entity["aliases"]:
        properties["alias"] = list(entity["aliases"])
    if entity["country"]:
        properties["country"] = [entity["country"].lower()]
    schema = SCHEMA_OF_ENTITY_KIND.get(entity["kind"], "Company")
    if entity["ticker"] and schema == "Company":
        properties["ticker"] = [entity["ticker"]]
    properties["notes"] = [f"dealgraph kind: {entity['kind']}"]
    return {"id": entity_id(entity["id"]), "schema": schema, "properties": properties}


def deal_record(deal: dict, value: float) -> dict:
    """The FtM entity for one deal; `value` is the money it moves (see `flow.deal_values`)."""
    source, target = entity_id(deal["from_entity"]), entity_id(deal["to_entity"])
    amount = _amount(value)
    kind = deal["kind"]
    if kind in OWNERSHIP_KINDS or kind == "warrant":
        owner, asset = (target, source) if kind == "warrant" else (source, target)
        schema, properties = "Ownership", {"owner": [owner], "asset": [asset]}
        properties["ownershipType"] = [kind]
        if amount:
            properties |= {"sharesValue": [amount], "sharesCurrency": ["USD"]}
    else:
        if kind == "debt":
            schema, properties = "Debt", {"creditor": [source], "debtor": [target]}
        else:
            schema, properties = "Payment", {"payer": [source], "beneficiary": [target]}
            properties["purpose"] = [kind.replace("_", " ")]
        if amount:
            properties |= {"amount": [amount], "currency": ["USD"]}
    properties["startDate"] = [deal["date"]]
    properties["recordId"] = [deal["id"]]
    properties["summary"] = [f"{kind}, {deal['status']}"]
    if deal["description"]:
        properties["description"] = [deal["description"]]
    if deal["source_url"]:
        properties["sourceUrl"] = [deal["source_url"]]
    return {"id": deal_id(deal["id"]), "schema": schema, "properties": properties}


def ftm_records(analysis: Analysis) -> list[dict]:
    """Every entity, then every deal in force, each sorted by id."""
    entities = analysis.dataset.entities.sort_values("id").to_dict("records")
    deals = analysis.deals.sort_values("id")
    values = deal_values(deals).tolist()
    records = [entity_record(entity) for entity in entities]
    records += [deal_record(d, v) for d, v in zip(deals.to_dict("records"), values, strict=True)]
    return records


def write_ftm(analysis: Analysis, handle: IO[str]) -> None:
    """Write one JSON object per line (UTF-8, keys sorted)."""
    for record in ftm_records(analysis):
        handle.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
