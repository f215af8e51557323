"""Time-based one-time passwords (RFC 6238, the codes of authenticator apps), computed the way
django-allauth checks them (SHA-1, MFA_TOTP_DIGITS digits every MFA_TOTP_PERIOD seconds).

Only the development commands use it: `demo_staff_totp` prints the current code of the demo
staff account, so that a developer needs no authenticator app.
"""

import base64
import hashlib
import hmac
import struct
import time

from allauth.mfa import app_settings


def totp_code(secret: str, at: float | None = None) -> str:
    """The code of base-32 `secret` at Unix time `at` (now by default)."""
    counter = int(time.time() if at is None else at) // app_settings.TOTP_PERIOD
    key = base64.b32decode(secret, casefold=True)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10 ** app_settings.TOTP_DIGITS:0{app_settings.TOTP_DIGITS}d}"
