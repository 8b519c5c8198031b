"""The risk analyses give the same answers on the data set read back from Neo4j as on the
files it was loaded from (the store keeps deals and company figures)."""

from __future__ import annotations

from dealgraph.loaders import load_dataset
from dealgraph.queries.dependence.exposure import exposure
from dealgraph.queries.dependence.figures import latest
from dealgraph.queries.dependence.funding import capex_funding
from dealgraph.queries.flows.circularity import circularity
from dealgraph.queries.flows.flow import FlowFilter, deals_in_force, hops
from dealgraph.queries.flows.timeline import timeline
from dealgraph.queries.risk.stress import stress
from dealgraph.queries.risk.vendor_financing import vendor_financing


def risk_results(data, as_of: str | None) -> dict:
    flow = FlowFilter(as_of=as_of)
    deals = deals_in_force(data.deals, flow)
    hop_map = hops(deals)
    revenue = latest(data.financials, "revenue_usd", as_of)
    payers = sorted({source for source, _ in hop_map})
    return {
        "vendor": vendor_financing(deals),
        "exposure": [exposure(deals, e, data.financials, as_of) for e in payers[:10]],
        "funding": capex_funding(deals, data.financials, as_of),
        "stress": [stress(hop_map, {e: 1.0}, revenue) for e in payers[:10]],
        "circularity": circularity(hop_map),
        "timeline": timeline(data.deals, flow, max_length=3),
    }


def test_bundled_data_gives_the_same_risk_answers(neo4j_store):
    files = load_dataset()
    neo4j_store.load(files)
    back = neo4j_store.read_dataset()
    for as_of in (None, "2025-06"):
        expected, got = risk_results(files, as_of), risk_results(back, as_of)
        for name, value in expected.items():
            assert got[name] == value, name
        assert expected["vendor"] and expected["circularity"].index > 0
