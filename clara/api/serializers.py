"""What the public API answers of each record: the public representation of `clara/public.py`
and of the public pages that read it, never a model's own fields.

- A funded project's row has exactly the columns of the public list's download
  (`projects.public_views._rows`: `/projets/?format=json`); its page adds what
  `/projets/<id>/` shows: the principal investigator and co-applicants named only with their
  recorded consent (the others counted), teams, partner companies, the co-funders' shares
  (public money), yearly statuses and outcomes (the columns of `PUBLIC[Outcome]`).
- A call: the columns of `PUBLIC[Call]` and what its public page shows (a call holds no
  personal data); applications are never read, not even counted.
- An event: the columns of `PUBLIC[Event]` and its public counts; on its page speakers
  counted per profile and named only with their consent (`PUBLIC[EventSpeaker]`), posters
  and prizes as `PUBLIC[Poster]` and `PUBLIC[Prize]` (a presenter named only with consent),
  the survey only in aggregate.
- An organisation: the columns of `PUBLIC[Organisation]`, its kind and its number of funded
  projects; a funder's total of contributions to funded projects (public money).

`tests/api/test_public_fields.py` holds the allowlist of every key and proves each list and
page keeps to it; the fuzz (`tests/api/test_fuzz.py`) checks every answer against it.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clara.public import person_public_name, representation_of
from events.models import Poster, Prize


def _absolute(context: dict, name: str, *args) -> str:
    """The absolute address of a public page (in the language of the request)."""
    path = reverse(name, args=args)
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def _column(model, header: str):
    """The public column of `model` whose French header is `header` (clara/public.py)."""
    from django.utils import translation

    with translation.override("fr"):
        return next(c for c in representation_of(model).columns if str(c.header) == header)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Message d'erreur, en français par défaut."))


# --- Funded projects --------------------------------------------------------------------------


class ProjectSerializer(serializers.Serializer):
    """A row of the public list of funded projects (its download's columns)."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    programme = serializers.CharField(source="award.application.call.programme.name")
    call = serializers.CharField(source="award.application.call.title")
    site = serializers.SerializerMethodField()
    start_date = serializers.DateField(allow_null=True)
    decided_on = serializers.SerializerMethodField()
    amount_eur = serializers.DecimalField(source="award.amount", max_digits=14,
                                          decimal_places=2)
    url = serializers.SerializerMethodField()

    def get_site(self, project) -> str:
        return project.site.name if project.site else ""

    @extend_schema_field(OpenApiTypes.DATE)
    def get_decided_on(self, project):
        return timezone.localtime(project.award.decided_at).date()

    def get_url(self, project) -> str:
        return _absolute(self.context, "funded:detail", project.pk)


class TeamSerializer(serializers.Serializer):
    name = serializers.CharField()
    organisation = serializers.CharField(source="organisation.name")
    site = serializers.SerializerMethodField()

    def get_site(self, team) -> str:
        return team.site.name if team.site else ""


class ContributionSerializer(serializers.Serializer):
    funder = serializers.CharField(source="funder.name")
    amount_eur = serializers.DecimalField(source="amount", max_digits=14, decimal_places=2)


class YearStatusSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")


class OutcomeSerializer(serializers.Serializer):
    """An outcome as `PUBLIC[Outcome]` shows it: never who recorded it."""

    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    date = serializers.DateField()
    identifier = serializers.CharField()
    identifier_url = serializers.CharField(allow_null=True)
    jobs = serializers.IntegerField()
    amount_eur = serializers.DecimalField(source="amount", max_digits=14, decimal_places=2,
                                          allow_null=True)


class ProjectDetailSerializer(ProjectSerializer):
    """A funded project's public page."""

    title = serializers.CharField(source="award.application.title")
    acronym = serializers.CharField(source="award.application.acronym")
    track = serializers.SerializerMethodField()
    domain = serializers.SerializerMethodField()
    end_date = serializers.DateField(allow_null=True)
    public_summary = serializers.CharField()
    principal_investigator = serializers.SerializerMethodField(
        help_text=_("Nommé seulement avec son accord enregistré ; sinon null."))
    co_applicants = serializers.SerializerMethodField(
        help_text=_("Co-porteurs nommés avec leur accord."))
    co_applicants_unnamed = serializers.SerializerMethodField(
        help_text=_("Nombre de co-porteurs sans accord pour être nommés."))
    teams = TeamSerializer(source="award.application.teams.all", many=True)
    partner_companies = serializers.SerializerMethodField()
    contributions = ContributionSerializer(source="award.contributions.all", many=True)
    statuses = YearStatusSerializer(source="year_statuses.all", many=True)
    outcomes = OutcomeSerializer(source="outcomes.all", many=True)

    def get_track(self, project) -> str:
        track = project.award.application.call.track
        return track.get_code_display() if track else ""

    def get_domain(self, project) -> str:
        domain = project.award.application.domain
        return domain.name if domain else ""

    def get_principal_investigator(self, project) -> str | None:
        return person_public_name(project.award.application.principal_investigator)

    def get_co_applicants(self, project) -> list[str]:
        return [name for person in project.award.application.co_applicants.all()
                if (name := person_public_name(person))]

    def get_co_applicants_unnamed(self, project) -> int:
        return sum(1 for person in project.award.application.co_applicants.all()
                   if person_public_name(person) is None)

    def get_partner_companies(self, project) -> list[str]:
        return [company.name for company in project.award.application.partner_companies.all()]


# --- Calls ------------------------------------------------------------------------------------


CALL_STATES = {"ouvert": "open", "a_venir": "upcoming", "clos": "closed"}


class CallSerializer(serializers.Serializer):
    """A call as the public list shows it (`PUBLIC[Call]`: title, programme, closing)."""

    slug = serializers.CharField()
    title = serializers.CharField()
    programme = serializers.CharField(source="programme.name")
    track = serializers.SerializerMethodField()
    theme = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    state = serializers.SerializerMethodField(
        help_text=_("« ouvert », « a_venir » ou « clos » au moment de la réponse."))
    budget_eur = serializers.DecimalField(source="budget", max_digits=14, decimal_places=2,
                                          allow_null=True)
    max_requested_amount_eur = serializers.DecimalField(
        source="max_requested_amount", max_digits=14, decimal_places=2, allow_null=True)
    url = serializers.SerializerMethodField()

    def get_track(self, call) -> str:
        return call.track.get_code_display() if call.track_id else ""

    @extend_schema_field(serializers.ChoiceField(choices=list(CALL_STATES)))
    def get_state(self, call) -> str:
        now = self.context.get("now") or timezone.now()
        if now < call.opens_at:
            return "a_venir"
        return "ouvert" if call.is_open(now) else "clos"

    def get_url(self, call) -> str:
        return _absolute(self.context, "calls:detail", call.slug)


class CriterionSerializer(serializers.Serializer):
    label = serializers.CharField()
    description = serializers.CharField()
    max_score = serializers.IntegerField()
    weight = serializers.DecimalField(max_digits=4, decimal_places=2)


class RequiredDocumentSerializer(serializers.Serializer):
    label = serializers.CharField()
    mandatory = serializers.BooleanField()


class CallDetailSerializer(CallSerializer):
    description = serializers.CharField()
    eligibility_rules = serializers.CharField()
    criteria = CriterionSerializer(source="criteria.all", many=True)
    required_documents = RequiredDocumentSerializer(source="required_documents.all",
                                                    many=True)
    cofunders = serializers.SerializerMethodField()
    domains = serializers.SerializerMethodField()
    sites = serializers.SerializerMethodField()

    def get_cofunders(self, call) -> list[str]:
        return [funder.name for funder in call.cofunders.all()]

    def get_domains(self, call) -> list[str]:
        return [domain.name for domain in call.domains.all()]

    def get_sites(self, call) -> list[str]:
        return [site.name for site in call.sites.all()]


# --- Events -----------------------------------------------------------------------------------


class EventSerializer(serializers.Serializer):
    """An event as `PUBLIC[Event]` and the public list show it: its counts, never a person."""

    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    site = serializers.SerializerMethodField()
    venue = serializers.CharField()
    participants = serializers.IntegerField(allow_null=True)
    speakers_count = serializers.IntegerField(source="n_speakers")
    posters_count = serializers.IntegerField(source="n_posters")
    prizes_count = serializers.IntegerField(source="n_prizes")
    sessions_count = serializers.IntegerField(source="n_sessions")
    award_amount_eur = serializers.SerializerMethodField(
        help_text=_("Subvention de l'événement (versée à l'organisateur, jamais à une personne)."))
    url = serializers.SerializerMethodField()

    def get_site(self, event) -> str:
        return event.site.name if event.site_id else ""

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True,
                          "pattern": r"^-?\d{0,12}(?:\.\d{0,2})?$"})
    def get_award_amount_eur(self, event):
        value = _column(type(event), "Subvention").value(event)
        return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))

    def get_url(self, event) -> str:
        return _absolute(self.context, "events:detail", event.pk)


