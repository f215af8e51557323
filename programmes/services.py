"""Writes that carry the rules of applications and committee decisions.

The admin (forms, bulk actions), the spreadsheet imports and the researcher views call these
functions; none of them moves an application's status or records a decision by itself.
Every function takes keyword arguments only, never a request, validates with `full_clean()`,
runs in one transaction, and leaves a history row naming who did it (django-simple-history).
A refused write raises `ValidationError` with a French message and changes nothing.
"""

from __future__ import annotations

import datetime
import errno
import logging
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.formatting import format_euros
from clara.network.models import Person
from clara.publiccache import records_changed
from programmes.models import PLACEHOLDER_TITLE, Application, Call, Decision

Status = Application.Status
Outcome = Decision.Outcome
logger = logging.getLogger(__name__)

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
FINAL_OUTCOMES = frozenset({Outcome.SELECTED, Outcome.NOT_SELECTED})


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
    if outcome in FINAL_OUTCOMES:
        # Whatever records it (the Retenir page, the admin's status field, the decisions
        # admin, a bulk action), the applicant is told once the transaction commits: by then
        # an award recorded in the same transaction is there for the e-mail to state.
        reference = current.reference
        transaction.on_commit(lambda: notify_decision(reference=reference), robust=True)
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


# --- The applicant's writes (web form) --------------------------------------------------------
# Drafts are saved with or without their required fields; `application_submit` is where the
# call's deadline, the required fields and documents are checked, under the row lock.

PDF_MAGIC = b"%PDF-"



def _next_reference(call: Call) -> str:
    """`<CALL SLUG>-<n>` with n the next free number of the call (the call's row is locked by
    the caller, so two applicants starting at once get two numbers)."""
    prefix = call.slug.upper()[:30]
    number = Application.objects.filter(call=call).count() + 1
    while Application.objects.filter(reference=f"{prefix}-{number:03d}").exists():
        number += 1
    return f"{prefix}-{number:03d}"


@transaction.atomic
def application_start(*, call: Call, applicant: User, at: datetime.datetime | None = None
                      ) -> Application:
    """The applicant's draft for `call`: their existing draft if they have one (a double click
    or a second tab never makes two), else a new one with them as principal investigator.

    Refused unless the call is open and the applicant has a profile (their `Person`)."""
    at = at or timezone.now()
    person = getattr(applicant, "person", None)
    if person is None:
        raise ValidationError(_("Complétez votre profil (nom, ORCID iD, équipe) avant de "
                                "déposer une demande."), code="no_profile")
    call = Call.objects.select_for_update().get(pk=call.pk)
    existing = (Application.objects.filter(call=call, applicant=applicant, status=Status.DRAFT)
                .order_by("created_at").first())
    if existing is not None:
        return existing
    if not call.is_open(at):
        raise ValidationError(_("Cet appel n'est pas ouvert : aucune demande ne peut y être "
                                "créée."), code="call_closed")
    application = Application(
        reference=_next_reference(call), call=call, applicant=applicant,
        principal_investigator=person, title=PLACEHOLDER_TITLE, status=Status.DRAFT,
    )
    application_create(application=application, by=applicant)
    return application


def _check_draft(application: Application) -> None:
    if application.status != Status.DRAFT:
        raise ValidationError(_("Cette demande a été déposée : elle ne peut plus être modifiée."),
                              code="not_draft")


@transaction.atomic
def application_save_draft(
    *,
    application: Application,
    by: User,
    fields: dict,
    teams=None,
    co_applicants=None,
    budget_lines: list[dict] | None = None,
    investments: list[dict] | None = None,
) -> Application:
    """Save what the applicant typed into their draft, required fields or not.

    `fields` holds the form's own fields only (title, acronym, summaries, domain, amount,
    duration); anything else is ignored, so a crafted POST cannot change the status, the
    applicant, the call or the reference. `budget_lines` and `investments` replace the
    current lines when given (dicts of category/label/amount and company/planned_amount).
    """
    current = _locked(application)
    _check_draft(current)
    for name in APPLICANT_FIELDS:
        if name in fields:
            value = fields[name]
            if name in ("acronym", "lay_summary", "scientific_content") and value is None:
                value = ""
            setattr(current, name, value)
    if current.requested_amount is None:
        current.requested_amount = Decimal("0")
    if not current.title:
        current.title = PLACEHOLDER_TITLE
    _save_with_history(current, by=by)
    if teams is not None:
        current.teams.set(teams)
    if co_applicants is not None:
        people = [_co_applicant_person(row) for row in co_applicants]
        current.co_applicants.set(
            {p.pk for p in people if p.pk != current.principal_investigator_id}
        )
    if budget_lines is not None:
        from programmes.models import BudgetLine

        current.budget_lines.all().delete()
        lines = [BudgetLine(application=current, position=i, **line)
                 for i, line in enumerate(budget_lines)]
        for line in lines:
            line.full_clean(exclude=["application"])
        BudgetLine.objects.bulk_create(lines)
    if investments is not None:
        from programmes.models import PlannedInvestment

        current.planned_investments.all().delete()
        rows = [PlannedInvestment(application=current, **row) for row in investments]
        for row in rows:
            row.full_clean(exclude=["application"], validate_unique=False)
        if len({row.company_id for row in rows}) != len(rows):
            raise ValidationError(_("Une entreprise partenaire est nommée deux fois."),
                                  code="duplicate_company")
        PlannedInvestment.objects.bulk_create(rows)
        current.partner_companies.set([row.company_id for row in rows])
    application.refresh_from_db()
    return current


