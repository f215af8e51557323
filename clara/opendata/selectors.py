"""Reads of the open-data exports: the awards a period publishes, and who manages each grant.

Published: the awards of **funded projects** (an award with a `FundedProject`): public money
granted to a research project after a committee selected it. Never published here: applications
that were not selected (they have no award), the subsidies of events and the grants of
individual mobilities (awards without a project: money per person is public only in aggregate,
`clara.public`), and the people behind a project (the principal investigator is read only to
find the organisation that manages the grant, never written out).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.db.models.functions import ExtractYear

from clara.network.models import Organisation
from funding.models import Award, Contribution, Disbursement

# Years a download may ask for (bad input never reaches the database).
FIRST_YEAR, LAST_YEAR = 2000, 2100
# How far up an organisation's tutelles the beneficiary is looked for (laboratory → university
# → ...); read in the same query as the award.
PARENT_DEPTH = 2


@dataclass(frozen=True)
class Period:
    first_year: int
    last_year: int

    @property
    def label(self) -> str:
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}-{self.last_year}"


def _organisation_path(start: str) -> list[str]:
    return ["__".join([start] + ["parent"] * depth) for depth in range(PARENT_DEPTH + 1)]


def published_awards(period: Period) -> QuerySet[Award]:
    """The awards of funded projects decided in `period` (years in Europe/Paris time), oldest
    first, with everything the exports write: three queries whatever their number (awards with
    their application, call, programme, project, site and the organisations of the principal
    investigator up to two tutelles; contributions with their funder's organisation; tranches)."""
    related = [
        "application__call__programme",
        "project__site",
        *_organisation_path("application__principal_investigator__team__organisation"),
        *_organisation_path("application__principal_investigator__organisation"),
    ]
    return (
        Award.objects.filter(
            project__isnull=False,
            decided_at__year__gte=period.first_year,
            decided_at__year__lte=period.last_year,
        )
        .select_related(*related)
        .prefetch_related(
            Prefetch(
                "contributions",
                queryset=Contribution.objects.select_related("funder__organisation")
                .order_by("funder__name", "pk"),
            ),
            Prefetch("disbursements", queryset=Disbursement.objects.order_by("due_on", "pk")),
        )
        .order_by("decided_at", "pk")
    )


def open_data_years() -> list[int]:
    """The years (Europe/Paris) in which at least one funded project's award was decided, the
    most recent first: one query."""
    return list(
        Award.objects.filter(project__isnull=False)
        .annotate(year=ExtractYear("decided_at"))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def _chain(organisation: Organisation | None) -> list[Organisation]:
    chain = []
    while organisation is not None and len(chain) <= PARENT_DEPTH:
        chain.append(organisation)
        # Only the tutelles read by `published_awards`: never a query per row.
        organisation = (
            organisation.parent
            if Organisation.parent.is_cached(organisation) or organisation.parent_id is None
            else None
        )
    return chain


def lead_organisation(award: Award) -> Organisation | None:
    """The organisation of the project's lead team: the principal investigator's team's
    organisation, else the principal investigator's own organisation."""
    investigator = award.application.principal_investigator
    if investigator.team_id is not None:
        return investigator.team.organisation
    return investigator.organisation


def beneficiary_of(award: Award) -> Organisation | None:
    """The legal entity that manages the grant: the lead organisation if it is one (a SIRET, a
    SIREN or an RNA number), else its nearest tutelle that is (a laboratory's university);
    failing that the first of them with a ROR (an international body has no French number),
    failing that the highest tutelle read (the likeliest legal entity, named to staff as the
    one whose number is missing); None when no organisation is known at all."""
    chain = _chain(lead_organisation(award))
    for organisation in chain:
        if organisation.siret or organisation.siren or organisation.rna:
            return organisation
    for organisation in chain:
        if organisation.ror:
            return organisation
    return chain[-1] if chain else None
