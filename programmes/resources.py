"""Spreadsheet import/export of calls and applications (see clara/resources.py for the
conventions shared by every resource)."""

import re

from django.utils.translation import gettext
from import_export import fields

from clara.accounts.models import User
from clara.admin_helpers import ChoiceWidget, LookupWidget, SpreadsheetResource, lookup_field
from clara.network.models import Person
from programmes.models import Application, Call, InnovationDomain, Programme, Track

_ORCID_SHAPE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dXx]$")


class TrackWidget(LookupWidget):
    """An entry key named by its label or code ("Blanc", "thematise"), within the programme
    of the row's programme column."""

    def __init__(self, programme_column: str, **kwargs):
        super().__init__(Track, field="code", **kwargs)
        self.programme_column = programme_column
        self.codes = ChoiceWidget(Track.Code.choices)

    def clean(self, value, row=None, **kwargs):
        return super().clean(self.codes.clean(value), row, **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        return Track.objects.filter(programme__slug=(row or {}).get(self.programme_column))

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.get_code_display()


class CaseInsensitiveLookupWidget(LookupWidget):
    def get_lookup_kwargs(self, value, row, **kwargs):
        return {f"{self.field}__iexact": value}


class PersonByOrcidOrEmailWidget(LookupWidget):
    """A person named by ORCID iD (preferred: unique and checked) or, for people without
    one, by e-mail address (which must then match exactly one person)."""

    def __init__(self, **kwargs):
        super().__init__(Person, field="orcid", **kwargs)

    def get_lookup_kwargs(self, value, row, **kwargs):
        value = str(value).strip()
        if _ORCID_SHAPE.match(value):
            return {"orcid": value.upper()}
        if "@" in value:
            return {"email__iexact": value}
        raise ValueError(
            gettext("« %(value)s » n'est ni un ORCID iD ni une adresse e-mail.")
            % {"value": value}
        )

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value.orcid or value.email


class CallResource(SpreadsheetResource):
    """Calls, keyed by their identifier (slug); the programme by its identifier, the entry
    key by its label or code."""

    programme = lookup_field("programme", "programme (identifiant)", Programme, "slug")
    track = fields.Field(
        attribute="track", column_name="clef d'entrée",
        widget=TrackWidget(programme_column="programme (identifiant)"),
    )

    class Meta:
        model = Call
        import_id_fields = ("slug",)
        fields = (
            "slug", "title", "programme", "track", "year", "theme", "opens_at", "closes_at",
            "budget", "description", "eligibility_rules",
        )
        export_order = fields

    export_select_related = ("programme", "track")


class ApplicationResource(SpreadsheetResource):
    """Applications, keyed by reference. The call is named by its identifier, the applicant
    (an account) by e-mail, the principal investigator by ORCID iD or else e-mail, the
    innovation domain by its identifier. The scientific content is not exported: it is
    unpublished research and stays in the application."""

    call = lookup_field("call", "appel (identifiant)", Call, "slug")
    programme = fields.Field(
        attribute="call__programme__name", column_name="programme", readonly=True
    )
    applicant = fields.Field(
        attribute="applicant", column_name="déposant (e-mail)",
        widget=CaseInsensitiveLookupWidget(User, field="email"),
    )
    principal_investigator = fields.Field(
        attribute="principal_investigator",
        column_name="porteur ou porteuse (ORCID ou e-mail)",
        widget=PersonByOrcidOrEmailWidget(),
    )
    domain = lookup_field("domain", "domaine d'innovation (identifiant)", InnovationDomain, "slug")

    class Meta:
        model = Application
        import_id_fields = ("reference",)
        fields = (
            "reference", "call", "programme", "acronym", "title", "applicant",
            "principal_investigator", "domain", "requested_amount", "status", "submitted_at",
            "lay_summary",
        )
        export_order = fields

    export_select_related = ("call__programme", "applicant", "principal_investigator", "domain")
