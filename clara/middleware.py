"""Project middleware."""

from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation

# Addresses outside `i18n_patterns`: they have no language prefix and follow the browser's
# language (or the language chosen through /i18n/setlang/).
UNPREFIXED = ("/admin/", "/i18n/", "/favicon.ico")


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's, except for the addresses outside `i18n_patterns`.

    With `prefix_default_language=False` Django serves every address without a prefix in the
    default language, the admin's too; staff reading English keep the admin in English.
    """

    def process_request(self, request):
        if request.path_info.startswith(UNPREFIXED):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)


class PermissionDeniedLogMiddleware:
    """Logs every refused permission (`PermissionDenied` raised by a view, the admin's refusal
    of an account that is not staff among them) as a security event; Django then answers 403
    as usual."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied

        from clara.security_log import PERMISSION_DENIED, security_event

        if isinstance(exception, PermissionDenied):
            security_event(
                PERMISSION_DENIED, "permission denied: %s %s", request.method, request.path,
                request=request, method=request.method,
            )
        return None


# How long a client should wait before trying again after a database outage (seconds).
DATABASE_RETRY_AFTER = 30


def database_unavailable_response(request=None):
    """The 503 page of a database outage, in the active language, without the site's layout
    (its menu and footer read the database) and without any detail of the error."""
    from django.http import HttpResponse
    from django.template.loader import render_to_string

    response = HttpResponse(render_to_string("503.html", {"retry_after": DATABASE_RETRY_AFTER}),
                            status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def is_database_unavailable(exception: BaseException | None) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(exception, (OperationalError, InterfaceError))


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database (`OperationalError`, `InterfaceError`) answers the
    503 page with `Retry-After`, never a stack trace; the error is logged. The same errors
    raised by a middleware reach `clara.views.server_error` (handler500), which answers the
    same page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        import logging

        logging.getLogger("clara.database").error(
            "database unavailable: %s", type(exception).__name__, exc_info=exception)
        return database_unavailable_response(request)
