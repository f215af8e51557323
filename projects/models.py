"""Funded projects followed for years, their yearly status, reports and outcomes; support
actions given by CLARA staff."""

import re
import urllib.parse
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clara.network.models import Organisation, Site, Team

MONEY = {"max_digits": 12, "decimal_places": 2}


class FundedProject(models.Model):
    """A project funded by an award, followed until it completes or stops.

    The `facet_*` columns are a derived copy of what the public list `/projets/` filters,
    sorts and searches on (`projects.search`), read from the project's own row instead of
    the join FundedProject → Award → Application → Call and the yearly statuses: the
    programme, track and innovation domain (ids), the year of the award's decision in Paris
    time, the decision's moment and the award's amount (the "recent" and "amount" sorts), the
    status of the latest year recorded, the co-funders of its award, and the searched text
    (name, application title and acronym, public summary; raw and as a French full-text
    vector for PostgreSQL, unaccented and case folded for SQLite). Attributes, never totals. Never edited (not in any form, not in the history):
    written only by `projects.services.project_facts_refresh(project_ids=None)`, which the
    receivers of `projects.apps` call on every save or delete of a project, its award,
    application, call, yearly status or contribution; writers that bypass model signals (`bulk_create`,
    `bulk_update`, `QuerySet.update`: the demo loader, bulk imports) call it themselves, and
    `manage.py refresh_project_facts` recomputes them all. A project whose copy was never
    written (`facet_programme_id` NULL) is refreshed by the first list that meets it."""

    award = models.OneToOneField(
        "funding.Award", verbose_name=_("financement"), on_delete=models.PROTECT,
        related_name="project",
    )
    name = models.CharField(
        _("nom du projet"), max_length=100, help_text=_("Acronyme public, ex. : GERME.")
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="projects",
    )
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin prévue"), null=True, blank=True)
    public_summary = models.TextField(_("résumé public"), blank=True)

    # The derived copy (see the docstring): written by `project_facts_refresh` only.
    facet_programme_id = models.PositiveIntegerField(null=True, editable=False)
    facet_track_id = models.PositiveIntegerField(null=True, editable=False)
    facet_domain_id = models.PositiveIntegerField(null=True, editable=False)
    facet_decision_year = models.PositiveSmallIntegerField(null=True, editable=False)
    facet_decided_at = models.DateTimeField(null=True, editable=False)
    facet_amount = models.DecimalField(**MONEY, null=True, editable=False)
    facet_latest_status = models.CharField(max_length=16, null=True, editable=False)
    facet_search_text = models.TextField(default="", editable=False)
    facet_search_plain = models.TextField(default="", editable=False)
    # The co-funders of its award, their ids in order between commas (",3,7,12,"): the
    # co-funder filter and its counts without a join to the contributions.
    facet_funders = models.TextField(default="", editable=False)
    # PostgreSQL: the French full-text vector of `facet_search_text` (GIN index, migration
    # 0008), stored so that a row is never parsed again at query time. NULL elsewhere.
    facet_search_vector = SearchVectorField(null=True, editable=False)

    history = HistoricalRecords(excluded_fields=[
        "facet_programme_id", "facet_track_id", "facet_domain_id", "facet_decision_year",
        "facet_decided_at", "facet_amount", "facet_latest_status", "facet_search_text",
        "facet_search_plain", "facet_funders", "facet_search_vector"])

    class Meta:
        verbose_name = _("projet financé")
        verbose_name_plural = _("projets financés")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="project_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["name"], name="project_name_idx"),
            # The public list: its grouped counts of the facets and of the co-funders (an
            # index-only scan on PostgreSQL), its sorts.
            models.Index(fields=["facet_programme_id", "facet_track_id", "facet_decision_year",
                                 "site", "facet_domain_id", "facet_latest_status",
                                 "facet_funders"],
                         name="project_facets_idx"),
            # A year's or a status's projects, most recent first: both follow the order of
            # the decisions, which the "recent" index alone would walk from the newest.
            models.Index(fields=["facet_decision_year", "-facet_decided_at", "name", "id"],
                         name="project_year_recent_idx"),
            models.Index(fields=["facet_latest_status", "-facet_decided_at", "name", "id"],
                         name="project_status_recent_idx"),
            models.Index(fields=["-facet_decided_at", "name", "id"], name="project_recent_idx"),
            models.Index(fields=["-facet_amount", "name", "id"], name="project_amount_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectYearStatus(models.Model):
    """Where a funded project stands in a given year."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Conventionnement en cours")
        ONGOING = "ongoing", _("En cours de réalisation et de suivi")
        COMPLETED = "completed", _("Terminé")
        STOPPED = "stopped", _("Arrêté")

    # The status a project may have in a later year, given its status in an earlier one: a
    # completed or stopped project never starts again. Applied by
    # `projects.services.project_status_set`, the only writer of these rows.
    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        Status.NOT_STARTED: {Status.NOT_STARTED, Status.ONGOING, Status.STOPPED},
        Status.ONGOING: {Status.ONGOING, Status.COMPLETED, Status.STOPPED},
        Status.COMPLETED: {Status.COMPLETED},
        Status.STOPPED: {Status.STOPPED},
    }

    # A funded project is stopped, never deleted: the database refuses to delete one that has
    # statuses, reports or outcomes.
    project = models.ForeignKey(
        FundedProject, verbose_name=_("projet"), on_delete=models.PROTECT,
        related_name="year_statuses",
    )
    year = models.PositiveSmallIntegerField(_("année"))
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("statut annuel")
        verbose_name_plural = _("statuts annuels")
        ordering = ["project", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="project_status_unique_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="project_status_year_range"
            ),
        ]
        # "Projects ongoing in a year" is a key figure.
        indexes = [models.Index(fields=["year", "status"], name="project_status_year_idx")]

    def __str__(self) -> str:
        return f"{self.project} {self.year}: {self.get_status_display()}"


class FollowUpReport(models.Model):
    """The yearly follow-up report of a funded project: expected (with its due date), then
    submitted by the principal investigator, then accepted by staff (final)."""

    class Status(models.TextChoices):
        EXPECTED = "expected", _("À remettre")
        SUBMITTED = "submitted", _("Remis")
        ACCEPTED = "accepted", _("Accepté")

    # Written by `projects.services` only: the principal investigator submits (and may submit
    # again while staff have not accepted it), staff accept.
    ALLOWED_TRANSITIONS: dict[str, set[str]] = {
        Status.EXPECTED: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.SUBMITTED, Status.ACCEPTED},
        Status.ACCEPTED: set(),
    }

    project = models.ForeignKey(
        FundedProject, verbose_name=_("projet"), on_delete=models.PROTECT, related_name="reports"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    status = models.CharField(
        _("statut"), max_length=16, choices=Status.choices, default=Status.EXPECTED
    )
    due_on = models.DateField(_("à remettre le"))
    submitted_on = models.DateField(_("remis le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("remis par"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    summary = models.TextField(_("avancement du projet"), blank=True)
    difficulties = models.TextField(_("difficultés rencontrées"), blank=True)
    next_steps = models.TextField(_("prochaines étapes"), blank=True)
    # Set when the reminder e-mail is sent: one reminder per report, whatever the runs.
    reminded_at = models.DateTimeField(_("relance envoyée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rapport de suivi")
        verbose_name_plural = _("rapports de suivi")
        ordering = ["project", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="report_unique_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="report_year_range"
            ),
            models.CheckConstraint(
                condition=Q(status="expected") | Q(submitted_on__isnull=False),
                name="report_submitted_has_date",
            ),
        ]
        # Overdue reports (expected, due before today) and the reminders' query.
        indexes = [models.Index(fields=["status", "due_on"], name="report_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.project} — {self.year}"


# A DOI: "10." then a registrant code of digits (dot-separated parts), "/", a suffix.
DOI_RE = re.compile(r"^10\.\d{4,9}(\.\d+)*/\S+$")
# ClinicalTrials.gov (NCT and 8 digits), the EU CTIS number (2023-500123-45-00) and the
# older EudraCT number (2019-001234-56).
TRIAL_RES = (
    re.compile(r"^NCT\d{8}$"),
    re.compile(r"^\d{4}-5\d{5}-\d{2}-\d{2}$"),
    re.compile(r"^\d{4}-\d{6}-\d{2}$"),
)
# A patent or application number: letters, digits and separators, at least one digit.
PATENT_RE = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9 ./-]{3,40}$")


def normalise_doi(value: str) -> str:
    """A DOI as typed or pasted (https://doi.org/10..., doi:10...) reduced to 10.xxxx/..."""
    value = value.strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/",
                   "http://dx.doi.org/", "doi:", "DOI:", "doi.org/"):
        if value.lower().startswith(prefix.lower()):
            return value[len(prefix):].strip()
    return value


class Outcome(models.Model):
    """A result of a funded project: publication, patent, trial, product, jobs, funding.

    It counts in the key figures of the year of its `date`."""

    class Kind(models.TextChoices):
        PUBLICATION = "publication", _("Publication")
        PATENT = "patent", _("Brevet")
        CLINICAL_TRIAL = "clinical_trial", _("Essai clinique")
        PRODUCT = "product", _("Produit mis sur le marché")
        JOBS = "jobs", _("Emplois R&D créés")
        FOLLOW_ON_FUNDING = "follow_on_funding", _("Financement obtenu ensuite")

    project = models.ForeignKey(
        FundedProject, verbose_name=_("projet"), on_delete=models.PROTECT,
        related_name="outcomes",
    )
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("intitulé"), max_length=300)
    date = models.DateField(_("date"))
    identifier = models.CharField(
        _("identifiant"), max_length=100, blank=True, help_text=_("DOI, numéro de brevet, NCT…")
    )
    jobs = models.PositiveSmallIntegerField(_("emplois créés"), default=0)
    amount = models.DecimalField(
        _("montant (€)"), **MONEY, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    funder = models.CharField(_("financeur"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saisi par"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("résultat")
        verbose_name_plural = _("résultats")
        ordering = ["project", "-date"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="outcome_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["project", "-date"], name="outcome_ordering_idx"),
            # The key figures read the outcomes of a year.
            models.Index(fields=["date", "kind"], name="outcome_date_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def identifier_url(self) -> str | None:
        """Where the public can read the outcome: the DOI resolver for a publication, the
        trial's registry, Espacenet for a patent; None for anything else."""
        identifier = (self.identifier or "").strip()
        if not identifier:
            return None
        quoted = urllib.parse.quote(identifier, safe="/")
        if self.kind == self.Kind.PUBLICATION and DOI_RE.match(identifier):
            return f"https://doi.org/{quoted}"
        if self.kind == self.Kind.CLINICAL_TRIAL:
            if TRIAL_RES[0].match(identifier):
                return f"https://clinicaltrials.gov/study/{identifier}"
            if TRIAL_RES[1].match(identifier):
                return f"https://euclinicaltrials.eu/search-for-clinical-trials/?EUCT={identifier}"
            if TRIAL_RES[2].match(identifier):
                return ("https://www.clinicaltrialsregister.eu/ctr-search/search?query="
                        f"{identifier}")
        if self.kind == self.Kind.PATENT:
            return ("https://worldwide.espacenet.com/patent/search?q="
                    + urllib.parse.quote(identifier, safe=""))
        return None

    def clean(self) -> None:
        """What each kind of outcome must carry: a valid DOI, a patent number, a trial's
        registry number, a number of jobs, an amount and a funder."""
        errors = {}
        kind, identifier = self.kind, (self.identifier or "").strip()
        if kind == self.Kind.PUBLICATION:
            identifier = normalise_doi(identifier)
            if not DOI_RE.match(identifier):
                errors["identifier"] = _(
                    "Indiquez le DOI de la publication, de la forme 10.1234/abcd "
                    "(par exemple 10.1038/s41586-020-2649-2)."
                )
        elif kind == self.Kind.PATENT:
            identifier = identifier.upper()
            if not PATENT_RE.match(identifier):
                errors["identifier"] = _(
                    "Indiquez le numéro de la demande ou du brevet (par exemple FR2301234 ou "
                    "EP4123456)."
                )
        elif kind == self.Kind.CLINICAL_TRIAL:
            identifier = identifier.upper()
            if not any(pattern.match(identifier) for pattern in TRIAL_RES):
                errors["identifier"] = _(
                    "Indiquez le numéro d'enregistrement de l'essai : NCT suivi de 8 chiffres "
                    "(ClinicalTrials.gov) ou le numéro européen (2023-500123-45-00, ou "
                    "EudraCT 2019-001234-56)."
                )
        if kind == self.Kind.JOBS and not self.jobs:
            errors["jobs"] = _("Indiquez le nombre d'emplois R&D créés (au moins 1).")
        if kind == self.Kind.FOLLOW_ON_FUNDING:
            if self.amount is None or self.amount <= 0:
                errors["amount"] = _("Indiquez le montant obtenu, en euros.")
            if not (self.funder or "").strip():
                errors["funder"] = _("Indiquez le financeur (par exemple ANR, INCa, ERC).")
        if errors:
            raise ValidationError(errors)
        self.identifier = identifier


class SupportAction(models.Model):
    """Advice given by CLARA staff to a project or team during the year, funded or not."""

    class Kind(models.TextChoices):
        APPLICATION_ADVICE = "application_advice", _("Conseil au montage de projet")
        VALORISATION = "valorisation", _("Valorisation et transfert")
        PARTNERSHIP = "partnership", _("Mise en relation et partenariat")
        FUNDING_SEARCH = "funding_search", _("Recherche de financements")
        OTHER = "other", _("Autre")

    date = models.DateField(_("date"))
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    subject = models.CharField(_("objet"), max_length=300)
    team = models.ForeignKey(
        Team, verbose_name=_("équipe"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="support_actions",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="support_actions",
    )
    project = models.ForeignKey(
        FundedProject, verbose_name=_("projet financé"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="support_actions",
    )
    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chargé(e) de mission"),
        on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("action d'accompagnement")
        verbose_name_plural = _("actions d'accompagnement")
        ordering = ["-date"]
        indexes = [models.Index(fields=["-date"], name="support_action_date_idx")]

    def __str__(self) -> str:
        return self.subject
