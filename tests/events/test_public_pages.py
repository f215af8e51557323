"""The public pages of events: what they show (figures, consent, aggregates only), filters and
their counts, bad input, bounded queries, both languages."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event, Poster, Prize
from events.selectors import upcoming_events
from tests import factories as f

pytestmark = pytest.mark.django_db

CONSENTED = dt.date(2025, 1, 2)
DETAIL_LINK = re.compile(r'href="/evenements/(\d+)/"')


def _today():
    return timezone.localdate()


def _days(n):
    return _today() + dt.timedelta(days=n)


def _get(client, url):
    caches["public"].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, len(queries.captured_queries)


def _text(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces normalised."""
    body = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", body.replace("\u202f", " ").replace("\xa0", " "))


def _row(response, title) -> str:
    """The text of the table row whose event is `title`."""
    body = response.content.decode()
    for row in re.findall(r"<tr>.*?</tr>", body, flags=re.S):
        if f">{title}</a>" in row:
            return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", row))).strip()
    raise AssertionError(f"no row for {title}")


def _forum(*, title="Forum 2025", start=None, speakers=2, posters=3, prizes=1, **fields):
    start = start or dt.date(2025, 10, 9)
    event = f.EventFactory(title=title, kind=Event.Kind.FORUM, start_date=start,
                           end_date=start + dt.timedelta(days=1), participants=250, **fields)
    for _index in range(speakers):
        f.EventSpeakerFactory(event=event)
    made = [f.PosterFactory(event=event) for _index in range(posters)]
    for poster in made[:prizes]:
        f.PrizeFactory(event=event, poster=poster)
    return event


# --- The list --------------------------------------------------------------------------------


def test_list_splits_upcoming_and_past_events_in_their_order(client):
    f.EventFactory(title="Dans un mois", start_date=_days(30))
    f.EventFactory(title="Aujourd'hui", start_date=_today())
    f.EventFactory(title="Hier", start_date=_days(-1))
    f.EventFactory(title="L'an dernier", start_date=_days(-365))
    body = client.get("/evenements/").content.decode()
    upcoming, past = body.split('id="titre-passes"')
    assert upcoming.index("Aujourd&#x27;hui") < upcoming.index("Dans un mois")
    assert "Hier" not in upcoming
    assert past.index("Hier") < past.index("L&#x27;an dernier")
    assert "2 événements passés" in past


def test_list_row_shows_the_public_figures_of_the_event(client):
    site = f.SiteFactory(name="Lyon et alentours")
    _forum(title="Forum 2025", site=site, venue="Espace Tête d'Or", speakers=2, posters=3,
           prizes=1, role=Event.Role.ORGANISED)
    f.EventFactory(title="Soirée", kind=Event.Kind.PUBLIC_EVENING, participants=None,
                   role=Event.Role.SUPPORTED, start_date=dt.date(2025, 11, 20), site=None,
                   venue="")
    response = client.get("/evenements/")
    assert _row(response, "Forum 2025") == (
        "Forum 2025 du 9 octobre 2025 au 10 octobre 2025 Forum de la recherche en "
        "cancérologie Organisé par le CLARA Lyon et alentours Espace Tête d'Or 250 2 3 1")
    assert _row(response, "Soirée") == (
        "Soirée 20 novembre 2025 Soirée grand public Soutenu par le CLARA — — 0 0 0")


def test_list_shows_top_level_events_and_counts_their_sessions(client):
    forum = _forum(title="Forum 2025", speakers=0, posters=0, prizes=0)
    f.EventFactory(title="Atelier du Forum", kind=Event.Kind.WORKSHOP, parent=forum,
                   start_date=forum.start_date)
    response = client.get("/evenements/")
    assert "Atelier du Forum" not in response.content.decode()
    assert _row(response, "Forum 2025").startswith("Forum 2025 1 session ")
    # The filters count top-level events only.
    assert "Atelier participatif" not in _text(response)


