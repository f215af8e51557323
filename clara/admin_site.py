"""The CLARA admin site: Django's, with changelists that refuse query values no database can
answer (QUALITY.md scenario 20), open to staff sessions that passed a second factor
(`ClaraAdminSite.has_permission`, QUALITY.md scenario 16).

Django's changelist turns the query string into ORM lookups. It already sends staff back to the
unfiltered list (`?e=1`) when a value does not fit its field ("abc" for a number), but these
values get through to the database driver and end in a 500:

- a NUL character: PostgreSQL text cannot hold one (psycopg refuses the query);
- an integer beyond 64 bits on an integer column or a foreign key: SQLite cannot even receive
  it (`OverflowError`), whatever the lookup (`site=`, `site__in=`, `priority__gte=`);
- a year, month or day beyond four digits on a date (the date hierarchy's `<field>__year=`, or
  `<field>__year=` typed by hand): Python's dates stop at 9999 and Django catches only the
  `ValueError`, not the `OverflowError`;
- a number beyond a decimal column's digits (`amount=1e999999`): PostgreSQL's numeric
  overflows;
- anything but an IP address compared with an IP address column (`ip_address=abc`, the
  login records): PostgreSQL's `inet` refuses it.

Django lets a hand-written URL filter on any field of the model itself, listed or not; those
lookups are checked the same way.

`ChangelistQueryGuardMixin` checks every filter value against the field it filters before
Django builds the query and answers such a value like any other malformed one: the unfiltered
list. The site adds the mixin to every ModelAdmin registered on it, the apps' and third-party
ones alike (`AdminConfig.default_site`, set in INSTALLED_APPS).
"""

import ipaddress
from decimal import Decimal, InvalidOperation
from functools import cache

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

# The widest integer column of any supported database is a signed 64-bit bigint.
INTEGER_LIMIT = 2**63
# Python's dates hold years 1 to 9999; months, days and the other parts are smaller.
DATE_PART_LIMIT = 10_000
DATE_PARTS = frozenset({
    "year", "iso_year", "quarter", "month", "week", "day", "week_day", "iso_week_day",
    "hour", "minute", "second",
})
# Lookups whose value is compared as the column's own type (not as text).
COMPARISONS = frozenset({"exact", "in", "gt", "gte", "lt", "lte", "range"})
INTEGER_TYPES = frozenset({
    "SmallIntegerField", "IntegerField", "BigIntegerField", "PositiveSmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "SmallAutoField", "AutoField",
    "BigAutoField",
})


def _compared_field(field):
    """The field whose values a lookup on `field` compares: a relation compares keys."""
    while field.is_relation and field.related_model is not None:
        target = field.target_field if isinstance(field, models.ForeignKey) else (
            field.related_model._meta.pk
        )
        if target is field:
            break
        field = target
    return field


def lookup_target(model, lookup: str):
    """(field, transforms and lookup) that a changelist parameter such as
    `award__decided_at__year` or `site__in` names; field None when the parameter names no field
    of `model` (a custom filter's own parameter, such as `chiffre`)."""
    opts, field = model._meta, None
    parts = lookup.split(LOOKUP_SEP)
    for index, part in enumerate(parts):
        if field is not None:
            if not field.is_relation or field.related_model is None:
                return _compared_field(field), parts[index:]
            opts = field.related_model._meta
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return (_compared_field(field) if field else None), parts[index:]
    return _compared_field(field), []


def _pieces(value: str):
    # `__in` and `__range` values are comma-separated; a comma in another value makes it
    # malformed for Django anyway.
    return value.split(",")


def _numbers(value: str, kind):
    for piece in _pieces(value):
        try:
            number = kind(piece)
        except (ValueError, InvalidOperation):
            continue  # not a number: Django's own validation answers it
        if kind is int or number.is_finite():
            yield number


def _is_ip_address(piece: str) -> bool:
    try:
        ipaddress.ip_address(piece.strip())
    except ValueError:
        return False
    return True


def malformed_filter_value(model, lookup: str, value) -> str | None:
    """Why the database could not be asked `lookup=value`, or None when it can (or when the
    value is wrong in a way Django itself reports)."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return f"{lookup}: NUL character"
    field, rest = lookup_target(model, lookup)
    if field is None:
        return None
    internal_type = field.get_internal_type()
    if internal_type == "SearchVectorField":
        # A stored full-text vector (PostgreSQL's `@@`; none on SQLite): no filter of staff.
        return f"{lookup}: a full-text vector is not a filter"
    compared = not rest or rest[-1] in COMPARISONS
    if DATE_PARTS.intersection(rest):
        numbers, limit = _numbers(value, int), DATE_PART_LIMIT
    elif internal_type in INTEGER_TYPES:
        numbers, limit = _numbers(value, int), INTEGER_LIMIT
    elif internal_type == "DecimalField" and compared:
        numbers = _numbers(value, Decimal)
        limit = Decimal(10) ** (field.max_digits - field.decimal_places)
    elif internal_type == "GenericIPAddressField" and compared:
        if not all(_is_ip_address(piece) for piece in _pieces(value)):
            return f"{lookup}: not an IP address"
        return None
    else:
        return None
    if any(abs(number) >= limit for number in numbers):
        return f"{lookup}: {value[:30]} is out of range"
    return None


class GuardedChangeListMixin:
    def get_filters(self, request):
        for lookup, values in self.get_filters_params().items():
            for value in values:
                problem = malformed_filter_value(self.model, lookup, value)
                if problem:
                    raise IncorrectLookupParameters(problem)
        return super().get_filters(request)


@cache
def guarded_changelist(changelist_class: type[ChangeList]) -> type[ChangeList]:
    return type(
        f"Guarded{changelist_class.__name__}", (GuardedChangeListMixin, changelist_class), {}
    )


class ChangelistQueryGuardMixin:
    """A ModelAdmin whose changelist answers a value its database cannot be asked (see the
    module docstring) with the unfiltered list (Django's `?e=1` redirect)."""

    def get_changelist(self, request, **kwargs):
        return guarded_changelist(super().get_changelist(request, **kwargs))


class ClaraAdminSite(admin.AdminSite):
    """Django's admin site, with the changelist guard above and the staff's second factor
    (QUALITY.md scenario 16): a staff session reaches the admin only once it has passed it
    (clara/accounts/mfa.py). There is one login page, allauth's: the admin's sends there."""

    def has_permission(self, request):
        # Imported here: this module is imported with INSTALLED_APPS, before any model.
        from clara.accounts.mfa import session_passed_mfa

        return super().has_permission(request) and session_passed_mfa(request)

    def login(self, request, extra_context=None):
        """Not a login form: anonymous visitors go to the site's login page, staff without a
        second factor in this session to the page that asks for it (or sets one up), and
        any other account is refused (a redirect to the login would send it straight back
        here)."""
        from django.contrib.auth.views import redirect_to_login

        from clara.accounts.mfa import (
            second_factor_message,
            second_factor_url,
            session_passed_mfa,
        )

        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, reverse("account_login"))
        if user.is_active and user.is_staff:
            if session_passed_mfa(request):
                return HttpResponseRedirect(next_url)
            messages.info(request, second_factor_message(request.user))
            return HttpResponseRedirect(second_factor_url(request, next_url))
        raise PermissionDenied

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, ChangelistQueryGuardMixin):
            admin_class = type(
                admin_class.__name__, (ChangelistQueryGuardMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)


class ClaraAdminConfig(AdminConfig):
    """`django.contrib.admin` with `ClaraAdminSite` as `admin.site`."""

    default_site = "clara.admin_site.ClaraAdminSite"
