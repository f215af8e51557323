"""The data page, the downloads and the staff list of what is left out: answers, bad input,
access, and the same literal query count with 3 and 30 awards."""

import json

import pytest
from django.urls import reverse

from tests import factories as f
from tests.opendata.conftest import funded_award, funder, giving360_errors, legal_entity

pytestmark = pytest.mark.django_db


def _awards(count: int):
    funders = [funder(), funder()]
    university = legal_entity()
    for k in range(count):
        funded_award(funders=funders if k % 2 else funders[:1], beneficiary=university)
    # One left out: the lead laboratory's tutelle has no number.
    funded_award(funders=funders[:1], beneficiary=f.OrganisationFactory(siren="", siret=""))


def test_data_page_links_downloads_licence_and_api(client):
    _awards(1)
    response = client.get("/donnees/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/donnees/subventions-scdl.csv?annee=2025" in html
    assert "/donnees/subventions-360giving.json?annee=2025" in html
    assert "Licence Ouverte" in html
    assert "/api/docs/" in html


def test_data_page_in_english(client):
    _awards(1)
    response = client.get("/en/donnees/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "/en/donnees/subventions-scdl.csv?annee=2025" in html


def test_data_page_without_awards(client):
    response = client.get("/donnees/")
    assert response.status_code == 200
    assert "Aucun financement n'est encore publié." in response.content.decode()


def test_scdl_download(client):
    _awards(3)
    response = client.get(reverse("opendata:scdl"), {"annee": "2025"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="clara-subventions-scdl-2025.csv"')
    lines = response.content.decode("utf-8").splitlines()
    assert lines[0].startswith("nomAttribuant,idAttribuant,dateConvention")
    assert len(lines) == 1 + 4  # 3 awards: 1 + 2 + 1 contributions; the fourth is left out


def test_360giving_download_is_valid(client):
    _awards(3)
    response = client.get(reverse("opendata:360giving"), {"de": "2024", "a": "2025"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="clara-subventions-360giving-2024-2025.json"')
    package = json.loads(response.content)
    assert len(package["grants"]) == 3
    assert package["accessURL"] == "http://testserver/donnees/"
    assert giving360_errors(package) == []


def test_360giving_download_of_an_empty_year_is_404(client):
    _awards(1)
    response = client.get(reverse("opendata:360giving"), {"annee": "2019"})
    assert response.status_code == 404


@pytest.mark.parametrize("query", [
    {"annee": "abc"}, {"annee": "1999"}, {"annee": "99999999999999999999"}, {"de": "2025", "a": "2023"},
    {"de": "x"}, {"a": "-1"},
])
@pytest.mark.parametrize("name", ["opendata:scdl", "opendata:360giving"])
def test_downloads_refuse_bad_periods(client, name, query):
    _awards(1)
    response = client.get(reverse(name), query)
    assert response.status_code == 400


@pytest.mark.parametrize("count", [3, 30])
def test_downloads_query_count_does_not_grow(client, django_assert_num_queries, count):
    _awards(count)
    # The years with data, the awards with everything joined, contributions, tranches.
    with django_assert_num_queries(4):
        assert client.get(reverse("opendata:scdl")).status_code == 200
    with django_assert_num_queries(4):
        assert client.get(reverse("opendata:360giving"), {"annee": "2025"}).status_code == 200
    # The years with data, the footer's co-funders.
    with django_assert_num_queries(2):
        assert client.get(reverse("opendata:index")).status_code == 200


def test_problems_view_is_for_staff_only(client):
    response = client.get(reverse("opendata:problems"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("count", [3, 30])
def test_problems_view_lists_what_is_missing(superuser_client, django_assert_num_queries,
                                             count):
    _awards(count)
    with django_assert_num_queries(9):
        response = superuser_client.get(reverse("opendata:problems"), {"annee": "2025"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "SIRET valide ou numéro RNA du bénéficiaire" in html
    assert "SIREN, SIRET ou ROR de l&#x27;organisation gestionnaire" in html


def test_admin_index_links_to_open_data(superuser_client):
    html = superuser_client.get("/admin/").content.decode()
    assert reverse("opendata:problems") in html


def test_staff_list_with_a_bad_period_says_so_in_french_and_lists_every_year(superuser_client):
    response = superuser_client.get(reverse("opendata:problems"), {"annee": "abcd"})
    assert response.status_code == 200
    import html

    assert ("L'année doit être un nombre de quatre chiffres."
            in html.unescape(response.content.decode()))
