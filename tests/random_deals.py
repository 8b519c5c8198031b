"""Random data sets in the input format, for tests that compare two ways to the same answer.

Every feature the loader and the analyses know shows up: all entity and deal kinds, amounts
given exactly, as a range or not at all, every status, `YYYY-MM` dates, supersede chains,
parallel deals between the same two entities, empty optional cells, extra columns, and
company figures for some entities and years (negative cash flows included).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from dealgraph.graph.schema import SCHEMA

HOSTS = ("https://www.sec.gov/a/", "https://Example.com/news/", "http://reuters.com/x/", "")
STATUS_WEIGHTS = {"closed": 4, "announced": 3, "reported": 3, "amended": 1, "rumored": 1,
                  "cancelled": 1}  # fmt: skip


def random_entities(rng: random.Random, count: int) -> list[dict]:
    rows = []
    for i in range(count):
        kind = rng.choice(list(SCHEMA.entity_kinds))
        row = {"id": f"e{i:03d}", "name": f"Entity {i}", "kind": kind}
        if rng.random() < 0.5:
            row["country"] = rng.choice(["US", "GB", "JP"])
        if rng.random() < 0.3:
            row["ticker"] = f"T{i}"
        if rng.random() < 0.4:
            row["aliases"] = ";".join(f"Alias {i}-{k}" for k in range(rng.randint(1, 3)))
        if rng.random() < 0.2:
            row["note"] = f"note {i}"  # an extra column
        rows.append(row)
    return rows


def _amounts(rng: random.Random) -> dict:
    roll = rng.random()
    value = round(rng.uniform(0.05, 400), 2) * 1e9
    if roll < 0.55:
        return {"amount_usd": rng.choice([f"{value:.0f}", f"${value / 1e9:g}B"])}
    if roll < 0.7:
        return {"amount_low_usd": f"{value:.0f}", "amount_high_usd": f"{value * 2:.0f}"}
    if roll < 0.75:
        return {"amount_usd": f"{value:.0f}", "amount_low_usd": f"{value / 2:.0f}",
                "amount_high_usd": f"{value:.0f}"}  # fmt: skip
    return {}


def random_deals(rng: random.Random, entity_ids: list[str], count: int) -> list[dict]:
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    pairs = [(a, b) for a in entity_ids for b in entity_ids if a != b]
    rng.shuffle(pairs)
    pairs = pairs[: max(2, count // 2)]  # few pairs, so parallel deals and loops are common
    rows = []
    for i in range(count):
        source, target = rng.choice(pairs)
        if rng.random() < 0.25:
            source, target = target, source
        day = rng.choice(["", f"-{rng.randint(1, 28):02d}"])
        row = {
            "id": f"d{i:04d}",
            "date": f"{rng.randint(2023, 2026)}-{rng.randint(1, 12):02d}{day}",
            "from_entity": source,
            "to_entity": target,
            "kind": rng.choice(list(SCHEMA.deal_kinds)),
            "status": rng.choices(statuses, weights)[0],
            **_amounts(rng),
        }
        host = rng.choice(HOSTS)
        if host:
            row["source_url"] = f"{host}{i}"
        if rng.random() < 0.2:
            row["term_years"] = str(rng.randint(1, 10))
        if i and rng.random() < 0.12:
            row["supersedes"] = f"d{rng.randrange(i):04d}"
        if rng.random() < 0.15:
            row["tag"] = rng.choice(["a", "b"])  # an extra column
        rows.append(row)
    return rows


def random_data(seed: int, entities: int = 12, deals: int = 40) -> tuple[list[dict], list[dict]]:
    """(entity rows, deal rows) for `make_data(deals, entities)`."""
    rng = random.Random(seed)
    entity_rows = random_entities(rng, entities)
    return entity_rows, random_deals(rng, [e["id"] for e in entity_rows], deals)


FIGURES = ("revenue_usd", "capex_usd", "operating_cash_flow_usd", "total_debt_usd", "cash_usd")


def random_financials(rng: random.Random, entity_ids: list[str]) -> list[dict]:
    rows = []
    for entity in rng.sample(entity_ids, k=max(1, len(entity_ids) // 2)):
        for year in rng.sample(range(2022, 2027), k=rng.randint(1, 3)):
            row = {"entity": entity, "fiscal_year": rng.choice([str(year), f"FY{year}"])}
            if rng.random() < 0.5:
                row["period_end"] = f"{year}-{rng.choice(['06-30', '12-31'])}"
            for figure in FIGURES:
                if rng.random() < 0.7:
                    value = rng.uniform(0.1, 300) * 1e9
                    negative = figure == "operating_cash_flow_usd" and rng.random() < 0.3
                    row[figure] = f"{-value if negative else value:.0f}"
            rows.append(row)
    return rows


def random_folder(make_data, seed: int, entities: int = 12, deals: int = 40) -> Path:
    """A folder with random entities, deals and financials, through conftest's `make_data`."""
    entity_rows, deal_rows = random_data(seed, entities, deals)
    folder = make_data(deal_rows, entity_rows)
    rows = random_financials(random.Random(seed), [e["id"] for e in entity_rows])
    columns = ["entity", "fiscal_year", "period_end", *FIGURES]
    with (folder / "financials.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return folder
