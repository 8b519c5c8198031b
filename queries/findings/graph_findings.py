"""An analysis as findings a graph store keeps beside the data, for Cypher and Bloom users.

Loops become rows for `(:Loop {id, amount_usd, length, severity, deal_ids})-[:THROUGH
{position}]->(:Entity)`, with the same id and severity as their `circular_flow` alert.
Concentration figures become entity properties named `concentration_<perspective>_<figure>`,
e.g. `concentration_customers_hhi`, so a query can sort entities by dependence without
knowing about alerts. Plain dicts in, plain dicts out: the store decides how to write them.
"""

from __future__ import annotations

from dealgraph.graph.neo4j_rows import FINDING_PREFIX
from dealgraph.queries.findings.alerts import LOOP_KIND, stable_id
from dealgraph.queries.findings.analysis import Analysis


def loop_findings(analysis: Analysis) -> list[dict]:
    """`{id, entities, props}` per loop found, in the analysis's order."""
    severity = {a.id: a.severity for a in analysis.alerts if a.kind == LOOP_KIND}
    rows = []
    for loop in analysis.loops.loops:
        loop_id = stable_id("loop", *loop.entities)
        props = {
            "id": loop_id,
            "length": loop.length,
            "severity": severity[loop_id],
            "entities": list(loop.entities),
            "deal_ids": list(loop.deal_ids),
        }
        if loop.amount_usd is not None:  # undisclosed: no property, as Neo4j has no null
            props["amount_usd"] = loop.amount_usd
        rows.append({"id": loop_id, "entities": list(loop.entities), "props": props})
    return rows


def concentration_findings(analysis: Analysis) -> list[dict]:
    """`{id, props}` per entity with any concentration figure, sorted by entity id."""
    figures: dict[str, dict] = {}
    for c in analysis.concentration:
        prefix = f"{FINDING_PREFIX}{c.perspective}_"
        figures.setdefault(c.entity, {}).update({
            f"{prefix}total_usd": c.total_usd,
            f"{prefix}hhi": c.hhi,
            f"{prefix}top": c.top.entity,
            f"{prefix}top_share": c.top.share,
            f"{prefix}counterparties": len(c.counterparties),
        })  # fmt: skip
    return [{"id": entity, "props": props} for entity, props in sorted(figures.items())]
