from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from clara.publiccache import public_cache


@public_cache
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "clara/home.html")


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
