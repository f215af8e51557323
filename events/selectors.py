"""Reads of events for the public pages (`/evenements/`) and the home page.

The public list shows **top-level events only** (no `parent`): a session held during another
event (a participatory workshop of the Forum) is shown under its parent, on the parent's page,
as the key figures count it ("hors sessions d'un autre événement"); the session keeps its own
page, which leads back to its parent. The filters and their counts are over the same
top-level events.

Each event's public figures are its own records: participants (a field), speakers, posters
and prizes (counts). They are annotated on the list's one query as correlated subqueries
(`_with_figures`): counting three reverse relations through joins would multiply the rows
(speakers × posters × prizes per event) before `Count(distinct=True)` folds them back.

What the public sees of each record is `clara.public`: speakers are counted per profile and
named only with their consent (`EventSpeaker` is a `Groups` representation); a poster's
presenter likewise; surveys only as aggregates, never their comments.

"Today" is the date in Europe/Paris (`timezone.localdate()`, TIME_ZONE): an event is upcoming
while `start_date >= today` (its first day included), past from the next day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from clara.network.models import Person
from clara.public import person_public_name, representation_of
from clara.querystring import query_with
from events.models import Event, EventSpeaker, Poster, Prize, SurveyResponse

# The largest primary key the database can hold (BigAutoField): a bigger one is a 404 before
# any query (PostgreSQL would refuse it with an error, not an empty result).
MAX_PK = 2**63 - 1


def _count_of(model, link: str = "event") -> Coalesce:
    """The number of `model` rows whose `link` is the outer event, as a subquery (0 when
    none)."""
    counted = (model.objects.filter(**{link: OuterRef("pk")}).order_by().values(link)
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _with_figures(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """`queryset` with what a row of the public list shows: site, organiser, and the counts
    `n_speakers`, `n_posters`, `n_prizes`, `n_sessions`, in the same query."""
    return queryset.select_related("site", "organiser").annotate(
        n_speakers=_count_of(EventSpeaker),
        n_posters=_count_of(Poster),
        n_prizes=_count_of(Prize),
        n_sessions=_count_of(Event, "parent"),
    )


def _top_level() -> QuerySet[Event]:
    return Event.objects.filter(parent__isnull=True)


def upcoming_events(limit: int, *, today: dt.date | None = None) -> list[Event]:
    """The next `limit` top-level events starting today (Europe/Paris) or later, soonest
    first, with their site and public figures. One query."""
    today = today or timezone.localdate()
    return list(_with_figures(_top_level().filter(start_date__gte=today))
                .order_by("start_date", "title", "pk")[:limit])


# --- The list and its filters ---------------------------------------------------------------


@dataclass(frozen=True)
class EventFilters:
    """The list's filters as read from the URL: `type` (an `Event.Kind` value) and `annee`
    (a year of four digits). Anything else is ignored, never an error."""

    kind: str = ""
    year: int | None = None

    @classmethod
    def from_query(cls, query) -> EventFilters:
        kind = query.get("type", "")
        year = query.get("annee", "")
        return cls(
            kind=kind if kind in Event.Kind.values else "",
            year=int(year) if len(year) == 4 and year.isascii() and year.isdigit() else None,
        )

    def as_query(self, **changes) -> str:
        """The URL query of these filters with `changes` (None removes a key)."""
        values = {"type": self.kind, "annee": str(self.year) if self.year else ""}
        return query_with(values, **changes)

    def apply(self, queryset: QuerySet[Event], *, without: str = "") -> QuerySet[Event]:
        if self.kind and without != "kind":
            queryset = queryset.filter(kind=self.kind)
        if self.year and without != "year":
            queryset = queryset.filter(start_date__year=self.year)
        return queryset


@dataclass
class Facet:
    """One filter: its URL key and its choices, each a dict of `value`, `label`, `count` (of
    events for the other filters), `selected`."""

    key: str
    choices: list[dict] = field(default_factory=list)


@dataclass
class PublicEvents:
    """The public list: upcoming events (soonest first) and past events (newest first, to
    paginate), both lazy querysets, and the filters with their counts."""

    upcoming: QuerySet[Event]
    past: QuerySet[Event]
    kinds: Facet
    years: Facet


def event_list_public(filters: EventFilters, *,
                      today: dt.date | None = None) -> PublicEvents:
    """Top-level events matching `filters`, split at `today` (Europe/Paris). Queries: one per
    filter (grouped counts), then when they are read the upcoming events (one) and a page of
    the past ones (a count and a page), whatever the number of events. Each filter's counts apply the other filter but not its own, so that another
    choice shows how many events it would give."""
    today = today or timezone.localdate()
    events = filters.apply(_top_level())
    upcoming = _with_figures(events.filter(start_date__gte=today)).order_by(
        "start_date", "title", "pk")
    past = _with_figures(events.filter(start_date__lt=today)).order_by(
        "-start_date", "title", "pk")
    labels = dict(Event.Kind.choices)
    kind_rows = (filters.apply(_top_level(), without="kind").order_by().values("kind")
                 .annotate(n=Count("pk")).order_by("kind"))
    kinds = Facet("type", sorted(
        ({"value": row["kind"], "label": labels.get(row["kind"], row["kind"]),
          "count": row["n"], "selected": row["kind"] == filters.kind} for row in kind_rows),
        key=lambda choice: list(labels).index(choice["value"])
        if choice["value"] in labels else len(labels)))
    year_rows = (filters.apply(_top_level(), without="year").order_by()
                 .annotate(y=ExtractYear("start_date")).values("y")
                 .annotate(n=Count("pk")).order_by("-y"))
    years = Facet("annee", [{"value": row["y"], "label": str(row["y"]), "count": row["n"],
                             "selected": row["y"] == filters.year} for row in year_rows])
    return PublicEvents(upcoming, past, kinds, years)


# --- One event's page -----------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerGroup:
    """The speakers of one profile: how many, and the names of those who consented."""

    profile: str
    count: int
    named: list[str]


@dataclass(frozen=True)
class Survey:
    """The satisfaction survey in aggregate: never one answer, never a comment."""

    answers: int
    mean_rating: Decimal | None
    recommend_percent: int | None


@dataclass
class EventDetail:
    event: Event
    sessions: list[Event]
    speakers: list[SpeakerGroup]
    speaker_count: int
    posters: list[tuple[Poster, str | None]]
    prizes: list[Prize]
    survey: Survey


def _speaker_groups(event: Event) -> tuple[list[SpeakerGroup], int]:
    """Speakers counted per profile, named only with consent, as `clara.public` defines
    `EventSpeaker` (two queries: the counts, the consenting people)."""
    rep = representation_of(EventSpeaker)
    profile = next(group for group in rep.by if group.path == "person__kind")
    speakers = EventSpeaker.objects.filter(event=event)
    counts = list(speakers.order_by().values("person__kind").annotate(n=Count("pk"))
                  .order_by("person__kind"))
    names: dict[str, list[str]] = {}
    if counts:
        consenting = (speakers.filter(**{f"{rep.named}__public_consent_on__isnull": False})
                      .select_related(rep.named)
                      .order_by(f"{rep.named}__last_name", f"{rep.named}__first_name", "pk"))
        for speaker in consenting:
            name = person_public_name(getattr(speaker, rep.named))
            if name:
                names.setdefault(speaker.person.kind, []).append(name)
    order = list(Person.Kind.values)
    counts.sort(key=lambda row: order.index(row["person__kind"])
                if row["person__kind"] in order else len(order))
    groups = [SpeakerGroup(str(profile.display(row["person__kind"])), row["n"],
                           names.get(row["person__kind"], [])) for row in counts]
    return groups, sum(row["n"] for row in counts)


def _survey(event: Event) -> Survey:
    totals = SurveyResponse.objects.filter(event=event).aggregate(
        answers=Count("pk"), mean=Avg("rating"),
        recommend=Count("pk", filter=Q(would_recommend=True)))
    answers = totals["answers"]
    if not answers:
        return Survey(0, None, None)
    mean = Decimal(str(totals["mean"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    percent = int((Decimal(100 * totals["recommend"]) / answers)
                  .quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return Survey(answers, mean, percent)


def event_detail_public(pk: int) -> EventDetail:
    """Event `pk` with everything its public page shows, in a fixed number of queries
    whatever the number of sessions, speakers, posters, prizes and answers:
    the event, its sessions, speakers (two), posters, prizes, the survey. Raises
    `Event.DoesNotExist` (also for a key beyond the column's range)."""
    if not 0 < pk <= MAX_PK:
        raise Event.DoesNotExist
    event = (_with_figures(Event.objects.all())
             .select_related("parent", "call", "award", "working_group").get(pk=pk))
    sessions = list(_with_figures(event.sessions.all()).order_by("start_date", "title", "pk"))
    speakers, speaker_count = _speaker_groups(event)
    posters = [(poster, person_public_name(poster.presenter)) for poster in
               Poster.objects.filter(event=event).select_related("presenter")
               .order_by(*representation_of(Poster).ordering)]
    prizes = list(Prize.objects.filter(event=event)
                  .select_related(*representation_of(Prize).related)
                  .order_by(*representation_of(Prize).ordering))
    return EventDetail(event, sessions, speakers, speaker_count, posters, prizes,
                       _survey(event))
