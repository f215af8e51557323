"""The public key-figures page, its drill-down lists, the CSV, the staff dashboard, the command."""

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clara.keyfigures.selectors import figure_catalogue
from clara.network.models import Organisation, Person
from events.models import Event
from programmes.models import Application, Programme
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    CallFactory,
    ContributionFactory,
    EventFactory,
    EventSpeakerFactory,
    InternationalActionFactory,
    OrganisationFactory,
    PersonFactory,
    ProgrammeFactory,
    SiteFactory,
    StaffUserFactory,
    SupportActionFactory,
    TeamCensusFactory,
    TeamFactory,
    paris,
)
from tests.helpers import login_with_mfa

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("published_years")]


def _rows(html: str) -> int:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return body.group(1).count("<tr>") if body else 0


@pytest.fixture
def lyon():
    return SiteFactory(name="Lyon et alentours", slug="lyon")


def _teams(lyon, n: int) -> None:
    for _ in range(n):
        TeamCensusFactory(team=TeamFactory(site=lyon), year=2025, researchers=1000,
                          doctoral_students=300, health_professionals=2)


def _research_award(amount: str) -> None:
    programme = Programme.objects.filter(kind=Programme.Kind.ONCOSTARTER).first() or (
        ProgrammeFactory(kind=Programme.Kind.ONCOSTARTER)
    )
    call = programme.calls.first() or CallFactory(programme=programme, year=2025)
    award = AwardFactory(
        application=ApplicationFactory(call=call, status=Application.Status.SELECTED),
        amount=Decimal(amount), decided_at=paris(2025, 6, 1, 12),
    )
    ContributionFactory(award=award, amount=award.amount)


def test_keyfigures_index_redirects_to_last_complete_year(client):
    response = client.get("/chiffres-clefs/")
    assert response.status_code == 302
    assert response["Location"] == f"/chiffres-clefs/{timezone.localdate().year - 1}/"


def test_keyfigures_year_not_a_number_is_404(client):
    assert client.get("/chiffres-clefs/deux-mille/").status_code == 404
    assert client.get("/chiffres-clefs/1850/").status_code == 404


def test_keyfigures_year_without_records_is_404_in_the_site_layout(client, lyon):
    _teams(lyon, 1)
    # A future year would otherwise count the companies active today.
    OrganisationFactory(kind=Organisation.Kind.COMPANY, develops_oncology_products=True)
    for url in ("/chiffres-clefs/2031/", "/chiffres-clefs/2031/network.companies/",
                "/chiffres-clefs/2031/csv/", "/en/chiffres-clefs/2031/"):
        response = client.get(url)
        assert response.status_code == 404, url
    assert "Page introuvable" in client.get("/chiffres-clefs/2031/").content.decode()
    english = client.get("/en/chiffres-clefs/2031/").content.decode()
    assert "Page not found" in english and '<html lang="en">' in english


def test_keyfigures_first_year_with_records_shows_no_change(client, lyon):
    _teams(lyon, 2)
    html = client.get("/chiffres-clefs/2025/").content.decode()
    assert "keyfigure-delta" not in html
    assert "première année enregistrée" in html
    TeamCensusFactory(team=TeamFactory(site=lyon), year=2024)
    html = client.get("/chiffres-clefs/2025/").content.decode()
    card = html.split('data-key="network.teams"')[1].split("keyfigure-delta")[1][:200]
    assert "+1" in card


def test_keyfigures_changes_have_one_format_per_unit():
    from clara.keyfigures.views import format_change

    assert format_change(Decimal("51000"), "eur") == "+51\u202f000\xa0€"
    assert format_change(Decimal("116000"), "eur") == "+116\u202f000\xa0€"
    assert format_change(Decimal("-1300000"), "eur") == "−1\u202f300\u202f000\xa0€"
    assert format_change(5, "percent") == "+5 points"
    assert format_change(-1, "percent") == "−1 point"
    assert format_change(0, "count") == "="
    assert format_change(1200, "count") == "+1\u202f200"


def test_keyfigures_page_formats_the_french_way(client, lyon):
    _teams(lyon, 3)
    _research_award("1300000")
    response = client.get("/chiffres-clefs/2025/")
    html = response.content.decode()
    assert "3\u202f900" in html  # 3 × 1 300 researchers and doctoral students
    assert "1,3\u00a0M€" in html
    assert "/chiffres-clefs/2025/network.teams/" in html
    # The public never sees the admin links.
    assert "?chiffre=2025:" not in html


