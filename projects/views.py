"""The principal investigator's pages of a funded project: its page, the yearly report, and
its outcomes (add, remove). Thin: `projects.selectors` read, `projects.services` write.

Who sees what: a project is found among the ones the user leads (`pi_project`), so anyone
else gets 404 whether it exists or not. Staff with the view permission see any project
read-only (they edit in the administration); their POSTs are refused (403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from projects import services
from projects.forms import OutcomeForm, ReportForm
from projects.models import FollowUpReport, FundedProject
from projects.selectors import pi_project, report_is_overdue, staff_project

Report = FollowUpReport.Status


def _project(request, pk: int) -> tuple[FundedProject, bool]:
    """(the project, whether the user may write): the user's own project, or for staff with
    the view permission any project read-only; 404 otherwise."""
    try:
        return pi_project(user=request.user, pk=pk), True
    except FundedProject.DoesNotExist:
        pass
    if request.user.is_staff and request.user.has_perm("projects.view_fundedproject"):
        try:
            return staff_project(pk=pk), False
        except FundedProject.DoesNotExist:
            pass
    raise Http404


def _writable(request, pk: int) -> tuple[FundedProject, bool]:
    """`_project`, and 403 for a POST by staff reading someone else's project."""
    project, mine = _project(request, pk)
    if request.method == "POST" and not mine:
        raise PermissionDenied
    return project, mine


def _report_rows(project: FundedProject) -> list[dict]:
    today = timezone.localdate()
    return [{"report": report, "overdue": report_is_overdue(report, today)}
            for report in project.reports.all()]


@login_required
@require_http_methods(["GET", "POST"])
def project_detail(request, pk):
    project, mine = _project(request, pk)  # 404 first: a POST says nothing of existence
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    outcomes = list(project.outcomes.all())
    accepted_years = {r.year for r in project.reports.all() if r.status == Report.ACCEPTED}
    return render(request, "projects/project_detail.html", {
        "project": project, "mine": mine, "report_rows": _report_rows(project),
        "outcomes": [{"outcome": o, "locked": o.date.year in accepted_years}
                     for o in outcomes],
        "application": project.award.application,
    })


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk, year):
    project, mine = _writable(request, pk)
    report = next((r for r in project.reports.all() if r.year == year), None)
    if report is None:
        raise Http404
    editable = mine and report.status != Report.ACCEPTED
    if request.method == "POST":
        form = ReportForm(request.POST)
        if editable and form.is_valid():
            try:
                services.report_submit(report=report, by=request.user,
                                       fields=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Rapport %(year)s remis. Merci !")
                                 % {"year": year})
                return redirect("projects:detail", pk=project.pk)
        elif not editable:
            messages.error(request, _("Ce rapport a été accepté par l'équipe du CLARA : il ne "
                                      "peut plus être modifié."))
            return redirect("projects:detail", pk=project.pk)
    else:
        form = ReportForm(initial={"summary": report.summary,
                                   "difficulties": report.difficulties,
                                   "next_steps": report.next_steps})
    return render(request, "projects/report_form.html", {
        "project": project, "report": report, "form": form, "editable": editable,
        "overdue": report_is_overdue(report, timezone.localdate()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def outcome_add(request, pk):
    project, mine = _writable(request, pk)
    if request.method == "POST":
        form = OutcomeForm(request.POST)
        if form.is_valid():
            try:
                services.outcome_record(project=project, by=request.user,
                                        fields=form.cleaned_fields())
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
            else:
                messages.success(request, _("Résultat enregistré."))
                return redirect("projects:detail", pk=project.pk)
    else:
        form = OutcomeForm(initial={"date": timezone.localdate()})
    return render(request, "projects/outcome_form.html", {
        "project": project, "form": form, "mine": mine,
    })


@login_required
@require_http_methods(["GET", "POST"])
def outcome_delete(request, pk, outcome_pk):
    project, mine = _writable(request, pk)
    outcome = next((o for o in project.outcomes.all() if o.pk == outcome_pk), None)
    if outcome is None:
        raise Http404
    if request.method == "POST":
        try:
            services.outcome_delete(outcome=outcome, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Résultat supprimé."))
        return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/outcome_delete.html", {
        "project": project, "outcome": outcome, "mine": mine,
        "locked": any(r.year == outcome.date.year and r.status == Report.ACCEPTED
                      for r in project.reports.all()),
    })