class SpeakerGroupSerializer(serializers.Serializer):
    profile = serializers.CharField()
    count = serializers.IntegerField()
    named = serializers.ListField(child=serializers.CharField(),
                                  help_text=_("Intervenants nommés avec leur accord."))


class PosterSerializer(serializers.Serializer):
    """A poster as `PUBLIC[Poster]`, its presenter named only with their consent."""

    title = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField()
    presenter = serializers.SerializerMethodField()

    def get_title(self, row) -> str:
        return str(_column(Poster, "Poster").value(row[0]))

    def get_kind(self, row) -> str:
        return str(_column(Poster, "Type").value(row[0]))

    def get_presenter(self, row) -> str | None:
        return row[1]


class PrizeSerializer(serializers.Serializer):
    """A prize as `PUBLIC[Prize]` (its laureate is an organisation or a poster)."""

    label = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField()
    laureate = serializers.SerializerMethodField()

    def get_label(self, prize) -> str:
        return str(_column(Prize, "Prix").value(prize))

    def get_kind(self, prize) -> str:
        return str(_column(Prize, "Type").value(prize))

    def get_laureate(self, prize) -> str:
        return str(_column(Prize, "Lauréat").value(prize))


class SurveySerializer(serializers.Serializer):
    """The satisfaction survey in aggregate: never one answer, never a comment."""

    answers = serializers.IntegerField()
    mean_rating = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    recommend_percent = serializers.IntegerField(allow_null=True)


