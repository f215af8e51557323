"""`manage.py import_records`: the history loader (issue 11).

The demo data exported kind by kind with the admin's resources, the domain tables emptied,
and the files imported back with --commit give the same rows and the same key figures; a
workbook with errors lists them all (sheet, line, column) and writes nothing; a second run
changes nothing; a folder of CSV files works like a workbook."""

import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings
from openpyxl import load_workbook

from clara.keyfigures.selectors import key_figures_for_year
from clara.spreadsheets.records import (
    KINDS,
    read_records,
    records_export_csv,
    records_export_xlsx,
    records_import,
)

pytestmark = pytest.mark.django_db

YEARS = (2023, 2024, 2025)

# Emptied in this order (dependants first): the kinds of the history and the records that
# hang on them without being part of it (reviews, reports, disbursements…).
FLUSH_ORDER = [
    "events.Prize", "events.Poster", "events.EventSpeaker", "events.SurveyResponse",
    "events.InternationalAction", "events.Event", "events.WorkingGroup",
    "projects.Outcome", "projects.FollowUpReport", "projects.SupportAction",
    "projects.ProjectYearStatus", "projects.FundedProject",
    "funding.Disbursement", "funding.Contribution", "funding.CompanyInvestment",
    "funding.Award",
    "programmes.ReviewScore", "programmes.Review", "programmes.Audition",
    "programmes.Decision", "programmes.Attachment", "programmes.BudgetLine",
    "programmes.PlannedInvestment", "programmes.Application",
    "programmes.EvaluationCriterion", "programmes.RequiredDocument", "programmes.Call",
    "programmes.Track", "programmes.Programme", "programmes.InnovationDomain",
    "funding.Funder", "network.TeamCensus", "network.Team", "network.Person",
    "network.Organisation", "network.Site",
]
# Links between records, counted with the records.
LINKS = [
    ("programmes.Application", "teams"), ("programmes.Application", "partner_companies"),
    ("programmes.Application", "co_applicants"), ("programmes.Call", "cofunders"),
    ("programmes.Call", "domains"), ("programmes.Call", "sites"),
    ("events.WorkingGroup", "members"), ("events.InternationalAction", "members"),
]


def load_demo():
    with override_settings(DEBUG=True):
        call_command("load_demo", stdout=io.StringIO())


def flush():
    apps.get_model("network.Organisation").objects.update(parent=None)
    for label in FLUSH_ORDER:
        apps.get_model(label)._default_manager.all().delete()


def counts() -> dict[str, int]:
    result = {kind.model._meta.label: kind.model._default_manager.count() for kind in KINDS}
    for label, name in LINKS:
        through = getattr(apps.get_model(label), name).through
        result[f"{label}.{name}"] = through.objects.count()
    return result


def figures() -> dict:
    return {year: key_figures_for_year(year) for year in YEARS}


def run(path, *options) -> str:
    out = io.StringIO()
    call_command("import_records", str(path), *options, stdout=out, stderr=out)
    return out.getvalue()


def project_facts() -> list[tuple]:
    """Each project's derived facts (`FundedProject.facet_*`), ids read as names."""
    from funding.models import Funder
    from programmes.models import InnovationDomain, Programme, Track
    from projects.models import FundedProject

    names = {model: dict(model.objects.values_list("pk", "name"))
             for model in (Funder, Programme, InnovationDomain)}
    tracks = dict(Track.objects.values_list("pk", "code"))
    return sorted(
        (p.name, names[Programme][p.facet_programme_id], tracks.get(p.facet_track_id),
         names[InnovationDomain].get(p.facet_domain_id), p.facet_decision_year,
         p.facet_amount, p.facet_latest_status, p.facet_search_plain,
         sorted(names[Funder][int(i)] for i in p.facet_funders.strip(",").split(",") if i))
        for p in FundedProject.objects.all())


def test_the_demo_exported_then_imported_into_empty_tables_gives_the_same_records(tmp_path):
    load_demo()
    before_counts, before_figures = counts(), figures()
    assert before_counts["programmes.Application"] > 100
    before_facts = project_facts()
    path = tmp_path / "historique.xlsx"
    path.write_bytes(records_export_xlsx())
    flush()
    assert counts()["programmes.Application"] == 0

    output = run(path, "--commit")

    assert "Tout a été enregistré." in output
    assert counts() == before_counts
    assert figures() == before_figures
    # The public list's copy of each project's facts is written once at the end (deferred
    # during the import), the same as before.
    assert project_facts() == before_facts
    # Running it again changes nothing: every row is left unchanged.
    report = records_import(read_records(path), commit=True)
    assert report.ok, report.errors[:5]
    assert report.totals()["new"] == 0
    assert report.totals()["update"] == 0
    assert report.totals()["skip"] == report.totals()["rows"] > 3000
    assert counts() == before_counts


