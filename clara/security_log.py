"""The security events, on the `clara.security` logger (README "Exploitation / Operations"):
failed logins and lockouts (clara/accounts/login_lockout.py), refused permissions
(`clara.middleware.PermissionDeniedLogMiddleware`) and exports of personal data (the admin's
spreadsheet exports, the ranking of a call).

Each line names the event (`event`), the user by id, the client address and the path; an
e-mail address only masked, a password never.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("clara.security")

LOGIN_FAILED = "login_failed"
LOGIN_SUCCEEDED = "login_succeeded"
LOGIN_LOCKED_OUT = "login_locked_out"
PERMISSION_DENIED = "permission_denied"
PERSONAL_DATA_EXPORT = "personal_data_export"
CSRF_FAILURE = "csrf_failure"


def request_user_id(request) -> int | None:
    """The id of the request's user, if it is logged in."""
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def security_event(event: str, message: str, *args, level: int = logging.WARNING,
                   request=None, **fields) -> None:
    """Log one security event: `message % args` for reading, `event` and `fields` for search."""
    if request is not None:
        from clara.accounts.login_lockout import client_ip

        fields.setdefault("ip", client_ip(request))
        fields.setdefault("path", request.path)
        fields.setdefault("user_id", request_user_id(request))
    logger.log(level, message, *args, extra={"event": event, **fields})
