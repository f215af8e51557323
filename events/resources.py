"""Spreadsheet import/export of events (see clara/resources.py for the conventions shared
by every resource)."""

from import_export import fields

from clara.admin_helpers import SpreadsheetResource, lookup_field
from clara.network.models import Organisation, Site
from events.models import Event
from funding.models import Award


class EventResource(SpreadsheetResource):
    """Events, keyed by title and start date (events have no identifier of their own); the
    site by its identifier, the organiser by name, the subsidy by the reference of the
    application it answered."""

    site = lookup_field("site", "site (identifiant)", Site, "slug")
    organiser = lookup_field("organiser", "organisateur (nom)", Organisation, "name")
    award = lookup_field("award", "subvention (référence de la demande)", Award,
                         "application__reference")
    subsidy = fields.Field(
        attribute="award__amount", column_name="montant de la subvention (€)", readonly=True
    )

    class Meta:
        model = Event
        import_id_fields = ("title", "start_date")
        fields = (
            "title", "kind", "role", "start_date", "end_date", "site", "venue", "participants",
            "organiser", "award", "subsidy", "is_international", "description",
        )
        export_order = fields

    export_select_related = ("site", "organiser", "award__application")


# --- Added for the history loader (issue 11: `manage.py import_records`) -------------------

from django.core.exceptions import ValidationError  # noqa: E402
from django.db.models import F, Window  # noqa: E402
from django.db.models.functions import RowNumber  # noqa: E402
from django.utils.translation import gettext  # noqa: E402
from django_countries import countries  # noqa: E402
from import_export import widgets  # noqa: E402

from clara.admin_helpers import LookupWidget  # noqa: E402
from clara.network.resources import (  # noqa: E402
    OrganisationByNameWidget,
    PeopleKeysWidget,
    PersonByOrcidOrEmailWidget,
    PrefetchingResource,
    date_key,
)
from clara.spreadsheets.resources import chunks  # noqa: E402
from events.models import (  # noqa: E402
    EventSpeaker,
    InternationalAction,
    Poster,
    Prize,
    SurveyResponse,
    WorkingGroup,
)
from programmes.models import Call  # noqa: E402

EVENT_TITLE = "événement (titre)"
EVENT_START = "événement (début)"


class EventWidget(LookupWidget):
    """An event named by its title and its start date (two columns of the row)."""

    def __init__(self, date_column: str = EVENT_START, **kwargs):
        super().__init__(Event, field="title", **kwargs)
        self.date_column = date_column

    def get_queryset(self, value, row, *args, **kwargs):
        return Event.objects.filter(start_date=date_key((row or {}).get(self.date_column)))

    def lookup_key(self, value, row):
        return (str(value).strip(), date_key(row.get(self.date_column)))

    def prefetch_queryset(self, keys):
        return Event.objects.filter(title__in={title for title, _d in keys})

    def index_keys(self, obj):
        return [(obj.title, obj.start_date.isoformat())]


def event_fields(attribute="event"):
    """The two columns naming an event: its title (the looked-up field) and its start
    date (read by the widget, written on export)."""
    return (
        fields.Field(attribute=attribute, column_name=EVENT_TITLE, widget=EventWidget()),
        fields.Field(attribute=f"{attribute}__start_date", column_name=EVENT_START,
                     readonly=True, widget=DateIso()),
    )


