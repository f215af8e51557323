"""The open-data page, its downloads (SCDL CSV, 360Giving JSON) and, for staff, the rows an
export leaves out with what they miss. Thin: the period comes from the query string, the
files from `clara.opendata.exports`."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from clara.opendata import exports
from clara.opendata.selectors import Period, open_data_years
from clara.publiccache import public_cache


def _default_period(years: list[int]) -> Period | None:
    return Period(min(years), max(years)) if years else None


def _period(request, years: list[int]) -> Period | None:
    """The period asked for (`?annee=2025`, `?de=2023&a=2025`), every year with data when
    nothing is asked, None when there is none. Raises exports.PeriodError on bad input."""
    default = _default_period(years)
    params = request.GET
    asked = any(params.get(key) not in (None, "") for key in ("annee", "de", "a"))
    if default is None and not asked:
        return None
    return exports.period_from(
        year=params.get("annee"), first=params.get("de"), last=params.get("a"),
        default=default or Period(2000, 2000),
    )


def _api_docs_url() -> str:
    try:
        return reverse("api:docs")
    except NoReverseMatch:
        return "/api/docs/"


@public_cache
def data_page(request):
    years = open_data_years()
    return render(request, "opendata/data_page.html", {
        "years": years,
        "all_years": _default_period(years),
        "licence_url": exports.LICENCE_URL,
        "licence_name": exports.LICENCE_NAME,
        "api_docs_url": _api_docs_url(),
    })


def _bad_period(error) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


def scdl_download(request):
    try:
        period = _period(request, open_data_years())
    except exports.PeriodError as error:
        return _bad_period(error)
    if period is None:
        period = Period(2000, 2000)  # no award yet: a file with its header only
    text, _rows, _problems = exports.scdl_export(period)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.file_name("scdl", period)}"'
    )
    return response


def giving360_download(request):
    try:
        period = _period(request, open_data_years())
    except exports.PeriodError as error:
        return _bad_period(error)
    if period is not None:
        package, _problems = exports.giving360_export(
            period,
            access_url=request.build_absolute_uri(reverse("opendata:index")),
            download_url=request.build_absolute_uri(request.get_full_path()),
        )
        if package["grants"]:
            response = HttpResponse(
                json.dumps(package, ensure_ascii=False, indent=1),
                content_type="application/json; charset=utf-8",
            )
            response["Content-Disposition"] = (
                f'attachment; filename="{exports.file_name("360giving", period)}"'
            )
            return response
    # The standard refuses a package without grants: no file rather than an invalid one.
    return JsonResponse(
        {"detail": _("Aucun financement publiable pour cette période.")}, status=404,
        json_dumps_params={"ensure_ascii": False},
    )


@admin.site.admin_view
def problems_view(request):
    """Staff: the awards of a period that an export leaves out, and what each one misses."""
    years = open_data_years()
    try:
        period = _period(request, years)
    except exports.PeriodError as error:
        # A staff page: the message above every year's list, not a bare 400.
        messages.error(request, str(error))
        period = _default_period(years)
    scdl_problems, giving_problems, exported = [], [], 0
    if period is not None:
        _text, rows, scdl_problems = exports.scdl_export(period)
        package, giving_problems = exports.giving360_export(period)
        exported = len(rows)
        grants = len(package["grants"])
    else:
        grants = 0
    return render(request, "admin/opendata/problems.html", {
        **admin.site.each_context(request),
        "title": _("Données ouvertes : lignes non exportées"),
        "period": period,
        "years": years,
        "scdl_problems": scdl_problems,
        "giving_problems": giving_problems,
        "scdl_rows": exported,
        "giving_grants": grants,
    })
