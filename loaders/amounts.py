"""Money amounts as people write them: `1.5e9`, `1,500,000,000`, `$1.5B`, `300bn`, `750M`."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

_SUFFIXES = {
    "": 1.0,
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}
_AMOUNT = re.compile(
    r"^(?P<sign>-)?\s*(?:us)?\$?\s*(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+)"
    r"\s*(?P<suffix>[a-z]*)\s*(?:usd)?$"
)


class AmountError(ValueError):
    """The text is not an amount this module understands; the message says why."""


def parse_amount(text: str) -> float | None:
    """Return the amount in USD, or None for an empty cell.

    >>> parse_amount("$1.5B"), parse_amount("300bn"), parse_amount("1,500,000")
    (1500000000.0, 300000000000.0, 1500000.0)
    """
    cleaned = text.strip().lower().replace("\u00a0", " ")
    if not cleaned:
        return None
    match = _AMOUNT.match(cleaned)
    if not match or match["suffix"] not in _SUFFIXES:
        raise AmountError(f"not an amount: {text!r} (use e.g. 1500000000, 1.5e9 or $1.5B)")
    value = float(match["number"].replace(",", "")) * _SUFFIXES[match["suffix"]]
    if match["sign"]:
        raise AmountError(f"negative amount: {text!r}")
    if not math.isfinite(value):
        raise AmountError(f"not a finite amount: {text!r}")
    return value


def parse_amount_column(texts: pd.Series) -> tuple[pd.Series, dict[int, str]]:
    """Parse a column of amount texts at once; return the values and {position: error}.

    Plain numbers take a vectorised path, so a million rows cost about what pandas costs;
    only cells with currency signs, separators or suffixes go through `parse_amount`.
    """
    stripped = texts.str.strip()
    values = pd.to_numeric(stripped.where(stripped != ""), errors="coerce").astype("float64")
    errors: dict[int, str] = {}
    slow = values.isna() & (stripped != "")
    for pos in slow.to_numpy().nonzero()[0]:
        try:
            values.iat[pos] = parse_amount(stripped.iat[pos])
        except AmountError as exc:
            errors[int(pos)] = str(exc)
    numbers = values.to_numpy()
    bad = (numbers < 0) | (np.isinf(numbers))
    for pos in bad.nonzero()[0]:
        if int(pos) not in errors:
            errors[int(pos)] = f"negative or non-finite amount: {stripped.iat[pos]!r}"
            values.iat[pos] = float("nan")
    return values, errors
