"""Staff report of the disbursements (inside the admin): per funder, what was committed,
paid, planned and what remains to pay. Reads only, through `funding.services`."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from funding.services import disbursement_report


def disbursement_report_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("funding.view_disbursement"):
        raise PermissionDenied
    rows = disbursement_report()
    totals = {key: sum((row[key] for row in rows if row[key] is not None), 0)
              for key in ("committed", "paid", "planned")}
    totals["to_pay"] = totals["committed"] - totals["paid"]
    context = {
        **admin.site.each_context(request),
        "title": _("Versements par financeur"),
        "rows": rows,
        "totals": totals,
    }
    return render(request, "admin/funding/disbursement_report.html", context)
