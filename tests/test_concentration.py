"""Concentration figures, worked out by hand."""

import pytest
from conftest import deal

from dealgraph.queries.dependence.concentration import concentration
from dealgraph.queries.flows.flow import deals_in_force


@pytest.fixture
def cloud(load):
    # CoreWeave's customers: msft 6B + 2B = 8B, openai 1.5B, meta 0.5B, nvidia undisclosed.
    # Total 10B; shares .8, .15, .05; HHI = .64 + .0225 + .0025 = .665.
    # Funding (equity/debt/warrant into coreweave): nvidia 1B equity, bank 3B debt: .25/.75.
    return load(
        [
            deal("m1", "msft", "coreweave", "cloud_contract", "6B"),
            deal("m2", "msft", "coreweave", "cloud_contract", "2B"),
            deal("o1", "openai", "coreweave", "cloud_contract", "1.5B"),
            deal("x1", "meta", "coreweave", "cloud_contract", "500M"),
            deal("n1", "nvidia", "coreweave", "backstop"),
            deal("n2", "nvidia", "coreweave", "equity", "1B"),
            deal("b1", "bank", "coreweave", "debt", "3B"),
            deal("p1", "coreweave", "nvidia", "purchase", "4B"),
        ]
    )


def by_entity(results):
    return {c.entity: c for c in results}


def test_customers(cloud):
    found = by_entity(concentration(deals_in_force(cloud.deals), "customers"))
    cw = found["coreweave"]
    assert cw.total_usd == pytest.approx(10e9)
    assert cw.hhi == pytest.approx(0.665)
    assert [(c.entity, round(c.share, 4)) for c in cw.counterparties] == [
        ("msft", 0.8),
        ("openai", 0.15),
        ("meta", 0.05),
    ]
    assert cw.top.deal_ids == ("m1", "m2")
    assert "n1" not in cw.deal_ids  # undisclosed amounts do not count
    assert found["nvidia"].total_usd == 4e9 and found["nvidia"].hhi == 1.0


def test_suppliers_are_outflows_of_the_same_kinds(cloud):
    found = by_entity(concentration(deals_in_force(cloud.deals), "suppliers"))
    assert found["msft"].top.entity == "coreweave" and found["msft"].total_usd == 8e9
    assert found["coreweave"].top.entity == "nvidia"


def test_funders(cloud):
    cw = by_entity(concentration(deals_in_force(cloud.deals), "funders"))["coreweave"]
    assert cw.total_usd == 4e9
    assert cw.hhi == pytest.approx(0.75**2 + 0.25**2)
    assert (cw.top.entity, cw.top.share) == ("bank", 0.75)


def test_min_total_and_unknown_perspective(cloud):
    found = concentration(deals_in_force(cloud.deals), "customers", min_total=5e9)
    assert [c.entity for c in found] == ["coreweave"]
    with pytest.raises(ValueError):
        concentration(cloud.deals, "lenders")
