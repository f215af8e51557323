"""The base spreadsheet resource: duplicate keys, headers, booleans, control characters, the
readable preview, bulk lookups (QUALITY.md scenario 19)."""

import datetime
from decimal import Decimal

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clara.network.models import Organisation, Person, TeamCensus
from clara.network.resources import OrganisationResource, PersonResource, TeamCensusResource
from clara.spreadsheets.resources import BooleanWidget, validate_constraints
from events.models import Event
from events.resources import EventResource
from programmes.models import Application
from programmes.resources import ApplicationResource
from tests import factories as f

pytestmark = pytest.mark.django_db

APPLICATION_HEADERS = [
    "référence", "appel (identifiant)", "titre", "déposant (e-mail)",
    "porteur ou porteuse (ORCID ou e-mail)", "statut",
]


def _errors(result):
    return {
        row.number: {field: list(messages) for field, messages in row.error_dict.items()}
        for row in result.invalid_rows
    }


def _application_rows(call, applicant, person, references):
    return tablib.Dataset(
        *[[ref, call.slug, f"Projet {ref}", applicant.email, person.orcid, "Brouillon"]
          for ref in references],
        headers=APPLICATION_HEADERS,
    )


# --- Two rows with one key --------------------------------------------------------------------

def test_import_two_rows_with_the_same_key_is_a_row_error_and_writes_nothing():
    call, applicant, person = f.CallFactory(), f.UserFactory(), f.PersonFactory()
    dataset = _application_rows(call, applicant, person, ["A-1", "A-2", "A-1"])

    result = ApplicationResource().import_data(dataset, dry_run=False)

    errors = _errors(result)
    assert list(errors) == [3]
    [message] = errors[3]["__all__"]
    assert message == (
        "Cette ligne a la même clef (référence) que la ligne 1 du fichier : une seule ligne "
        "par enregistrement."
    )
    assert not Application.objects.exists()


def test_import_same_composite_key_twice_is_a_row_error():
    census = f.TeamCensusFactory(year=2025, researchers=3)
    row = [census.team.name, census.team.organisation.name, 2025]
    dataset = tablib.Dataset(
        [*row, 10], [*row, 20],
        headers=["équipe (nom)", "organisation (nom)", "année", "chercheurs en cancérologie"],
    )

    result = TeamCensusResource().import_data(dataset, dry_run=False)

    assert list(_errors(result)) == [2]
    census.refresh_from_db()
    assert census.researchers == 3


def test_import_two_people_without_orcid_with_one_email_is_a_row_error():
    dataset = tablib.Dataset(
        ["Marie", "Curie", "Autre", "m.curie@example.org", ""],
        ["Marie", "Curie-Sklodowska", "Autre", "M.Curie@example.org", ""],
        headers=["prénom", "nom", "profil", "adresse e-mail", "ORCID iD"],
    )

    result = PersonResource().import_data(dataset, dry_run=False)

    assert list(_errors(result)) == [2]
    assert not Person.objects.exists()


# --- People without ORCID are found again ----------------------------------------------------

def test_person_import_finds_people_without_orcid_by_email_then_by_name_and_organisation():
    organisation = f.OrganisationFactory(name="CHU de Grenoble")
    by_email = f.PersonFactory(orcid="", email="jean.dupont@chu-grenoble.fr", first_name="Jean",
                               last_name="Dupont")
    by_name = f.PersonFactory(orcid="", email="", first_name="Léa", last_name="Martin",
                              organisation=organisation)
    dataset = tablib.Dataset(
        ["Jean", "Dupont-Morel", "Autre", "JEAN.DUPONT@chu-grenoble.fr", "", ""],
        ["léa", "MARTIN", "Autre", "", "", "CHU de Grenoble"],
        headers=["prénom", "nom", "profil", "adresse e-mail", "ORCID iD", "organisation (nom)"],
    )

    result = PersonResource().import_data(dataset, dry_run=False)

    assert not _errors(result) and not result.has_errors()
    assert Person.objects.count() == 2
    by_email.refresh_from_db()
    by_name.refresh_from_db()
    assert by_email.last_name == "Dupont-Morel"
    assert (by_name.first_name, by_name.last_name) == ("léa", "MARTIN")


def test_person_import_of_two_namesakes_without_email_is_a_row_error():
    organisation = f.OrganisationFactory(name="CHU de Grenoble")
    for _ in range(2):
        f.PersonFactory(orcid="", email="", first_name="Léa", last_name="Martin",
                        organisation=organisation)
    dataset = tablib.Dataset(
        ["Léa", "Martin", "Autre", "", "", "CHU de Grenoble"],
        headers=["prénom", "nom", "profil", "adresse e-mail", "ORCID iD", "organisation (nom)"],
    )

    result = PersonResource().import_data(dataset, dry_run=False)

    [messages] = _errors(result).values()
    assert "Plusieurs personnes sans ORCID iD" in messages["__all__"][0]
    assert Person.objects.count() == 2


