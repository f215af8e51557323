"""Shared building blocks of the apps' admin modules and spreadsheet resources.

Admin: spreadsheet import/export restricted to CSV and XLSX, euro columns, a year filter
listing the years present, inlines whose query count does not grow with their rows. The
refusal of a stale save (QUALITY.md scenario 12) is in clara/admin_edit_conflicts.py.

Spreadsheets (django-import-export), conventions of every resource:
- columns are headed by the French field labels; related rows are named by a natural key
  (a slug, a name, an e-mail, a reference), never by a database id;
- rows are matched to existing records by their natural key (`import_id_fields`), so a file
  exported, edited and imported again updates the same rows;
- every imported row goes through the model's `full_clean()` (SIREN, ORCID… validators,
  constraints), and rows that change a rule-bound record go through the app's service: a
  bad row gets a French error and nothing of the file is written;
- choices are written as their French label and read back from label or code;
- text cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR)
  are exported with a leading apostrophe, which is stripped again on import; number cells
  are never touched.
"""

from decimal import InvalidOperation

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey
from django.db.models.functions import ExtractYear
from django.forms.models import BaseInlineFormSet
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

from clara.formatting import format_euros

# --- Admin ---------------------------------------------------------------------------

class ColumnLabelledExportForm(SelectableFieldsExportForm):
    """The export form's field checkboxes labelled by the (French) column names, not by the
    English attribute names."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return str(field.column_name) if field else field_name


class SpreadsheetImportExportMixin(ImportExportMixin):
    """Import (with its dry-run preview and row-level errors) and export, CSV and XLSX only."""

    formats = (base_formats.CSV, base_formats.XLSX)
    export_form_class = ColumnLabelledExportForm


class SpreadsheetExportMixin(ExportMixin):
    """Export only (CSV, XLSX): for records written with another record, through its service
    (an award's contributions are imported with the award)."""

    formats = (base_formats.CSV, base_formats.XLSX)
    export_form_class = ColumnLabelledExportForm


def euros_column(attribute: str, description, ordering: str | None = None):
    """A `list_display` column showing `attribute` (a `__` path) as "14 350 €"."""

    @admin.display(description=description, ordering=ordering or attribute)
    def column(*args):
        # Called as column(obj) from list_display, or bound as a ModelAdmin attribute.
        value = args[-1]
        for part in attribute.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return "—"
        return format_euros(value)

    column.__name__ = f"{attribute}_euros"
    return column


def year_filter(field_path: str, title=None):
    """A list filter "Année" offering the years present in `field_path` (date or datetime,
    years taken in the current time zone, Europe/Paris), most recent first."""

    class YearFilter(admin.SimpleListFilter):
        parameter_name = f"{field_path}_year"

        def lookups(self, request, model_admin):
            years = (
                model_admin.model._default_manager.annotate(_year=ExtractYear(field_path))
                .filter(_year__isnull=False)
                .values_list("_year", flat=True)
                .distinct()
                .order_by("-_year")
            )
            return [(str(year), str(year)) for year in years]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{f"{field_path}__year": self.value()})
            return queryset

    YearFilter.title = title or _("année")
    YearFilter.__name__ = f"YearFilter_{field_path}"
    return YearFilter


class KnownChoicesAutocompleteSelect(AutocompleteSelect):
    """An autocomplete select that renders its current value from a label it was given
    instead of querying for it (Django queries once per inline row)."""

    known_choices: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if self.known_choices is None or not selected <= self.known_choices.keys():
            return super().optgroups(name, value, attr)
        default = (None, [], 0)
        if not self.is_required:
            default[1].append(self.create_option(name, "", "", False, 0))
        for option_value in sorted(selected):
            default[1].append(
                self.create_option(
                    name, option_value, self.known_choices[option_value], selected,
                    len(default[1]),
                )
            )
        return [default]


class BoundedInlineFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.pk is None:
            return form
        # Each row's title is its __str__, which often names the parent: give it the parent
        # already loaded rather than one query per row.
        self.fk.set_cached_value(form.instance, self.instance)
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if isinstance(widget, KnownChoicesAutocompleteSelect):
                # Loaded by the inline's select_related: no query.
                related = getattr(form.instance, name, None)
                if related is not None:
                    widget.known_choices = {str(related.pk): field.label_from_instance(related)}
        return form


class BoundedInlineMixin:
    """An inline whose number of queries does not grow with its rows.

    Django renders every inline row on its own: its title (`__str__`, often naming the
    parent) loads the parent again, an autocomplete select queries its current value, a
    plain select queries all its choices. Here rows reuse the parent already loaded, the
    inline's queryset joins the autocomplete targets and the rows' widgets reuse those
    objects, and plain selects compute their choices once per request.
    """

    formset = BoundedInlineFormSet

    def _foreign_keys(self):
        return [f for f in self.model._meta.get_fields() if isinstance(f, ForeignKey)]

    def get_queryset(self, request):
        autocomplete = set(self.get_autocomplete_fields(request))
        related = [f.name for f in self._foreign_keys() if f.name in autocomplete]
        queryset = super().get_queryset(request)
        return queryset.select_related(*related) if related else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = KnownChoicesAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and db_field.name not in self.raw_id_fields:
            cache = request.__dict__.setdefault("_clara_inline_choices", {})
            key = (self.model._meta.label, db_field.name)
            if key not in cache:
                limit = db_field.get_limit_choices_to()
                if limit:
                    formfield.queryset = formfield.queryset.complex_filter(limit)
                cache[key] = list(formfield.choices)
            formfield.choices = cache[key]
        return formfield


# --- Spreadsheets ------------------------------------------------------------------------

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

    def import_data(self, dataset, **kwargs):
        # A row that breaks a rule is a row error and nothing of the file is written, whoever
        # calls the import (the admin, a command, a test).
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, **kwargs)

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


