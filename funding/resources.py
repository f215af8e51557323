"""Spreadsheet import/export of awards and their split between funders (see
clara/admin_helpers.py for the conventions shared by every resource).

An award is imported with its split, in one row: the "répartition" column lists the funders
and their shares ("Institut National du Cancer : 20000 ; Ligue 38 : 5000"), and the row goes
through `award_record` / `award_update`, so the split adds up to the amount and the call's
envelope holds, or the row is an error and nothing of the file is written. Contributions on
their own are exported only.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from import_export import fields, widgets

from clara.admin_helpers import DecimalWidget, SpreadsheetResource, lookup_field
from funding.models import Award, Contribution, Funder
from funding.services import award_record, award_update
from programmes.models import Application

SPLIT_SEPARATOR = ";"


class SplitWidget(widgets.Widget):
    """An award's contributions as "funder name : amount ; funder name : amount"."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        parts = [part.strip() for part in text.split(SPLIT_SEPARATOR) if part.strip()]
        names, split = [], {}
        for part in parts:
            name, colon, amount = part.rpartition(":")
            if not colon or not name.strip():
                raise ValueError(gettext(
                    "« %(part)s » : écrivez « financeur : montant », séparés par « ; »."
                ) % {"part": part})
            names.append((name.strip(), DecimalWidget().clean(amount.strip())))
        funders = {f.name.casefold(): f for f in Funder.objects.filter(
            name__in=[name for name, _a in names])}
        # Names are matched without regard to case; one query for the whole cell.
        if len(funders) < len({n.casefold() for n, _a in names}):
            funders = {f.name.casefold(): f for f in Funder.objects.all()}
        for name, amount in names:
            funder = funders.get(name.casefold())
            if funder is None:
                raise ValueError(gettext("Aucun financeur ne s'appelle « %(name)s ».")
                                 % {"name": name})
            if funder in split:
                raise ValueError(gettext("Le financeur « %(name)s » figure deux fois.")
                                 % {"name": name})
            split[funder] = amount
        return split

    def render(self, value, obj=None, **kwargs):
        if obj is None or obj.pk is None:
            return ""
        return f" {SPLIT_SEPARATOR} ".join(
            f"{c.funder.name} : {c.amount}"
            for c in sorted(obj.contributions.all(), key=lambda c: c.funder.name)
        )


