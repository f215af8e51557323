from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from clara.admin_edit_conflicts import EditConflictAdminMixin, EditConflictForm
from clara.admin_helpers import (
    BoundedInlineMixin,
    SearchByTableMixin,
    SpreadsheetExportMixin,
    SpreadsheetImportExportMixin,
    euros_column,
)
from funding.resources import CallLinksResource
from programmes.evaluation import audition_record_outcome, audition_schedule
from programmes.models import (
    Application,
    Attachment,
    Audition,
    BudgetLine,
    Call,
    Decision,
    EvaluationCriterion,
    InnovationDomain,
    PlannedInvestment,
    Programme,
    RequiredDocument,
    Review,
    Reviewer,
    ReviewScore,
    Track,
)
from programmes.resources import (
    ApplicationHistoryResource,
    ApplicationResource,
    CallResource,
    DecisionResource,
    InnovationDomainResource,
    ProgrammeResource,
    TrackResource,
)
from programmes.services import (
    NEW_APPLICATION_STATUSES,
    STATUS_OF_OUTCOME,
    application_check_move,
    application_check_new,
    application_create,
    application_set_status,
    call_check_budget,
    decision_record,
    decision_update,
)


@admin.register(InnovationDomain)
class InnovationDomainAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [InnovationDomainResource]
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class TrackInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = Track
    extra = 0
    fields = ("code", "description")


@admin.register(Programme)
class ProgrammeAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [ProgrammeResource]
    list_display = ("name", "kind", "partner")
    list_filter = ("kind",)
    list_select_related = ("partner",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("partner",)
    inlines = [TrackInline]


@admin.register(Track)
class TrackAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [TrackResource]
    list_display = ("__str__", "programme", "code")
    list_filter = ("programme", "code")
    list_select_related = ("programme",)
    search_fields = ("programme__name", "code")

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)


class EvaluationCriterionInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = EvaluationCriterion
    extra = 0
    fields = ("position", "label", "max_score", "weight", "description")


class RequiredDocumentInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ("position", "label", "mandatory")


class CallAdminForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose the fields)

    def clean_budget(self):
        budget = self.cleaned_data["budget"]
        try:
            call_check_budget(call=self.instance, budget=budget)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["budget"]) from None
        return budget


