"""Batched loads: killed at any point, readers still see the old data set whole, never a part
of the new one; a completed load switches them all at once; the next load cleans up."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from random_deals import random_folder

from dealgraph.graph import neo4j_statements as cypher
from dealgraph.loaders import load_dataset


class Stop(Exception):
    """What the progress callback raises to kill a load between two batches."""


def signature(store) -> tuple:
    """What a reader sees: the sizes and a checksum of the data set it reads, and, from a
    second read (so maybe of another load), the store's counts."""
    data = store.read_dataset()
    frames = [data.entities.sort_index(), data.deals.sort_index(), data.financials]
    digest = hashlib.sha256(b"".join(f.to_csv().encode() for f in frames)).hexdigest()
    sizes = (len(data.entities), len(data.deals), len(data.financials))
    counts = store.counts()
    return (*sizes, digest), (counts["entities"], counts["deals"], counts["financials"])


def leftovers(driver) -> int:
    query = cypher.COUNT_LEFTOVERS
    return driver.execute_query(query, labels=list(cypher.LEFTOVER_LABELS)).records[0]["n"]


def only(seen: tuple[set, set], *signatures: tuple) -> bool:
    """Whether the reader saw nothing but these data sets (whole) and their counts."""
    return seen[0] <= {s[0] for s in signatures} and seen[1] <= {s[1] for s in signatures}


class Reader(threading.Thread):
    """Polls the signature until stopped; keeps every distinct one it saw."""

    def __init__(self, store):
        super().__init__(daemon=True)
        self.store, self.seen, self.counted, self.polls, self.error = store, set(), set(), 0, None
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                read, counted = signature(self.store)
                self.seen.add(read)
                self.counted.add(counted)
                self.polls += 1
        except Exception as exc:  # a failed read fails the test, in stop()
            self.error = exc

    def stop(self) -> tuple[set, set]:
        """The distinct data sets read, and the distinct counts."""
        self.stopped.set()
        self.join(60)
        assert self.error is None, self.error
        assert self.polls > 0
        return self.seen, self.counted


@pytest.fixture
def two_datasets(make_data):
    old = load_dataset([random_folder(make_data, 11, entities=40, deals=300)])
    new = load_dataset([random_folder(make_data, 12, entities=60, deals=400)])
    return old, new


