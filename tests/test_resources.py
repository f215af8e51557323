"""Spreadsheet resources: natural keys, round trips, French row errors."""

from decimal import Decimal

import pytest
import tablib

from clara.network.models import Person, TeamCensus
from clara.network.resources import (
    OrganisationResource,
    PersonResource,
    TeamCensusResource,
    TeamResource,
)
from events.resources import EventResource
from funding.models import Award, Contribution
from funding.resources import AwardResource, ContributionResource
from programmes.models import Application
from programmes.resources import ApplicationResource, CallResource
from projects.resources import FundedProjectResource
from tests import factories as f

pytestmark = pytest.mark.django_db

ROUND_TRIPS = {
    OrganisationResource: lambda: f.OrganisationFactory(parent=f.OrganisationFactory()),
    TeamResource: lambda: f.TeamFactory(leader=f.PersonFactory()),
    TeamCensusResource: lambda: f.TeamCensusFactory(),
    PersonResource: lambda: f.PersonFactory(),
    CallResource: lambda: f.CallFactory(with_track=True),
    ApplicationResource: lambda: f.ApplicationFactory(domain=f.InnovationDomainFactory()),
    AwardResource: lambda: f.ContributionFactory().award,
    FundedProjectResource: lambda: f.FundedProjectFactory(),
    EventResource: lambda: f.EventFactory(organiser=f.OrganisationFactory(),
                                          award=f.AwardFactory()),
}


@pytest.mark.parametrize("resource_class", ROUND_TRIPS, ids=lambda r: r.__name__)
def test_resource_export_imports_back_unchanged(resource_class):
    ROUND_TRIPS[resource_class]()
    dataset = resource_class().export()

    result = resource_class().import_data(dataset, dry_run=True)

    assert not result.has_errors(), [e.error for row in result.rows for e in row.errors]
    assert not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
    assert {row.import_type for row in result.rows} == {"skip"}


@pytest.mark.parametrize("resource_class", ROUND_TRIPS, ids=lambda r: r.__name__)
def test_resource_columns_are_unique_and_french(resource_class):
    headers = resource_class().get_export_headers()

    assert len(headers) == len(set(headers))
    assert not {"name", "title", "amount", "year"} & set(headers)


def test_teamcensus_import_is_keyed_by_team_organisation_and_year():
    census = f.TeamCensusFactory(year=2025, researchers=3)
    namesake = f.TeamFactory(name=census.team.name)  # same team name, other organisation
    dataset = tablib.Dataset(
        [census.team.name, census.team.organisation.name, 2025, 40],
        [namesake.name, namesake.organisation.name, 2025, 7],
        headers=["équipe (nom)", "organisation (nom)", "année", "chercheurs en cancérologie"],
    )

    result = TeamCensusResource().import_data(dataset)

    assert not result.has_errors() and not result.has_validation_errors()
    census.refresh_from_db()
    assert census.researchers == 40
    assert TeamCensus.objects.get(team=namesake, year=2025).researchers == 7


def test_namesake_teams_in_different_lookup_chunks_are_not_ambiguous(monkeypatch):
    """Past a chunk of lookups (900 keys), two same-named teams of different organisations
    fell in two chunks: each chunk's query found both, and each team was filed twice, its
    rows refused as « Plusieurs équipes correspondent »."""
    from clara.spreadsheets import resources

    monkeypatch.setattr(resources, "LOOKUP_CHUNK", 1)
    first = f.TeamCensusFactory(year=2025, researchers=3)
    namesake = f.TeamFactory(name=first.team.name)
    dataset = tablib.Dataset(
        [first.team.name, first.team.organisation.name, 2025, 40],
        [namesake.name, namesake.organisation.name, 2025, 7],
        headers=["équipe (nom)", "organisation (nom)", "année", "chercheurs en cancérologie"],
    )

    result = TeamCensusResource().import_data(dataset)

    assert not result.has_errors() and not result.has_validation_errors()
    assert TeamCensus.objects.get(team=namesake, year=2025).researchers == 7


def test_contribution_import_on_its_own_is_refused():
    contribution = f.ContributionFactory(amount=Decimal("1000"))
    dataset = tablib.Dataset(
        [contribution.award.application.reference, contribution.funder.name, "2000"],
        headers=["demande (référence)", "financeur (nom)", "montant (€)"],
    )

    result = ContributionResource().import_data(dataset)

    assert result.has_validation_errors()
    contribution.refresh_from_db()
    assert contribution.amount == Decimal("1000")


SPLIT = "répartition (financeur : montant ; …)"


def _award_row(application, amount, split, decided="26/06/2025 18:00"):
    return tablib.Dataset(
        [application.reference, amount, split, decided],
        headers=["demande (référence)", "montant (€)", SPLIT, "date de décision"],
    )


def test_award_import_creates_the_award_with_its_split():
    application = f.ApplicationFactory(status=Application.Status.SELECTED)
    inca = f.FunderFactory(name="Institut National du Cancer")
    ligue = f.FunderFactory(name="Ligue contre le cancer — comité du Rhône")
    dataset = _award_row(
        application, "14 350,00",
        "institut national du cancer : 10 000 ; Ligue contre le cancer — comité du Rhône : 4350",
    )

    result = AwardResource().import_data(dataset)

    assert not result.has_errors() and not result.has_validation_errors(), [
        r.error_dict for r in result.invalid_rows]
    award = application.award
    assert award.amount == Decimal("14350")
    assert dict(award.contributions.values_list("funder", "amount")) == {
        inca.pk: Decimal("10000"), ligue.pk: Decimal("4350"),
    }


