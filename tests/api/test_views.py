"""The public API: the projects' filters and search are the public list's, bad parameters
never give a 500, key figures only for published years, throttling, the documentation page
under the CSP, and bounded queries on every list."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clara.keyfigures.models import YearPublication
from clara.keyfigures.selectors import figure_catalogue, key_figures_for_year
from projects.search import Filters, project_search_result
from tests import factories as f
from tests.api.conftest import add_records

pytestmark = pytest.mark.django_db

LISTS = ("/api/v1/projets/", "/api/v1/appels/", "/api/v1/evenements/",
         "/api/v1/organisations/")


def _ids(client, url):
    return [row["id"] for row in client.get(url).json()["results"]]


@pytest.mark.parametrize("query", [
    "", "q=tumeurs", "annee=2025", "annee=2024&tri=name", "tri=amount", "statut=ongoing",
    "chiffre=awards.count&exercice=2025", "q=projet-1", "site=inconnu", "financeur=1"])
def test_projects_are_the_public_lists(client, query):
    add_records(4)
    from django.http import QueryDict

    expected = [p.pk for p in project_search_result(Filters.from_query(QueryDict(query)))
                .projects]
    assert _ids(client, f"/api/v1/projets/?{query}") == expected
    download = client.get(f"/projets/?format=json&{query}").json()["projects"]
    assert [row["id"] for row in download] == expected


def test_project_search_finds_words_of_the_public_summary(client):
    add_records(2)
    f.FundedProjectFactory(name="AUTRE", public_summary="Imagerie du pancréas.")
    rows = client.get("/api/v1/projets/?q=pancreas").json()["results"]
    assert [row["name"] for row in rows] == ["AUTRE"]


@pytest.mark.parametrize("query", [
    "annee=abcd", "annee=99999", "annee=-1", "clef=x", "financeur=1e9", "financeur=" + "9" * 30,
    "statut=%00", "q=%00", "q=" + "a" * 5000, "tri=%27", "chiffre=x&exercice=20x5",
    "programme=%00", "site=%ff", "domaine=%C0%AF", "type=zzz", "etat=%00", "page=abc",
    "page=0", "page=-3", "page=99999999999999999999", "page=%00"])
def test_malformed_parameters_are_never_a_server_error(client, query):
    add_records(1)
    for url in LISTS:
        response = client.get(f"{url}?{query}")
        assert response.status_code in (200, 404), (url, query)
        assert response["Content-Type"] == "application/json"


def test_a_page_beyond_the_last_is_a_404_with_a_clear_message(client):
    add_records(1)
    response = client.get("/api/v1/projets/?page=9")
    assert response.status_code == 404
    assert response.json() == {"detail": "Cette page n'existe pas."}


def test_lists_are_paginated_by_50(client):
    for index in range(51):
        f.FundedProjectFactory(name=f"P{index:02d}")
    first = client.get("/api/v1/projets/?tri=name").json()
    assert first["count"] == 51 and len(first["results"]) == 50
    second = client.get(first["next"]).json()
    assert [row["name"] for row in second["results"]] == ["P50"]


@pytest.mark.parametrize("url", ["/api/v1/projets/0/", "/api/v1/projets/99999999999999999999/",
                                 "/api/v1/evenements/99999999999999999999/",
                                 "/api/v1/organisations/123456/", "/api/v1/appels/inconnu/"])
def test_unknown_records_are_404_in_json(client, url):
    response = client.get(url)
    assert response.status_code == 404 and "detail" in response.json()


def test_key_figures_of_a_published_year_with_their_definitions(client):
    add_records(2)
    YearPublication.objects.create(year=2025, published_at=dt.datetime.now(dt.UTC), figures={})
    body = client.get("/api/v1/chiffres-clefs/2025/").json()
    values = key_figures_for_year(2025)
    figures = {row["key"]: row for row in body["figures"]}
    assert list(figures) == list(figure_catalogue())
    assert all(Decimal(str(row["value"])) == values[key] for key, row in figures.items())
    assert figures["awards.count"]["definition"] and figures["awards.count"]["unit"] == "count"
    assert client.get("/api/v1/chiffres-clefs/").json() == [
        {"year": 2025, "url": "http://testserver/api/v1/chiffres-clefs/2025/"}]


def test_key_figures_of_an_unpublished_year_or_period_are_404(client):
    add_records(2)  # records in 2024 and 2025
    YearPublication.objects.create(year=2025, published_at=dt.datetime.now(dt.UTC), figures={})
    assert client.get("/api/v1/chiffres-clefs/2024/").status_code == 404
    assert client.get("/api/v1/chiffres-clefs/2024-2025/").status_code == 404
    assert client.get("/api/v1/chiffres-clefs/2025-2025/").status_code == 200
    assert client.get("/api/v1/chiffres-clefs/2025-2024/").status_code == 404
    assert client.get("/api/v1/chiffres-clefs/1700-2025/").status_code == 404
    # A year published and then withdrawn is no longer public.
    YearPublication.objects.filter(year=2025).update(ended_at=dt.datetime.now(dt.UTC),
                                                     ended_how="withdrawn")
    assert client.get("/api/v1/chiffres-clefs/2025/").status_code == 404


def test_period_figures_carry_their_rule(client, published_years):
    add_records(2)
    figures = {row["key"]: row for row in
               client.get("/api/v1/chiffres-clefs/2024-2025/").json()["figures"]}
    assert figures["awards.count"]["rule"] == "sum"
    assert figures["awards.count"]["value"] == 4  # two projects, two event subsidies
    assert figures["history.total_eur"]["unit"] == "eur"


def test_the_throttle_answers_429(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    statuses = [client.get("/api/v1/appels/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/appels/")
    assert response.status_code == 429 and "Retry-After" in response
    assert response.json()["detail"].startswith("Requête ralentie")


def test_the_description_and_its_documentation_page(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
    page = client.get("/api/docs/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "<style" not in body and "<script>" not in body
    assert "script-src 'self'" in page["Content-Security-Policy"]
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in script.content


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


@pytest.mark.parametrize("url", [*LISTS, "/api/v1/projets/?q=tumeurs&annee=2025",
                                 "/api/v1/projets/?financeur=1", "/api/v1/evenements/?annee=2025",
                                 "/api/v1/appels/?etat=clos"])
def test_lists_run_the_same_queries_with_3_and_30_records(client, url):
    add_records(3)
    few = _count(client, url)
    add_records(27, start=3)
    assert _count(client, url) == few
