"""The public calls pages: /appels/ (open, upcoming, closed) and a page per call, in Paris
time, around the opening and closing seconds, in both languages, with bounded queries."""

import datetime as dt
import re
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import caches
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clara import publiccache
from programmes.selectors import call_changes_at, call_list_public
from tests import factories as f
from tests.factories import paris

pytestmark = pytest.mark.django_db

# The factory's call: 15 January 2025 09:00 to 31 March 2025 23:59:59, Paris time (summer time
# since 30 March: 21:59:59 UTC). The closing second is still open (`Call.is_open`): the call
# closes at its end, AFTER.
OPENS = paris(2025, 1, 15, 9)
CLOSES = paris(2025, 3, 31, 23, 59, 59)
SECOND = dt.timedelta(seconds=1)
AFTER = CLOSES + SECOND


@pytest.fixture
def at(monkeypatch):
    """Set the clock the views read (`timezone.now`) to a fixed moment. The cached public
    pages are dropped: the real clock of the cache never goes back in time as this one does."""

    def freeze(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        caches[publiccache.ALIAS].clear()

    return freeze


def _apply_url(call) -> str | None:
    """The application form's address, once the application pages exist."""
    try:
        return reverse("applications:start", args=[call.slug])
    except NoReverseMatch:
        return None


def _section(html: str, element_id: str) -> str:
    """The HTML of the element `element_id` up to its closing tag (ul or table)."""
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    return match.group(2) if match else ""


# --- Grouping by time ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("moment", "group"),
    [
        (OPENS - SECOND, "upcoming"),
        (OPENS, "open"),
        (CLOSES - SECOND, "open"),
        (CLOSES, "open"),
        (AFTER - dt.timedelta(microseconds=1), "open"),
        (AFTER, "closed"),
        (AFTER + SECOND, "closed"),
    ],
)
def test_call_list_public_groups_by_the_moment(moment, group):
    call = f.CallFactory()

    calls = call_list_public(moment)

    groups = {"open": calls.open, "upcoming": calls.upcoming, "closed": list(calls.closed)}
    assert {name: [c.pk for c in found] for name, found in groups.items()} == {
        name: [call.pk] if name == group else [] for name in groups
    }


def test_call_list_public_orders_each_group():
    now = paris(2025, 6, 1, 12)
    late = f.CallFactory(opens_at=paris(2025, 5, 1), closes_at=paris(2025, 9, 1))
    soon = f.CallFactory(opens_at=paris(2025, 5, 2), closes_at=paris(2025, 6, 20))
    later = f.CallFactory(opens_at=paris(2025, 8, 1), closes_at=paris(2025, 10, 1))
    next_ = f.CallFactory(opens_at=paris(2025, 7, 1), closes_at=paris(2025, 10, 1))
    old = f.CallFactory(opens_at=paris(2024, 1, 1), closes_at=paris(2024, 3, 1))
    recent = f.CallFactory(opens_at=paris(2025, 1, 1), closes_at=paris(2025, 3, 1))

    calls = call_list_public(now)

    assert calls.open == [soon, late]
    assert calls.upcoming == [next_, later]
    assert list(calls.closed) == [recent, old]
    # The list changes by itself when the first open call closes.
    assert calls.changes_at == soon.closes_at + dt.timedelta(seconds=1)


def test_call_changes_at_is_the_next_opening_or_closing():
    call = f.CallFactory()

    assert call_changes_at(call, OPENS - SECOND) == OPENS
    assert call_changes_at(call, OPENS) == AFTER
    assert call_changes_at(call, CLOSES) == AFTER
    assert call_changes_at(call, AFTER) is None
    assert call_list_public(CLOSES).changes_at == AFTER
    assert call_list_public(AFTER).changes_at is None


# --- The list page ---------------------------------------------------------------------------

