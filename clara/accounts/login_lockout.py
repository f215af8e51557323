"""Login lockout (django-axes, QUALITY.md scenario 15): the client address it counts failures
by, the page a locked-out person sees, and one log line per login attempt.

Settings (clara/settings.py, README "Configuration"): AXES_FAILURE_LIMIT failures from one
address lock it out for AXES_COOLOFF_MINUTES; TRUSTED_PROXY_COUNT says how many reverse proxies
stand in front of Django.
"""

import ipaddress
import logging

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clara import security_log
from clara.logging import mask_email
from clara.security_log import security_event


def client_ip(request) -> str | None:
    """The address of the client (`AXES_CLIENT_IP_CALLABLE`).

    `REMOTE_ADDR`, unless `TRUSTED_PROXY_COUNT` reverse proxies stand in front of Django. Each
    of them appends the address it received the request from to `X-Forwarded-For`, so the
    client is the TRUSTED_PROXY_COUNT-th address from the right. Whatever the client wrote in
    the header itself stands further left and is never read: a forged header cannot move a
    client to another address, and without a trusted proxy the header is ignored altogether.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote_addr
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if not forwarded:
        return remote_addr
    # Fewer addresses than proxies: the request skipped a proxy; the left-most is the farthest
    # hop known.
    candidate = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def lockout_message(request) -> str:
    cool_off = get_cool_off(request)
    if cool_off is None:
        return _(
            "Trop de tentatives de connexion ont échoué depuis votre adresse : la connexion "
            "est bloquée. Contactez l'équipe CLARA pour la débloquer."
        )
    minutes = max(1, round(cool_off.total_seconds() / 60))
    return ngettext(
        "Trop de tentatives de connexion ont échoué depuis votre adresse : la connexion est "
        "bloquée pendant %(minutes)d minute. Réessayez ensuite ; chaque nouvelle tentative "
        "d'ici là prolonge le blocage.",
        "Trop de tentatives de connexion ont échoué depuis votre adresse : la connexion est "
        "bloquée pendant %(minutes)d minutes. Réessayez ensuite ; chaque nouvelle tentative "
        "d'ici là prolonge le blocage.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """The page of a locked-out login (`AXES_LOCKOUT_CALLABLE`), in the site's layout (the one
    login page, allauth's, is the site's; the admin's sends there)."""
    context = {"title": _("Connexion bloquée"), "message": lockout_message(request)}
    return render(
        request, "accounts/login_locked_out.html", context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


# --- One log line per attempt ------------------------------------------------------------
# django-axes records every attempt in the database (access logs for successes, access
# failure logs, attempts and lockouts, shown in the admin). These lines give the same events
# to the server's log (the `clara.security` logger, clara/security_log.py), with the address
# and the typed address masked (`c***@example.org`; `***` when it is not an address: a
# password is sometimes typed into it).


def _typed_address(credentials) -> str | None:
    credentials = credentials or {}
    return mask_email(credentials.get("email") or credentials.get("username"))


def log_login_failed(sender, credentials, request=None, **kwargs):
    ip = client_ip(request) if request is not None else None
    path = getattr(request, "path", None)
    email = _typed_address(credentials)
    security_event(
        security_log.LOGIN_FAILED, "login failed: ip=%s path=%s email=%s", ip, path, email,
        ip=ip, path=path, email_masked=email,
    )


def log_logged_in(sender, request, user, **kwargs):
    ip = client_ip(request) if request is not None else None
    path = getattr(request, "path", None)
    security_event(
        security_log.LOGIN_SUCCEEDED, "login succeeded: ip=%s path=%s user_id=%s",
        ip, path, user.pk, level=logging.INFO, ip=ip, path=path, user_id=user.pk,
    )


def log_locked_out(sender, request, username, ip_address, **kwargs):
    path = getattr(request, "path", None)
    email = mask_email(username)
    security_event(
        security_log.LOGIN_LOCKED_OUT, "login locked out: ip=%s path=%s email=%s",
        ip_address, path, email, ip=ip_address, path=path, email_masked=email,
    )
