"""Scientific animation: events organised or supported by CLARA, what happened at them,
working groups, and international actions."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from clara.network.models import Organisation, Person, Site


class WorkingGroup(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    acronym = models.CharField(_("sigle"), max_length=50, blank=True)
    description = models.TextField(_("description"), blank=True)
    started_on = models.DateField(_("créé le"))
    ended_on = models.DateField(_("clos le"), null=True, blank=True)
    members = models.ManyToManyField(
        Person, verbose_name=_("membres"), blank=True, related_name="working_groups"
    )

    class Meta:
        verbose_name = _("groupe de travail")
        verbose_name_plural = _("groupes de travail")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="working_group_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.acronym or self.name


class EventQuerySet(models.QuerySet):
    def in_year(self, year: int):
        """Events that start during `year`."""
        return self.filter(start_date__year=year)


class Event(models.Model):
    """An event organised by CLARA, or organised by others and supported by CLARA."""

    class Kind(models.TextChoices):
        FORUM = "forum", _("Forum de la recherche en cancérologie")
        PUBLIC_EVENING = "public_evening", _("Soirée grand public")
        INFO_SESSION = "info_session", _("Session d'information")
        TRAINING = "training", _("Formation")
        WORKSHOP = "workshop", _("Atelier participatif")
        SUMMER_SCHOOL = "summer_school", _("École d'été")
        CONFERENCE = "conference", _("Conférence")
        SCIENTIFIC_EVENT = "scientific_event", _("Manifestation scientifique")
        OTHER = "other", _("Autre")

    class Role(models.TextChoices):
        ORGANISED = "organised", _("Organisé par le CLARA")
        SUPPORTED = "supported", _("Soutenu par le CLARA")
        PARTNERSHIP = "partnership", _("En partenariat")

    title = models.CharField(_("titre"), max_length=300)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    role = models.CharField(_("rôle du CLARA"), max_length=16, choices=Role.choices)
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="events",
    )
    venue = models.CharField(_("lieu"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    participants = models.PositiveIntegerField(
        _("participants"), null=True, blank=True,
        help_text=_("Nombre de personnes présentes (émargement)."),
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("événement parent"), on_delete=models.CASCADE, null=True,
        blank=True, related_name="sessions",
        help_text=_("Par exemple le Forum pour un atelier participatif qui s'y tient."),
    )
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("organisateur"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="organised_events",
    )
    call = models.ForeignKey(
        "programmes.Call", verbose_name=_("appel présenté"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="info_sessions",
    )
    working_group = models.ForeignKey(
        WorkingGroup, verbose_name=_("groupe de travail"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="events",
    )
    award = models.OneToOneField(
        "funding.Award", verbose_name=_("subvention"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="event",
        help_text=_("Le financement accordé à une manifestation soutenue."),
    )
    is_international = models.BooleanField(_("action internationale"), default=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="event_end_after_start"
            ),
        ]
        # Events of a year are key figures; the admin lists the newest first.
        indexes = [models.Index(fields=["-start_date", "title"], name="event_start_date_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


class EventSpeaker(models.Model):
    event = models.ForeignKey(
        Event, verbose_name=_("événement"), on_delete=models.CASCADE, related_name="speakers"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("intervenant"), on_delete=models.PROTECT, related_name="talks"
    )
    topic = models.CharField(_("sujet"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="speaker_unique_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.event}"


class Poster(models.Model):
    class Kind(models.TextChoices):
        LAY = "lay", _("Poster vulgarisé")
        SCIENTIFIC = "scientific", _("Poster scientifique")

    event = models.ForeignKey(
        Event, verbose_name=_("événement"), on_delete=models.CASCADE, related_name="posters"
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("titre"), max_length=300)
    presenter = models.ForeignKey(
        Person, verbose_name=_("présenté par"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="posters",
    )

    class Meta:
        verbose_name = _("poster")
        verbose_name_plural = _("posters")
        ordering = ["event", "kind", "title"]

    def __str__(self) -> str:
        return self.title


class Prize(models.Model):
    class Kind(models.TextChoices):
        POSTER_PRIZE = "poster_prize", _("Prix du meilleur poster")
        STARTUP_TROPHY = "startup_trophy", _("Trophée jeune start-up")

    event = models.ForeignKey(
        Event, verbose_name=_("événement"), on_delete=models.CASCADE, related_name="prizes"
    )
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    label = models.CharField(_("intitulé"), max_length=200)
    poster = models.OneToOneField(
        Poster, verbose_name=_("poster primé"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="prize",
    )
    laureate = models.ForeignKey(
        Organisation, verbose_name=_("start-up lauréate"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="prizes",
    )
    awarded_by_clara = models.BooleanField(_("remis par le CLARA"), default=True)

    class Meta:
        verbose_name = _("prix")
        verbose_name_plural = pgettext_lazy("plural", "prix")
        ordering = ["event", "kind", "label"]
        constraints = [
            # A poster prize rewards a poster, a start-up trophy a company: never the other.
            models.CheckConstraint(
                condition=(Q(kind="poster_prize") & Q(laureate__isnull=True))
                | (Q(kind="startup_trophy") & Q(poster__isnull=True)),
                name="prize_kind_matches_laureate",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class SurveyResponse(models.Model):
    """One participant's answer to an event's satisfaction survey."""

    event = models.ForeignKey(
        Event, verbose_name=_("événement"), on_delete=models.CASCADE,
        related_name="survey_responses",
    )
    would_recommend = models.BooleanField(_("recommanderait l'événement"))
    rating = models.PositiveSmallIntegerField(_("note sur 5"))
    comment = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("réponse au questionnaire de satisfaction")
        verbose_name_plural = _("réponses au questionnaire de satisfaction")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=0) & Q(rating__lte=5), name="survey_rating_0_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event}: {self.rating}/5"


class InternationalActionQuerySet(models.QuerySet):
    def in_year(self, year: int):
        return self.filter(start_date__year=year)


class InternationalAction(models.Model):
    """A researcher mobility, a teacher sent abroad, a student hosted, or a delegation."""

    class Kind(models.TextChoices):
        MOBILITY = "mobility", _("Mobilité de jeune chercheur")
        TEACHING = "teaching", _("Enseignant mobilisé à l'étranger")
        STUDENT_HOSTED = "student_hosted", _("Étudiant accueilli")
        DELEGATION = "delegation", _("Délégation")

    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("intitulé"), max_length=300)
    person = models.ForeignKey(
        Person, verbose_name=_("personne"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="international_actions",
    )
    country = CountryField(_("pays"))
    institution = models.CharField(_("établissement"), max_length=255, blank=True)
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"), null=True, blank=True)
    award = models.OneToOneField(
        "funding.Award", verbose_name=_("financement"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="international_action",
    )
    members = models.ManyToManyField(
        Person, verbose_name=_("membres de la délégation"), blank=True,
        related_name="delegations",
    )

    objects = InternationalActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("action internationale")
        verbose_name_plural = _("actions internationales")
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="international_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["-start_date", "title"], name="international_start_date_idx"),
        ]

    def __str__(self) -> str:
        return self.title
