from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from clara.admin_edit_conflicts import EditConflictAdminMixin
from clara.admin_helpers import (
    BoundedInlineFormSet,
    BoundedInlineMixin,
    SearchByTableMixin,
    SpreadsheetExportMixin,
    SpreadsheetImportExportMixin,
    euros_column,
    year_filter,
)
from funding.models import Award, CompanyInvestment, Contribution, Funder
from funding.resources import AwardResource, ContributionResource
from funding.services import award_check, award_record, award_update


@admin.register(Funder)
class FunderAdmin(EditConflictAdminMixin, admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "organisation")
    list_filter = ("kind",)
    list_select_related = ("organisation",)
    search_fields = ("name", "short_name")
    autocomplete_fields = ("organisation",)


class ContributionFormSet(BoundedInlineFormSet):
    """The split between funders is checked with the award it belongs to (`award_check`):
    the contributions add up to the amount, within the call's envelope."""

    def clean(self):
        super().clean()
        self.split = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("DELETE") or not data.get("funder"):
                continue
            self.split[data["funder"]] = data.get("amount")
        award = self.instance
        if not award.application_id or award.amount is None:
            return  # the award's own form shows what is missing
        try:
            award_check(
                application=award.application, amount=award.amount, contributions=self.split,
                award=award if award.pk else None,
            )
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None


class ContributionInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = Contribution
    formset = ContributionFormSet
    extra = 0
    fields = ("funder", "amount")
    autocomplete_fields = ("funder",)


class CompanyInvestmentInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = CompanyInvestment
    extra = 0
    can_delete = False  # money records are corrected, never deleted (README)
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
class AwardAdmin(
    SearchByTableMixin, EditConflictAdminMixin, SpreadsheetImportExportMixin, SimpleHistoryAdmin
):
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

    def has_delete_permission(self, request, obj=None):
        # Money records are corrected, never deleted (README, "Choices made").
        return False

    def save_model(self, request, obj, form, change):
        """Written in `save_related`, with its split, by the funding services."""

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        split = next(fs.split for fs in formsets if isinstance(fs, ContributionFormSet))
        values = {
            "amount": data["amount"], "decided_at": data["decided_at"],
            "agreement_signed_on": data.get("agreement_signed_on"),
            "notes": data.get("notes", ""), "contributions": split, "by": request.user,
        }
        if change:
            award_update(award=form.instance, **values)
        else:
            award = award_record(application=data["application"], **values)
            form.instance.pk = award.pk
            form.instance._state.adding = False
        for formset in formsets:
            if isinstance(formset, ContributionFormSet):
                # Written by the service above; the admin's change message reads these.
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            else:
                formset.instance = form.instance
                self.save_formset(request, form, formset, change=change)


@admin.register(Contribution)
class ContributionAdmin(
    SearchByTableMixin, EditConflictAdminMixin, SpreadsheetExportMixin, SimpleHistoryAdmin
):
    """Read only: a contribution is changed with its award (its page or its import), where
    the split is checked against the amount."""

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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)
