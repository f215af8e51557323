"""Spreadsheet import/export of the network: organisations, teams and their census, people
(conventions in clara/admin_helpers.py)."""

from import_export import fields

from clara.admin_helpers import LookupWidget, SpreadsheetResource, lookup_field
from clara.network.models import Organisation, Person, Site, Team, TeamCensus


class OrganisationResource(SpreadsheetResource):
    """Organisations, keyed by name and site (their uniqueness rule); the site is named by
    its identifier (slug), the parent organisation by its name."""

    site = lookup_field("site", "site (identifiant)", Site, "slug")
    parent = lookup_field("parent", "organisation de tutelle (nom)", Organisation, "name")

    class Meta:
        model = Organisation
        import_id_fields = ("name", "site")
        fields = (
            "name", "acronym", "kind", "site", "parent", "city", "website", "siren", "siret",
            "ror", "rnsr", "develops_oncology_products", "active_from", "active_until",
        )
        export_order = fields

    export_select_related = ("site", "parent")


class OrganisationByNameWidget(LookupWidget):
    """An organisation named by its name; where two share a name, the row's site column (if
    any) tells them apart."""

    def __init__(self, site_column: str | None = None, **kwargs):
        super().__init__(Organisation, field="name", **kwargs)
        self.site_column = site_column

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = Organisation.objects.all()
        if self.site_column and row and row.get(self.site_column):
            queryset = queryset.filter(site__slug=row[self.site_column])
        return queryset


class TeamResource(SpreadsheetResource):
    """Teams, keyed by name and organisation (their uniqueness rule). The leader is named by
    ORCID iD."""

    organisation = fields.Field(
        attribute="organisation", column_name="organisation (nom)",
        widget=OrganisationByNameWidget(site_column="site (identifiant)"),
    )
    site = lookup_field("site", "site (identifiant)", Site, "slug")
    leader = lookup_field("leader", "responsable (ORCID)", Person, "orcid")

    class Meta:
        model = Team
        import_id_fields = ("name", "organisation")
        fields = ("name", "kind", "organisation", "site", "leader")
        export_order = fields

    export_select_related = ("organisation", "site", "leader")


class TeamByNameWidget(LookupWidget):
    """A team named by its name within the organisation of the row's organisation column."""

    def __init__(self, organisation_column: str, **kwargs):
        super().__init__(Team, field="name", **kwargs)
        self.organisation_column = organisation_column

    def get_queryset(self, value, row, *args, **kwargs):
        return Team.objects.filter(organisation__name=(row or {}).get(self.organisation_column))


class TeamCensusResource(SpreadsheetResource):
    """A team's yearly headcounts, keyed by team name + organisation name + year."""

    team = fields.Field(
        attribute="team", column_name="équipe (nom)",
        widget=TeamByNameWidget(organisation_column="organisation (nom)"),
    )
    organisation = fields.Field(
        attribute="team__organisation__name", column_name="organisation (nom)", readonly=True
    )
    site = fields.Field(attribute="team__site__name", column_name="site", readonly=True)

    class Meta:
        model = TeamCensus
        import_id_fields = ("team", "year")
        fields = (
            "team", "organisation", "site", "year", "researchers", "doctoral_students",
            "health_professionals",
        )
        export_order = fields

    export_select_related = ("team__organisation", "team__site")


class PersonResource(SpreadsheetResource):
    """People. A row with an ORCID iD updates the person with that iD; a row without one
    always creates a person (names are not unique). The organisation is named by its name."""

    organisation = fields.Field(
        attribute="organisation", column_name="organisation (nom)",
        widget=OrganisationByNameWidget(),
    )

    class Meta:
        model = Person
        import_id_fields = ("orcid",)
        fields = ("first_name", "last_name", "kind", "email", "orcid", "organisation")
        export_order = fields

    def get_instance(self, instance_loader, row):
        if not row.get(self.fields["orcid"].column_name):
            return None
        return super().get_instance(instance_loader, row)

    export_select_related = ("organisation",)
