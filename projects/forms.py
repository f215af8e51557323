"""The principal investigator's forms: the yearly report and an outcome. Thin: the rules of
each kind of outcome are `Outcome.clean`, run by `projects.services.outcome_record`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from programmes.forms import EuroField
from projects.models import Outcome


class ReportForm(forms.Form):
    summary = forms.CharField(
        label=_("Avancement du projet"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Objectifs atteints, résultats, recrutements, calendrier."),
        max_length=20000,
    )
    difficulties = forms.CharField(
        label=_("Difficultés rencontrées"), widget=forms.Textarea(attrs={"rows": 4}),
        required=False, max_length=10000,
    )
    next_steps = forms.CharField(
        label=_("Prochaines étapes"), widget=forms.Textarea(attrs={"rows": 4}),
        required=False, max_length=10000,
    )


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de résultat"), choices=Outcome.Kind.choices)
    title = forms.CharField(label=_("Intitulé"), max_length=300,
                            help_text=_("Titre de l'article, du brevet, de l'essai, du produit…"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"},
                                                                   format="%Y-%m-%d"),
                           help_text=_("Le résultat compte dans les chiffres clefs de "
                                       "l'année de cette date."))
    identifier = forms.CharField(
        label=_("Identifiant"), max_length=100, required=False,
        help_text=_("Publication : DOI (10.xxxx/…) ; brevet : numéro ; essai clinique : "
                    "NCT00000000 ou numéro européen."),
    )
    jobs = forms.IntegerField(label=_("Emplois R&D créés"), min_value=0, max_value=1000,
                              required=False)
    amount = EuroField(label=_("Montant obtenu (€)"), max_digits=12, decimal_places=2,
                       min_value=0, required=False)
    funder = forms.CharField(label=_("Financeur"), max_length=200, required=False)

    def cleaned_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["jobs"] = data.get("jobs") or 0
        if data.get("amount") is None:
            data.pop("amount", None)
        return data
