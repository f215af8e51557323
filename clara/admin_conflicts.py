"""Two staff members editing the same record: the second save is refused with a message
(QUALITY.md scenario 12) instead of silently overwriting the first.

The version of a record is the id of its latest django-simple-history row, so this works for
every model that keeps a history (applications, decisions, awards and their split, yearly
project statuses). The admin form carries the version it was opened with in a hidden field;
on save it is compared with the current one, under a row lock where the database has them.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

VERSION_FIELD = "edit_version"


def latest_version(instance) -> int | None:
    return (
        instance.history.order_by("-history_id").values_list("history_id", flat=True).first()
    )


class EditConflictForm(forms.ModelForm):
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial[VERSION_FIELD] = latest_version(self.instance)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            seen = cleaned.get(VERSION_FIELD)
            # Lock the row until the admin's transaction commits, so that two saves of the
            # same version cannot both pass this check (PostgreSQL; SQLite locks the file).
            list(
                type(self.instance)._default_manager.select_for_update()
                .filter(pk=self.instance.pk).values_list("pk", flat=True)
            )
            if seen != latest_version(self.instance):
                raise ValidationError(
                    _(
                        "Ce dossier a été modifié par une autre personne depuis que vous l'avez "
                        "ouvert. Vos modifications n'ont pas été enregistrées : rechargez la page "
                        "pour voir la version actuelle."
                    ),
                    code="edit_conflict",
                )
        return cleaned


class EditConflictAdminMixin:
    """For a ModelAdmin of a model with `history`: adds the version field to the form."""

    form = EditConflictForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or any(VERSION_FIELD in options.get("fields", ()) for _n, options in
                              fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": (*options["fields"], VERSION_FIELD)}), *rest]

