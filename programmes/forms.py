"""The applicant's form: the application's own fields, its budget lines, partner companies,
co-applicants and the call's required documents.

Nothing here is required: a draft is saved with whatever it holds, and
`programmes.selectors.application_missing` lists what submission still needs. A value of the
wrong type (an amount in letters, an ORCID iD with a bad checksum) is an error beside its
field and nothing is saved."""

from decimal import Decimal

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from clara.network.models import Organisation, Team
from clara.network.validators import validate_orcid
from programmes.models import PLACEHOLDER_TITLE, Application, BudgetLine, InnovationDomain
from programmes.services import attachment_check_file

MONEY_FIELD = {"max_digits": 12, "decimal_places": 2, "min_value": Decimal("0")}
_SPACES_AND_UNIT = {ord(c): None for c in " \u00a0\u202f€"}


class EuroField(forms.DecimalField):
    """An amount in euros as people type it: "40 000", "40 000,50 €", "40000.5"."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def to_python(self, value):
        if isinstance(value, str):
            value = value.translate(_SPACES_AND_UNIT).replace(",", ".")
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",").removesuffix(",00")
        return value


class ApplicationForm(forms.ModelForm):
    teams = forms.ModelMultipleChoiceField(
        label=_("Équipes"), required=False,
        queryset=Team.objects.select_related("site").order_by("site__name", "name"),
        help_text=_("Votre équipe et les équipes partenaires du réseau. Maintenez Ctrl (ou ⌘) "
                    "pour en choisir plusieurs."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    requested_amount = EuroField(label=_("Montant demandé (€)"), required=False, **MONEY_FIELD)

    class Meta:
        model = Application
        fields = ("title", "acronym", "lay_summary", "scientific_content", "domain",
                  "requested_amount", "duration_months")
        labels = {"scientific_content": _("Résumé scientifique")}
        help_texts = {
            "lay_summary": _("Compréhensible par toutes et tous : il peut être publié si le "
                             "projet est financé."),
            "scientific_content": _("Contexte, objectifs, méthodes et résultats attendus."),
        }
        widgets = {
            "lay_summary": forms.Textarea(attrs={"rows": 5}),
            "scientific_content": forms.Textarea(attrs={"rows": 10}),
        }

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        for field in self.fields.values():
            field.required = False
        self.fields["title"].widget.attrs["maxlength"] = 300
        if self.instance.title == PLACEHOLDER_TITLE:
            self.initial["title"] = ""
        if not self.instance.requested_amount:
            self.initial["requested_amount"] = ""
        domains = InnovationDomain.objects.order_by("name")
        if call.domains.exists():
            domains = domains.filter(calls=call)
        self.fields["domain"].queryset = domains
        amount = self.fields["requested_amount"]
        if call.max_requested_amount is not None:
            amount.help_text = _("Plafond de l'appel : %(max)s.") % {
                "max": f"{call.max_requested_amount:,.0f} €".replace(",", "\u202f")}
        if self.instance.pk:
            self.fields["teams"].initial = [t.pk for t in self.instance.teams.all()]

    def clean_title(self):
        return (self.cleaned_data.get("title") or "").strip()

    def clean_requested_amount(self):
        amount = self.cleaned_data.get("requested_amount")
        ceiling = self.call.max_requested_amount
        if amount is not None and ceiling is not None and amount > ceiling:
            raise forms.ValidationError(
                _("Le montant demandé dépasse le plafond de l'appel (%(max)s).")
                % {"max": f"{ceiling:,.0f} €".replace(",", "\u202f")},
                code="above_ceiling",
            )
        return amount


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=_("Nature"), required=False,
                                 choices=[("", "—")] + list(BudgetLine.Category.choices))
    label = forms.CharField(label=_("Détail"), required=False, max_length=255)
    amount = EuroField(label=_("Montant (€)"), required=False, **MONEY_FIELD)

    def clean(self):
        data = super().clean()
        if data.get("amount") is not None and not data.get("category"):
            self.add_error("category", _("Choisissez la nature de cette dépense."))
        return data

    def line(self) -> dict | None:
        data = self.cleaned_data
        if not data or (data.get("amount") is None and not data.get("label")):
            return None
        return {"category": data.get("category") or BudgetLine.Category.OTHER,
                "label": data.get("label", ""), "amount": data.get("amount") or Decimal("0")}


class InvestmentForm(forms.Form):
    company = forms.ModelChoiceField(
        label=_("Entreprise partenaire"), required=False,
        queryset=Organisation.objects.filter(kind=Organisation.Kind.COMPANY).order_by("name"),
        help_text=_("Une entreprise absente de la liste ? Écrivez-nous, nous l'ajouterons."),
    )
    planned_amount = EuroField(label=_("Investissement prévu (€)"), required=False,
                               **MONEY_FIELD)

    def row(self) -> dict | None:
        data = self.cleaned_data
        if not data or data.get("company") is None:
            return None
        return {"company": data["company"],
                "planned_amount": data.get("planned_amount") or Decimal("0")}


class CoApplicantForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Nom"), required=False, max_length=150)
    email = forms.EmailField(label=_("Adresse e-mail"), required=False)
    orcid = forms.CharField(label=_("ORCID iD"), required=False, max_length=19,
                            validators=[validate_orcid],
                            widget=forms.TextInput(attrs={"placeholder": "0000-0000-0000-0000"}))

    def clean(self):
        data = super().clean()
        named = data.get("first_name") or data.get("last_name")
        if (named or data.get("email") or data.get("orcid")) and not (
            data.get("first_name") and data.get("last_name")
        ):
            self.add_error("last_name", _("Indiquez le prénom et le nom."))
        if named and not (data.get("email") or data.get("orcid")):
            self.add_error("email", _("Indiquez l'adresse e-mail ou l'ORCID iD."))
        return data

    def row(self) -> dict | None:
        data = self.cleaned_data
        if not data or not data.get("last_name"):
            return None
        return data


BudgetLineFormSet = formset_factory(BudgetLineForm, extra=3, max_num=30, absolute_max=30)
InvestmentFormSet = formset_factory(InvestmentForm, extra=1, max_num=10, absolute_max=10)
CoApplicantFormSet = formset_factory(CoApplicantForm, extra=2, max_num=20, absolute_max=20)


class DocumentsForm(forms.Form):
    """One optional PDF file input per document the call asks for."""

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = {}
        for document in documents:
            name = f"document_{document.pk}"
            self.documents[name] = document
            self.fields[name] = forms.FileField(
                label=document.label, required=False,
                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
            )

    def clean(self):
        data = super().clean()
        for name, uploaded in list(data.items()):
            if uploaded:
                try:
                    attachment_check_file(uploaded_file=uploaded)
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def uploads(self):
        """(required document, uploaded file) for every file chosen."""
        return [(self.documents[name], uploaded)
                for name, uploaded in self.cleaned_data.items() if uploaded]

