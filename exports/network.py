"""The money-flow graph with its findings as plain attributes: what GraphML and GEXF write
and what `DealGraph.to_networkx()` returns (one builder, so the two give the same graph).

Gephi and networkx's writers take only scalar attributes (str, int, float, bool), so lists are
joined with ";" and unknown numbers are left out rather than written as NaN. Findings ride on
the nodes and edges so a viewer can size and colour by them: how many loops pass through an
entity or a deal, the largest such loop, and each perspective's Herfindahl-Hirschman index.
"""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx

from dealgraph.queries.findings.analysis import Analysis
from dealgraph.queries.flows.flow import deal_values

ALIAS_SEPARATOR = ";"
DEAL_TEXT = ("date", "kind", "status", "status_note", "consideration", "amount_basis", "obligor",
             "supersedes", "description", "source_url", "source_title", "source_date",
             "source_kind", "corroborated_by")  # fmt: skip
DEAL_NUMBERS = ("amount_usd", "amount_low_usd", "amount_high_usd", "cash_part_usd", "term_years")


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _scalars(values: dict) -> dict:
    """Drop what GraphML cannot hold (None, NaN, empty text)."""
    return {k: v for k, v in values.items() if v is not None and v != ""}


def _loop_findings(analysis: Analysis) -> tuple[dict, dict]:
    """(per entity, per deal) -> (loop count, largest known loop amount or None)."""
    by_entity: dict[str, list] = defaultdict(lambda: [0, None])
    by_deal: dict[str, list] = defaultdict(lambda: [0, None])
    for loop in analysis.loops.loops:
        amount = loop.amount_usd
        for keys, table in ((set(loop.entities), by_entity), (set(loop.deal_ids), by_deal)):
            for key in keys:
                entry = table[key]
                entry[0] += 1
                if amount is not None and (entry[1] is None or amount > entry[1]):
                    entry[1] = amount
    return by_entity, by_deal


def money_graph(analysis: Analysis) -> nx.MultiDiGraph:
    """One node per entity, one edge per deal in force (keyed by deal id), all attributes
    scalar. Deterministic: nodes and edges are added in id order."""
    graph = nx.MultiDiGraph(name="dealgraph", as_of=analysis.options.flow.as_of or "latest")
    loops_of_entity, loops_of_deal = _loop_findings(analysis)
    hhi = defaultdict(dict)
    for found in analysis.concentration:
        hhi[found.entity][found.perspective] = found
    for entity in analysis.dataset.entities.sort_values("id").to_dict("records"):
        count, largest = loops_of_entity.get(entity["id"], (0, None))
        attributes = {
            "label": entity["name"],
            "name": entity["name"],
            "kind": entity["kind"],
            "country": entity["country"],
            "ticker": entity["ticker"],
            "aliases": ALIAS_SEPARATOR.join(entity["aliases"]),
            "loop_count": int(count),
            "largest_loop_usd": largest,
        }
        for perspective, found in hhi.get(entity["id"], {}).items():
            attributes[f"hhi_{perspective}"] = float(found.hhi)
            attributes[f"{perspective}_total_usd"] = float(found.total_usd)
            attributes[f"top_{perspective[:-1]}"] = found.top.entity
        graph.add_node(entity["id"], **_scalars(attributes))
    deals = analysis.deals.sort_values("id")
    values = deal_values(deals)
    for deal, value in zip(deals.to_dict("records"), values, strict=True):
        count, largest = loops_of_deal.get(deal["id"], (0, None))
        attributes = {column: deal[column] for column in DEAL_TEXT}
        attributes |= {column: _number(deal[column]) for column in DEAL_NUMBERS}
        attributes |= {
            "deal_id": deal["id"],
            "value_usd": _number(value),  # the money the analyses count (cash part etc.)
            "weight": _number(value),  # what Gephi sizes edges by
            "loop_count": int(count),
            "largest_loop_usd": largest,
        }
        graph.add_edge(
            deal["from_entity"], deal["to_entity"], key=deal["id"], **_scalars(attributes)
        )
    return graph
