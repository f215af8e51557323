from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from clara.admin_edit_conflicts import EditConflictAdminMixin, EditConflictForm
from clara.admin_helpers import (
    BoundedInlineMixin,
    SearchByTableMixin,
    SpreadsheetExportMixin,
    SpreadsheetImportExportMixin,
    euros_column,
    year_filter,
)
from projects.models import (
    FollowUpReport,
    FundedProject,
    Outcome,
    ProjectYearStatus,
    SupportAction,
)
from projects.resources import (
    FundedProjectResource,
    OutcomeResource,
    ProjectYearStatusResource,
    SupportActionResource,
)
from projects.services import (
    funded_project_check_open,
    funded_project_open,
    project_status_check,
    project_status_set,
    report_accept,
)


class ProjectYearStatusInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    """Read only here: a year's status is set on its own page, where it is checked against
    the other years (a completed or stopped project never resumes)."""

    model = ProjectYearStatus
    extra = 0
    fields = ("year", "status", "note")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class FundedProjectAdminForm(forms.ModelForm):
    class Meta:
        model = FundedProject
        fields = ("award", "name", "site", "start_date", "end_date", "public_summary")

    def clean_award(self):
        award = self.cleaned_data["award"]
        if self.instance.pk is None and award is not None:
            try:
                funded_project_check_open(award=award)
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict["award"]) from None
        return award


class FollowUpReportInline(EditConflictAdminMixin, BoundedInlineMixin, admin.StackedInline):
    model = FollowUpReport
    extra = 0
    fields = ("year", "due_on", "status", "submitted_on", "summary", "difficulties",
              "next_steps")
    # The status moves through the services (the porteur submits, the action accepts).
    readonly_fields = ("status",)


class OutcomeInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = Outcome
    extra = 0
    fields = ("kind", "title", "date", "identifier", "jobs", "amount", "funder")


@admin.register(FundedProject)
class FundedProjectAdmin(
    SearchByTableMixin, EditConflictAdminMixin, SpreadsheetImportExportMixin, SimpleHistoryAdmin
):
    """A funded project is stopped (its year's status), never deleted: its award and the
    money around it stay (README, "Choices made")."""

    form = FundedProjectAdminForm
    resource_classes = [FundedProjectResource]
    list_display = (
        "name", "reference", "programme", "site", "award_euros", "start_date", "end_date",
    )
    list_filter = (
        "award__application__call__programme", "site", year_filter("award__decided_at"),
        "year_statuses__status",
    )
    list_select_related = ("award__application__call__programme", "site")
    search_fields = ("name", "award__application__reference", "award__application__title")
    autocomplete_fields = ("award",)
    inlines = [ProjectYearStatusInline, FollowUpReportInline, OutcomeInline]
    award_euros = euros_column("award__amount", _("financement"))

    @admin.display(description=_("référence"), ordering="award__application__reference")
    def reference(self, obj):
        return obj.award.application.reference

    @admin.display(
        description=_("programme"), ordering="award__application__call__programme__name"
    )
    def programme(self, obj):
        return obj.award.application.call.programme

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "award":
            # Award.__str__ names the application.
            kwargs["queryset"] = db_field.related_model.objects.select_related("application")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("award",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)  # with its history row
            return
        project = funded_project_open(
            award=obj.award, name=obj.name, site=obj.site, start_date=obj.start_date,
            end_date=obj.end_date, public_summary=obj.public_summary, by=request.user,
        )
        obj.pk = project.pk
        obj._state.adding = False


class ProjectYearStatusAdminForm(EditConflictForm):
    class Meta:
        model = ProjectYearStatus
        fields = ("project", "year", "status", "note")

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project") or getattr(self.instance, "project", None)
        if project and cleaned.get("year") and cleaned.get("status"):
            try:
                project_status_check(
                    project=project, year=cleaned["year"], status=cleaned["status"],
                    exclude_pk=self.instance.pk,
                )
            except ValidationError as error:
                self.add_error("status", error.message_dict["status"])
        return cleaned