def test_call_list_shows_each_group_with_paris_times(client, at):
    open_call = f.CallFactory(title="Oncostarter Blanc 2025", budget=Decimal("180000"),
                              with_track=True)
    upcoming = f.CallFactory(title="Mobilités 2025", opens_at=paris(2025, 4, 1, 9),
                             closes_at=paris(2025, 6, 30, 12))
    closed = f.CallFactory(title="Preuve du Concept 2024", year=2024)
    at(CLOSES - SECOND)

    response = client.get("/appels/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Oncostarter Blanc 2025" in _section(html, "open-calls")
    assert "Mobilités 2025" in _section(html, "upcoming-calls")
    assert "Preuve du Concept 2024" in _section(html, "closed-calls")
    assert f'href="/appels/{open_call.slug}/"' in html
    assert f'href="/appels/{upcoming.slug}/"' in html
    assert f'href="/appels/{closed.slug}/"' in html
    cards = _section(html, "open-calls")
    # Summer time: 21:59:59 UTC is 23:59 in Paris; winter time: 08:00 UTC is 09:00.
    assert "31 mars 2025 à 23:59" in cards
    assert "15 janvier 2025 à 09:00" in cards
    assert "180\u202f000\u00a0€" in cards
    assert "Blanc" in cards
    assert "1 avril 2025 à 09:00" in _section(html, "upcoming-calls")


def test_call_list_after_the_closing_second_lists_the_call_as_closed(client, at):
    f.CallFactory(title="Oncostarter Blanc 2025")
    at(CLOSES)
    during = client.get("/appels/").content.decode()
    at(AFTER)

    html = client.get("/appels/").content.decode()

    assert "Oncostarter Blanc 2025" in _section(during, "open-calls")
    assert "Oncostarter Blanc 2025" not in _section(html, "open-calls")
    assert "Oncostarter Blanc 2025" in _section(html, "closed-calls")
    assert "Aucun appel n'est ouvert en ce moment." in html


def test_call_list_paginates_closed_calls_most_recent_first(client, at):
    for month in range(1, 13):
        f.CallFactory(title=f"Appel clos {month:02d}", opens_at=paris(2024, month, 1),
                      closes_at=paris(2024, month, 20))
    f.CallFactory(title="Appel ouvert")
    at(paris(2025, 2, 1))

    first = client.get("/appels/").content.decode()
    second = client.get("/appels/?page=2").content.decode()

    titles = re.findall(r"Appel clos (\d\d)", _section(first, "closed-calls"))
    assert titles == [f"{month:02d}" for month in range(12, 2, -1)]
    assert 'href="?page=2"' in first
    assert re.findall(r"Appel clos (\d\d)", _section(second, "closed-calls")) == ["02", "01"]
    # The open and upcoming calls head the first page only.
    assert "Appel ouvert" in first
    assert "Appel ouvert" not in second


def test_call_list_in_english_under_en(client, at):
    call = f.CallFactory()
    at(OPENS)

    response = client.get("/en/appels/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert f'href="/en/appels/{call.slug}/"' in html
    assert "March 31, 2025" in html


def test_navbar_links_to_the_calls(client):
    html = client.get("/").content.decode()

    assert 'href="/appels/"' in html
    assert 'href="/en/appels/"' in client.get("/en/").content.decode()


# --- A call's page ---------------------------------------------------------------------------

@pytest.fixture
def full_call():
    call = f.CallFactory(
        title="Oncostarter Thématisé 2025", with_track=True, theme="Expérience patient",
        description="Présentation de l'appel.", eligibility_rules="Une équipe du CLARA.",
        budget=Decimal("75000"),
    )
    call.programme.description = "Le dispositif Émergence."
    call.programme.save()
    f.EvaluationCriterionFactory(call=call, label="Faisabilité", position=2,
                                 description="Calendrier réaliste.", max_score=10,
                                 weight=Decimal("1.5"))
    f.EvaluationCriterionFactory(call=call, label="Qualité scientifique", position=1)
    f.RequiredDocumentFactory(call=call, label="Projet détaillé (PDF)")
    f.RequiredDocumentFactory(call=call, label="Lettre de soutien", mandatory=False)
    call.cofunders.add(f.FunderFactory(name="Institut National du Cancer"))
    call.domains.add(f.InnovationDomainFactory(name="Innovations biomédicales"))
    call.sites.add(f.SiteFactory(name="Grenoble et alentours"))
    return call


def test_call_detail_shows_the_call(client, at, full_call):
    at(OPENS + dt.timedelta(days=1))

    response = client.get(f"/appels/{full_call.slug}/")

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Oncostarter Thématisé 2025", "Le dispositif Émergence.", "Expérience patient",
                 "Présentation de l&#x27;appel.", "Une équipe du CLARA.", "75\u202f000\u00a0€",
                 "Institut National du Cancer", "Innovations biomédicales",
                 "Grenoble et alentours", "Calendrier réaliste."):
        assert text in html, text
    criteria = _section(html, "call-criteria")
    assert criteria.index("Qualité scientifique") < criteria.index("Faisabilité")
    assert "<td class=\"text-end\">10</td>" in criteria
    assert "1,5" in criteria
    documents = _section(html, "call-documents")
    assert re.search(r"Projet détaillé \(PDF\)</span>\s*<span[^>]*>Obligatoire", documents)
    assert re.search(r"Lettre de soutien</span>\s*<span[^>]*>Facultatif", documents)
    assert "Appel ouvert." in html
    assert "Dépôt des demandes jusqu'au 31 mars 2025 à 23:59 (heure de Paris)." in html


def test_call_detail_shows_the_ceiling_per_application_when_there_is_one(client, full_call):
    assert "Plafond par demande" not in client.get(f"/appels/{full_call.slug}/").content.decode()

    full_call.max_requested_amount = Decimal("40000")
    full_call.save()
    html = client.get(f"/appels/{full_call.slug}/").content.decode()

    assert re.search(r"Plafond par demande</dt>\s*<dd>40\u202f000\u00a0€</dd>", html)


def test_call_detail_offers_to_apply_only_while_open(client, at, full_call):
    apply_url = _apply_url(full_call)

    at(CLOSES)
    open_page = client.get(f"/appels/{full_call.slug}/").content.decode()
    at(AFTER)
    closed_page = client.get(f"/appels/{full_call.slug}/").content.decode()
    at(OPENS - SECOND)
    upcoming_page = client.get(f"/appels/{full_call.slug}/").content.decode()

    assert ("Déposer une demande" in open_page) == (apply_url is not None)
    if apply_url:
        assert f'href="{apply_url}"' in open_page
    assert "Déposer une demande" not in closed_page
    assert "Cet appel est clos depuis le 31 mars 2025 à 23:59 (heure de Paris)." in closed_page
    assert "Déposer une demande" not in upcoming_page
    assert "Cet appel ouvre le 15 janvier 2025 à 09:00 (heure de Paris)." in upcoming_page


def test_call_detail_in_english_under_en(client, at, full_call):
    at(AFTER)

    response = client.get(f"/en/appels/{full_call.slug}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "March 31, 2025" in html
    assert 'href="/en/appels/"' in html


@pytest.mark.parametrize(
    "path",
    [
        "/appels/pas-un-appel/",
        "/en/appels/pas-un-appel/",
        "/appels/%C3%A9t%C3%A9-2025/",
        "/appels/appel.2025/",
        "/appels/appel%00/",
        "/appels/" + "a" * 300 + "/",
        "/appels/appel-0/documents/",
    ],
)
def test_call_detail_unknown_or_malformed_slug_is_404(client, path):
    f.CallFactory(slug="appel-0")

    assert client.get(path).status_code == 404


def test_call_detail_shows_no_application(client, full_call):
    f.ApplicationFactory(call=full_call, title="Projet confidentiel non retenu",
                         status="not_selected", submitted_at=CLOSES - SECOND)

    html = client.get(f"/appels/{full_call.slug}/").content.decode()

    assert "Projet confidentiel non retenu" not in html


# --- Bounded queries -------------------------------------------------------------------------

def _calls_in_each_group(n: int) -> None:
    for i in range(n):
        f.CallFactory(opens_at=paris(2025, 1, 1 + i), closes_at=paris(2025, 9, 1 + i),
                      with_track=True)
        f.CallFactory(opens_at=paris(2025, 7, 1 + i), closes_at=paris(2025, 9, 1 + i))
        f.CallFactory(opens_at=paris(2024, 1, 1 + i), closes_at=paris(2024, 3, 1 + i),
                      with_track=True)


@pytest.mark.parametrize("n", [1, 4])
def test_call_list_queries_do_not_grow_with_the_calls(client, at, django_assert_num_queries, n):
    _calls_in_each_group(n)
    at(paris(2025, 6, 1))

    # Open calls, upcoming calls, the closed calls' count and their page.
    with django_assert_num_queries(5):
        response = client.get("/appels/")

    assert response.content.decode().count('class="card h-100 call-card"') == 2 * n


@pytest.mark.parametrize("n", [1, 4])
def test_call_detail_queries_do_not_grow_with_its_lists(client, django_assert_num_queries, n):
    call = f.CallFactory(with_track=True)
    for _ in range(n):
        f.EvaluationCriterionFactory(call=call)
        f.RequiredDocumentFactory(call=call)
        call.cofunders.add(f.FunderFactory())
        call.domains.add(f.InnovationDomainFactory())
        call.sites.add(f.SiteFactory())

    # The call with its programme and track, then criteria, documents, co-funders, domains
    # and sites.
    with django_assert_num_queries(7):
        response = client.get(f"/appels/{call.slug}/")

    assert _section(response.content.decode(), "call-documents").count("<li") == n


# --- Public cache: never "open" after the closing second ---------------------------------------

def test_cache_timeout_ends_before_the_moment_the_page_changes():
    class Response:
        pass

    response = Response()
    now = paris(2025, 3, 31, 23, 59, 0)
    assert publiccache.cache_timeout(response, now) == publiccache.TIMEOUT
    response.public_cache_until = AFTER
    assert publiccache.cache_timeout(response, now) == 59
    assert publiccache.cache_timeout(response, AFTER - dt.timedelta(seconds=1.5)) == 0
    assert publiccache.cache_timeout(response, AFTER) == 0
    response.public_cache_until = now + dt.timedelta(days=30)
    assert publiccache.cache_timeout(response, now) == publiccache.TIMEOUT


def test_call_pages_say_their_cache_ends_at_the_next_opening_or_closing(client, at, full_call):
    # Signed-in visitors are never served from the cache: each answer is the view's.
    client.cookies[settings.SESSION_COOKIE_NAME] = "visiteur"
    at(OPENS - SECOND)
    assert client.get(f"/appels/{full_call.slug}/").public_cache_until == OPENS
    assert client.get("/appels/").public_cache_until == OPENS
    at(OPENS)
    assert client.get(f"/appels/{full_call.slug}/").public_cache_until == AFTER
    at(AFTER)
    assert client.get(f"/appels/{full_call.slug}/").public_cache_until is None


def test_a_cached_call_page_is_not_served_after_the_closing_second(client):
    """With the real clock: a call whose closing second starts in six seconds (room for a
    slow machine: less than two seconds left is never stored) is cached as open, then shown
    closed as soon as that second is over."""
    closes = timezone.now().replace(microsecond=0) + dt.timedelta(seconds=6)
    call = f.CallFactory(opens_at=closes - dt.timedelta(days=30), closes_at=closes)
    url = f"/appels/{call.slug}/"

    first = client.get(url)
    second = client.get(url)
    time.sleep(max(0.0, (call.deadline_end - timezone.now()).total_seconds()) + 0.05)
    third = client.get(url)

    assert first["X-Public-Cache"] == "miss"
    assert second["X-Public-Cache"] == "hit"
    assert "Appel ouvert." in second.content.decode()
    assert "Cet appel est clos depuis" in third.content.decode()
    assert third["X-Public-Cache"] == "miss"


def test_call_detail_leaves_out_empty_sections(client):
    call = f.CallFactory()

    html = client.get(f"/appels/{call.slug}/").content.decode()

    for heading in ("Le programme", "Critères d&#x27;évaluation", "Documents à fournir",
                    "Critères d'évaluation", "Sites éligibles", "Cofinanceurs",
                    "Plafond par demande", "Éligibilité"):
        assert heading not in html, heading
    assert "Cet appel est clos depuis" in html