@pytest.mark.parametrize(("split", "field"), [
    ("Institut National du Cancer : 10000", "contributions"),  # does not add up
    ("Inconnu : 14350", "contributions"),
    ("Institut National du Cancer 14350", "contributions"),
    ("Institut National du Cancer : beaucoup", "contributions"),
])
def test_award_import_with_a_bad_split_is_a_row_error_and_writes_nothing(split, field):
    application = f.ApplicationFactory(status=Application.Status.SELECTED)
    f.FunderFactory(name="Institut National du Cancer")

    result = AwardResource().import_data(_award_row(application, "14350", split))

    [row] = result.invalid_rows
    assert field in row.error_dict
    assert not Award.objects.exists() and not Contribution.objects.exists()


def test_award_import_update_keeps_the_split_when_the_cell_is_empty():
    contribution = f.ContributionFactory(amount=Decimal("40000"))
    award = contribution.award
    dataset = _award_row(award.application, "40000", "")
    dataset.append_col(["Revu en comité."], header="notes")

    result = AwardResource().import_data(dataset)

    assert not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
    award.refresh_from_db()
    assert award.notes == "Revu en comité."
    assert list(award.contributions.values_list("amount", flat=True)) == [Decimal("40000")]


def test_award_import_of_an_application_not_selected_is_a_row_error():
    application = f.ApplicationFactory(status=Application.Status.NOT_SELECTED)
    f.FunderFactory(name="Institut National du Cancer")
    result = AwardResource().import_data(
        _award_row(application, "100", "Institut National du Cancer : 100")
    )
    assert result.has_validation_errors()
    assert not Award.objects.exists()


def test_application_import_names_the_investigator_by_orcid_or_email():
    call = f.CallFactory()
    applicant = f.UserFactory(email="porteuse@univ-lyon.fr")
    with_orcid = f.PersonFactory()
    without_orcid = f.PersonFactory(orcid="", email="clinicien@chu-lyon.fr")
    headers = [
        "référence", "appel (identifiant)", "titre", "déposant (e-mail)",
        "porteur ou porteuse (ORCID ou e-mail)", "statut", "déposée le",
    ]
    dataset = tablib.Dataset(
        ["A-1", call.slug, "Projet 1", "PORTEUSE@univ-lyon.fr", with_orcid.orcid, "Déposée",
         "31/03/2025 12:00"],
        ["A-2", call.slug, "Projet 2", applicant.email, "Clinicien@CHU-Lyon.fr", "draft", ""],
        headers=headers,
    )

    result = ApplicationResource().import_data(dataset)

    assert not result.has_errors() and not result.has_validation_errors()
    first, second = Application.objects.order_by("reference")
    assert first.principal_investigator == with_orcid
    assert first.applicant == applicant
    assert first.status == Application.Status.SUBMITTED
    assert first.submitted_at.isoformat() == "2025-03-31T10:00:00+00:00"
    assert second.principal_investigator == without_orcid
    assert second.status == Application.Status.DRAFT


def test_application_import_rejects_an_unknown_status_in_french():
    call = f.CallFactory()
    person = f.PersonFactory()
    dataset = tablib.Dataset(
        ["A-1", call.slug, "Projet", f.UserFactory().email, person.orcid, "acceptée"],
        headers=["référence", "appel (identifiant)", "titre", "déposant (e-mail)",
                 "porteur ou porteuse (ORCID ou e-mail)", "statut"],
    )

    result = ApplicationResource().import_data(dataset, dry_run=True)

    [row] = result.invalid_rows
    assert row.error_dict["status"][0].startswith("« acceptée » n'est pas un choix possible")
    assert Application.objects.count() == 0


def test_person_import_with_bad_orcid_is_a_row_error():
    dataset = tablib.Dataset(
        ["Marie", "Curie", "Chercheur ou chercheuse", "0000-0002-1825-0098"],
        headers=["prénom", "nom", "profil", "ORCID iD"],
    )

    result = PersonResource().import_data(dataset, dry_run=True)

    [row] = result.invalid_rows
    assert "n'est pas un ORCID iD valide" in row.error_dict["orcid"][0]
    assert Person.objects.count() == 0


def test_decimal_cell_that_is_not_a_number_is_a_row_error():
    f.TeamCensusFactory()
    exported = TeamCensusResource().export()
    row = dict(zip(exported.headers, exported[0], strict=True))
    row["chercheurs en cancérologie"] = "beaucoup"
    dataset = tablib.Dataset(list(row.values()), headers=list(row))

    result = TeamCensusResource().import_data(dataset, dry_run=True)

    [row] = result.invalid_rows
    assert row.error_dict["researchers"] == ["« beaucoup » n'est pas un nombre."]


def test_french_amount_reads_the_same_in_the_english_admin():
    from django.utils import translation

    from clara.admin_helpers import DecimalWidget

    with translation.override("en"):
        assert DecimalWidget().clean("14 350,50 €") == Decimal("14350.50")
        assert DecimalWidget().clean("14350.50") == Decimal("14350.50")
