"""The staff's ranking page of a call, inside the admin (`admin.site.admin_view`: staff with a
second factor), and its CSV/XLSX exports. Reads only, through `programmes.ranking`."""

import logging

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from clara.security_log import PERSONAL_DATA_EXPORT, security_event
from programmes import ranking
from programmes.models import Application, Call

DECIDABLE = {Application.Status.UNDER_REVIEW, Application.Status.AUDITION}


def call_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm("programmes.view_application"):
        raise PermissionDenied
    call = Call.objects.select_related("programme", "track").filter(pk=pk).first()
    if call is None:
        raise Http404(_("Cet appel n'existe pas."))
    sort = request.GET.get("o", ranking.DEFAULT_SORT)
    if sort.lstrip("-") not in ranking.SORTS:
        sort = ranking.DEFAULT_SORT
    rows = ranking.call_ranking(call=call, sort=sort)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        # Applicants' names and scores: a personal-data export.
        security_event(
            PERSONAL_DATA_EXPORT, "export: ranking of call %s, %d rows (%s)", call.pk,
            len(rows), export, level=logging.INFO, request=request,
            model="programmes.application", rows=len(rows), call_id=call.pk, format=export,
        )
    if export == "csv":
        return ranking.ranking_csv(call=call, rows=rows)
    if export == "xlsx":
        return ranking.ranking_xlsx(call=call, rows=rows)
    may_decide = (request.user.has_perm("programmes.add_decision")
                  and request.user.has_perm("funding.add_award"))
    columns = [
        {"key": key, "label": label,
         "sort": f"-{key}" if sort == key else key,
         "active": sort.lstrip("-") == key, "descending": sort == f"-{key}"}
        for key, (_getter, label) in ranking.SORTS.items()
    ]
    for row in rows:
        row.may_decide = may_decide and row.application.status in DECIDABLE
    context = {
        **admin.site.each_context(request),
        "title": _("Classement — %(call)s") % {"call": call},
        "call": call,
        "rows": rows,
        "columns": columns,
        "sort": sort,
        "call_url": reverse("admin:programmes_call_change", args=[call.pk]),
        "awarded_total": sum((r.awarded for r in rows if r.awarded is not None), 0),
    }
    return render(request, "admin/programmes/call_ranking.html", context)
