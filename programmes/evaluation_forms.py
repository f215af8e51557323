"""Forms of the evaluation pages: the reviewer's conflict declaration and scoring grid, the
staff's assignment form. They check types and ranges for the page; the services check
again and decide."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from programmes.evaluation import REVIEWABLE_STATUSES
from programmes.models import Application, Review, Reviewer


class ConflictForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Avez-vous un conflit d'intérêts avec cette demande ?"),
        choices=[("no", _("Non, je n'ai aucun conflit d'intérêts")),
                 ("yes", _("Oui, j'ai un conflit d'intérêts"))],
        widget=forms.RadioSelect, coerce=lambda value: value == "yes",
    )
    details = forms.CharField(
        label=_("Nature du conflit"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Par exemple : collaboration récente, même laboratoire, lien familial."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_conflict") and not (cleaned.get("details") or "").strip():
            self.add_error("details", _("Précisez la nature du conflit d'intérêts."))
        return cleaned


class ScoringForm(forms.Form):
    """One whole-number field per criterion of the reviewer's grid, then the recommendation
    and the comments."""

    recommendation = forms.ChoiceField(
        label=_("Recommandation"), choices=Review.Recommendation.choices,
        widget=forms.RadioSelect,
    )
    comments = forms.CharField(label=_("Commentaires"), required=False,
                               widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scored = {}
        for criterion in criteria:
            name = f"criterion_{criterion.pk}"
            scored[name] = forms.IntegerField(
                label=criterion.label, min_value=0, max_value=criterion.max_score,
                help_text=_("Note de 0 à %(max)s.") % {"max": criterion.max_score}
                + (f" {criterion.description}" if criterion.description else ""),
            )
        # The grid first, the recommendation and the comments after.
        self.fields = {**scored, **self.fields}

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}

    def criterion_fields(self):
        return [self[f"criterion_{c.pk}"] for c in self.criteria]


class AssignForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=_("Demandes"), queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reviewers = forms.ModelMultipleChoiceField(
        label=_("Évaluateurs"), queryset=get_user_model().objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    role = forms.ChoiceField(
        label=_("Rôle"), required=False,
        choices=[("", _("Selon le type de chaque évaluateur")), *Review.Role.choices],
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = (
            Application.objects.filter(call=call, status__in=REVIEWABLE_STATUSES)
            .order_by("reference"))
        self.fields["applications"].label_from_instance = (
            lambda a: f"{a.reference} — {a.acronym or a.title}")
        self.fields["reviewers"].queryset = (
            get_user_model().objects.filter(reviewer_profile__active=True)
            .select_related("reviewer_profile").order_by("last_name", "email"))
        self.fields["reviewers"].label_from_instance = (
            lambda u: f"{u} — {Reviewer.Kind(u.reviewer_profile.kind).label}")
