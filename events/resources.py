"""Spreadsheet import/export of events (see clara/resources.py for the conventions shared
by every resource)."""

from import_export import fields

from clara.admin_helpers import SpreadsheetResource, lookup_field
from clara.network.models import Organisation, Site
from events.models import Event
from funding.models import Award


class EventResource(SpreadsheetResource):
    """Events, keyed by title and start date (events have no identifier of their own); the
    site by its identifier, the organiser by name, the subsidy by the reference of the
    application it answered."""

    site = lookup_field("site", "site (identifiant)", Site, "slug")
    organiser = lookup_field("organiser", "organisateur (nom)", Organisation, "name")
    award = lookup_field("award", "subvention (référence de la demande)", Award,
                         "application__reference")
    subsidy = fields.Field(
        attribute="award__amount", column_name="montant de la subvention (€)", readonly=True
    )

    class Meta:
        model = Event
        import_id_fields = ("title", "start_date")
        fields = (
            "title", "kind", "role", "start_date", "end_date", "site", "venue", "participants",
            "organiser", "award", "subsidy", "is_international", "description",
        )
        export_order = fields

    export_select_related = ("site", "organiser", "award__application")
