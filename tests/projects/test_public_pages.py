"""The public pages of funded projects: what they show, what they never show, bounded
queries, both languages."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Outcome
from tests import factories as f

pytestmark = pytest.mark.django_db


def _project(*, consent=False, name="LIPISCAN"):
    person = f.PersonFactory(first_name="Camille", last_name=f"Martin-{name}",
                             public_consent_on=dt.date(2025, 1, 2) if consent else None)
    application = f.ApplicationFactory(principal_investigator=person,
                                       status="selected")
    award = f.AwardFactory(application=application, amount=Decimal("40000"))
    project = f.FundedProjectFactory(award=award, name=name,
                                     public_summary="Mieux voir les tumeurs.")
    return project


def _get(client, url):
    """The page and its number of queries, computed afresh (no cached page or footer)."""
    from django.core.cache import caches

    caches["public"].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries.captured_queries)


def test_project_page_names_the_investigator_only_with_consent(client):
    hidden, shown = _project(name="SECRET"), _project(consent=True, name="PUBLIC")
    hidden_page = client.get(f"/projets/{hidden.pk}/").content.decode()
    assert "Mieux voir les tumeurs." in hidden_page
    assert re.search(r"40\s000 €", hidden_page)
    assert "Martin-SECRET" not in hidden_page
    assert "Martin-PUBLIC" in client.get(f"/projets/{shown.pk}/").content.decode()


def test_project_page_lists_outcomes_without_who_recorded_them(client):
    project = _project()
    recorder = f.UserFactory(first_name="Zoé", last_name="Saisie")
    Outcome.objects.create(project=project, kind=Outcome.Kind.PUBLICATION,
                           title="Imagerie peropératoire", date=dt.date(2025, 5, 1),
                           identifier="10.1000/xyz123", recorded_by=recorder)
    page = client.get(f"/projets/{project.pk}/").content.decode()
    assert "Imagerie peropératoire" in page and "10.1000/xyz123" in page
    assert "Saisie" not in page


def test_unknown_or_malformed_project_is_404(client):
    for url in ("/projets/999999/", "/projets/99999999999999999999999/", "/projets/abc/"):
        assert client.get(url).status_code == 404, url


def test_project_list_and_page_run_the_same_queries_with_few_and_many_rows(client):
    first = _project(name="UN")
    _response, one = _get(client, "/projets/")
    _response, page_one = _get(client, f"/projets/{first.pk}/")
    for index in range(4):
        project = _project(name=f"P{index}")
        Outcome.objects.create(project=first, kind=Outcome.Kind.PUBLICATION,
                               title=f"Article {index}", date=dt.date(2025, 5, 1),
                               identifier=f"10.1000/a{index}")
        application = first.award.application
        application.teams.add(f.TeamFactory())
        application.partner_companies.add(f.OrganisationFactory(kind="company"))
        application.co_applicants.add(f.PersonFactory(
            public_consent_on=dt.date(2025, 1, 1) if index % 2 else None))
        f.EventFactory(call=application.call, site=f.SiteFactory())
        assert project.pk
    from django.core.cache import caches

    caches["public"].clear()
    response, many = _get(client, "/projets/")
    assert len(re.findall(r'href="/projets/\d+/"', response.content.decode())) == 5
    caches["public"].clear()
    response, page_many = _get(client, f"/projets/{first.pk}/")
    page_many_body = response.content.decode()
    # The filters' labels, the counts (six filters, the total and the co-funders, one query:
    # the cube of a list without text), the page's rows, the footer.
    assert (one, many) == (4, 4)
    # The project and its award, contributions, teams, co-applicants, companies, events,
    # statuses, outcomes.
    assert (page_one, page_many) == (9, 9)
    assert page_many_body.count("rel=\"noopener external\"") == 4


def test_every_kind_of_list_runs_the_same_queries_with_3_and_30_projects(client):
    """Browsing (the cube), a filtered browse, a co-funder (its part of the cube), a search,
    a search with a filter and a co-funder, a key figure's list: each its own path."""
    inca = f.FunderFactory(name="Institut National du Cancer")

    def add(count):
        for index in range(count):
            _decided(_project(name=f"P{index:02d}"), 2024 + index % 2, inca)

    urls = ["/projets/", "/projets/?annee=2025", f"/projets/?financeur={inca.pk}",
            "/projets/?q=tumeurs", f"/projets/?q=tumeurs&annee=2025&financeur={inca.pk}",
            "/projets/?chiffre=awards.count&exercice=2025", "/projets/?page=2"]
    add(3)
    few = {url: _get(client, url)[1] for url in urls}
    add(27)
    many = {url: _get(client, url)[1] for url in urls}
    assert many == few
    # Labels, counts (none from the cube), page, footer; a search or a figure: counts in
    # one query; with a co-funder, its counts in one more.
    assert few["/projets/"] == 4 and few["/projets/?q=tumeurs"] == 4


def test_pages_exist_in_english(client):
    project = _project()
    assert client.get("/en/projets/").status_code == 200
    response = client.get(f"/en/projets/{project.pk}/")
    assert response.status_code == 200 and response["Content-Language"] == "en"


