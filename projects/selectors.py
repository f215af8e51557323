"""Reads of funded projects for their principal investigators and for staff.

Who leads a project: the user who applied for it (the application's applicant) or the user
of the application's principal investigator (`Person.user`). Anyone else is never told that
a project exists: its pages answer 404 (`pi_project` raises `FundedProject.DoesNotExist`).
"""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, Q, QuerySet

from projects.models import FollowUpReport, FundedProject, Outcome, ProjectYearStatus

Report = FollowUpReport.Status


def led_by(user) -> Q:
    """The condition "`user` leads the project", on `FundedProject`."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    return (Q(award__application__applicant=user)
            | Q(award__application__principal_investigator__user=user))


def project_is_led_by(*, project: FundedProject, user) -> bool:
    """Whether `user` may report on `project` (the one predicate of the follow-up writes)."""
    return FundedProject.objects.filter(led_by(user), pk=project.pk).exists()


def _with_pages(queryset: QuerySet[FundedProject]) -> QuerySet[FundedProject]:
    return (
        queryset.select_related("award__application__call__programme", "site")
        .prefetch_related(
            Prefetch("reports", queryset=FollowUpReport.objects.order_by("-year")),
            Prefetch("year_statuses"),
        )
    )


def pi_project_list(*, user) -> QuerySet[FundedProject]:
    """The funded projects `user` leads, with their reports (newest year first): three
    queries whatever their number (the dashboard's section)."""
    return _with_pages(FundedProject.objects.filter(led_by(user))).order_by(
        "name", "pk")


def pi_project(*, user, pk: int) -> FundedProject:
    """The project `pk` if `user` leads it, else `FundedProject.DoesNotExist` (→ 404)."""
    return _with_pages(FundedProject.objects.filter(led_by(user))).prefetch_related(
        Prefetch("outcomes", queryset=Outcome.objects.order_by("-date", "-pk"))
    ).get(pk=pk)


def staff_project(*, pk: int) -> FundedProject:
    """Any project, for staff (read-only pages)."""
    return _with_pages(FundedProject.objects.all()).prefetch_related(
        Prefetch("outcomes", queryset=Outcome.objects.order_by("-date", "-pk"))
    ).get(pk=pk)


def report_is_overdue(report: FollowUpReport, today: datetime.date) -> bool:
    return report.status == Report.EXPECTED and report.due_on < today


def reports_overdue(*, today: datetime.date) -> QuerySet[FollowUpReport]:
    """Reports still expected after their due date, per programme then project."""
    return (
        FollowUpReport.objects.filter(status=Report.EXPECTED, due_on__lt=today)
        .select_related("project__award__application__call__programme")
        .order_by("project__award__application__call__programme__name", "due_on", "pk")
    )


def reports_to_remind(*, today: datetime.date, days: int) -> QuerySet[FollowUpReport]:
    """Expected reports due within `days` days of `today` or overdue, not yet reminded."""
    return FollowUpReport.objects.filter(
        status=Report.EXPECTED, reminded_at__isnull=True,
        due_on__lte=today + datetime.timedelta(days=days),
    ).order_by("due_on", "pk")


# --- The public pages of funded projects ------------------------------------------------------

def funded_project_list_public() -> QuerySet[FundedProject]:
    """Every funded project for the public list, newest first, with what a row shows."""
    return (
        FundedProject.objects
        .select_related("site", "award__application__call__programme")
        .order_by("-start_date", "name", "pk")
    )


def funded_project_public(*, pk: int) -> FundedProject:
    """One funded project with what its public page shows (fixed number of queries):
    its award and the co-funders' shares, its teams, co-applicants and partner companies,
    the events that presented its call, its yearly statuses and its outcomes.
    `FundedProject.DoesNotExist` otherwise."""
    from clara.network.models import Organisation, Person, Team
    from funding.models import Contribution

    return (
        funded_project_list_public()
        .select_related("award__application__principal_investigator",
                        "award__application__call__track", "award__application__domain")
        .prefetch_related(
            Prefetch("award__application__teams",
                     queryset=Team.objects.select_related("organisation", "site")
                     .order_by("name", "pk")),
            Prefetch("award__application__co_applicants",
                     queryset=Person.objects.order_by("last_name", "first_name", "pk")),
            Prefetch("award__application__partner_companies",
                     queryset=Organisation.objects.order_by("name", "pk")),
            # The events that presented its call (events sit above projects: no import,
            # their default order, newest first).
            "award__application__call__info_sessions",
            Prefetch("award__contributions",
                     queryset=Contribution.objects.select_related("funder")
                     .order_by("-amount", "funder__name")),
            Prefetch("year_statuses", queryset=ProjectYearStatus.objects.order_by("year")),
            Prefetch("outcomes", queryset=Outcome.objects.order_by("-date", "pk")),
        )
        .get(pk=pk)
    )