def test_list_filters_by_kind_and_year_with_counts_for_the_other_filter(client):
    _forum(title="Forum 2024", start=dt.date(2024, 10, 10))
    _forum(title="Forum 2025", start=dt.date(2025, 10, 9))
    f.EventFactory(title="Formation 2025", kind=Event.Kind.TRAINING,
                   start_date=dt.date(2025, 3, 27))

    response = client.get("/evenements/?type=forum")
    titles = set(re.findall(r'<a href="/evenements/\d+/">([^<]+)</a>', response.content.decode()))
    assert titles == {"Forum 2024", "Forum 2025"}
    text = _text(response)
    assert "✓ Forum de la recherche en cancérologie (2)" in text
    # The years count forums; the kinds count every kind (a filter ignores its own choice).
    assert "2025 (1)" in text and "2024 (1)" in text and "Formation (1)" in text
    assert 'href="?type=forum&amp;annee=2025"' in response.content.decode()

    response = client.get("/evenements/?type=forum&annee=2025")
    body = response.content.decode()
    assert set(re.findall(r'<a href="/evenements/\d+/">([^<]+)</a>', body)) == {"Forum 2025"}
    # The page's title names the filters.
    assert "<title>Forum de la recherche en cancérologie 2025 — Événements — CLARA</title>" in body
    text = _text(response)
    assert "Formation (1)" in text and "Forum de la recherche en cancérologie (1)" in text
    assert "Effacer les filtres" in text
    # A selected choice's link removes it.
    assert 'href="?annee=2025" aria-current="true"' in body


def test_malformed_filters_are_ignored(client):
    _forum(title="Forum 2025")
    for query in ("type=zzz", "type=", "annee=20x5", "annee=99999", "annee=٢٠٢٥", "page=zz",
                  "page=999999", "annee=2025&type=<script>", "type=" + "x" * 5000,
                  "page=-1", "annee=0000"):
        response = client.get(f"/evenements/?{query}")
        assert response.status_code == 200, query
        assert "Forum 2025" in response.content.decode(), query
    assert "<script>" not in client.get("/evenements/?type=<script>").content.decode()


def test_list_is_paginated_with_upcoming_events_on_the_first_page(client):
    f.EventFactory(title="Prochain", start_date=_days(5))
    for index in range(26):
        f.EventFactory(title=f"Passé {index:02d}", start_date=_days(-1 - index))
    first = client.get("/evenements/").content.decode()
    assert len(DETAIL_LINK.findall(first)) == 26 and 'href="?page=2"' in first
    second = client.get("/evenements/?page=2").content.decode()
    assert DETAIL_LINK.findall(second) and "Prochain" not in second
    assert len(DETAIL_LINK.findall(second)) == 1 and "Passé 25" in second


