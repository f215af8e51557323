from django import forms
from django.contrib import admin
from django.db.models import Avg, Count
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from clara.admin_helpers import (
    BoundedInlineMixin,
    EditConflictAdminMixin,
    EditConflictForm,
    SpreadsheetImportExportMixin,
    euros_column,
)
from programmes.models import (
    Application,
    Attachment,
    Call,
    Decision,
    EvaluationCriterion,
    InnovationDomain,
    Programme,
    RequiredDocument,
    Review,
    ReviewScore,
    Track,
)
from programmes.resources import ApplicationResource, CallResource


@admin.register(InnovationDomain)
class InnovationDomainAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class TrackInline(BoundedInlineMixin, admin.TabularInline):
    model = Track
    extra = 0
    fields = ("code", "description")


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "partner")
    list_filter = ("kind",)
    list_select_related = ("partner",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("partner",)
    inlines = [TrackInline]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ("__str__", "programme", "code")
    list_filter = ("programme", "code")
    list_select_related = ("programme",)
    search_fields = ("programme__name", "code")

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)


class EvaluationCriterionInline(BoundedInlineMixin, admin.TabularInline):
    model = EvaluationCriterion
    extra = 0
    fields = ("position", "label", "max_score", "weight", "description")


class RequiredDocumentInline(BoundedInlineMixin, admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ("position", "label", "mandatory")


@admin.register(Call)
class CallAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [CallResource]
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
        return super().get_queryset(request).annotate(
            application_count=Count("applications", distinct=True)
        )

    @admin.display(description=_("demandes"), ordering="application_count")
    def application_count(self, obj):
        return obj.application_count

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "track":
            kwargs["queryset"] = Track.objects.select_related("programme")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(EvaluationCriterion)
class EvaluationCriterionAdmin(admin.ModelAdmin):
    list_display = ("label", "call", "max_score", "weight", "position")
    list_filter = ("call__programme", "call__year")
    list_select_related = ("call",)
    search_fields = ("label", "call__title")
    autocomplete_fields = ("call",)


@admin.register(RequiredDocument)
class RequiredDocumentAdmin(admin.ModelAdmin):
    list_display = ("label", "call", "mandatory", "position")
    list_filter = ("mandatory", "call__programme", "call__year")
    list_select_related = ("call",)
    search_fields = ("label", "call__title")
    autocomplete_fields = ("call",)


class AttachmentInline(BoundedInlineMixin, admin.TabularInline):
    """Metadata only: the file is private and is never linked from the admin."""

    model = Attachment
    extra = 0
    can_delete = False
    fields = ("original_name", "required_document", "size", "uploaded_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("required_document")

    def has_add_permission(self, request, obj=None):
        return False


class DecisionInline(BoundedInlineMixin, admin.TabularInline):
    model = Decision
    extra = 0
    fields = ("outcome", "committee_date", "notes", "recorded_by", "recorded_at")
    autocomplete_fields = ("recorded_by",)


class ReviewInline(BoundedInlineMixin, admin.TabularInline):
    model = Review
    extra = 0
    fields = ("reviewer", "role", "status", "conflict_of_interest", "submitted_at")
    readonly_fields = ("submitted_at",)
    autocomplete_fields = ("reviewer",)
    show_change_link = True


class ApplicationAdminForm(EditConflictForm):
    """Staff may move an application only along Application.ALLOWED_TRANSITIONS."""

    class Meta:
        model = Application
        # The admin builds the form from its fieldsets; these are the fields checked here.
        fields = ("status", "submitted_at")

    def clean_status(self):
        new = self.cleaned_data["status"]
        # The instance still holds the stored status: the form updates it after cleaning.
        old = self.instance.status if self.instance.pk else None
        if old and new != old and not self.instance.can_move_to(new):
            raise forms.ValidationError(
                _("Passage impossible de « %(old)s » à « %(new)s »."),
                code="invalid_transition",
                params={
                    "old": Application.Status(old).label,
                    "new": Application.Status(new).label,
                },
            )
        return new


@admin.register(Application)
class ApplicationAdmin(EditConflictAdminMixin, SpreadsheetImportExportMixin, SimpleHistoryAdmin):
    form = ApplicationAdminForm
    resource_classes = [ApplicationResource]
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
    date_hierarchy = "submitted_at"
    autocomplete_fields = (
        "call", "applicant", "principal_investigator", "teams", "partner_companies",
    )
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("reference", "call", "status", "submitted_at")}),
        (
            _("Porteurs"),
            {"fields": ("applicant", "principal_investigator", "teams", "partner_companies")},
        ),
        (
            _("Projet"),
            {
                "fields": (
                    "acronym", "title", "domain", "requested_amount", "lay_summary",
                    "scientific_content",
                )
            },
        ),
        (_("Suivi"), {"fields": ("created_at", "updated_at")}),
    )
    inlines = [AttachmentInline, ReviewInline, DecisionInline]
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


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
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


class ReviewScoreInline(BoundedInlineMixin, admin.TabularInline):
    model = ReviewScore
    extra = 0
    fields = ("criterion", "score")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
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
        return (
            super().get_queryset(request)
            .select_related(*self.list_select_related)
            .annotate(mean_score=Avg("scores__score"))
        )

    @admin.display(description=_("note moyenne"), ordering="mean_score")
    def mean_score(self, obj):
        return "—" if obj.mean_score is None else f"{obj.mean_score:.1f}".replace(".", ",")


@admin.register(ReviewScore)
class ReviewScoreAdmin(admin.ModelAdmin):
    list_display = ("review", "criterion", "score")
    list_select_related = ("review__application", "review__reviewer", "criterion")
    list_filter = ("review__application__call__programme", "review__application__call__year")
    search_fields = ("review__application__reference", "criterion__label")
    autocomplete_fields = ("review", "criterion")


@admin.register(Decision)
class DecisionAdmin(EditConflictAdminMixin, SimpleHistoryAdmin):
    list_display = ("application", "outcome", "committee_date", "recorded_by", "recorded_at")
    list_filter = ("outcome", "application__call__programme", "application__call__year")
    list_select_related = ("application", "recorded_by")
    search_fields = ("application__reference", "application__title", "notes")
    date_hierarchy = "committee_date"
    autocomplete_fields = ("application", "recorded_by")

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_changeform_initial_data(self, request):
        return {"recorded_by": request.user.pk, **super().get_changeform_initial_data(request)}
