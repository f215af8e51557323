"""Loading the network's history from spreadsheets (issue 11): the ordered registry of the
kinds of records and the import service behind `manage.py import_records`.

A history is one XLSX workbook with one sheet per kind, or a folder of CSV files with one
file per kind (`<slug>.csv`). Each sheet has the columns of the kind's spreadsheet export in
the admin (the same resource, `KINDS[i].resource_class`), so that the records exported from
one installation and imported into an empty one are the same records.

The kinds are read in dependency order (`KINDS`): a sheet names records of earlier sheets by
their natural keys (identifiers, names, references, ORCID iD or e-mail), never by database
ids. Every row goes through the resource's checks and the write-layer's services (awards
and their split, funded projects, yearly statuses, the history mode of applications).

`records_import` runs every sheet inside ONE transaction: with `commit=False` (the dry
run) or when any row is refused, the transaction is rolled back at the end, so that a dry
run resolves the references between sheets exactly as the real import would and nothing is
written; with `commit=True` and no error everything is written at once.
"""

from __future__ import annotations

import datetime
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from clara.accounts.models import User
from clara.network.models import Organisation
from clara.network.resources import (
    OrganisationRecordsResource,
    PersonResource,
    SiteResource,
    TeamCensusResource,
    TeamResource,
)
from clara.publiccache import records_changed
from clara.spreadsheets.resources import HeaderError
from clara.spreadsheets.services import read_dataset
from events.resources import (
    EventLinksResource,
    EventResource,
    EventSpeakerResource,
    InternationalActionResource,
    PosterResource,
    PrizeResource,
    SurveyResponseResource,
    WorkingGroupResource,
)
from funding.resources import (
    AwardResource,
    CallLinksResource,
    CompanyInvestmentResource,
    ContributionRecordsResource,
    FunderResource,
)
from programmes.models import Application, Decision
from programmes.resources import (
    ApplicationLinksResource,
    ApplicationRecordsResource,
    CallResource,
    DecisionResource,
    InnovationDomainResource,
    ProgrammeResource,
    TrackResource,
)
from programmes.services import HISTORY_IMPORT_REASON
from projects.resources import (
    FundedProjectResource,
    OutcomeResource,
    ProjectYearStatusResource,
    SupportActionResource,
)

# The account of past applications whose applicant has none (see `history_applicant`).
HISTORY_ACCOUNT_EMAIL = "historique@clara.invalid"


@dataclass(frozen=True)
class Kind:
    """One kind of record: its sheet (or CSV file) and the resource that reads it."""

    slug: str
    label: str
    resource_class: type

    @property
    def model(self):
        return self.resource_class._meta.model

    def sheet_names(self) -> set[str]:
        return {self.slug.casefold(), self.label.casefold()}


# Dependency order: every sheet names only records of the sheets above it (or its own
# records, for the "… : liens" sheets that follow the sheet of those records).
KINDS: list[Kind] = [
    Kind("sites", "Sites", SiteResource),
    Kind("organisations", "Organisations", OrganisationRecordsResource),
    Kind("personnes", "Personnes", PersonResource),
    Kind("equipes", "Équipes", TeamResource),
    Kind("recensements", "Recensements d'équipes", TeamCensusResource),
    Kind("financeurs", "Financeurs", FunderResource),
    Kind("programmes", "Programmes", ProgrammeResource),
    Kind("clefs-entree", "Clefs d'entrée", TrackResource),
    Kind("domaines", "Domaines d'innovation", InnovationDomainResource),
    Kind("appels", "Appels à projets", CallResource),
    Kind("appels-liens", "Appels : liens", CallLinksResource),
    Kind("demandes", "Demandes de financement", ApplicationRecordsResource),
    Kind("demandes-liens", "Demandes : liens", ApplicationLinksResource),
    Kind("decisions", "Décisions", DecisionResource),
    Kind("financements", "Financements", AwardResource),
    Kind("contributions", "Contributions", ContributionRecordsResource),
    Kind("investissements", "Investissements d'entreprises", CompanyInvestmentResource),
    Kind("projets", "Projets financés", FundedProjectResource),
    Kind("statuts-annuels", "Statuts annuels", ProjectYearStatusResource),
    Kind("resultats", "Résultats", OutcomeResource),
    Kind("accompagnements", "Actions d'accompagnement", SupportActionResource),
    Kind("groupes-de-travail", "Groupes de travail", WorkingGroupResource),
    Kind("evenements", "Événements", EventResource),
    Kind("evenements-liens", "Événements : liens", EventLinksResource),
    Kind("interventions", "Interventions", EventSpeakerResource),
    Kind("posters", "Posters", PosterResource),
    Kind("prix", "Prix", PrizeResource),
    Kind("questionnaires", "Questionnaires de satisfaction", SurveyResponseResource),
    Kind("actions-internationales", "Actions internationales", InternationalActionResource),
]


