"""The printed activity report of a year ("Bilan d'activité — chiffres-clefs") as a PDF.

Laid out like the network's report (`reference/bilan-chiffres-clefs-2025.md`): a cover, then
its sections, each figure as a big number over a short label. The numbers are the page's: the
same sections (`views.build_sections`, hence the catalogue's selectors) and the same
formatting (`clara.formatting`), in the language of the request.

WeasyPrint renders it from `templates/keyfigures/report.html`, with the style sheet
`static/css/report.css` read from the static files and inlined, and the machine's fonts. It
fetches nothing: its URL fetcher accepts only `data:` URLs, so an address in a record or a
template can never make the server call out (http, https, file and ftp are refused).
"""

from __future__ import annotations

import logging

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from clara.keyfigures.views import build_sections, check_year_visible
from clara.network.models import Site
from clara.publiccache import public_cache

STYLESHEET = "css/report.css"


def url_fetcher():
    """WeasyPrint's fetcher, allowed `data:` URLs only: every other address is refused."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False, timeout=1)


def _stylesheet() -> str:
    path = finders.find(STYLESHEET)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _site_blocks(section: dict, sites) -> list[dict]:
    """The network section's per-site figures grouped by site, as the report prints them
    ("Lyon et alentours: 1900 chercheurs…, 75 entreprises…"), each label without the site."""
    blocks = []
    for site in sites:
        prefix = f"sites.{site.slug}."
        rows = []
        for row in section["rows"]:
            if row["key"].startswith(prefix):
                label = str(row["label"])
                suffix = f" — {site.name}"
                rows.append({**row, "short_label": label.removesuffix(suffix)})
        if rows:
            blocks.append({"name": site.name, "rows": rows})
    return blocks


def report_context(year: int, *, draft: bool) -> dict:
    """What the report prints: the year's sections as the page computes them (no comparison
    with the year before: the report gives the year's figures), the per-site blocks."""
    sections = build_sections(year, staff=False, years=[year])
    sites = list(Site.objects.order_by("position", "name").only("slug", "name"))
    for section in sections:
        if section["slug"] == "network":
            section["sites"] = _site_blocks(section, sites)
            section["rows"] = [r for r in section["rows"] if not r["key"].startswith("sites.")]
    return {
        "year": year,
        "sections": sections,
        "draft": draft,
        "stylesheet": _stylesheet(),
        "generated_at": timezone.localtime(),
        "page_url": reverse("keyfigures:year", args=[year]),
        "language": translation.get_language(),
    }


def render_report(year: int, *, draft: bool = False, base_url: str = "") -> bytes:
    """The PDF of `year`'s report, in the active language."""
    # WeasyPrint tells each step of its layout at INFO: not worth a line per report.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    from weasyprint import HTML

    context = report_context(year, draft=draft)
    context["site_url"] = base_url.rstrip("/")
    html = render_to_string("keyfigures/report.html", context)
    return HTML(string=html, base_url=None, url_fetcher=url_fetcher()).write_pdf()


@public_cache
def report_pdf(request: HttpRequest, year: int) -> HttpResponse:
    """`/chiffres-clefs/<year>/rapport.pdf` (and under /en/): the printed report of a year the
    visitor may see (the public: published years; staff: also the others, marked draft)."""
    _years, published = check_year_visible(request, year)
    pdf = render_report(year, draft=year not in published,
                        base_url=request.build_absolute_uri("/"))
    language = translation.get_language()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="clara-chiffres-clefs-{year}-{language}.pdf"')
    return response
