"""Searching the funded projects for the public list `/projets/`: a keyword search, filters
(programme, track, year of decision, site, innovation domain, co-funder, status) whose choices
carry their number of projects for the current search, sorting, and every state in the URL so
that a list can be shared.

Text search: on PostgreSQL a French full-text search with accents ignored (stemming:
« tumeurs » finds « tumeur », « resistance » finds « Résistance »; the `clara_french`
configuration of migration projects 0004) over the project's name, the application's title
and acronym and the public summary; elsewhere (SQLite) every word must appear in one of
those, case and accents ignored (`clara_unaccent`, registered on each SQLite connection).

The status of a project is its status of the latest year recorded (a project recorded
"ongoing" in 2024 and "completed" in 2025 is completed). Filters take the same values as the
key figures' drill-down uses, so that a figure can link to its list (programme slug, track
id, year, site slug, domain slug, funder id, status value).

A key figure that counts funded projects links to the list of exactly its projects:
`?chiffre=<figure key>&exercice=<year>`. The key-figures app, which reads this one (never
the other way round), registers how to find them (`FIGURE_PROJECTS`); any other key is
ignored.

A fixed number of queries whatever the number of projects: the list, its count, one grouped
query per filter."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, ExtractYear
from django.db.models.lookups import Exact, GreaterThan

from programmes.models import Track
from projects.models import FundedProject, ProjectYearStatus
from projects.selectors import funded_project_list_public

SORTS = {
    "recent": ("-award__decided_at", "name", "pk"),
    "name": ("name", "pk"),
    "amount": ("-award__amount", "name", "pk"),
}
MAX_QUERY_LENGTH = 200
# Set by the key-figures app: (figure key, year) → (label, subquery of project pks) or None.
FIGURE_PROJECTS: dict[str, Callable] = {}


@dataclass
class Filters:
    q: str = ""
    programme: str = ""
    year: int | None = None
    site: str = ""
    funder: str = ""
    track: str = ""
    domain: str = ""
    status: str = ""
    figure: str = ""
    figure_year: int | None = None
    sort: str = "recent"

    @classmethod
    def from_query(cls, query) -> Filters:
        """Read the filters from a QueryDict; anything malformed is ignored, never an error."""
        year = query.get("annee", "")
        sort = query.get("tri", "recent")
        status = query.get("statut", "")
        figure, figure_year = query.get("chiffre", "")[:100], query.get("exercice", "")
        return cls(
            q=" ".join(query.get("q", "").split())[:MAX_QUERY_LENGTH],
            programme=query.get("programme", "")[:100],
            year=int(year) if year.isdigit() and len(year) == 4 else None,
            site=query.get("site", "")[:100],
            funder=_id(query.get("financeur", "")),
            track=_id(query.get("clef", "")),
            domain=query.get("domaine", "")[:100],
            status=status if status in ProjectYearStatus.Status.values else "",
            figure=figure if figure_year.isdigit() and len(figure_year) == 4 else "",
            figure_year=int(figure_year) if figure_year.isdigit() and len(figure_year) == 4
            else None,
            sort=sort if sort in SORTS else "recent",
        )

    def as_query(self, **changes) -> str:
        """The URL query of these filters with `changes` (None removes a key)."""
        from django.http import QueryDict

        values = {"q": self.q, "programme": self.programme,
                  "annee": str(self.year) if self.year else "", "site": self.site,
                  "financeur": self.funder, "clef": self.track, "domaine": self.domain,
                  "statut": self.status, "chiffre": self.figure,
                  "exercice": str(self.figure_year) if self.figure else "",
                  "tri": self.sort if self.sort != "recent" else ""}
        values.update({k: ("" if v is None else str(v)) for k, v in changes.items()})
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value:
                query[key] = value
        return query.urlencode()


def _id(value: str) -> str:
    return value if value.isdigit() and len(value) < 10 else ""


@dataclass
class Facet:
    key: str
    label: str
    choices: list[dict] = field(default_factory=list)


def unaccent(text: str) -> str:
    """`text` without accents, case folded: « Résistance » → « resistance »."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def register_sqlite_unaccent(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: `clara_unaccent(text)` in SQL on SQLite."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "clara_unaccent", 1, lambda v: unaccent(v) if v is not None else None,
            deterministic=True)