def test_keyfigures_page_shows_change_against_previous_year(client, lyon):
    _teams(lyon, 2)
    TeamCensusFactory(team=TeamFactory(site=lyon), year=2024)
    html = client.get("/chiffres-clefs/2025/").content.decode()
    card = html.split('data-key="network.teams"')[1].split("keyfigure-delta")[1][:200]
    assert "+1" in card


def test_keyfigures_staff_see_admin_changelist_links(client, lyon):
    _teams(lyon, 1)
    client.force_login(StaffUserFactory(is_superuser=True))
    html = client.get("/chiffres-clefs/2025/").content.decode()
    assert "/admin/network/teamcensus/?chiffre=2025:network.teams" in html


def _queries_with_few_and_many_rows(client, lyon, url: str) -> tuple[int, int]:
    """Queries of GET `url` with 1 team and 1 award, then with 6 teams and 5 awards."""
    counts = []
    for teams, awards in ((1, 1), (5, 4)):
        _teams(lyon, teams)
        # A year before, so that the page compares the two.
        TeamCensusFactory(team=TeamFactory(site=lyon), year=2024)
        for _ in range(awards):
            _research_award("1000")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries.captured_queries))
    return counts[0], counts[1]


def test_keyfigures_page_query_count_is_bounded(client, lyon):
    # The figures of the year and of the year before (2 × 21), the years with records (3),
    # the published years (1).
    assert _queries_with_few_and_many_rows(client, lyon, "/chiffres-clefs/2025/") == (46, 46)


def test_keyfigures_records_list_has_as_many_rows_as_the_figure(client, lyon):
    _teams(lyon, 4)
    TeamCensusFactory(team=TeamFactory(site=lyon), year=2024)
    response = client.get("/chiffres-clefs/2025/network.teams/")
    assert response.status_code == 200
    assert _rows(response.content.decode()) == 4


def test_keyfigures_records_query_count_is_bounded(client, lyon):
    # The years with records (3), the figure (1), the count (1), the page's rows with their
    # team, organisation and site (1), the totals computed by the database (1), the published
    # years (1).
    url = "/chiffres-clefs/2025/network.teams/"
    assert _queries_with_few_and_many_rows(client, lyon, url) == (9, 9)


def test_keyfigures_records_are_paginated_with_totals_over_every_page(client, lyon, settings):
    from clara.keyfigures import drilldown

    drilldown.PAGE_SIZE, saved = 2, drilldown.PAGE_SIZE
    try:
        _teams(lyon, 5)
        first = client.get("/chiffres-clefs/2025/network.teams/").content.decode()
        last = client.get("/chiffres-clefs/2025/network.teams/?page=3").content.decode()
        beyond = client.get("/chiffres-clefs/2025/network.teams/?page=99").content.decode()
        malformed = client.get("/chiffres-clefs/2025/network.teams/?page=abc")
    finally:
        drilldown.PAGE_SIZE = saved
    assert (_rows(first), _rows(last), _rows(beyond)) == (2, 1, 1)
    assert "5 dossiers derrière ce chiffre" in first
    assert "Page 1 sur 3" in first and 'href="?page=2"' in first
    # The total is over the 5 census rows (5 × 1 300), not over the page's two.
    for html in (first, last):
        footer = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
        assert "6500" in footer and "10" in footer
    assert malformed.status_code == 200 and _rows(malformed.content.decode()) == 2


def test_keyfigures_records_of_people_are_counts_naming_only_who_consented(client):
    forum = EventFactory(kind=Event.Kind.FORUM, start_date=dt.date(2025, 11, 13),
                         title="Forum 2025")
    agreed = EventSpeakerFactory(
        event=forum, person=PersonFactory(first_name="Alice", last_name="Consentante",
                                          public_consent_on=dt.date(2025, 9, 1)))
    EventSpeakerFactory(event=forum, person=PersonFactory(first_name="Bruno",
                                                          last_name="Discret"))
    patient = EventSpeakerFactory(
        event=forum, topic="Témoignage de patient partenaire",
        person=PersonFactory(first_name="Chloé", last_name="Patiente",
                             kind=Person.Kind.PATIENT_PARTNER, email="chloe@example.org"))
    html = client.get("/chiffres-clefs/2025/forum.speakers/").content.decode()
    assert "Alice Consentante" in html
    for secret in ("Discret", "Patiente", "chloe@example.org", patient.topic, agreed.topic):
        assert secret not in html
    assert "Patient partenaire" in html  # counted, not named
    footer = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    assert ">3<" in footer