# --- Booleans ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "expected"), [
    ("oui", True), (" OUI ", True), ("Vrai", True), ("1", True), ("true", True), ("Yes", True),
    ("non", False), ("NON", False), ("faux", False), ("0", False), ("False", False),
    ("no", False), (True, True), (False, False), (1, True), (0, False), ("", None),
])
def test_boolean_widget_reads_french_and_english_answers(cell, expected):
    assert BooleanWidget().clean(cell) is expected


@pytest.mark.parametrize("cell", ["peut-être", "o", "2", "vraiment", "x"])
def test_boolean_cell_that_is_not_an_answer_is_a_row_error(cell):
    site = f.SiteFactory()
    dataset = tablib.Dataset(
        ["Onco SAS", "Entreprise", site.slug, cell],
        headers=["nom", "type", "site (identifiant)", "développe des produits en cancérologie"],
    )

    result = OrganisationResource().import_data(dataset, dry_run=False)

    [messages] = _errors(result).values()
    assert messages["develops_oncology_products"] == [
        f"« {cell} » n'est pas une réponse oui/non (oui, non, vrai, faux, 1, 0)."
    ]
    assert not Organisation.objects.exists()


def test_boolean_oui_is_stored_true_and_exported_as_oui():
    site = f.SiteFactory()
    dataset = tablib.Dataset(
        ["Onco SAS", "Entreprise", site.slug, "oui"],
        headers=["nom", "type", "site (identifiant)", "développe des produits en cancérologie"],
    )

    result = OrganisationResource().import_data(dataset, dry_run=False)

    assert not _errors(result) and not result.has_errors()
    assert Organisation.objects.get().develops_oncology_products is True
    exported = OrganisationResource().export()
    assert exported.dict[0]["développe des produits en cancérologie"] == "oui"


# --- Headers ----------------------------------------------------------------------------------

def test_import_with_wrong_headers_lists_the_expected_columns_in_french():
    dataset = tablib.Dataset(["x", "y"], headers=["reference", "call"])

    result = ApplicationResource().import_data(dataset, dry_run=True)

    [error] = result.base_errors
    message = str(error.error)
    assert message.startswith("L'en-tête du fichier ne correspond pas à cet import")
    assert "colonnes inconnues : « reference », « call »" in message
    assert "colonnes de la clef manquantes : « référence »" in message
    assert "Colonnes attendues : « référence », « appel (identifiant) »" in message
    assert error.traceback == ""
    assert not result.rows


def test_import_with_a_column_twice_is_refused():
    dataset = tablib.Dataset(["A-1", "A-1"], headers=["référence", "référence"])

    result = ApplicationResource().import_data(dataset, dry_run=True)

    [error] = result.base_errors
    assert "colonnes en double : « référence »" in str(error.error)


def test_exported_headers_are_accepted_with_surrounding_spaces():
    f.TeamCensusFactory()
    exported = TeamCensusResource().export()
    dataset = tablib.Dataset(*exported, headers=[f" {h} " for h in exported.headers])

    result = TeamCensusResource().import_data(dataset, dry_run=True)

    assert not result.base_errors
    assert {row.import_type for row in result.rows} == {"skip"}


# --- Control characters -----------------------------------------------------------------------

@pytest.mark.parametrize(("column", "value", "field"), [
    ("titre", "Projet\x00nul", "title"),
    ("titre", "Projet\x1b[31m", "title"),
    ("titre", "Projet\nsur deux lignes", "title"),
    ("titre", "Projet\ttabulé", "title"),
    ("résumé grand public", "Texte\x07", "lay_summary"),
    ("résumé grand public", "Texte\x85suite", "lay_summary"),
])
def test_control_characters_are_a_row_error(column, value, field):
    call, applicant, person = f.CallFactory(), f.UserFactory(), f.PersonFactory()
    dataset = _application_rows(call, applicant, person, ["A-1"])
    if column not in dataset.headers:
        dataset.append_col([""], header=column)
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    row[column] = value
    dataset = tablib.Dataset(list(row.values()), headers=list(row))

    result = ApplicationResource().import_data(dataset, dry_run=False)

    [messages] = _errors(result).values()
    assert messages[field][0].startswith("Cette cellule contient un caractère de contrôle")
    assert not Application.objects.exists()