class Unaccent(Func):
    function = "clara_unaccent"
    output_field = CharField()


SEARCHED = ("name", "award__application__title", "award__application__acronym",
            "public_summary")


def _text(queryset: QuerySet, q: str) -> QuerySet:
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        return _postgresql_text(queryset, q)
    # One call of clara_unaccent per row (the fields joined by a line break, which no word
    # holds, so that a word is found in one field exactly as before).
    queryset = queryset.annotate(plain=Unaccent(Concat(
        *[part for path in SEARCHED for part in (Coalesce(F(path), Value("")), Value("\n"))],
        output_field=CharField())))
    for word in unaccent(q).split():
        queryset = queryset.filter(plain__contains=word)
    return queryset


CONFIG = "clara_french"
# The two halves of the searched text, each with its GIN index on PostgreSQL (migration
# projects 0005): the expressions must stay those of the indexes.
OWN_FIELDS = ("name", "public_summary")
APPLICATION_FIELDS = ("title", "acronym")


def _postgresql_text(queryset: QuerySet, q: str) -> QuerySet:
    """`websearch_to_tsquery(q)` over the four fields, through the indexes: the words of a
    plain query (no quotes, `or` or `-word`) must each be found, so each word (as
    `websearch_to_tsquery` reads it) is looked up in the project's index or in the
    application's, and a word that is only stop words is no condition (an all-stop-words
    query finds nothing, as before). A query with operators is matched as a whole, without
    the indexes."""
    from django.contrib.postgres.search import SearchQuery, SearchVector

    from programmes.models import Application

    def query(text):
        return SearchQuery(text, config=CONFIG, search_type="websearch")

    words = q.split()
    if '"' in q or any(w.lower() == "or" or w.startswith("-") for w in words):
        vector = SearchVector(*SEARCHED, config=CONFIG)
        return queryset.annotate(search=vector).filter(search=query(q))
    def lexemes(text):
        return Func(query(text), function="numnode", output_field=IntegerField())

    queryset = queryset.filter(GreaterThan(lexemes(q), 0))
    for word in words:
        own = (FundedProject.objects.annotate(v=SearchVector(*OWN_FIELDS, config=CONFIG))
               .filter(v=query(word)).order_by().values("pk"))
        applications = (Application.objects
                        .annotate(v=SearchVector(*APPLICATION_FIELDS, config=CONFIG))
                        .filter(v=query(word)).order_by().values("pk"))
        via = (FundedProject.objects.filter(award__application__in=applications)
               .order_by().values("pk"))
        # A word of stop words only is no condition (every project); PostgreSQL evaluates
        # this branch's condition once, when it plans the query.
        every = FundedProject.objects.filter(Exact(lexemes(word), 0)).order_by().values("pk")
        # One set (a union) in a condition of its own: the planner joins it by key.
        queryset = queryset.filter(pk__in=own.union(via, every))
    return queryset


def _latest_status() -> Subquery:
    return Subquery(ProjectYearStatus.objects.filter(project=OuterRef("pk"))
                    .order_by("-year").values("status")[:1])


def figure_behind(filters: Filters):
    """(label, project pks) of the key figure the list is narrowed to, or None."""
    resolve = FIGURE_PROJECTS.get("resolve")
    if not filters.figure or resolve is None:
        return None
    return resolve(filters.figure, filters.figure_year)