def test_project_list_is_paginated(client):
    for index in range(26):
        _project(name=f"P{index:02d}")
    first = client.get("/projets/").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', first)) == 25 and 'href="?page=2"' in first
    assert len(re.findall(r'href="/projets/\d+/"', client.get("/projets/?page=2")
                          .content.decode())) == 1


def _decided(project, year, funder=None):
    from django.utils import timezone

    award = project.award
    award.decided_at = timezone.make_aware(dt.datetime(year, 7, 1, 12))
    award.save()
    if funder is not None:
        f.ContributionFactory(award=award, funder=funder, amount=award.amount)
    return project


def test_search_filters_and_their_counts_are_in_the_url(client):
    inca = f.FunderFactory(name="Institut National du Cancer")
    ligue = f.FunderFactory(name="Ligue contre le cancer")
    _decided(_project(name="TUMEURS"), 2024, inca)
    _decided(_project(name="CERVEAU"), 2025, inca)
    _decided(_project(name="SEIN"), 2025, ligue)

    page = client.get("/projets/?annee=2025").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', page)) == 2
    assert "2 projets" in page
    # Each funder shows how many projects of 2025 it would give; the years keep their own
    # counts (a filter's counts ignore that filter).
    assert re.search(r"Institut National du Cancer</a> <span[^>]*>\(1\)", page)
    assert re.search(r"2024</a> <span[^>]*>\(1\)", page)

    page = client.get(f"/projets/?annee=2025&financeur={ligue.pk}").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', page)) == 1 and "SEIN" in page

    page = client.get("/projets/?q=cerveau").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', page)) == 1 and "CERVEAU" in page
    assert "Aucun projet ne correspond" in client.get("/projets/?q=zzzz").content.decode()


def test_malformed_filters_are_ignored(client):
    _project()
    for query in ("annee=20x5", "annee=99999", "financeur=abc", "tri=drop", "page=zz", "q=%00",
                  "q=tu%00meur",
                  "q=" + "x" * 5000, "financeur=99999999999999999999"):
        response = client.get(f"/projets/?{query}")
        assert response.status_code == 200, query


def test_the_list_downloads_as_csv_and_json(client):
    inca = f.FunderFactory(name="Institut National du Cancer")
    _decided(_project(name="=HYPERLINK"), 2025, inca)
    _decided(_project(name="AUTRE"), 2024, inca)
    response = client.get("/projets/?annee=2025&format=csv")
    body = response.content.decode("utf-8")
    assert response["Content-Type"].startswith("text/csv") and body.startswith("\ufeff")
    lines = body.lstrip("\ufeff").splitlines()
    assert len(lines) == 2 and lines[0].startswith("identifiant;projet;")
    assert "'=HYPERLINK" in lines[1] and "40000,00" in lines[1]
    data = client.get("/projets/?format=json").json()
    assert data["count"] == 2
    assert {p["name"] for p in data["projects"]} == {"=HYPERLINK", "AUTRE"}
    assert "Martin" not in str(data)  # no person in the list


def test_search_ignores_accents_and_case_both_ways(client):
    project = _project(name="RESIST")
    project.public_summary = "Résistance des tumeurs à l'immunothérapie."
    project.save()
    _project(name="AUTRE")
    for query in ("resistance", "RÉSISTANCE", "immunotherapie", "Résistance tumeurs"):
        page = client.get("/projets/", {"q": query}).content.decode()
        assert len(re.findall(r'href="/projets/\d+/"', page)) == 1, query
        assert "RESIST" in page, query


def test_track_domain_and_status_filters_with_their_counts(client):
    from programmes.models import Track
    from projects.models import ProjectYearStatus

    programme = f.ProgrammeFactory(name="Oncostarter")
    blanc = Track.objects.create(programme=programme, code=Track.Code.BLANC)
    interface = Track.objects.create(programme=programme, code=Track.Code.INTERFACE)
    imaging = f.InnovationDomainFactory(name="Imagerie", slug="imagerie")
    first, second, third = (_project(name=n) for n in ("ALPHA", "BETA", "GAMMA"))
    for year, (project, track) in enumerate(((first, blanc), (second, blanc),
                                             (third, interface)), start=2020):
        call = project.award.application.call
        call.programme, call.track, call.year = programme, track, year
        call.save()
    first.award.application.domain = imaging
    first.award.application.save()
    # The status shown is that of the latest year recorded.
    ProjectYearStatus.objects.create(project=first, year=2024, status="ongoing")
    ProjectYearStatus.objects.create(project=first, year=2025, status="completed")
    ProjectYearStatus.objects.create(project=second, year=2025, status="ongoing")

    page = client.get(f"/projets/?clef={blanc.pk}").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', page)) == 2 and "GAMMA" not in page
    assert re.search(r"Oncostarter Interface</a> <span[^>]*>\(1\)", page)
    page = client.get("/projets/?domaine=imagerie").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', page)) == 1 and "ALPHA" in page
    page = client.get("/projets/?statut=completed").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', page)) == 1 and "ALPHA" in page
    page = client.get("/projets/?statut=ongoing").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', page)) == 1 and "BETA" in page
    assert re.search(r"Terminé</a> <span[^>]*>\(1\)", page)
    for query in ("statut=drop", "clef=x", "clef=99999999999", "domaine=" + "x" * 500):
        assert client.get(f"/projets/?{query}").status_code == 200, query


