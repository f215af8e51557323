"""SCDL subventions 2.1.1: the official examples through the checks the demo files pass
(test_demo_files.py) — the valid one accepted, the invalid one refused, so the checks can
fail —, one row per contribution, and a row that cannot be valid listed, never written."""

import csv
import io
from decimal import Decimal

import pytest

from clara.network.models import Organisation
from clara.opendata import scdl
from clara.opendata.exports import scdl_export
from clara.opendata.selectors import Period, published_awards
from tests import factories as f
from tests.opendata.conftest import STANDARDS, funded_award, funder, legal_entity, scdl_errors

pytestmark = pytest.mark.django_db


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_official_valid_example_passes_the_checks(tmp_path):
    text = (STANDARDS / "scdl-subventions-exemple_valide.csv").read_text(encoding="utf-8")
    assert scdl_errors(text, tmp_path) == []


def test_official_invalid_example_is_refused(tmp_path):
    text = (STANDARDS / "scdl-subventions-exemple_invalide_erreurs_cellules.csv").read_text(
        encoding="utf-8")
    custom = scdl.custom_check_errors(_rows(text))
    # The Amicale des coureurs cyclistes has neither SIRET nor RNA; 21860194600000 has a
    # wrong key.
    assert any("neither idBeneficiaire nor rnaBeneficiaire" in e for e in custom)
    assert any("21860194600000" in e for e in custom)
    assert scdl_errors(text, tmp_path) != []


def test_custom_check_refuses_a_wrong_siret_key():
    row = {"idAttribuant": "21860194600000", "idBeneficiaire": "", "rnaBeneficiaire": "W123456789"}
    assert scdl.custom_check_errors([row]) == [
        "row 1: idAttribuant '21860194600000' is not a valid SIRET"]


def test_row_per_contribution_with_tranches(tmp_path):
    inca, region = funder("Institut National du Cancer"), funder("Région")
    university = legal_entity(name="Université de test")
    award = funded_award(funders=[inca, region], beneficiary=university, tranches=2)
    single = funded_award(funders=[inca], beneficiary=university, tranches=1)
    text, rows, problems = scdl_export(Period(2025, 2025))
    assert problems == []
    assert scdl_errors(text, tmp_path) == []
    by_key = {(r["referenceDecision"], r["nomAttribuant"]): r for r in rows}
    row = by_key[(award.application.reference, "Région")]
    assert row["idAttribuant"] == region.organisation.siret
    # The laboratory has no number: its university manages the grant.
    assert (row["nomBeneficiaire"], row["idBeneficiaire"]) == (university.name, university.siret)
    assert (row["montant"], row["pourcentageSubvention"], row["nature"]) == (
        "20000.00", "1.00", "aide en numéraire")
    assert (row["conditionsVersement"], row["datesPeriodeVersement"]) == (
        "échelonné", "2025-09-01/2026-09-01")
    assert row["dateConvention"] == "2025-09-01"
    one = by_key[(single.application.reference, "Institut National du Cancer")]
    assert (one["conditionsVersement"], one["datesPeriodeVersement"]) == ("unique", "2025-09-01")


def test_beneficiary_without_identifier_is_listed_not_exported(tmp_path):
    inca = funder()
    nameless = f.OrganisationFactory(kind=Organisation.Kind.INTERNATIONAL_AGENCY,
                                     name="Agence sans numéro", siren="", siret="")
    good = funded_award(funders=[inca], beneficiary=legal_entity())
    bad = funded_award(funders=[inca], beneficiary=nameless)
    text, rows, problems = scdl_export(Period(2025, 2025))
    assert [r["referenceDecision"] for r in rows] == [good.application.reference]
    assert [(p.reference, p.missing) for p in problems] == [(
        bad.application.reference,
        ("SIRET valide ou numéro RNA du bénéficiaire (Agence sans numéro)",),
    )]
    assert bad.application.reference not in text
    assert scdl_errors(text, tmp_path) == []


def test_association_with_rna_only_is_exported(tmp_path):
    association = f.OrganisationFactory(kind=Organisation.Kind.ASSOCIATION, name="Asso",
                                        siren="", siret="", rna="W691234567")
    funded_award(funders=[funder()], beneficiary=association)
    text, rows, problems = scdl_export(Period(2025, 2025))
    assert problems == []
    assert (rows[0]["idBeneficiaire"], rows[0]["rnaBeneficiaire"]) == ("", "W691234567")
    assert scdl_errors(text, tmp_path) == []


def test_no_agreement_no_tranche_funder_without_siret_are_listed():
    no_siret = f.FunderFactory(name="Financeur sans SIRET", organisation=None)
    award = funded_award(funders=[no_siret], beneficiary=legal_entity(), agreement=False,
                         tranches=0)
    rows, problems = scdl.scdl_rows(published_awards(Period(2025, 2025)))
    assert rows == []
    assert [(p.reference, p.funder, p.missing) for p in problems] == [(
        award.application.reference, "Financeur sans SIRET",
        ("SIRET valide du financeur (attribuant)", "date de la convention",
         "date ou période de versement (aucun versement prévu)"),
    )]


def test_only_funded_projects_are_published():
    inca = funder()
    funded = funded_award(funders=[inca], beneficiary=legal_entity())
    # An award without a project (an event's subsidy, a mobility grant).
    other = f.AwardFactory(agreement_signed_on=funded.agreement_signed_on)
    f.ContributionFactory(award=other, funder=inca, amount=Decimal("500"))
    _text, rows, problems = scdl_export(Period(2025, 2025))
    references = {r["referenceDecision"] for r in rows} | {p.reference for p in problems}
    assert references == {funded.application.reference}


def test_text_cells_are_escaped_against_formulae():
    award = funded_award(funders=[funder()], beneficiary=legal_entity(name="=HYPERLINK(1)"))
    text, rows, _problems = scdl_export(Period(2025, 2025))
    assert rows[0]["nomBeneficiaire"] == "=HYPERLINK(1)"
    assert _rows(text)[0]["nomBeneficiaire"] == "'=HYPERLINK(1)"
    assert _rows(text)[0]["montant"] == "20000.00"
    assert award.application.reference in text
