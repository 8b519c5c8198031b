"""Money amounts as people write them: `1.5e9`, `1,500,000,000`, `$1.5B`, `300bn`, `750M`.

An amount has no sign (`-0` and `+5` are refused like `-5`), is written in ASCII digits, and
is at most `MAX_AMOUNT`: more than the world's yearly output is a unit slip, and a few rows of
`1.7e308` would overflow every sum an analysis takes. The column parser and `parse_amount`
accept exactly the same texts; the tests check one against the other.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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
MAX_AMOUNT = 1e15  # USD: a thousand trillion
_AMOUNT = re.compile(
    r"^(?P<sign>[-+])?\s*(?:us)?\$?\s*"
    r"(?P<number>(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)"
    r"\s*(?P<suffix>[a-z]*)\s*(?:usd)?$",
    re.ASCII,
)
_PLAIN = r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"  # what Arrow's cast to float reads


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
    if match["sign"] == "-":
        raise AmountError(f"negative amount: {text!r} (amounts are written without a sign)")
    if match["sign"]:
        raise AmountError(f"signed amount: {text!r} (amounts are written without a sign)")
    if not math.isfinite(value) or value > MAX_AMOUNT:
        raise AmountError(f"amount too large: {text!r} (at most 1e15, a thousand trillion)")
    return value


def parse_amount_column(texts: pd.Series) -> tuple[pd.Series, dict[int, str]]:
    """Parse a column of amount texts at once; return the values and {position: error}.

    Plain numbers are parsed by Arrow in one pass, so a million rows cost milliseconds; only
    cells with currency signs, separators, suffixes or signs go through `parse_amount`,
    which also words the errors.
    """
    stripped = pc.utf8_trim_whitespace(_arrow_text(texts))
    given = pc.not_equal(stripped, "")
    try:
        parsed = pc.cast(pc.if_else(given, stripped, None), pa.float64())
        slow = np.zeros(len(texts), dtype=bool)
    except pa.ArrowInvalid:  # some cell is not a plain number: parse those one by one
        plain = pc.match_substring_regex(stripped, _PLAIN)
        parsed = pc.cast(pc.if_else(plain, stripped, None), pa.float64())
        slow = _bools(pc.and_(given, pc.invert(plain)))
    numbers = np.array(parsed.to_numpy(zero_copy_only=False), dtype="float64")
    with np.errstate(invalid="ignore"):  # NaN compares false: not in range, so parsed slowly
        in_range = (numbers >= 0) & (numbers <= MAX_AMOUNT) & ~np.signbit(numbers)
    # Arrow reads `+5` and `-0` as numbers; `parse_amount` refuses any sign, and says why.
    slow |= _bools(given) & ~in_range | _bools(pc.starts_with(stripped, "+"))
    errors: dict[int, str] = {}
    for pos in slow.nonzero()[0]:
        text = stripped[int(pos)].as_py()
        try:
            numbers[pos] = parse_amount(text)
        except AmountError as exc:
            numbers[pos] = np.nan
            errors[int(pos)] = str(exc)
    return pd.Series(numbers, index=texts.index, name=texts.name), errors


def _arrow_text(texts: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The column as Arrow strings, without a copy when pandas already holds it in Arrow."""
    array = pa.array(texts)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array
    return array.cast(pa.string())


def _bools(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)
