"""Published years: the public sees published years only, staff see drafts; after publication
the dashboard shows which figures the records changed, by how much and through which record
changes; republishing is the decision that clears the differences."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clara.formatting import format_figure
from clara.keyfigures.models import YearPublication
from clara.keyfigures.publication import (
    changes_since_publication,
    published_years,
    year_publish,
    year_unpublish,
)
from clara.keyfigures.selectors import key_figures_for_year
from programmes.models import Application, Programme
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    CallFactory,
    ContributionFactory,
    ProgrammeFactory,
    SiteFactory,
    StaffUserFactory,
    SuperUserFactory,
    TeamCensusFactory,
    TeamFactory,
    paris,
)
from tests.helpers import login_with_mfa

pytestmark = pytest.mark.django_db

PUBLIC_URLS = ("/chiffres-clefs/2025/", "/chiffres-clefs/2025/network.teams/",
               "/chiffres-clefs/2025/csv/", "/en/chiffres-clefs/2025/")


@pytest.fixture
def records():
    """Records of 2025 and 2024: two teams with a census, and one research award of 2025."""
    site = SiteFactory(name="Lyon et alentours", slug="lyon")
    for year in (2025, 2025, 2024):
        TeamCensusFactory(team=TeamFactory(site=site), year=year)
    return _award("275000")


def _award(amount: str):
    programme = Programme.objects.filter(kind=Programme.Kind.ONCOSTARTER).first() or (
        ProgrammeFactory(kind=Programme.Kind.ONCOSTARTER))
    call = programme.calls.first() or CallFactory(programme=programme, year=2025)
    award = AwardFactory(application=ApplicationFactory(call=call,
                                                        status=Application.Status.SELECTED),
                         amount=Decimal(amount), decided_at=paris(2025, 6, 1, 12))
    ContributionFactory(award=award, amount=award.amount)
    return award


@pytest.fixture
def staff():
    return SuperUserFactory(first_name="Claire", last_name="Martin")


def test_publication_unpublished_year_is_404_for_the_public(client, records):
    for url in PUBLIC_URLS:
        assert client.get(url).status_code == 404, url
    assert client.get("/chiffres-clefs/").status_code == 404


def test_publication_staff_see_an_unpublished_year_as_a_draft(client, records, staff):
    client.force_login(staff)
    html = client.get("/chiffres-clefs/2025/").content.decode()
    assert "Brouillon — non publié" in html
    assert client.get("/chiffres-clefs/2025/csv/").status_code == 200


def test_publication_published_year_is_public_without_draft_mark(client, records, staff):
    year_publish(year=2025, user=staff)
    for url in PUBLIC_URLS:
        assert client.get(url).status_code == 200, url
    html = client.get("/chiffres-clefs/2025/").content.decode()
    assert "Brouillon" not in html
    # 2024 is not published: the public sees no comparison with it, nor a link to it.
    assert "keyfigure-delta" not in html
    assert 'href="/chiffres-clefs/2024/"' not in html
    assert client.get("/chiffres-clefs/2024/").status_code == 404
    # The index leads the public to the newest published year.
    assert client.get("/chiffres-clefs/")["Location"].endswith("/chiffres-clefs/2025/")


def test_publication_stores_every_figure_of_the_year(records, staff):
    publication = year_publish(year=2025, user=staff, reason="Bilan validé")
    figures = key_figures_for_year(2025)
    assert {key: Decimal(value) for key, value in publication.figures.items()} == figures
    assert publication.figures["awards.amount_eur"] == "275000"
    assert publication.figures["network.teams"] == "2"
    assert published_years() == [2025]


def test_publication_refuses_a_year_without_records_or_in_the_future(staff):
    with pytest.raises(ValidationError):
        year_publish(year=2019, user=staff)
    with pytest.raises(ValidationError):
        year_publish(year=timezone.localdate().year + 1, user=staff)
    assert not YearPublication.objects.exists()


def test_publication_record_change_appears_on_the_dashboard(client, records, staff):
    year_publish(year=2025, user=staff)
    editor = StaffUserFactory(first_name="Paul", last_name="Durand")
    records.amount = Decimal("300000")
    records._history_user = editor
    records.save()

    changes = changes_since_publication(2025)
    changed = {row["key"]: row for row in changes["figures"]}
    assert set(changed) == {"awards.amount_eur"}
    assert changed["awards.amount_eur"]["delta_display"] == "+25\u202f000\xa0€"
    [change] = changed["awards.amount_eur"]["records"]
    assert (change["model"], change["id"], change["type"]) == ("funding.award", records.pk, "~")

    login_with_mfa(client, staff)
    html = client.get("/admin/chiffres-clefs/2025/").content.decode()
    row = html.split('data-key="awards.amount_eur"')[1].split("</tr>")[0]
    # Published and today's value formatted as on the page (short amounts: "275 K€").
    assert format_figure(Decimal("275000"), "eur") in row
    assert format_figure(Decimal("300000"), "eur") in row
    assert "+25\u202f000\xa0€" in row  # difference
    assert f"/admin/funding/award/{records.pk}/change/" in row
    assert "Modification" in row and "Paul Durand" in row
    assert "Republier les chiffres 2025" in html


def test_publication_change_of_a_related_record_is_listed(records, staff):
    """A contribution's figure moves when its award's decision moves to another year: the
    award's history is listed under the contribution figures."""
    year_publish(year=2025, user=staff)
    other = _award("10000")  # a new award after the publication: a creation
    changes = changes_since_publication(2025)
    changed = {row["key"]: row for row in changes["figures"]}
    assert changed["oncostarter.amount_eur"]["delta_display"] == "+10\u202f000\xa0€"
    created = [r for r in changed["oncostarter.amount_eur"]["records"]
               if r["model"] == "funding.award"]
    assert [(r["id"], r["type"]) for r in created] == [(other.pk, "+")]


