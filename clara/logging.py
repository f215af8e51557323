"""Logs for the operators: one JSON object per line (LOG_FORMAT=json, the default when DEBUG is
off) or readable text (LOG_FORMAT=text, the default under DEBUG), each line carrying the id of
the request it belongs to; one access line per request; error reporting to a Sentry-compatible
service when SENTRY_DSN is set (README "Exploitation / Operations").

Standard library only. Lines never carry a password, a full e-mail address or a session
cookie: the user is named by their id, an address is masked (`mask_email`).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

# The request being served by this thread or task: its id, path and method.
request_context: ContextVar[dict | None] = ContextVar("clara_request_context", default=None)

# A request id offered by a reverse proxy (X-Request-ID) is kept when it is short and plain;
# anything else is replaced, so that a client cannot write into the logs.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# The attributes every LogRecord has; anything else on a record came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message", "asctime", "taskName",
}
# Never written, whatever a caller passes in `extra=`.
_NEVER_LOGGED = frozenset({"password", "email", "credentials", "request"})

access_logger = logging.getLogger("clara.request")


def mask_email(value: str | None) -> str | None:
    """`c***@example.org` for `claire.martin@example.org`; `***` for anything that is not an
    address (a password typed into the e-mail field must not reach the logs)."""
    if not value:
        return None
    local, at, domain = str(value).strip().rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in value.strip()):
        return "***"
    return f"{local[0]}***@{domain}"


def current_request_id() -> str | None:
    context = request_context.get()
    return context["request_id"] if context else None


def _fields(record: logging.LogRecord) -> dict:
    """The request context of the record (when it was logged during a request) and its extras."""
    context = request_context.get() or {}
    fields = {
        "request_id": getattr(record, "request_id", None) or context.get("request_id"),
        "path": getattr(record, "path", None) or context.get("path"),
        "method": getattr(record, "method", None) or context.get("method"),
    }
    for key, value in vars(record).items():
        if key not in _RECORD_ATTRIBUTES and key not in _NEVER_LOGGED and key not in fields:
            fields[key] = value
    return {key: value for key, value in fields.items() if value is not None}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the request's
    id, path and method, the extras given to the call (status, duration_ms, user_id, event…)
    and the exception's traceback as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for development: time, level, logger, [request id], message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", None) or current_request_id() or "-"
        return super().format(record)


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING setting: every logger's lines to standard error, as JSON or as text."""
    formatter = "json" if log_format == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "clara.logging.JsonFormatter"},
            "text": {"()": "clara.logging.TextFormatter"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": formatter}},
        "root": {"handlers": ["console"], "level": level},
    }


def _user_id(request) -> int | None:
    """The user's id when the request already read its user (no query just for the log)."""
    user = request.__dict__.get("_cached_user")
    return user.pk if user is not None and user.is_authenticated else None


class RequestIdMiddleware:
    """Gives each request an id (a proxy's safe `X-Request-ID`, else a new one), which every
    log line written while it is served carries and the answer returns in `X-Request-ID`, and
    writes one access line per request (status, duration, user id). The health check's
    successful answers are logged at DEBUG level only: the orchestrator asks every few
    seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if SAFE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_context.set(
            {"request_id": request_id, "path": request.path, "method": request.method})
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            quiet = request.path == "/healthz" and response.status_code == 200
            access_logger.log(
                logging.DEBUG if quiet else logging.INFO,
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"status": response.status_code, "duration_ms": duration_ms,
                       "user_id": _user_id(request)},
            )
            return response
        finally:
            request_context.reset(token)


def init_error_reporting(*, dsn: str, environment: str, traces_sample_rate: float) -> bool:
    """Send unhandled errors to a Sentry-compatible service (`pip install sentry-sdk`): no
    personal data (send_default_pii off), the request id as a tag. False, with a warning,
    when the package is not installed."""
    import warnings

    try:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        warnings.warn(
            "SENTRY_DSN is set but sentry-sdk is not installed (pip install sentry-sdk): "
            "errors are not reported.", RuntimeWarning, stacklevel=2)
        return False

    def add_request_id(event, hint):
        request_id = current_request_id()
        if request_id:
            event.setdefault("tags", {})["request_id"] = request_id
        return event

    sentry_sdk.init(
        dsn=dsn, environment=environment, integrations=[DjangoIntegration()],
        send_default_pii=False, traces_sample_rate=traces_sample_rate,
        before_send=add_request_id,
    )
    return True
