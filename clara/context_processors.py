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


# How many co-funders the footer names (the largest contributors to funded projects).
FOOTER_FUNDERS = 8


def footer(request) -> dict:
    """The footer's co-funders, read when a page renders its footer (never in the admin),
    kept in the public cache under the records version: one query after a change of the
    records, none after."""
    from django.core.cache import caches

    from clara.network.public_selectors import footer_funders
    from clara.publiccache import ALIAS, records_version

    def funders() -> list[dict]:
        key = f"footer-funders:{records_version()}"
        value = caches[ALIAS].get(key)
        if value is None:
            value = footer_funders()[:FOOTER_FUNDERS]
            caches[ALIAS].set(key, value, 24 * 3600)
        return value

    return {"footer_funders": funders}