def test_list_runs_the_same_queries_with_3_and_30_events(client):
    def make(count):
        for index in range(count):
            event = _forum(title=f"Forum {count}-{index}", start=_days(index - count // 2),
                           speakers=2, posters=2, prizes=1)
            f.EventFactory(title=f"Session {count}-{index}", parent=event,
                           start_date=event.start_date)

    make(3)
    response, few = _get(client, "/evenements/")
    assert len(DETAIL_LINK.findall(response.content.decode())) == 3
    make(27)
    response, many = _get(client, "/evenements/")
    assert len(DETAIL_LINK.findall(response.content.decode())) == 30
    # The kinds' counts, the years' counts, the upcoming events, the past ones' count and page.
    assert (few, many) == (6, 6)


def test_list_is_kept_in_the_cache_only_until_midnight_in_paris(client):
    response = client.get("/evenements/")
    until = timezone.localtime(response.public_cache_until)
    assert until.date() == _days(1) and (until.hour, until.minute) == (0, 0)
    assert str(until.tzinfo) == "Europe/Paris"


def test_upcoming_events_selector_gives_the_next_top_level_events():
    f.EventFactory(title="Passé", start_date=_days(-1))
    later = f.EventFactory(title="Plus tard", start_date=_days(20))
    soon = f.EventFactory(title="Bientôt", start_date=_days(2))
    f.EventFactory(title="Session", start_date=_days(2), parent=soon)
    f.EventFactory(title="Bien plus tard", start_date=_days(90))
    events = upcoming_events(2)
    assert [e.title for e in events] == ["Bientôt", "Plus tard"]
    assert events[0].n_sessions == 1 and events[1].pk == later.pk


# --- One event's page ------------------------------------------------------------------------


def test_detail_names_speakers_only_with_their_consent(client):
    event = _forum(speakers=0, posters=0, prizes=0)
    f.EventSpeakerFactory(event=event, person=f.PersonFactory(
        first_name="Alice", last_name="Consentante", public_consent_on=CONSENTED))
    f.EventSpeakerFactory(event=event, person=f.PersonFactory(
        first_name="Bruno", last_name="Discret", public_consent_on=None))
    f.EventSpeakerFactory(event=event, topic="Témoignage", person=f.PersonFactory(
        first_name="Chloé", last_name="Patiente", kind="patient_partner",
        public_consent_on=None))
    text = _text(client.get(f"/evenements/{event.pk}/"))
    assert "Alice Consentante" in text
    assert "Discret" not in text and "Patiente" not in text and "Bruno" not in text
    assert "3 intervenants" in text
    assert re.search(r"Chercheur ou chercheuse 2 Alice Consentante", text)
    assert re.search(r"Patient partenaire 1 —", text)
    assert "Témoignage" not in text  # topics are not part of the public representation
    assert "@example.org" not in text


def test_detail_lists_posters_and_prizes_with_presenters_named_only_with_consent(client):
    event = _forum(speakers=0, posters=0, prizes=0)
    named = f.PosterFactory(event=event, kind=Poster.Kind.LAY, title="Le rôle des gènes",
                            presenter=f.PersonFactory(first_name="Dora", last_name="Affiche",
                                                      public_consent_on=CONSENTED))
    f.PosterFactory(event=event, kind=Poster.Kind.SCIENTIFIC, title="Cartographie spatiale",
                    presenter=f.PersonFactory(first_name="Émile", last_name="Anonyme"))
    f.PrizeFactory(event=event, poster=named, label="Prix du public")
    f.PrizeFactory(event=event, startup_trophy=True, label="Trophée jeune start-up",
                   laureate=f.CompanyFactory(name="Histoquant Diagnostics"))
    response = client.get(f"/evenements/{event.pk}/")
    text = _text(response)
    assert "Le rôle des gènes Poster vulgarisé Dora Affiche" in text
    assert "Cartographie spatiale Poster scientifique —" in text
    assert "Anonyme" not in text and "Émile" not in text
    assert "Prix du public Prix du meilleur poster Le rôle des gènes" in text
    assert "Trophée jeune start-up Trophée jeune start-up Histoquant Diagnostics" in text
    assert Prize.objects.filter(event=event).count() == 2
    assert "En chiffres 250 participants 2 posters 2 prix remis" in text


def test_detail_shows_the_survey_in_aggregate_never_its_comments(client):
    evening = f.EventFactory(kind=Event.Kind.PUBLIC_EVENING, title="Soirée grand public 2025")
    for rating, recommend, comment in ((5, True, "Mon cancer du sein m'a appris..."),
                                       (4, True, ""), (5, False, "Trop long")):
        f.SurveyResponseFactory(event=evening, rating=rating, would_recommend=recommend,
                                comment=comment)
    text = _text(client.get(f"/evenements/{evening.pk}/"))
    assert "4,7/5 note moyenne" in text
    assert "67 % le recommanderaient" in text
    assert "D'après 3 réponses au questionnaire de satisfaction." in text
    assert "cancer du sein" not in text and "Trop long" not in text


def test_detail_shows_facts_call_award_and_sessions(client):
    call = f.CallFactory(title="Oncostarter 2026", slug="oncostarter-2026")
    organiser = f.OrganisationFactory(name="Université Claude Bernard")
    award = f.AwardFactory(amount=Decimal("1500"))
    event = f.EventFactory(title="Journées du CRCL", kind=Event.Kind.SCIENTIFIC_EVENT,
                           role=Event.Role.SUPPORTED, call=call, organiser=organiser,
                           award=award, description="Deux journées d'échanges.",
                           participants=1200, venue="Centre Léon Bérard",
                           start_date=dt.date(2025, 2, 3), end_date=dt.date(2025, 2, 4))
    session = f.EventFactory(title="Atelier méthodes", kind=Event.Kind.WORKSHOP, parent=event,
                             start_date=dt.date(2025, 2, 4), participants=35)
    response = client.get(f"/evenements/{event.pk}/")
    body = response.content.decode()
    text = _text(response)
    assert '<a href="/appels/oncostarter-2026/">Oncostarter 2026</a>' in body
    assert "Subvention du CLARA 1 500 €" in text
    assert "Organisateur Université Claude Bernard" in text
    assert "Rôle du CLARA Soutenu par le CLARA" in text
    assert "Dates du 3 février 2025 au 4 février 2025" in text
    assert "Deux journées d'échanges." in text and "1 200 participants" in text
    assert f'href="/evenements/{session.pk}/"' in body
    assert _row(response, "Atelier méthodes").startswith("Atelier méthodes 4 février 2025")
    assert "<title>Journées du CRCL — Événements — CLARA</title>" in body
    assert '<meta property="og:title" content="Journées du CRCL">' in body
    assert '<meta name="description" content="Deux journées d&#x27;échanges.">' in body
    # The session's page leads back to its parent.
    session_body = client.get(f"/evenements/{session.pk}/").content.decode()
    assert f'<a href="/evenements/{event.pk}/">Journées du CRCL</a>' in session_body


def test_unknown_or_malformed_event_is_404(client):
    event = f.EventFactory()
    for url in ("/evenements/999999/", "/evenements/0/", "/evenements/abc/",
                "/evenements/99999999999999999999999/", f"/evenements/{2**63}/",
                f"/evenements/{event.pk}x/", "/evenements/-1/"):
        assert client.get(url).status_code == 404, url


def test_detail_runs_the_same_queries_with_3_and_30_speakers_and_posters(client):
    event = _forum(speakers=0, posters=0, prizes=0)

    def add(count):
        for index in range(count):
            consent = CONSENTED if index % 2 else None
            f.EventSpeakerFactory(event=event, person=f.PersonFactory(
                public_consent_on=consent, kind=("researcher", "clinician")[index % 2]))
            poster = f.PosterFactory(event=event, presenter=f.PersonFactory(
                public_consent_on=consent))
            f.PrizeFactory(event=event, poster=poster)
            f.EventFactory(parent=event, start_date=event.start_date)
            f.SurveyResponseFactory(event=event, rating=index % 6)

    add(3)
    response, few = _get(client, f"/evenements/{event.pk}/")
    assert "3 intervenants" in _text(response)
    add(27)
    response, many = _get(client, f"/evenements/{event.pk}/")
    assert "30 intervenants" in _text(response) and "30 posters" in _text(response)
    # The event, its sessions, the speakers' counts, the consenting speakers, the posters,
    # the prizes, the survey.
    assert (few, many) == (8, 8)


def test_pages_exist_in_english(client):
    event = _forum(title="Forum 2025")
    response = client.get("/en/evenements/")
    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert f'href="/en/evenements/{event.pk}/"' in response.content.decode()
    response = client.get(f"/en/evenements/{event.pk}/")
    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert "Forum 2025" in response.content.decode()
    assert client.get("/en/evenements/?type=forum&annee=2025").status_code == 200
