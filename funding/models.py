"""Funders, awards and how each award is split between them; planned company investment."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clara.formatting import format_euros
from clara.network.models import Organisation

MONEY = {"max_digits": 12, "decimal_places": 2}
POSITIVE_MONEY = [MinValueValidator(Decimal("0"))]


class Funder(models.Model):
    """A public or charitable co-funder of the network's programmes."""

    class Kind(models.TextChoices):
        NATIONAL_BODY = "national_body", _("Organisme national")
        LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")
        LIGUE_COMMITTEE = "ligue_committee", _("Comité départemental de la Ligue contre le cancer")
        CHARITY = "charity", _("Autre association caritative")
        EUROPEAN_UNION = "european_union", _("Union européenne")
        COMPANY = "company", _("Entreprise")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=255, unique=True)
    short_name = models.CharField(_("nom court"), max_length=60, blank=True)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    organisation = models.OneToOneField(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="funder",
    )

    class Meta:
        verbose_name = _("financeur")
        verbose_name_plural = _("financeurs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class AwardQuerySet(models.QuerySet):
    def decided_in(self, year: int):
        """Awards whose decision falls in `year`, in Europe/Paris time."""
        return self.filter(decided_at__year=year)

    def with_contributions_total(self):
        contributions = (
            Contribution.objects.filter(award=models.OuterRef("pk"))
            .values("award")
            .annotate(total=models.Sum("amount"))
            .values("total")
        )
        return self.annotate(
            contributions_total=models.functions.Coalesce(
                models.Subquery(contributions, output_field=models.DecimalField(**MONEY)),
                Decimal("0"),
                output_field=models.DecimalField(**MONEY),
            )
        )

    def with_disbursed(self):
        """Annotate `paid_total` and `planned_total` (the award's tranches paid and still
        planned), one subquery each: no join multiplies the rows."""
        def total(status):
            rows = (
                Disbursement.objects.filter(award=models.OuterRef("pk"), status=status)
                .order_by().values("award").annotate(total=models.Sum("amount"))
                .values("total")
            )
            return models.functions.Coalesce(
                models.Subquery(rows, output_field=models.DecimalField(**MONEY)),
                Decimal("0"), output_field=models.DecimalField(**MONEY),
            )

        return self.annotate(paid_total=total(Disbursement.Status.PAID),
                             planned_total=total(Disbursement.Status.PLANNED))


class Award(models.Model):
    """What a selected application receives (financement)."""

    application = models.OneToOneField(
        "programmes.Application", verbose_name=_("demande"), on_delete=models.PROTECT,
        related_name="award",
    )
    amount = models.DecimalField(_("montant (€)"), **MONEY, validators=POSITIVE_MONEY)
    decided_at = models.DateTimeField(_("date de décision"))
    agreement_signed_on = models.DateField(_("date de convention"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("financement")
        verbose_name_plural = _("financements")
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="award_amount_positive"),
        ]
        # Awards decided in a year are a key figure; the admin lists the newest first.
        indexes = [models.Index(fields=["-decided_at"], name="award_decided_at_idx")]

    def __str__(self) -> str:
        return f"{self.application.reference} — {format_euros(self.amount)}"

    def clean(self) -> None:
        from programmes.models import Application

        if self.application_id and self.application.status != Application.Status.SELECTED:
            raise ValidationError(
                {"application": _("Seule une demande retenue peut recevoir un financement.")}
            )


class Contribution(models.Model):
    """The share of an award paid by one funder."""

    # Money records never go with their award: the database refuses to delete an award that
    # still has contributions or planned investments.
    award = models.ForeignKey(
        Award, verbose_name=_("financement"), on_delete=models.PROTECT,
        related_name="contributions",
    )
    funder = models.ForeignKey(
        Funder, verbose_name=_("financeur"), on_delete=models.PROTECT,
        related_name="contributions",
    )
    amount = models.DecimalField(_("montant (€)"), **MONEY, validators=POSITIVE_MONEY)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["award", "funder__name"]
        constraints = [
            models.UniqueConstraint(fields=["award", "funder"], name="contribution_unique_funder"),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="contribution_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.funder} : {format_euros(self.amount)}"


class CompanyInvestment(models.Model):
    """A partner company's own planned investment beside an award (effet levier)."""

    award = models.ForeignKey(
        Award, verbose_name=_("financement"), on_delete=models.PROTECT,
        related_name="company_investments",
    )
    company = models.ForeignKey(
        Organisation, verbose_name=_("entreprise"), on_delete=models.PROTECT,
        related_name="investments", limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    planned_amount = models.DecimalField(
        _("investissement prévu (€)"), **MONEY, validators=POSITIVE_MONEY
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("investissement d'entreprise")
        verbose_name_plural = _("investissements d'entreprises")
        ordering = ["award", "company__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "company"], name="investment_unique_company"
            ),
            models.CheckConstraint(
                condition=Q(planned_amount__gte=0), name="investment_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} : {format_euros(self.planned_amount)}"


class DisbursementQuerySet(models.QuerySet):
    def paid(self):
        return self.filter(status=Disbursement.Status.PAID)


class Disbursement(models.Model):
    """A tranche of an award (versement): planned with its condition, then paid. Written by
    `funding.services.disbursement_plan` and `disbursement_pay`, which keep the tranches of an
    award within its amount, and a funder's within its contribution."""

    class Condition(models.TextChoices):
        AGREEMENT_SIGNED = "agreement_signed", _("Convention signée")
        REPORT_ACCEPTED = "report_accepted", _("Rapport accepté")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Prévu")
        PAID = "paid", _("Versé")

    award = models.ForeignKey(
        Award, verbose_name=_("financement"), on_delete=models.PROTECT,
        related_name="disbursements",
    )
    funder = models.ForeignKey(
        Funder, verbose_name=_("financeur"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="disbursements",
        help_text=_("Le financeur dont la contribution paie ce versement, s'il est connu."),
    )
    amount = models.DecimalField(_("montant (€)"), **MONEY, validators=POSITIVE_MONEY)
    due_on = models.DateField(_("échéance prévue"), null=True, blank=True)
    condition = models.CharField(
        _("condition"), max_length=24, choices=Condition.choices,
        default=Condition.AGREEMENT_SIGNED,
    )
    condition_details = models.CharField(_("précision de la condition"), max_length=255,
                                         blank=True)
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices,
                              default=Status.PLANNED)
    paid_on = models.DateField(_("versé le"), null=True, blank=True)

    history = HistoricalRecords()
    objects = DisbursementQuerySet.as_manager()

    class Meta:
        verbose_name = _("versement")
        verbose_name_plural = _("versements")
        ordering = ["award", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
            models.CheckConstraint(
                condition=(Q(status="paid") & Q(paid_on__isnull=False))
                | (Q(status="planned") & Q(paid_on__isnull=True)),
                name="disbursement_paid_on_when_paid",
            ),
        ]
        indexes = [models.Index(fields=["award", "status"], name="disbursement_award_idx")]

    def __str__(self) -> str:
        return f"{self.award.application.reference} — {format_euros(self.amount)}"
