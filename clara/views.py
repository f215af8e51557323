from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from clara.publiccache import public_cache


@public_cache
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "clara/home.html")


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: with the manifest storage the hashed name exists only after
    # collectstatic, so it cannot be computed when the URLs are imported.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
