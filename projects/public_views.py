"""The public pages of funded projects: `/projets/` and `/projets/<id>/` (English under
/en/). What they show of each record is the public representation of `clara/public.py`:
the principal investigator is named only with their recorded consent, amounts are the
award and the co-funders' shares (public money), outcomes without who recorded them."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from clara.formatting import format_euros
from clara.public import person_public_name, representation_of
from clara.publiccache import public_cache
from projects.models import Outcome
from projects.selectors import funded_project_list_public, funded_project_public

PER_PAGE = 25


def _cell(column, record):
    value = column.value(record)
    if value is None or value == 0:  # no jobs, no amount: a publication's row says nothing
        return ""
    return format_euros(value) if column.money else value


@public_cache
def project_list(request):
    paginator = Paginator(funded_project_list_public(), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "projects/public_list.html", {"page_obj": page})


@public_cache
def project_detail(request, pk):
    try:
        project = funded_project_public(pk=pk)
    except Exception:  # noqa: BLE001 - DoesNotExist, or a pk beyond the column's range
        raise Http404 from None
    application = project.award.application
    outcomes = representation_of(Outcome)
    columns = [c for c in outcomes.columns if str(c.header) != str(outcomes.columns[0].header)]
    return render(request, "projects/public_detail.html", {
        "project": project, "application": application,
        "investigator": person_public_name(application.principal_investigator),
        "contributions": list(project.award.contributions.all()),
        "statuses": list(project.year_statuses.all()),
        "outcome_headers": [c.header for c in columns],
        "outcome_rows": [[_cell(c, o) for c in columns] for o in project.outcomes.all()],
    })
