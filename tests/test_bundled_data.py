"""Data quality of the bundled data set, and the findings the press and filings describe."""

import csv
import tomllib
from datetime import date, timedelta
from urllib.parse import urlsplit

import pandas as pd
import pytest

from dealgraph.graph.schema import SCHEMA
from dealgraph.loaders import bundled_path, load_dataset
from dealgraph.queries.findings.analysis import analyze
from dealgraph.queries.flows.flow import FlowFilter, deal_values, deals_in_force
from dealgraph.queries.flows.timeline import timeline

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


@pytest.fixture(scope="module")
def about():
    return tomllib.loads((bundled_path() / "dataset.toml").read_text("utf-8"))


def test_size_and_scope(data):
    assert len(data.entities) >= 140 and len(data.deals) >= 450
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
    values = data.deals["amount_usd"].fillna(data.deals["amount_low_usd"])  # as stated
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


# --- The rules of version 0.2.0 (docs/input-format.md, "The bundled data set's rules") ---


def test_the_horizon_is_stated_and_reached(data, about):
    # The data claims completeness up to its horizon: at least mid-June 2026, not after the
    # compile date, and deals must actually reach into the horizon's month.
    assert about["horizon"] >= "2026-06-15"
    assert about["horizon"] <= about["compiled"]
    assert (data.deals["date"].str[:7] == about["horizon"][:7]).any()


def test_equity_and_acquisitions_say_what_they_are_paid_with(raw_deals):
    stakes = [row for row in raw_deals if row["kind"] in ("equity", "acquisition")]
    missing = [row["id"] for row in stakes if row["consideration"] not in SCHEMA.considerations]
    assert not missing, missing
    cash_part = [
        row["id"] for row in raw_deals if row["cash_part_usd"] and row["consideration"] != "mixed"
    ]
    assert not cash_part, cash_part


def test_a_share_swap_moves_no_money(data):
    swaps = data.deals[data.deals["consideration"].isin(SCHEMA.non_cash_considerations)]
    assert "2026-02-spacex-xai-merger" in swaps.index
    assert (deal_values(swaps) == 0).all()
    assert not set(swaps.index) & set(deals_in_force(data.deals).index)


def test_no_quarter_counts_a_share_swap(data):
    quarters = timeline(data.deals, FlowFilter())
    swaps = set(data.deals.index[data.deals["consideration"].isin(SCHEMA.non_cash_considerations)])
    assert swaps
    for quarter in quarters:
        assert not swaps & set(quarter.new_deal_ids), quarter.label


def test_one_rule_for_ranges(raw_deals):
    # amount_usd is the headline figure for the whole deal, amount_low_usd the firm or up-front
    # part; amount_high_usd only holds the top of a range reported as a range (no headline).
    both = [r["id"] for r in raw_deals if r["amount_high_usd"] and r["amount_usd"]]
    assert not both, both
    data = load_dataset()
    deals = data.deals
    above = deals.index[deals["amount_low_usd"] > deals["amount_usd"]]
    assert above.empty, list(above)
    lonely_high = deals.index[deals["amount_high_usd"].notna() & deals["amount_low_usd"].isna()]
    assert lonely_high.empty, list(lonely_high)


def test_backstops_point_at_the_party_that_would_be_paid(data):
    # guarantor -> the landlord, lender or seller who is paid if the guarantee is called. Where
    # the guaranteed party (`obligor`) is named, a deal must tie it to that payee, and the
    # backstop must not point at the obligor itself.
    deals = data.deals
    pairs = set(zip(deals["from_entity"], deals["to_entity"], strict=True))
    backstops = deals[deals["kind"] == "backstop"]
    assert len(backstops) >= 5
    wrong = []
    for deal_id, row in backstops.iterrows():
        obligor = row["obligor"]
        if not obligor:
            continue
        tied = (obligor, row["to_entity"]) in pairs or (row["to_entity"], obligor) in pairs
        if obligor in (row["from_entity"], row["to_entity"]) or not tied:
            wrong.append(deal_id)
    assert not wrong, wrong
    assert (backstops["obligor"] != "").sum() >= len(backstops) // 2


def test_statuses_are_checked(data, about):
    deals = data.deals
    year_before = (date.fromisoformat(about["compiled"]) - timedelta(days=365)).isoformat()
    stale = deals[(deals["status"] == "announced") & (deals["date"] < year_before)]
    unexplained = stale.index[stale["status_note"].str.strip() == ""]
    assert unexplained.empty, list(unexplained)
    superseding = deals[deals["supersedes"] != ""]
    not_amended = superseding.index[~superseding["status"].isin(["amended", "cancelled"])]
    assert not_amended.empty, list(not_amended)
    amended = deals[deals["status"] == "amended"]
    orphans = amended.index[amended["supersedes"] == ""]
    assert orphans.empty, list(orphans)


