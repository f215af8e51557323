"""Writes that carry the rules of funded projects and their yearly status.

A refused write raises `ValidationError` with a French message and changes nothing; every
write leaves a history row naming who did it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.network.models import Site
from funding.models import Award
from programmes.models import Application, Programme
from projects.models import FundedProject, ProjectYearStatus

Status = ProjectYearStatus.Status


def funded_project_check_open(*, award: Award) -> None:
    """Raise `ValidationError` unless a funded project may be opened for `award`: the award of
    a selected application of a research programme, with no project yet."""
    errors = []
    application = award.application
    if application.status != Application.Status.SELECTED:
        errors.append(_("Le financement doit porter sur une demande retenue."))
    if application.call.programme.kind not in Programme.RESEARCH_KINDS:
        errors.append(_(
            "Seuls les financements d'Oncostarter, de Preuve du Concept et des Projets "
            "structurants ouvrent un projet suivi (les manifestations et les mobilités sont "
            "suivies comme événements et actions internationales)."
        ))
    if FundedProject.objects.filter(award=award).exists():
        errors.append(_("Ce financement a déjà son projet suivi."))
    if errors:
        raise ValidationError({"award": errors})


@transaction.atomic
def funded_project_open(
    *,
    award: Award,
    name: str,
    site: Site | None = None,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    public_summary: str = "",
    by: User | None = None,
) -> FundedProject:
    """Open the follow-up of a funded research project, with its status for the year of the
    award's decision: ongoing if the project started by then, otherwise "conventionnement en
    cours" (not started)."""
    award = Award.objects.select_for_update().select_related(
        "application__call__programme"
    ).get(pk=award.pk)
    funded_project_check_open(award=award)
    project = FundedProject(
        award=award, name=name, site=site, start_date=start_date, end_date=end_date,
        public_summary=public_summary,
    )
    project.full_clean()
    project._history_user = by
    project.save()
    year = timezone.localtime(award.decided_at).year
    started = start_date is not None and start_date.year <= year
    project_status_set(
        project=project, year=year, status=Status.ONGOING if started else Status.NOT_STARTED,
        by=by,
    )
    return project


def project_status_check(
    *, project: FundedProject, year: int, status: str, exclude_pk: int | None = None
) -> None:
    """Raise `ValidationError` unless `project` may have `status` in `year`, given the statuses
    recorded for the years before and after (`ProjectYearStatus.ALLOWED_TRANSITIONS`)."""
    others = ProjectYearStatus.objects.filter(project=project).exclude(pk=exclude_pk)
    before = others.filter(year__lt=year).order_by("-year").first()
    after = others.filter(year__gt=year).order_by("year").first()
    allowed = ProjectYearStatus.ALLOWED_TRANSITIONS
    if before is not None and status not in allowed[before.status]:
        raise ValidationError(
            {"status": _("En %(year)s le projet était « %(before)s » : il ne peut pas être "
                         "« %(status)s » en %(then)s.")
             % {"year": before.year, "before": Status(before.status).label,
                "status": Status(status).label, "then": year}},
            code="invalid_transition",
        )
    if after is not None and after.status not in allowed[status]:
        raise ValidationError(
            {"status": _("En %(year)s le projet est « %(after)s » : il ne peut pas être "
                         "« %(status)s » en %(then)s, plus tôt.")
             % {"year": after.year, "after": Status(after.status).label,
                "status": Status(status).label, "then": year}},
            code="invalid_transition",
        )


@transaction.atomic
def project_status_set(
    *, project: FundedProject, year: int, status: str, note: str = "", by: User | None = None
) -> ProjectYearStatus:
    """Record where `project` stands in `year` (creating or changing that year's row), in
    keeping with its other years: a completed or stopped project never resumes."""
    FundedProject.objects.select_for_update().filter(pk=project.pk).exists()
    row = ProjectYearStatus.objects.filter(project=project, year=year).first()
    project_status_check(
        project=project, year=year, status=status, exclude_pk=row.pk if row else None
    )
    row = row or ProjectYearStatus(project=project, year=year)
    row.status = status
    row.note = note
    row.full_clean()
    row._history_user = by
    row.save()
    return row