def test_publication_republishing_clears_the_difference(client, records, staff):
    year_publish(year=2025, user=staff)
    records.amount = Decimal("300000")
    records.save()
    login_with_mfa(client, staff)
    response = client.post("/admin/chiffres-clefs/2025/",
                           {"action": "publish", "reason": "Montant corrigé"})
    assert response.status_code == 302

    assert changes_since_publication(2025)["figures"] == []
    html = client.get("/admin/chiffres-clefs/2025/").content.decode()
    assert 'data-key="awards.amount_eur"' not in html.split('id="changes"')[1]
    assert "Les dossiers donnent toujours les chiffres publiés." in html
    old, new = YearPublication.objects.filter(year=2025).order_by("published_at")
    assert old.ended_how == YearPublication.End.REPUBLISHED and old.ended_by == staff
    assert new.ended_at is None and new.figures["awards.amount_eur"] == "300000"
    assert new.reason == "Montant corrigé"


def test_publication_withdrawn_year_is_404_again(client, records, staff):
    year_publish(year=2025, user=staff)
    assert client.get("/chiffres-clefs/2025/").status_code == 200
    year_unpublish(year=2025, user=staff)
    assert client.get("/chiffres-clefs/2025/").status_code == 404
    assert YearPublication.objects.get().ended_how == YearPublication.End.WITHDRAWN
    with pytest.raises(ValidationError):
        year_unpublish(year=2025, user=staff)


def test_publication_needs_the_permission(client, records):
    clerk = StaffUserFactory()
    login_with_mfa(client, clerk)
    assert client.post("/admin/chiffres-clefs/2025/", {"action": "publish"}).status_code == 403
    assert not YearPublication.objects.exists()


def test_publication_dashboard_unknown_action_changes_nothing(client, records, staff):
    login_with_mfa(client, staff)
    response = client.post("/admin/chiffres-clefs/2025/", {"action": "drop"}, follow=True)
    assert "Action inconnue." in response.content.decode()
    assert not YearPublication.objects.exists()


def test_publication_dashboard_query_count_is_bounded(client, records, staff):
    year_publish(year=2025, user=staff)
    login_with_mfa(client, staff)
    counts = []
    for changes in (1, 10):
        for index in range(changes):
            records.amount += index + 1
            records.save()
            _award("1000")
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/admin/chiffres-clefs/2025/").content.decode()
        assert 'data-key="awards.amount_eur"' in html
        counts.append(len(queries.captured_queries))
    # Session and user (2), the figures of two years (42), the years (3), the checks (7),
    # the published years (1), the year's publications (1), the record changes since (1),
    # whatever the number of changes.
    assert counts == [56, 56]