def test_every_facet_link_gives_the_count_it_shows(client):
    """Following a filter's link lists as many projects as the count beside it (each filter
    writes its own URL key: a year link once wrote `year=` instead of `annee=`)."""
    import html

    inca = f.FunderFactory(name="Institut National du Cancer")
    ligue = f.FunderFactory(name="Ligue contre le cancer")
    _decided(_project(name="UN"), 2024, inca)
    deux = _decided(_project(name="DEUX"), 2025, inca)
    f.ContributionFactory(award=deux.award, funder=ligue)
    _decided(_project(name="TROIS"), 2025)
    _decided(_project(name="QUATRE tumeur"), 2025, ligue)
    _decided(_project(name="CINQ tumeurs"), 2023, inca)
    # Browsing (the cube), a search, a co-funder, and both with other filters.
    for start in ("/projets/", "/projets/?annee=2025", "/projets/?q=tumeur",
                  f"/projets/?financeur={inca.pk}", "/projets/?q=tumeur&annee=2025",
                  f"/projets/?financeur={ligue.pk}&annee=2025"):
        page = client.get(start).content.decode()
        links = re.findall(r'<a rel="nofollow" href="(\?[^"]*)"[^>]*>(?:✓ )?[^<]*</a> '
                           r'<span[^>]*>\((\d+)\)', page)
        assert len(links) >= 4
        for href, count in links:
            url = "/projets/" + html.unescape(href)
            shown = client.get(url).content.decode()
            listed = len(re.findall(r'href="/projets/\d+/"', shown))
            selected = f'href="{href}" aria-current' in page
            if not selected:
                assert listed == int(count), url


def test_a_key_figure_narrows_the_list_to_its_projects(client):
    from clara.keyfigures.selectors import figure_records

    project = _decided(_project(name="RETENU"), 2025)
    _decided(_project(name="AUTRE"), 2024)
    page = client.get("/projets/?chiffre=awards.count&exercice=2025").content.decode()
    expected = figure_records("awards.count", 2025).filter(project__isnull=False).count()
    assert expected == 1 and len(re.findall(r'href="/projets/\d+/"', page)) == 1
    assert "Projets derrière le chiffre clef" in page
    assert project.name in page and "AUTRE" not in page
    # Not a figure that lists projects, an unknown key, a malformed year: the whole list.
    for query in ("chiffre=calls.count&exercice=2025", "chiffre=nope&exercice=2025",
                  "chiffre=awards.count&exercice=20x5", "chiffre=awards.count"):
        page = client.get(f"/projets/?{query}").content.decode()
        assert "Projets derrière" not in page and "AUTRE" in page, query


def test_project_page_shows_teams_companies_events_and_named_co_applicants_only(client):
    project = _project(name="EQUIPES")
    application = project.award.application
    team = f.TeamFactory(name="Équipe Immunité tumorale")
    company = f.OrganisationFactory(name="Onco Start SAS", kind="company")
    application.teams.add(team)
    application.partner_companies.add(company)
    application.co_applicants.add(
        f.PersonFactory(first_name="Léa", last_name="Consent", public_consent_on=dt.date(2025, 1, 1)),
        f.PersonFactory(first_name="Hugo", last_name="Secret"))
    f.EventFactory(call=application.call, title="Session d'information Oncostarter")
    Outcome.objects.create(project=project, kind=Outcome.Kind.CLINICAL_TRIAL,
                           title="Essai de phase I", date=dt.date(2025, 5, 1),
                           identifier="NCT01234567")
    page = client.get(f"/projets/{project.pk}/").content.decode()
    assert "Équipe Immunité tumorale" in page and team.organisation.name in page
    assert "Onco Start SAS" in page and "Session d&#x27;information Oncostarter" in page
    assert "Léa Consent" in page and "Secret" not in page and "1 autre personne" in page
    assert 'href="https://clinicaltrials.gov/study/NCT01234567"' in page


def test_outcome_identifier_links():
    cases = [("publication", "10.1000/a<b>", "https://doi.org/10.1000/a%3Cb%3E"),
             ("publication", "not-a-doi", None),
             ("clinical_trial", "2023-500123-45-00",
              "https://euclinicaltrials.eu/search-for-clinical-trials/?EUCT=2023-500123-45-00"),
             ("patent", "EP 1234567", "https://worldwide.espacenet.com/patent/search?q=EP%201234567"),
             ("jobs", "x", None), ("publication", "", None)]
    for kind, identifier, url in cases:
        assert Outcome(kind=kind, identifier=identifier).identifier_url == url, identifier
