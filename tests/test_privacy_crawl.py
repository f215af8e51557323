"""Privacy of the public site (QUALITY 18): on the demo data, no public page, in either
language, names a person who has not consented, shows an e-mail address, or shows an
application that was not selected.

The crawl starts from the home page, the calls list and the key-figure pages of several years
and follows every link of the site that is not the admin's (pagination included), plus the CSV downloads. The demo
is loaded once, inside a transaction rolled back at the end.
"""

import html
import io
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from pypdf import PdfReader

from clara.keyfigures.publication import published_years, year_publish
from clara.keyfigures.selectors import figure_catalogue
from clara.network.models import Person
from programmes.models import Application, Call
from projects.models import FundedProject

pytestmark = pytest.mark.django_db

LANGUAGES = ("", "/en")
YEARS = (2023, 2024, 2025)
MAX_PAGES = 5000


def _seeds() -> list[str]:
    seeds = []
    for prefix in LANGUAGES:
        seeds += [f"{prefix}/", f"{prefix}/chiffres-clefs/",
                  f"{prefix}/chiffres-clefs/depuis-la-creation/", f"{prefix}/appels/",
                  f"{prefix}/projets/", f"{prefix}/evenements/", f"{prefix}/partenaires/",
                  f"{prefix}/territoire/"]
        for year in YEARS:
            seeds += [f"{prefix}/chiffres-clefs/{year}/", f"{prefix}/chiffres-clefs/{year}/csv/"]
            seeds += [f"{prefix}/chiffres-clefs/{year}/{key}/" for key in figure_catalogue()]
    return seeds


def _filtered(url: str) -> bool:
    """Whether `url` carries a query other than a page number (a filtered list)."""
    query = urlsplit(url).query
    return bool(query) and not re.fullmatch(r"page=\d+", query)


def _links(url: str, body: str) -> list[str]:
    """The site's links on the page. From a filtered list, only pages without filters are
    followed: every filter is visited once from its list, not every combination of them."""
    found = []
    for href in re.findall(r'href="([^"#]*)', body):
        target = urljoin(url, html.unescape(href))
        parts = urlsplit(target)
        if parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(("/admin", "/static", "/i18n")):
            continue
        link = parts.path + (f"?{parts.query}" if parts.query else "")
        if _filtered(url) and _filtered(link):
            continue
        found.append(link)
    return found


def _text(body: str) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces normalised."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def crawl(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(DEBUG=True):
        call_command("load_demo", verbosity=0)
        # The demo's years are public once published (load_demo may already have done it).
        for year in (2023, 2024, 2025):
            if year not in published_years():
                year_publish(year=year, user=None)
        client = Client()
        pages: dict[str, str] = {}
        statuses: dict[str, int] = {}
        queue = deque(_seeds())
        while queue and len(pages) < MAX_PAGES:
            url = queue.popleft()
            if url in pages:
                continue
            response = client.get(url)
            statuses[url] = response.status_code
            if response.status_code in (301, 302):
                pages[url] = ""
                queue.append(response["Location"])
                continue
            if response["Content-Type"] == "application/pdf":
                # The printed report: its text is checked like a page's.
                reader = PdfReader(io.BytesIO(response.content))
                body = "\n".join(page.extract_text() for page in reader.pages)
            else:
                body = response.content.decode("utf-8-sig")
            pages[url] = body
            if response["Content-Type"].startswith("text/html"):
                queue.extend(link for link in _links(url, body) if link not in pages)
        people = list(Person.objects.values("first_name", "last_name", "email",
                                            "public_consent_on"))
        unselected = list(
            Application.objects.exclude(status=Application.Status.SELECTED)
            .values_list("reference", "title")
        )
        call_slugs = list(Call.objects.values_list("slug", flat=True))
        project_ids = list(FundedProject.objects.values_list("pk", flat=True))
        transaction.set_rollback(True)
    return {"pages": pages, "statuses": statuses, "people": people, "unselected": unselected,
            "call_slugs": call_slugs, "project_ids": project_ids}


def _names(person) -> list[str]:
    first, last = person["first_name"], person["last_name"]
    return [f"{first} {last}", f"{last} {first}", f"{last.upper()} {first}"]


def test_crawl_reaches_every_figure_in_both_languages_without_error(crawl):
    assert len(crawl["pages"]) < MAX_PAGES
    errors = {url: status for url, status in crawl["statuses"].items()
              if status not in (200, 301, 302)}
    assert errors == {}
    for prefix in LANGUAGES:
        for key in figure_catalogue():
            assert f"{prefix}/chiffres-clefs/2025/{key}/" in crawl["pages"]
    # Pagination was followed: the 120 companies of 2025 fill three pages of 50.
    assert "/chiffres-clefs/2025/network.companies/?page=3" in crawl["pages"]
    # Every call's public page, open and closed ones, in both languages.
    for prefix in LANGUAGES:
        for slug in crawl["call_slugs"]:
            assert f"{prefix}/appels/{slug}/" in crawl["pages"]
    # Every funded project's public page, in both languages.
    assert crawl["project_ids"]
    for prefix in LANGUAGES:
        for pk in crawl["project_ids"]:
            assert f"{prefix}/projets/{pk}/" in crawl["pages"]


def test_no_public_page_names_a_person_without_consent(crawl):
    texts = {url: _text(body) for url, body in crawl["pages"].items()}
    leaks = []
    for person in crawl["people"]:
        if person["public_consent_on"] is not None:
            continue
        for name in _names(person):
            leaks += [(name, url) for url, text in texts.items() if name in text]
    assert leaks == []


def test_the_crawl_would_see_a_name_it_may_show(crawl):
    """The check above can fail: names of people who consented are found by the same search."""
    texts = "\n".join(_text(body) for body in crawl["pages"].values())
    consenting = [p for p in crawl["people"] if p["public_consent_on"] is not None]
    shown = [p for p in consenting if any(name in texts for name in _names(p))]
    assert len(shown) >= 5


def test_no_public_page_shows_an_email_address(crawl):
    emails = {p["email"].lower() for p in crawl["people"] if p["email"]}
    address = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
    leaks, found = [], set()
    for url, body in crawl["pages"].items():
        lowered = body.lower()  # once per page, not once per person
        leaks += [(email, url) for email in emails if email in lowered]
        found |= set(address.findall(html.unescape(body)))
    assert leaks == []
    # Nor any other address than the network's public contact.
    assert found <= {"infos@canceropole-clara.com"}


def test_no_public_page_shows_an_application_that_was_not_selected(crawl):
    texts = {url: _text(body) for url, body in crawl["pages"].items()}
    leaks = [
        (reference, url) for reference, title in crawl["unselected"]
        for url, text in texts.items()
        if re.search(rf"\b{re.escape(reference)}\b", text) or title in text
    ]
    assert leaks == []


def test_no_public_page_ties_a_patient_partner_to_a_testimony(crawl):
    texts = "\n".join(_text(body) for body in crawl["pages"].values())
    assert "Témoignage de patient partenaire" not in texts