def kind_of_sheet(name: str) -> Kind | None:
    """The kind a sheet (or a CSV file's stem) holds: its slug or its label, any case."""
    wanted = str(name).strip().casefold()
    for kind in KINDS:
        if wanted in kind.sheet_names():
            return kind
    return None


# --- Writes of the history that no other service covers ------------------------------------


def history_applicant() -> User:
    """The account named as applicant of past applications whose applicant has no account
    (and whose principal investigator has none either): inactive, it cannot log in; the
    principal investigator's person record carries the application."""
    user = User.objects.filter(email=HISTORY_ACCOUNT_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            email=HISTORY_ACCOUNT_EMAIL, first_name="Historique", last_name="(import)",
            is_active=False,
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def decision_check_history(*, decision: Decision) -> None:
    """Raise `ValidationError` unless `decision` may be loaded as a past decision: its
    application was submitted, and a final decision (selected / not selected) is the status
    the application has."""
    application = decision.application
    if application.status in (Application.Status.DRAFT,):
        raise ValidationError({"application": gettext(
            "La demande %(reference)s est un brouillon : elle n'a pas de décision."
        ) % {"reference": application.reference}})
    final = {Decision.Outcome.SELECTED: Application.Status.SELECTED,
             Decision.Outcome.NOT_SELECTED: Application.Status.NOT_SELECTED}
    if decision.outcome in final and application.status != final[decision.outcome]:
        raise ValidationError({"outcome": gettext(
            "La demande %(reference)s a le statut « %(status)s » : elle ne peut pas avoir la "
            "décision « %(outcome)s »."
        ) % {"reference": application.reference, "status": application.get_status_display(),
             "outcome": decision.get_outcome_display()}})


@transaction.atomic
def decision_import_history(*, decision: Decision, by: User | None = None) -> Decision:
    """Record a past committee decision as it was (the application already has the status
    it led to: see `application_import_history`); the history row says it came from the
    import."""
    decision_check_history(decision=decision)
    decision.full_clean()
    decision._change_reason = HISTORY_IMPORT_REASON
    return record_save(decision, by=by)


def company_investment_check(*, investment) -> None:
    if investment.company.kind != Organisation.Kind.COMPANY:
        raise ValidationError({"company": gettext(
            "« %(name)s » n'est pas une entreprise : seule une entreprise investit aux côtés "
            "d'un financement."
        ) % {"name": investment.company.name}})


def record_save(instance, *, by: User | None = None):
    """Save a record the import has checked (`full_clean` in the resource), with its history
    row naming `by` when the model keeps history."""
    if by is not None:
        instance._history_user = by
    instance.save()
    return instance


# --- Reading the files ---------------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet of the history: its name as given, the kind it holds, its rows and the line
    of the file of each row (the header is line 1)."""

    name: str
    kind: Kind | None
    dataset: tablib.Dataset
    lines: list[int]


def _cell(value):
    # An empty cell reads as an empty text, as in a CSV file (text columns are never NULL).
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date()
    return value


def read_workbook(data: bytes) -> list[Sheet]:
    """The sheets of an XLSX workbook (empty rows left out, their lines kept)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any reader error is the file's fault
        raise ValueError(gettext(
            "Le classeur n'a pas pu être lu comme un fichier XLSX."
        )) from error
    sheets = []
    for worksheet in workbook.worksheets:
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        headers = [("" if h is None else str(h).strip()) for h in header]
        while headers and not headers[-1]:
            headers.pop()
        dataset = tablib.Dataset(headers=headers)
        lines = []
        for line, values in enumerate(rows, start=2):
            values = [_cell(v) for v in list(values)[:len(headers)]]
            values += [""] * (len(headers) - len(values))
            if all(isinstance(v, str) and not v.strip() for v in values):
                continue
            dataset.append(values)
            lines.append(line)
        sheets.append(Sheet(worksheet.title, kind_of_sheet(worksheet.title), dataset, lines))
    workbook.close()
    return sheets


def read_folder(path: Path) -> list[Sheet]:
    """The CSV files of a folder, one per kind (`<slug>.csv`, UTF-8)."""
    sheets = []
    for file in sorted(path.glob("*.csv")):
        dataset = read_dataset(file.read_bytes(), "csv")
        sheets.append(Sheet(file.name, kind_of_sheet(file.stem), dataset,
                            list(range(2, len(dataset) + 2))))
    return sheets


def read_records(path: str | Path) -> list[Sheet]:
    """The sheets of `path`: an .xlsx workbook or a folder of CSV files."""
    path = Path(path)
    if path.is_dir():
        return read_folder(path)
    if path.suffix.lower() == ".xlsx":
        return read_workbook(path.read_bytes())
    if path.suffix.lower() == ".csv":
        dataset = read_dataset(path.read_bytes(), "csv")
        return [Sheet(path.name, kind_of_sheet(path.stem), dataset,
                      list(range(2, len(dataset) + 2)))]
    raise ValueError(gettext("Indiquez un classeur .xlsx ou un dossier de fichiers .csv."))


# --- The import ----------------------------------------------------------------------------


@dataclass
class RowError:
    sheet: str
    line: int  # line of the file (the header is line 1; 0: the whole sheet)
    column: str
    message: str

    def __str__(self) -> str:
        where = [gettext("feuille « %(sheet)s »") % {"sheet": self.sheet}]
        if self.line:
            where.append(gettext("ligne %(line)s") % {"line": self.line})
        if self.column:
            where.append(gettext("colonne « %(column)s »") % {"column": self.column})
        return f"{', '.join(where)} : {self.message}"


@dataclass
class KindReport:
    kind: Kind
    sheet: str
    rows: int
    new: int = 0
    update: int = 0
    skip: int = 0
    seconds: float = 0.0


@dataclass
class ImportReport:
    committed: bool = False
    kinds: list[KindReport] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(k, name) for k in self.kinds)
                for name in ("rows", "new", "update", "skip")}