def test_a_killed_load_is_invisible_and_the_next_one_cleans_up(
    neo4j_store, neo4j_driver, two_datasets
):
    old, new = two_datasets
    batch = 25
    neo4j_store.load(old, replace=True, batch_size=batch)
    old_signature = signature(neo4j_store)
    batches = -(-len(new.entities) // batch) + -(-len(new.deals) // batch)
    rng = random.Random(5)
    for kill_after in sorted(rng.sample(range(1, batches + 1), 4)):
        sent: list[int] = []

        def progress(rows: int, sent=sent, kill_after=kill_after) -> None:
            sent.append(rows)
            if len(sent) == kill_after:
                raise Stop

        reader = Reader(neo4j_store)
        reader.start()
        with pytest.raises(Stop):
            neo4j_store.load(new, replace=True, progress=progress, batch_size=batch)
        assert only(reader.stop(), old_signature), f"killed after batch {kill_after}"
        assert leftovers(neo4j_driver) > 0  # the killed load did write, out of sight
        assert signature(neo4j_store) == old_signature

    reader = Reader(neo4j_store)
    reader.start()
    neo4j_store.load(new, replace=True, batch_size=batch)
    seen = reader.stop()
    new_signature = signature(neo4j_store)
    assert new_signature[0] != old_signature[0] and new_signature[1] != old_signature[1]
    assert only(seen, old_signature, new_signature) and new_signature[0] in seen[0]
    assert leftovers(neo4j_driver) == 0
    back = neo4j_store.read_dataset()
    assert back.entities.sort_index().equals(new.entities.sort_index())
    assert back.deals.sort_index().equals(new.deals.sort_index())


def test_a_load_without_replace_adds_to_the_stored_data_set(neo4j_store, two_datasets):
    old, new = two_datasets
    neo4j_store.load(old, batch_size=50)
    report = neo4j_store.load(new, batch_size=50)
    back = neo4j_store.read_dataset()
    ids = set(old.deals["id"]) | set(new.deals["id"])
    assert set(back.deals["id"]) == ids and report.removed_deals == 0
    both = set(old.deals["id"]) & set(new.deals["id"])
    for deal_id in both:  # the new data set's row wins
        assert back.deals.loc[deal_id, "amount_usd"] == pytest.approx(
            new.deals.loc[deal_id, "amount_usd"], nan_ok=True
        )


def test_the_catalogue_sees_only_the_current_load(neo4j_store):
    # The load in progress supersedes nearly every deal: a catalogue query that saw staged
    # deals would drop them from its answers.
    from test_neo4j_cypher import busiest

    from dealgraph.queries.cypher_catalogue import catalogue

    current = load_dataset()
    deals = current.deals.sort_index().copy()
    deals["supersedes"] = list(deals["id"].iloc[1:]) + [""]
    staged = dataclasses.replace(current, deals=deals)
    neo4j_store.load(current, replace=True)
    queries = {name: query for name, query in catalogue().items() if name != "loop-findings"}
    given = {"entity": busiest(current)}

    def answers() -> dict:
        found = {}
        for name, query in queries.items():
            params = query.bind(
                {k: v for k, v in given.items() if k in {p.name for p in query.params}}
            )
            found[name] = neo4j_store.run(query.text, params).rows
        return found

    before = answers()
    assert all(before.values())
    steps = []

    def progress(rows: int) -> None:
        steps.append(rows)
        if sum(steps) == len(staged.entities) + len(staged.deals):
            raise Stop  # every row staged; killed before the switch

    with pytest.raises(Stop):
        neo4j_store.load(staged, replace=True, progress=progress, batch_size=100)
    assert leftovers(neo4j_store.driver) > 0
    assert answers() == before


CHILD = """
import sys
from neo4j import GraphDatabase
from dealgraph.graph.neo4j_store import Neo4jStore
from dealgraph.loaders import load_dataset

uri, folder = sys.argv[1], sys.argv[2]
driver = GraphDatabase.driver(uri, notifications_min_severity="OFF")
store = Neo4jStore(driver)
report = store.load(load_dataset([folder]), replace=True, batch_size=20,
                    progress=lambda n: print("batch", flush=True))
print("done", flush=True)
"""


def test_a_load_process_killed_at_any_point_is_invisible(
    neo4j_server, neo4j_store, neo4j_driver, make_data
):
    # SIGKILLed after k batches, or some time after the last one (during the switch or the
    # deletion of the old load): readers see the old data set or the new one, never a mix.
    old = load_dataset([random_folder(make_data, 21, entities=30, deals=150)])
    folder = random_folder(make_data, 22, entities=35, deals=200)
    new = load_dataset([folder])
    neo4j_store.load(old, replace=True)
    old_signature = signature(neo4j_store)
    batches = -(-len(new.entities) // 20) + -(-len(new.deals) // 20)
    rng = random.Random(9)
    kills = [(k, 0.0) for k in sorted(rng.sample(range(1, batches), 3))]
    kills += [(batches, rng.uniform(0.0, 0.5)) for _ in range(3)]
    reader = Reader(neo4j_store)
    reader.start()
    for after_batches, delay in kills:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, neo4j_server.uri, str(folder)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(after_batches):
            assert child.stdout.readline() == "batch\n"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(60)
        child.stdout.close()
    neo4j_store.load(new, replace=True)
    assert only(reader.stop(), old_signature, signature(neo4j_store))
    assert leftovers(neo4j_driver) == 0
