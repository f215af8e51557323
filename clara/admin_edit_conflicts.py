"""The admin refuses a stale save (QUALITY.md scenario 12), for every model and inline row.

When a change page is displayed, each form (the record's and each inline row's) carries a
hidden `edit_version`: a signed fingerprint (HMAC with the project's secret key) of the row's
stored field values and of the many-to-many values the form edits. When the page is saved, the
row is read again under `select_for_update` (PostgreSQL; SQLite serialises writers) and its
fingerprint compared with the one the page was built from. Another person's save in between
makes them differ: the second save is refused with a French message and nothing of the page is
written, so the first change is kept.

The record's own form is always checked (the admin writes every field back). An inline row is
checked only when the page would write it (changed or marked for deletion): a row nobody
touched is never written, whatever happened to it meanwhile.

No column and no history is needed, so every model gets it the same way: each ModelAdmin and
inline class of the project lists `EditConflictAdminMixin` first among its bases (a test goes
through `admin.site._registry` and fails when one does not). The changelist's editable columns
(`list_editable`) are guarded the same way, row by row (templates/admin/change_list_results.html
puts each row's fingerprint in the page).
"""

from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

VERSION_FIELD = "edit_version"

STALE_RECORD_MESSAGE = _(
    "Ce dossier a été modifié par une autre personne depuis que vous l'avez ouvert. Vos "
    "modifications n'ont pas été enregistrées : rechargez la page pour voir la version "
    "actuelle."
)
STALE_ROW_MESSAGE = _(
    "Cette ligne a été modifiée ou supprimée par une autre personne depuis que vous avez "
    "ouvert la page. Vos modifications n'ont pas été enregistrées : rechargez la page pour "
    "voir la version actuelle."
)


def stored_version(instance, many_to_many: dict[str, Iterable]) -> str:
    """The signed fingerprint of `instance`'s field values (as loaded from the database) and
    of `many_to_many` (field name → related primary keys)."""
    opts = instance._meta
    values = [opts.label, str(instance.pk)]
    values += [(field.attname, field.value_to_string(instance)) for field in
               opts.concrete_fields]
    values += [(name, sorted(str(pk) for pk in pks)) for name, pks in
               sorted(many_to_many.items())]
    return salted_hmac(
        "clara.admin_edit_conflicts.version", repr(values), algorithm="sha256"
    ).hexdigest()


