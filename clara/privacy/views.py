"""The admin page of a GDPR request on one account or person (`/admin/rgpd/compte/<id>/`,
`/admin/rgpd/personne/<id>/`, reached from their admin pages): what the site holds, the
export button, and the erasure form with what blocks it. Thin: `selectors` reads,
`services` writes."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clara.accounts.models import User
from clara.network.models import Person
from clara.privacy import selectors, services

EXPORT_PERMISSION = "accounts.export_personal_data"
ERASE_PERMISSION = "accounts.erase_personal_data"


class ErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Je confirme l'effacement : il est définitif."),
        error_messages={"required": gettext_lazy(
            "Cochez la case de confirmation pour effacer ces données.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Référence de la demande"), required=False, max_length=500,
        help_text=gettext_lazy("Par exemple la date et le canal de la demande de la personne ; "
                               "elle figure dans l'historique."),
    )


def _subject(kind: str, pk: int) -> selectors.Subject:
    if kind == "compte":
        return selectors.subject_for_user(get_object_or_404(User, pk=pk))
    if kind == "personne":
        return selectors.subject_for_person(
            get_object_or_404(Person.objects.select_related("user"), pk=pk))
    raise Http404


def _summary(subject: selectors.Subject) -> list[tuple[str, int]]:
    applications = selectors.subject_applications(subject)
    drafts = selectors.subject_drafts(subject)
    rows = [
        (_("Demandes de financement (déposées, portées ou co-portées)"), applications.count()),
        (_("Pièces jointes de ces demandes"), selectors.subject_attachments(subject).count()),
        (_("Évaluations assignées ou rendues"), selectors.subject_reviews(subject).count()),
        (_("Brouillons jamais déposés (supprimés par l'effacement)"), drafts.count()),
        (_("Pièces jointes des brouillons et des demandes closes sans financement (supprimées "
           "par l'effacement)"),
         selectors.erasable_attachments(subject).count()),
    ]
    if subject.person is not None:
        person = subject.person
        rows.append((_("Interventions, posters et actions internationales"),
                     person.talks.count() + person.posters.count()
                     + person.international_actions.count()))
    return rows


def subject_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    subject = _subject(kind, pk)
    may_erase = request.user.has_perm(ERASE_PERMISSION)
    form = ErasureForm()
    if request.method == "POST" and request.POST.get("action") == "export":
        archive = services.personal_data_export(subject=subject, by=request.user,
                                                request=request)
        return FileResponse(archive, as_attachment=True,
                            filename=services.export_filename(subject),
                            content_type="application/zip")
    if request.method == "POST" and request.POST.get("action") == "erase":
        if not may_erase:
            raise PermissionDenied
        form = ErasureForm(request.POST)
        if form.is_valid():
            try:
                done = services.personal_data_erase(
                    subject=subject, by=request.user, reason=form.cleaned_data["reason"],
                    request=request)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _(
                    "Données personnelles effacées : %(drafts)d brouillon(s) et "
                    "%(attachments)d pièce(s) jointe(s) supprimés, identité anonymisée.")
                    % done)
                return redirect(request.path)
    context = {
        **admin.site.each_context(request),
        "title": _("Données personnelles (RGPD) — %(subject)s") % {"subject": subject},
        "subject": subject,
        "summary": _summary(subject),
        "blockers": [] if subject.erased else selectors.erasure_blockers(subject),
        "may_erase": may_erase,
        "form": form,
        "user_url": (reverse("admin:accounts_user_change", args=[subject.user.pk])
                     if subject.user else None),
        "person_url": (reverse("admin:network_person_change", args=[subject.person.pk])
                       if subject.person else None),
    }
    return render(request, "admin/privacy/subject.html", context)
