"""Writes that carry the rules of funded projects, their yearly status, their follow-up
reports and their outcomes.

A refused write raises `ValidationError` with a French message and changes nothing; every
write leaves a history row naming who did it.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.network.models import Site
from funding.models import Award, Contribution
from programmes.models import Application, Programme
from projects.models import FollowUpReport, FundedProject, Outcome, ProjectYearStatus

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
    keeping with its other years: a completed or stopped project never resumes. A year the
    project is under way ("en cours") is a year it reports on: its follow-up report is expected
    (`report_expect`, due 31 March of the next year)."""
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
    if status == ProjectYearStatus.Status.ONGOING:
        report_expect(project=project, year=year, by=by)
    return row


# --- Follow-up reports and outcomes (the principal investigator's writes) ---------------------

Report = FollowUpReport.Status
# A year's report is due on 31 March of the next year unless staff set another date.
REPORT_DUE_MONTH_DAY = (3, 31)
# Reminders go this many days before the due date (and to overdue reports not yet reminded).
REPORT_REMINDER_DAYS = 30
# The principal investigator's fields of a report; anything else posted is ignored.
REPORT_FIELDS = ("summary", "difficulties", "next_steps")
OUTCOME_FIELDS = ("kind", "title", "date", "identifier", "jobs", "amount", "funder")


def report_due_default(year: int) -> datetime.date:
    return datetime.date(year + 1, *REPORT_DUE_MONTH_DAY)


