"""Writes of the evaluation: reviewers' assignments and their conflict warnings, conflict
declarations, scoring, reminders, auditions.

Kept apart from `programmes.services` (the applications' and decisions' writes) so that each
module stays readable. Same habits: keyword-only arguments, `full_clean()`, one transaction,
row locks (`select_for_update`, PostgreSQL) where two requests could race, a history row
naming who did it, e-mails only after the commit (`transaction.on_commit`). A refused write
raises `ValidationError` with a French message and changes nothing.

Conflict warnings are computed from the records (people, teams, organisations, past funded
applications); programmes never imports funding or projects: a funded project is reached
through the reverse relations `award__project`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.network.models import Person
from programmes.models import (
    Application,
    Audition,
    EvaluationCriterion,
    Review,
    Reviewer,
    ReviewScore,
)
from programmes.services import _save_with_history, format_paris

Role = Review.Role
ReviewStatus = Review.Status

# Applications that can be reviewed: submitted, not yet decided, not withdrawn.
REVIEWABLE_STATUSES = frozenset({
    Application.Status.SUBMITTED, Application.Status.ELIGIBLE,
    Application.Status.UNDER_REVIEW, Application.Status.AUDITION,
})


# --- Conflict warnings -----------------------------------------------------------------------

@dataclass(frozen=True)
class ConflictWarning:
    """Why a reviewer may have a conflict with an application (shown to staff before they
    confirm an assignment; never blocking: staff decide)."""

    code: str
    message: str


def _application_people(application: Application) -> list[Person]:
    people = [application.principal_investigator]
    people += [p for p in application.co_applicants.all()
               if p.pk != application.principal_investigator_id]
    return people


def review_conflict_warnings(*, application: Application, reviewer: User) -> list[ConflictWarning]:
    """The reasons, read from the records, why `reviewer` may be in a conflict of interest
    with `application`: they are its applicant, principal investigator or a co-applicant;
    they belong to the same team or organisation as one of these people (or as one of the
    application's teams); they co-led a funded project with one of them (a past selected
    application with a funded project where both were principal investigator or
    co-applicant). Empty: nothing found (staff may still know better)."""
    warnings: list[ConflictWarning] = []
    person = Person.objects.select_related("team__organisation").filter(user=reviewer).first()
    people = _application_people(application)
    people_ids = {p.pk for p in people}
    if application.applicant_id == reviewer.pk or (person and person.pk in people_ids):
        warnings.append(ConflictWarning(
            "applicant", _("L'évaluateur est le déposant, le porteur ou un co-porteur de la "
                           "demande.")))
        return warnings
    if person is None:
        return warnings
    teams = {p.team_id for p in people if p.team_id}
    app_teams = list(application.teams.select_related("organisation"))
    teams |= {t.pk for t in app_teams}
    organisations = {p.organisation_id for p in people if p.organisation_id}
    organisations |= {t.organisation_id for t in app_teams}
    team_orgs = Person.objects.filter(pk__in=people_ids, team__isnull=False).values_list(
        "team__organisation_id", flat=True)
    organisations |= set(team_orgs)
    if person.team_id and person.team_id in teams:
        warnings.append(ConflictWarning(
            "team", _("L'évaluateur appartient à la même équipe (%(team)s) que la demande ou "
                      "l'un de ses porteurs.") % {"team": person.team.name}))
    orgs_of_reviewer = {person.organisation_id,
                        person.team.organisation_id if person.team_id else None} - {None}
    if orgs_of_reviewer & organisations:
        warnings.append(ConflictWarning(
            "organisation", _("L'évaluateur appartient à la même organisation que la demande "
                              "ou l'un de ses porteurs.")))
    # Past applications with a funded project (reverse relations: award -> project).
    funded = Application.objects.filter(award__project__isnull=False).exclude(pk=application.pk)
    led_by_reviewer = funded.filter(
        Q(principal_investigator=person) | Q(co_applicants=person))
    shared = (led_by_reviewer.filter(
        Q(principal_investigator__in=people_ids) | Q(co_applicants__in=people_ids))
        .values_list("reference", flat=True).distinct().order_by("reference"))
    references = list(shared[:5])
    if references:
        warnings.append(ConflictWarning(
            "funded_project", _("L'évaluateur a co-porté un projet financé avec l'un des "
                                "porteurs (%(references)s).")
            % {"references": ", ".join(references)}))
    return warnings


# --- Assignments -----------------------------------------------------------------------------

def _reviewer_kind(reviewer: User) -> str | None:
    profile = Reviewer.objects.filter(user=reviewer).values_list("kind", "active").first()
    if profile is None or not profile[1]:
        return None
    return profile[0]


@transaction.atomic
def review_assign(
    *, application: Application, reviewer: User, role: str | None = None, by: User | None,
) -> tuple[Review, list[ConflictWarning]]:
    """Assign `reviewer` to `application` with `role` (default: the reviewer's kind) and
    invite them by e-mail after the commit. Returns the review and the conflict warnings
    (`review_conflict_warnings`): staff saw them before confirming.

    Refused when the account is not an active reviewer, when the application is not open to
    review (draft, withdrawn, decided) or when the reviewer is already assigned to it."""
    kind = _reviewer_kind(reviewer)
    if kind is None:
        raise ValidationError(
            _("%(user)s n'est pas un évaluateur actif.") % {"user": reviewer}, code="not_reviewer")
    role = role or kind
    if role not in Role.values:
        raise ValidationError(_("Rôle d'évaluation inconnu."), code="invalid_role")
    current = Application.objects.select_for_update().get(pk=application.pk)
    if current.status not in REVIEWABLE_STATUSES:
        raise ValidationError(
            _("La demande %(reference)s n'est pas en cours d'évaluation (%(status)s).")
            % {"reference": current.reference, "status": current.get_status_display()},
            code="not_reviewable")
    if Review.objects.filter(application=current, reviewer=reviewer).exists():
        raise ValidationError(
            _("%(user)s est déjà assigné à la demande %(reference)s.")
            % {"user": reviewer, "reference": current.reference}, code="already_assigned")
    warnings = review_conflict_warnings(application=current, reviewer=reviewer)
    review = Review(application=current, reviewer=reviewer, role=role,
                    status=ReviewStatus.ASSIGNED, assigned_at=timezone.now())
    _save_with_history(review, by=by)
    review_id = review.pk
    transaction.on_commit(lambda: notify_review_invitation(review_id=review_id), robust=True)
    return review, warnings


@transaction.atomic
def review_assign_many(
    *, applications, reviewers, by: User | None, role: str | None = None,
) -> tuple[list[Review], list[tuple[Application, User, list[ConflictWarning]]], list[str]]:
    """Assign every reviewer to every application (bulk form of `review_assign`), skipping
    pairs already assigned. Returns the new reviews, the warnings per pair and the messages
    of the pairs refused. All or nothing for the database only in the sense that each pair
    is checked; a refused pair is reported, not raised, so staff see every reason at once."""
    reviews, warned, refused = [], [], []
    for application in applications:
        for reviewer in reviewers:
            if Review.objects.filter(application=application, reviewer=reviewer).exists():
                continue
            try:
                with transaction.atomic():
                    review, warnings = review_assign(
                        application=application, reviewer=reviewer, role=role, by=by)
            except ValidationError as error:
                refused.extend(error.messages)
                continue
            reviews.append(review)
            if warnings:
                warned.append((application, reviewer, warnings))
    return reviews, warned, refused


@transaction.atomic
def review_unassign(*, review: Review, by: User | None) -> None:
    """Remove an assignment that has not been submitted (its reviewer loses access at once)."""
    current = Review.objects.select_for_update().get(pk=review.pk)
    if current.status == ReviewStatus.SUBMITTED:
        raise ValidationError(_("Une évaluation rendue ne peut pas être retirée."),
                              code="submitted")
    current.scores.all().delete()
    if by is not None:
        current._history_user = by
    current.delete()


def _locked_review(review: Review) -> Review:
    return (Review.objects.select_for_update()
            .select_related("application__call").get(pk=review.pk))


@transaction.atomic
def review_declare_conflict(
    *, review: Review, has_conflict: bool, details: str = "", by: User,
    at: datetime.datetime | None = None,
) -> Review:
    """The reviewer's declaration, made once before they see the application. A declared
    conflict ends the assignment (status declined) and the content stays unseen; no conflict
    opens the application and the scoring form. Only the assigned reviewer declares."""
    current = _locked_review(review)
    if current.reviewer_id != by.pk:
        raise ValidationError(_("Seul l'évaluateur assigné peut faire cette déclaration."),
                              code="not_reviewer")
    if current.conflict_declared_at is not None or current.status != ReviewStatus.ASSIGNED:
        raise ValidationError(_("La déclaration d'intérêts de cette évaluation est déjà faite."),
                              code="already_declared")
    details = (details or "").strip()
    if has_conflict and not details:
        raise ValidationError(
            {"conflict_details": _("Précisez la nature du conflit d'intérêts.")},
            code="required")
    current.conflict_declared_at = at or timezone.now()
    current.conflict_of_interest = has_conflict
    current.conflict_details = details if has_conflict else ""
    if has_conflict:
        current.status = ReviewStatus.DECLINED
    _save_with_history(current, by=by)
    review.refresh_from_db()
    return current


def review_criteria(review: Review) -> list[EvaluationCriterion]:
    """The criteria of the grid this review scores: the call's criteria for its role's
    audience (scientific grid, or the patient partners' grid)."""
    return list(EvaluationCriterion.objects.filter(
        call_id=review.application.call_id, audience=review.audience))


@transaction.atomic
def review_submit(
    *, review: Review, scores: dict[int, int], recommendation: str, comments: str, by: User,
    at: datetime.datetime | None = None,
) -> Review:
    """Submit the review: `scores` maps each criterion of the reviewer's grid (by id) to a
    whole score from 0 to its maximum, every criterion once and no other; a recommendation
    (financer / financer sous réserve / ne pas financer) is required. Under the row lock: a
    second submit (double click, two tabs) finds it submitted and is refused."""
    current = _locked_review(review)
    if current.reviewer_id != by.pk:
        raise ValidationError(_("Seul l'évaluateur assigné peut rendre cette évaluation."),
                              code="not_reviewer")
    if current.status == ReviewStatus.SUBMITTED:
        raise ValidationError(_("Cette évaluation a déjà été rendue."), code="already_submitted")
    if current.status != ReviewStatus.ASSIGNED or current.conflict_declared_at is None:
        raise ValidationError(_("Déclarez d'abord l'absence de conflit d'intérêts."),
                              code="no_declaration")
    criteria = {c.pk: c for c in review_criteria(current)}
    errors = []
    unknown = set(scores) - set(criteria)
    if unknown:
        errors.append(_("Une note porte sur un critère qui n'est pas dans votre grille."))
    for pk, criterion in criteria.items():
        value = scores.get(pk)
        if value is None or value == "":
            errors.append(_("Notez le critère « %(criterion)s ».") % {"criterion": criterion})
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or str(number) != str(value).strip() or not (
                0 <= number <= criterion.max_score):
            errors.append(_("La note du critère « %(criterion)s » est un nombre entier de 0 à "
                            "%(max)s.") % {"criterion": criterion, "max": criterion.max_score})
    if recommendation not in Review.Recommendation.values:
        errors.append(_("Choisissez une recommandation."))
    if errors:
        raise ValidationError(errors, code="invalid_scores")
    current.scores.all().delete()
    rows = [ReviewScore(review=current, criterion=criterion, score=int(scores[pk]))
            for pk, criterion in criteria.items()]
    for row in rows:
        row.full_clean(exclude=["review"], validate_unique=False)
    ReviewScore.objects.bulk_create(rows)
    current.recommendation = recommendation
    current.comments = (comments or "").strip()
    current.status = ReviewStatus.SUBMITTED
    current.submitted_at = at or timezone.now()
    _save_with_history(current, by=by)
    review.refresh_from_db()
    return current


# --- E-mails ---------------------------------------------------------------------------------

def _send_review_mail(review: Review, template: str) -> None:
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    # The reviewer's language when the account records one, else French.
    language = getattr(review.reviewer, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        deadline = review.application.call.review_deadline
        context = {
            "review": review, "call": review.application.call,
            "deadline": format_paris(deadline) if deadline else "",
            # No site address in the settings yet: the path, after the site's name.
            "url": getattr(settings, "SITE_URL", "").rstrip("/")
            + reverse("evaluations:detail", args=[review.pk]),
        }
        subject = render_to_string(f"programmes/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"programmes/email/{template}.txt", context)
    send_mail(subject, body, None, [review.reviewer.email])


def notify_review_invitation(*, review_id: int) -> None:
    """E-mail the reviewer their invitation (after the commit) and record when it was sent.
    The e-mail names the call and the reference only: the content is seen on the portal,
    after the conflict declaration."""
    review = (Review.objects.select_related("application__call", "reviewer")
              .filter(pk=review_id, invited_at__isnull=True).first())
    if review is None:
        return
    _send_review_mail(review, "review_invitation")
    Review.objects.filter(pk=review_id).update(invited_at=timezone.now())


def review_reminders_send(*, now: datetime.datetime | None = None, days: int = 7) -> int:
    """Remind each reviewer whose review is not submitted (assigned, not declined) and whose
    call's review deadline falls within `days` days from `now` (and is not past), once: the
    reminder is recorded in `reminded_at` under a row lock before the e-mail is sent after
    the commit, so running this twice (cron) sends nothing twice. Returns how many were sent."""
    now = now or timezone.now()
    due = (Review.objects.filter(
        status=ReviewStatus.ASSIGNED, reminded_at__isnull=True,
        application__call__review_deadline__gt=now,
        application__call__review_deadline__lte=now + datetime.timedelta(days=days),
    ).values_list("pk", flat=True))
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            review = (Review.objects.select_for_update()
                      .filter(pk=pk, status=ReviewStatus.ASSIGNED, reminded_at__isnull=True)
                      .first())
            if review is None:
                continue
            review.reminded_at = now
            review.save(update_fields=["reminded_at"])
            transaction.on_commit(lambda pk=pk: _send_reminder(pk), robust=True)
            sent += 1
    return sent


def _send_reminder(review_id: int) -> None:
    review = Review.objects.select_related("application__call", "reviewer").get(pk=review_id)
    _send_review_mail(review, "review_reminder")


# --- Auditions -------------------------------------------------------------------------------

@transaction.atomic
def audition_schedule(
    *, application: Application, scheduled_at: datetime.datetime, by: User | None,
    kind: str = Audition.Kind.ECLAIR, panel=(), panel_description: str = "",
    location: str = "",
) -> Audition:
    """Schedule an audition of `application` (submitted and not withdrawn) with its panel."""
    current = Application.objects.select_for_update().get(pk=application.pk)
    if current.status not in REVIEWABLE_STATUSES:
        raise ValidationError(
            _("La demande %(reference)s ne peut pas être auditionnée (%(status)s).")
            % {"reference": current.reference, "status": current.get_status_display()},
            code="not_reviewable")
    audition = Audition(application=current, kind=kind, scheduled_at=scheduled_at,
                        panel_description=panel_description, location=location)
    _save_with_history(audition, by=by)
    if panel:
        audition.panel.set(panel)
    return audition


@transaction.atomic
def audition_record_outcome(
    *, audition: Audition, outcome: str, notes: str = "", by: User | None,
    at: datetime.datetime | None = None,
) -> Audition:
    """Record the panel's opinion (favourable, réservé, défavorable) and its report; it can
    be corrected later (history keeps the previous value)."""
    current = Audition.objects.select_for_update().get(pk=audition.pk)
    if outcome not in Audition.Outcome.values:
        raise ValidationError({"outcome": _("Choisissez l'avis du jury.")}, code="invalid")
    current.outcome = outcome
    current.notes = notes
    current.outcome_recorded_at = at or timezone.now()
    current.recorded_by = by
    _save_with_history(current, by=by)
    audition.refresh_from_db()
    return current