def test_keyfigures_records_of_mobilities_show_countries_and_only_the_total_amount(client):
    for amount, country in (("600", "JP"), ("450", "CA"), ("550", "CA")):
        InternationalActionFactory(
            country=country, title=f"Mobilité de Dupont{amount}",
            person=PersonFactory(last_name=f"Dupont{amount}"),
            award=AwardFactory(amount=Decimal(amount)),
        )
    html = client.get("/chiffres-clefs/2025/international.mobility_eur/").content.decode()
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    assert "Canada" in body and "Japon" in body
    assert "€" not in body and "Dupont" not in html
    footer = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    assert "1\u202f600\xa0€" in footer


def test_keyfigures_records_unknown_key_is_404(client):
    assert client.get("/chiffres-clefs/2025/pas.un.chiffre/").status_code == 404


def test_keyfigures_records_hide_titles_of_applications_not_selected(client):
    programme = ProgrammeFactory(kind=Programme.Kind.ONCOSTARTER)
    call = CallFactory(programme=programme, year=2025)
    hidden = ApplicationFactory(call=call, status=Application.Status.NOT_SELECTED,
                                title="Titre confidentiel", acronym="SECRET")
    shown = ApplicationFactory(call=call, status=Application.Status.SELECTED, acronym="LAUREAT")
    html = client.get("/chiffres-clefs/2025/calls.applications/").content.decode()
    assert _rows(html) == 2
    assert "LAUREAT" in html and shown.reference in html
    assert "SECRET" not in html and "Titre confidentiel" not in html
    assert hidden.reference not in html
    assert hidden.principal_investigator.last_name not in html


def test_keyfigures_records_hide_who_was_advised(client):
    TeamCensusFactory(year=2025)
    action = SupportActionFactory(date=dt.date(2025, 3, 3), subject="Brevet en préparation")
    html = client.get("/chiffres-clefs/2025/support.count/").content.decode()
    assert _rows(html) == 1
    assert "Brevet en préparation" not in html
    assert action.team.name not in html


def test_keyfigures_csv_download(client, lyon):
    _teams(lyon, 2)
    response = client.get("/chiffres-clefs/2025/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")),
                               delimiter=";"))
    values = {row["cle"]: row["valeur"] for row in rows}
    units = {row["cle"]: row["unite"] for row in rows}
    assert set(values) == set(figure_catalogue())
    assert values["network.teams"] == "2"
    assert values["network.researchers"] == "2600"
    assert (units["network.teams"], units["awards.amount_eur"]) == ("nombre", "euros")


def test_keyfigures_csv_numbers_have_a_decimal_comma():
    from clara.keyfigures.views import csv_number

    assert (csv_number(Decimal("4.6")), csv_number(Decimal("14350.00")), csv_number(3)) == (
        "4,6", "14350", "3")


