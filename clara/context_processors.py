"""Template context shared by the public pages."""

from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language


def language_links(request) -> dict:
    """The address of the current page in each language (`/…` in French, `/en/…` in English),
    so that switching language is a plain link: no form, no CSRF token, cacheable pages."""
    if request is None:
        return {}
    current = get_language()
    path = request.get_full_path()
    return {
        "language_links": [
            {"code": code, "name": name, "url": translate_url(path, code),
             "current": code == current}
            for code, name in settings.LANGUAGES
        ]
    }
