"""Programmes (dispositifs), their tracks and yearly calls, applications and their evaluation."""

import datetime
import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from clara.network.models import Organisation, Person, Site, Team

MONEY = {"max_digits": 12, "decimal_places": 2}
# The title of a draft whose applicant has not typed one yet (the column is required).
PLACEHOLDER_TITLE = "Nouvelle demande"


class PrivateStorage(FileSystemStorage):
    """Files under `PRIVATE_MEDIA_ROOT`, read from the settings at each use (a test or a
    deployment that changes it is followed), with no URL: nothing stored here is served
    except by views that check permissions."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view.")


def private_storage() -> FileSystemStorage:
    """Attachments are stored outside any public URL; views serve them after a permission check.

    A callable, so that migrations record a reference to it rather than this machine's path.
    """
    return PrivateStorage()


class InnovationDomain(models.Model):
    name = models.CharField(_("nom"), max_length=150, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("domaine d'innovation")
        verbose_name_plural = _("domaines d'innovation")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    """A funding scheme (dispositif). `kind` says which family of key figures it feeds."""

    class Kind(models.TextChoices):
        ONCOSTARTER = "oncostarter", _("Émergence — Oncostarter")
        PROOF_OF_CONCEPT = "proof_of_concept", _("Preuve du Concept")
        STRUCTURING = "structuring", _("Projets structurants / Maillage du territoire")
        SCIENTIFIC_EVENTS = "scientific_events", _("Manifestations scientifiques")
        MOBILITY = "mobility", _("Mobilités")
        OTHER = "other", _("Autre")

    # Programmes whose awards are "research projects" in the report's headline figure.
    RESEARCH_KINDS = (Kind.ONCOSTARTER, Kind.PROOF_OF_CONCEPT, Kind.STRUCTURING)

    name = models.CharField(_("nom"), max_length=150, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    kind = models.CharField(_("famille"), max_length=32, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    partner = models.ForeignKey(
        Organisation, verbose_name=_("partenaire d'instruction"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="instructed_programmes",
        help_text=_("Par exemple Lyonbiopôle pour Preuve du Concept."),
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Track(models.Model):
    """An entry key of a programme (Oncostarter Blanc, Thématisé, Interface)."""

    class Code(models.TextChoices):
        BLANC = "blanc", _("Blanc")
        THEMATISE = "thematise", _("Thématisé")
        INTERFACE = "interface", _("Interface")

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="tracks"
    )
    code = models.CharField(_("clef d'entrée"), max_length=16, choices=Code.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("clef d'entrée")
        verbose_name_plural = _("clefs d'entrée")
        ordering = ["programme__name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="track_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.get_code_display()}"


class CallQuerySet(models.QuerySet):
    def closing_in(self, year: int):
        """Calls whose window closes during `year` (Europe/Paris)."""
        return self.filter(closes_at__year=year)

    def open_at(self, moment):
        """Calls open at `moment`, as `Call.is_open`: the closing second is still open."""
        return self.filter(opens_at__lte=moment,
                           closes_at__gt=moment - datetime.timedelta(seconds=1))


class Call(models.Model):
    """A call for proposals: one per programme track and year."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="calls"
    )
    track = models.ForeignKey(
        Track, verbose_name=_("clef d'entrée"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="calls",
    )
    year = models.PositiveSmallIntegerField(_("année"))
    title = models.CharField(_("titre"), max_length=255)
    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    theme = models.CharField(
        _("thème"), max_length=255, blank=True, help_text=_("Pour Oncostarter Thématisé.")
    )
    description = models.TextField(_("présentation"), blank=True)
    eligibility_rules = models.TextField(_("règles d'éligibilité"), blank=True)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    budget = models.DecimalField(
        _("enveloppe budgétaire (€)"), **MONEY, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    max_requested_amount = models.DecimalField(
        _("plafond par demande (€)"), **MONEY, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Montant maximal qu'une demande peut solliciter. Vide : pas de plafond."),
    )
    cofunders = models.ManyToManyField(
        "funding.Funder", verbose_name=_("cofinanceurs"), blank=True, related_name="calls"
    )
    domains = models.ManyToManyField(
        InnovationDomain, verbose_name=_("domaines d'innovation"), blank=True, related_name="calls"
    )
    sites = models.ManyToManyField(
        Site, verbose_name=_("sites éligibles"), blank=True, related_name="calls"
    )
    review_deadline = models.DateTimeField(
        _("date limite des évaluations"), null=True, blank=True,
        help_text=_("Les évaluateurs sont relancés avant cette date (heure de Paris)."),
    )

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("appel à projets")
        verbose_name_plural = _("appels à projets")
        ordering = ["-closes_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="call_closes_after_opening"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="call_budget_positive"),
            models.CheckConstraint(
                condition=Q(max_requested_amount__isnull=True) | Q(max_requested_amount__gte=0),
                name="call_max_requested_positive",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="call_year_range"
            ),
            models.UniqueConstraint(
                fields=["programme", "track", "year"], name="call_unique_programme_track_year"
            ),
            models.UniqueConstraint(
                fields=["programme", "year"], condition=Q(track__isnull=True),
                name="call_unique_programme_year_without_track",
            ),
        ]
        # The key figures ask for the calls closing in a year; the admin lists newest first.
        indexes = [models.Index(fields=["-closes_at", "title"], name="call_closes_at_idx")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.track_id and self.programme_id and self.track.programme_id != self.programme_id:
            raise ValidationError(
                {"track": _("Cette clef d'entrée appartient à un autre programme.")}
            )
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("La clôture doit suivre l'ouverture.")})

    @property
    def deadline_end(self) -> datetime.datetime:
        """The first instant after the closing second: a call "closing at 23:59:59" accepts
        a submission during that whole second and refuses one at 00:00:00."""
        return self.closes_at.replace(microsecond=0) + datetime.timedelta(seconds=1)

    def is_open(self, moment=None) -> bool:
        """Open from `opens_at` to the end of the closing second (`deadline_end`), compared
        as instants (UTC), so a daylight-saving change in Paris moves nothing."""
        moment = moment or timezone.now()
        return self.opens_at <= moment < self.deadline_end

    @property
    def requires_partner_company(self) -> bool:
        """Preuve du Concept applications name a partner company and its planned investment."""
        return self.programme.kind == Programme.Kind.PROOF_OF_CONCEPT


class EvaluationCriterion(models.Model):
    class Audience(models.TextChoices):
        SCIENTIFIC = "scientific", _("Grille scientifique")
        PATIENT = "patient", _("Grille patients partenaires")

    call = models.ForeignKey(
        Call, verbose_name=_("appel"), on_delete=models.CASCADE, related_name="criteria"
    )
    label = models.CharField(_("critère"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    max_score = models.PositiveSmallIntegerField(_("note maximale"), default=5)
    weight = models.DecimalField(_("pondération"), max_digits=4, decimal_places=2, default=1)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    audience = models.CharField(
        _("grille"), max_length=16, choices=Audience.choices, default=Audience.SCIENTIFIC,
        help_text=_("Les patients partenaires notent les critères de leur grille "
                    "(expérience patient) ; les experts et le conseil, la grille scientifique."),
    )

    class Meta:
        verbose_name = _("critère d'évaluation")
        verbose_name_plural = _("critères d'évaluation")
        ordering = ["call", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "label"], name="criterion_unique_label"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="criterion_max_positive"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="criterion_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.label


class RequiredDocument(models.Model):
    call = models.ForeignKey(
        Call, verbose_name=_("appel"), on_delete=models.CASCADE, related_name="required_documents"
    )
    label = models.CharField(_("document"), max_length=255)
    mandatory = models.BooleanField(_("obligatoire"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("document demandé")
        verbose_name_plural = _("documents demandés")
        ordering = ["call", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "label"], name="required_document_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class ApplicationQuerySet(models.QuerySet):
    def submitted(self):
        """Applications that were submitted and not withdrawn (drafts never count)."""
        return self.exclude(
            status__in=[Application.Status.DRAFT, Application.Status.WITHDRAWN]
        )

    def selected(self):
        return self.filter(status=Application.Status.SELECTED)


class Application(models.Model):
    """A funding application (demande de financement) to a call."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Déposée")
        ELIGIBLE = "eligible", _("Éligible")
        INELIGIBLE = "ineligible", _("Non éligible")
        UNDER_REVIEW = "under_review", _("En évaluation")
        AUDITION = "audition", _("Audition")
        SELECTED = "selected", _("Retenue (lauréate)")
        NOT_SELECTED = "not_selected", _("Non retenue")
        WITHDRAWN = "withdrawn", _("Retirée")

    # The only moves an application can make; `programmes.services.application_set_status`
    # is the one place that applies them (admin form, bulk actions and imports call it).
    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
        Status.SUBMITTED: {Status.ELIGIBLE, Status.INELIGIBLE, Status.WITHDRAWN},
        Status.ELIGIBLE: {Status.UNDER_REVIEW, Status.WITHDRAWN},
        Status.INELIGIBLE: {Status.ELIGIBLE},
        Status.UNDER_REVIEW: {
            Status.AUDITION, Status.SELECTED, Status.NOT_SELECTED, Status.WITHDRAWN,
        },
        Status.AUDITION: {Status.SELECTED, Status.NOT_SELECTED, Status.WITHDRAWN},
        Status.SELECTED: {Status.WITHDRAWN},
        Status.NOT_SELECTED: set(),
        Status.WITHDRAWN: set(),
    }
    # Statuses that are a committee's decision: reaching one records a `Decision` with it.
    DECISION_STATUSES = frozenset(
        {Status.ELIGIBLE, Status.INELIGIBLE, Status.AUDITION, Status.SELECTED, Status.NOT_SELECTED}
    )

    reference = models.CharField(_("référence"), max_length=40, unique=True)
    call = models.ForeignKey(
        Call, verbose_name=_("appel"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("déposant"), on_delete=models.PROTECT,
        related_name="applications",
    )
    principal_investigator = models.ForeignKey(
        Person, verbose_name=_("porteur ou porteuse"), on_delete=models.PROTECT,
        related_name="applications_led",
    )
    teams = models.ManyToManyField(
        Team, verbose_name=_("équipes"), blank=True, related_name="applications"
    )
    partner_companies = models.ManyToManyField(
        Organisation, verbose_name=_("entreprises partenaires"), blank=True,
        related_name="partnered_applications",
        limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    domain = models.ForeignKey(
        InnovationDomain, verbose_name=_("domaine d'innovation"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="applications",
    )
    acronym = models.CharField(_("acronyme"), max_length=50, blank=True)
    title = models.CharField(_("titre"), max_length=300)
    lay_summary = models.TextField(_("résumé grand public"), blank=True)
    scientific_content = models.TextField(_("contenu scientifique"), blank=True)
    requested_amount = models.DecimalField(
        _("montant demandé (€)"), **MONEY, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    duration_months = models.PositiveSmallIntegerField(
        _("durée (mois)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    co_applicants = models.ManyToManyField(
        Person, verbose_name=_("co-porteurs et co-porteuses"), blank=True,
        related_name="co_applications",
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()
    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande de financement")
        verbose_name_plural = _("demandes de financement")
        ordering = ["-submitted_at", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0), name="application_requested_positive"
            ),
            # A draft withdrawn before it was submitted has no submission time.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"]) | Q(submitted_at__isnull=False),
                name="application_submitted_at_unless_draft",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="application_status_idx"),
            models.Index(fields=["-submitted_at", "reference"], name="application_ordering_idx"),
        ]
        permissions = [
            (
                "import_application_history",
                _("Peut importer l'historique des demandes (appels clos, statuts passés)"),
            ),
        ]

    def __str__(self) -> str:
        label = self.acronym or self.title
        return f"{self.reference} — {label}"

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, set())

    def clean(self) -> None:
        unsubmitted = (self.Status.DRAFT, self.Status.WITHDRAWN)
        if self.status not in unsubmitted and self.submitted_at is None:
            raise ValidationError(
                {"submitted_at": _("Une demande qui n'est plus un brouillon a une date de dépôt.")}
            )


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    # The stored name is generated by the server; the uploaded name is kept only as metadata.
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}.pdf"


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("demande"), on_delete=models.CASCADE,
        related_name="attachments",
    )
    required_document = models.ForeignKey(
        RequiredDocument, verbose_name=_("document demandé"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="attachments",
    )
    file = models.FileField(_("fichier"), storage=private_storage, upload_to=attachment_upload_to)
    original_name = models.CharField(_("nom d'origine"), max_length=255)
    size = models.PositiveIntegerField(_("taille (octets)"))
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["application", "uploaded_at"]
        indexes = [
            models.Index(fields=["application", "uploaded_at"], name="attachment_ordering_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name


class BudgetLine(models.Model):
    """One line of an application's requested budget; the lines add up to the requested
    amount when it is submitted (`programmes.selectors.application_missing`)."""

    class Category(models.TextChoices):
        STAFF = "staff", _("Personnel")
        EQUIPMENT = "equipment", _("Équipement")
        RUNNING = "running", _("Fonctionnement et consommables")
        SERVICES = "services", _("Prestations de service")
        TRAVEL = "travel", _("Missions et déplacements")
        OTHER = "other", _("Autre")

    application = models.ForeignKey(
        Application, verbose_name=_("demande"), on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    category = models.CharField(_("nature"), max_length=16, choices=Category.choices)
    label = models.CharField(_("détail"), max_length=255, blank=True)
    amount = models.DecimalField(
        _("montant (€)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("ligne budgétaire")
        verbose_name_plural = _("lignes budgétaires")
        ordering = ["application", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.label}".strip()


class PlannedInvestment(models.Model):
    """A partner company named in an application, with the investment it plans beside the
    requested funding (required for Preuve du Concept). Once funded, staff record the
    award's `funding.CompanyInvestment` from it."""

    application = models.ForeignKey(
        Application, verbose_name=_("demande"), on_delete=models.CASCADE,
        related_name="planned_investments",
    )
    company = models.ForeignKey(
        Organisation, verbose_name=_("entreprise partenaire"), on_delete=models.PROTECT,
        related_name="planned_investments", limit_choices_to={"kind": Organisation.Kind.COMPANY},
    )
    planned_amount = models.DecimalField(
        _("investissement prévu (€)"), **MONEY, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("investissement prévu d'une entreprise")
        verbose_name_plural = _("investissements prévus des entreprises")
        ordering = ["application", "company__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "company"], name="planned_investment_unique_company"
            ),
            models.CheckConstraint(
                condition=Q(planned_amount__gte=0), name="planned_investment_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} — {self.planned_amount} €"


class Reviewer(models.Model):
    """An account that reviews applications, with its kind (scientific expert, member of the
    scientific council, patient partner of the ECLAIR group). The kind is the role its
    assignments get by default."""

    class Kind(models.TextChoices):
        EXPERT = "expert", _("Expert scientifique")
        COUNCIL = "council", _("Membre du conseil scientifique")
        PATIENT_PARTNER = "patient_partner", _("Patient partenaire (ECLAIR)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("compte"), on_delete=models.CASCADE,
        related_name="reviewer_profile",
    )
    kind = models.CharField(_("type d'évaluateur"), max_length=32, choices=Kind.choices)
    active = models.BooleanField(_("actif"), default=True)
    expertise = models.TextField(_("domaines d'expertise"), blank=True)

    class Meta:
        verbose_name = _("évaluateur ou évaluatrice")
        verbose_name_plural = _("évaluateurs et évaluatrices")
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_kind_display()})"


class Review(models.Model):
    """One reviewer's evaluation of one application (created when staff assign it)."""

    class Role(models.TextChoices):
        EXPERT = "expert", _("Expert scientifique")
        COUNCIL = "council", _("Membre du conseil scientifique")
        PATIENT_PARTNER = "patient_partner", _("Patient partenaire (ECLAIR)")

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assignée")
        SUBMITTED = "submitted", _("Rendue")
        DECLINED = "declined", _("Déclinée")

    class Recommendation(models.TextChoices):
        FUND = "fund", _("Financer")
        FUND_WITH_CONDITIONS = "fund_with_conditions", _("Financer sous réserve")
        DO_NOT_FUND = "do_not_fund", _("Ne pas financer")

    # The grid each role scores (`EvaluationCriterion.audience`).
    AUDIENCE_OF_ROLE = {
        Role.EXPERT: EvaluationCriterion.Audience.SCIENTIFIC,
        Role.COUNCIL: EvaluationCriterion.Audience.SCIENTIFIC,
        Role.PATIENT_PARTNER: EvaluationCriterion.Audience.PATIENT,
    }

    application = models.ForeignKey(
        Application, verbose_name=_("demande"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("évaluateur ou évaluatrice"),
        on_delete=models.PROTECT, related_name="reviews",
    )
    role = models.CharField(_("rôle"), max_length=32, choices=Role.choices, default=Role.EXPERT)
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.ASSIGNED
    )
    conflict_of_interest = models.BooleanField(_("conflit d'intérêts déclaré"), default=False)
    conflict_details = models.TextField(_("précisions sur le conflit"), blank=True)
    comments = models.TextField(_("commentaires"), blank=True)
    recommendation = models.CharField(
        _("recommandation"), max_length=24, choices=Recommendation.choices, blank=True
    )
    assigned_at = models.DateTimeField(_("assignée le"), default=timezone.now)
    invited_at = models.DateTimeField(_("invitation envoyée le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("relance envoyée le"), null=True, blank=True)
    conflict_declared_at = models.DateTimeField(
        _("déclaration d'intérêts le"), null=True, blank=True,
        help_text=_("Vide : l'évaluateur n'a pas encore déclaré s'il a un conflit d'intérêts."),
    )
    submitted_at = models.DateTimeField(_("rendue le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["application", "reviewer"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="review_unique_reviewer"
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="review_submitted_at_when_submitted",
            ),
        ]
        # The reviewer's portal lists their assignments; the reminders scan open ones.
        indexes = [models.Index(fields=["reviewer", "status"], name="review_reviewer_idx")]

    def __str__(self) -> str:
        return f"{self.application.reference} / {self.reviewer}"

    @property
    def audience(self) -> str:
        return self.AUDIENCE_OF_ROLE[self.role]

    @property
    def sees_confidential(self) -> bool:
        """Patient partners never see the budget nor the confidential attachments."""
        return self.role != self.Role.PATIENT_PARTNER


class ReviewScore(models.Model):
    review = models.ForeignKey(
        Review, verbose_name=_("évaluation"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        EvaluationCriterion, verbose_name=_("critère"), on_delete=models.PROTECT,
        related_name="scores",
    )
    score = models.PositiveSmallIntegerField(pgettext_lazy("score", "note"))

    class Meta:
        verbose_name = pgettext_lazy("score", "note")
        verbose_name_plural = pgettext_lazy("score", "notes")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_unique_criterion"),
            models.CheckConstraint(condition=Q(score__lte=100), name="score_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"

    def clean(self) -> None:
        if (self.criterion_id and self.review_id
                and self.criterion.call_id != self.review.application.call_id):
            raise ValidationError(
                {"criterion": _("Ce critère appartient à un autre appel que la demande évaluée.")}
            )
        if self.criterion_id and self.score is not None and self.score > self.criterion.max_score:
            raise ValidationError(
                {"score": _("La note dépasse le maximum du critère (%(max)s).")
                 % {"max": self.criterion.max_score}}
            )


class Decision(models.Model):
    """A committee decision recorded by staff. Written with the application's status by
    `programmes.services.decision_record`, never on its own."""

    FINAL_OUTCOMES = ("selected", "not_selected")

    class Outcome(models.TextChoices):
        ELIGIBLE = "eligible", _("Éligible")
        INELIGIBLE = "ineligible", _("Non éligible")
        AUDITION = "audition", _("Convoquée en audition")
        SELECTED = "selected", _("Retenue")
        NOT_SELECTED = "not_selected", _("Non retenue")

    application = models.ForeignKey(
        Application, verbose_name=_("demande"), on_delete=models.PROTECT,
        related_name="decisions",
    )
    outcome = models.CharField(_("décision"), max_length=16, choices=Outcome.choices)
    committee_date = models.DateField(_("date du comité"))
    notes = models.TextField(_("motivation"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saisie par"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    recorded_at = models.DateTimeField(_("saisie le"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["-committee_date", "application"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "outcome", "committee_date"],
                name="decision_unique_per_committee",
            ),
            # Selected or not selected: an application gets one final decision, never both.
            models.UniqueConstraint(
                fields=["application"], condition=Q(outcome__in=["selected", "not_selected"]),
                name="decision_one_final_per_application",
            ),
        ]
        indexes = [
            models.Index(fields=["-committee_date", "application"], name="decision_ordering_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference}: {self.get_outcome_display()}"


class Audition(models.Model):
    """An audition of an application's team by a panel (for example the ECLAIR group of
    patient partners for the "Expérience patient" track), scheduled and then given an
    outcome by staff through `programmes.evaluation.audition_schedule` and
    `audition_record_outcome`. The ranking reads the latest outcome per application."""

    class Kind(models.TextChoices):
        ECLAIR = "eclair", _("ECLAIR — expérience patient")
        SCIENTIFIC_COUNCIL = "scientific_council", _("Conseil scientifique")
        COMMITTEE = "committee", _("Comité de sélection")

    class Outcome(models.TextChoices):
        FAVOURABLE = "favourable", _("Favorable")
        RESERVED = "reserved", _("Réservé")
        UNFAVOURABLE = "unfavourable", _("Défavorable")

    application = models.ForeignKey(
        Application, verbose_name=_("demande"), on_delete=models.CASCADE,
        related_name="auditions",
    )
    kind = models.CharField(_("type d'audition"), max_length=32, choices=Kind.choices,
                            default=Kind.ECLAIR)
    scheduled_at = models.DateTimeField(_("date et heure"))
    location = models.CharField(_("lieu ou lien de visioconférence"), max_length=255,
                                blank=True)
    panel = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("jury (comptes)"), blank=True,
        related_name="audition_panels",
    )
    panel_description = models.TextField(
        _("composition du jury"), blank=True,
        help_text=_("Les membres du jury qui n'ont pas de compte, par exemple."),
    )
    outcome = models.CharField(_("avis"), max_length=16, choices=Outcome.choices, blank=True)
    notes = models.TextField(_("compte rendu"), blank=True)
    outcome_recorded_at = models.DateTimeField(_("avis saisi le"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saisi par"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("audition")
        verbose_name_plural = _("auditions")
        ordering = ["-scheduled_at", "application"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind", "scheduled_at"], name="audition_unique_slot"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_recorded_at__isnull=False),
                name="audition_outcome_recorded_at",
            ),
        ]
        indexes = [
            models.Index(fields=["application", "-scheduled_at"], name="audition_app_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.application.reference} — {self.get_kind_display()}"
