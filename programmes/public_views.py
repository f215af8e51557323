"""The public calls pages: `/appels/` and one page per call. They only read, through
`programmes.selectors`.

Both are served from the public cache (`clara.publiccache`), but only until the next moment
one of their calls opens or closes (`response.public_cache_until`): a page says "open" and
shows the button to apply until the closing second, and no cached copy outlives that second.
Any change of the records makes them stale as for the other public pages.
"""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from clara.publiccache import public_cache
from programmes.models import Call
from programmes.selectors import (
    CLOSED_CALLS_PER_PAGE,
    call_changes_at,
    call_detail_public,
    call_list_public,
)


@public_cache
def call_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    calls = call_list_public(now)
    page = Paginator(calls.closed, CLOSED_CALLS_PER_PAGE).get_page(request.GET.get("page"))
    response = render(request, "programmes/call_list.html", {
        "open_calls": calls.open,
        "upcoming_calls": calls.upcoming,
        "page": page,
        # Open and upcoming calls head the first page; the next ones list older closed calls.
        "first_page": page.number == 1,
    })
    response.public_cache_until = calls.changes_at
    return response


@public_cache
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    try:
        call = call_detail_public(slug)
    except Call.DoesNotExist:
        raise Http404(_("Cet appel à projets n'existe pas.")) from None
    response = render(request, "programmes/call_detail.html", {
        "call": call,
        "is_open": call.is_open(now),
        "is_upcoming": now < call.opens_at,
    })
    response.public_cache_until = call_changes_at(call, now)
    return response
