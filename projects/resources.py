"""Spreadsheet import/export of funded projects (see clara/resources.py for the conventions
shared by every resource)."""

from import_export import fields

from clara.admin_helpers import SpreadsheetResource, lookup_field
from clara.network.models import Site
from funding.models import Award
from projects.models import FundedProject


class FundedProjectResource(SpreadsheetResource):
    """Funded projects, keyed by the reference of the application their award funds; the
    site by its identifier."""

    award = lookup_field("award", "demande (référence)", Award, "application__reference")
    programme = fields.Field(
        attribute="award__application__call__programme__name", column_name="programme",
        readonly=True,
    )
    site = lookup_field("site", "site (identifiant)", Site, "slug")

    class Meta:
        model = FundedProject
        import_id_fields = ("award",)
        fields = (
            "award", "programme", "name", "site", "start_date", "end_date", "public_summary",
        )
        export_order = fields

    export_select_related = ("award__application__call__programme", "site")
