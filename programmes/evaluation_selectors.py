"""Reads of the evaluation: the reviewer's assignments, one assignment with what its reviewer
may see, and the staff's follow-up of a call's reviews. Each list is a fixed number of
queries whatever its length."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from programmes.evaluation import REVIEWABLE_STATUSES
from programmes.models import Application, Attachment, Call, Review, ReviewScore

ReviewStatus = Review.Status


def _visible_reviews(user) -> QuerySet[Review]:
    """The user's assignments that they may open: on an application still in evaluation
    (not a draft, not withdrawn) that is not their own (QUALITY 5: a reviewer who applied to
    the call never sees their application, even if someone assigned it by mistake)."""
    own = Application.objects.filter(pk=OuterRef("application_id")).filter(
        Q(applicant=user) | Q(principal_investigator__user=user) | Q(co_applicants__user=user))
    return (
        Review.objects.filter(reviewer=user)
        .exclude(application__status__in=[Application.Status.DRAFT,
                                          Application.Status.WITHDRAWN])
        .exclude(Exists(own))
    )


def reviewer_review_list(*, user) -> QuerySet[Review]:
    """The reviewer's assignments, nearest review deadline first (the current ones), then
    the past ones newest first, with their call."""
    return (
        _visible_reviews(user)
        .select_related("application__call")
        .order_by(F("application__call__review_deadline").asc(nulls_last=True),
                  "-application__call__closes_at", "application__reference")
    )


def reviewer_review(*, user, pk: int) -> Review:
    """One of the user's assignments (`Review.DoesNotExist` for anything else: another's
    review, a removed assignment, their own application)."""
    return _visible_reviews(user).select_related(
        "application__call__programme", "application__principal_investigator",
    ).get(pk=pk)


def review_application_content(review: Review) -> Application:
    """The application as its reviewer may read it, once they declared no conflict: the
    relations the page shows prefetched. Patient partners get no budget nor attachments
    (the template does not show them, and they are not even read)."""
    prefetch = ["teams__organisation", "co_applicants"]
    if review.sees_confidential:
        prefetch += [
            "budget_lines", "planned_investments__company",
            Prefetch("attachments", queryset=Attachment.objects.select_related(
                "required_document")),
        ]
    return (Application.objects.select_related("call", "domain", "principal_investigator")
            .prefetch_related(*prefetch).get(pk=review.application_id))


def review_attachment(*, user, review_pk: int, attachment_pk: int) -> Attachment:
    """An attachment of an application the user reviews, after their declaration of no
    conflict, for experts and council members only; `Attachment.DoesNotExist` otherwise."""
    review = reviewer_review(user=user, pk=review_pk)
    undeclared = review.status == ReviewStatus.ASSIGNED and review.conflict_declared_at is None
    if not review.sees_confidential or undeclared or review.status == ReviewStatus.DECLINED:
        raise Attachment.DoesNotExist
    return Attachment.objects.get(pk=attachment_pk, application_id=review.application_id)


def review_own_scores(review: Review) -> list[ReviewScore]:
    return list(review.scores.select_related("criterion").order_by(
        "criterion__position", "criterion_id"))


# --- Staff: per call ----------------------------------------------------------------------------

def call_review_overview(*, call: Call, now: datetime.datetime | None = None,
                         expected: int = 2) -> dict:
    """For staff: the call's applications in evaluation with their counts of reviews
    (assigned, submitted, declined) and whether they still lack reviews (fewer than
    `expected` assigned or submitted), and the late reviews (not submitted, past the call's
    review deadline). Three queries whatever the number of rows."""
    now = now or timezone.now()
    applications = list(
        Application.objects.filter(call=call, status__in=REVIEWABLE_STATUSES)
        .select_related("principal_investigator")
        .annotate(
            assigned=Count("reviews", filter=Q(reviews__status=ReviewStatus.ASSIGNED)),
            submitted=Count("reviews", filter=Q(reviews__status=ReviewStatus.SUBMITTED)),
            declined=Count("reviews", filter=Q(reviews__status=ReviewStatus.DECLINED)),
        )
        .order_by("reference")
    )
    for application in applications:
        application.lacking = max(0, expected - application.assigned - application.submitted)
    late = []
    if call.review_deadline is not None and call.review_deadline < now:
        late = list(
            Review.objects.filter(application__call=call, status=ReviewStatus.ASSIGNED)
            .select_related("application", "reviewer").order_by("reviewer__email",
                                                                "application__reference")
        )
    return {
        "applications": applications,
        "lacking": [a for a in applications if a.lacking],
        "late": late,
    }


def calls_in_review() -> QuerySet[Call]:
    """Calls with applications in evaluation, newest first, with their count."""
    return (Call.objects.filter(applications__status__in=REVIEWABLE_STATUSES)
            .annotate(in_review=Count("applications", distinct=True))
            .order_by("-closes_at", "title"))
