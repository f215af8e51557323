"""Writes that carry the rules of applications and committee decisions.

The admin (forms, bulk actions), the spreadsheet imports and the researcher views call these
functions; none of them moves an application's status or records a decision by itself.
Every function takes keyword arguments only, never a request, validates with `full_clean()`,
runs in one transaction, and leaves a history row naming who did it (django-simple-history).
A refused write raises `ValidationError` with a French message and changes nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.formatting import format_euros
from clara.publiccache import records_changed
from programmes.models import Application, Call, Decision

Status = Application.Status
Outcome = Decision.Outcome

# A decision's outcome and the status it gives the application are the same fact.
STATUS_OF_OUTCOME: dict[str, str] = {
    Outcome.ELIGIBLE: Status.ELIGIBLE,
    Outcome.INELIGIBLE: Status.INELIGIBLE,
    Outcome.AUDITION: Status.AUDITION,
    Outcome.SELECTED: Status.SELECTED,
    Outcome.NOT_SELECTED: Status.NOT_SELECTED,
}
OUTCOME_OF_STATUS = {status: outcome for outcome, status in STATUS_OF_OUTCOME.items()}

HISTORY_IMPORT_REASON = "Import de l'historique"


def call_check_budget(*, call: Call, budget: Decimal) -> None:
    """Raise `ValidationError` if `budget` would put the call's envelope below what its
    awards already total (the envelope must hold for the awards already recorded too)."""
    if call.pk is None or budget is None:
        return
    # Read through the reverse relations, so that programmes never imports funding.
    awarded = Application.objects.filter(call=call).aggregate(
        total=Sum("award__amount")
    )["total"] or Decimal("0")
    if budget < awarded:
        raise ValidationError(
            {"budget": _("Les financements déjà accordés sur cet appel font %(awarded)s : "
                         "l'enveloppe ne peut pas être inférieure.")
             % {"awarded": format_euros(awarded)}},
            code="budget_below_awards",
        )


def application_check_move(*, current: str, new: str) -> None:
    """Raise `ValidationError` unless `current` -> `new` is in the transitions table.

    The admin form runs it to show the error beside the field; the services run it again under
    the row lock.
    """
    if new not in Application.ALLOWED_TRANSITIONS.get(current, set()):
        raise ValidationError(
            {"status": _("Passage impossible de « %(old)s » à « %(new)s ».")
             % {"old": Status(current).label, "new": Status(new).label}},
            code="invalid_transition",
        )


def _locked(application: Application) -> Application:
    """The application re-read under a row lock (PostgreSQL), so two concurrent moves of the
    same application are applied one after the other and the second sees the first."""
    return Application.objects.select_for_update().get(pk=application.pk)


def _save_with_history(instance, *, by: User | None, reason: str | None = None) -> None:
    instance.full_clean()
    if by is not None:
        instance._history_user = by
    if reason:
        instance._change_reason = reason
    instance.save()


@transaction.atomic
def application_set_status(
    *,
    application: Application,
    status: str,
    by: User | None = None,
    committee_date: datetime.date | None = None,
    notes: str = "",
    at: datetime.datetime | None = None,
) -> Application:
    """Move `application` to `status` along `Application.ALLOWED_TRANSITIONS`.

    A status that is a committee's decision (eligible, ineligible, audition, selected, not
    selected) needs the date of the committee and is recorded as a `Decision` in the same
    transaction, so the application's status and its decisions never disagree. Moving to
    "submitted" stamps the submission time (`at`, default now) if it has none. Returns the
    updated application; `application` itself is refreshed too.
    """
    if status in Application.DECISION_STATUSES:
        decision_record(
            application=application, outcome=OUTCOME_OF_STATUS[status],
            committee_date=committee_date, notes=notes, by=by,
        )
        return application
    current = _locked(application)
    application_check_move(current=current.status, new=status)
    current.status = status
    if status == Status.SUBMITTED and current.submitted_at is None:
        current.submitted_at = at or timezone.now()
    _save_with_history(current, by=by)
    application.refresh_from_db()
    return current


@transaction.atomic
def decision_record(
    *,
    application: Application,
    outcome: str,
    committee_date: datetime.date | None,
    notes: str = "",
    by: User | None = None,
) -> Decision:
    """Record a committee's decision and give the application the status it means.

    Refused (`ValidationError`, nothing written) when the application cannot move to that
    status, when the date of the committee is missing, or when the application already has a
    final decision (selected / not selected): the database also holds at most one of those per
    application.
    """
    if outcome not in STATUS_OF_OUTCOME:
        raise ValidationError({"outcome": _("Décision inconnue.")}, code="invalid")
    if committee_date is None:
        raise ValidationError(
            {"committee_date": _("Indiquez la date du comité qui a pris cette décision.")},
            code="required",
        )
    current = _locked(application)
    application_check_move(current=current.status, new=STATUS_OF_OUTCOME[outcome])
    decision = Decision(
        application=current, outcome=outcome, committee_date=committee_date, notes=notes,
        recorded_by=by,
    )
    _save_with_history(decision, by=by)
    current.status = STATUS_OF_OUTCOME[outcome]
    _save_with_history(current, by=by)
    application.refresh_from_db()
    return decision


@transaction.atomic
def decision_update(
    *, decision: Decision, committee_date: datetime.date, notes: str, by: User | None = None
) -> Decision:
    """Correct the date or the grounds of a recorded decision. Its outcome cannot change:
    a different decision is a new decision, through `decision_record`."""
    current = Decision.objects.select_for_update().get(pk=decision.pk)
    current.committee_date = committee_date
    current.notes = notes
    _save_with_history(current, by=by)
    return current


def application_check_history_import(*, application: Application, call: Call | None) -> None:
    """Raise `ValidationError` unless `application` may be loaded by the history import:
    a new application (never an existing one) to a call that is already closed."""
    errors = {}
    if application.pk is not None:
        errors["reference"] = _(
            "La demande %(reference)s existe déjà : l'import de l'historique ne modifie jamais "
            "une demande existante."
        ) % {"reference": application.reference}
    if call is not None and call.closes_at > timezone.now():
        errors["call"] = _(
            "L'appel « %(call)s » n'est pas clos : l'import de l'historique ne charge que les "
            "demandes d'appels clos."
        ) % {"call": call}
    if errors:
        raise ValidationError(errors, code="history_import")


@transaction.atomic
def application_import_history(*, application: Application, by: User | None = None) -> Application:
    """Create a past application with the status it had (any status, no transition check):
    loading the records of past years. Only new applications to closed calls; the history row
    says it came from this import. Staff need the permission
    `programmes.import_application_history`."""
    application_check_history_import(application=application, call=application.call)
    _save_with_history(application, by=by, reason=HISTORY_IMPORT_REASON)
    return application


NEW_APPLICATION_STATUSES = (Status.DRAFT, Status.SUBMITTED)


def application_check_new(*, application: Application) -> None:
    """A new application starts as a draft or as submitted; any later status is reached by
    moves (or by the history import)."""
    if application.status not in NEW_APPLICATION_STATUSES:
        raise ValidationError(
            {"status": _(
                "Une nouvelle demande est un brouillon ou une demande déposée ; « %(status)s » "
                "s'obtient ensuite par les étapes de l'instruction."
            ) % {"status": Status(application.status).label}},
            code="invalid_initial_status",
        )


@transaction.atomic
def application_create(*, application: Application, by: User | None = None) -> Application:
    """Save a new application (draft or submitted) with its history row."""
    application_check_new(application=application)
    if application.status == Status.SUBMITTED and application.submitted_at is None:
        application.submitted_at = timezone.now()
    _save_with_history(application, by=by)
    return application


@transaction.atomic
def application_create_many(
    *, applications: list[Application], by: User | None = None
) -> list[Application]:
    """Save many new applications (drafts or submitted) at once, with their history rows:
    the bulk form of `application_create` for the spreadsheet import, which has already run
    each one's full_clean() (as a row error where it failed). Checks the starting status
    again and stamps the submission time; a few INSERTs per thousand rows."""
    from simple_history.utils import bulk_create_with_history

    now = timezone.now()
    for application in applications:
        application_check_new(application=application)
        if application.status == Status.SUBMITTED and application.submitted_at is None:
            application.submitted_at = now
    bulk_create_with_history(applications, Application, batch_size=500, default_user=by)
    records_changed()  # bulk_create sends no post_save: the public pages are made stale here
    return applications
