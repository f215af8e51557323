from django.contrib import admin
from django.db import models
from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from clara.admin_edit_conflicts import EditConflictAdminMixin
from clara.admin_helpers import (
    BoundedInlineMixin,
    SpreadsheetExportMixin,
    SpreadsheetImportExportMixin,
)
from clara.network.models import Organisation, Person, Site, Team, TeamCensus
from clara.network.resources import (
    OrganisationResource,
    PersonResource,
    SiteResource,
    TeamCensusResource,
    TeamResource,
)


@admin.register(Site)
class SiteAdmin(EditConflictAdminMixin, SpreadsheetExportMixin, admin.ModelAdmin):
    resource_classes = [SiteResource]
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Organisation)
class OrganisationAdmin(EditConflictAdminMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [OrganisationResource]
    list_display = (
        "name", "acronym", "kind", "site", "parent", "city", "siren",
        "develops_oncology_products",
    )
    list_filter = ("kind", "site", "develops_oncology_products")
    list_select_related = ("site", "parent")
    search_fields = ("name", "acronym", "city", "siren", "siret", "rna", "ror", "rnsr")
    autocomplete_fields = ("parent",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("name", "acronym", "kind", "site", "parent", "city", "website")}),
        (_("Identifiants"), {"fields": ("siren", "siret", "rna", "ror", "rnsr")}),
        (
            _("Activité"),
            {"fields": ("develops_oncology_products", "active_from", "active_until")},
        ),
    )


class TeamCensusInline(EditConflictAdminMixin, BoundedInlineMixin, admin.TabularInline):
    model = TeamCensus
    extra = 1
    fields = ("year", "researchers", "doctoral_students", "health_professionals")


@admin.register(Team)
class TeamAdmin(EditConflictAdminMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [TeamResource]
    list_display = ("name", "kind", "organisation", "site", "leader", "last_census_year")
    list_filter = ("kind", "site")
    list_select_related = ("organisation", "site", "leader")
    search_fields = ("name", "organisation__name", "organisation__acronym", "leader__last_name")
    autocomplete_fields = ("organisation", "leader")
    inlines = [TeamCensusInline]

    def get_queryset(self, request):
        # A subquery per listed team (index on team, year), not a Max over the join of every
        # team with its censuses (0.6 s at national scale).
        last_year = (
            TeamCensus.objects.filter(team=OuterRef("pk")).order_by().values("team")
            .annotate(last=Max("year")).values("last")
        )
        return super().get_queryset(request).annotate(last_census_year=Subquery(last_year))

    @admin.display(description=_("dernier recensement"), ordering="last_census_year")
    def last_census_year(self, obj):
        return obj.last_census_year


@admin.register(TeamCensus)
class TeamCensusAdmin(EditConflictAdminMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [TeamCensusResource]
    list_display = (
        "team", "organisation", "site", "year", "researchers", "doctoral_students",
        "health_professionals",
    )
    list_filter = ("year", "team__site", "team__kind")
    list_select_related = ("team__organisation", "team__site")
    search_fields = ("team__name", "team__organisation__name")
    autocomplete_fields = ("team",)

    @admin.display(description=_("organisation"), ordering="team__organisation__name")
    def organisation(self, obj):
        return obj.team.organisation

    @admin.display(description=_("site"), ordering="team__site__position")
    def site(self, obj):
        return obj.team.site

    def get_queryset(self, request):
        # __str__ follows a foreign key, also in autocomplete results. The changelist
        # ignores list_select_related once the queryset selects related rows: pass it.
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(Person)
class PersonAdmin(EditConflictAdminMixin, SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [PersonResource]
    list_display = (
        "last_name", "first_name", "kind", "organisation", "team", "email", "orcid",
        "public_consent_on",
    )
    list_filter = ("kind", "organisation__site", ("public_consent_on", admin.EmptyFieldListFilter))
    list_select_related = ("organisation", "team")
    search_fields = ("last_name", "first_name", "email", "orcid", "organisation__name")
    autocomplete_fields = ("organisation", "team", "user")
