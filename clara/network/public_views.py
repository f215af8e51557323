"""The public pages of partners and funders: `/partenaires/` and `/partenaires/<id>/`
(English under /en/). What they show, and which organisations have a page, is decided in
`clara.network.public_selectors`: funded projects only, teams named, people never."""

from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clara.formatting import format_euros
from clara.network.models import Organisation
from clara.network.public_selectors import (
    NO_SITE,
    PartnerFilters,
    funder_list_public,
    organisation_projects_public,
    organisation_public,
    organisation_teams_by_project,
    partner_list_public,
)
from clara.publiccache import public_cache

PARTNERS_PER_PAGE = 100
PROJECTS_PER_PAGE = 25
NO_SITE_LABEL = _("Hors des quatre sites")


def funder_projects_url(funder_pk: int) -> str:
    """The public list of funded projects filtered by this co-funder."""
    query = QueryDict(mutable=True)
    query["financeur"] = str(funder_pk)
    return f"{reverse('funded:list')}?{query.urlencode()}"


def _safe_website(url: str) -> str:
    # Imports bypass the model's validators: only ever link to a web address.
    return url if url.lower().startswith(("https://", "http://")) else ""


@public_cache
def partner_list(request):
    funders = [
        {"funder": funder, "kind": funder.get_kind_display(),
         "projects_count": funder.projects_count,
         "total": format_euros(funder.contributions_total),
         "projects_url": funder_projects_url(funder.pk)}
        for funder in funder_list_public()
    ]
    listing = partner_list_public(PartnerFilters.from_query(request.GET))
    filters = listing.filters
    for choice in listing.sites:
        if choice.value == NO_SITE:
            choice.label = NO_SITE_LABEL
        choice.url = "?" + filters.as_query(site=None if choice.selected else choice.value)
    for choice in listing.kinds:
        choice.url = "?" + filters.as_query(type=None if choice.selected else choice.value)
    page = Paginator(listing.partners, PARTNERS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for partner in page.object_list:
        partner.site_label = partner.site.name if partner.site else NO_SITE_LABEL
    return render(request, "partners/partner_list.html", {
        "funders": funders, "page_obj": page, "filters": filters,
        "site_choices": listing.sites, "kind_choices": listing.kinds,
        "query_string": filters.as_query(),
    })


@public_cache
def partner_detail(request, pk):
    try:
        organisation = organisation_public(pk=pk)
    except Organisation.DoesNotExist:  # unknown, not public, or beyond the column's range
        raise Http404 from None
    paginator = Paginator(organisation_projects_public(organisation), PROJECTS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    teams = organisation_teams_by_project(organisation, page.object_list)
    rows = [{"project": project, "application": project.award.application,
             "teams": teams.get(project.pk, []), "as_company": project.as_company}
            for project in page.object_list]
    funder = getattr(organisation, "funder", None)
    is_funder = funder is not None and organisation.funder_projects_count
    return render(request, "partners/partner_detail.html", {
        "organisation": organisation, "page_obj": page, "rows": rows,
        "website": _safe_website(organisation.website),
        "funder": funder if is_funder else None,
        "funder_total": format_euros(organisation.funder_total) if is_funder else "",
        "funder_projects_url": funder_projects_url(funder.pk) if is_funder else "",
    })
