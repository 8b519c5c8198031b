"""Read an earlier run's alerts (`alerts --format json`, `alerts.json`, or JSON Lines) back,
for `alerts --since`. A file that is not such a list is bad input like any other: one
`FILE:ROW: field: message` per problem, and nothing is compared.
"""

from __future__ import annotations

import json
from pathlib import Path

from dealgraph.errors import DataError, Problem
from dealgraph.loaders.files import read_bytes


def read_alerts(path: Path) -> list[dict]:
    """The alert objects of `path`; each must be an object with a text `id`."""
    name = str(path)
    try:
        text = read_bytes(path).decode("utf-8-sig")  # a FIFO is refused, not waited on
    except UnicodeDecodeError as exc:
        raise DataError([Problem(name, 0, "", f"cannot read alerts: {exc}")]) from None
    try:
        data = json.loads(text) if text.strip() else []
        numbered = list(enumerate(data, start=1)) if isinstance(data, list) else None
    except json.JSONDecodeError:
        numbered = _json_lines(name, text)
    except RecursionError:
        raise DataError([Problem(name, 0, "", "not valid JSON: nested too deep")]) from None
    if numbered is None:
        raise DataError([Problem(name, 0, "", "expected a JSON list of alerts")])
    problems = [
        Problem(name, number, "id", "expected an alert object with an `id`")
        for number, row in numbered
        if not isinstance(row, dict) or not isinstance(row.get("id"), str)
    ]
    if problems:
        raise DataError(problems)
    return [row for _, row in numbered]


def _json_lines(name: str, text: str) -> list[tuple[int, object]]:
    rows, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                rows.append((number, json.loads(line)))
            except json.JSONDecodeError as exc:
                problems.append(Problem(name, number, "", f"not valid JSON: {exc.msg}"))
            except RecursionError:
                problems.append(Problem(name, number, "", "not valid JSON: nested too deep"))
    if problems:
        raise DataError(problems)
    return rows
