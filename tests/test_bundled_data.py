"""Data quality of the bundled data set, and the findings the press and filings describe."""

import csv
from urllib.parse import urlsplit

import pandas as pd
import pytest

from dealgraph.loaders import bundled_path, load_dataset
from dealgraph.queries.analysis import analyze
from dealgraph.queries.flow import deal_values

# The most a single deal of each kind has plausibly been worth in this market (USD), and the
# least a deal worth recording is; a value outside is a typo (a missing or extra 000).
UPPER_BOUND = {
    "equity": 200e9, "warrant": 100e9, "purchase": 500e9, "cloud_contract": 500e9,
    "debt": 100e9, "backstop": 50e9, "leaseback": 50e9, "revenue_share": 100e9,
    "jv": 500e9, "acquisition": 500e9, "other": 100e9,
}  # fmt: skip
LOWER_BOUND = 1e6

# Rows whose cited page shows no publication date that could be read (see the data notes in
# the README). The list may only shrink: a new row must come with its source's date. The one
# left is the only report of Microsoft's CoreWeave commitment; without it Microsoft would
# vanish from CoreWeave's customers, which the filings say it dominated.
UNDATED_SOURCES = {"2024-11-microsoft-coreweave-10b"}


@pytest.fixture(scope="module")
def data():
    return load_dataset()


@pytest.fixture(scope="module")
def raw_deals():
    with (bundled_path() / "deals.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_size_and_scope(data):
    assert len(data.entities) >= 80 and len(data.deals) >= 250
    years = set(data.deals["date"].str[:4])
    assert {"2023", "2024", "2025", "2026"} <= years
    assert set(data.deals["kind"]) >= {"equity", "warrant", "purchase", "cloud_contract", "debt",
                                       "backstop", "leaseback"}  # fmt: skip


def test_ids_unique_in_the_file(raw_deals):
    ids = [row["id"] for row in raw_deals]
    assert len(ids) == len(set(ids))


def test_every_deal_has_a_date_and_an_http_source(data):
    deals = data.deals
    assert (deals["date"] != "").all()
    schemes = deals["source_url"].map(lambda u: urlsplit(u).scheme)
    assert schemes.isin(["http", "https"]).all(), list(
        deals.index[~schemes.isin(["http", "https"])]
    )
    undated = set(deals.index[deals["source_date"] == ""])
    assert undated <= UNDATED_SOURCES, sorted(undated - UNDATED_SOURCES)


def test_no_deal_twice_under_two_ids(data):
    key = ["from_entity", "to_entity", "kind", "date", "amount_usd"]
    known = data.deals[data.deals["amount_usd"].notna()]
    twins = known[known.duplicated(key, keep=False)].sort_values(key)
    assert twins.empty, list(twins.index)


def test_amounts_within_plausible_bounds(data):
    values = deal_values(data.deals)
    known = data.deals[values.notna()].assign(value=values[values.notna()])
    upper = known["kind"].map(UPPER_BOUND)
    outside = known[(known["value"] < LOWER_BOUND) | (known["value"] > upper)]
    assert outside.empty, outside[["kind", "value"]].to_dict("index")


def test_every_entity_is_in_a_deal(data):
    used = set(data.deals["from_entity"]) | set(data.deals["to_entity"])
    assert set(data.entities.index) - used == set()


def test_supersedes_points_back_in_time(data):
    newer = data.deals[data.deals["supersedes"] != ""]
    older = data.deals.loc[newer["supersedes"], "date"].to_numpy()
    assert (newer["date"].str[:7].to_numpy() >= pd.Series(older).str[:7].to_numpy()).all()


@pytest.fixture(scope="module")
def found(data):
    return analyze(data)


LOOPS_THE_PRESS_DESCRIBED = [
    {"nvidia", "openai"},
    {"openai", "oracle", "nvidia"},
    {"amd", "openai"},
    {"nvidia", "coreweave"},
    {"microsoft", "openai"},
    {"nvidia", "lambda"},
]


@pytest.mark.parametrize("members", LOOPS_THE_PRESS_DESCRIBED, ids=lambda m: "-".join(sorted(m)))
def test_the_loops_the_press_described_are_found(found, members):
    loops = [set(loop.entities) for loop in found.loops.loops]
    assert members in loops
    alert = next(
        a for a in found.alerts if a.kind == "circular_flow" and set(a.entities) == members
    )
    assert alert.sources and alert.deal_ids


def _share(found, entity, counterparty, perspective="customers"):
    conc = next(
        c for c in found.concentration if c.entity == entity and c.perspective == perspective
    )
    return next(p.share for p in conc.counterparties if p.entity == counterparty)


def test_coreweave_depends_on_microsoft_and_openai(found):
    # Filings: Microsoft was 62% of CoreWeave's 2024 revenue; OpenAI's contracts reached $22.4B.
    microsoft = _share(found, "coreweave", "microsoft")
    openai = _share(found, "coreweave", "openai")
    assert microsoft + openai >= 0.4
    assert any(a.kind == "concentration" and a.entities[0] == "coreweave" for a in found.alerts)


def test_oracle_backlog_tied_to_openai(found):
    # Oracle's RPO reached $455B after the OpenAI contract; OpenAI is most of that backlog.
    assert _share(found, "oracle", "openai") >= 0.5
    alert = next(
        a for a in found.alerts if a.kind == "concentration" and a.entities == ("oracle", "openai")
    )
    assert alert.severity == "high"