@admin.register(Call)
class CallAdmin(EditConflictAdminMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    form = CallAdminForm
    resource_classes = [CallResource, CallLinksResource]
    list_display = (
        "title", "programme", "track", "year", "opens_at", "closes_at", "budget_euros",
        "application_count",
    )
    list_filter = ("programme", "year", "track__code")
    list_select_related = ("programme", "track__programme")
    search_fields = ("title", "slug", "theme", "programme__name")
    date_hierarchy = "closes_at"
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("programme", "track", "cofunders", "domains", "sites")
    inlines = [EvaluationCriterionInline, RequiredDocumentInline]
    budget_euros = euros_column("budget", _("enveloppe"))

    def get_queryset(self, request):
        # A subquery per listed call: a Count over the join grouped all the applications of
        # every call for the count, the page and the date hierarchy (0.7–1.8 s at national
        # scale).
        applications = (
            Application.objects.filter(call=OuterRef("pk")).order_by().values("call")
            .annotate(n=Count("pk")).values("n")
        )
        return super().get_queryset(request).annotate(
            application_count=Coalesce(Subquery(applications), 0)
        )

    @admin.display(description=_("demandes"), ordering="application_count")
    def application_count(self, obj):
        return obj.application_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "track":
            kwargs["queryset"] = Track.objects.select_related("programme")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(EvaluationCriterion)
class EvaluationCriterionAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ("label", "call", "max_score", "weight", "position")
    list_filter = ("call__programme", "call__year")
    list_select_related = ("call",)
    search_fields = ("label", "call__title")
    autocomplete_fields = ("call",)


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ("label", "call", "mandatory", "position")
    list_filter = ("mandatory", "call__programme", "call__year")
    list_select_related = ("call",)
    search_fields = ("label", "call__title")
    autocomplete_fields = ("call",)


class AttachmentInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    """The file is private: the link goes to the application's download view, which checks
    that the staff member may see applications (never a storage URL)."""

    model = Attachment
    extra = 0
    can_delete = False
    fields = ("download", "required_document", "size", "uploaded_at")
    readonly_fields = fields

    @admin.display(description=_("fichier"))
    def download(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse(
            "applications:attachment", args=[obj.application.reference, obj.pk]),
            obj.original_name)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("required_document", "application")

    def has_add_permission(self, request, obj=None):
        return False


class BudgetLineInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = BudgetLine
    extra = 0
    fields = ("category", "label", "amount", "position")


class PlannedInvestmentInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = PlannedInvestment
    extra = 0
    fields = ("company", "planned_amount")
    autocomplete_fields = ("company",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("company")


class DecisionInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    """The committee's decisions, read only: a decision is recorded with the status it gives
    (status field above, a bulk action, or the decisions' own page)."""

    model = Decision
    extra = 0
    can_delete = False
    fields = ("outcome", "committee_date", "notes", "recorded_by", "recorded_at")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")

    def has_add_permission(self, request, obj=None):
        return False


class ReviewInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = Review
    extra = 0
    fields = ("reviewer", "role", "status", "conflict_of_interest", "submitted_at")
    readonly_fields = ("submitted_at",)
    autocomplete_fields = ("reviewer",)
    show_change_link = True


class ApplicationAdminForm(EditConflictForm):
    """The status offers the moves of Application.ALLOWED_TRANSITIONS from the stored status;
    the move itself is made by `application_set_status` when the admin saves (a committee's
    decision needs its date). The form never writes the status on its own."""

    committee_date = forms.DateField(
        label=_("Date du comité"), required=False,
        help_text=_("Pour une décision du comité (éligibilité, audition, sélection)."),
    )
    decision_notes = forms.CharField(
        label=_("Motif de la décision"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Enregistré avec la décision (obligatoire pour « Non éligible »)."),
    )

    class Meta:
        model = Application
        # The admin builds the form from its fieldsets; these are the fields checked here.
        fields = ("status", "submitted_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_status = self.instance.status if self.instance.pk else None
        self.new_status = self.stored_status
        field = self.fields.get("status")
        if field is None:
            return
        if self.stored_status:
            offered = [self.stored_status, *sorted(
                Application.ALLOWED_TRANSITIONS[self.stored_status],
                key=Application.Status.values.index,
            )]
        else:
            offered = list(NEW_APPLICATION_STATUSES)
        field.choices = [(s, Application.Status(s).label) for s in offered]
        # Any status reaches clean_status, which says why a move is refused.
        field.valid_value = lambda value: value in Application.Status.values
        if "committee_date" in self.fields:
            self.fields["committee_date"].initial = timezone.localdate()

    def clean_status(self):
        new = self.cleaned_data["status"]
        if self.stored_status is None:
            return new
        if new != self.stored_status:
            try:
                application_check_move(current=self.stored_status, new=new)
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict["status"]) from None
        self.new_status = new
        # The instance keeps its stored status; the service moves it when the admin saves.
        return self.stored_status

    def clean(self):
        cleaned = super().clean()
        if self.stored_status is None:
            status = cleaned.get("status")
            if status == Application.Status.SUBMITTED and not cleaned.get("submitted_at"):
                cleaned["submitted_at"] = timezone.now()
                self.instance.submitted_at = cleaned["submitted_at"]
            if status:
                try:
                    application_check_new(application=Application(status=status))
                except ValidationError as error:
                    self.add_error("status", error.message_dict["status"])
        elif (self.new_status != self.stored_status
              and self.new_status in Application.DECISION_STATUSES
              and not cleaned.get("committee_date")):
            self.add_error(
                "committee_date", _("Indiquez la date du comité qui a pris cette décision.")
            )
        if (self.stored_status is not None and self.new_status != self.stored_status
                and self.new_status == Application.Status.INELIGIBLE
                and not (cleaned.get("decision_notes") or "").strip()):
            self.add_error("decision_notes", _("Indiquez pourquoi la demande n'est pas éligible."))
        return cleaned


class ApplicationActionForm(ActionForm):
    committee_date = forms.DateField(
        label=_("Date du comité"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def _status_action(status: str):
    label = Application.Status(status).label

    def action(modeladmin, request, queryset):
        return modeladmin.move_selected(request, queryset, status)

    action.__name__ = f"move_to_{status}"
    action.short_description = _("Passer au statut « %(status)s »") % {"status": label}
    return action


@admin.register(Application)
class ApplicationAdmin(
    SearchByTableMixin, EditConflictAdminMixin, SpreadsheetImportExportMixin, SimpleHistoryAdmin
):
    form = ApplicationAdminForm
    action_form = ApplicationActionForm
    resource_classes = [ApplicationResource, ApplicationHistoryResource]
    actions = [
        _status_action(status) for status in Application.Status.values
        if status != Application.Status.DRAFT
    ]
    list_display = (
        "reference_code", "short_title", "call", "programme", "principal_investigator",
        "applicant", "status", "requested_euros", "submitted_at",
    )
    list_filter = (
        "status", "call__programme", "call__year", "call__track__code", "domain",
    )
    list_select_related = ("call__programme", "principal_investigator", "applicant")
    search_fields = (
        "reference", "acronym", "title", "principal_investigator__last_name",
        "principal_investigator__orcid", "applicant__email",
    )
    # No date hierarchy: it lists the years by a DISTINCT over every application (0.2 s at
    # national scale, once more per search); the call's year filter answers the question.
    # No second count of the whole table under a filtered list either.
    show_full_result_count = False
    autocomplete_fields = (
        "call", "applicant", "principal_investigator", "teams", "partner_companies",
        "co_applicants",
    )
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("reference", "call", "status", "committee_date", "decision_notes",
                            "submitted_at")}),
        (
            _("Porteurs"),
            {"fields": ("applicant", "principal_investigator", "co_applicants", "teams",
                        "partner_companies")},
        ),
        (
            _("Projet"),
            {
                "fields": (
                    "acronym", "title", "domain", "requested_amount", "duration_months",
                    "lay_summary", "scientific_content",
                )
            },
        ),
        (_("Suivi"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [BudgetLineInline, PlannedInvestmentInline, AttachmentInline, ReviewInline,
               DecisionInline]
    requested_euros = euros_column("requested_amount", _("montant demandé"))

    @admin.display(description=_("référence"), ordering="reference")
    def reference_code(self, obj):
        return format_html('<span class="nowrap">{}</span>', obj.reference)

    @admin.display(description=_("titre"), ordering="acronym")
    def short_title(self, obj):
        return obj.acronym or Truncator(obj.title).chars(50)

    @admin.display(description=_("programme"), ordering="call__programme__name")
    def programme(self, obj):
        return obj.call.programme

    def get_import_resource_classes(self, request):
        classes = super().get_import_resource_classes(request)
        if request.user.has_perm("programmes.import_application_history"):
            return classes
        return [c for c in classes if c is not ApplicationHistoryResource]

    def get_export_resource_classes(self, request):
        return [ApplicationResource]

    def save_model(self, request, obj, form, change):
        if not change:
            application_create(application=obj, by=request.user)
            return
        # Fields other than the status are saved as they are; the status moves through the
        # service, which records the decision it may be.
        if set(form.changed_data) - {"status", "committee_date", "decision_notes",
                                     "edit_version"}:
            obj.save()
        if form.new_status != form.stored_status:
            application_set_status(
                application=obj, status=form.new_status, by=request.user,
                committee_date=form.cleaned_data.get("committee_date"),
                notes=(form.cleaned_data.get("decision_notes") or "").strip(),
            )

    @transaction.atomic
    def move_selected(self, request, queryset, status):
        """Bulk move: all the selected applications move, or none (the refusals are listed)."""
        try:
            committee_date = self.action_form.base_fields["committee_date"].clean(
                request.POST.get("committee_date", "")
            )
        except ValidationError:
            committee_date = None
        refused = []
        savepoint = transaction.savepoint()
        for application in queryset.order_by("reference"):
            try:
                application_set_status(
                    application=application, status=status, by=request.user,
                    committee_date=committee_date,
                )
            except ValidationError as error:
                refused.append(f"{application.reference} : {' '.join(error.messages)}")
        if refused:
            transaction.savepoint_rollback(savepoint)
            self.message_user(
                request,
                _("Aucune demande n'a changé de statut. %(refused)s")
                % {"refused": " ; ".join(refused)},
                messages.ERROR,
            )
            return
        transaction.savepoint_commit(savepoint)
        count = queryset.count()
        self.message_user(
            request,
            ngettext(
                "%(count)s demande est passée au statut « %(status)s ».",
                "%(count)s demandes sont passées au statut « %(status)s ».",
                count,
            ) % {"count": count, "status": Application.Status(status).label},
            messages.SUCCESS,
        )


@admin.register(Attachment)
class AttachmentAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    """Read-only metadata; the file itself is only served by the application's views,
    after their permission check."""

    list_display = ("original_name", "application", "required_document", "size", "uploaded_at")
    list_select_related = ("application", "required_document")
    list_filter = ("application__call__programme", "application__call__year")
    search_fields = ("original_name", "application__reference")
    date_hierarchy = "uploaded_at"
    fields = ("application", "required_document", "original_name", "size", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReviewScoreInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = ReviewScore
    extra = 0
    fields = ("criterion", "score")


@admin.register(Review)
class ReviewAdmin(SearchByTableMixin, EditConflictAdminMixin, admin.ModelAdmin):
    list_display = (
        "application", "reviewer", "role", "status", "conflict_of_interest", "mean_score",
        "assigned_at", "submitted_at",
    )
    list_filter = (
        "status", "role", "conflict_of_interest", "application__call__programme",
        "application__call__year",
    )
    list_select_related = ("application", "reviewer")
    search_fields = ("application__reference", "application__title", "reviewer__email")
    date_hierarchy = "assigned_at"
    autocomplete_fields = ("application", "reviewer")
    inlines = [ReviewScoreInline]

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        # A subquery per listed review, not an aggregate over the join of every review with
        # its scores (2 s at national scale).
        scores = (
            ReviewScore.objects.filter(review=OuterRef("pk")).order_by().values("review")
            .annotate(mean=Avg("score")).values("mean")
        )
        return (
            super().get_queryset(request)
            .select_related(*self.list_select_related)
            .annotate(mean_score=Subquery(scores))
        )

    @admin.display(description=_("note moyenne"), ordering="mean_score")
    def mean_score(self, obj):
        return "—" if obj.mean_score is None else f"{obj.mean_score:.1f}".replace(".", ",")


@admin.register(ReviewScore)
class ReviewScoreAdmin(SearchByTableMixin, EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ("review", "criterion", "score")
    list_select_related = ("review__application", "review__reviewer", "criterion")
    list_filter = ("review__application__call__programme", "review__application__call__year")
    search_fields = ("review__application__reference", "criterion__label")
    autocomplete_fields = ("review", "criterion")


class DecisionAdminForm(EditConflictForm):
    class Meta:
        model = Decision
        fields = ("application", "outcome", "committee_date", "notes")

    def clean(self):
        cleaned = super().clean()
        application, outcome = cleaned.get("application"), cleaned.get("outcome")
        if self.instance.pk is None and application and outcome:
            try:
                application_check_move(current=application.status, new=STATUS_OF_OUTCOME[outcome])
            except ValidationError as error:
                self.add_error("outcome", error.message_dict["status"])
        return cleaned


@admin.register(Decision)
class DecisionAdmin(SearchByTableMixin, EditConflictAdminMixin, SpreadsheetExportMixin, SimpleHistoryAdmin):
    """A decision is recorded with the status it gives the application (`decision_record`);
    afterwards only its date and grounds can be corrected, and it is never deleted."""
    resource_classes = [DecisionResource]

    form = DecisionAdminForm
    list_display = ("application", "outcome", "committee_date", "recorded_by", "recorded_at")
    list_filter = ("outcome", "application__call__programme", "application__call__year")
    list_select_related = ("application", "recorded_by")
    search_fields = ("application__reference", "application__title", "notes")
    date_hierarchy = "committee_date"
    autocomplete_fields = ("application",)
    fields = ("application", "outcome", "committee_date", "notes", "recorded_by", "recorded_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("recorded_by", "recorded_at")
        return ("application", "outcome", "recorded_by", "recorded_at")

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            decision_update(
                decision=obj, committee_date=data["committee_date"], notes=data["notes"],
                by=request.user,
            )
            return
        decision = decision_record(
            application=data["application"], outcome=data["outcome"],
            committee_date=data["committee_date"], notes=data["notes"], by=request.user,
        )
        obj.pk = decision.pk
        obj._state.adding = False


# --- Evaluation: reviewers and auditions ---------------------------------------------------

@admin.register(Reviewer)
class ReviewerAdmin(SearchByTableMixin, EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ("user", "kind", "active")
    list_filter = ("kind", "active")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)


class AuditionAdminForm(EditConflictForm):
    class Meta:
        model = Audition
        fields = ("application", "kind", "scheduled_at", "location", "panel",
                  "panel_description", "outcome", "notes")


@admin.register(Audition)
class AuditionAdmin(SearchByTableMixin, EditConflictAdminMixin, SimpleHistoryAdmin):
    """Scheduled through `audition_schedule`; the outcome through `audition_record_outcome`
    (history rows name who did it)."""

    form = AuditionAdminForm
    list_display = ("application", "kind", "scheduled_at", "outcome", "outcome_recorded_at")
    list_filter = ("kind", "outcome", "application__call__programme", "application__call__year")
    list_select_related = ("application",)
    search_fields = ("application__reference", "application__title", "panel_description")
    date_hierarchy = "scheduled_at"
    autocomplete_fields = ("application", "panel")
    readonly_fields = ("outcome_recorded_at", "recorded_by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("outcome", "notes", *self.readonly_fields)
        return ("application", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            audition = audition_schedule(
                application=data["application"], kind=data["kind"],
                scheduled_at=data["scheduled_at"], location=data.get("location", ""),
                panel_description=data.get("panel_description", ""), by=request.user,
            )
            obj.pk = audition.pk
            obj._state.adding = False
            return
        outcome_changed = {"outcome", "notes"} & set(form.changed_data)
        if outcome_changed and data.get("outcome"):
            outcome, notes = data["outcome"], data.get("notes", "")
            # The other fields first (date, place, panel), then the outcome with its time.
            obj.outcome = Audition.objects.get(pk=obj.pk).outcome
            super().save_model(request, obj, form, change)
            audition_record_outcome(audition=obj, outcome=outcome, notes=notes, by=request.user)
            return
        obj._history_user = request.user
        super().save_model(request, obj, form, change)
