import random

import pandas as pd
import pytest

from dealgraph.loaders.amounts import AmountError, parse_amount, parse_amount_column


@pytest.mark.parametrize(
    "text, value",
    [
        ("1500000000", 1.5e9),
        ("1.5e9", 1.5e9),
        ("1,500,000,000", 1.5e9),
        ("$1.5B", 1.5e9),
        ("300bn", 300e9),
        ("750M", 750e6),
        ("$ 2.25 billion", 2.25e9),
        ("US$40B", 40e9),
        ("0", 0.0),
        ("  ", None),
        ("", None),
    ],
)
def test_amounts_people_write(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["-5", "abc", "1.2.3", "5 zillion", "1,50,000", "inf", "nan"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_column_parse_matches_single_parse_and_reports_positions():
    texts = pd.Series(["1", "", "$2B", "-5", "abc", "3,000", "1e400"])
    values, errors = parse_amount_column(texts)
    assert values.iloc[0] == 1.0 and pd.isna(values.iloc[1]) and values.iloc[2] == 2e9
    assert values.iloc[5] == 3000.0
    assert sorted(errors) == [3, 4, 6]
    assert all(pd.isna(values.iloc[i]) for i in errors)


@pytest.mark.parametrize("text", ["-0", "-0.0", "+5", "1.7e308", "1e16", "١٢", "５", "-inf"])
def test_signs_huge_amounts_and_other_digits_are_refused(text):
    with pytest.raises(AmountError):
        parse_amount(text)


def test_the_column_path_and_parse_amount_agree():
    """Arrow reads plain numbers in bulk, `parse_amount` the rest: on any text they must give
    the same value or the same error (Arrow once let `-0` and `+5` through)."""
    rng = random.Random(5)
    alphabet = "0123456789.,e+-$ BbMmkT"
    texts = ["-0", "+5", "5.", ".5e3", "1e15", "1e15.5", "nan", "inf", "1e-400", "0x1"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    values, errors = parse_amount_column(pd.Series(texts))
    for pos, text in enumerate(texts):
        try:
            expected = parse_amount(text.strip())  # the column path quotes cells stripped
        except AmountError as exc:
            assert errors.get(pos) == str(exc), text
            continue
        assert pos not in errors, (text, errors.get(pos))
        assert values.iloc[pos] == expected or (expected is None and pd.isna(values.iloc[pos]))