def _co_applicant_person(row: dict) -> Person:
    """The person a co-applicant row names: found by ORCID iD, else by e-mail address (any
    case), else recorded as a new researcher (staff merge duplicates in the admin). Names
    typed by the applicant never overwrite an existing person's record."""
    orcid = (row.get("orcid") or "").strip().upper()
    email = (row.get("email") or "").strip()
    person = None
    if orcid:
        person = Person.objects.filter(orcid=orcid).first()
    if person is None and email:
        person = Person.objects.filter(email__iexact=email).order_by("pk").first()
    if person is None:
        person = Person(
            first_name=row["first_name"].strip(), last_name=row["last_name"].strip(),
            email=email, orcid=orcid, kind=Person.Kind.RESEARCHER,
        )
        person.full_clean()
        person.save()
    return person


# The fields of an application its applicant writes; everything else is staff's or the server's.
APPLICANT_FIELDS = (
    "title", "acronym", "lay_summary", "scientific_content", "domain", "requested_amount",
    "duration_months",
)


def attachment_check_file(*, uploaded_file) -> None:
    """Raise `ValidationError` (French) unless `uploaded_file` is a non-empty PDF of at most
    `ATTACHMENT_MAX_BYTES`. The content decides, not the name or the browser's type: a PDF
    starts with `%PDF-` (an HTML or SVG file renamed .pdf does not)."""
    from django.conf import settings

    limit = settings.ATTACHMENT_MAX_BYTES
    if uploaded_file.size == 0:
        raise ValidationError(_("Ce fichier est vide."), code="empty")
    if uploaded_file.size > limit:
        raise ValidationError(
            _("Ce fichier fait %(size)s : la limite est de %(limit)s par document.")
            % {"size": filesizeformat(uploaded_file.size), "limit": filesizeformat(limit)},
            code="too_big",
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(len(PDF_MAGIC))
    uploaded_file.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError(
            _("Ce fichier n'est pas un PDF (son contenu ne commence pas comme un PDF, quel que "
              "soit son nom). Enregistrez le document au format PDF et déposez-le à nouveau."),
            code="not_pdf",
        )


@transaction.atomic
def attachment_add(*, application: Application, required_document, uploaded_file, by: User):
    """Store `uploaded_file` as the draft's attachment for `required_document`, replacing the
    one it had; the file is written under a server-generated name in the private storage and
    the replaced file is deleted once the transaction commits."""
    from programmes.models import Attachment

    current = _locked(application)
    _check_draft(current)
    if required_document.call_id != current.call_id:
        raise ValidationError(_("Ce document n'est pas demandé par cet appel."))
    attachment_check_file(uploaded_file=uploaded_file)
    replaced = list(current.attachments.filter(required_document=required_document))
    attachment = Attachment(
        application=current, required_document=required_document,
        original_name=Path(uploaded_file.name).name[:255] or "document.pdf",
        size=uploaded_file.size,
    )
    attachment.file = _store_attachment_file(attachment, uploaded_file)
    stored = attachment.file.name
    # The new file is on disk before the row: if the transaction fails, remove it again.
    try:
        attachment.full_clean()
        attachment.save()
        for old in replaced:
            _delete_file_on_commit(old.file)
            old.delete()
    except Exception:
        attachment.file.storage.delete(stored)
        raise
    return attachment


def _store_attachment_file(attachment, uploaded_file) -> str:
    """Write the upload to the private storage under a server-generated name; return it.

    A storage that cannot take it (a full disk: ENOSPC, a quota, a read-only or failing
    volume) raises `OSError` half-way, leaving a partial file behind: that file is removed
    and the applicant gets a `ValidationError` (the draft is left as it was) instead of a
    server error; the error is logged for the operators."""
    field = attachment.file.field
    storage = attachment.file.storage
    name = field.generate_filename(attachment, "document.pdf")
    try:
        return storage.save(name, uploaded_file, max_length=field.max_length)
    except OSError as error:
        try:
            if storage.exists(name):
                storage.delete(name)
        except OSError:
            pass
        logger.error("attachment not stored (%s): %s", errno.errorcode.get(error.errno, "?"),
                     name, exc_info=error)
        raise ValidationError(
            _("Le document « %(name)s » n'a pas pu être enregistré sur le serveur (espace de "
              "stockage plein ou indisponible). Rien n'a été modifié dans votre brouillon : "
              "réessayez dans quelques minutes.") % {"name": attachment.original_name},
            code="storage_unavailable",
        ) from error


def _delete_file_on_commit(field_file) -> None:
    storage, name = field_file.storage, field_file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def attachment_remove(*, attachment, by: User) -> None:
    """Remove a draft's attachment and, after the commit, its file."""
    _check_draft(_locked(attachment.application))
    _delete_file_on_commit(attachment.file)
    attachment.delete()


@transaction.atomic
def application_submit(
    *, application: Application, by: User, at: datetime.datetime | None = None
) -> Application:
    """Submit the draft: only while its call is open at `at` (now, compared in UTC; the
    deadline is shown in Europe/Paris), with every required field and document present
    (the error names each missing one). Under the row lock, so a double click or two tabs
    submit once: the second finds it submitted and is refused. The confirmation e-mail is
    sent after the commit."""
    from programmes.selectors import application_missing

    at = at or timezone.now()
    current = _locked(application)
    if current.status != Status.DRAFT:
        raise ValidationError(_("Cette demande a déjà été déposée."), code="already_submitted")
    if not current.call.is_open(at):
        raise ValidationError(
            _("L'appel est clos depuis le %(closed)s : la demande ne peut plus être déposée. "
              "Votre brouillon est conservé.")
            % {"closed": format_paris(current.call.closes_at)},
            code="call_closed",
        )
    missing = application_missing(current)
    if missing:
        raise ValidationError([ValidationError(item, code="missing") for item in missing])
    application_set_status(application=current, status=Status.SUBMITTED, by=by, at=at)
    _remember_language(current.applicant_id)
    reference = current.reference
    # After the commit: True once the confirmation e-mail went, False if it failed (the view
    # then says so); None while the transaction is still open.
    current.confirmation_sent = None

    def confirm() -> None:
        current.confirmation_sent = False
        notify_application_submitted(reference=reference)
        current.confirmation_sent = True

    # robust: a mail server that is down or refuses the message must not turn a submission
    # that is committed into an error page; the failure is logged (django.db.backends.base,
    # ERROR, with the traceback) for staff to resend.
    transaction.on_commit(confirm, robust=True)
    application.refresh_from_db()
    return current


@transaction.atomic
def application_withdraw(*, application: Application, by: User) -> Application:
    """The applicant withdraws their application: a draft, or a submitted one before the
    committee's final decision (selected / not selected)."""
    current = _locked(application)
    if current.status not in APPLICANT_WITHDRAWABLE:
        raise ValidationError(_("Cette demande ne peut plus être retirée."), code="not_withdrawable")
    return application_set_status(application=current, status=Status.WITHDRAWN, by=by)


def _remember_language(user_id: int) -> None:
    """The language the applicant submits in is the one of the e-mails sent later without a
    request (the committee's decision)."""
    from django.conf import settings
    from django.utils import translation

    language = (translation.get_language() or "")[:2]
    if language in dict(settings.LANGUAGES):
        User.objects.filter(pk=user_id).exclude(language=language).update(language=language)


APPLICANT_WITHDRAWABLE = frozenset(
    {Status.DRAFT, Status.SUBMITTED, Status.ELIGIBLE, Status.UNDER_REVIEW, Status.AUDITION}
)


def notify_application_submitted(*, reference: str) -> None:
    """E-mail the applicant that their application was received (after the commit)."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    application = (Application.objects.select_related("call", "applicant")
                   .get(reference=reference))
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        context = {"application": application, "submitted_at": format_paris(
            application.submitted_at)}
        subject = render_to_string("programmes/email/application_submitted_subject.txt",
                                   context).strip()
        body = render_to_string("programmes/email/application_submitted.txt", context)
    send_mail(subject, body, None, [application.applicant.email])


def format_paris(moment: datetime.datetime) -> str:
    """A moment as Paris local date and time, e.g. "30/04/2026 à 23:59:59"."""
    from django.utils.formats import date_format

    local = timezone.localtime(moment, timezone=ZoneInfo("Europe/Paris"))
    return _("%(date)s à %(time)s") % {
        "date": date_format(local, "SHORT_DATE_FORMAT"), "time": local.strftime("%H:%M:%S")
    }


def decision_email_language(user: User) -> str:
    """The applicant's language for e-mails: the one they submitted in, else the site's."""
    from django.conf import settings

    return user.language or settings.LANGUAGE_CODE


def notify_decision(*, reference: str) -> None:
    """E-mail the applicant the committee's final decision, in their language, from the
    templates `programmes/email/decision_{selected,not_selected}[_subject].txt`; the amount
    when the award is recorded."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import translation

    # The award is reached through its reverse relation: programmes never imports funding.
    application = (Application.objects.select_related("call", "applicant", "award")
                   .get(reference=reference))
    outcome = ("selected" if application.status == Application.Status.SELECTED
               else "not_selected")
    award = getattr(application, "award", None) if outcome == "selected" else None
    committee_date = (application.decisions.filter(outcome=outcome)
                      .values_list("committee_date", flat=True).first())
    with translation.override(decision_email_language(application.applicant)):
        context = {"application": application, "committee_date": committee_date,
                   "amount": format_euros(award.amount) if award else ""}
        subject = render_to_string(f"programmes/email/decision_{outcome}_subject.txt",
                                   context).strip()
        body = render_to_string(f"programmes/email/decision_{outcome}.txt", context)
    send_mail(subject, body, None, [application.applicant.email])