def test_a_workbook_with_errors_lists_every_error_and_writes_nothing(tmp_path):
    load_demo()
    path = tmp_path / "erreurs.xlsx"
    path.write_bytes(records_export_xlsx())
    book = load_workbook(path)

    def column(sheet, header):
        return [c.value for c in sheet[1]].index(header) + 1

    # Duplicate key: the first site twice.
    sites = book["sites"]
    sites.append([c.value for c in sites[2]])
    duplicate_line = sites.max_row
    # Unknown reference: a decision on an application that does not exist.
    decisions = book["decisions"]
    decisions.cell(2, column(decisions, "demande (référence)")).value = "INCONNUE-0001"
    # Amount below zero: a company's planned investment.
    investments = book["investissements"]
    investments.cell(2, column(investments, "investissement prévu (€)")).value = "-1000"
    # Contributions that do not add up to the award: the amount changed, not the split.
    awards = book["financements"]
    amount = awards.cell(2, column(awards, "montant (€)"))
    amount.value = "999999"
    # Wrong header.
    outcomes = book["resultats"]
    outcomes.cell(1, column(outcomes, "intitulé")).value = "intitule"
    book.save(path)
    before = counts()

    with pytest.raises(CommandError, match="Rien n'a été enregistré"):
        run(path, "--commit")
    report = records_import(read_records(path), commit=True)

    assert not report.committed
    found = {(e.sheet, e.line, e.column) for e in report.errors}
    assert ("sites", duplicate_line, "") in found or any(
        e.sheet == "sites" and e.line == duplicate_line for e in report.errors)
    assert ("decisions", 2, "demande (référence)") in found
    assert ("investissements", 2, "investissement prévu (€)") in found
    assert ("financements", 2, "répartition (financeur : montant ; …)") in found
    assert ("resultats", 1, "") in found
    messages = {e.sheet: e.message for e in report.errors}
    assert "même clef" in messages["sites"]
    assert "INCONNUE-0001" in messages["decisions"]
    assert "intitule" in messages["resultats"]
    assert "doivent faire exactement le montant" in [
        e.message for e in report.errors if e.sheet == "financements"][0]
    # Only those five: the other rows are unchanged records.
    assert len({(e.sheet, e.line) for e in report.errors}) == 5, report.errors
    assert counts() == before


def test_a_second_run_changes_nothing_and_a_dry_run_writes_nothing(tmp_path):
    load_demo()
    path = tmp_path / "historique.xlsx"
    path.write_bytes(records_export_xlsx())
    before = counts()
    output = run(path, "--commit")
    assert "Total : " in output and "— 0 / 0 / " in output
    flush()
    output = run(path)  # dry run into empty tables: everything would be created
    assert "Vérification seulement" in output
    assert counts()["programmes.Application"] == 0
    assert f"demandes (demandes) : {before['programmes.Application']} — " \
           f"{before['programmes.Application']} / 0 / 0" in output


def test_a_folder_of_csv_files_is_read_like_a_workbook(tmp_path):
    load_demo()
    before = counts()
    records_export_csv(tmp_path / "csv")
    assert (tmp_path / "csv" / "demandes.csv").exists()
    flush()
    report = records_import(read_records(tmp_path / "csv"), commit=True)
    assert report.ok, report.errors[:5]
    assert counts() == before
    by_slug = {k.kind.slug: k for k in report.kinds}
    assert by_slug["demandes"].new == before["programmes.Application"]
    assert by_slug["sites"].new == before["network.Site"]


def test_an_unknown_sheet_is_an_error(tmp_path):
    import tablib

    book = tablib.Databook()
    sheet = tablib.Dataset(headers=["x"])
    sheet.append(["y"])
    sheet.title = "inconnue"
    book.add_sheet(sheet)
    path = tmp_path / "x.xlsx"
    path.write_bytes(book.export("xlsx"))
    report = records_import(read_records(path), commit=True)
    assert not report.ok
    assert report.errors[0].sheet == "inconnue"
    assert "Feuille inconnue" in report.errors[0].message


def test_every_kind_is_exported_from_its_admin_with_the_columns_the_loader_reads(rf, superuser):
    from django.contrib import admin

    request = rf.get("/")
    request.user = superuser
    # The applications' links (teams, partner companies, co-applicants) are written by
    # `example_records` only: the applications' admin exports the applications themselves.
    not_in_admin = {"demandes-liens"}
    for kind in KINDS:
        if kind.slug in not_in_admin:
            continue
        model_admin = admin.site._registry[kind.model]
        headers = [
            resource_class().get_export_headers()
            for resource_class in model_admin.get_export_resource_classes(request)
        ]
        assert kind.resource_class().get_export_headers() in headers, kind.slug


def test_a_past_application_needs_no_account_and_a_second_run_keeps_it(tmp_path):
    import tablib

    from clara.network.models import Person
    from clara.spreadsheets.records import HISTORY_ACCOUNT_EMAIL, kind_of_sheet
    from programmes.models import Application, Call

    load_demo()
    call = Call.objects.filter(year=2023).order_by("slug").first()
    person = Person.objects.filter(user__isnull=True).exclude(email="").first()
    resource = kind_of_sheet("demandes").resource_class()
    sheet = tablib.Dataset(headers=resource.get_export_headers())
    row = dict.fromkeys(sheet.headers, "")
    row.update({"référence": "HIST-2023-0001", "appel (identifiant)": call.slug,
                "titre": "Une demande de 2023", "statut": "Non retenue",
                "porteur ou porteuse (ORCID ou e-mail)": person.orcid or person.email,
                "montant demandé (€)": "15 000", "déposée le": "2023-03-01 10:00"})
    sheet.append([row[h] for h in sheet.headers])
    sheet.title = "demandes"
    book = tablib.Databook()
    book.add_sheet(sheet)
    path = tmp_path / "h.xlsx"
    path.write_bytes(book.export("xlsx"))

    first = records_import(read_records(path), commit=True)
    second = records_import(read_records(path), commit=True)

    assert first.ok and second.ok, (first.errors, second.errors)
    application = Application.objects.get(reference="HIST-2023-0001")
    assert application.status == Application.Status.NOT_SELECTED
    assert application.principal_investigator == person
    assert application.applicant.email == HISTORY_ACCOUNT_EMAIL
    assert not application.applicant.is_active
    assert not application.applicant.has_usable_password()
    assert (first.totals()["new"], second.totals()["new"], second.totals()["update"]) == (1, 0, 0)
