from django.contrib import admin
from django.db.models import F
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from clara.admin_helpers import (
    BoundedInlineMixin,
    EditConflictAdminMixin,
    SpreadsheetImportExportMixin,
    euros_column,
    year_filter,
)
from funding.models import Award, CompanyInvestment, Contribution, Funder
from funding.resources import AwardResource, ContributionResource


@admin.register(Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "organisation")
    list_filter = ("kind",)
    list_select_related = ("organisation",)
    search_fields = ("name", "short_name")
    autocomplete_fields = ("organisation",)


class ContributionInline(BoundedInlineMixin, admin.TabularInline):
    model = Contribution
    extra = 0
    fields = ("funder", "amount")
    autocomplete_fields = ("funder",)


class CompanyInvestmentInline(BoundedInlineMixin, admin.TabularInline):
    model = CompanyInvestment
    extra = 0
    fields = ("company", "planned_amount")
    autocomplete_fields = ("company",)


class SplitFilter(admin.SimpleListFilter):
    """Awards whose contributions do not add up to the amount."""

    title = _("répartition entre financeurs")
    parameter_name = "split"

    def lookups(self, request, model_admin):
        return [("complete", _("complète")), ("incomplete", _("à compléter"))]

    def queryset(self, request, queryset):
        if self.value() == "complete":
            return queryset.filter(contributions_total=F("amount"))
        if self.value() == "incomplete":
            return queryset.exclude(contributions_total=F("amount"))
        return queryset


@admin.register(Award)
class AwardAdmin(EditConflictAdminMixin, SpreadsheetImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [AwardResource]
    list_display = (
        "reference", "project_title", "programme", "amount_euros",
        "contributions_total_euros", "split_complete", "decided_at", "agreement_signed_on",
    )
    list_filter = (
        "application__call__programme", year_filter("decided_at"), SplitFilter,
    )
    list_select_related = ("application__call__programme",)
    search_fields = (
        "application__reference", "application__acronym", "application__title",
    )
    autocomplete_fields = ("application",)
    inlines = [ContributionInline, CompanyInvestmentInline]
    amount_euros = euros_column("amount", _("montant"))
    contributions_total_euros = euros_column("contributions_total", _("total des contributions"))

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return (
            super().get_queryset(request)
            .select_related(*self.list_select_related)
            .with_contributions_total()
        )

    @admin.display(description=_("référence"), ordering="application__reference")
    def reference(self, obj):
        return format_html('<span class="nowrap">{}</span>', obj.application.reference)

    @admin.display(description=_("projet"), ordering="application__acronym")
    def project_title(self, obj):
        return obj.application.acronym or Truncator(obj.application.title).chars(50)

    @admin.display(description=_("programme"), ordering="application__call__programme__name")
    def programme(self, obj):
        return obj.application.call.programme

    @admin.display(description=_("répartition complète"), boolean=True)
    def split_complete(self, obj):
        return obj.contributions_total == obj.amount


@admin.register(Contribution)
class ContributionAdmin(EditConflictAdminMixin, SpreadsheetImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ContributionResource]
    list_display = ("award", "funder", "amount_euros", "programme", "decided_at")
    list_filter = (
        "funder", "award__application__call__programme", year_filter("award__decided_at"),
    )
    list_select_related = ("award__application__call__programme", "funder")
    search_fields = ("award__application__reference", "funder__name", "funder__short_name")
    autocomplete_fields = ("award", "funder")
    amount_euros = euros_column("amount", _("montant"))

    @admin.display(
        description=_("programme"), ordering="award__application__call__programme__name"
    )
    def programme(self, obj):
        return obj.award.application.call.programme

    @admin.display(description=_("date de décision"), ordering="award__decided_at")
    def decided_at(self, obj):
        return obj.award.decided_at

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(CompanyInvestment)
class CompanyInvestmentAdmin(EditConflictAdminMixin, SimpleHistoryAdmin):
    list_display = ("award", "company", "planned_euros")
    list_filter = (
        "award__application__call__programme", year_filter("award__decided_at"),
    )
    list_select_related = ("award__application", "company")
    search_fields = ("award__application__reference", "company__name")
    autocomplete_fields = ("award", "company")
    planned_euros = euros_column("planned_amount", _("investissement prévu"))

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)
