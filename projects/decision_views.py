"""The staff's final decision on an application, inside the admin: "Retenir" (decision, award
split between the call's co-funders, funded project, in one step) and "Ne pas retenir".
Thin: the form reads, `projects.decisions` writes; a refusal shows its French message and
changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clara.formatting import format_euros
from programmes.forms import EuroField
from programmes.models import Application
from projects.decisions import application_reject, application_select

# A decision dated by its day: noon in Paris, the same day in UTC.
NOON = datetime.time(12)
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RejectForm(forms.Form):
    committee_date = forms.DateField(label=gettext_lazy("Date du comité"), widget=DATE_WIDGET)
    notes = forms.CharField(label=gettext_lazy("Motivation"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))


class SelectForm(RejectForm):
    """Committee date, amount, decision date, project start, and one amount per co-funder of
    the call (fields `funder_<pk>`)."""

    # Amounts as people type them: "30 000", "30 000,50 €", "30000.5" (as in the
    # applicant's form).
    amount = EuroField(label=gettext_lazy("Montant accordé (€)"), min_value=0,
                       max_digits=12, decimal_places=2)
    decided_on = forms.DateField(
        label=gettext_lazy("Date de décision"), widget=DATE_WIDGET,
        help_text=gettext_lazy("L'année de cette date est celle des chiffres clefs du "
                               "financement."))
    start_date = forms.DateField(
        label=gettext_lazy("Début du projet"), required=False, widget=DATE_WIDGET,
        help_text=gettext_lazy("Pour les programmes de recherche : le projet suivi est « en "
                               "cours » à partir de cette année (vide : date du comité)."))

    field_order = ["committee_date", "decided_on", "amount", "start_date", "notes"]

    def __init__(self, *args, funders, **kwargs):
        super().__init__(*args, **kwargs)
        self.funders = list(funders)
        for funder in self.funders:
            self.fields[f"funder_{funder.pk}"] = EuroField(
                label=str(funder), required=False, min_value=0, max_digits=12,
                decimal_places=2,
            )

    def funder_fields(self):
        return [self[f"funder_{funder.pk}"] for funder in self.funders]

    def split(self) -> dict:
        return {funder: self.cleaned_data[f"funder_{funder.pk}"] for funder in self.funders
                if self.cleaned_data.get(f"funder_{funder.pk}") not in (None, Decimal("0"))}


def _application(request: HttpRequest, pk: int) -> Application:
    if not (request.user.has_perm("programmes.add_decision")
            and request.user.has_perm("funding.add_award")):
        raise PermissionDenied
    application = (Application.objects.select_related("call__programme", "principal_investigator")
                   .filter(pk=pk).first())
    if application is None:
        raise Http404(_("Cette demande n'existe pas."))
    return application


def _show_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _done(request, application, message) -> HttpResponse:
    messages.success(request, message)
    return redirect(reverse("call-ranking", args=[application.call_id]))


def application_select_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    funders = application.call.cofunders.order_by("name")
    today = timezone.localdate()
    form = SelectForm(request.POST or None, funders=funders, initial={
        "committee_date": today, "decided_on": today, "amount": application.requested_amount,
    })
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decided_at = timezone.make_aware(datetime.datetime.combine(data["decided_on"], NOON))
        try:
            award = application_select(
                application=application, committee_date=data["committee_date"],
                amount=data["amount"], contributions=form.split(), decided_at=decided_at,
                start_date=data["start_date"], notes=data["notes"], by=request.user,
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            return _done(request, application, _(
                "La demande %(reference)s est retenue : financement de %(amount)s enregistré, "
                "porteur ou porteuse prévenu(e) par e-mail.")
                % {"reference": application.reference, "amount": format_euros(award.amount)})
    return _render(request, application, form, "select")


def application_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    form = RejectForm(request.POST or None, initial={"committee_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            application_reject(application=application, **form.cleaned_data, by=request.user)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            return _done(request, application, _(
                "La demande %(reference)s n'est pas retenue ; le porteur ou la porteuse est "
                "prévenu(e) par e-mail.") % {"reference": application.reference})
    return _render(request, application, form, "reject")


def _render(request, application, form, action) -> HttpResponse:
    title = (_("Retenir la demande %(reference)s") if action == "select"
             else _("Ne pas retenir la demande %(reference)s")) % {
        "reference": application.reference}
    context = {
        **admin.site.each_context(request),
        "title": title, "application": application, "form": form, "action": action,
        "ranking_url": reverse("call-ranking", args=[application.call_id]),
    }
    return render(request, "admin/programmes/application_decide.html", context)
