"""The profile page /mon-espace/profil/ (accounts:profile)."""

import pytest
from django.urls import reverse

from clara.network.models import Person
from tests.factories import OrganisationFactory, PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/mon-espace/profil/"
ORCID = "0000-0002-1825-0097"


def test_profile_url_name():
    assert reverse("accounts:profile") == URL


def test_profile_requires_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/comptes/login/?next={URL}"


def test_profile_page_shows_labelled_grouped_choosers(client):
    team = TeamFactory(name="Immunité et cancer")
    user = UserFactory()
    client.force_login(user)

    html = client.get(URL).content.decode()

    assert "<h1" in html and "Mon profil" in html
    for field in ("first_name", "last_name", "orcid", "team", "organisation"):
        assert f'for="id_{field}"' in html
    assert f'<optgroup label="{team.site.name}">' in html
    assert "Immunité et cancer — " in html


def test_profile_save_creates_the_person_and_follows_a_safe_next(client):
    user = UserFactory()
    team = TeamFactory()
    client.force_login(user)

    response = client.post(URL, {
        "first_name": "Marie", "last_name": "Curie", "orcid": ORCID, "team": team.pk,
        "organisation": "", "next": "/mon-espace/",
    })

    assert response.status_code == 302
    assert response["Location"] == "/mon-espace/"
    person = Person.objects.get(user=user)
    assert (person.orcid, person.team, person.organisation) == (ORCID, team, team.organisation)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_profile_save_ignores_an_unsafe_next(client, next_url):
    client.force_login(UserFactory())

    response = client.post(URL, {"first_name": "Marie", "last_name": "Curie",
                                 "next": next_url})

    assert response["Location"] == URL


def test_profile_next_is_kept_through_the_form(client):
    client.force_login(UserFactory())

    html = client.get(URL, {"next": "/mon-espace/"}).content.decode()

    assert '<input type="hidden" name="next" value="/mon-espace/">' in html


def test_profile_errors_are_shown_in_french_and_nothing_saved(client):
    other = PersonFactory(orcid=ORCID, user=UserFactory())
    user = UserFactory()
    client.force_login(user)

    response = client.post(URL, {"first_name": "Marie", "last_name": "Curie", "orcid": ORCID})

    assert response.status_code == 200
    assert "Cet ORCID iD est déjà associé à un autre compte" in response.content.decode()
    assert not Person.objects.filter(user=user).exists()
    assert Person.objects.get(orcid=ORCID) == other


def test_profile_bad_orcid_checksum_message(client):
    client.force_login(UserFactory())

    response = client.post(URL, {"first_name": "Marie", "last_name": "Curie",
                                 "orcid": "0000-0002-1825-0098"})

    assert "n&#x27;est pas un ORCID iD valide" in response.content.decode()


def test_profile_page_in_english(client):
    client.force_login(UserFactory())

    html = client.get(f"/en{URL}").content.decode()

    assert '<html lang="en">' in html


def test_profile_page_prefilled_from_the_person(client):
    user = UserFactory()
    organisation = OrganisationFactory()
    PersonFactory(user=user, first_name="Irène", orcid=ORCID, organisation=organisation)
    client.force_login(user)

    form = client.get(URL).context["form"]

    assert form.initial["first_name"] == "Irène"
    assert form.initial["orcid"] == ORCID
    assert form.initial["organisation"] == organisation.pk


def test_profile_page_query_count_is_bounded(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = UserFactory()
    PersonFactory(user=user, team=TeamFactory())
    client.force_login(user)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    # Session, user, person (with team, site and organisation), teams, organisations.
    assert count() == 6
    for _ in range(5):
        TeamFactory()
        OrganisationFactory()
    assert count() == 6
