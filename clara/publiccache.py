"""Public pages served from a cache that any change of the records invalidates.

Every cached page is stored under the current *records version*, a token in the "public"
cache. Saving or deleting any record of the domain apps gives a new token, once at once (so the
same request, or test, sees its own change) and once more after the transaction commits (so a
page computed by another request from the data before the commit is never served again). The
next request after a change therefore computes the page afresh; a repeated view of an unchanged
page reads two cache entries and runs no query.

A page that changes with the clock alone (a call's page says "open" until its closing second)
sets `response.public_cache_until`: it is kept only until that moment (`cache_timeout`).

Only anonymous visitors (no session cookie) are served from the cache: staff see links to the
admin on the same pages. Only views decorated with `public_cache` are stored, only successful
answers without cookies, and only for addresses without a query string other than `?page=N`
(arbitrary query strings would fill the cache).

Writes that bypass model signals (`bulk_create`, `QuerySet.update`, the demo loader, bulk
imports) call `records_changed()` themselves.

The "public" cache must be shared by the processes that serve the site: the default is a
per-process memory cache under `DEBUG` (runserver is one process) and a directory of files
otherwise (`PUBLIC_CACHE_URL`, e.g. `filecache:///var/cache/clara` or `dbcache://clara_cache`).
"""

from __future__ import annotations

import hashlib
import math
import re
import uuid
from functools import wraps

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone

ALIAS = "public"
VERSION_KEY = "records-version"
DOMAIN_APPS = ("network", "programmes", "funding", "projects", "events")
CACHEABLE_QUERY = re.compile(r"^(page=\d{1,6})?$")
# Seconds a page is kept; a change of the records makes it unreachable before that.
TIMEOUT = 24 * 3600


def _cache():
    return caches[ALIAS]


def _new_version() -> str:
    version = uuid.uuid4().hex
    _cache().set(VERSION_KEY, version, None)
    return version


def records_version() -> str:
    return _cache().get(VERSION_KEY) or _new_version()


def records_changed(*, using: str | None = None, **_signal_kwargs) -> None:
    """Make every cached public page stale, now and when the current transaction of the
    database `using` (the signal's, else the default) commits: a page computed meanwhile
    from the old rows is never served after the commit."""
    _new_version()
    transaction.on_commit(_new_version, using=using)


def connect_signals() -> None:
    """Any save or delete of a record of the domain apps invalidates the public pages."""
    for model in apps.get_models():
        if model._meta.app_label in DOMAIN_APPS:
            uid = f"publiccache-{model._meta.label_lower}"
            post_save.connect(records_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(records_changed, sender=model, dispatch_uid=f"{uid}-delete")
    m2m_changed.connect(records_changed, dispatch_uid="publiccache-m2m")


def public_cache(view):
    """Mark a view's successful answers as the same for every anonymous visitor."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.public_cacheable = True
        return response

    return wrapper


def cache_timeout(response, now=None) -> int:
    """Seconds to keep `response`: `TIMEOUT`, or fewer when its view set
    `response.public_cache_until`, the moment its page changes by itself although no record
    did (a call opening or closing). Whole seconds rounded down, less one: the cache backends
    count in seconds from when they store it, a moment later, and the page must never be
    served at or after that moment. 0 (not stored) when less than two seconds are left."""
    until = getattr(response, "public_cache_until", None)
    if until is None:
        return TIMEOUT
    remaining = (until - (now or timezone.now())).total_seconds()
    return max(0, min(TIMEOUT, math.floor(remaining) - 1))


def _key(request, version: str) -> str:
    path = request.get_full_path()
    return f"page:{version}:{hashlib.sha256(path.encode()).hexdigest()}"


class PublicPageCacheMiddleware:
    """Serve and store the pages of `public_cache` views for anonymous visitors.

    It sits right after WhiteNoise, before the session, locale and CSP middleware: a stored
    page is answered with the headers those gave it the first time (language, CSP, frame and
    type options), without running them again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._eligible(request):
            return self.get_response(request)
        cache = _cache()
        version = records_version()
        key = _key(request, version)
        stored = cache.get(key)
        if stored is not None:
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Public-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if (
            getattr(response, "public_cacheable", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and (timeout := cache_timeout(response)) > 0
        ):
            cache.set(key, (response.status_code, list(response.items()), response.content),
                      timeout)
            response["X-Public-Cache"] = "miss"
        return response

    @staticmethod
    def _eligible(request) -> bool:
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and CACHEABLE_QUERY.match(request.META.get("QUERY_STRING", "")) is not None
        )
