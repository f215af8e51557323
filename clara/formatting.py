"""Money and counts shown the way the reader's language writes them.

French (the default): "14 350 €", "275 K€", "1,3 M€", "85 %": digits are grouped by a narrow
no-break space (U+202F) and the unit follows a no-break space (U+00A0), as in the CLDR French
locale, so a figure never wraps inside a table cell.

English (pages under /en/): "€14,350", "€275K", "€1.3M", "85%".
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language

THOUSANDS_SEPARATOR = "\u202f"  # narrow no-break space
UNIT_SEPARATOR = "\u00a0"  # no-break space
DECIMAL_SEPARATOR = ","

_CENT = Decimal("0.01")
_UNIT = Decimal("1")
_TENTH = Decimal("0.1")


def _group_thousands(digits: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return THOUSANDS_SEPARATOR.join(groups)


def _english() -> bool:
    return (get_language() or "fr").startswith("en")


def _french_number(value: Decimal, places: int) -> str:
    """`value` (already rounded to `places`) with grouped digits and a decimal comma (in
    English: grouped by commas, with a decimal point)."""
    sign = "-" if value < 0 else ""
    text = f"{abs(value):.{places}f}"
    integer, _, fraction = text.partition(".")
    if _english():
        result = sign + f"{int(integer):,}"
        return f"{result}.{fraction}" if fraction else result
    result = sign + _group_thousands(integer)
    return f"{result}{DECIMAL_SEPARATOR}{fraction}" if fraction else result


def _euros(number: str, suffix: str = "") -> str:
    """"€1.3M" in English, "1,3 M€" in French."""
    if _english():
        sign, digits = ("-", number[1:]) if number.startswith("-") else ("", number)
        return f"{sign}€{digits}{suffix}"
    return f"{number}{UNIT_SEPARATOR}{suffix}€"


def format_euros(value: Decimal | int) -> str:
    """An amount in full: "14 350 €"; cents only when there are some: "1 234,50 €"."""
    amount = Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)
    places = 0 if amount == amount.to_integral_value() else 2
    return _euros(_french_number(amount, places))


def format_euros_short(value: Decimal | int) -> str:
    """A headline amount: below 100 000 € in full ("14 350 €"), then in thousands
    ("275 K€"), from a million in millions with one decimal ("1,3 M€", "2 M€")."""
    amount = Decimal(value)
    magnitude = abs(amount)
    if magnitude < 100_000:
        return format_euros(amount.quantize(_UNIT, rounding=ROUND_HALF_UP))
    thousands = (amount / 1000).quantize(_UNIT, rounding=ROUND_HALF_UP)
    if abs(thousands) < 1000:
        return _euros(_french_number(thousands, 0), "K")
    millions = (amount / 1_000_000).quantize(_TENTH, rounding=ROUND_HALF_UP)
    places = 0 if millions == millions.to_integral_value() else 1
    return _euros(_french_number(millions, places), "M")


def format_number(value: Decimal | int) -> str:
    """A count with grouped digits: "3 300"."""
    return _french_number(Decimal(value).quantize(_UNIT, rounding=ROUND_HALF_UP), 0)


def format_figure(value: Decimal | int, unit: str) -> str:
    """A key figure as the activity report prints it, by its unit (see clara.selectors)."""
    if unit == "eur":
        return format_euros_short(value)
    if unit == "rating":
        return f"{_french_number(Decimal(value).quantize(_TENTH, rounding=ROUND_HALF_UP), 1)}/5"
    if unit == "percent":
        return f"{format_number(value)}{'' if _english() else UNIT_SEPARATOR}%"
    return format_number(value)
