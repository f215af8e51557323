"""Every database constraint of the network app refuses a bad row by itself: the rows are
written with `objects.create()`, `bulk_create()` or `QuerySet.update()`, never `full_clean()`,
so a constraint that exists only in Python would let them through."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet, UniqueConstraint

from clara.network.models import TeamCensus
from tests import factories as f
from tests.factories import valid_orcid, valid_siren, valid_siret

pytestmark = pytest.mark.django_db

APP_LABEL = "network"


def declared_constraints(label: str) -> dict:
    """{name: (model, constraint)} for every constraint declared on the models of `label`."""
    return {
        constraint.name: (model, constraint)
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    }


def copy_of(row, **changes) -> QuerySet:
    """Insert a copy of `row` with `changes` through `objects.create()`; the new row, read back."""
    model = type(row)
    values = {
        field.attname: getattr(row, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in changes and field.attname not in changes
    }
    created = model.objects.create(**values, **changes)
    return model.objects.filter(pk=created.pk, **changes)


def update(row, **values) -> QuerySet:
    """`QuerySet.update()` of `row` (no `save()`); the row, read back with `values`."""
    model = type(row)
    model.objects.filter(pk=row.pk).update(**values)
    return model.objects.filter(pk=row.pk, **values)


def assert_refused_by(error: IntegrityError, name: str, declared: dict) -> None:
    """The error names the constraint (SQLite names the columns of a unique one instead)."""
    model, constraint = declared[name]
    if connection.vendor == "sqlite" and isinstance(constraint, UniqueConstraint):
        table = model._meta.db_table
        columns = [model._meta.get_field(field).column for field in constraint.fields]
        expected = "UNIQUE constraint failed: " + ", ".join(f"{table}.{c}" for c in columns)
    else:
        expected = name
    assert expected in str(error)


@dataclass(frozen=True)
class Case:
    """A constraint, valid rows built with the factories, a write it refuses and the nearest
    writes it accepts (each returns its row read back)."""

    constraint: str
    arrange: Callable[[], Any]
    bad: Callable[[Any], object]
    good: Callable[[Any], list[QuerySet]]
    variant: str = ""

    def __str__(self) -> str:
        return f"{self.constraint}-{self.variant}" if self.variant else self.constraint


def _companies():
    """A company with SIREN, SIRET, ROR and RNSR, and an organisation with none of them."""
    return SimpleNamespace(
        company=f.CompanyFactory(ror="03yrm5c26", rnsr="200212345A"),
        blank=f.OrganisationFactory(siren="", siret="", ror="", rnsr=""),
    )


def _people():
    return SimpleNamespace(person=f.PersonFactory(), blank=f.PersonFactory(orcid=""))


CASES = [
    Case(
        "organisation_unique_name_site",
        arrange=f.OrganisationFactory,
        bad=lambda org: copy_of(org),
        good=lambda org: [copy_of(org, site=f.SiteFactory())],
    ),
    Case(
        "organisation_unique_name_without_site",
        arrange=lambda: f.OrganisationFactory(site=None),
        bad=lambda org: copy_of(org),
        # The same name with a site is outside the condition.
        good=lambda org: [copy_of(org, site=f.SiteFactory()), copy_of(org, name="Autre nom")],
    ),
    Case(
        "organisation_unique_siret",
        arrange=_companies,
        bad=lambda rows: copy_of(rows.company, name="Même SIRET", ror="", rnsr=""),
        good=lambda rows: [
            copy_of(
                rows.company, name="Autre SIRET", siret=valid_siret(rows.company.siren, 2),
                ror="", rnsr="",
            ),
            copy_of(rows.blank, name="Sans SIRET non plus"),
        ],
    ),
    Case(
        "organisation_unique_ror",
        arrange=_companies,
        bad=lambda rows: copy_of(
            rows.company, name="Même ROR", siret=valid_siret(rows.company.siren, 2), rnsr=""
        ),
        good=lambda rows: [
            copy_of(
                rows.company, name="Autre ROR", siret=valid_siret(rows.company.siren, 2),
                ror="05a0ya142", rnsr="",
            ),
            copy_of(rows.blank, name="Sans ROR non plus"),
        ],
    ),
    Case(
        "organisation_unique_rnsr",
        arrange=_companies,
        bad=lambda rows: copy_of(
            rows.company, name="Même RNSR", siret=valid_siret(rows.company.siren, 2), ror=""
        ),
        good=lambda rows: [
            copy_of(
                rows.company, name="Autre RNSR", siret=valid_siret(rows.company.siren, 2),
                ror="", rnsr="200212346B",
            ),
            copy_of(rows.blank, name="Sans RNSR non plus"),
        ],
    ),
    Case(
        "organisation_active_until_after_from",
        arrange=f.CompanyFactory,
        bad=lambda org: update(org, active_until=org.active_from - dt.timedelta(days=1)),
        good=lambda org: [update(org, active_until=org.active_from)],
    ),
    Case(
        "organisation_active_until_after_from",
        variant="open_start",
        arrange=lambda: f.CompanyFactory(active_from=None),
        bad=lambda org: update(
            org, active_from=dt.date(2020, 1, 2), active_until=dt.date(2020, 1, 1)
        ),
        good=lambda org: [update(org, active_until=dt.date(1990, 1, 1))],
    ),
    Case(
        "organisation_siret_starts_with_siren",
        arrange=f.CompanyFactory,
        bad=lambda org: update(org, siret=valid_siret(valid_siren(999_999))),
        good=lambda org: [update(org, siret=valid_siret(org.siren, 9_999))],
    ),
    Case(
        "organisation_siret_starts_with_siren",
        variant="either_blank",
        arrange=_companies,
        bad=lambda rows: update(rows.company, siret=valid_siret(valid_siren(999_999))),
        good=lambda rows: [
            update(rows.company, siren="", siret=valid_siret(valid_siren(999_999))),
            update(rows.blank, siren=valid_siren(999_999)),
        ],
    ),
    Case(
        "team_unique_name",
        arrange=f.TeamFactory,
        bad=lambda team: copy_of(team),
        good=lambda team: [copy_of(team, organisation=f.OrganisationFactory())],
    ),
    Case(
        "teamcensus_unique_team_year",
        arrange=f.TeamCensusFactory,
        bad=lambda census: TeamCensus.objects.bulk_create(
            [TeamCensus(team=census.team, year=census.year)]
        ),
        good=lambda census: [
            copy_of(census, year=census.year + 1),
            copy_of(census, team=f.TeamFactory()),
        ],
    ),
    Case(
        "teamcensus_year_range",
        variant="lower",
        arrange=f.TeamCensusFactory,
        bad=lambda census: update(census, year=1999),
        good=lambda census: [update(census, year=2000)],
    ),
    Case(
        "teamcensus_year_range",
        variant="upper",
        arrange=f.TeamCensusFactory,
        bad=lambda census: update(census, year=2101),
        good=lambda census: [update(census, year=2100)],
    ),
    Case(
        "person_unique_orcid",
        arrange=_people,
        bad=lambda rows: copy_of(rows.person),
        good=lambda rows: [
            copy_of(rows.person, orcid=valid_orcid(999_999)),
            copy_of(rows.blank),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_constraint_refuses_bad_row_and_accepts_nearest_good_one(case):
    declared = declared_constraints(APP_LABEL)
    rows = case.arrange()

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        case.bad(rows)

    assert_refused_by(refused.value, case.constraint, declared)
    accepted = case.good(rows)
    assert [stored.count() for stored in accepted] == [1] * len(accepted)


def test_constraints_all_have_a_case():
    assert {case.constraint for case in CASES} == set(declared_constraints(APP_LABEL))

