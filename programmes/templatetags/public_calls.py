"""Filters of the public calls pages."""

from django import template

from clara.formatting import format_euros

register = template.Library()


@register.filter
def euros(value) -> str:
    """An amount in full, the French way: "180 000 €"."""
    return "" if value is None or value == "" else format_euros(value)