class EventDetailSerializer(EventSerializer):
    description = serializers.CharField()
    parent = serializers.SerializerMethodField()
    organiser = serializers.SerializerMethodField()
    call = serializers.SerializerMethodField()
    working_group = serializers.SerializerMethodField()
    sessions = EventSerializer(many=True, source="detail.sessions")
    speakers = SpeakerGroupSerializer(many=True, source="detail.speakers")
    posters = PosterSerializer(many=True, source="detail.posters")
    prizes = PrizeSerializer(many=True, source="detail.prizes")
    survey = SurveySerializer(source="detail.survey")

    def get_parent(self, event) -> int | None:
        return event.parent_id

    def get_organiser(self, event) -> str:
        return event.organiser.name if event.organiser_id else ""

    def get_call(self, event) -> str:
        return event.call.title if event.call_id else ""

    def get_working_group(self, event) -> str:
        return event.working_group.name if event.working_group_id else ""


# --- Organisations ----------------------------------------------------------------------------


class OrganisationSerializer(serializers.Serializer):
    """A partner as `PUBLIC[Organisation]` (name, city, site), its kind and projects."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    acronym = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    city = serializers.CharField()
    site = serializers.SerializerMethodField()
    projects_count = serializers.IntegerField(
        help_text=_("Projets financés auxquels elle a pris part."))
    url = serializers.SerializerMethodField()

    def get_site(self, organisation) -> str:
        return organisation.site.name if organisation.site_id else ""

    def get_url(self, organisation) -> str:
        return _absolute(self.context, "partners:detail", organisation.pk)


class OrganisationDetailSerializer(OrganisationSerializer):
    funder_projects_count = serializers.IntegerField(
        allow_null=True, help_text=_("Projets financés que son financeur a cofinancés (null : "
                                   "elle n'est pas financeur)."))
    funder_total_eur = serializers.DecimalField(
        source="funder_total", max_digits=14, decimal_places=2, allow_null=True,
        help_text=_("Total de ses contributions aux projets financés (argent public)."))


# --- Key figures ------------------------------------------------------------------------------


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("Clef stable du chiffre (ex. « awards.count »)."))
    section = serializers.CharField()
    section_label = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(help_text=_("Valeur (entier pour un compte, euros pour un "
                                             "montant, pourcentage, note sur 5)."))
    unit = serializers.ChoiceField(choices=["count", "sum", "eur", "percent", "rating", "days"])
    display = serializers.CharField(help_text=_("La valeur telle que le rapport l'imprime."))
    definition = serializers.CharField()


class PeriodFigureSerializer(FigureSerializer):
    rule = serializers.ChoiceField(choices=["sum", "once", "latest", "recomputed"])
    rule_label = serializers.CharField()


class YearFiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    figures = FigureSerializer(many=True)


class PeriodFiguresSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    figures = PeriodFigureSerializer(many=True)


class PublishedYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    url = serializers.CharField()
