"""The network: sites, organisations, teams with their yearly census, people."""

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clara.network.validators import (
    validate_orcid,
    validate_rna,
    validate_rnsr,
    validate_ror,
    validate_siren,
    validate_siret,
)


class Site(models.Model):
    """One of the four territories of the network ("Lyon et alentours", ...)."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("identifiant"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class OrganisationQuerySet(models.QuerySet):
    def companies_in_oncology(self, year: int):
        """Companies developing oncology products whose activity overlaps `year`."""
        return self.filter(
            kind=Organisation.Kind.COMPANY,
            develops_oncology_products=True,
            active_from__year__lte=year,
        ).filter(Q(active_until__isnull=True) | Q(active_until__year__gte=year))


class Organisation(models.Model):
    """A partner of any kind: university, hospital, lab, company, funder body, charity..."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("Université")
        HOSPITAL = "hospital", _("Centre hospitalier universitaire (CHU)")
        CANCER_CENTRE = "cancer_centre", _("Centre de lutte contre le cancer (CLCC)")
        INTERNATIONAL_AGENCY = "international_agency", _("Agence internationale (CIRC)")
        LABORATORY = "laboratory", _("Laboratoire de recherche")
        COMPANY = "company", _("Entreprise")
        LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")
        NATIONAL_BODY = "national_body", _("Organisme national")
        CHARITY = "charity", _("Association caritative")
        EUROPEAN_UNION = "european_union", _("Union européenne")
        SCHOOL = "school", _("École")
        ASSOCIATION = "association", _("Association")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=255)
    acronym = models.CharField(_("sigle"), max_length=50, blank=True)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="organisations",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("organisation de tutelle"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="children",
    )
    city = models.CharField(_("ville"), max_length=100, blank=True)
    website = models.URLField(_("site web"), blank=True)
    siren = models.CharField(
        _("SIREN"), max_length=9, blank=True, validators=[validate_siren]
    )
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True, validators=[validate_siret]
    )
    rna = models.CharField(
        _("numéro RNA"), max_length=10, blank=True, validators=[validate_rna],
        help_text=_("Associations : numéro du Répertoire national des associations "
                    "(W suivi de 9 chiffres)."),
    )
    ror = models.CharField(
        _("identifiant ROR"), max_length=9, blank=True, validators=[validate_ror]
    )
    rnsr = models.CharField(
        _("numéro RNSR"), max_length=10, blank=True, validators=[validate_rnsr]
    )
    develops_oncology_products = models.BooleanField(
        _("développe des produits en cancérologie"), default=False
    )
    active_from = models.DateField(
        _("actif depuis"), null=True, blank=True,
        help_text=_("Création, ou début de l'activité en cancérologie pour une entreprise."),
    )
    active_until = models.DateField(_("actif jusqu'au"), null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "site"], name="organisation_unique_name_site"),
            # NULLs are distinct in a unique index: national bodies (no site) need their own.
            models.UniqueConstraint(
                fields=["name"], condition=Q(site__isnull=True),
                name="organisation_unique_name_without_site",
            ),
            models.UniqueConstraint(
                fields=["siret"], condition=~Q(siret=""), name="organisation_unique_siret"
            ),
            models.UniqueConstraint(
                fields=["ror"], condition=~Q(ror=""), name="organisation_unique_ror"
            ),
            models.UniqueConstraint(
                fields=["rna"], condition=~Q(rna=""), name="organisation_unique_rna"
            ),
            models.UniqueConstraint(
                fields=["rnsr"], condition=~Q(rnsr=""), name="organisation_unique_rnsr"
            ),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_until__gte=models.F("active_from")),
                name="organisation_active_until_after_from",
            ),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siren="") | Q(siret__startswith=models.F("siren")),
                name="organisation_siret_starts_with_siren",
            ),
        ]
        indexes = [models.Index(fields=["kind", "develops_oncology_products"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class Team(models.Model):
    """An academic or clinical team, attached to a laboratory or a hospital."""

    class Kind(models.TextChoices):
        ACADEMIC = "academic", _("Équipe académique")
        CLINICAL = "clinical", _("Équipe clinique")

    name = models.CharField(_("nom"), max_length=255)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.ACADEMIC)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="teams",
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="teams"
    )
    leader = models.ForeignKey(
        "Person", verbose_name=_("responsable"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="led_teams",
    )

    class Meta:
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name"),
        ]
        indexes = [models.Index(fields=["name"], name="team_name_idx")]

    def __str__(self) -> str:
        return self.name


class TeamCensusQuerySet(models.QuerySet):
    def totals(self):
        return self.aggregate(
            teams=models.Count("team", distinct=True),
            researchers=Sum(models.F("researchers") + models.F("doctoral_students")),
            health_professionals=Sum("health_professionals"),
        )


class TeamCensus(models.Model):
    """A team's yearly headcounts in oncology. The network's headcounts are sums of these."""

    team = models.ForeignKey(
        Team, verbose_name=_("équipe"), on_delete=models.CASCADE, related_name="censuses"
    )
    year = models.PositiveSmallIntegerField(_("année"))
    researchers = models.PositiveIntegerField(_("chercheurs en cancérologie"), default=0)
    doctoral_students = models.PositiveIntegerField(_("doctorants en cancérologie"), default=0)
    health_professionals = models.PositiveIntegerField(
        _("professionnels de santé en cancérologie"), default=0
    )

    objects = TeamCensusQuerySet.as_manager()

    class Meta:
        verbose_name = _("recensement d'équipe")
        verbose_name_plural = _("recensements d'équipes")
        ordering = ["-year", "team__name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "year"], name="teamcensus_unique_team_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="teamcensus_year_range"
            ),
        ]
        # The key figures read one year's census; (team, year) above serves a team's history.
        indexes = [models.Index(fields=["year"], name="teamcensus_year_idx")]

    def __str__(self) -> str:
        return f"{self.team} — {self.year}"


