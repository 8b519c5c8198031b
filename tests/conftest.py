"""Shared fixtures: small data sets written as real files, in the input format."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures_browser import *  # noqa: F403  (headless Chromium for the map, one per session)
from fixtures_neo4j import *  # noqa: F403  (the real Neo4j server, one per session)

from dealgraph.cli import main
from dealgraph.graph.model import DEAL_COLUMNS, ENTITY_COLUMNS
from dealgraph.loaders import load_dataset


def write_csv(path: Path, columns, rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def deal(id, source, target, kind="purchase", amount="", date="2025-01-01", **more) -> dict:
    """A deal row with only what a test cares about; a source URL by default."""
    row = {
        "id": id,
        "date": date,
        "from_entity": source,
        "to_entity": target,
        "kind": kind,
        "amount_usd": amount,
        "source_url": f"https://example.com/{id}",
    }
    row.update(more)
    return row


def entity(id, kind="other", name=None, **more) -> dict:
    return {"id": id, "name": name or id.upper(), "kind": kind, **more}


def _columns(standard, rows) -> list[str]:
    """The standard columns, then any extra ones the rows carry."""
    return list(dict.fromkeys([*standard, *(k for row in rows for k in row)]))


@pytest.fixture
def make_data(tmp_path):
    """Write entities and deals into a fresh folder and return the folder.

    Entities default to every id the deals mention.
    """
    counter = iter(range(1000))

    def make(deals: list[dict], entities: list[dict] | None = None) -> Path:
        folder = tmp_path / f"data{next(counter)}"
        folder.mkdir()
        if entities is None:
            ids = sorted({d[k] for d in deals for k in ("from_entity", "to_entity")})
            entities = [entity(i) for i in ids]
        write_csv(folder / "entities.csv", _columns(ENTITY_COLUMNS, entities), entities)
        write_csv(folder / "deals.csv", _columns(DEAL_COLUMNS, deals), deals)
        return folder

    return make


@pytest.fixture
def load(make_data):
    """Build a data set from deal rows and load it through the real loader."""

    def build(deals: list[dict], entities: list[dict] | None = None):
        return load_dataset([make_data(deals, entities)])

    return build


@pytest.fixture
def loop_data(make_data):
    """Two two-party loops: a <-> b, 30B equity out and 12B purchases back (high);
    c <-> d, 2B out and 1B back (medium)."""
    return make_data(
        [
            deal("e1", "a", "b", "equity", "30B", date="2024-03-01"),
            deal("p1", "b", "a", "purchase", "12B", date="2025-02-01"),
            deal("x1", "c", "d", "cloud_contract", "2B", date="2025-01-01"),
            deal("x2", "d", "c", "equity", "1B", date="2025-01-01"),
        ],
        [entity("a", name="Alpha"), entity("b", name="Beta"), entity("c"), entity("d")],
    )


def run(*args, ok: bool = True):
    """Invoke `dealgraph ARGS` through click's runner; with `ok`, insist on exit status 0."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result
