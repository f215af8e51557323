"""Fixtures of the open-data tests: the demo data (once per module, rolled back), awards built
with factories, and the two official validators run offline."""

import csv
import io
import itertools
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from clara.network.models import Organisation
from clara.opendata import scdl
from tests import factories as f
from tests.factories import paris, valid_siren, valid_siret

STANDARDS = Path(__file__).resolve().parent / "standards"
SCDL_SCHEMA = STANDARDS / "scdl-subventions-schema.json"
GRANT_SCHEMA = STANDARDS / "360-giving-schema.json"
PACKAGE_SCHEMA = STANDARDS / "360-giving-package-schema.json"
GRANT_URLS = (
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json",
)

_numbers = itertools.count(500)


def scdl_errors(text: str, tmp_path: Path) -> list[str]:
    """Every error of an SCDL CSV: frictionless against the official schema (types, patterns,
    enums), then the schema's custom checks (SIRET keys, SIRET or RNA), as validata runs them."""
    from frictionless import Resource, Schema

    name = f"scdl-{next(_numbers)}.csv"
    (tmp_path / name).write_text(text, encoding="utf-8")
    resource = Resource(path=name, basepath=str(tmp_path),
                        schema=Schema.from_descriptor(
                            json.loads(SCDL_SCHEMA.read_text(encoding="utf-8"))))
    report = resource.validate()
    errors = [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors]
    errors += [f"{e.type}: {e.message}" for e in report.errors]
    rows = list(csv.DictReader(io.StringIO(text)))
    return errors + scdl.custom_check_errors(rows)


def giving360_errors(package: dict) -> list[str]:
    """Every error of a 360Giving package against the official JSON Schemas, draft 2020-12,
    the grant schema registered under its 1.4.2 and 1.4.3 addresses, formats checked."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    grant_schema = json.loads(GRANT_SCHEMA.read_text(encoding="utf-8"))
    resource = Resource.from_contents(grant_schema, default_specification=DRAFT202012)
    registry = Registry().with_resources([(url, resource) for url in GRANT_URLS])
    checker = FormatChecker()
    # Without rfc3339-validator, "date-time" is not checked and every YYYY-MM-DD date matches
    # both branches of the schema's oneOf: the validation would be meaningless.
    assert "date-time" in checker.checkers
    validator = Draft202012Validator(
        json.loads(PACKAGE_SCHEMA.read_text(encoding="utf-8")), registry=registry,
        format_checker=checker,
    )
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(package)]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
        yield
        transaction.set_rollback(True)


def legal_entity(kind=Organisation.Kind.UNIVERSITY, **extra) -> Organisation:
    siren = valid_siren(next(_numbers))
    return f.OrganisationFactory(kind=kind, siren=siren, siret=valid_siret(siren), **extra)


def funder(name: str | None = None):
    organisation = legal_entity(Organisation.Kind.NATIONAL_BODY)
    return f.FunderFactory(organisation=organisation,
                           **({"name": name} if name else {}))


def funded_award(*, funders, beneficiary, year=2025, agreement=True, tranches=2,
                 amount=Decimal("20000")):
    """A funded project's award: the principal investigator's team in a laboratory (no number
    of its own) under `beneficiary`; each funder's contribution paid in `tranches` tranches."""
    lab = f.OrganisationFactory(parent=beneficiary, kind=Organisation.Kind.LABORATORY)
    team = f.TeamFactory(organisation=lab, site=lab.site)
    investigator = f.PersonFactory(team=team, organisation=lab)
    award = f.AwardFactory(
        application__principal_investigator=investigator, amount=amount * len(funders),
        decided_at=paris(year, 6, 20, 14),
        agreement_signed_on=date(year, 9, 1) if agreement else None,
    )
    f.FundedProjectFactory(award=award, site=lab.site)
    for each in funders:
        f.ContributionFactory(award=award, funder=each, amount=amount)
        for k in range(tranches):
            f.DisbursementFactory(award=award, funder=each, amount=amount / tranches,
                                  due_on=date(year + k, 9, 1))
    return award