class Person(models.Model):
    """A researcher, clinician, patient partner or company contact."""

    class Kind(models.TextChoices):
        RESEARCHER = "researcher", _("Chercheur ou chercheuse")
        CLINICIAN = "clinician", _("Clinicien ou clinicienne")
        DOCTORAL_STUDENT = "doctoral_student", _("Doctorant ou doctorante")
        PATIENT_PARTNER = "patient_partner", _("Patient partenaire")
        COMPANY_CONTACT = "company_contact", _("Contact en entreprise")
        STAFF = "staff", _("Équipe CLARA")
        OTHER = "other", _("Autre")

    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(pgettext_lazy("family name", "nom"), max_length=150)
    kind = models.CharField(_("profil"), max_length=32, choices=Kind.choices)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    orcid = models.CharField(
        _("ORCID iD"), max_length=19, blank=True, validators=[validate_orcid],
        help_text=_("Format 0000-0000-0000-0000."),
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="people",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("équipe"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("compte"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="person",
    )
    # GDPR: a person is named on a public page only with their recorded consent, and the date
    # it was given. No date, no name: public pages show counts instead (clara/public.py).
    public_consent_on = models.DateField(
        _("accord pour être nommé publiquement, le"), null=True, blank=True,
        help_text=_(
            "Date à laquelle la personne a accepté d'être nommée sur le site public "
            "(intervenant, lauréat, membre d'une délégation…). Pour une patiente ou un patient "
            "partenaire, cet accord couvre aussi la mention de ce rôle. Laisser vide : la "
            "personne n'est jamais nommée publiquement."
        ),
    )

    class Meta:
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["orcid"], condition=~Q(orcid=""), name="person_unique_orcid"
            ),
        ]
        indexes = [models.Index(fields=["last_name", "first_name"], name="person_name_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def may_be_named_publicly(self) -> bool:
        return self.public_consent_on is not None