def test_line_breaks_and_tabs_are_kept_in_long_texts():
    call, applicant, person = f.CallFactory(), f.UserFactory(), f.PersonFactory()
    dataset = _application_rows(call, applicant, person, ["A-1"])
    dataset.append_col(["Premier paragraphe.\r\n\r\nSecond\tparagraphe."],
                       header="résumé grand public")

    result = ApplicationResource().import_data(dataset, dry_run=False)

    assert not _errors(result) and not result.has_errors()
    assert Application.objects.get().lay_summary == "Premier paragraphe.\r\n\r\nSecond\tparagraphe."


# --- Preview ----------------------------------------------------------------------------------

def test_preview_shows_old_and_new_values_apart():
    census = f.TeamCensusFactory(year=2025, researchers=45)
    exported = TeamCensusResource().export()
    row = exported.dict[0]
    row["chercheurs en cancérologie"] = 55
    dataset = tablib.Dataset(list(row.values()), headers=list(row))

    result = TeamCensusResource().import_data(dataset, dry_run=True)

    [row_result] = result.rows
    column = result.diff_headers.index("chercheurs en cancérologie")
    assert row_result.diff[column] == (
        '<del class="diff-old">45</del> → <ins class="diff-new">55</ins>'
    )
    assert row_result.diff[result.diff_headers.index("année")] == "2025"
    census.refresh_from_db()
    assert census.researchers == 45


def test_preview_escapes_cell_text():
    census = f.TeamCensusFactory(team__name="<b>Équipe</b>")
    exported = TeamCensusResource().export()
    result = TeamCensusResource().import_data(exported, dry_run=True)
    [row_result] = result.rows
    assert "&lt;b&gt;Équipe&lt;/b&gt;" in row_result.diff[0]
    assert census.pk


# --- Bulk lookups -----------------------------------------------------------------------------

LOOKUP_TABLES = ("programmes_call", "accounts_user", "network_person", "programmes_application")


def _import_queries(count):
    call, applicant, person = f.CallFactory(), f.UserFactory(), f.PersonFactory()
    start = Application.objects.count()
    dataset = _application_rows(
        call, applicant, person, [f"Q{count}-{n}" for n in range(count)]
    )
    with CaptureQueriesContext(connection) as queries:
        result = ApplicationResource().import_data(dataset, dry_run=True)
    assert not _errors(result) and not result.has_errors()
    assert Application.objects.count() == start
    lookups = [
        q["sql"] for q in queries
        if q["sql"].startswith("SELECT") and "LIMIT 1" not in q["sql"]
        and any(f'FROM "{table}"' in q["sql"] for table in LOOKUP_TABLES)
    ]
    return len(queries), len(lookups)


def test_import_looks_up_related_records_for_the_whole_file_at_once():
    (few, few_lookups), (many, many_lookups) = _import_queries(2), _import_queries(12)
    # One query per looked-up column and one for the existing applications, whatever the
    # number of rows (the first row also reads the call's programme for its history row).
    assert few_lookups == many_lookups == 4
    # New applications are checked without a query (related rows and keys looked up with
    # the file, check constraints in Python) and written together at the end: what is left
    # per row is its savepoint.
    assert (many - few) / 10 <= 2, (few, many)


def test_event_import_by_title_and_date_finds_the_existing_event():
    event = f.EventFactory()
    exported = EventResource().export()
    result = EventResource().import_data(exported, dry_run=False)
    assert {row.import_type for row in result.rows} == {"skip"}
    assert Event.objects.get() == event
    assert TeamCensus.objects.count() == 0


# --- Check constraints evaluated in Python ----------------------------------------------------

def _verdict(check, instance):
    try:
        check(instance)
    except ValidationError as error:
        return sorted(
            (field, sorted(str(m) for m in messages))
            for field, messages in error.message_dict.items()
        )
    return "valid"


D = datetime.date
T = datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC)