# Errors reported on a model field that a column of another name carries.
_ERROR_COLUMNS = {"contributions": "split"}


def _column_of(resource, name: str) -> str:
    if name in ("__all__", None, ""):
        return ""
    if _ERROR_COLUMNS.get(name) in resource.fields:
        return str(resource.fields[_ERROR_COLUMNS[name]].column_name)
    for key, resource_field in resource.fields.items():
        if name in (key, resource_field.attribute):
            return str(resource_field.column_name)
    return name


def _errors_of(result, resource, sheet: Sheet) -> list[RowError]:
    def line_of(number):
        number = int(number or 0)
        return sheet.lines[number - 1] if 0 < number <= len(sheet.lines) else number + 1

    errors = []
    for base in result.base_errors:
        error = base.error
        line = 1 if isinstance(error, HeaderError) else 0
        errors.append(RowError(sheet.name, line, "", str(error)))
    for number, row_errors in result.row_errors():
        for error in row_errors:
            messages = (error.error.messages if isinstance(error.error, ValidationError)
                        else [str(error.error)])
            for message in messages:
                errors.append(RowError(sheet.name, line_of(number), "", message))
    for row in result.invalid_rows:
        for name, messages in row.error_dict.items():
            for message in messages:
                errors.append(RowError(sheet.name, line_of(row.number),
                                       _column_of(resource, name), str(message)))
    return errors


