"""The derived copy of each funded project's facts (`FundedProject.facet_*`, read by the
public list `/projets/`) follows every kind of change of the records it is read from, and
is recomputed for writes that bypass model signals."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from projects.models import FundedProject, ProjectYearStatus
from projects.services import project_facts_refresh
from tests import factories as f

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _listed(client, query=""):
    from django.core.cache import caches

    caches["public"].clear()
    page = client.get(f"/projets/?{query}").content.decode()
    return re.findall(r'href="/projets/\d+/">([^<]*)</a>', page), page


def _project(name, **award):
    application = f.ApplicationFactory(status="selected", title=f"Titre de {name}")
    return f.FundedProjectFactory(award=f.AwardFactory(application=application, **award),
                                  name=name)


def _facts(project):
    return FundedProject.objects.values(
        "facet_programme_id", "facet_track_id", "facet_domain_id", "facet_decision_year",
        "facet_decided_at", "facet_amount", "facet_latest_status", "facet_search_plain",
    ).get(pk=project.pk)


def test_a_new_project_has_its_facts():
    project = _project("NOUVEAU", amount=Decimal("12345.67"),
                       decided_at=dt.datetime(2024, 12, 31, 23, 30, tzinfo=PARIS))
    facts = _facts(project)
    call = project.award.application.call
    assert facts["facet_programme_id"] == call.programme_id
    # 31 December 23:30 in Paris is 2025 in UTC: the year is Paris's.
    assert facts["facet_decision_year"] == 2024
    assert facts["facet_amount"] == Decimal("12345.67")
    assert "titre de nouveau" in facts["facet_search_plain"]


def test_renamed_application_title_is_found(client):
    project = _project("RENOMME")
    application = project.award.application
    application.title = "Étude des Mélanomes oculaires"
    application.save()
    names, _page = _listed(client, "q=melanomes")
    assert names == ["RENOMME"]
    assert _listed(client, "q=Titre")[0] == []
    project.public_summary = "Cohorte pédiatrique."
    project.save()
    assert _listed(client, "q=pediatrique")[0] == ["RENOMME"]


def test_changed_award_date_moves_the_year_facet(client):
    project = _project("DATE", decided_at=dt.datetime(2023, 6, 1, 12, tzinfo=PARIS))
    _project("AUTRE", decided_at=dt.datetime(2025, 6, 1, 12, tzinfo=PARIS))
    assert _listed(client, "annee=2023")[0] == ["DATE"]
    award = project.award
    award.decided_at = dt.datetime(2025, 3, 1, 12, tzinfo=PARIS)
    award.amount = Decimal("99000")
    award.save()
    assert _listed(client, "annee=2023")[0] == []
    names, page = _listed(client, "annee=2025&tri=amount")
    assert names == ["DATE", "AUTRE"]  # the amount sort follows the award too
    assert re.search(r"2025</a> <span[^>]*>\(2\)", page)


def test_a_later_year_status_changes_the_status_facet(client):
    project = _project("STATUT")
    ProjectYearStatus.objects.create(project=project, year=2024, status="ongoing")
    assert _listed(client, "statut=ongoing")[0] == ["STATUT"]
    later = ProjectYearStatus.objects.create(project=project, year=2025, status="completed")
    assert _listed(client, "statut=ongoing")[0] == []
    names, page = _listed(client, "statut=completed")
    assert names == ["STATUT"] and re.search(r"Terminé</a> <span[^>]*>\(1\)", page)
    later.delete()  # back to the status of 2024
    assert _listed(client, "statut=ongoing")[0] == ["STATUT"]


def test_changed_call_programme_track_and_domain_move_their_facets(client):
    from programmes.models import Track

    project = _project("APPEL")
    other = f.ProgrammeFactory(name="Preuve du Concept", slug="poc")
    track = Track.objects.create(programme=other, code=Track.Code.INTERFACE)
    call = project.award.application.call
    call.programme, call.track = other, track
    call.save()
    names, page = _listed(client, "programme=poc")
    assert names == ["APPEL"] and re.search(r"Preuve du Concept</a> <span[^>]*>\(1\)", page)
    assert _listed(client, f"clef={track.pk}")[0] == ["APPEL"]
    domain = f.InnovationDomainFactory(name="Imagerie", slug="imagerie")
    application = project.award.application
    application.domain = domain
    application.save()
    assert _listed(client, "domaine=imagerie")[0] == ["APPEL"]


def test_writes_without_signals_are_caught_by_the_refresh_and_the_command(client):
    project = _project("MASSE")
    ProjectYearStatus.objects.create(project=project, year=2025, status="ongoing")
    # A bulk writer (no signal): the copy is stale until the refresh.
    ProjectYearStatus.objects.filter(project=project).update(status="stopped")
    assert _facts(project)["facet_latest_status"] == "ongoing"
    project_facts_refresh()
    assert _facts(project)["facet_latest_status"] == "stopped"
    FundedProject.objects.filter(pk=project.pk).update(facet_search_plain="",
                                                       facet_programme_id=12345)
    call_command("refresh_project_facts", stdout=__import__("io").StringIO())
    assert _listed(client, "q=masse")[0] == ["MASSE"]
    assert _facts(project)["facet_programme_id"] == project.award.application.call.programme_id


def test_a_project_bulk_created_without_its_facts_is_listed_and_searchable(client):
    _project("SIGNAL")
    award = f.AwardFactory(application=f.ApplicationFactory(status="selected",
                                                            title="Sarcomes rares"))
    FundedProject.objects.bulk_create([FundedProject(award=award, name="VRAC")])
    assert _facts(FundedProject.objects.get(name="VRAC"))["facet_programme_id"] is None
    # A search meets it first: found, then its facts written.
    assert _listed(client, "q=sarcomes")[0] == ["VRAC"]
    assert _facts(FundedProject.objects.get(name="VRAC"))["facet_programme_id"] is not None
    names, page = _listed(client)
    assert sorted(names) == ["SIGNAL", "VRAC"] and "2 projets" in page


def test_the_list_stops_at_its_last_page_and_says_so(client, monkeypatch):
    import projects.public_views
    import projects.search

    monkeypatch.setattr(projects.search, "MAX_PAGE", 1)
    monkeypatch.setattr(projects.public_views, "MAX_PAGE", 1)
    for index in range(26):
        _project(f"P{index:02d}")
    names, page = _listed(client, "page=2")
    assert len(names) == 25 and "26 projets" in page
    assert "La liste s'arrête ici, après 25 projets" in page and 'href="?page=2"' not in page


def test_contributions_move_the_co_funder_filter_and_its_counts(client):
    project = _project("PARTAGE", amount=Decimal("40000"))
    _project("SEUL")
    ligue = f.FunderFactory(name="Ligue")
    region = f.FunderFactory(name="Région")
    f.ContributionFactory(award=project.award, funder=ligue)
    assert FundedProject.objects.get(pk=project.pk).facet_funders == f",{ligue.pk},"
    names, page = _listed(client, f"financeur={ligue.pk}")
    assert names == ["PARTAGE"] and re.search(r"Ligue</a> <span[^>]*>\(1\)", page)
    assert "Région" not in page
    second = f.ContributionFactory(award=project.award, funder=region)
    ids = sorted([ligue.pk, region.pk])
    assert FundedProject.objects.get(pk=project.pk).facet_funders == f",{ids[0]},{ids[1]},"
    assert _listed(client, f"financeur={region.pk}")[0] == ["PARTAGE"]
    second.delete()
    assert _listed(client, f"financeur={region.pk}")[0] == []
    assert _listed(client, "financeur=999999")[0] == []


def test_browsing_counts_follow_every_change_without_clearing_any_cache(client):
    """The counts of the lists without text (the cube kept per records version) are never
    those of before a change: a new project, then its move to another year, show at once."""
    from django.core.cache import caches

    caches["public"].clear()
    _project("PREMIER", decided_at=dt.datetime(2024, 6, 1, 12, tzinfo=PARIS))

    def page(query=""):  # no cache cleared: the cube of the current version, if any
        return client.get(f"/projets/?{query}", HTTP_COOKIE="").content.decode()

    assert "1 projet" in page() and "2 projets" not in page()
    second = _project("SECOND", decided_at=dt.datetime(2024, 6, 1, 12, tzinfo=PARIS))
    assert "2 projets" in page()
    assert re.search(r"2024</a> <span[^>]*>\(2\)", page("programme=nothing-like-it")) is None
    award = second.award
    award.decided_at = dt.datetime(2025, 6, 1, 12, tzinfo=PARIS)
    award.save()
    listed = page()
    assert re.search(r"2024</a> <span[^>]*>\(1\)", listed)
    assert re.search(r"2025</a> <span[^>]*>\(1\)", listed)
