from decimal import Decimal

import pytest

from clara.formatting import format_euros, format_euros_short

NNBSP = "\u202f"  # thousands separator
NBSP = "\u00a0"  # before the unit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("14350"), f"14{NNBSP}350{NBSP}€"),
        (Decimal("14350.00"), f"14{NNBSP}350{NBSP}€"),
        (Decimal("0"), f"0{NBSP}€"),
        (Decimal("999"), f"999{NBSP}€"),
        (Decimal("1000"), f"1{NNBSP}000{NBSP}€"),
        (Decimal("1234.5"), f"1{NNBSP}234,50{NBSP}€"),
        (Decimal("1234.567"), f"1{NNBSP}234,57{NBSP}€"),
        (Decimal("1316000"), f"1{NNBSP}316{NNBSP}000{NBSP}€"),
        (Decimal("-2500"), f"-2{NNBSP}500{NBSP}€"),
        (6500, f"6{NNBSP}500{NBSP}€"),
    ],
)
def test_format_euros_groups_digits_the_french_way(value, expected):
    assert format_euros(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("14350"), f"14{NNBSP}350{NBSP}€"),
        (Decimal("6500.40"), f"6{NNBSP}500{NBSP}€"),
        (Decimal("99999.4"), f"99{NNBSP}999{NBSP}€"),
        (Decimal("100000"), f"100{NBSP}K€"),
        (Decimal("275000"), f"275{NBSP}K€"),
        (Decimal("751499"), f"751{NBSP}K€"),
        (Decimal("290500"), f"291{NBSP}K€"),
        (Decimal("999600"), f"1{NBSP}M€"),
        (Decimal("1316000"), f"1,3{NBSP}M€"),
        (Decimal("2000000"), f"2{NBSP}M€"),
        (Decimal("12350000"), f"12,4{NBSP}M€"),
        (Decimal("1250000000"), f"1{NNBSP}250{NBSP}M€"),
    ],
)
def test_format_euros_short_uses_k_and_m_for_headline_figures(value, expected):
    assert format_euros_short(value) == expected