def test_every_source_says_what_kind_it_is(data):
    deals = data.deals
    assert deals["source_kind"].isin(SCHEMA.source_kinds).all(), list(
        deals.index[~deals["source_kind"].isin(SCHEMA.source_kinds)]
    )
    hosts = deals["source_url"].map(lambda u: urlsplit(u).hostname or "")
    sec = deals[hosts.str.endswith("sec.gov")]
    assert (sec["source_kind"] == "filing").all(), list(sec.index[sec["source_kind"] != "filing"])
    second = deals["corroborated_by"]
    given = second[second != ""].map(lambda u: urlsplit(u).scheme)
    assert given.isin(["http", "https"]).all()
    assert (second[second != ""] != deals.loc[second != "", "source_url"]).all()
    # Reposts are cited only where the stored pages hold nothing closer to the source; the share
    # of primary sources (45.8% in 0.2.0) may only grow.
    primary = deals["source_kind"].isin(["filing", "company", "regulator", "news"]).mean()
    assert primary >= 0.458, f"only {primary:.1%} of rows cite a primary source"


def test_derived_amounts_say_so(data):
    # `.others` rows are what is left of a round once the named investors are taken out: that
    # is arithmetic of ours, so its basis must say `derived` and the description how.
    others = data.deals[data.deals.index.str.endswith(".others") & data.deals["amount_usd"].notna()]
    not_derived = others.index[others["amount_basis"] != "derived"]
    assert not_derived.empty, list(not_derived)
    derived = data.deals[data.deals["amount_basis"] == "derived"]
    silent = derived.index[
        ~derived["description"].str.contains("deriv|subtract|minus|convert|comput", case=False)
    ]
    assert silent.empty, list(silent)


FIGURES = ("revenue_usd", "capex_usd", "operating_cash_flow_usd", "cash_usd", "total_debt_usd")
# Figures of the latest fiscal year that no stored filing or release page showed when 0.2.0 was
# compiled (dealgraph/data/NOTES.md, "Company figures"). The list may only shrink: a company
# that reaches five deals must come with its figures.
FIGURE_GAPS = {
    "alphabet": {"capex_usd"},
    "amazon": {"total_debt_usd"},
    "amd": {"capex_usd", "cash_usd"},
    "blackstone": {"revenue_usd", "cash_usd", "total_debt_usd"},
    "blue-owl": {"revenue_usd", "cash_usd", "total_debt_usd"},
    "broadcom": {"cash_usd"},
    "cipher-mining": {"capex_usd", "cash_usd", "total_debt_usd"},
    "cisco": {"capex_usd"},
    "coreweave": {"capex_usd", "operating_cash_flow_usd"},
    "goldman-sachs": {"revenue_usd", "cash_usd", "total_debt_usd"},
    "intel": {"capex_usd"},
    "iren": {"capex_usd", "operating_cash_flow_usd", "cash_usd", "total_debt_usd"},
    "nebius": {"operating_cash_flow_usd", "total_debt_usd"},
    "nvidia": {"capex_usd", "operating_cash_flow_usd", "cash_usd", "total_debt_usd"},
    "oracle": {"capex_usd", "operating_cash_flow_usd", "cash_usd", "total_debt_usd"},
    "salesforce": {"capex_usd", "cash_usd", "total_debt_usd"},
    "samsung": {"cash_usd", "total_debt_usd"},
    "terawulf": {"capex_usd", "operating_cash_flow_usd", "cash_usd", "total_debt_usd"},
    "apollo": {"revenue_usd", "cash_usd", "latest year FY2024", "market cap with its date"},
    "macquarie": {"revenue_usd", "cash_usd", "total_debt_usd"},
    "softbank": {"revenue_usd", "cash_usd", "total_debt_usd"},
}


def test_listed_companies_with_five_deals_have_their_figures(data):
    deals = data.deals
    counts = pd.concat([deals["from_entity"], deals["to_entity"]]).value_counts()
    listed = data.entities[data.entities["ticker"] != ""]
    busy = [e for e in listed.index if counts.get(e, 0) >= 5]
    figures = data.financials
    assert figures["source_kind"].isin(SCHEMA.source_kinds).all()
    gaps = {}
    for entity in busy:
        rows = figures[figures["entity"] == entity]
        if rows.empty:
            gaps[entity] = {"no figures"}
            continue
        latest = rows.sort_values("fiscal_year").iloc[-1]
        wanted = ("revenue_usd", "cash_usd", "total_debt_usd")
        if data.entities.at[entity, "kind"] != "financier":  # banks state no capex line
            wanted = FIGURES
        missing = {f for f in wanted if pd.isna(latest[f])}
        if latest["fiscal_year"] < 2025:
            missing.add(f"latest year FY{latest['fiscal_year']}")
        if rows["market_cap_usd"].isna().all() or (rows["market_cap_date"] == "").all():
            missing.add("market cap with its date")
        if missing:
            gaps[entity] = missing
    # Equal, not a subset: a gap filled must leave the list too, so it says what is missing.
    assert gaps == FIGURE_GAPS
