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
    links = [
        {"code": code, "name": name, "url": translate_url(path, code),
         "current": code == current}
        for code, name in settings.LANGUAGES
    ]
    # For search engines and sharing: the page's absolute address in its language (the only
    # query kept is the page number) and its address in each language, French as x-default.
    page = request.GET.get("page", "")
    suffix = f"?page={page}" if page.isdigit() and page != "1" else ""

    def absolute(url: str) -> str:
        return request.build_absolute_uri(url.split("?", 1)[0]) + suffix

    alternates = [{"hreflang": link["code"], "href": absolute(link["url"])} for link in links]
    alternates.append({"hreflang": "x-default", "href": absolute(
        translate_url(path, settings.LANGUAGE_CODE))})
    return {
        "language_links": links,
        "canonical_url": absolute(request.path),
        "alternate_links": alternates,
    }
