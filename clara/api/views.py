"""The public API's views: read-only, anonymous, throttled per client address, paginated.
They only read, through the selectors of the public pages (`projects.search`,
`programmes.selectors`, `events.selectors`, `clara.network.public_selectors`,
`clara.keyfigures`), and answer the public representation of each record
(`clara.api.serializers`).

Bad query parameters are ignored as on the public pages (a list is never a 500); a page
number that does not exist is a 404, a period whose years are not all published a 404."""

from __future__ import annotations

from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

from clara.api import serializers as s
from clara.formatting import format_figure
from clara.keyfigures import period, publication, selectors
from clara.keyfigures.plurals import label_for
from clara.network.models import Organisation
from clara.network.public_selectors import (
    PartnerFilters,
    organisation_public,
    partner_list_public,
)
from events.models import Event
from events.selectors import EventFilters, event_detail_public, event_list_public
from programmes.models import Call
from programmes.selectors import call_detail_public
from projects.models import FundedProject, ProjectYearStatus
from projects.search import SORTS, Filters, Rows, project_search_result
from projects.selectors import funded_project_public

# The largest primary key the database holds (BigAutoField): beyond it a 404 before any query
# (PostgreSQL would refuse the value with an error).
MAX_PK = 2**63 - 1


class ApiThrottle(AnonRateThrottle):
    """Requests per client address (`API_THROTTLE_RATE`, default 120/minute), counted in the
    default cache. The rate is read at each request, so that a test can change it."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class Pagination(PageNumberPagination):
    invalid_page_message = gettext_lazy("Cette page n'existe pas.")


ERRORS = {
    404: OpenApiResponse(s.ErrorSerializer, description=gettext_lazy("Introuvable.")),
    429: OpenApiResponse(s.ErrorSerializer,
                         description=gettext_lazy("Trop de requêtes : réessayez plus tard.")),
}


def _clean(query: QueryDict) -> QueryDict:
    """The query without NUL characters (PostgreSQL refuses them in a text parameter)."""
    cleaned = QueryDict(mutable=True)
    for key, values in query.lists():
        cleaned.setlist(key, [value.replace("\x00", "") for value in values])
    return cleaned


def _pk(value) -> int:
    if not 0 < value <= MAX_PK:
        raise NotFound(_("Cet enregistrement n'existe pas."))
    return value


class ApiView(GenericAPIView):
    throttle_classes = [ApiThrottle]
    pagination_class = Pagination

    def paginated(self, rows, **context):
        page = self.paginate_queryset(rows)
        serializer = self.get_serializer(page, many=True, context={
            "request": self.request, **context})
        return self.get_paginated_response(serializer.data)


PROJECT_PARAMETERS = [
    OpenApiParameter("q", str, description=gettext_lazy(
        "Recherche plein texte (nom, titre, acronyme, résumé public), 200 caractères au plus.")),
    OpenApiParameter("programme", str, description=gettext_lazy(
        "Identifiant (slug) du programme.")),
    OpenApiParameter("clef", str, description=gettext_lazy("Numéro de la clef d'entrée.")),
    OpenApiParameter("annee", str, description=gettext_lazy(
        "Année de décision (quatre chiffres).")),
    OpenApiParameter("site", str, description=gettext_lazy("Identifiant (slug) du site.")),
    OpenApiParameter("domaine", str, description=gettext_lazy(
        "Identifiant (slug) du domaine d'innovation.")),
    OpenApiParameter("financeur", str, description=gettext_lazy(
        "Numéro du cofinanceur.")),
    OpenApiParameter("statut", str, enum=list(ProjectYearStatus.Status.values),
                     description=gettext_lazy(
                         "Statut de la dernière année enregistrée du projet.")),
    OpenApiParameter("chiffre", str, description=gettext_lazy(
        "Clef d'un chiffre clef qui compte des projets (avec « exercice »).")),
    OpenApiParameter("exercice", str, description=gettext_lazy(
        "Année du chiffre clef (quatre chiffres).")),
    OpenApiParameter("tri", str, enum=list(SORTS), description=gettext_lazy(
        "Ordre : « recent » (décision la plus récente, par défaut), « name », « amount ».")),
]


class ProjectList(ApiView):
    serializer_class = s.ProjectSerializer

    @extend_schema(
        summary=gettext_lazy("Projets financés"),
        description=gettext_lazy(
            "Les projets financés, avec les mêmes filtres et la même recherche que la liste "
            "publique /projets/. Un paramètre mal formé est ignoré."),
        parameters=PROJECT_PARAMETERS, responses={200: s.ProjectSerializer(many=True), **ERRORS})
    def get(self, request):
        filters = Filters.from_query(_clean(request.query_params))
        result = project_search_result(filters)
        # The number is known (no COUNT query); a page's rows are read by their keys.
        return self.paginated(Rows(result, filters))


class ProjectDetail(ApiView):
    serializer_class = s.ProjectDetailSerializer

    @extend_schema(summary=gettext_lazy("Un projet financé"),
                   parameters=[OpenApiParameter("id", {"type": "integer", "minimum": 1},
                                                OpenApiParameter.PATH)],
                   responses={200: s.ProjectDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        try:
            project = funded_project_public(pk=_pk(pk))
        except FundedProject.DoesNotExist:
            raise NotFound(_("Ce projet n'existe pas.")) from None
        return Response(self.get_serializer(project).data)


CALL_FILTER = {
    "ouvert": lambda now: Q(pk__in=Call.objects.open_at(now).values("pk")),
    "a_venir": lambda now: Q(opens_at__gt=now),
    "clos": lambda now: Q(closes_at__lte=now - timezone.timedelta(seconds=1)),
}


class CallList(ApiView):
    serializer_class = s.CallSerializer

    @extend_schema(
        summary=gettext_lazy("Appels à projets"),
        description=gettext_lazy("Les appels à projets, la clôture la plus récente d'abord."),
        parameters=[
            OpenApiParameter("etat", str, enum=list(s.CALL_STATES), description=gettext_lazy(
                "« ouvert », « a_venir » ou « clos » ; toute autre valeur est ignorée.")),
            OpenApiParameter("programme", str, description=gettext_lazy(
                "Identifiant (slug) du programme.")),
        ],
        responses={200: s.CallSerializer(many=True), **ERRORS})
    def get(self, request):
        now = timezone.now()
        calls = (Call.objects.select_related("programme", "track")
                 .order_by("-closes_at", "title", "pk"))
        state = request.query_params.get("etat", "")
        if state in CALL_FILTER:
            calls = calls.filter(CALL_FILTER[state](now))
        programme = request.query_params.get("programme", "").replace("\x00", "")
        if programme:
            calls = calls.filter(programme__slug=programme[:100])
        return self.paginated(calls, now=now)


class CallDetail(ApiView):
    serializer_class = s.CallDetailSerializer

    @extend_schema(summary=gettext_lazy("Un appel à projets"),
                   responses={200: s.CallDetailSerializer, **ERRORS})
    def get(self, request, slug: str):
        try:
            call = call_detail_public(slug)
        except Call.DoesNotExist:
            raise NotFound(_("Cet appel à projets n'existe pas.")) from None
        return Response(self.get_serializer(call).data)


class EventList(ApiView):
    serializer_class = s.EventSerializer

    @extend_schema(
        summary=gettext_lazy("Événements"),
        description=gettext_lazy(
            "Les événements (hors sessions d'un autre événement), le plus récent d'abord, "
            "avec les filtres de la liste publique /evenements/."),
        parameters=[
            OpenApiParameter("type", str, enum=list(Event.Kind.values),
                             description=gettext_lazy("Type d'événement.")),
            OpenApiParameter("annee", str, description=gettext_lazy(
                "Année de début (quatre chiffres).")),
        ],
        responses={200: s.EventSerializer(many=True), **ERRORS})
    def get(self, request):
        events = event_list_public(EventFilters.from_query(request.query_params))
        # Upcoming and past events together, newest first; the subsidy's award in the query.
        rows = ((events.upcoming | events.past).select_related("award")
                .order_by("-start_date", "title", "pk"))
        return self.paginated(rows)


class EventDetail(ApiView):
    serializer_class = s.EventDetailSerializer

    @extend_schema(summary=gettext_lazy("Un événement"),
                   parameters=[OpenApiParameter("id", {"type": "integer", "minimum": 1},
                                                OpenApiParameter.PATH)],
                   responses={200: s.EventDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        try:
            detail = event_detail_public(_pk(pk))
        except Event.DoesNotExist:
            raise NotFound(_("Cet événement n'existe pas.")) from None
        event = detail.event
        event.detail = detail
        return Response(self.get_serializer(event).data)


class OrganisationList(ApiView):
    serializer_class = s.OrganisationSerializer

    @extend_schema(
        summary=gettext_lazy("Organisations partenaires"),
        description=gettext_lazy(
            "Les organisations qui ont pris part à au moins un projet financé, avec les "
            "filtres de la page /partenaires/."),
        parameters=[
            OpenApiParameter("site", str, description=gettext_lazy(
                "Identifiant (slug) du site, ou « aucun ».")),
            OpenApiParameter("type", str, enum=list(Organisation.Kind.values),
                             description=gettext_lazy("Type d'organisation.")),
        ],
        responses={200: s.OrganisationSerializer(many=True), **ERRORS})
    def get(self, request):
        partners = partner_list_public(PartnerFilters.from_query(request.query_params))
        return self.paginated(partners.partners)


class OrganisationDetail(ApiView):
    serializer_class = s.OrganisationDetailSerializer

    @extend_schema(summary=gettext_lazy("Une organisation"),
                   parameters=[OpenApiParameter("id", {"type": "integer", "minimum": 1},
                                                OpenApiParameter.PATH)],
                   responses={200: s.OrganisationDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        try:
            organisation = organisation_public(pk=_pk(pk))
        except Organisation.DoesNotExist:
            raise NotFound(_("Cette organisation n'a pas de page publique.")) from None
        return Response(self.get_serializer(organisation).data)


# --- Key figures ------------------------------------------------------------------------------


def _number(value):
    return value if isinstance(value, int) else float(value)


def _figure_row(figure, value, section_label) -> dict:
    return {"key": figure.key, "section": figure.section, "section_label": section_label,
            "label": label_for(figure, value) if not isinstance(figure, period.FigureSum)
            else str(figure.label),
            "value": _number(value), "unit": figure.unit,
            "display": format_figure(value, figure.unit), "definition": str(figure.definition)}


class PublishedYears(ApiView):
    serializer_class = s.PublishedYearSerializer
    pagination_class = None

    @extend_schema(summary=gettext_lazy("Années publiées des chiffres clefs"),
                   responses={200: s.PublishedYearSerializer(many=True), 429: ERRORS[429]})
    def get(self, request):
        return Response([
            {"year": year,
             "url": request.build_absolute_uri(reverse("api:figures-year", args=[year]))}
            for year in publication.published_years()])


class YearFigures(ApiView):
    serializer_class = s.YearFiguresSerializer
    pagination_class = None

    @extend_schema(
        summary=gettext_lazy("Chiffres clefs d'une année"),
        description=gettext_lazy(
            "Chaque chiffre clef de l'année avec sa définition. Seules les années publiées "
            "sont publiques : une autre année répond 404."),
        parameters=[OpenApiParameter("year", {"type": "integer", "minimum": 2000,
                                              "maximum": 2100}, OpenApiParameter.PATH)],
        responses={200: s.YearFiguresSerializer, **ERRORS})
    def get(self, request, year: int):
        if year not in publication.published_years():
            raise NotFound(_("Les chiffres de cette année ne sont pas publiés."))
        catalogue = selectors.figure_catalogue()
        values = selectors.key_figures_for_year(year, catalogue)
        return Response({"year": year, "figures": [
            _figure_row(figure, values[key], str(selectors.SECTIONS[figure.section]))
            for key, figure in catalogue.items()]})


class PeriodFigures(ApiView):
    serializer_class = s.PeriodFiguresSerializer
    pagination_class = None

    @extend_schema(
        summary=gettext_lazy("Chiffres clefs d'une période"),
        description=gettext_lazy(
            "Chaque chiffre clef sur les années début–fin, avec sa définition et la règle qui "
            "le compte sur une période. Une période qui contient une année non publiée (ou "
            "aucune année publiée) répond 404."),
        parameters=[
            OpenApiParameter("start", {"type": "integer", "minimum": 1900, "maximum": 2100},
                             OpenApiParameter.PATH),
            OpenApiParameter("end", {"type": "integer", "minimum": 1900, "maximum": 2100},
                             OpenApiParameter.PATH),
        ],
        responses={200: s.PeriodFiguresSerializer, **ERRORS})
    def get(self, request, start: int, end: int):
        if not period.check_span(start, end):
            raise NotFound(_("Période hors de celles que couvrent les chiffres clefs."))
        published = publication.published_years()
        unpublished = [year for year in selectors.years_with_records()
                       if start <= year <= end and year not in published]
        if unpublished or not any(start <= year <= end for year in published):
            raise NotFound(_("Les chiffres de cette période ne sont pas tous publiés."))
        figures = {**selectors.figure_catalogue(), **period.history_figures()}
        values = period.key_figures_for_period(start, end, figures)
        sections = {**selectors.SECTIONS, **period.HISTORY_SECTIONS}
        rows = []
        for key, figure in figures.items():
            rule = period.rule_of(figure)
            rows.append({**_figure_row(figure, values[key], str(sections[figure.section])),
                         "rule": rule, "rule_label": str(period.RULES[rule])})
        return Response({"start": start, "end": end, "figures": rows})
