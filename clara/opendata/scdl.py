"""SCDL « subventions » 2.1.1: the essential data of subsidy agreements (décret 2017-779), one
CSV row per award and funder contribution, in the schema's column order.

Choices where the records had to be read into the standard:

- **Attribuant** (nomAttribuant, idAttribuant): each co-funder of the award — the body whose
  money it is — with its organisation's SIRET. An award paid by three funders is three rows,
  as three agreements would be, each with that funder's contribution as `montant`.
- **Bénéficiaire**: the legal entity that manages the grant. An award goes to a project led by
  a principal investigator's team; the records hold the team's organisation (often a
  laboratory, a unit without a SIRET of its own) and its tutelles (university, hospital), so
  the beneficiary is the lead organisation if it has a SIRET or an RNA number, else its
  nearest tutelle that does (`selectors.beneficiary_of`). The investigator is never named.
- **montant**: the contribution, with a dot as decimal separator; **pourcentageSubvention**:
  `1.00`, since each subsidy has a single beneficiary (the schema's percentage is the share of
  a subsidy split between several beneficiaries, not the funder's share of the project).
- **dateConvention**: the award's agreement date; an award whose agreement is not signed yet is
  not published (the décret publishes agreements). **referenceDecision**: the application's
  reference, which the committee's decision and the agreement carry.
- **nature**: `aide en numéraire`. **conditionsVersement** from the award's tranches paid by
  that funder (or, if none names a funder, the award's tranches): one tranche `unique` with its
  date, several `échelonné` with the period from the first to the last (paid date when paid,
  due date otherwise). No dated tranche: not published yet.
- **notificationUE**: `non` (grants to research projects, not de minimis aid notified to the
  Commission); idRAE and dispositifAide empty.

A row that cannot be valid is never written: it is a `Problem` listed to staff with what is
missing. Text cells are escaped against spreadsheet formulae (a leading `'`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from stdnum.fr import siret as stdnum_siret

from clara.opendata.exports import Problem
from clara.opendata.selectors import beneficiary_of
from clara.spreadsheets.resources import escape_formula
from funding.models import Award, Contribution

SCHEMA_VERSION = "2.1.1"
FIELDS = (
    "nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
    "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
    "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention",
    "dispositifAide",
)
TEXT_FIELDS = ("nomAttribuant", "referenceDecision", "nomBeneficiaire", "objet")
OBJECT_MAX = 256
NATURE = "aide en numéraire"


def _object(award: Award) -> str:
    application = award.application
    text = f"{application.call.programme.name} — {award.project.name} : {application.title}"
    return text if len(text) <= OBJECT_MAX else text[: OBJECT_MAX - 1] + "…"


def _tranches(award: Award, contribution: Contribution):
    tranches = list(award.disbursements.all())
    own = [t for t in tranches if t.funder_id == contribution.funder_id]
    return own or [t for t in tranches if t.funder_id is None]


def _payment(award: Award, contribution: Contribution) -> tuple[str, str]:
    tranches = _tranches(award, contribution)
    dates = sorted(d for d in ((t.paid_on or t.due_on) for t in tranches) if d)
    if not dates:
        return "", ""
    if len(tranches) == 1:
        return "unique", dates[0].isoformat()
    return "échelonné", f"{dates[0].isoformat()}/{dates[-1].isoformat()}"


def siret_is_valid(value: str) -> bool:
    return bool(value) and stdnum_siret.is_valid(value)


def scdl_rows(awards: Iterable[Award]) -> tuple[list[dict[str, str]], list[Problem]]:
    """The SCDL rows of `awards` (read through `selectors.published_awards`: no query per row),
    and the rows that cannot be written, with what they miss."""
    rows, problems = [], []
    for award in awards:
        beneficiary = beneficiary_of(award)
        for contribution in award.contributions.all():
            if contribution.amount <= 0:
                continue  # a funder recorded without money gives no subsidy
            funder = contribution.funder
            funder_siret = funder.organisation.siret if funder.organisation_id else ""
            conditions, dates = _payment(award, contribution)
            missing = []
            if not siret_is_valid(funder_siret):
                missing.append(_("SIRET valide du financeur (attribuant)"))
            if award.agreement_signed_on is None:
                missing.append(_("date de la convention"))
            if beneficiary is None:
                missing.append(_("organisation gestionnaire (bénéficiaire)"))
            elif not (siret_is_valid(beneficiary.siret) or beneficiary.rna):
                missing.append(
                    _("SIRET valide ou numéro RNA du bénéficiaire (%(name)s)")
                    % {"name": beneficiary.name}
                )
            if not dates:
                missing.append(_("date ou période de versement (aucun versement prévu)"))
            if missing:
                problems.append(Problem(award.pk, award.application.reference, award.project.name,
                                        funder.name, tuple(missing)))
                continue
            rows.append({
                "nomAttribuant": funder.name,
                "idAttribuant": funder_siret,
                "dateConvention": award.agreement_signed_on.isoformat(),
                "referenceDecision": award.application.reference,
                "nomBeneficiaire": beneficiary.name,
                "idBeneficiaire": beneficiary.siret if siret_is_valid(beneficiary.siret) else "",
                "rnaBeneficiaire": beneficiary.rna,
                "objet": _object(award),
                "montant": f"{contribution.amount:.2f}",
                "nature": NATURE,
                "conditionsVersement": conditions,
                "datesPeriodeVersement": dates,
                "idRAE": "",
                "notificationUE": "non",
                "pourcentageSubvention": "1.00",
                "dispositifAide": "",
            })
    return rows, problems


def custom_check_errors(rows: Iterable[dict[str, str]]) -> list[str]:
    """The schema's `custom_checks`, which frictionless does not run: `french-siret-value` on
    idAttribuant and idBeneficiaire (when present), `one-of-required` idBeneficiaire /
    rnaBeneficiaire. One message per failure, with its row number (1 = first data row)."""
    errors = []
    for number, row in enumerate(rows, start=1):
        for column in ("idAttribuant", "idBeneficiaire"):
            value = (row.get(column) or "").strip()
            if value and not stdnum_siret.is_valid(value):
                errors.append(f"row {number}: {column} {value!r} is not a valid SIRET")
        if not (row.get("idBeneficiaire") or "").strip() and not (
            row.get("rnaBeneficiaire") or ""
        ).strip():
            errors.append(f"row {number}: neither idBeneficiaire nor rnaBeneficiaire")
    return errors


def write_csv(rows: Iterable[dict[str, str]], stream) -> None:
    writer = csv.DictWriter(stream, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: escape_formula(value) if key in TEXT_FIELDS else value
                         for key, value in row.items()})


def scdl_csv(rows: Iterable[dict[str, str]]) -> str:
    stream = io.StringIO()
    write_csv(rows, stream)
    return stream.getvalue()