@admin.register(ProjectYearStatus)
class ProjectYearStatusAdmin(SearchByTableMixin, EditConflictAdminMixin, SpreadsheetExportMixin, SimpleHistoryAdmin):
    """Each year's status goes through `project_status_set`, checked against the project's
    other years."""
    resource_classes = [ProjectYearStatusResource]

    form = ProjectYearStatusAdminForm
    list_display = ("project", "year", "status", "note")
    list_filter = (
        "year", "status", "project__award__application__call__programme",
    )
    list_select_related = ("project",)
    search_fields = ("project__name", "project__award__application__reference")
    autocomplete_fields = ("project",)

    def get_readonly_fields(self, request, obj=None):
        return ("project", "year") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        row = project_status_set(
            project=obj.project, year=obj.year, status=obj.status, note=obj.note,
            by=request.user,
        )
        obj.pk = row.pk
        obj._state.adding = False

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)


class ReportDueFilter(admin.SimpleListFilter):
    """Expected reports past their due date ("en retard"), or due in the next 30 days."""

    title = _("échéance")
    parameter_name = "echeance"

    def lookups(self, request, model_admin):
        return [("en-retard", _("En retard")), ("a-venir", _("À remettre sous 30 jours"))]

    def queryset(self, request, queryset):
        from datetime import timedelta

        from django.utils import timezone

        today = timezone.localdate()
        expected = queryset.filter(status=FollowUpReport.Status.EXPECTED)
        if self.value() == "en-retard":
            return expected.filter(due_on__lt=today)
        if self.value() == "a-venir":
            return expected.filter(due_on__gte=today, due_on__lte=today + timedelta(days=30))
        return queryset


@admin.register(FollowUpReport)
class FollowUpReportAdmin(EditConflictAdminMixin, SimpleHistoryAdmin):
    list_display = ("project", "programme", "year", "status", "due_on", "submitted_on",
                    "reminded_at")
    list_filter = (ReportDueFilter, "status", "project__award__application__call__programme",
                   "year")
    list_select_related = ("project__award__application__call__programme",)
    search_fields = ("project__name", "summary")
    date_hierarchy = "due_on"
    autocomplete_fields = ("project",)
    readonly_fields = ("status", "submitted_by", "reminded_at")
    actions = ["accept_reports"]

    @admin.display(description=_("programme"),
                   ordering="project__award__application__call__programme__name")
    def programme(self, obj):
        return obj.project.award.application.call.programme.name

    @admin.action(description=_("Accepter les rapports remis sélectionnés"),
                  permissions=["change"])
    def accept_reports(self, request, queryset):
        from django.contrib import messages

        accepted, refused = 0, []
        for report in queryset.select_related("project"):
            try:
                report_accept(report=report, by=request.user)
            except ValidationError as error:
                refused.append(" ".join(error.messages))
            else:
                accepted += 1
        if accepted:
            self.message_user(request, _("%(n)d rapport(s) accepté(s).") % {"n": accepted},
                              messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(Outcome)
class OutcomeAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, SimpleHistoryAdmin):
    resource_classes = [OutcomeResource]
    list_display = ("title", "kind", "project", "date", "identifier", "jobs", "amount_euros")
    list_filter = ("kind", year_filter("date"), "project__award__application__call__programme")
    list_select_related = ("project",)
    search_fields = ("title", "identifier", "project__name")
    date_hierarchy = "date"
    autocomplete_fields = ("project",)
    amount_euros = euros_column("amount", _("montant"))


@admin.register(SupportAction)
class SupportActionAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [SupportActionResource]
    list_display = ("date", "subject", "kind", "team", "organisation", "project", "staff_member")
    list_filter = ("kind", year_filter("date"), "team__site")
    list_select_related = ("team", "organisation", "project", "staff_member")
    search_fields = ("subject", "team__name", "organisation__name", "project__name", "notes")
    date_hierarchy = "date"
    autocomplete_fields = ("team", "organisation", "project", "staff_member")
