"""Spreadsheet import/export of the network: organisations, teams and their census, people
(conventions in clara/admin_helpers.py)."""

import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext
from import_export import fields

from clara.admin_helpers import LookupWidget, SpreadsheetResource, lookup_field
from clara.network.models import Organisation, Person, Site, Team, TeamCensus
from clara.spreadsheets.resources import chunks

_ORCID_SHAPE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dXx]$")


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

    def lookup_key(self, value, row):
        site = (row.get(self.site_column) or None) if self.site_column else None
        return (str(value).strip(), site)

    def prefetch_queryset(self, keys):
        return Organisation.objects.filter(name__in={name for name, _s in keys}).select_related(
            "site"
        )

    def index_keys(self, obj):
        keys = [(obj.name, None)]
        if obj.site_id:
            keys.append((obj.name, obj.site.slug))
        return keys


class PersonByOrcidOrEmailWidget(LookupWidget):
    """A person named by ORCID iD (preferred: unique and checked) or, for people without
    one, by e-mail address (which must then match exactly one person)."""

    def __init__(self, **kwargs):
        super().__init__(Person, field="orcid", **kwargs)

    def get_lookup_kwargs(self, value, row, **kwargs):
        kind, key = self.lookup_key(value, row)
        return {"orcid": key} if kind == "orcid" else {"email__iexact": key}

    def lookup_key(self, value, row):
        value = str(value).strip()
        if _ORCID_SHAPE.match(value):
            return ("orcid", value.upper())
        if "@" in value:
            return ("email", value.lower())
        raise ValueError(
            gettext("« %(value)s » n'est ni un ORCID iD ni une adresse e-mail.")
            % {"value": value}
        )

    def prefetch_queryset(self, keys):
        orcids = [key for kind, key in keys if kind == "orcid"]
        emails = [key for kind, key in keys if kind == "email"]
        return Person.objects.annotate(_email=Lower("email")).filter(
            Q(orcid__in=orcids) | Q(_email__in=emails)
        )

    def index_keys(self, obj):
        keys = [("orcid", obj.orcid)] if obj.orcid else []
        return keys + ([("email", obj.email.lower())] if obj.email else [])

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value.orcid or value.email


class TeamResource(SpreadsheetResource):
    """Teams, keyed by name and organisation (their uniqueness rule). The leader is named by
    ORCID iD or, without one, by e-mail address."""

    organisation = fields.Field(
        attribute="organisation", column_name="organisation (nom)",
        widget=OrganisationByNameWidget(site_column="site (identifiant)"),
    )
    site = lookup_field("site", "site (identifiant)", Site, "slug")
    leader = fields.Field(
        attribute="leader", column_name="responsable (ORCID ou e-mail)",
        widget=PersonByOrcidOrEmailWidget(),
    )

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

    def lookup_key(self, value, row):
        return (str(value).strip(), str(row.get(self.organisation_column) or ""))

    def prefetch_queryset(self, keys):
        return Team.objects.filter(name__in={name for name, _o in keys}).select_related(
            "organisation"
        )

    def index_keys(self, obj):
        return [(obj.name, obj.organisation.name)]


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
    """People, keyed by ORCID iD; a row without one names a person without ORCID iD by
    e-mail address (any case) or, without an e-mail, by first name, last name and
    organisation (any case), so that an exported file imports back unchanged. The
    organisation is named by its name."""

    organisation = fields.Field(
        attribute="organisation", column_name="organisation (nom)",
        widget=OrganisationByNameWidget(),
    )

    class Meta:
        model = Person
        import_id_fields = ("orcid",)
        fields = (
            "first_name", "last_name", "kind", "email", "orcid", "organisation",
            "public_consent_on",
        )
        export_order = fields

    export_select_related = ("organisation",)

    def row_key(self, row):
        orcid = row.get(self.fields["orcid"].column_name)
        if orcid:
            return ("orcid", str(orcid).strip().upper())
        email = str(row.get(self.fields["email"].column_name) or "").strip()
        if email:
            return ("email", email.lower())
        column = self.fields["organisation"].column_name
        organisation = None
        if row.get(column):
            try:
                organisation = self.fields["organisation"].clean(row)
            except ValueError as error:
                raise ValidationError({"organisation": str(error)}) from None
        return (
            "name",
            str(row.get(self.fields["first_name"].column_name) or "").strip().lower(),
            str(row.get(self.fields["last_name"].column_name) or "").strip().lower(),
            organisation.pk if organisation else None,
        )

    def existing_instances(self, rows):
        keys = set()
        for row in rows:
            try:
                keys.add(self.row_key(row))
            except ValidationError:
                continue
        orcids = [k[1] for k in keys if k[0] == "orcid"]
        emails = [k[1] for k in keys if k[0] == "email"]
        last_names = [k[2] for k in keys if k[0] == "name"]
        people = defaultdict(list)
        for values in (orcids, emails, last_names):
            for chunk in chunks(values):
                queryset = Person.objects.annotate(
                    _email=Lower("email"), _last_name=Lower("last_name")
                ).filter(
                    Q(orcid__in=chunk) if values is orcids
                    else Q(orcid="", _email__in=chunk) if values is emails
                    else Q(orcid="", _last_name__in=chunk)
                )
                for person in queryset.select_related("organisation"):
                    for key in self._keys_of(person):
                        if person not in people[key]:
                            people[key].append(person)
        return people

    @staticmethod
    def _keys_of(person):
        if person.orcid:
            return [("orcid", person.orcid.upper())]
        keys = [("name", person.first_name.strip().lower(), person.last_name.strip().lower(),
                 person.organisation_id)]
        if person.email:
            keys.append(("email", person.email.lower()))
        return keys

    def get_instance(self, instance_loader, row):
        key = self.row_key(row)
        self._check_not_repeated(key)
        instances = self._instances
        if instances is None:  # called outside import_data: look this row up alone
            instances = self.existing_instances([row])
        matches = instances.get(key, [])
        if len(matches) > 1:
            raise ValidationError(gettext(
                "Plusieurs personnes sans ORCID iD correspondent à cette ligne (même adresse "
                "e-mail, ou mêmes nom, prénom et organisation) : indiquez l'ORCID iD ou "
                "l'adresse e-mail qui la distingue."
            ))
        return matches[0] if matches else None
