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


def test_english_pages_write_amounts_the_english_way():
    from decimal import Decimal

    from django.utils import translation

    from clara.formatting import format_euros, format_euros_short, format_figure

    with translation.override("en"):
        assert format_euros(Decimal("14350")) == "€14,350"
        assert format_euros(Decimal("1234.5")) == "€1,234.50"
        assert format_euros(Decimal("-40000")) == "-€40,000"
        assert format_euros_short(Decimal("275000")) == "€275K"
        assert format_euros_short(Decimal("1300000")) == "€1.3M"
        assert format_figure(Decimal("85"), "percent") == "85%"
        assert format_figure(Decimal("4.46"), "rating") == "4.5/5"
    with translation.override("fr"):
        assert format_euros_short(Decimal("1300000")) == "1,3\u00a0M€"
