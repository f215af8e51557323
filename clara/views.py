from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse

from clara.publiccache import public_cache

# The figures the home page shows for the last complete year, in this order.
HEADLINE_FIGURES = ("network.teams", "calls.applications", "awards.count", "awards.amount_eur")


@public_cache
def home(request: HttpRequest) -> HttpResponse:
    """What CLARA does, the calls open now and the next ones, the latest funded projects, the
    headline figures of the last complete year and the next events. Cached like every public
    page, never past the next moment a call opens or closes."""
    from django.utils import timezone

    from clara.formatting import format_figure
    from clara.keyfigures import selectors as keyfigures
    from clara.keyfigures.plurals import label_for
    from events.selectors import upcoming_events
    from programmes.selectors import call_list_public
    from projects.selectors import funded_project_list_public

    now = timezone.now()
    calls = call_list_public(now)
    this_year = timezone.localdate().year
    from clara.keyfigures.publication import published_years

    # The headline figures are those of the last complete year whose figures are published.
    published = set(published_years())
    years = [y for y in keyfigures.years_with_records() if y < this_year and y in published]
    figures = []
    if years:
        catalogue = keyfigures.figure_catalogue()
        values = keyfigures.key_figures_for_year(years[0], catalogue)
        for key in HEADLINE_FIGURES:
            figure = catalogue[key]
            figures.append({"display": format_figure(values[key], figure.unit),
                            "label": label_for(figure, values[key]),
                            "url": reverse("keyfigures:records", args=[years[0], key])})
    response = render(request, "clara/home.html", {
        "open_calls": calls.open[:4], "upcoming_calls": calls.upcoming[:2],
        "projects": list(funded_project_list_public().order_by("-award__decided_at", "-pk")[:4]),
        "figures_year": years[0] if years else None, "figures": figures,
        "events": upcoming_events(3),
    })
    # Kept until a call opens or closes, or the next midnight (an event becomes past).
    import datetime as dt

    midnight = timezone.make_aware(dt.datetime.combine(
        timezone.localdate(now) + dt.timedelta(days=1), dt.time.min))
    response.public_cache_until = min(filter(None, (calls.changes_at, midnight)))
    return response


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Public pages are open to crawlers; accounts, the applicant's and reviewer's spaces and
    the admin are not. The sitemap's address is absolute, as the protocol asks."""
    lines = ["User-agent: *"]
    for prefix in ("", "/en"):
        lines += [f"Disallow: {prefix}/mon-espace/", f"Disallow: {prefix}/comptes/",
                  f"Disallow: {prefix}/evaluations/"]
    lines += ["Disallow: /admin/", "",
              f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: with the manifest storage the hashed name exists only after
    # collectstatic, so it cannot be computed when the URLs are imported.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the database outage page when the error is the database's (raised by a
    middleware, before `DatabaseUnavailableMiddleware` could see it), else Django's 500 page."""
    import sys

    from django.views import defaults

    from clara.middleware import database_unavailable_response, is_database_unavailable

    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent without a valid token (usually a page left open past the
    session's end, or cookies refused) gets a page in the site's layout and language that
    says what to do, status 403; the refusal is a security event (`csrf_failure`)."""
    import logging

    from clara.security_log import CSRF_FAILURE, security_event

    security_event(CSRF_FAILURE, "CSRF check failed: %s", reason, level=logging.WARNING,
                   request=request, method=request.method, reason=reason)
    return render(request, "403_csrf.html", status=403)
