"""Spreadsheet import/export (django-import-export) of the network: organisations, teams and
their census, people. `SpreadsheetResource` is the base of every resource of the project.

Conventions of every resource:
- columns are headed by the French field labels; related rows are named by a natural key
  (a slug, a name, an e-mail, a reference), never by a database id;
- rows are matched to existing records by their natural key (`import_id_fields`), so a file
  exported, edited and imported again updates the same rows;
- every imported row goes through the model's `full_clean()` (SIREN, ORCID… validators,
  constraints): a bad row gets a French error and nothing is written;
- choices are written as their French label and read back from label or code;
- text cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR)
  are exported with a leading apostrophe, which is stripped again on import; number cells
  are never touched.
"""

from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import ForeignKey
from django.utils import translation
from django.utils.translation import gettext
from import_export import fields, resources, widgets

from clara.models import Organisation, Person, Site, Team, TeamCensus

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Unambiguous formats only: never the US month/day order that Django's defaults accept.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    "%Y-%m-%d", "%d/%m/%Y",
)
_SPACES = {ord(c): None for c in " \u00a0\u202f€"}


def escape_formula(value):
    """`value` with a leading apostrophe if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def unescape_formula(value):
    """Undo `escape_formula` for a cell read back from a file we exported."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in (
        FORMULA_TRIGGERS
    ):
        return value[1:]
    return value


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key named by a natural field; unknown or ambiguous values are row errors
    (in French) rather than crashes."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                gettext("Aucun(e) %(model)s ne correspond à « %(value)s ».")
                % {"model": self.model._meta.verbose_name, "value": value}
            ) from None
        except self.model.MultipleObjectsReturned:
            raise ValueError(
                gettext("Plusieurs %(model)s correspondent à « %(value)s ».")
                % {"model": self.model._meta.verbose_name_plural, "value": value}
            ) from None


class _FrenchNumberMixin:
    """Numbers written the French way ("14 350,50 €") are read too; a cell that is not a
    number is a row error, not a crash."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.translate(_SPACES)
        try:
            # The cells are read as French numbers whatever the language of the admin user
            # ("14350.50" reads the same in both).
            with translation.override("fr"):
                return super().clean(value, row, **kwargs)
        except (InvalidOperation, ValueError):
            raise ValueError(
                gettext("« %(value)s » n'est pas un nombre.") % {"value": value}
            ) from None


class DecimalWidget(_FrenchNumberMixin, widgets.DecimalWidget):
    pass


class IntegerWidget(_FrenchNumberMixin, widgets.IntegerWidget):
    pass


class ChoiceWidget(widgets.Widget):
    """A choice written as its French label, read back from its label or its code."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = [(str(code), label) for code, label in choices]

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return ""
        with translation.override(None):
            source_labels = {str(label).casefold(): code for code, label in self.choices}
        labels = {str(label).casefold(): code for code, label in self.choices}
        codes = {code: code for code, _ in self.choices}
        for known in (codes, labels, source_labels):
            if text in known or text.casefold() in known:
                return known.get(text) or known[text.casefold()]
        raise ValueError(
            gettext("« %(value)s » n'est pas un choix possible (%(choices)s).")
            % {"value": text, "choices": ", ".join(str(label) for _, label in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        for code, label in self.choices:
            if str(value) == code:
                return str(label)
        return "" if value is None else str(value)


class SpreadsheetResource(resources.ModelResource):
    """Base of every resource (see the module docstring)."""

    # Related rows the columns show: joined on export, also when the admin hands over its
    # changelist queryset, so an export costs the same few queries whatever its size.
    export_select_related: tuple[str, ...] = ()

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.export_select_related:
            queryset = queryset.select_related(*self.export_select_related)
        return queryset

    def filter_export(self, queryset, **kwargs):
        queryset = super().filter_export(queryset, **kwargs)
        if self.export_select_related:
            queryset = queryset.select_related(*self.export_select_related)
        return queryset

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        # The French source label: the same columns whatever the language of the request.
        with translation.override(None):
            field.column_name = str(django_field.verbose_name)
        widget = field.widget
        if django_field.choices and not isinstance(django_field, ForeignKey):
            field.widget = ChoiceWidget(django_field.flatchoices)
        elif type(widget) is widgets.DecimalWidget:
            field.widget = DecimalWidget()
        elif type(widget) is widgets.IntegerWidget:
            field.widget = IntegerWidget()
        elif isinstance(widget, widgets.DateTimeWidget):
            widget.formats = DATETIME_FORMATS
        elif isinstance(widget, widgets.DateWidget):
            widget.formats = DATE_FORMATS
        return field

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, widgets.NumberWidget):
            return value
        return escape_formula(value)

    def before_import_row(self, row, **kwargs):
        for column, value in row.items():
            value = unescape_formula(value)
            row[column] = value.strip() if isinstance(value, str) else value

    def get_instance(self, instance_loader, row):
        """The existing record whose natural key the row names, or None. A key naming an
        unknown related record is a row error, not a crash."""
        params, errors = {}, {}
        for name in self.get_import_id_fields():
            field = self.fields[name]
            if field.column_name not in row:
                return None
            try:
                params[field.attribute] = field.clean(row)
            except ValueError as error:
                errors[field.attribute] = ValidationError(str(error))
        if errors:
            raise ValidationError(errors)
        try:
            return self.get_queryset().get(**params)
        except self._meta.model.DoesNotExist:
            return None
        except self._meta.model.MultipleObjectsReturned:
            raise ValidationError(
                gettext("Plusieurs lignes existantes correspondent à cette clef.")
            ) from None


def lookup_field(attribute: str, column_name: str, model, field: str, **kwargs):
    """A foreign key column named by `field` of `model`."""
    return fields.Field(
        attribute=attribute, column_name=column_name, widget=LookupWidget(model, field=field),
        **kwargs,
    )


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