def _paris_today(at: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(at or timezone.now())


def _check_leads(*, project: FundedProject, by: User) -> None:
    from projects.selectors import project_is_led_by

    if not project_is_led_by(project=project, user=by):
        raise ValidationError(
            _("Seul le porteur ou la porteuse du projet peut faire son suivi."), code="not_pi"
        )


@transaction.atomic
def report_expect(
    *, project: FundedProject, year: int, due_on: datetime.date | None = None,
    by: User | None = None,
) -> FollowUpReport:
    """The report of `project` for `year`, expected by `due_on` (default 31 March of the next
    year): created if missing, its due date moved if it is still expected; a submitted or
    accepted report is returned unchanged."""
    FundedProject.objects.select_for_update().filter(pk=project.pk).exists()
    report = FollowUpReport.objects.filter(project=project, year=year).first()
    if report is None:
        report = FollowUpReport(project=project, year=year, status=Report.EXPECTED)
    elif report.status != Report.EXPECTED or due_on is None:
        return report
    report.due_on = due_on or report_due_default(year)
    report.full_clean()
    report._history_user = by
    report.save()
    return report


def _locked_report(report: FollowUpReport) -> FollowUpReport:
    return FollowUpReport.objects.select_for_update().select_related("project").get(
        pk=report.pk)


@transaction.atomic
def report_submit(
    *, report: FollowUpReport, by: User, fields: dict, at: datetime.datetime | None = None
) -> FollowUpReport:
    """The principal investigator hands in (or corrects) the report: progress is required;
    refused once staff have accepted it. `fields` holds the form's own fields only (progress,
    difficulties, next steps); anything else is ignored. Dated `at` (now) in Paris time."""
    current = _locked_report(report)
    _check_leads(project=current.project, by=by)
    if current.status == Report.ACCEPTED:
        raise ValidationError(
            _("Ce rapport a été accepté par l'équipe du CLARA : il ne peut plus être modifié."),
            code="accepted",
        )
    for name in REPORT_FIELDS:
        if name in fields:
            setattr(current, name, (fields[name] or "").strip())
    if not current.summary:
        raise ValidationError(
            {"summary": _("Décrivez l'avancement du projet.")}, code="required"
        )
    current.status = Report.SUBMITTED
    current.submitted_on = _paris_today(at)
    current.submitted_by = by
    current.full_clean()
    current._history_user = by
    current.save()
    report.refresh_from_db()
    return current


@transaction.atomic
def report_accept(*, report: FollowUpReport, by: User | None = None) -> FollowUpReport:
    """Staff accept a submitted report: it and the outcomes dated in its year are final."""
    current = _locked_report(report)
    if Report.ACCEPTED not in FollowUpReport.ALLOWED_TRANSITIONS[current.status]:
        raise ValidationError(
            _("Seul un rapport remis peut être accepté (%(report)s est « %(status)s »).")
            % {"report": current, "status": Report(current.status).label},
            code="invalid_transition",
        )
    current.status = Report.ACCEPTED
    current.full_clean()
    current._history_user = by
    current.save()
    report.refresh_from_db()
    return current


def _check_year_open(*, project: FundedProject, year: int) -> None:
    if FollowUpReport.objects.filter(project=project, year=year,
                                     status=Report.ACCEPTED).exists():
        raise ValidationError(
            _("Le rapport %(year)s a été accepté : les résultats de cette année ne peuvent plus "
              "être modifiés. Écrivez à l'équipe du CLARA pour une correction.")
            % {"year": year},
            code="year_closed",
        )


@transaction.atomic
def outcome_record(
    *, project: FundedProject, by: User, fields: dict, at: datetime.datetime | None = None
) -> Outcome:
    """The principal investigator records an outcome of `project` (the kind's rules are
    `Outcome.clean`: DOI, patent number, trial registry number, jobs, amount and funder). It
    counts in the key figures of the year of its date, which may not be in the future nor in a
    year whose report staff have accepted. Only the form's own fields are read."""
    FundedProject.objects.select_for_update().filter(pk=project.pk).exists()
    _check_leads(project=project, by=by)
    values = {name: fields[name] for name in OUTCOME_FIELDS if fields.get(name) is not None}
    outcome = Outcome(project=project, recorded_by=by, **values)
    if outcome.date is not None:
        if outcome.date > _paris_today(at):
            raise ValidationError({"date": _("Cette date est dans le futur.")}, code="future")
        _check_year_open(project=project, year=outcome.date.year)
    outcome.full_clean()
    outcome._history_user = by
    outcome.save()
    return outcome


@transaction.atomic
def outcome_delete(*, outcome: Outcome, by: User) -> None:
    """The principal investigator removes an outcome recorded by mistake, unless the report of
    its year is accepted (then staff correct it in the administration)."""
    current = Outcome.objects.select_for_update().select_related("project").get(pk=outcome.pk)
    _check_leads(project=current.project, by=by)
    _check_year_open(project=current.project, year=current.date.year)
    current._history_user = by
    current.delete()


def report_reminders_send(*, now: datetime.datetime) -> int:
    """E-mail the principal investigator of every expected report due within
    `REPORT_REMINDER_DAYS` days of `now` (Paris date) or overdue, once: the reminder is
    recorded on the report (`reminded_at`) in the same transaction as its e-mail is queued, so
    running it twice, or two runs at once (row lock, PostgreSQL), sends each reminder once.
    Returns the number of reminders sent."""
    from projects.selectors import reports_to_remind

    sent = 0
    today = _paris_today(now)
    for pk in list(reports_to_remind(today=today, days=REPORT_REMINDER_DAYS)
                   .values_list("pk", flat=True)):
        with transaction.atomic():
            report = (FollowUpReport.objects.select_for_update()
                      .filter(pk=pk, status=Report.EXPECTED, reminded_at__isnull=True).first())
            if report is None:
                continue
            report.reminded_at = now
            report._change_reason = "Relance du rapport de suivi"
            report.save(update_fields=["reminded_at"])
            transaction.on_commit(lambda pk=pk: notify_report_due(report_pk=pk), robust=True)
            sent += 1
    return sent


def report_recipients(report: FollowUpReport) -> list[User]:
    """Who is told about the report: the applicant and the principal investigator's user."""
    application = report.project.award.application
    users = [application.applicant]
    person_user = getattr(application.principal_investigator, "user", None)
    if person_user is not None and person_user.pk != application.applicant_id:
        users.append(person_user)
    return [user for user in users if user is not None and user.email]


def notify_report_due(*, report_pk: int) -> None:
    """The reminder e-mail, in each recipient's language when the account records one."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    report = FollowUpReport.objects.select_related(
        "project__award__application__applicant",
        "project__award__application__principal_investigator__user",
    ).get(pk=report_pk)
    for user in report_recipients(report):
        language = getattr(user, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            context = {"report": report, "project": report.project, "user": user,
                       "overdue": report.due_on < timezone.localdate(report.reminded_at or timezone.now())}
            subject = render_to_string("projects/email/report_due_subject.txt",
                                       context).strip()
            body = render_to_string("projects/email/report_due.txt", context)
        send_mail(subject, body, None, [user.email])


# --- The derived copy of each project's facts (the public list's columns) ------------------

TEXT_CHUNK = 2000


def project_facts_refresh(project_ids=None, *, text: bool = True,
                          funders: bool = True) -> None:
    """Recompute the `facet_*` columns of the projects `project_ids` (primary keys, or a
    queryset of them; None: every project) from their records: one UPDATE for the programme,
    track, domain, decision (moment, Paris year), amount and latest status (a subquery each),
    then, unless `text` is False (the searched text depends on the project and its
    application only), the searched text read and written 2 000 projects at a time (only the
    rows whose text changed; on PostgreSQL its full-text vector with it), then, unless
    `funders` is False, the co-funders of each award (only the rows whose list changed).
    Sends no signal and writes no history row. See `FundedProject`'s docstring for who calls
    it."""
    with transaction.atomic():
        _facts_refresh(FundedProject, Award, ProjectYearStatus, project_ids, text=text,
                       vector=True)
        if funders:
            _funders_refresh(project_ids)


def _funders_refresh(project_ids) -> None:
    """`facet_funders` of the projects `project_ids` (None: all): ",<id>,<id>," of the
    co-funders of its award in order, "" without any."""
    from django.db import connections, router

    projects = FundedProject.objects.all()
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
    connection = connections[router.db_for_write(FundedProject)]
    sql = "UPDATE projects_fundedproject SET facet_funders = %s WHERE id = %s"
    last = 0
    while True:
        rows = list(projects.filter(pk__gt=last).order_by("pk")
                    .values_list("pk", "award_id", "facet_funders")[:TEXT_CHUNK])
        by_award: dict[int, list[int]] = {}
        for award_id, funder_id in (Contribution.objects.filter(
                award_id__in=[award for _pk, award, _old in rows]).order_by()
                .values_list("award_id", "funder_id")):
            by_award.setdefault(award_id, []).append(funder_id)
        changed = []
        for pk, award_id, old in rows:
            ids = sorted(by_award.get(award_id, ()))
            value = f",{','.join(map(str, ids))}," if ids else ""
            if value != old:
                changed.append((value, pk))
        if changed:
            with connection.cursor() as cursor:
                cursor.executemany(sql, changed)
        if len(rows) < TEXT_CHUNK:
            return
        last = rows[-1][0]


def _facts_refresh(project_model, award_model, status_model, project_ids, *, text=True,
                   vector=False):
    """The refresh with the given models (the migration that fills the columns passes its
    historical models, before `facet_search_vector` exists: `vector` False)."""
    from zoneinfo import ZoneInfo

    from django.db import connections, router
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import ExtractYear

    from projects.search import unaccent

    projects = project_model.objects.all()
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
    award = award_model.objects.filter(pk=OuterRef("award_id")).order_by()

    def of_award(path):
        return Subquery(award.values(path)[:1])

    with transaction.atomic():
        projects.update(
            facet_programme_id=of_award("application__call__programme_id"),
            facet_track_id=of_award("application__call__track_id"),
            facet_domain_id=of_award("application__domain_id"),
            facet_decided_at=of_award("decided_at"),
            facet_amount=of_award("amount"),
            facet_decision_year=Subquery(award.annotate(
                y=ExtractYear("decided_at", tzinfo=ZoneInfo("Europe/Paris"))).values("y")[:1]),
            facet_latest_status=Subquery(
                status_model.objects.filter(project=OuterRef("pk")).order_by("-year")
                .values("status")[:1]),
        )
        if not text:
            return
        connection = connections[router.db_for_write(project_model)]
        sql = ("UPDATE projects_fundedproject SET facet_search_text = %s, "
               "facet_search_plain = %s WHERE id = %s")
        if vector and connection.vendor == "postgresql":
            sql = ("UPDATE projects_fundedproject SET facet_search_text = %s, "
                   "facet_search_plain = %s, facet_search_vector = "
                   "to_tsvector('clara_french'::regconfig, %s) WHERE id = %s")
        last = 0
        while True:
            rows = list(projects.filter(pk__gt=last).order_by("pk").values_list(
                "pk", "name", "award__application__title", "award__application__acronym",
                "public_summary", "facet_search_text", "facet_search_plain")[:TEXT_CHUNK])
            changed = []
            for pk, name, title, acronym, summary, old_text, old_plain in rows:
                # A line break between the fields, which no word holds: a word is found in
                # one field.
                searched = "\n".join(part or "" for part in (name, title, acronym, summary))
                if (searched, unaccent(searched)) != (old_text, old_plain):
                    changed.append((searched, unaccent(searched), searched, pk)
                                   if "facet_search_vector" in sql
                                   else (searched, unaccent(searched), pk))
            if changed:
                with connection.cursor() as cursor:
                    cursor.executemany(sql, changed)
            if len(rows) < TEXT_CHUNK:
                return
            last = rows[-1][0]


# Set while a bulk writer that refreshes every project's facts at its end (the history
# import) runs: the receiver below then leaves each save alone.
_FACTS_DEFERRED: ContextVar[bool] = ContextVar("project_facts_deferred", default=False)


@contextmanager
def project_facts_deferred():
    """Within the block, saves do not refresh the projects' facts: the caller must call
    `project_facts_refresh()` before its transaction commits (or roll it back)."""
    token = _FACTS_DEFERRED.set(True)
    try:
        yield
    finally:
        _FACTS_DEFERRED.reset(token)


def project_facts_receiver(sender, instance, **kwargs) -> None:
    """`post_save`/`post_delete` receiver (connected in `projects.apps`): refresh the facts of
    the projects a saved record describes: the project itself, its award's, application's,
    call's, yearly status's or contribution's project(s). Nothing within
    `project_facts_deferred()`."""
    if _FACTS_DEFERRED.get():
        return
    from programmes.models import Call

    if sender is FundedProject:
        if "created" not in kwargs:
            return  # post_delete: nothing left to refresh
        project_facts_refresh([instance.pk])
    elif sender is ProjectYearStatus:
        project_facts_refresh([instance.project_id], text=False, funders=False)
    elif sender is Award:
        project_facts_refresh(FundedProject.objects.filter(award_id=instance.pk)
                              .values("pk"), text=False)
    elif sender is Application:
        project_facts_refresh(FundedProject.objects.filter(
            award__application_id=instance.pk).values("pk"))
    elif sender is Contribution:
        project_facts_refresh(FundedProject.objects.filter(award_id=instance.award_id)
                              .values("pk"), text=False)
    elif sender is Call:
        project_facts_refresh(FundedProject.objects.filter(
            award__application__call_id=instance.pk).values("pk"), text=False)
