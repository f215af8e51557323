"""The base resource and widgets of every spreadsheet (django-import-export).

Conventions of every resource:
- columns are headed by the French field labels; related rows are named by a natural key
  (a slug, a name, an e-mail, a reference), never by a database id;
- rows are matched to existing records by their natural key (`import_id_fields`), so a file
  exported, edited and imported again updates the same rows, and an unchanged file changes
  nothing; two rows of one file naming the same key are a row error;
- every imported row goes through the model's `full_clean()` (SIREN, ORCID… validators,
  constraints), and rows that change a rule-bound record go through the app's service: a
  bad row gets a French error and nothing of the file is written;
- a file whose headers are not the resource's columns is refused with the list of expected
  columns; control characters are refused (tab and line breaks are allowed in long texts);
- choices are written as their French label and read back from label or code; booleans as
  "oui"/"non" and read back from oui/non, vrai/faux, 1/0, true/false, yes/no;
- text cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR)
  are exported with a leading apostrophe, which is stripped again on import; number cells
  are never touched;
- related records named in a file are looked up for the whole file at once (one query per
  column and per thousand values, not one per row), and so are the existing records.
"""

import re
from collections import defaultdict
from decimal import InvalidOperation

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, ForeignKey, Q
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.translation import gettext
from import_export import fields, resources, widgets
from import_export.results import Error

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Unambiguous formats only: never the US month/day order that Django's defaults accept.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    "%Y-%m-%d", "%d/%m/%Y",
)
_SPACES = {ord(c): None for c in " \u00a0\u202f€"}
# C0 and C1 control characters and DEL; tab, LF and CR are allowed in long texts only.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# SQLite refuses more than 32 766 parameters in a query (999 before 3.32).
LOOKUP_CHUNK = 900


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


def normalise_cell(value):
    value = unescape_formula(value)
    return value.strip() if isinstance(value, str) else value


def chunks(values):
    values = list(values)
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Unsupported(Exception):
    pass


_COMPARISONS = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "in": lambda a, b: a in b,
}


def _field_value(instance, name, exclude):
    field = instance._meta.get_field(name)
    if not getattr(field, "concrete", False) or field.many_to_many:
        raise _Unsupported
    if field.name in exclude or field.attname in exclude:
        raise LookupError  # the constraint is skipped, as Django skips it
    return getattr(instance, field.attname)


def _evaluate(condition, instance, exclude):
    """A check constraint's condition on `instance`, in Python, with SQL's three values
    (True, False, None for unknown). Raises _Unsupported for anything but comparisons,
    `in` and `isnull` of the model's own fields against constants or F() of other fields."""
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_evaluate(child, instance, exclude))
            continue
        lookup, expected = child
        name, _sep, operator = lookup.partition("__")
        operator = operator or "exact"
        if "__" in operator or (operator not in _COMPARISONS and operator != "isnull"):
            raise _Unsupported
        value = _field_value(instance, name, exclude)
        if isinstance(expected, F):
            expected = _field_value(instance, expected.name, exclude)
        elif hasattr(expected, "resolve_expression"):
            raise _Unsupported
        if operator == "isnull":
            results.append((value is None) == bool(expected))
        elif value is None or expected is None:
            results.append(None)
        else:
            results.append(bool(_COMPARISONS[operator](value, expected)))
    if condition.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    else:
        result = True if True in results else (None if None in results else False)
    if condition.negated and result is not None:
        result = not result
    return result


