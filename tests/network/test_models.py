"""Every database constraint of the network app refuses a bad row by itself: the rows are
written with `objects.create()`, `bulk_create()` or `QuerySet.update()`, never `full_clean()`,
so a constraint that exists only in Python would let them through."""

import datetime as dt
from types import SimpleNamespace

import pytest

from clara.network.models import TeamCensus
from tests import factories as f
from tests.constraints import Case, check_case, check_coverage, copy_of, update
from tests.factories import valid_orcid, valid_siren, valid_siret

pytestmark = pytest.mark.django_db

APP_LABEL = "network"




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
        "organisation_unique_rna",
        arrange=lambda: f.OrganisationFactory(siren="", siret="", rna="W691234567"),
        bad=lambda org: copy_of(org, name="Même RNA"),
        good=lambda org: [
            copy_of(org, name="Autre RNA", rna="W691234568"),
            copy_of(org, name="Sans RNA", rna=""),
            copy_of(org, name="Sans RNA non plus", rna=""),
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
    check_case(case, APP_LABEL)


def test_constraints_all_have_a_case():
    check_coverage(CASES, APP_LABEL)
