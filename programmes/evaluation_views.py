"""The reviewer's portal (namespace `evaluations`) and the staff's follow-up of a call's
reviews. Thin: `programmes.evaluation_selectors` reads, `programmes.evaluation` writes.

Who sees what: an assignment is found among the user's own (`reviewer_review`), so anything
else answers 404, whether it exists or not, and a removed assignment answers 404 on the next
request. Before the conflict declaration the page shows who applies (to judge a conflict),
never the content; a declared conflict ends the assignment and the content stays unseen.
Patient partners never see the budget nor the attachments. A reviewer never sees the other
reviews of an application. The staff pages answer 404 to anyone but staff allowed to change
reviews in the admin (second factor passed)."""

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from programmes import evaluation
from programmes.evaluation_forms import AssignForm, ConflictForm, ScoringForm
from programmes.evaluation_selectors import (
    call_review_overview,
    calls_in_review,
    review_application_content,
    review_attachment,
    review_own_scores,
    reviewer_review,
    reviewer_review_list,
)
from programmes.models import Attachment, Call, Review

ReviewStatus = Review.Status


def _review(request, pk: int) -> Review:
    try:
        return reviewer_review(user=request.user, pk=pk)
    except Review.DoesNotExist:
        raise Http404 from None


def _is_evaluation_staff(request) -> bool:
    return (admin.site.has_permission(request)
            and request.user.has_perm("programmes.change_review"))


@login_required
def review_list(request):
    return render(request, "evaluations/review_list.html", {
        "reviews": list(reviewer_review_list(user=request.user)),
        "is_staff": _is_evaluation_staff(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request, pk):
    review = _review(request, pk)
    context = {"review": review, "call": review.application.call}
    if review.status == ReviewStatus.DECLINED:
        return render(request, "evaluations/review_declined.html", context)
    # Reviews recorded before the portal (imports, past years) have no declaration time.
    if review.status == ReviewStatus.ASSIGNED and review.conflict_declared_at is None:
        form = ConflictForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                evaluation.review_declare_conflict(
                    review=review, has_conflict=form.cleaned_data["has_conflict"],
                    details=form.cleaned_data["details"], by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if form.cleaned_data["has_conflict"]:
                    messages.info(request, _("Conflit d'intérêts enregistré : cette demande "
                                             "vous est retirée. Merci de l'avoir signalé."))
                return redirect("evaluations:detail", pk=review.pk)
        application = review.application
        return render(request, "evaluations/review_conflict.html", {
            **context, "form": form, "application": application,
            "co_applicants": list(application.co_applicants.all()),
            "teams": list(application.teams.select_related("organisation")),
        })
    criteria = evaluation.review_criteria(review)
    form = None
    if review.status == ReviewStatus.ASSIGNED:
        form = ScoringForm(request.POST or None, criteria=criteria)
        if request.method == "POST" and form.is_valid():
            try:
                evaluation.review_submit(
                    review=review, scores=form.scores(),
                    recommendation=form.cleaned_data["recommendation"],
                    comments=form.cleaned_data["comments"], by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Votre évaluation est rendue. Merci !"))
                return redirect("evaluations:detail", pk=review.pk)
    elif request.method == "POST":
        messages.info(request, _("Cette évaluation a déjà été rendue."))
        return redirect("evaluations:detail", pk=review.pk)
    return render(request, "evaluations/review_detail.html", {
        **context, "form": form, "criteria": criteria,
        "application": review_application_content(review),
        "scores": review_own_scores(review) if review.status == ReviewStatus.SUBMITTED else [],
    })


@login_required
def attachment_download(request, pk, attachment_pk):
    """An attachment of the application under review, for the expert or council member
    assigned to it after their declaration of no conflict; 404 for anyone else."""
    try:
        attachment = review_attachment(user=request.user, review_pk=pk,
                                       attachment_pk=attachment_pk)
    except (Review.DoesNotExist, Attachment.DoesNotExist):
        raise Http404 from None
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Staff ------------------------------------------------------------------------------------

@login_required
def staff_call_list(request):
    if not _is_evaluation_staff(request):
        raise Http404
    return render(request, "evaluations/staff_call_list.html",
                  {"calls": list(calls_in_review())})


@login_required
@require_http_methods(["GET", "POST"])
def staff_call(request, call_pk):
    """The call's reviews: which applications still lack reviews, which reviewers are late,
    and the assignment of reviewers (one or many at once) after a look at the warnings."""
    if not _is_evaluation_staff(request):
        raise Http404
    call = get_object_or_404(Call, pk=call_pk)
    form = AssignForm(request.POST or None, call=call)
    pairs = None
    if request.method == "POST" and request.POST.get("remove"):
        review = Review.objects.filter(pk=request.POST["remove"], application__call=call).first()
        if review is not None:
            try:
                evaluation.review_unassign(review=review, by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Assignation retirée."))
        return redirect("evaluations:staff-call", call_pk=call.pk)
    if request.method == "POST" and form.is_valid():
        applications = list(form.cleaned_data["applications"])
        reviewers = list(form.cleaned_data["reviewers"])
        role = form.cleaned_data["role"] or None
        if request.POST.get("action") == "confirm":
            reviews, warned, refused = evaluation.review_assign_many(
                applications=applications, reviewers=reviewers, role=role, by=request.user)
            messages.success(request, _("%(count)s assignation(s) enregistrée(s) ; les "
                                        "évaluateurs sont invités par e-mail.")
                             % {"count": len(reviews)})
            for message in refused:
                messages.warning(request, message)
            return redirect("evaluations:staff-call", call_pk=call.pk)
        pairs = [
            {"application": application, "reviewer": reviewer,
             "warnings": evaluation.review_conflict_warnings(application=application,
                                                             reviewer=reviewer)}
            for application in applications for reviewer in reviewers
        ]
    overview = call_review_overview(call=call, now=timezone.now())
    return render(request, "evaluations/staff_call.html", {
        "call": call, "form": form, "pairs": pairs, **overview,
        "assignments": list(Review.objects.filter(application__call=call)
                            .select_related("application", "reviewer")
                            .order_by("application__reference", "reviewer__email")),
    })