class DateIso(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.isoformat()


class CountryWidget(widgets.Widget):
    """A country written as its ISO code ("DE"), read back from the code or the French
    name ("Allemagne")."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return ""
        if text.upper() in countries:
            return text.upper()
        code = countries.by_name(text, language="fr") or countries.by_name(text)
        if code:
            return code
        raise ValueError(gettext("« %(value)s » n'est pas un pays (code ISO comme « DE », ou "
                                 "nom français comme « Allemagne »).") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return "" if not value else str(getattr(value, "code", value))


class WorkingGroupResource(PrefetchingResource):
    """Working groups, keyed by their name; their members by ORCID iD or e-mail."""

    members = fields.Field(attribute="members", column_name="membres (ORCID ou e-mail ; …)",
                           widget=PeopleKeysWidget())

    class Meta:
        model = WorkingGroup
        import_id_fields = ("name",)
        fields = ("name", "acronym", "started_on", "ended_on", "description", "members")
        export_order = fields

    export_prefetch_related = ("members",)


class EventLinksResource(SpreadsheetResource):
    """What ties events to other records, keyed by title and start date (written after the
    events, so that a session's parent is there whatever the order of the rows): the parent
    event (title and start date), the call presented (identifier), the working group (name)."""

    parent = fields.Field(attribute="parent", column_name="événement parent (titre)",
                          widget=EventWidget(date_column="événement parent (début)"))
    parent_start = fields.Field(attribute="parent__start_date",
                                column_name="événement parent (début)", readonly=True,
                                widget=DateIso())
    call = lookup_field("call", "appel présenté (identifiant)", Call, "slug")
    working_group = lookup_field("working_group", "groupe de travail (nom)", WorkingGroup,
                                 "name")

    class Meta:
        model = Event
        import_id_fields = ("title", "start_date")
        fields = ("title", "start_date", "parent", "parent_start", "call", "working_group")
        export_order = fields

    export_select_related = ("parent", "call", "working_group")

    def import_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            raise ValidationError({"title": gettext(
                "Aucun événement de ce titre ne commence à cette date (feuille des "
                "événements).")})
        super().import_instance(instance, row, **kwargs)

    def save_instance(self, instance, is_create, row, **kwargs):
        from clara.spreadsheets.records import record_save

        record_save(instance, by=kwargs.get("user"))


class EventSpeakerResource(SpreadsheetResource):
    """Talks given at events, keyed by the event (title and start date) and the speaker
    (ORCID iD or e-mail)."""

    event, event_start = event_fields()
    person = fields.Field(attribute="person", column_name="intervenant (ORCID ou e-mail)",
                          widget=PersonByOrcidOrEmailWidget())

    class Meta:
        model = EventSpeaker
        import_id_fields = ("event", "person")
        fields = ("event", "event_start", "person", "topic")
        export_order = fields

    export_select_related = ("event", "person")


class PosterResource(SpreadsheetResource):
    """Posters presented at events, keyed by the event and the title; the presenter by
    ORCID iD or e-mail."""

    event, event_start = event_fields()
    presenter = fields.Field(attribute="presenter", column_name="présenté par (ORCID ou e-mail)",
                             widget=PersonByOrcidOrEmailWidget())

    class Meta:
        model = Poster
        import_id_fields = ("event", "title")
        fields = ("event", "event_start", "kind", "title", "presenter")
        export_order = fields

    export_select_related = ("event", "presenter")


class PosterOfEventWidget(LookupWidget):
    """A poster named by its title within the event of the row."""

    def __init__(self, **kwargs):
        super().__init__(Poster, field="title", **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        row = row or {}
        return Poster.objects.filter(event__title=row.get(EVENT_TITLE),
                                     event__start_date=date_key(row.get(EVENT_START)))

    def lookup_key(self, value, row):
        return (str(value).strip(), str(row.get(EVENT_TITLE) or "").strip(),
                date_key(row.get(EVENT_START)))

    def prefetch_queryset(self, keys):
        return Poster.objects.filter(title__in={k[0] for k in keys}).select_related("event")

    def index_keys(self, obj):
        return [(obj.title, obj.event.title, obj.event.start_date.isoformat())]


class PrizeResource(SpreadsheetResource):
    """Prizes given at events, keyed by the event, the kind and the label; the poster by its
    title, the start-up by its name."""

    event, event_start = event_fields()
    poster = fields.Field(attribute="poster", column_name="poster primé (titre)",
                          widget=PosterOfEventWidget())
    laureate = fields.Field(attribute="laureate", column_name="start-up lauréate (nom)",
                            widget=OrganisationByNameWidget())

    class Meta:
        model = Prize
        import_id_fields = ("event", "kind", "label")
        fields = ("event", "event_start", "kind", "label", "poster", "laureate",
                  "awarded_by_clara")
        export_order = fields

    export_select_related = ("event", "poster", "laureate")


class SurveyResponseResource(SpreadsheetResource):
    """Answers to events' satisfaction surveys. Answers are anonymous and have no key of
    their own: each is numbered within its event (1, 2, … in the order they were recorded),
    and the event with that number is the key."""

    event, event_start = event_fields()
    number = fields.Field(attribute="number", column_name="n° de la réponse",
                          widget=widgets.IntegerWidget())

    class Meta:
        model = SurveyResponse
        import_id_fields = ("event", "number")
        fields = ("event", "event_start", "number", "would_recommend", "rating", "comment")
        export_order = fields

    export_select_related = ("event",)

    @staticmethod
    def _numbered(queryset):
        return queryset.annotate(number=Window(
            RowNumber(), partition_by=[F("event_id")], order_by=[F("pk").asc()]))

    def get_queryset(self):
        return self._numbered(super().get_queryset()).order_by("event_id", "pk")

    def filter_export(self, queryset, **kwargs):
        return self._numbered(super().filter_export(queryset, **kwargs)).order_by(
            "event_id", "pk")

    def _key_attributes(self):
        return ["event", "number"]

    def instance_key(self, obj):
        return (obj.event_id, obj.number)

    def existing_instances(self, rows):
        events = set()
        for row in rows:
            try:
                key = self.row_key(row)
            except ValidationError:
                continue
            if key is not None:
                events.add(key[0])
        instances = {}
        for chunk in chunks(events):
            for obj in self._numbered(SurveyResponse.objects.filter(event_id__in=chunk)):
                instances[self.instance_key(obj)] = obj
        return instances

    def get_instance(self, instance_loader, row):
        key = self.row_key(row)
        if key is None:
            return None
        self._check_not_repeated(key)
        if self._instances is None:
            self._instances = self.existing_instances([row])
        return self._instances.get(key)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute == "number":
            instance.number = field.clean(row)
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        original.number = getattr(original, "number", None) or instance.number
        return super().skip_row(instance, original, row, import_validation_errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        if instance.pk is None and instance.event_id and instance.number:
            existing = SurveyResponse.objects.filter(event_id=instance.event_id).count()
            if instance.number != existing + 1:
                errors.setdefault("number", []).append(gettext(
                    "Cet événement a %(count)s réponses enregistrées : une nouvelle réponse "
                    "porte le n° %(next)s."
                ) % {"count": existing, "next": existing + 1})
        super().validate_instance(instance, errors, validate_unique)


class InternationalActionResource(PrefetchingResource):
    """Mobilities, teachers, students hosted and delegations, keyed by kind, title and start
    date; the person and the delegation's members by ORCID iD or e-mail, the country by its
    code or French name, the award by its application's reference."""

    person = fields.Field(attribute="person", column_name="personne (ORCID ou e-mail)",
                          widget=PersonByOrcidOrEmailWidget())
    country = fields.Field(attribute="country", column_name="pays", widget=CountryWidget())
    award = lookup_field("award", "financement (référence de la demande)", Award,
                         "application__reference")
    members = fields.Field(attribute="members",
                           column_name="membres de la délégation (ORCID ou e-mail ; …)",
                           widget=PeopleKeysWidget())

    class Meta:
        model = InternationalAction
        import_id_fields = ("kind", "title", "start_date")
        fields = ("kind", "title", "start_date", "end_date", "person", "country",
                  "institution", "award", "members")
        export_order = fields

    export_select_related = ("person", "award__application")
    export_prefetch_related = ("members",)

    def save_instance(self, instance, is_create, row, **kwargs):
        from clara.spreadsheets.records import record_save

        record_save(instance, by=kwargs.get("user"))
