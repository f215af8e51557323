"""The public pages of events: `/evenements/` and `/evenements/<id>/` (English under /en/).

They only read, through `events.selectors`; what they show of each record is the public
representation of `clara/public.py` (speakers counted per profile and named only with their
consent, a poster's presenter likewise, surveys only in aggregate). The list shows top-level
events; sessions appear on their parent's page.

Both pages are cached like every public page, and the ones that tell upcoming from past events
only until the next midnight in Paris (`response.public_cache_until`), when an upcoming event
may become past with no change of the records.
"""

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clara.formatting import format_euros, format_figure
from clara.public import representation_of
from clara.publiccache import public_cache
from events.models import Event, Poster, Prize
from events.selectors import EventFilters, event_detail_public, event_list_public

PER_PAGE = 25
FACET_LABELS = {"type": _("Type d'événement"), "annee": _("Année")}


def _next_midnight(today: dt.date) -> dt.datetime:
    """The first instant of the day after `today`, in Europe/Paris (the current time zone)."""
    return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))


@public_cache
def event_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters = EventFilters.from_query(request.GET)
    events = event_list_public(filters, today=today)
    page = Paginator(events.past, PER_PAGE).get_page(request.GET.get("page"))
    facets = [events.kinds, events.years]
    for facet in facets:
        facet.title = FACET_LABELS[facet.key]
        for choice in facet.choices:
            choice["url"] = "?" + filters.as_query(**{facet.key: None if choice["selected"]
                                                      else choice["value"]})
    response = render(request, "events/public_list.html", {
        # Upcoming events head the first page; the next ones list older past events.
        "upcoming": list(events.upcoming) if page.number == 1 else [],
        "page_obj": page,
        "facets": facets,
        "filters": filters,
        "filters_label": " ".join(str(part) for part in (
            dict(Event.Kind.choices).get(filters.kind, ""), filters.year or "") if part),
        "query_string": filters.as_query(),
    })
    response.public_cache_until = _next_midnight(today)
    return response


def _cells(columns, record) -> list[tuple]:
    """(header, value) per public column, the header labelling the cell on phones."""
    return [(column.header, column.value(record)) for column in columns]


@public_cache
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        detail = event_detail_public(pk)
    except Event.DoesNotExist:
        raise Http404(_("Cet événement n'existe pas.")) from None
    event = detail.event
    today = timezone.localdate()
    poster_columns = representation_of(Poster).columns
    prize_columns = representation_of(Prize).columns
    survey = detail.survey
    response = render(request, "events/public_detail.html", {
        "event": event,
        "detail": detail,
        "is_upcoming": event.start_date >= today,
        "is_ongoing": event.start_date < today <= event.end_date,
        "award_amount": format_euros(event.award.amount) if event.award_id else "",
        "poster_headers": [c.header for c in poster_columns],
        "poster_rows": [(_cells(poster_columns, poster), presenter)
                        for poster, presenter in detail.posters],
        "prize_headers": [c.header for c in prize_columns],
        "prize_rows": [_cells(prize_columns, prize) for prize in detail.prizes],
        "survey_rating": (format_figure(survey.mean_rating, "rating")
                          if survey.mean_rating is not None else ""),
        "survey_recommend": (format_figure(survey.recommend_percent, "percent")
                             if survey.recommend_percent is not None else ""),
    })
    if event.end_date >= today:
        response.public_cache_until = _next_midnight(today)
    return response
