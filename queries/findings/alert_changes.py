"""Alert lifecycle: what moved since the previous run.

Alert ids depend only on what an alert is about, so two runs can be matched by id. Each
current alert is `new` (no alert with its id before), `changed` (same id, but its severity,
amount, entities, deals, sources or summary differ) or `unchanged`; alerts of the previous
run whose id is gone are listed after the current ones, marked `gone`, as they were. A weekly
run with `--since last-week.json` shows what moved.
"""

from __future__ import annotations

from collections.abc import Sequence

COMPARED = ("severity", "amount_usd", "entities", "deal_ids", "sources", "summary")
CHANGES = ("new", "changed", "unchanged", "gone")


def _same(a: object, b: object) -> bool:
    """Equal as they would be written to JSON: tuples and lists alike, 1.0 and 1 alike."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b


def compare_alerts(current: Sequence[dict], previous: Sequence[dict]) -> list[dict]:
    """Current alert rows, each with `change` and `changed_fields` (and `previous_severity`
    when it changed), followed by the previous rows that are gone.

    >>> old = [{"id": "a", "severity": "low"}, {"id": "b", "severity": "low"}]
    >>> new = [{"id": "a", "severity": "high"}, {"id": "c", "severity": "low"}]
    >>> [(r["id"], r["change"]) for r in compare_alerts(new, old)]
    [('a', 'changed'), ('c', 'new'), ('b', 'gone')]
    """
    # A file written with --since lists gone alerts too; they were not there.
    before = {row["id"]: row for row in previous if row.get("change") != "gone"}
    now = {row["id"] for row in current}
    rows = []
    for row in current:
        old = before.get(row["id"])
        if old is None:
            rows.append({**row, "change": "new", "changed_fields": []})
            continue
        fields = [f for f in COMPARED if not _same(row.get(f), old.get(f))]
        marked = {**row, "change": "changed" if fields else "unchanged", "changed_fields": fields}
        if "severity" in fields:
            marked["previous_severity"] = old.get("severity")
        rows.append(marked)
    rows += [
        {**row, "change": "gone", "changed_fields": []}
        for row in before.values()
        if row["id"] not in now
    ]
    return rows
