from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html, format_html_join
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
from clara.formatting import format_euros
from funding.models import Award, CompanyInvestment, Contribution, Disbursement, Funder
from funding.resources import (
    AwardResource,
    CompanyInvestmentResource,
    ContributionResource,
    FunderResource,
)
from funding.services import (
    award_check,
    award_record,
    award_update,
    disbursement_check,
    disbursement_pay,
    disbursement_plan,
)


@admin.register(Funder)
class FunderAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [FunderResource]
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


class DisbursementInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    """The award's tranches, read only here: a tranche is planned on its own page and paid by
    the action of the tranches' list (the services check the award's and funders' limits)."""

    model = Disbursement
    extra = 0
    can_delete = False
    fields = ("funder", "amount", "condition", "condition_details", "due_on", "status",
              "paid_on")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("funder")

    def has_add_permission(self, request, obj=None):
        return False


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
        "contributions_total_euros", "split_complete", "paid_euros", "remaining_euros",
        "decided_at", "agreement_signed_on",
    )
    list_filter = (
        "application__call__programme", year_filter("decided_at"), SplitFilter,
    )
    list_select_related = ("application__call__programme",)
    search_fields = (
        "application__reference", "application__acronym", "application__title",
    )
    autocomplete_fields = ("application",)
    inlines = [ContributionInline, CompanyInvestmentInline, DisbursementInline]
    readonly_fields = ("disbursement_summary",)
    amount_euros = euros_column("amount", _("montant"))
    contributions_total_euros = euros_column("contributions_total", _("total des contributions"))
    paid_euros = euros_column("paid_total", _("versé"))

    @admin.display(description=_("reste à verser"))
    def remaining_euros(self, obj):
        return format_euros(obj.amount - obj.paid_total)

    @admin.display(description=_("versements"))
    def disbursement_summary(self, obj):
        """Paid, planned and remaining, for the award and for each funder (two queries)."""
        if not obj.pk:
            return "—"
        rows = award_disbursement_summary(obj)
        lines = format_html_join(
            "", "<tr><td>{}</td><td class='numeric'>{}</td><td class='numeric'>{}</td>"
            "<td class='numeric'>{}</td><td class='numeric'>{}</td></tr>",
            ((row["label"], format_euros(row["committed"]), format_euros(row["paid"]),
              format_euros(row["planned"]), format_euros(row["to_pay"])) for row in rows),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>{}</tbody></table><p><a href='{}?award={}'>{}</a></p>",
            _("financeur"), _("montant"), _("versé"), _("prévu"), _("reste à verser"), lines,
            reverse("admin:funding_disbursement_add"), obj.pk, _("Prévoir un versement"),
        )

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return (
            super().get_queryset(request)
            .select_related(*self.list_select_related)
            .with_contributions_total()
            .with_disbursed()
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
class CompanyInvestmentAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, SimpleHistoryAdmin):
    resource_classes = [CompanyInvestmentResource]
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


def award_disbursement_summary(award: Award) -> list[dict]:
    """The award's row then one per funder: committed, paid, planned and left to pay."""
    from django.db.models import Q, Sum

    zero = Decimal("0")
    tranches = {row["funder_id"]: row for row in Disbursement.objects.filter(award=award)
                .values("funder_id").annotate(
                    paid=Sum("amount", filter=Q(status=Disbursement.Status.PAID)),
                    planned=Sum("amount", filter=Q(status=Disbursement.Status.PLANNED)))
                .order_by()}

    def row(label, committed, funder_id=None, every=False):
        found = list(tranches.values()) if every else [tranches.get(funder_id) or {}]
        paid = sum((r.get("paid") or zero for r in found), zero)
        planned = sum((r.get("planned") or zero for r in found), zero)
        return {"label": label, "committed": committed, "paid": paid, "planned": planned,
                "to_pay": committed - paid}

    rows = [row(_("Financement"), award.amount, every=True)]
    for contribution in award.contributions.select_related("funder").order_by("funder__name"):
        rows.append(row(str(contribution.funder), contribution.amount, contribution.funder_id))
    return rows


class DisbursementForm(forms.ModelForm):
    class Meta:
        model = Disbursement
        fields = ("award", "funder", "amount", "condition", "condition_details", "due_on")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("award") and cleaned.get("amount"):
            try:
                disbursement_check(award=cleaned["award"], amount=cleaned["amount"],
                                   funder=cleaned.get("funder"))
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return cleaned


class PayActionForm(ActionForm):
    paid_on = forms.DateField(label=_("Versé le"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(Disbursement)
class DisbursementAdmin(SearchByTableMixin, EditConflictAdminMixin, SimpleHistoryAdmin):
    """Tranches are planned here (`disbursement_plan`) and paid by the action "Marquer comme
    versés" (`disbursement_pay`); a paid tranche is never changed nor deleted."""

    form = DisbursementForm
    action_form = PayActionForm
    actions = ["mark_paid"]
    list_display = ("award", "funder", "amount_euros", "condition", "due_on", "status",
                    "paid_on")
    list_filter = ("status", "condition", "funder", "award__application__call__programme",
                   year_filter("paid_on"))
    list_select_related = ("award__application", "funder")
    search_fields = ("award__application__reference", "award__application__acronym",
                     "funder__name")
    autocomplete_fields = ("award", "funder")
    amount_euros = euros_column("amount", _("montant"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("award", "funder", "amount", "condition", "condition_details", "due_on",
                "status", "paid_on")

    def has_change_permission(self, request, obj=None):
        # The list's action pays planned tranches; a tranche's page is read only.
        return super().has_change_permission(request, obj) and obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = disbursement_plan(
            award=data["award"], funder=data.get("funder"), amount=data["amount"],
            condition=data["condition"], condition_details=data.get("condition_details", ""),
            due_on=data.get("due_on"), by=request.user,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    @admin.action(description=_("Marquer comme versés (date ci-dessus)"),
                  permissions=["change"])
    @transaction.atomic
    def mark_paid(self, request, queryset):
        """All the selected tranches are paid, or none (the refusals are listed)."""
        try:
            paid_on = forms.DateField().clean(request.POST.get("paid_on", ""))
        except ValidationError:
            self.message_user(request, _("Indiquez la date du versement."), messages.ERROR)
            return
        refused = []
        savepoint = transaction.savepoint()
        for tranche in queryset.select_related("award__application").order_by("pk"):
            try:
                disbursement_pay(disbursement=tranche, paid_on=paid_on, by=request.user)
            except ValidationError as error:
                refused.append(f"{tranche} : {' '.join(error.messages)}")
        if refused:
            transaction.savepoint_rollback(savepoint)
            self.message_user(request, _("Aucun versement n'a été enregistré. %(refused)s")
                              % {"refused": " ; ".join(refused)}, messages.ERROR)
            return
        transaction.savepoint_commit(savepoint)
        self.message_user(request, _("Versements enregistrés."), messages.SUCCESS)
