"""Spreadsheet import/export of the network: organisations, teams and their census, people
(conventions in clara/admin_helpers.py)."""

import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext
from import_export import fields, widgets

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
            "name", "acronym", "kind", "site", "parent", "city", "website", "siren", "siret", "rna",
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


# --- Added for the history loader (issue 11: `manage.py import_records`) -------------------


def date_key(value) -> str:
    """A date cell (a date, a date-time, "2024-03-05" or "05/03/2024") as "2024-03-05", to
    match rows that name a record by a date; the text as it is if it is not a date."""
    import datetime

    from clara.spreadsheets.resources import DATE_FORMATS

    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value or "").strip()
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date().isoformat()
        except ValueError:
            continue
    return text


class PrefetchingResource(SpreadsheetResource):
    """A resource whose many-to-many columns are read for the whole export at once."""

    export_prefetch_related: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.prefetch_related(*self.export_prefetch_related)

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).prefetch_related(
            *self.export_prefetch_related
        )


class KeysWidget(widgets.ManyToManyWidget):
    """A many-to-many column: the related records' natural keys separated by " ; ". Every
    key must name exactly one record (an unknown key is a row error, never dropped)."""

    separator = ";"

    def __init__(self, model, field, **kwargs):
        super().__init__(model, separator=self.separator, field=field, **kwargs)

    def key_of(self, obj) -> str:
        value = obj
        for part in self.field.split("__"):
            value = getattr(value, part, None)
        return str(value)

    def normalise(self, key: str) -> str:
        return key

    def candidates(self, keys):
        return self.model._default_manager.filter(**{f"{self.field}__in": keys})

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value)
        keys = [part.strip() for part in text.split(self.separator) if part.strip()]
        if not keys:
            return []
        wanted = [self.normalise(key) for key in keys]
        found = defaultdict(list)
        for chunk in chunks(set(wanted)):
            for obj in self.candidates(chunk):
                found[self.normalise(self.key_of(obj))].append(obj)
        objects, unknown = [], []
        for key, normalised in zip(keys, wanted, strict=True):
            matches = found.get(normalised, [])
            if len(matches) != 1:
                unknown.append(key)
            elif matches[0] not in objects:
                objects.append(matches[0])
        if unknown:
            raise ValueError(
                gettext("Aucun(e) %(model)s ne correspond à : %(keys)s.")
                % {"model": self.model._meta.verbose_name,
                   "keys": ", ".join(f"« {key} »" for key in unknown)}
            )
        return objects

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return f" {self.separator} ".join(sorted(self.key_of(o) for o in value.all()))


class PeopleKeysWidget(KeysWidget):
    """People named by ORCID iD or, without one, e-mail address."""

    def __init__(self, **kwargs):
        super().__init__(Person, field="orcid", **kwargs)

    def key_of(self, obj) -> str:
        return obj.orcid or obj.email

    def normalise(self, key: str) -> str:
        return key.upper() if _ORCID_SHAPE.match(key) else key.lower()

    def candidates(self, keys):
        return Person.objects.annotate(_email=Lower("email")).filter(
            Q(orcid__in=keys) | Q(_email__in=keys)
        )


TEAM_SEPARATOR = " @ "


class TeamKeysWidget(KeysWidget):
    """Teams named "team name @ organisation name"."""

    def __init__(self, **kwargs):
        super().__init__(Team, field="name", **kwargs)

    def key_of(self, obj) -> str:
        return f"{obj.name}{TEAM_SEPARATOR}{obj.organisation.name}"

    def normalise(self, key: str) -> str:
        name, _sep, organisation = key.partition("@")
        return f"{name.strip()}{TEAM_SEPARATOR}{organisation.strip()}"

    def candidates(self, keys):
        names = {key.partition(TEAM_SEPARATOR)[0] for key in keys}
        return Team.objects.filter(name__in=names).select_related("organisation")


class SiteResource(SpreadsheetResource):
    """The network's sites, keyed by their identifier (slug)."""

    class Meta:
        model = Site
        import_id_fields = ("slug",)
        fields = ("slug", "name", "position")
        export_order = fields


class LinksResource(PrefetchingResource):
    """The many-to-many columns of records written by an earlier sheet, keyed by the
    record's natural key: a row naming no record is an error; a row changes the links only
    (written by import-export's `save_m2m` after `save_instance`)."""

    def import_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            name = self.get_import_id_fields()[0]
            raise ValidationError({self.fields[name].attribute: gettext(
                "Aucun(e) %(model)s ne correspond à « %(value)s »."
            ) % {"model": self._meta.model._meta.verbose_name,
                 "value": row.get(self.fields[name].column_name)}})
        super().import_instance(instance, row, **kwargs)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Nothing but the links changes."""


class SameSheetLookupWidget(LookupWidget):
    """A reference to a record of the same sheet (an organisation's parent): a value not
    found by the file-wide look-up is looked up again when its row comes, by which time an
    earlier row of the sheet may have created it."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            if self._index is None or _empty_cell(value):
                raise
            matches = list(self.prefetch_queryset([self.lookup_key(value, row or {})])[:2])
            if len(matches) != 1:
                raise
            return matches[0]


def _empty_cell(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class OrganisationRecordsResource(OrganisationResource):
    """Organisations as the history loader reads them: a parent organisation may be a row
    of the same sheet (the loader puts parents' rows first)."""

    parent = fields.Field(attribute="parent", column_name="organisation de tutelle (nom)",
                          widget=SameSheetLookupWidget(Organisation, field="name"))

    # (column naming the parent, column of the key it names): the loader's row order.
    same_sheet_reference = ("organisation de tutelle (nom)", "nom")

    class Meta(OrganisationResource.Meta):
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
