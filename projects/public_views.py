"""The public pages of funded projects: `/projets/` and `/projets/<id>/` (English under
/en/). What they show of each record is the public representation of `clara/public.py`:
the principal investigator is named only with their recorded consent, amounts are the
award and the co-funders' shares (public money), outcomes without who recorded them."""

import csv
import io

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clara.formatting import format_euros
from clara.middleware import is_database_unavailable
from clara.public import person_public_name, representation_of
from clara.publiccache import public_cache
from clara.spreadsheets.resources import escape_formula
from projects.models import Outcome
from projects.search import MAX_PAGE, PER_PAGE, Filters, Rows, figure_behind, project_search_result
from projects.selectors import funded_project_public


def _cell(column, record):
    value = column.value(record)
    if value is None or value == 0:  # no jobs, no amount: a publication's row says nothing
        return ""
    return format_euros(value) if column.money else value


FACET_LABELS = {"programme": _("Programme"), "clef": _("Clef d'entrée"),
                "annee": _("Année de décision"), "site": _("Site"),
                "domaine": _("Domaine d'innovation"), "financeur": _("Cofinanceur"),
                "statut": _("Statut")}
SORT_LABELS = {"recent": _("Les plus récents"), "name": _("Par nom"),
               "amount": _("Par montant")}
# The download of a list: its rows, at most this many (a list bigger than that is narrowed).
MAX_DOWNLOAD = 5000


@public_cache
def project_list(request):
    filters = Filters.from_query(request.GET)
    result = project_search_result(filters)
    facets = result.facets
    download = request.GET.get("format")
    if download in ("csv", "json"):
        return _download(result.projects[:MAX_DOWNLOAD], download)
    # The number is known (no COUNT query); a page's rows are read by their keys.
    paginator = Paginator(Rows(result, filters), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    for facet in facets:
        facet.title = FACET_LABELS[facet.key]
        for choice in facet.choices:
            choice["url"] = "?" + filters.as_query(**{facet.key: None if choice["selected"]
                                                      else choice["value"]})
    behind = figure_behind(filters)
    return render(request, "projects/public_list.html", {
        "page_obj": page, "filters": filters, "facets": facets, "count": result.count,
        # Beyond MAX_PAGE pages the list is not paginated further: narrow it.
        "truncated": result.count > PER_PAGE * MAX_PAGE and page.number == MAX_PAGE,
        "figure_label": behind[0] if behind else None,
        "figure_clear_url": "?" + filters.as_query(chiffre=None, exercice=None),
        "sorts": [{"value": k, "label": v, "selected": k == filters.sort}
                  for k, v in SORT_LABELS.items()],
        "query_string": filters.as_query(),
    })


def _rows(projects):
    for project in projects:
        application = project.award.application
        yield {
            "id": project.pk,
            "name": project.name,
            "programme": application.call.programme.name,
            "call": application.call.title,
            "site": project.site.name if project.site else "",
            "start_date": project.start_date.isoformat() if project.start_date else "",
            "decided_on": timezone.localtime(project.award.decided_at).date().isoformat(),
            "amount_eur": str(project.award.amount),
            "url": reverse("funded:detail", args=[project.pk]),
        }


def _download(projects, kind):
    """The list as shown, as CSV (French spreadsheet conventions like the key figures: UTF-8
    with BOM, `;`, decimal comma) or JSON (numbers as strings, dates ISO)."""
    rows = list(_rows(projects.select_related(None).select_related(
        "site", "award__application__call__programme")))
    if kind == "json":
        response = JsonResponse({"count": len(rows), "projects": rows},
                                json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = 'attachment; filename="projets-finances.json"'
        return response
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    headers = [str(h) for h in (_("identifiant"), _("projet"), _("programme"), _("appel"),
                                _("site"), _("début"), _("décision"), _("montant (euros)"),
                                _("adresse"))]
    writer.writerow(headers)
    for row in rows:
        values = list(row.values())
        values[7] = values[7].replace(".", ",")
        writer.writerow([escape_formula(v) if isinstance(v, str) else v for v in values])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="projets-finances.csv"'
    return response


@public_cache
def project_detail(request, pk):
    try:
        project = funded_project_public(pk=pk)
    except Exception as error:  # noqa: BLE001 - DoesNotExist, or a pk beyond the column's range
        if is_database_unavailable(error):
            raise  # the 503 page (clara.middleware), not "no such project"
        raise Http404 from None
    application = project.award.application
    outcomes = representation_of(Outcome)
    columns = [c for c in outcomes.columns if str(c.header) != str(outcomes.columns[0].header)]
    identifier = next((c for c in columns if str(c.header) == str(_("Identifiant"))), None)
    return render(request, "projects/public_detail.html", {
        "project": project, "application": application,
        "investigator": person_public_name(application.principal_investigator),
        # Co-applicants are named only with their consent; the others are counted.
        "co_applicants": [name for p in application.co_applicants.all()
                          if (name := person_public_name(p))],
        "co_applicants_unnamed": sum(1 for p in application.co_applicants.all()
                                     if person_public_name(p) is None),
        "teams": list(application.teams.all()),
        "companies": list(application.partner_companies.all()),
        "events": list(application.call.info_sessions.all()),
        "contributions": list(project.award.contributions.all()),
        "statuses": list(project.year_statuses.all()),
        "outcome_headers": [c.header for c in columns],
        "outcome_rows": [[{"text": _cell(c, o),
                           "url": o.identifier_url if c is identifier else None}
                          for c in columns] for o in project.outcomes.all()],
    })