class EditVersionField(forms.CharField):
    """The hidden fingerprint. It never counts as a change of the form."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def has_changed(self, initial, data):
        return False


class EditConflictFormMixin:
    """Mixed into an admin form: puts the fingerprint in the form when it is displayed and
    refuses the save when the stored row no longer matches it."""

    # Set by the inline formset: a row is checked only when the page would write it.
    edit_version_row = False
    # Set for a page that shows other values than the stored ones (a history version to
    # revert to): the fingerprint is then read from the database.
    edit_version_from_database = False
    edit_conflict = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound or self.instance.pk is None:
            return
        if self.edit_version_from_database:
            self.initial[VERSION_FIELD] = self._stored_version(lock=False)
        else:
            self.initial[VERSION_FIELD] = stored_version(
                self.instance, self._many_to_many_shown()
            )

    def _many_to_many_names(self) -> list[str]:
        return [
            field.name for field in self.instance._meta.many_to_many if field.name in self.fields
        ]

    def _many_to_many_shown(self) -> dict[str, list]:
        # The form's initial values were read with the instance: no extra query.
        return {
            name: [getattr(value, "pk", value) for value in self.initial.get(name) or ()]
            for name in self._many_to_many_names()
        }

    def _stored_version(self, *, lock: bool) -> str | None:
        """The fingerprint of the row as stored now (None if it is gone); with `lock`, the row
        stays locked until the transaction ends."""
        model = type(self.instance)
        rows = model._base_manager.select_for_update() if lock else model._base_manager.all()
        try:
            stored = rows.get(pk=self.instance.pk)
        except model.DoesNotExist:
            return None
        many_to_many = {
            name: getattr(stored, name).values_list("pk", flat=True)
            for name in self._many_to_many_names()
        }
        return stored_version(stored, many_to_many)

    def edit_version_is_stale(self) -> bool:
        """Whether the stored row differs from the one this form was built from (the row is
        locked until the admin's transaction ends)."""
        if self.instance.pk is None or VERSION_FIELD not in self.fields:
            return False
        if self.edit_version_row and not self.has_changed():
            return False
        stored = self._stored_version(lock=True)
        seen = self.cleaned_data.get(VERSION_FIELD) or ""
        return stored is None or not constant_time_compare(seen, stored)

    def clean(self):
        if self.edit_version_is_stale():
            self.edit_conflict = True
            raise ValidationError(
                STALE_ROW_MESSAGE if self.edit_version_row else STALE_RECORD_MESSAGE,
                code="edit_conflict",
            )
        return super().clean()


class EditConflictFormSetMixin:
    """Mixed into an inline (or changelist) formset: marks its forms as rows, and refuses the
    page when a row marked for deletion was changed by someone else (Django ignores the errors
    of deleted rows)."""

    # The changelist shows no row's own errors: it says it once above the list.
    edit_conflict_summary = False

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.edit_version_row = True
        return form

    def clean(self):
        super().clean()
        for form in self.forms:
            deleted = self.can_delete and self._should_delete_form(form)
            if form.edit_conflict and (deleted or self.edit_conflict_summary):
                raise ValidationError(STALE_ROW_MESSAGE, code="edit_conflict")


class EditConflictForm(EditConflictFormMixin, forms.ModelForm):
    """Base of the admin forms written by hand (any other form is wrapped by the mixin)."""

    edit_version = EditVersionField()


_guarded_forms: dict[type, type] = {}
_guarded_formsets: dict[type, type] = {}


def edit_conflict_form(form_class: type) -> type:
    """`form_class` with the fingerprint field and check (the same class on every call)."""
    if issubclass(form_class, EditConflictFormMixin):
        return form_class
    if form_class not in _guarded_forms:
        _guarded_forms[form_class] = type(form_class)(
            form_class.__name__, (EditConflictFormMixin, form_class),
            {VERSION_FIELD: EditVersionField(), "__module__": form_class.__module__},
        )
    return _guarded_forms[form_class]


def edit_conflict_formset(formset_class: type) -> type:
    if issubclass(formset_class, EditConflictFormSetMixin):
        return formset_class
    if formset_class not in _guarded_formsets:
        _guarded_formsets[formset_class] = type(
            formset_class.__name__, (EditConflictFormSetMixin, formset_class),
            {"__module__": formset_class.__module__},
        )
    return _guarded_formsets[formset_class]


class EditConflictAdminMixin:
    """First base of every ModelAdmin and inline: its forms refuse a stale save."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form = edit_conflict_form(self.form)
        if hasattr(self, "formset"):  # an inline
            self.formset = edit_conflict_formset(self.formset)

    def history_form_view(self, request, *args, **kwargs):
        # django-simple-history's page to revert to a version shows that version's values.
        request.edit_version_from_database = True
        return super().history_form_view(request, *args, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if getattr(request, "edit_version_from_database", False):
            form = type(form)(form.__name__, (form,), {"edit_version_from_database": True})
        return form

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", edit_conflict_form(forms.ModelForm))
        return super().get_changelist_form(request, **kwargs)

    def get_changelist_formset(self, request, **kwargs):
        formset = super().get_changelist_formset(request, **kwargs)  # a new class per call
        return type(formset.__name__, (EditConflictFormSetMixin, formset),
                    {"edit_conflict_summary": True})

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": tuple(
                field for field in options.get("fields", ()) if field != VERSION_FIELD
            )})
            for name, options in super().get_fieldsets(request, obj)
        ]
        # `obj` is the record (for an inline, its parent): nothing is stale on an add page,
        # and a read-only page saves nothing.
        if not fieldsets or obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": (*options["fields"], VERSION_FIELD)}), *rest]
