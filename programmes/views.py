"""The applicant's pages: start an application to an open call, fill the draft (saved by
the button, and by the page itself while the person types), submit, withdraw, and the
dashboard `/mon-espace/`. Thin: selectors read, `programmes.services` writes.

Who sees what: an application is found among the user's own (`applicant_application`), so
another user's reference answers 404 whether it exists or not. Staff with the view
permission see any application read-only, and download its attachments."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from programmes import services
from programmes.forms import (
    ApplicationForm,
    BudgetLineFormSet,
    CoApplicantFormSet,
    DocumentsForm,
    InvestmentFormSet,
)
from programmes.models import Application, Attachment, Call
from programmes.selectors import (
    applicant_application,
    applicant_application_list,
    application_missing,
    reviewer_review_counts,
)

Status = Application.Status


def _profile_url(next_url: str) -> str | None:
    try:
        return f"{reverse('accounts:profile')}?next={next_url}"
    except Exception:  # noqa: BLE001 - the profile page comes with the accounts app
        return None


def _application(request, reference: str) -> Application:
    """The user's own application, or for staff with the view permission any application;
    404 otherwise."""
    try:
        return applicant_application(user=request.user, reference=reference)
    except Application.DoesNotExist:
        pass
    if request.user.is_staff and request.user.has_perm("programmes.view_application"):
        queryset = Application.objects.filter(reference=reference)
        application = queryset.first()
        if application is not None:
            return applicant_application(user=application.applicant, reference=reference)
    raise Http404


@login_required
def dashboard(request):
    applications = list(applicant_application_list(user=request.user))
    now = timezone.now()
    rows = [
        {
            "application": application,
            "missing": application_missing(application)
            if application.status == Status.DRAFT else [],
            "open": application.call.is_open(now),
        }
        for application in applications
    ]
    from projects.selectors import pi_project_list  # projects depends on programmes

    return render(request, "programmes/dashboard.html", {
        "rows": rows, "has_profile": hasattr(request.user, "person"),
        "projects": list(pi_project_list(user=request.user)), "today": timezone.localdate(),
        "profile_url": _profile_url(reverse("applications:dashboard")),
        "reviews": reviewer_review_counts(user=request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def application_start(request, slug):
    call = get_object_or_404(Call.objects.select_related("programme", "track"), slug=slug)
    draft = Application.objects.filter(call=call, applicant=request.user,
                                       status=Status.DRAFT).first()
    if draft is not None:
        return redirect("applications:edit", reference=draft.reference)
    if not hasattr(request.user, "person"):
        url = _profile_url(request.path)
        messages.info(request, _("Complétez d'abord votre profil : vous serez le porteur ou la "
                                 "porteuse de la demande."))
        if url:
            return redirect(url)
    if request.method == "POST":
        try:
            application = services.application_start(call=call, applicant=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect("applications:edit", reference=application.reference)
    return render(request, "programmes/application_start.html", {
        "call": call, "open": call.is_open(),
    })


# The rows shown are the saved lines (as initial data) plus blank ones. Every posted row is
# read, even one equal to its initial data: the posted rows replace the saved lines.
EVERY_ROW = {"empty_permitted": False}


def _forms(request, application, data=None, files=None):
    call = application.call
    documents = list(call.required_documents.all())
    budget_initial = [
        {"category": line.category, "label": line.label, "amount": line.amount}
        for line in application.budget_lines.all()
    ]
    investment_initial = [
        {"company": row.company_id, "planned_amount": row.planned_amount}
        for row in application.planned_investments.all()
    ]
    co_initial = [
        {"first_name": p.first_name, "last_name": p.last_name, "email": p.email,
         "orcid": p.orcid}
        for p in application.co_applicants.all()
    ]
    forms = {
        "form": ApplicationForm(data, instance=application, call=call),
        "budget": BudgetLineFormSet(data, prefix="budget", initial=budget_initial or None,
                                    form_kwargs=EVERY_ROW),
        "co_applicants": CoApplicantFormSet(data, prefix="co", initial=co_initial or None,
                                            form_kwargs=EVERY_ROW),
        "documents": DocumentsForm(data, files, documents=documents),
    }
    if call.requires_partner_company:
        forms["investments"] = InvestmentFormSet(data, prefix="invest",
                                                 initial=investment_initial or None,
                                                 form_kwargs=EVERY_ROW)
    return forms


def _save_draft(request, application, forms) -> bool:
    """Validate every part, save the draft through the services; False (errors shown beside
    their fields, nothing saved) when a value has the wrong type."""
    if not all(form.is_valid() for form in forms.values()):
        return False
    kwargs = {
        "fields": {name: forms["form"].cleaned_data.get(name)
                   for name in services.APPLICANT_FIELDS},
        "teams": forms["form"].cleaned_data.get("teams") or [],
        "budget_lines": [line for f in forms["budget"] if (line := f.line())],
        "co_applicants": [row for f in forms["co_applicants"] if (row := f.row())],
    }
    if "investments" in forms:
        kwargs["investments"] = [row for f in forms["investments"] if (row := f.row())]
    try:
        with transaction.atomic():
            services.application_save_draft(application=application, by=request.user, **kwargs)
            for document, uploaded in forms["documents"].uploads():
                services.attachment_add(application=application, required_document=document,
                                        uploaded_file=uploaded, by=request.user)
    except ValidationError as error:
        forms["form"].add_error(None, error)
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, reference):
    application = _application(request, reference)
    mine = application.applicant_id == request.user.pk
    if application.status != Status.DRAFT or not mine:
        return _detail(request, application, mine=mine)

    autosave = request.headers.get("X-Autosave") == "1"
    if request.method == "POST":
        forms = _forms(request, application, request.POST, request.FILES)
        action = request.POST.get("action", "save")
        remove = request.POST.get("remove_attachment")
        saved = _save_draft(request, application, forms)
        if autosave:
            if saved:
                return JsonResponse({"saved": True, "at": date_format(
                    timezone.localtime(), "H:i:s")})
            return JsonResponse({"saved": False, "message": _(
                "Brouillon non enregistré : une valeur est à corriger (voir le formulaire "
                "après l'avoir enregistré avec le bouton).")}, status=400)
        if saved and remove:
            attachment = application.attachments.filter(pk=remove).first()
            if attachment is not None:
                services.attachment_remove(attachment=attachment, by=request.user)
                messages.success(request, _("Document retiré."))
            return redirect("applications:edit", reference=reference)
        if saved and action == "submit":
            try:
                submitted = services.application_submit(application=application,
                                                        by=request.user)
            except ValidationError as error:
                if any(e.code == "already_submitted" for e in error.error_list):
                    messages.info(request, error.messages[0])
                    return redirect("applications:edit", reference=reference)
                missing = [e for e in error.error_list if e.code == "missing"]
                if missing:
                    messages.error(request, _("La demande n'a pas été déposée. Il manque : "
                                              "%(items)s.") % {
                        "items": ", ".join(e.messages[0] for e in missing)})
                else:
                    messages.error(request, " ".join(error.messages))
                return redirect("applications:edit", reference=reference)
            if submitted.confirmation_sent is False:
                messages.warning(request, _(
                    "Votre demande %(reference)s est déposée, mais l'e-mail de confirmation n'a "
                    "pas pu être envoyé. Cette page, qui la montre déposée, fait foi.")
                    % {"reference": reference})
            else:
                messages.success(request, _(
                    "Votre demande %(reference)s est déposée. Un e-mail de confirmation vous a "
                    "été envoyé.") % {"reference": reference})
            return redirect("applications:edit", reference=reference)
        if saved:
            messages.success(request, _("Brouillon enregistré."))
            return redirect("applications:edit", reference=reference)
    else:
        if autosave:
            raise Http404
        forms = _forms(request, application)
    application = applicant_application(user=request.user, reference=reference)
    attachments = {a.required_document_id: a for a in application.attachments.all()}
    documents = forms["documents"]
    return render(request, "programmes/application_form.html", {
        "application": application, "call": application.call, **forms,
        "missing": application_missing(application),
        "open": application.call.is_open(),
        "document_rows": [
            (document, documents[name], attachments.get(document.pk))
            for name, document in documents.documents.items()
        ],
        "max_upload": settings.ATTACHMENT_MAX_BYTES,
    })


def _detail(request, application, *, mine):
    return render(request, "programmes/application_detail.html", {
        "application": application, "call": application.call, "mine": mine,
        "can_withdraw": mine and application.status in services.APPLICANT_WITHDRAWABLE,
        "attachments": list(application.attachments.all()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, reference):
    try:
        application = applicant_application(user=request.user, reference=reference)
    except Application.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        try:
            services.application_withdraw(application=application, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("La demande %(reference)s est retirée.")
                             % {"reference": reference})
        return redirect("applications:dashboard")
    return render(request, "programmes/application_withdraw.html", {
        "application": application,
        "can_withdraw": application.status in services.APPLICANT_WITHDRAWABLE,
    })


@login_required
def attachment_download(request, reference, pk):
    """The PDF, to its applicant or to staff allowed to see applications; 404 for anyone else.
    Always a download (`attachment`), typed PDF, never sniffed."""
    application = _application(request, reference)
    attachment = get_object_or_404(Attachment, pk=pk, application=application)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
