"""Amounts typed the way people write them, read into the field's unit."""

import pytest

from kechuang.domain.money import parse_amount


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        ("300万", "yuan", 3_000_000),
        ("300 万元", "yuan", 3_000_000),
        ("1.2亿", "yuan", 120_000_000),
        ("¥2,400,000", "yuan", 2_400_000),
        ("2,400,000元", "yuan", 2_400_000),
        ("2.4M", "yuan", 2_400_000),
        ("1500000", "yuan", 1_500_000),
        ("300", "wan", 300),
        ("300万", "wan", 300),
        ("3,000,000元", "wan", 300),
        ("", "yuan", None),
        ("  ", "wan", None),
    ],
)
def test_amounts_are_read_in_the_fields_unit(raw, unit, expected):
    assert parse_amount(raw, unit) == expected


@pytest.mark.parametrize("raw", ["很多", "300万万", "1e9", "-5", "NaN", "inf", "3.2.1", "万"])
def test_unreadable_or_negative_amounts_are_refused(raw):
    with pytest.raises(ValueError):
        parse_amount(raw)


def test_absurd_amounts_are_refused():
    with pytest.raises(ValueError):
        parse_amount("999999999亿")
