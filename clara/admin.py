from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from clara.admin_base import BoundedInlineMixin, SpreadsheetImportExportMixin
from clara.keyfigures_admin import KeyFigureFilter
from clara.models import Organisation, Person, Site, Team, TeamCensus, User
from clara.resources import (
    OrganisationResource,
    PersonResource,
    TeamCensusResource,
    TeamResource,
)


class UserCreationForm(AdminUserCreationForm):
    """Create an account from an e-mail address (the login), with or without a password."""

    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("Un compte utilise déjà cette adresse e-mail."), code="unique"
            )
        return email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        others = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(
                _("Un compte utilise déjà cette adresse e-mail."), code="unique"
            )
        return email


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name")}),
        (
            _("Droits"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    date_hierarchy = "date_joined"


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Organisation)
class OrganisationAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [OrganisationResource]
    list_display = (
        "name", "acronym", "kind", "site", "parent", "city", "siren",
        "develops_oncology_products",
    )
    list_filter = ("kind", "site", "develops_oncology_products", KeyFigureFilter)
    list_select_related = ("site", "parent")
    search_fields = ("name", "acronym", "city", "siren", "siret", "ror", "rnsr")
    autocomplete_fields = ("parent",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("name", "acronym", "kind", "site", "parent", "city", "website")}),
        (_("Identifiants"), {"fields": ("siren", "siret", "ror", "rnsr")}),
        (
            _("Activité"),
            {"fields": ("develops_oncology_products", "active_from", "active_until")},
        ),
    )


class TeamCensusInline(BoundedInlineMixin, admin.TabularInline):
    model = TeamCensus
    extra = 1
    fields = ("year", "researchers", "doctoral_students", "health_professionals")


@admin.register(Team)
class TeamAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [TeamResource]
    list_display = ("name", "kind", "organisation", "site", "leader", "last_census_year")
    list_filter = ("kind", "site")
    list_select_related = ("organisation", "site", "leader")
    search_fields = ("name", "organisation__name", "organisation__acronym", "leader__last_name")
    autocomplete_fields = ("organisation", "leader")
    inlines = [TeamCensusInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(last_census_year=Max("censuses__year"))

    @admin.display(description=_("dernier recensement"), ordering="last_census_year")
    def last_census_year(self, obj):
        return obj.last_census_year


@admin.register(TeamCensus)
class TeamCensusAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [TeamCensusResource]
    list_display = (
        "team", "organisation", "site", "year", "researchers", "doctoral_students",
        "health_professionals",
    )
    list_filter = ("year", "team__site", "team__kind", KeyFigureFilter)
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
class PersonAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [PersonResource]
    list_display = ("last_name", "first_name", "kind", "organisation", "team", "email", "orcid")
    list_filter = ("kind", "organisation__site")
    list_select_related = ("organisation", "team")
    search_fields = ("last_name", "first_name", "email", "orcid", "organisation__name")
    autocomplete_fields = ("organisation", "team", "user")
