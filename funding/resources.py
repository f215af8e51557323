"""Spreadsheet import/export of awards and their split between funders (see
clara/resources.py for the conventions shared by every resource)."""

from import_export import fields

from clara.admin_helpers import DecimalWidget, SpreadsheetResource, lookup_field
from funding.models import Award, Contribution, Funder
from programmes.models import Application


class AwardResource(SpreadsheetResource):
    """Awards, keyed by the reference of their application (one award per application).
    The contributions total is exported for checking and ignored on import."""

    application = lookup_field("application", "demande (référence)", Application, "reference")
    programme = fields.Field(
        attribute="application__call__programme__name", column_name="programme", readonly=True
    )
    title = fields.Field(attribute="application__title", column_name="titre", readonly=True)
    contributions_total = fields.Field(
        attribute="contributions_total", column_name="total des contributions (€)",
        readonly=True, widget=DecimalWidget(),
    )

    class Meta:
        model = Award
        import_id_fields = ("application",)
        fields = (
            "application", "programme", "title", "amount", "contributions_total",
            "decided_at", "agreement_signed_on", "notes",
        )
        export_order = fields

    export_select_related = ("application__call__programme",)

    def get_queryset(self):
        return super().get_queryset().with_contributions_total()


class ContributionResource(SpreadsheetResource):
    """One funder's share of an award, keyed by the application reference and the funder's
    name."""

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