def _filtered(filters: Filters, *, without: str = "") -> QuerySet:
    queryset = _text(FundedProject.objects.all(), filters.q)
    if (behind := figure_behind(filters)) is not None:
        queryset = queryset.filter(pk__in=behind[1])
    if filters.programme and without != "programme":
        queryset = queryset.filter(award__application__call__programme__slug=filters.programme)
    if filters.track and without != "track":
        queryset = queryset.filter(award__application__call__track_id=int(filters.track))
    if filters.year and without != "year":
        queryset = queryset.filter(award__decided_at__year=filters.year)
    if filters.site and without != "site":
        queryset = queryset.filter(site__slug=filters.site)
    if filters.domain and without != "domain":
        queryset = queryset.filter(award__application__domain__slug=filters.domain)
    if filters.funder and without != "funder":
        queryset = queryset.filter(award__contributions__funder_id=int(filters.funder))
    if filters.status and without != "status":
        queryset = queryset.annotate(latest_status=_latest_status()).filter(
            latest_status=filters.status)
    return queryset


def project_search(filters: Filters) -> tuple[QuerySet, list[Facet]]:
    """The matching projects (to paginate) and the filters with their counts. Each filter's
    counts apply every other filter but its own, so that another choice of the same filter
    shows how many projects it would give."""
    matching = _filtered(filters)
    projects = (funded_project_list_public().filter(pk__in=matching.values("pk"))
                .order_by(*SORTS[filters.sort]))
    facets = [
        Facet("programme", "programme", _counts(
            _filtered(filters, without="programme"), "award__application__call__programme__slug",
            "award__application__call__programme__name", filters.programme)),
        Facet("clef", "track", _track_counts(_filtered(filters, without="track"), filters.track)),
        Facet("annee", "year", _year_counts(_filtered(filters, without="year"), filters.year)),
        Facet("site", "site", _counts(_filtered(filters, without="site"), "site__slug",
                                      "site__name", filters.site)),
        Facet("domaine", "domain", _counts(
            _filtered(filters, without="domain"), "award__application__domain__slug",
            "award__application__domain__name", filters.domain)),
        Facet("financeur", "funder", _counts(
            _filtered(filters, without="funder"), "award__contributions__funder_id",
            "award__contributions__funder__name", filters.funder)),
        Facet("statut", "status", _status_counts(_filtered(filters, without="status"),
                                                 filters.status)),
    ]
    return projects, facets


def _counts(queryset: QuerySet, value: str, label: str, selected: str) -> list[dict]:
    rows = (queryset.exclude(**{f"{value}__isnull": True}).values(value, label)
            .annotate(n=Count("pk", distinct=True)).order_by(label))
    return [{"value": row[value], "label": row[label], "count": row["n"],
             "selected": str(row[value]) == str(selected)} for row in rows]


def _year_counts(queryset: QuerySet, selected: int | None) -> list[dict]:
    rows = (queryset.annotate(y=ExtractYear("award__decided_at")).values("y")
            .annotate(n=Count("pk", distinct=True)).order_by("-y"))
    return [{"value": row["y"], "label": str(row["y"]), "count": row["n"],
             "selected": row["y"] == selected} for row in rows]


def _track_counts(queryset: QuerySet, selected: str) -> list[dict]:
    path = "award__application__call__track"
    rows = (queryset.exclude(**{f"{path}__isnull": True})
            .values(f"{path}_id", f"{path}__programme__name", f"{path}__code")
            .annotate(n=Count("pk", distinct=True))
            .order_by(f"{path}__programme__name", f"{path}__code"))
    codes = dict(Track.Code.choices)
    return [{"value": row[f"{path}_id"],
             "label": f"{row[f'{path}__programme__name']} "
                      f"{codes.get(row[f'{path}__code'], row[f'{path}__code'])}",
             "count": row["n"], "selected": str(row[f"{path}_id"]) == selected}
            for row in rows]


def _status_counts(queryset: QuerySet, selected: str) -> list[dict]:
    rows = (queryset.annotate(latest_status=_latest_status())
            .exclude(latest_status__isnull=True).values("latest_status")
            .annotate(n=Count("pk", distinct=True)))
    counts = {row["latest_status"]: row["n"] for row in rows}
    return [{"value": value, "label": label, "count": counts[value],
             "selected": value == selected}
            for value, label in ProjectYearStatus.Status.choices if value in counts]