def test_keyfigures_dashboard_requires_staff(client):
    response = client.get("/admin/chiffres-clefs/2025/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_keyfigures_dashboard_shows_figures_and_warnings(client, lyon):
    forum = EventFactory(kind=Event.Kind.FORUM, start_date=dt.date(2025, 11, 13),
                         end_date=dt.date(2025, 11, 14))
    stray = EventFactory(kind=Event.Kind.WORKSHOP, start_date=dt.date(2025, 11, 14),
                         parent=None, title="Atelier isolé")
    EventFactory(kind=Event.Kind.WORKSHOP, start_date=dt.date(2025, 11, 13), parent=forum)
    login_with_mfa(client, StaffUserFactory(is_superuser=True))
    response = client.get("/admin/chiffres-clefs/2025/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="/admin/events/event/{stray.pk}/change/">Atelier isolé</a>' in html
    assert "le Forum compte 1 ateliers, l&#x27;année 2" in html
    assert "forum.workshops" in html


def test_key_figures_command_json(lyon):
    _teams(lyon, 2)
    _research_award("275000")
    out = io.StringIO()
    call_command("key_figures", "2025", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == set(figure_catalogue())
    assert data["network.teams"] == 2
    assert data["awards.amount_eur"] == 275000
    assert isinstance(data["awards.amount_eur"], int)


def test_key_figures_command_csv_and_text(lyon):
    _teams(lyon, 1)
    out = io.StringIO()
    call_command("key_figures", "2025", "--format", "csv", stdout=out)
    assert "network.teams,1" in out.getvalue().splitlines()
    out = io.StringIO()
    call_command("key_figures", "2025", stdout=out)
    assert "network.teams" in out.getvalue()


def test_keyfigures_dashboard_linked_from_admin_index(client):
    login_with_mfa(client, StaffUserFactory(is_superuser=True))
    html = client.get("/admin/").content.decode()
    assert 'href="/admin/chiffres-clefs/"' in html


def test_keyfigures_dashboard_query_count_is_bounded(client, lyon):
    login_with_mfa(client, StaffUserFactory(is_superuser=True))
    # Session and user (2), the figures of two years (42), the years (3), the checks (7), the
    # published years (1), the year's publications (1), the record changes since (1).
    url = "/admin/chiffres-clefs/2025/"
    assert _queries_with_few_and_many_rows(client, lyon, url) == (56, 56)


def test_every_counted_figure_label_agrees_with_its_number():
    from django.utils import translation

    from clara.keyfigures.plurals import PLURAL_FORMS, label_for

    counted = [f for f in figure_catalogue().values()
               if f.unit in ("count", "sum", "days") and not f.key.startswith("sites.")
               and f.key != "public_evenings.count"]  # the report's one singular label
    with translation.override("fr"):
        missing = [f.key for f in counted if str(f.label) not in PLURAL_FORMS]
    assert missing == []
    for language in ("fr", "en"):
        with translation.override(language):
            for figure in counted:
                assert label_for(figure, 12) == str(figure.label), (language, figure.key)
    trainings = figure_catalogue()["skills.trainings"]
    with translation.override("fr"):
        assert (label_for(trainings, 1), label_for(trainings, 3)) == ("formation", "formations")
    with translation.override("en"):
        assert label_for(trainings, 1) == "training course"
    # The history's own counted figures, those of one programme too ("1 projet financé —
    # Oncostarter").
    from clara.keyfigures.period import OWN_FIGURES

    per_programme = [f for f in OWN_FIGURES.values() if f.unit == "count"]
    assert len(per_programme) >= 4
    for language in ("fr", "en"):
        with translation.override(language):
            for figure in per_programme:
                assert label_for(figure, 12) == str(figure.label), (language, figure.key)
                assert label_for(figure, 1) != str(figure.label), (language, figure.key)
    with translation.override("fr"):
        oncostarter = OWN_FIGURES["history.oncostarter.projects"]
        assert label_for(oncostarter, 1) == "projet financé — Émergence — Oncostarter"


def test_keyfigures_page_says_1_in_the_singular(client, lyon):
    _teams(lyon, 1)
    html = client.get("/chiffres-clefs/2025/").content.decode()
    card = html.split('data-key="network.teams"')[1][:400]
    assert "équipe académique et clinique" in card and "équipes" not in card
    html = client.get("/chiffres-clefs/2025/network.teams/").content.decode()
    assert re.search(r"</span> équipe académique et clinique</h1>", html)


@pytest.mark.parametrize("url", [
    "/chiffres-clefs/abc/", "/chiffres-clefs/99999999999999999999999/",
    "/chiffres-clefs/2025/network.teams/?page=-1", "/chiffres-clefs/2025/network.teams/?page=abc",
    "/chiffres-clefs/2025/network.teams/?page=99999999999999999999",
    "/chiffres-clefs/2025/network.teams/?page=%00", "/chiffres-clefs/2025/?year=<script>",
    "/chiffres-clefs/2025/%3Cscript%3E/", "/en/chiffres-clefs/0/csv/",
    "/chiffres-clefs/2025/forum.speakers/?page=2",
])
def test_keyfigures_malformed_addresses_never_fail(client, lyon, url):
    _teams(lyon, 1)
    assert client.get(url).status_code in (200, 400, 404)


def test_keyfigures_grouped_records_query_count_is_bounded(client, lyon):
    _teams(lyon, 1)
    forum = EventFactory(kind=Event.Kind.FORUM, start_date=dt.date(2025, 11, 13))
    counts = []
    for n in (1, 6):
        for i in range(n):
            kind = (Person.Kind.RESEARCHER, Person.Kind.PATIENT_PARTNER, Person.Kind.CLINICIAN)[i % 3]
            EventSpeakerFactory(event=forum, person=PersonFactory(
                kind=kind, public_consent_on=dt.date(2025, 1, 1) if i % 2 else None))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/chiffres-clefs/2025/forum.speakers/").status_code == 200
        counts.append(len(queries.captured_queries))
    # Years (3), figure (1), groups counted (1), the page's groups (1), the consenting names of
    # the page's groups (1), the number of records (1), the published years (1).
    assert counts == [10, 10]


@pytest.mark.parametrize(("prefix", "title"), [("", "Une erreur est survenue"),
                                               ("/en", "Something went wrong")])
def test_server_error_page_in_the_site_layout(client, lyon, monkeypatch, prefix, title):
    from clara.keyfigures import selectors

    _teams(lyon, 1)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "key_figures_for_year", broken)
    client.raise_request_exception = False
    response = client.get(f"{prefix}/chiffres-clefs/2025/")
    assert response.status_code == 500
    html = response.content.decode()
    assert title in html and "clara-navbar" in html and "boom" not in html