def parents_first(sheet: Sheet, reference: tuple[str, str]) -> Sheet:
    """`sheet` with its rows reordered so that a row naming another row of the sheet (its
    parent) comes after it; the lines of the file follow their rows."""
    column, key_column = reference
    dataset = sheet.dataset
    if column not in (dataset.headers or []) or key_column not in dataset.headers:
        return sheet
    at, key_at = dataset.headers.index(column), dataset.headers.index(key_column)
    keys = {str(row[key_at]).strip() for row in dataset}

    def depth(row, seen=()):
        parent = str(row[at] or "").strip()
        if not parent or parent not in keys or parent in seen:
            return 0
        parents = [r for r in dataset if str(r[key_at]).strip() == parent]
        return 1 + depth(parents[0], (*seen, parent))

    order = sorted(range(len(dataset)), key=lambda i: depth(dataset[i]))
    reordered = tablib.Dataset(headers=dataset.headers)
    for i in order:
        reordered.append(dataset[i])
    return Sheet(sheet.name, sheet.kind, reordered, [sheet.lines[i] for i in order])


def records_import(
    sheets: list[Sheet], *, commit: bool = False, user: User | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import `sheets` in the order of `KINDS`, all in one transaction, rolled back unless
    `commit` is true and no row was refused. Returns what was (or would be) created,
    updated and left unchanged per kind, and every error with its sheet, line and column.
    `progress(done, total)` is called as rows are read."""
    report = ImportReport()
    by_kind: dict[Kind, Sheet] = {}
    for sheet in sheets:
        if sheet.kind is None:
            report.errors.append(RowError(sheet.name, 0, "", gettext(
                "Feuille inconnue : nommez-la comme l'une de ces sortes d'enregistrements : "
                "%(names)s."
            ) % {"names": ", ".join(k.slug for k in KINDS)}))
        elif sheet.kind in by_kind:
            report.errors.append(RowError(sheet.name, 0, "", gettext(
                "Deux feuilles contiennent des « %(label)s » : une seule feuille par sorte."
            ) % {"label": sheet.kind.label}))
        else:
            by_kind[sheet.kind] = sheet
    total = sum(len(s.dataset) for s in by_kind.values())
    done = 0
    if progress:
        progress(0, total)
    from projects.services import project_facts_deferred, project_facts_refresh

    # Each saved award, project or status would refresh its projects' facts: once for all
    # at the end instead (cProfile of a history import: 17 % of its time).
    with transaction.atomic(), project_facts_deferred():
        for kind in KINDS:
            sheet = by_kind.get(kind)
            if sheet is None:
                continue
            reference = getattr(kind.resource_class, "same_sheet_reference", None)
            if reference:
                sheet = parents_first(sheet, reference)
            offset = done

            def row_done(number, offset=offset):
                if progress and number:
                    progress(offset + int(number), total)

            started = time.monotonic()
            resource = kind.resource_class(progress=row_done)
            result = resource.import_data(
                sheet.dataset, dry_run=False, raise_errors=False, use_transactions=True,
                user=user,
            )
            done += len(sheet.dataset)
            if progress:
                progress(done, total)
            totals = result.totals
            kind_report = KindReport(kind, sheet.name, len(sheet.dataset),
                                     seconds=time.monotonic() - started)
            errors = _errors_of(result, resource, sheet)
            if not errors:
                kind_report.new = totals.get("new", 0)
                kind_report.update = totals.get("update", 0)
                kind_report.skip = totals.get("skip", 0)
            report.kinds.append(kind_report)
            report.errors.extend(errors)
        report.committed = commit and report.ok
        if report.committed:
            # The public list's copy of each project's facts (deferred above, and bulk
            # writes send no signal), in the same transaction.
            project_facts_refresh()
        else:
            transaction.set_rollback(True)
    if report.committed:
        records_changed()
    return report


# --- The export ----------------------------------------------------------------------------


def records_export(kinds: list[Kind] | None = None) -> tablib.Databook:
    """Every record of every kind, one sheet per kind named by its slug, with the columns of
    the admin's export (`resource.export()`, the admin's code path)."""
    book = tablib.Databook()
    for kind in kinds or KINDS:
        dataset = kind.resource_class().export()
        dataset.title = kind.slug
        book.add_sheet(dataset)
    return book


def records_export_xlsx(kinds: list[Kind] | None = None) -> bytes:
    return records_export(kinds).export("xlsx")


def records_export_csv(folder: str | Path, kinds: list[Kind] | None = None) -> list[Path]:
    """One UTF-8 CSV file per kind in `folder` (`<slug>.csv`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in kinds or KINDS:
        path = folder / f"{kind.slug}.csv"
        path.write_text(kind.resource_class().export().export("csv"), encoding="utf-8")
        written.append(path)
    return written
