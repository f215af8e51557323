"""Searching the funded projects for the public list `/projets/`: a keyword search, filters
(programme, year of decision, site, co-funder: by its id) whose choices carry their number of projects
for the current search, sorting, and every state in the URL so that a list can be shared.

Text search: on PostgreSQL a French full-text search (stemming: « tumeurs » finds
« tumeur ») over the project's name, the application's title and acronym and the public
summary; elsewhere (SQLite) every word must appear in one of those, any case. A fixed number
of queries whatever the number of projects: the list, its count, one grouped query per
filter."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear

from projects.models import FundedProject
from projects.selectors import funded_project_list_public

SORTS = {
    "recent": ("-award__decided_at", "name", "pk"),
    "name": ("name", "pk"),
    "amount": ("-award__amount", "name", "pk"),
}
MAX_QUERY_LENGTH = 200


@dataclass
class Filters:
    q: str = ""
    programme: str = ""
    year: int | None = None
    site: str = ""
    funder: str = ""
    sort: str = "recent"

    @classmethod
    def from_query(cls, query) -> Filters:
        """Read the filters from a QueryDict; anything malformed is ignored, never an error."""
        year = query.get("annee", "")
        sort = query.get("tri", "recent")
        return cls(
            q=" ".join(query.get("q", "").split())[:MAX_QUERY_LENGTH],
            programme=query.get("programme", "")[:100],
            year=int(year) if year.isdigit() and len(year) == 4 else None,
            site=query.get("site", "")[:100],
            funder=funder if (funder := query.get("financeur", "")).isdigit()
            and len(funder) < 10 else "",
            sort=sort if sort in SORTS else "recent",
        )

    def as_query(self, **changes) -> str:
        """The URL query of these filters with `changes` (None removes a key)."""
        from django.http import QueryDict

        values = {"q": self.q, "programme": self.programme,
                  "annee": str(self.year) if self.year else "", "site": self.site,
                  "financeur": self.funder,
                  "tri": self.sort if self.sort != "recent" else ""}
        values.update({k: ("" if v is None else str(v)) for k, v in changes.items()})
        query = QueryDict(mutable=True)
        for key, value in values.items():
            if value:
                query[key] = value
        return query.urlencode()


@dataclass
class Facet:
    key: str
    label: str
    choices: list[dict] = field(default_factory=list)


def _text(queryset: QuerySet, q: str) -> QuerySet:
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vector = SearchVector("name", "award__application__title",
                              "award__application__acronym", "public_summary",
                              config="french")
        return queryset.annotate(search=vector).filter(
            search=SearchQuery(q, config="french", search_type="websearch"))
    for word in q.split():
        queryset = queryset.filter(
            Q(name__icontains=word) | Q(award__application__title__icontains=word)
            | Q(award__application__acronym__icontains=word)
            | Q(public_summary__icontains=word))
    return queryset


def _filtered(filters: Filters, *, without: str = "") -> QuerySet:
    queryset = _text(FundedProject.objects.all(), filters.q)
    if filters.programme and without != "programme":
        queryset = queryset.filter(award__application__call__programme__slug=filters.programme)
    if filters.year and without != "year":
        queryset = queryset.filter(award__decided_at__year=filters.year)
    if filters.site and without != "site":
        queryset = queryset.filter(site__slug=filters.site)
    if filters.funder and without != "funder":
        queryset = queryset.filter(award__contributions__funder_id=int(filters.funder))
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
        Facet("annee", "year", _year_counts(_filtered(filters, without="year"), filters.year)),
        Facet("site", "site", _counts(_filtered(filters, without="site"), "site__slug",
                                      "site__name", filters.site)),
        Facet("financeur", "funder", _counts(
            _filtered(filters, without="funder"), "award__contributions__funder_id",
            "award__contributions__funder__name", filters.funder)),
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