def validate_constraints(instance, exclude=()) -> None:
    """`instance.validate_constraints(exclude)`, with check constraints evaluated in Python
    where their condition allows it (one database round trip fewer per constraint and row);
    unique constraints and other conditions are asked of the database as Django does."""
    exclude = set(exclude)
    errors = {}
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            try:
                if isinstance(constraint, models.CheckConstraint):
                    try:
                        verdict = _evaluate(Q(constraint.condition), instance, exclude)
                    except LookupError:
                        continue
                    except (_Unsupported, FieldDoesNotExist, TypeError):
                        constraint.validate(model_class, instance, exclude=exclude)
                        continue
                    if verdict is False:
                        raise ValidationError(
                            constraint.get_violation_error_message(),
                            code=constraint.violation_error_code,
                        )
                else:
                    constraint.validate(model_class, instance, exclude=exclude)
            except ValidationError as error:
                if getattr(error, "code", None) == "unique" and len(
                    getattr(constraint, "fields", ())
                ) == 1:
                    errors.setdefault(constraint.fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


class HeaderError(ValueError):
    """The file's header row does not match the resource's columns (French message)."""


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key named by a natural field; unknown or ambiguous values are row errors
    (in French) rather than crashes.

    Before an import the resource hands the widget every cell of its column (`prefetch`):
    the matching records are then read in one query per thousand values and each row's
    lookup is a dictionary access. Subclasses whose lookup depends on other cells of the row
    override `lookup_key`, `prefetch_queryset` and `index_keys` together."""

    _index = None

    def lookup_key(self, value, row):
        return str(value).strip()

    def prefetch_queryset(self, keys):
        return self.model._default_manager.filter(**{f"{self.field}__in": keys})

    def index_keys(self, obj):
        value = obj
        for part in self.field.split("__"):
            value = getattr(value, part, None)
        return [str(value)]

    def prefetch(self, rows, column):
        keys = set()
        for row in rows:
            value = row.get(column)
            if not _empty(value):
                try:
                    keys.add(self.lookup_key(value, row))
                except ValueError:
                    continue  # the row's own clean() reports it
        index = defaultdict(list)
        seen = set()
        for chunk in chunks(keys):
            # A subclass's query may be wider than its chunk (teams by name alone, then
            # filed by name and organisation): a record found by two chunks is filed once,
            # or it would look ambiguous with itself.
            for obj in self.prefetch_queryset(chunk):
                if obj.pk in seen:
                    continue
                seen.add(obj.pk)
                for key in self.index_keys(obj):
                    index[key].append(obj)
        self._index = index

    def clean(self, value, row=None, **kwargs):
        if self._index is not None:
            if _empty(value):
                return None
            matches = self._index.get(self.lookup_key(value, row or {}), [])
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise self._ambiguous(value)
            raise self._unknown(value)
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise self._unknown(value) from None
        except self.model.MultipleObjectsReturned:
            raise self._ambiguous(value) from None

    def _unknown(self, value):
        return ValueError(
            gettext("Aucun(e) %(model)s ne correspond à « %(value)s ».")
            % {"model": self.model._meta.verbose_name, "value": value}
        )

    def _ambiguous(self, value):
        return ValueError(
            gettext("Plusieurs %(model)s correspondent à « %(value)s ».")
            % {"model": self.model._meta.verbose_name_plural, "value": value}
        )


class CaseInsensitiveLookupWidget(LookupWidget):
    """A foreign key named by a field compared without regard to case (an e-mail)."""

    def get_lookup_kwargs(self, value, row, **kwargs):
        return {f"{self.field}__iexact": value}

    def lookup_key(self, value, row):
        return str(value).strip().lower()

    def prefetch_queryset(self, keys):
        return self.model._default_manager.annotate(_key=Lower(self.field)).filter(
            _key__in=keys
        )

    def index_keys(self, obj):
        return [str(getattr(obj, self.field)).lower()]


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


class BooleanWidget(widgets.Widget):
    """Written "oui"/"non"; read from oui/non, vrai/faux, 1/0, true/false, yes/no (any
    case, spaces trimmed). Anything else is a row error, never a silent False."""

    TRUE = frozenset({"oui", "vrai", "1", "true", "yes"})
    FALSE = frozenset({"non", "faux", "0", "false", "no"})

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        text = "" if value is None else str(value).strip().casefold()
        if not text:
            return None
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(
            gettext("« %(value)s » n'est pas une réponse oui/non (oui, non, vrai, faux, 1, 0).")
            % {"value": value}
        )

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "oui" if value else "non"


class ChoiceWidget(widgets.Widget):
    """A choice written as its French label, read back from its label or its code."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = [(str(code), label) for code, label in choices]
        self._known = {}

    def _lookups(self):
        language = translation.get_language()
        if language not in self._known:
            with translation.override(None):
                source = {str(label).casefold(): code for code, label in self.choices}
            labels = {str(label).casefold(): code for code, label in self.choices}
            codes = {code.casefold(): code for code, _ in self.choices}
            self._known[language] = {**source, **labels, **codes}
        return self._known[language]

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return ""
        code = self._lookups().get(text.casefold())
        if code is not None:
            return code
        raise ValueError(
            gettext("« %(value)s » n'est pas un choix possible (%(choices)s).")
            % {"value": text, "choices": ", ".join(str(label) for _, label in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        for code, label in self.choices:
            if str(value) == code:
                return str(label)
        return "" if value is None else str(value)


class ReadableDiff(resources.Diff):
    """The import preview's cells: a changed value reads "old → new" (the old struck
    through, the new underlined, by classes of static/css/clara-import.css), an unchanged
    one as it is. django-import-export's own diff styles its ins/del inline, which our
    Content-Security-Policy blocks, so that "45 → 55" read "455"."""

    def as_html(self):
        cells = []
        for old, new in zip(self.left, self.right, strict=False):
            old = "" if old is None else force_str(old)
            new = "" if new is None else force_str(new)
            if self.new or old == new:
                cells.append(format_html("{}", new))
            else:
                cells.append(format_html(
                    '<del class="diff-old">{}</del> → <ins class="diff-new">{}</ins>',
                    old or "—", new or "—",
                ))
        return cells


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

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._instances = None
        self._first_row_of_key = {}
        self._current_row = None
        self.progress = kwargs.get("progress")

    @classmethod
    def get_diff_class(cls):
        return ReadableDiff

    # --- Headers ------------------------------------------------------------------------

    def expected_columns(self) -> list[str]:
        """Every column the resource reads or writes, in export order."""
        columns = [str(field.column_name) for field in self.get_export_fields()]
        for field in self.fields.values():
            if str(field.column_name) not in columns:
                columns.append(str(field.column_name))
        return columns

    def key_columns(self) -> list[str]:
        return [str(self.fields[name].column_name) for name in self.get_import_id_fields()]

    def check_headers(self, headers) -> None:
        """Raises `HeaderError` (French, listing the expected columns) when the header row
        names a column the resource does not know, names one twice, or lacks a key column."""
        expected = self.expected_columns()
        given = [str(h).strip() for h in headers or [] if not _empty(h)]
        problems = []
        unknown = [h for h in given if h not in expected]
        if unknown:
            problems.append(gettext("colonnes inconnues : %(columns)s")
                            % {"columns": ", ".join(f"« {h} »" for h in unknown)})
        twice = sorted({h for h in given if given.count(h) > 1})
        if twice:
            problems.append(gettext("colonnes en double : %(columns)s")
                            % {"columns": ", ".join(f"« {h} »" for h in twice)})
        missing = [h for h in self.key_columns() if h not in given]
        if missing:
            problems.append(gettext("colonnes de la clef manquantes : %(columns)s")
                            % {"columns": ", ".join(f"« {h} »" for h in missing)})
        if problems:
            raise HeaderError(
                gettext("L'en-tête du fichier ne correspond pas à cet import (%(problems)s). "
                        "Colonnes attendues : %(expected)s.")
                % {"problems": " ; ".join(problems),
                   "expected": ", ".join(f"« {h} »" for h in expected)}
            )

    # --- Import -------------------------------------------------------------------------

    def import_data(self, dataset, **kwargs):
        # A row that breaks a rule is a row error and nothing of the file is written, whoever
        # calls the import (the admin, a command, a task, a test).
        kwargs["rollback_on_validation_errors"] = True
        if dataset.headers:
            dataset.headers = [
                h.strip() if isinstance(h, str) else h for h in dataset.headers
            ]
        try:
            self.check_headers(dataset.headers)
        except HeaderError as error:
            result = self.get_result_class()()
            result.diff_headers = self.get_diff_headers()
            result.total_rows = len(dataset)
            result.append_base_error(HeaderErrorResult(error))
            return result
        self._first_row_of_key = {}
        return super().import_data(dataset, **kwargs)

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        rows = [
            {h: normalise_cell(v) for h, v in zip(dataset.headers, values, strict=False)}
            for values in dataset
        ]
        self.prefetch(rows)

    def prefetch(self, rows):
        """Look up, for the whole file at once, the related records its columns name and
        the existing records its keys name."""
        for field in self.fields.values():
            if isinstance(field.widget, LookupWidget) and any(
                field.column_name in row for row in rows[:1]
            ):
                field.widget.prefetch(rows, field.column_name)
        self._instances = self.existing_instances(rows)

    def _key_attributes(self):
        return [self.fields[name].attribute for name in self.get_import_id_fields()]

    def _normalise_key_value(self, value):
        return value.pk if isinstance(value, models.Model) else value

    def row_key(self, row):
        """The row's natural key as a tuple (related records by primary key), or None when
        a key column is missing. Raises ValidationError for a key naming nothing."""
        values, errors = [], {}
        for name in self.get_import_id_fields():
            field = self.fields[name]
            if field.column_name not in row:
                return None
            try:
                values.append(self._normalise_key_value(field.clean(row)))
            except ValueError as error:
                errors[field.attribute] = ValidationError(str(error))
        if errors:
            raise ValidationError(errors)
        return tuple(values)

    def instance_key(self, obj):
        model = self._meta.model
        values = []
        for attribute in self._key_attributes():
            field = model._meta.get_field(attribute)
            values.append(getattr(obj, field.attname))
        return tuple(values)

    def existing_instances(self, rows):
        """The existing records named by the rows' keys, by key (None: look up per row)."""
        keys = set()
        for row in rows:
            try:
                key = self.row_key(row)
            except ValidationError:
                continue
            if key is not None:
                keys.add(key)
        instances = {}
        if not keys:
            return instances
        attributes = self._key_attributes()
        first, *others = attributes
        firsts = sorted({key[0] for key in keys}, key=repr)
        for chunk in chunks(firsts):
            condition = self._in_condition(first, chunk)
            for position, attribute in enumerate(others, start=1):
                condition &= self._in_condition(
                    attribute, {key[position] for key in keys if key[0] in set(chunk)}
                )
            for obj in self.get_queryset().filter(condition):
                instances.setdefault(self.instance_key(obj), obj)
        return instances

    @staticmethod
    def _in_condition(attribute, values):
        values = set(values)
        condition = Q(**{f"{attribute}__in": [v for v in values if v is not None]})
        if None in values:
            condition |= Q(**{f"{attribute}__isnull": True})
        return condition

    def get_instance(self, instance_loader, row):
        """The existing record whose natural key the row names, or None. A key naming an
        unknown related record, or the key of an earlier row of the file, is a row error."""
        key = self.row_key(row)
        if key is None:
            return None
        self._check_not_repeated(key)
        if self._instances is not None:
            return self._instances.get(key)
        params = dict(zip(self._key_attributes(), key, strict=True))
        try:
            return self.get_queryset().get(**params)
        except self._meta.model.DoesNotExist:
            return None
        except self._meta.model.MultipleObjectsReturned:
            raise ValidationError(
                gettext("Plusieurs lignes existantes correspondent à cette clef.")
            ) from None

    def _check_not_repeated(self, key):
        first = self._first_row_of_key.setdefault(key, self._current_row)
        if first != self._current_row:
            raise ValidationError(
                gettext("Cette ligne a la même clef (%(columns)s) que la ligne %(line)s du "
                        "fichier : une seule ligne par enregistrement.")
                % {"columns": ", ".join(self.key_columns()), "line": first}
            )

    def before_import_row(self, row, **kwargs):
        self._current_row = kwargs.get("row_number")
        errors = {}
        for column, value in row.items():
            value = normalise_cell(value)
            row[column] = value
            if isinstance(value, str) and _CONTROL_OR_BREAK.search(value):
                field = self._field_of_column(column)
                pattern = _CONTROL if self._is_long_text(field) else _CONTROL_OR_BREAK
                if pattern.search(value):
                    name = field.attribute if field and field.attribute else column
                    errors[name] = ValidationError(gettext(
                        "Cette cellule contient un caractère de contrôle (invisible) : "
                        "retirez-le (les tabulations et retours à la ligne ne sont admis "
                        "que dans les textes longs)."
                    ))
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Model.full_clean(), except that related records found by the file-wide look-up
        are not queried again one by one (they exist); unique and other constraints are
        all checked."""
        errors = dict(import_validation_errors or {})
        looked_up = {
            field.attribute for field in self.fields.values()
            if isinstance(field.widget, LookupWidget) and field.widget._index is not None
            and field.attribute
        }
        steps = [
            lambda exclude: instance.clean_fields(exclude=exclude | looked_up),
            lambda exclude: instance.clean(),
        ]
        # A new row's key was looked up with the whole file and is not in the database.
        proven_new = (
            set(self._key_attributes()) if instance.pk is None and self._instances is not None
            else set()
        )
        if validate_unique:
            steps.append(lambda exclude: instance.validate_unique(exclude=exclude | proven_new))
        steps.append(lambda exclude: validate_constraints(instance, exclude))
        for step in steps:
            try:
                step(set(errors))
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        if self.progress is not None:
            self.progress(kwargs.get("row_number"))

    def _field_of_column(self, column):
        for field in self.fields.values():
            if field.column_name == column:
                return field
        return None

    def _is_long_text(self, field) -> bool:
        if field is None or not field.attribute or "__" in field.attribute:
            return False
        try:
            model_field = self._meta.model._meta.get_field(field.attribute)
        except Exception:  # noqa: BLE001 - not a model field: a computed column
            return False
        return isinstance(model_field, models.TextField)

    # --- Export and widgets -------------------------------------------------------------

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
        elif isinstance(django_field, models.BooleanField):
            field.widget = BooleanWidget()
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


class HeaderErrorResult(Error):
    """A file-level error with its French message and no traceback to show."""

    def __init__(self, error):
        super().__init__(error)
        self.traceback = ""


def lookup_field(attribute: str, column_name: str, model, field: str, **kwargs):
    """A foreign key column named by `field` of `model`."""
    return fields.Field(
        attribute=attribute, column_name=column_name, widget=LookupWidget(model, field=field),
        **kwargs,
    )


__all__ = [
    "DATE_FORMATS", "DATETIME_FORMATS", "FORMULA_TRIGGERS", "BooleanWidget",
    "CaseInsensitiveLookupWidget", "ChoiceWidget", "DecimalWidget", "HeaderError",
    "IntegerWidget", "LookupWidget", "ReadableDiff", "SpreadsheetResource",
    "escape_formula", "lookup_field", "unescape_formula",
]