CONSTRAINT_CASES = [
    (f.ApplicationFactory, {"requested_amount": Decimal("-1")}),
    (f.ApplicationFactory, {"requested_amount": Decimal("0")}),
    (f.ApplicationFactory, {"requested_amount": None}),
    (f.ApplicationFactory, {"status": "submitted", "submitted_at": None}),
    (f.ApplicationFactory, {"status": "draft", "submitted_at": None}),
    (f.ApplicationFactory, {"status": "withdrawn", "submitted_at": None}),
    (f.ApplicationFactory, {"status": "selected", "submitted_at": T}),
    (f.ApplicationFactory, {"status": "selected", "submitted_at": None,
                            "requested_amount": Decimal("-5")}),
    (f.CallFactory, {"closes_at": T, "opens_at": T}),
    (f.CallFactory, {"closes_at": T, "opens_at": T - datetime.timedelta(seconds=1)}),
    (f.CallFactory, {"year": 1999, "budget": Decimal("-1")}),
    (f.CallFactory, {"year": 2100, "budget": None}),
    (f.OrganisationFactory, {"active_from": D(2020, 1, 1), "active_until": D(2019, 12, 31)}),
    (f.OrganisationFactory, {"active_from": D(2020, 1, 1), "active_until": D(2020, 1, 1)}),
    (f.OrganisationFactory, {"active_from": None, "active_until": D(2019, 12, 31)}),
    (f.OrganisationFactory, {"siren": "123456789", "siret": "98765432100017"}),
    (f.TeamCensusFactory, {"year": 2101}),
    (f.EventFactory, {"start_date": D(2025, 5, 2), "end_date": D(2025, 5, 1)}),
    (f.EventFactory, {"start_date": D(2025, 5, 2), "end_date": None}),
    (f.FundedProjectFactory, {"start_date": D(2025, 5, 2), "end_date": D(2025, 5, 1)}),
    (f.AwardFactory, {"amount": Decimal("-0.01")}),
]


@pytest.mark.parametrize(("factory", "changes"), CONSTRAINT_CASES)
def test_check_constraints_in_python_agree_with_the_database(factory, changes):
    instance = factory()
    for name, value in changes.items():
        setattr(instance, name, value)

    assert _verdict(validate_constraints, instance) == _verdict(
        lambda obj: obj.validate_constraints(), instance
    )


def test_check_constraints_in_python_refuse_what_the_database_refuses():
    application = f.ApplicationFactory()
    application.requested_amount = Decimal("-1")
    with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError):
        validate_constraints(application)
    assert not queries  # no round trip for these two conditions


def test_new_applications_are_written_together_with_their_history_and_user():
    call, applicant, person = f.CallFactory(), f.UserFactory(), f.PersonFactory()
    staff = f.StaffUserFactory()
    dataset = _application_rows(call, applicant, person, ["N-1", "N-2", "N-3"])
    dataset[1] = ("N-2", call.slug, "Projet N-2", applicant.email, person.orcid, "Déposée")

    result = ApplicationResource().import_data(
        dataset, dry_run=False, user=staff, retain_instance_in_row_result=True
    )

    assert not _errors(result) and not result.has_errors()
    applications = Application.objects.filter(reference__startswith="N-").order_by("reference")
    assert [a.status for a in applications] == ["draft", "submitted", "draft"]
    assert applications[1].submitted_at is not None
    for application in applications:
        record = application.history.get()
        assert (record.history_type, record.history_user) == ("+", staff)
    assert [row.instance.pk for row in result.rows] == [a.pk for a in applications]


def test_person_consent_date_is_exported_and_imported_and_a_file_without_it_keeps_it():
    consented = f.PersonFactory(orcid="0000-0002-1825-0097", public_consent_on=datetime.date(2025, 3, 15))
    exported = PersonResource().export(queryset=Person.objects.all())
    assert "accord pour être nommé publiquement, le" in exported.headers
    assert exported.dict[0]["accord pour être nommé publiquement, le"] in ("2025-03-15", "15/03/2025")

    dataset = tablib.Dataset(
        [consented.first_name, consented.last_name, "Autre", "", "0000-0002-1825-0097", "", ""],
        headers=["prénom", "nom", "profil", "adresse e-mail", "ORCID iD", "organisation (nom)",
                 "accord pour être nommé publiquement, le"],
    )
    result = PersonResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not _errors(result)
    consented.refresh_from_db()
    assert consented.public_consent_on is None  # consent withdrawn: the cell emptied

    dataset = tablib.Dataset(
        [consented.first_name, consented.last_name, "Autre", "", "0000-0002-1825-0097", "",
         "01/02/2026"],
        headers=dataset.headers,
    )
    PersonResource().import_data(dataset, dry_run=False)
    consented.refresh_from_db()
    assert consented.public_consent_on == datetime.date(2026, 2, 1)

    without_column = tablib.Dataset(
        [consented.first_name, "Autre-Nom", "Autre", "", "0000-0002-1825-0097", ""],
        headers=dataset.headers[:-1],
    )
    result = PersonResource().import_data(without_column, dry_run=False)
    assert not result.has_errors() and not _errors(result)
    consented.refresh_from_db()
    assert (consented.last_name, consented.public_consent_on) == ("Autre-Nom", datetime.date(2026, 2, 1))
