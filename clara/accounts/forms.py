"""Forms of the account pages (allauth's own forms render through templates/allauth/)."""

from itertools import groupby

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clara.network.models import Organisation, Team


class GroupedModelChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for group, rows in groupby(self.queryset, key=self.field.group_label):
            yield (group, [self.choice(row) for row in rows])


class GroupedModelChoiceField(forms.ModelChoiceField):
    """A select whose options are grouped (`<optgroup>`) by `group_label(obj)`, in the order of
    the queryset, read in one query when the form is shown. Validation is ModelChoiceField's
    (one lookup by key)."""

    iterator = GroupedModelChoiceIterator

    def __init__(self, queryset, *, group_label, **kwargs):
        self.group_label = group_label
        super().__init__(queryset, **kwargs)


def _team_label(team: Team) -> str:
    organisation = team.organisation
    return f"{team.name} — {organisation.acronym or organisation.name}"


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=pgettext_lazy("family name", "Nom"), max_length=150)
    orcid = forms.CharField(
        label=_("ORCID iD"), max_length=19, required=False,
        help_text=_("16 chiffres, par exemple 0000-0002-1825-0097 (facultatif)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                      "pattern": r"\d{4}-\d{4}-\d{4}-\d{3}[\dXx]",
                                      "spellcheck": "false"}),
    )
    team = GroupedModelChoiceField(
        Team.objects.select_related("site", "organisation").order_by(
            "site__position", "site__name", "name", "organisation__name"
        ),
        group_label=lambda team: team.site.name,
        label=_("Équipe"), required=False, empty_label=_("— Aucune équipe —"),
        help_text=_("Les équipes sont regroupées par site."),
    )
    organisation = GroupedModelChoiceField(
        Organisation.objects.order_by("kind", "name"),
        group_label=lambda organisation: organisation.get_kind_display(),
        label=_("Organisation"), required=False, empty_label=_("— Celle de l'équipe —"),
        help_text=_(
            "Votre établissement de rattachement ; laissé vide, celui de votre équipe."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].label_from_instance = _team_label
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
