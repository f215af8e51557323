"""Public pages come from a cache that any change of the records invalidates."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clara.network.models import TeamCensus
from clara.publiccache import records_changed, records_version
from tests.factories import StaffUserFactory, TeamCensusFactory, TeamFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("published_years")]


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries.captured_queries)


def test_a_repeated_view_of_an_unchanged_page_computes_nothing(client):
    TeamCensusFactory(year=2025)
    for url in ("/chiffres-clefs/2025/", "/en/chiffres-clefs/2025/network.teams/",
                "/chiffres-clefs/2025/csv/", "/", "/chiffres-clefs/2025/network.teams/?page=2"):
        first, first_queries = _get(client, url)
        again, again_queries = _get(client, url)
        assert (first.status_code, again.status_code) == (200, 200)
        assert again.content == first.content
        assert again_queries == 0, url
        assert again["X-Public-Cache"] == "hit"
        # The headers the inner middleware gave the page the first time are kept.
        for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options",
                       "Content-Language"):
            assert again.get(header) == first.get(header), (url, header)
    assert first_queries > 0


def test_the_next_view_after_a_change_shows_it(client):
    team = TeamFactory()
    TeamCensusFactory(team=team, year=2025, researchers=10, doctoral_students=0)
    url = "/chiffres-clefs/2025/network.teams/"
    assert "1 dossier derrière ce chiffre" in client.get(url).content.decode()
    TeamCensusFactory(year=2025)
    assert "2 dossiers derrière ce chiffre" in client.get(url).content.decode()
    # An update and a delete too.
    census = TeamCensus.objects.filter(team=team).get()
    census.researchers = 4321
    census.save()
    assert "4321" in client.get(url).content.decode()
    census.delete()
    assert "1 dossier derrière ce chiffre" in client.get(url).content.decode()


def test_bulk_writes_say_so_themselves(client):
    TeamCensusFactory(year=2025, researchers=10, doctoral_students=0)
    url = "/chiffres-clefs/2025/network.researchers/"
    client.get(url)
    TeamCensus.objects.update(researchers=777)  # no signal
    records_changed()
    assert "777" in client.get(url).content.decode()


def test_staff_error_pages_and_odd_queries_are_not_cached(client):
    TeamCensusFactory(year=2025)
    for url in ("/chiffres-clefs/2031/", "/chiffres-clefs/2025/?utm=x"):
        client.get(url)
        response, queries = _get(client, url)
        assert queries > 0 and "X-Public-Cache" not in response, url
    client.force_login(StaffUserFactory(is_superuser=True))
    client.get("/chiffres-clefs/2025/")
    response, queries = _get(client, "/chiffres-clefs/2025/")
    assert queries > 0 and "/admin/network/teamcensus/" in response.content.decode()


def test_a_committed_change_invalidates_after_the_commit(client, django_capture_on_commit_callbacks):
    TeamCensusFactory(year=2025, researchers=10, doctoral_students=0)
    url = "/chiffres-clefs/2025/network.researchers/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        TeamCensusFactory(year=2025, researchers=5, doctoral_students=0)
    # A page computed by another request before the commit, under the version of the moment,
    # is never served after the commit.
    client.get(url)
    before = records_version()
    for callback in callbacks:
        callback()
    assert records_version() != before


def test_applications_written_in_bulk_by_the_import_service_make_the_pages_stale():
    from programmes.models import Application
    from programmes.services import application_create_many
    from tests.factories import CallFactory, PersonFactory, UserFactory

    application = Application(
        reference="BULK-1", call=CallFactory(), applicant=UserFactory(),
        principal_investigator=PersonFactory(), title="Projet importé", acronym="BULK",
        lay_summary="Résumé.", requested_amount=40000, status=Application.Status.DRAFT,
    )
    before = records_version()
    application_create_many(applications=[application])
    assert Application.objects.filter(reference="BULK-1").exists()
    assert records_version() != before
