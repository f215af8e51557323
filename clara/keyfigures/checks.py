"""Consistency warnings for the staff dashboard: what the records of a year make
contradictory or suspicious, each with the records to look at (a fixed number of queries)."""

from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import ngettext_lazy

from clara.keyfigures.selectors import (
    FAMILIES,
    applications_counted,
    events_in,
    supported_events,
)
from clara.network.models import Team
from events.models import Event, InternationalAction
from funding.models import Award
from programmes.models import Application
from projects.models import ProjectYearStatus


def _record_checks(year: int) -> list[tuple]:
    """The checks that are one queryset each: (records to look at, message)."""
    return [
        (
            Award.objects.decided_in(year).with_contributions_total()
            .exclude(contributions_total=F("amount")).select_related("application"),
            ngettext_lazy(
                "%(n)s financement dont les contributions des financeurs ne font pas le montant "
                "accordé.",
                "%(n)s financements dont les contributions des financeurs ne font pas le montant "
                "accordé.",
                "n",
            ),
        ),
        (
            applications_counted(year).selected().filter(award__isnull=True)
            .select_related("call"),
            ngettext_lazy(
                "%(n)s demande retenue sans financement enregistré.",
                "%(n)s demandes retenues sans financement enregistré.",
                "n",
            ),
        ),
        (
            Award.objects.decided_in(year)
            .exclude(application__status=Application.Status.SELECTED)
            .select_related("application"),
            ngettext_lazy(
                "%(n)s financement sur une demande qui n'est pas au statut « retenue ».",
                "%(n)s financements sur des demandes qui ne sont pas au statut « retenue ».",
                "n",
            ),
        ),
        (
            Team.objects.filter(
                applications__award__project__year_statuses__year=year,
                applications__award__project__year_statuses__status=(
                    ProjectYearStatus.Status.ONGOING
                ),
            ).exclude(censuses__year=year).distinct(),
            ngettext_lazy(
                "%(n)s équipe portant un projet financé en cours n'a pas de recensement pour "
                "l'année.",
                "%(n)s équipes portant un projet financé en cours n'ont pas de recensement pour "
                "l'année.",
                "n",
            ),
        ),
        (
            supported_events(year).filter(award__isnull=True),
            ngettext_lazy(
                "%(n)s manifestation soutenue sans subvention enregistrée.",
                "%(n)s manifestations soutenues sans subvention enregistrée.",
                "n",
            ),
        ),
        (
            FAMILIES["international"](year).filter(
                kind=InternationalAction.Kind.MOBILITY, award__isnull=True
            ),
            ngettext_lazy(
                "%(n)s mobilité sans financement enregistré.",
                "%(n)s mobilités sans financement enregistré.",
                "n",
            ),
        ),
    ]


@dataclass
class ConsistencyWarning:
    """Something the records make contradictory or suspicious, with the records concerned."""

    message: str
    records: list


def consistency_warnings(year: int) -> list[ConsistencyWarning]:
    """Contradictions the records of `year` hold, each with the records to look at.

    A fixed number of queries: one per kind of check.
    """
    warnings: list[ConsistencyWarning] = []

    forums = list(events_in(year).filter(kind=Event.Kind.FORUM))
    for forum in forums:
        stray = list(
            Event.objects.filter(
                kind=Event.Kind.WORKSHOP,
                start_date__gte=forum.start_date,
                start_date__lte=forum.end_date,
            ).exclude(parent=forum)
        )
        if stray:
            warnings.append(ConsistencyWarning(
                ngettext_lazy(
                    "%(n)s atelier participatif se tient pendant le %(forum)s sans y être "
                    "rattaché : le Forum compte %(linked)s ateliers, l'année %(all)s.",
                    "%(n)s ateliers participatifs se tiennent pendant le %(forum)s sans y être "
                    "rattachés : le Forum compte %(linked)s ateliers, l'année %(all)s.",
                    "n",
                )
                % {"n": len(stray), "forum": forum.title,
                   "linked": forum.sessions.filter(kind=Event.Kind.WORKSHOP).count(),
                   "all": events_in(year).filter(kind=Event.Kind.WORKSHOP).count()},
                stray,
            ))

    for records, message in _record_checks(year):
        found = list(records)
        if found:
            warnings.append(ConsistencyWarning(message % {"n": len(found)}, found))
    return warnings
