"""Reads of the programmes app: the applicant's pages and the public calls pages."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from clara.network.models import Site
from programmes.models import (
    PLACEHOLDER_TITLE,
    Application,
    Attachment,
    Call,
    EvaluationCriterion,
    InnovationDomain,
    RequiredDocument,
    Review,
)


def _funders():
    """The co-funders' table, reached through the relation: programmes never imports funding
    (funding depends on programmes)."""
    return Call._meta.get_field("cofunders").related_model.objects.all()


def application_missing(application: Application) -> list[str]:
    """What the application still lacks before it can be submitted, each as a sentence in
    the user's language (empty: complete). Reads the relations through `.all()`, so the
    prefetches of `applicant_application_list` serve a whole list without more queries."""
    call = application.call
    missing = []
    if not application.title.strip() or application.title == PLACEHOLDER_TITLE:
        missing.append(_("le titre"))
    if not application.acronym.strip():
        missing.append(_("l'acronyme"))
    if not application.lay_summary.strip():
        missing.append(_("le résumé grand public"))
    if not application.scientific_content.strip():
        missing.append(_("le résumé scientifique"))
    if application.domain_id is None:
        missing.append(_("le domaine d'innovation"))
    amount = application.requested_amount or Decimal("0")
    if amount <= 0:
        missing.append(_("le montant demandé"))
    elif call.max_requested_amount is not None and amount > call.max_requested_amount:
        missing.append(_("un montant demandé dans la limite du plafond de l'appel"))
    if not application.duration_months:
        missing.append(_("la durée du projet"))
    if not list(application.teams.all()):
        missing.append(_("au moins une équipe"))
    lines = list(application.budget_lines.all())
    if not lines:
        missing.append(_("le budget détaillé"))
    elif sum((line.amount for line in lines), Decimal("0")) != amount:
        missing.append(_("un budget dont les lignes font le montant demandé"))
    if call.requires_partner_company:
        investments = list(application.planned_investments.all())
        if not investments:
            missing.append(_("l'entreprise partenaire et son investissement prévu"))
        elif any(row.planned_amount <= 0 for row in investments):
            missing.append(_("l'investissement prévu de chaque entreprise partenaire"))
    attached = {a.required_document_id for a in application.attachments.all()}
    for document in call.required_documents.all():
        if document.mandatory and document.pk not in attached:
            missing.append(_("le document « %(document)s »") % {"document": document.label})
    return missing


def applicant_application_list(*, user) -> QuerySet[Application]:
    """The user's own applications, newest first, with what `application_missing` and the
    dashboard read (a fixed number of queries whatever their number)."""
    return (
        Application.objects.filter(applicant=user)
        # The award (reverse one-to-one, read by name: programmes never imports funding)
        # gives the dashboard the amount of a selected application.
        .select_related("call__programme", "call__track", "award")
        .prefetch_related(
            "teams", "budget_lines", "planned_investments",
            Prefetch("attachments", queryset=Attachment.objects.only(
                "pk", "application_id", "required_document_id")),
            "call__required_documents",
        )
        .order_by("-created_at", "-pk")
    )


def reviewer_review_counts(*, user) -> dict:
    """The user's reviews as a reviewer: {"total": n, "to_do": m} (assigned, not yet given),
    in one query; both 0 for someone who reviews nothing."""
    return Review.objects.filter(reviewer=user).aggregate(
        total=Count("pk"), to_do=Count("pk", filter=Q(status=Review.Status.ASSIGNED)))


def applicant_application(*, user, reference: str) -> Application:
    """The user's application `reference`, or `Application.DoesNotExist` (→ 404) when it is
    not theirs: whether someone else's application exists is never revealed."""
    return (
        applicant_application_list(user=user)
        .select_related("principal_investigator", "domain")
        .prefetch_related("co_applicants", "call__domains", "attachments__required_document")
        .get(reference=reference)
    )


def call_for_application(*, slug: str) -> Call:
    return Call.objects.select_related("programme", "track").get(slug=slug)


# --- Public calls pages (/appels/) ------------------------------------------------------------
#
# A call, its criteria, required documents, co-funders, domains and sites hold no personal
# data: every field read here is public by design (DESIGN.md, "open calls"). Applications are
# never read by these selectors, not even counted.

CLOSED_CALLS_PER_PAGE = 10


@dataclass(frozen=True)
class PublicCalls:
    """The calls of the public list at `now`: open ones (closing soonest first), upcoming ones
    (opening soonest first), and the closed ones, most recently closed first, as a lazy
    queryset to paginate. `changes_at` is the next moment the grouping changes by itself (a
    call opening or closing), None when no call will ever open or close again."""

    open: list[Call]
    upcoming: list[Call]
    closed: QuerySet[Call]
    changes_at: datetime | None


def _public_calls() -> QuerySet[Call]:
    return Call.objects.select_related("programme", "track")


def call_list_public(now: datetime) -> PublicCalls:
    """Open, upcoming and closed calls at `now`: open as `Call.is_open` and
    `CallQuerySet.open_at` say (the closing second included), closed from the end of the
    closing second. Two queries for the open and upcoming calls, and the closed ones when the
    page of them is read (a count and a page)."""
    calls = _public_calls()
    open_calls = list(calls.open_at(now).order_by("closes_at", "title", "pk"))
    upcoming = list(calls.filter(opens_at__gt=now).order_by("opens_at", "title", "pk"))
    # The complement of `open_at(now)` among the calls that have opened.
    closed = calls.filter(closes_at__lte=now - timedelta(seconds=1)).order_by(
        "-closes_at", "title", "pk"
    )
    moments = [call.deadline_end for call in open_calls] + [call.opens_at for call in upcoming]
    return PublicCalls(open_calls, upcoming, closed, min(moments, default=None))


def call_detail_public(slug: str) -> Call:
    """The call `slug` with everything its public page shows (six queries whatever the number
    of criteria, documents, co-funders, domains and sites), or `Call.DoesNotExist`."""
    return (
        _public_calls()
        .prefetch_related(
            Prefetch("criteria", queryset=EvaluationCriterion.objects.order_by("position", "pk")),
            Prefetch("required_documents",
                     queryset=RequiredDocument.objects.order_by("position", "pk")),
            Prefetch("cofunders", queryset=_funders().order_by("name")),
            Prefetch("domains", queryset=InnovationDomain.objects.order_by("name")),
            Prefetch("sites", queryset=Site.objects.order_by("position", "name")),
        )
        .get(slug=slug)
    )


def call_changes_at(call: Call, now: datetime) -> datetime | None:
    """The next moment the call's page changes by itself: its opening, then the end of its
    closing second (`Call.deadline_end`)."""
    if now < call.opens_at:
        return call.opens_at
    if call.is_open(now):
        return call.deadline_end
    return None
