"""Concentration, vendor financing and capex funding against a second implementation.

The second implementation is plain Python written from the rules in each module's
docstring (and queries/flows/flow.py's for which deals count), working on the rows exactly as
tests/random_deals.py writes them: it shares no code with the modules (not the loader's
amount parser, not `flow.hops`, not the schema), as test_loops.py checks loops against
networkx. Each check runs on 40 random data sets.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

import pytest
from conftest import write_csv
from random_deals import FIGURES, random_data, random_financials

from dealgraph.loaders import load_dataset
from dealgraph.queries.dependence.concentration import concentration
from dealgraph.queries.dependence.funding import capex_funding
from dealgraph.queries.findings.analysis import analyze
from dealgraph.queries.flows.flow import deals_in_force
from dealgraph.queries.risk.vendor_financing import vendor_financing

SEEDS = range(40)

# The roles, as documented (queries/dependence/concentration.py and funding.py,
# queries/risk/vendor_financing.py)
CUSTOMER_KINDS = {"purchase", "cloud_contract", "leaseback", "backstop", "revenue_share"}
FUNDER_KINDS = {"equity", "debt", "warrant"}
VENDOR_FUNDING = {"equity", "warrant", "debt", "backstop"}
VENDOR_PAYMENT = {"purchase", "cloud_contract", "leaseback"}
DEBT_KINDS = {"debt"}
PARTNER_KINDS = {"equity", "warrant", "backstop", "jv"}


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-3)


# --- the plain computation --------------------------------------------------------------


def amount(text: str | None) -> float | None:
    """`123456789` or `$12.5B`, as random_deals writes them; None when empty."""
    if not text:
        return None
    if text.startswith("$"):
        assert text.endswith("B")
        return float(text[1:-1]) * 1e9
    return float(text)


def value(row: dict) -> float | None:
    """The amount, else the low end of the range."""
    exact = amount(row.get("amount_usd"))
    return exact if exact is not None else amount(row.get("amount_low_usd"))


def rows_in_force(rows: list[dict]) -> list[dict]:
    """Today, without rumours: a deal counts unless it is rumored or cancelled, or a row
    that is not rumored supersedes it (a cancelled one included)."""
    visible = [r for r in rows if r["status"] != "rumored"]
    replaced = {r["supersedes"] for r in visible if r.get("supersedes")}
    return [r for r in visible if r["status"] != "cancelled" and r["id"] not in replaced]


def pair_sums(rows: list[dict], kinds: set[str]) -> dict[tuple[str, str], dict]:
    """(payer, payee) -> the sum of known values (None if none is known) and deal ids."""
    pairs: dict[tuple[str, str], dict] = {}
    for r in rows:
        if r["kind"] not in kinds:
            continue
        entry = pairs.setdefault((r["from_entity"], r["to_entity"]), {"sum": None, "known": []})
        v = value(r)
        if v is not None:
            entry["sum"] = (entry["sum"] or 0.0) + v
            entry["known"].append(r["id"])
    return pairs


def plain_concentration(rows: list[dict], perspective: str) -> dict[str, dict]:
    kinds = FUNDER_KINDS if perspective == "funders" else CUSTOMER_KINDS
    parties: dict[str, dict[str, float]] = defaultdict(dict)
    deal_ids: dict[str, list[str]] = defaultdict(list)
    for (payer, payee), entry in pair_sums(rows, kinds).items():
        if entry["sum"] is None:
            continue
        own, other = (payer, payee) if perspective == "suppliers" else (payee, payer)
        parties[own][other] = entry["sum"]
        deal_ids[own] += entry["known"]
    found = {}
    for own, amounts in parties.items():
        total = sum(amounts.values())
        if total <= 0:
            continue
        shares = {e: a / total for e, a in amounts.items()}
        top = sorted(amounts, key=lambda e: (-amounts[e], e))[0]
        found[own] = {
            "total": total,
            "hhi": sum(s * s for s in shares.values()),
            "top": top,
            "top_share": shares[top],
            "deal_ids": sorted(deal_ids[own]),
        }
    return found


def plain_concentration_severity(c: dict) -> str | None:
    """Without company figures: raised at a top share of half or HHI 0.25; high from 75% of
    $10B, medium from 50% of $1B."""
    if c["top_share"] < 0.5 and c["hhi"] < 0.25:
        return None
    if c["top_share"] >= 0.75 and c["total"] >= 10e9:
        return "high"
    return "medium" if c["top_share"] >= 0.5 and c["total"] >= 1e9 else "low"


def plain_vendor_financing(rows: list[dict]) -> dict[tuple, dict]:
    funding = pair_sums(rows, VENDOR_FUNDING)
    paying = pair_sums(rows, VENDOR_PAYMENT)
    found = {}
    for (a, b), fund in funding.items():
        routes = []
        if (b, a) in paying:
            routes.append((None, [paying[(b, a)]["sum"]]))
        for (payer, c), leg in paying.items():
            if payer == b and c != a and (c, a) in paying:
                routes.append((c, [leg["sum"], paying[(c, a)]["sum"]]))
        for via, legs in routes:
            amounts = [fund["sum"], *legs]
            returned = None if None in amounts else min(amounts)
            sales = legs[-1]
            coverage = None if returned is None or not sales else returned / sales
            if returned is None:
                severity = "medium"
            elif returned >= 10e9 and (coverage or 0.0) >= 0.25:
                severity = "high"
            else:
                severity = "medium" if returned >= 1e9 else "low"
            if via is not None:
                severity = {"high": "medium", "medium": "low", "low": "low"}[severity]
            found[(a, b, via)] = {"returned": returned, "coverage": coverage, "severity": severity}
    return found


def day(text: str) -> tuple[int, int, int]:
    """A date to compare; `YYYY-MM` before any day of its month (flow.py's rule)."""
    parts = [int(p) for p in text.split("-")]
    return (parts[0], parts[1], parts[2] if len(parts) == 3 else 0)


def plain_funding(rows: list[dict], financials: list[dict]) -> dict[tuple[str, int], dict]:
    def year_of(row: dict) -> int:
        return int(row["fiscal_year"].removeprefix("FY"))

    def figure(row: dict, name: str) -> float | None:
        return float(row[name]) if row.get(name) else None

    debts = {(f["entity"], year_of(f)): figure(f, "total_debt_usd") for f in financials}
    found = {}
    for f in financials:
        entity, year = f["entity"], year_of(f)
        end = f.get("period_end") or f"{year}-12-31"
        y, m, d = day(end)
        start = (y - 1, m, d)

        def raised(kinds: set[str], entity=entity, start=start, end=end) -> tuple[float, list]:
            hit = [
                r for r in rows
                if r["kind"] in kinds and r["to_entity"] == entity
                and start < day(r["date"]) <= day(end)
            ]  # fmt: skip
            return sum(value(r) or 0.0 for r in hit), sorted(r["id"] for r in hit)

        debt, debt_ids = raised(DEBT_KINDS)
        partners, partner_ids = raised(PARTNER_KINDS)
        now, before = debts[(entity, year)], debts.get((entity, year - 1))
        change = now - before if now is not None and before is not None else None
        capex, ocf = figure(f, "capex_usd"), figure(f, "operating_cash_flow_usd")
        if capex is None or ocf is None:
            lean = "unknown"
        elif capex - ocf <= 0:
            lean = "cash_flow"
        else:
            evidence = max(debt, change or 0.0)
            if evidence == 0 and partners == 0:
                lean = "reserves"
            else:
                lean = "debt" if evidence >= partners else "partners"
        found[(entity, year)] = {
            "debt": debt,
            "debt_ids": debt_ids,
            "partners": partners,
            "partner_ids": partner_ids,
            "change": change,
            "lean": lean,
        }
    return found


# --- the comparisons --------------------------------------------------------------------


def dataset(make_data, seed: int, financials: bool = False):
    """Sparse sets (10 entities, 45 deals), and every fourth a dense one (8 entities, 160
    deals) where entities have many counterparties, so some fall below the alert bounds. A
    fifth of the deals move to 30 June or 31 December: the edges of fiscal years."""
    entities, deals = (8, 160) if seed % 4 == 0 else (10, 45)
    entity_rows, deal_rows = random_data(seed, entities=entities, deals=deals)
    rng = random.Random(seed)
    for row in rng.sample(deal_rows, k=len(deal_rows) // 5):  # on a fiscal year's last day
        row["date"] = f"{row['date'][:4]}-{rng.choice(['06-30', '12-31'])}"
    folder = make_data(deal_rows, entity_rows)
    finance_rows = []
    if financials:
        finance_rows = random_financials(random.Random(seed), [e["id"] for e in entity_rows])
        columns = ["entity", "fiscal_year", "period_end", *FIGURES]
        write_csv(folder / "financials.csv", columns, finance_rows)
    return load_dataset([folder]), deal_rows, finance_rows


@pytest.mark.parametrize("seed", SEEDS)
def test_concentration_matches_a_plain_computation(make_data, seed):
    data, rows, _ = dataset(make_data, seed)
    deals = deals_in_force(data.deals)
    plain_rows = rows_in_force(rows)
    assert sorted(deals["id"]) == sorted(r["id"] for r in plain_rows)
    alerts = {
        (a.entities[0], a.details["perspective"]): a.severity
        for a in analyze(data).alerts
        if a.kind == "concentration"
    }
    for perspective in ("customers", "suppliers", "funders"):
        ours = {c.entity: c for c in concentration(deals, perspective)}
        plain = plain_concentration(plain_rows, perspective)
        assert ours.keys() == plain.keys(), perspective
        for entity, c in ours.items():
            p = plain[entity]
            assert close(c.total_usd, p["total"]) and close(c.hhi, p["hhi"]), (entity, c, p)
            assert c.top.entity == p["top"] and close(c.top.share, p["top_share"])
            assert sorted(c.deal_ids) == p["deal_ids"]
            assert alerts.get((entity, perspective)) == plain_concentration_severity(p)


@pytest.mark.parametrize("seed", SEEDS)
def test_vendor_financing_matches_a_plain_computation(make_data, seed):
    data, rows, _ = dataset(make_data, seed)
    ours = {(v.funder, v.recipient, v.via): v for v in vendor_financing(deals_in_force(data.deals))}
    plain = plain_vendor_financing(rows_in_force(rows))
    assert ours.keys() == plain.keys()
    alerts = analyze(data).alerts
    severities = {a.entities: a.severity for a in alerts if a.kind == "vendor_financing"}
    for key, v in ours.items():
        p = plain[key]
        assert close(v.returned_usd, p["returned"]) and close(v.coverage, p["coverage"]), key
        assert severities[tuple(e for e in key if e)] == p["severity"]


@pytest.mark.parametrize("seed", SEEDS)
def test_capex_funding_matches_a_plain_computation(make_data, seed):
    data, rows, financials = dataset(make_data, seed, financials=True)
    years = capex_funding(deals_in_force(data.deals), data.financials)
    plain = plain_funding(rows_in_force(rows), financials)
    ours = {(y.entity, int(y.period.removeprefix("FY"))): y for y in years}
    assert ours.keys() == plain.keys()
    for key, y in ours.items():
        p = plain[key]
        assert close(y.debt_raised_usd, p["debt"]) and close(y.partner_funding_usd, p["partners"])
        assert sorted(y.debt_deal_ids) == p["debt_ids"]
        assert sorted(y.partner_deal_ids) == p["partner_ids"]
        assert close(y.debt_change_usd, p["change"]), key
        assert y.lean == p["lean"], (key, y, p)


def test_the_random_data_sets_reach_every_case(make_data):
    """The checks above mean something only if the data sets hit the interesting cases."""
    seen = defaultdict(int)
    for seed in SEEDS:
        _, rows, financials = dataset(make_data, seed, financials=True)
        live = rows_in_force(rows)
        seen["superseded or cancelled"] += len(live) < len(rows)
        for perspective in ("customers", "funders"):
            for c in plain_concentration(live, perspective).values():
                seen[plain_concentration_severity(c)] += 1
        for (_, _, via), v in plain_vendor_financing(live).items():
            seen["vendor via" if via else "vendor direct"] += 1
            seen["vendor undisclosed" if v["returned"] is None else "vendor known"] += 1
            seen[f"vendor {v['severity']}"] += 1
        for f in plain_funding(live, financials).values():
            seen[f"lean {f['lean']}"] += 1
    wanted = ["superseded or cancelled", "high", "medium", "low", None, "vendor via",
              "vendor direct", "vendor undisclosed", "vendor high", "vendor medium", "vendor low",
              "lean debt", "lean cash_flow", "lean unknown"]  # fmt: skip
    assert [w for w in wanted if not seen[w]] == [], dict(seen)