class AwardResource(SpreadsheetResource):
    """Awards with their split, keyed by the reference of their application (one award per
    application). The contributions total is exported for checking and ignored on import."""

    application = lookup_field("application", "demande (référence)", Application, "reference")
    programme = fields.Field(
        attribute="application__call__programme__name", column_name="programme", readonly=True
    )
    title = fields.Field(attribute="application__title", column_name="titre", readonly=True)
    split = fields.Field(
        attribute="pk", column_name="répartition (financeur : montant ; …)",
        widget=SplitWidget(), readonly=True,
    )
    contributions_total = fields.Field(
        attribute="contributions_total", column_name="total des contributions (€)",
        readonly=True, widget=DecimalWidget(),
    )

    class Meta:
        model = Award
        import_id_fields = ("application",)
        fields = (
            "application", "programme", "title", "amount", "split", "contributions_total",
            "decided_at", "agreement_signed_on", "notes",
        )
        export_order = fields

    export_select_related = ("application__call__programme",)

    def get_queryset(self):
        return super().get_queryset().with_contributions_total().prefetch_related(
            "contributions__funder"
        )

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).prefetch_related(
            "contributions__funder"
        )

    def export_field(self, field, instance, **kwargs):
        if field is self.fields["split"]:
            return field.widget.render(None, obj=instance)
        return super().export_field(field, instance, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        column = self.fields["split"].column_name
        try:
            instance._imported_split = self.fields["split"].widget.clean(row.get(column))
        except ValueError as error:
            errors["contributions"] = [str(error)]
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        # The split is a read-only column for import-export's comparison: a row whose only
        # change is its split is not unchanged (it was skipped, and the change lost).
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        split = getattr(instance, "_imported_split", None)
        if split is None or instance.pk is None:
            return True
        stored = dict(Contribution.objects.filter(award_id=instance.pk).values_list(
            "funder_id", "amount"))
        return {funder.pk: amount for funder, amount in split.items()} == stored

    def save_instance(self, instance, is_create, row, **kwargs):
        split = instance._imported_split
        if split is None:
            # An empty cell keeps the split the award has (none for a new award).
            split = {c.funder: c.amount for c in Contribution.objects.filter(
                award_id=instance.pk).select_related("funder")} if instance.pk else {}
        values = {
            "amount": instance.amount if instance.amount is not None else Decimal("0"),
            "decided_at": instance.decided_at,
            "agreement_signed_on": instance.agreement_signed_on, "notes": instance.notes,
            "contributions": split, "by": kwargs.get("user"),
        }
        if is_create:
            award = award_record(application=instance.application, **values)
            instance.pk = award.pk
            instance._state.adding = False
        else:
            award_update(award=instance, **values)


class ContributionResource(SpreadsheetResource):
    """One funder's share of an award, keyed by the application reference and the funder's
    name. Export only: contributions are imported with their award (AwardResource)."""

    award = lookup_field(
        "award", "demande (référence)", Award, "application__reference"
    )
    funder = lookup_field("funder", "financeur (nom)", Funder, "name")

    class Meta:
        model = Contribution
        import_id_fields = ("award", "funder")
        fields = ("award", "funder", "amount")
        export_order = fields

    export_select_related = ("award__application", "funder")

    def import_instance(self, instance, row, **kwargs):
        raise ValidationError(gettext(
            "Les contributions s'importent avec leur financement : colonne « répartition » de "
            "l'import des financements."
        ))


# --- Added for the history loader (issue 11: `manage.py import_records`) -------------------

from clara.network.models import Site  # noqa: E402
from clara.network.resources import (  # noqa: E402
    KeysWidget,
    LinksResource,
    OrganisationByNameWidget,
)
from funding.models import CompanyInvestment  # noqa: E402
from programmes.models import Call, InnovationDomain  # noqa: E402


class FunderResource(SpreadsheetResource):
    """Funders, keyed by their name; their organisation (if any) by its name."""

    organisation = fields.Field(
        attribute="organisation", column_name="organisation (nom)",
        widget=OrganisationByNameWidget(),
    )

    class Meta:
        model = Funder
        import_id_fields = ("name",)
        fields = ("name", "short_name", "kind", "organisation")
        export_order = fields

    export_select_related = ("organisation",)


class CallLinksResource(LinksResource):
    """The co-funders, innovation domains and eligible sites of calls, keyed by the call's
    identifier (written after the calls)."""

    slug = fields.Field(attribute="slug", column_name="appel (identifiant)")
    cofunders = fields.Field(
        attribute="cofunders", column_name="cofinanceurs (noms ; …)",
        widget=KeysWidget(Funder, field="name"),
    )
    domains = fields.Field(
        attribute="domains", column_name="domaines d'innovation (identifiants ; …)",
        widget=KeysWidget(InnovationDomain, field="slug"),
    )
    sites = fields.Field(
        attribute="sites", column_name="sites éligibles (identifiants ; …)",
        widget=KeysWidget(Site, field="slug"),
    )

    class Meta:
        model = Call
        import_id_fields = ("slug",)
        fields = ("slug", "cofunders", "domains", "sites")
        export_order = fields

    export_prefetch_related = ("cofunders", "domains", "sites")


class ContributionRecordsResource(ContributionResource):
    """Contributions as the history loader reads them: they are written with their award
    (the "répartition" column of the awards sheet); here each row is checked against the
    award's split, and a row that differs is an error."""

    class Meta(ContributionResource.Meta):
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            SpreadsheetResource.import_instance(self, instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not errors and instance.pk is None:
            errors["funder"] = [gettext(
                "Ce financeur n'a pas de contribution dans la répartition de ce financement "
                "(colonne « répartition » de la feuille des financements)."
            )]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        errors.setdefault("amount", []).append(gettext(
            "Ce montant diffère de la répartition du financement (colonne « répartition » de "
            "la feuille des financements) : les contributions s'importent avec leur "
            "financement."
        ))
        raise ValidationError(errors)


class CompanyInvestmentResource(SpreadsheetResource):
    """A partner company's planned investment beside an award, keyed by the application's
    reference and the company's name."""

    award = lookup_field("award", "demande (référence)", Award, "application__reference")
    company = fields.Field(
        attribute="company", column_name="entreprise (nom)", widget=OrganisationByNameWidget(),
    )

    class Meta:
        model = CompanyInvestment
        import_id_fields = ("award", "company")
        fields = ("award", "company", "planned_amount")
        export_order = fields

    export_select_related = ("award__application", "company")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        from clara.spreadsheets.records import company_investment_check

        errors = dict(import_validation_errors or {})
        if instance.company_id:
            try:
                company_investment_check(investment=instance)
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        super().validate_instance(instance, errors, validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        from clara.spreadsheets.records import record_save

        record_save(instance, by=kwargs.get("user"))

