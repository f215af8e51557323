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

The list reads the derived copy of each project's facts, on its own row (`FundedProject`'s
`facet_*` columns, kept by `projects.services.project_facts_refresh`): no join to filter,
count or sort, the co-funders included (`facet_funders`, ",3,7,"). The counts come from ONE
grouped count of the projects matching the search, the co-funder and the figure by programme,
track, year, site, domain and status, from which Python sums each of those six filters'
counts (each over the groups meeting every other filter) and the total, and from the number
of projects per list of co-funders (meeting every filter but the co-funder), summed per
co-funder: one query (`_counts`). A list without text or figure (browsing, with any filters)
reads them from the cube of every project (`_cube`), computed once per records version in
each process (one query; a co-funder's part when first asked, one more): the first list
after a change of the records counts every project, the next ones count nothing but, when
filtered, their co-funders. Queries: the labels of the filters' choices (one query, five
small tables); the counts (one, or none from the cube); the page of 25 rows (its keys chosen
on the project's own indexed columns, then their rows with what a row shows).

A list stops at `MAX_PAGE` pages (10 000 rows): deeper pages are no reading, only a crawler's
or a scraper's; the list says to narrow it (the downloads give 5 000 rows at most)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import CharField, Count, F, Func, Q, QuerySet, Value

from clara.querystring import query_with
from programmes.models import Track
from projects.models import FundedProject, ProjectYearStatus
from projects.selectors import funded_project_list_public

SORTS = {
    "recent": ("-facet_decided_at", "name", "pk"),
    "name": ("name", "pk"),
    "amount": ("-facet_amount", "name", "pk"),
}
PER_PAGE = 25
MAX_PAGE = 400
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
            # NUL never reaches the database (PostgreSQL refuses it in text).
            q=" ".join(query.get("q", "").replace("\x00", "").split())[:MAX_QUERY_LENGTH],
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
        values = {"q": self.q, "programme": self.programme,
                  "annee": str(self.year) if self.year else "", "site": self.site,
                  "financeur": self.funder, "clef": self.track, "domaine": self.domain,
                  "statut": self.status, "chiffre": self.figure,
                  "exercice": str(self.figure_year) if self.figure else "",
                  "tri": self.sort if self.sort != "recent" else ""}
        return query_with(values, **changes)


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


def _text(queryset: QuerySet, q: str) -> QuerySet:
    """The projects whose searched text (`facet_search_*`) holds the words of `q`; a project
    whose copy was never written (bulk-created without its refresh) is kept, to be refreshed
    (`project_search`)."""
    if not q:
        return queryset
    unwritten = Q(facet_programme_id__isnull=True)
    if connection.vendor == "postgresql":
        return queryset.filter(_postgresql_text(q) | unwritten)
    # Every word in one of the fields (joined by a line break, which no word holds).
    words = Q()
    for word in unaccent(q).split():
        words &= Q(facet_search_plain__contains=word)
    return queryset.filter(words | unwritten)


CONFIG = "clara_french"


def _postgresql_text(q: str) -> Q:
    """`websearch_to_tsquery(q)` over the stored vector of the searched text
    (`facet_search_vector`, GIN index of migration projects 0009): the words of a plain
    query must each be found (stop words are no condition; a query of stop words only finds
    nothing), a query with quotes, `or` or `-word` is read as websearch does."""
    from django.contrib.postgres.search import SearchQuery

    return Q(facet_search_vector=SearchQuery(q, config=CONFIG, search_type="websearch"))


def figure_behind(filters: Filters):
    """(label, project pks) of the key figure the list is narrowed to, or None."""
    resolve = FIGURE_PROJECTS.get("resolve")
    if not filters.figure or resolve is None:
        return None
    return resolve(filters.figure, filters.figure_year)


# The single-valued filters: their column on the project's row, counted by one grouped query.
GROUPED = {"programme": "facet_programme_id", "track": "facet_track_id",
           "year": "facet_decision_year", "site": "site_id", "domain": "facet_domain_id",
           "status": "facet_latest_status"}
NOTHING = -1  # an unknown slug: a value no project has


def _labels() -> dict[str, dict]:
    """The choices' labels, one query (a union of five small tables): per kind, id → (slug
    or code, name)."""
    from clara.network.models import Site
    from funding.models import Funder
    from programmes.models import InnovationDomain, Programme

    def rows(model, kind, slug, name):
        return (model.objects.order_by()
                .annotate(facet_kind=Value(kind, output_field=CharField()), facet_key=F("pk"),
                          facet_code=F(slug), facet_label=F(name))
                .values_list("facet_kind", "facet_key", "facet_code", "facet_label"))

    union = rows(Programme, "programme", "slug", "name").union(
        rows(Track, "track", "code", "programme__name"),
        rows(Site, "site", "slug", "name"),
        rows(InnovationDomain, "domain", "slug", "name"),
        rows(Funder, "funder", "name", "name"), all=True)
    labels: dict[str, dict] = {"programme": {}, "track": {}, "site": {}, "domain": {},
                               "funder": {}}
    for kind, pk, code, label in union:
        labels[kind][pk] = (code, label)
    return labels


def _wanted(filters: Filters, labels: dict) -> dict:
    """The value each chosen single-valued filter asks of its column."""
    def by_slug(kind, slug):
        return next((pk for pk, (code, _label) in labels[kind].items() if code == slug),
                    NOTHING)

    wanted = {}
    if filters.programme:
        wanted["programme"] = by_slug("programme", filters.programme)
    if filters.track:
        wanted["track"] = int(filters.track)
    if filters.year:
        wanted["year"] = filters.year
    if filters.site:
        wanted["site"] = by_slug("site", filters.site)
    if filters.domain:
        wanted["domain"] = by_slug("domain", filters.domain)
    if filters.status:
        wanted["status"] = filters.status
    return wanted


def _base(filters: Filters, *, with_funder: bool = True) -> QuerySet:
    """The projects matching the filters that are not grouped: text, figure, co-funder."""
    queryset = _text(FundedProject.objects.order_by(), filters.q)
    if (behind := figure_behind(filters)) is not None:
        queryset = queryset.filter(pk__in=behind[1])
    if filters.funder and with_funder:
        queryset = queryset.filter(facet_funders__contains=f",{int(filters.funder)},")
    return queryset


def _grouped_filter(wanted: dict) -> Q:
    return Q(**{GROUPED[key]: value for key, value in wanted.items()})


@dataclass
class SearchResult:
    projects: QuerySet  # every matching project, sorted, with what a row shows
    facets: list[Facet]
    count: int  # their number (from the grouped query: no COUNT of its own)


def project_search(filters: Filters) -> tuple[QuerySet, list[Facet]]:
    """The matching projects (to paginate) and the filters with their counts."""
    result = project_search_result(filters)
    return result.projects, result.facets


def project_search_result(filters: Filters) -> SearchResult:
    """The matching projects, their number and the filters with their counts. Each filter's
    counts apply every other filter but its own, so that another choice of the same filter
    shows how many projects it would give."""
    labels = _labels()
    wanted = _wanted(filters, labels)
    base = _base(filters)
    if filters.q or figure_behind(filters) is not None:
        if filters.funder:  # the co-funders' counts must not apply the co-funder filter
            funder_sets = _funder_sets(_base(filters, with_funder=False)
                                       .filter(_grouped_filter(wanted)))
            counts, total, _sets = _facet_counts(base, wanted)
        else:
            counts, total, funder_sets = _facet_counts(base, wanted)
    else:  # browsing, any filters: the counts of every project, kept (`_cube`)
        cube = _cube()
        part = cube.part(int(filters.funder) if filters.funder else None)
        funder_sets = cube.funder_sets if not wanted else _funder_sets(
            _base(filters, with_funder=False).filter(_grouped_filter(wanted)))
        counts, total = (part.margins, part.total) if not wanted else _tally(part.groups,
                                                                              wanted)

    matching = base.filter(_grouped_filter(wanted))
    projects = (matching.select_related("site", "award__application__call__programme")
                .order_by(*SORTS[filters.sort]))
    facets = [
        Facet("programme", "programme", _choices(
            counts["programme"], labels["programme"], wanted.get("programme"),
            value=lambda pk, code: code)),
        Facet("clef", "track", _track_choices(counts["track"], labels["track"],
                                              wanted.get("track"))),
        Facet("annee", "year", [
            {"value": year, "label": str(year), "count": n, "selected": year == filters.year}
            for year, n in sorted(counts["year"].items(), key=lambda item: -item[0])
            if year is not None]),
        Facet("site", "site", _choices(counts["site"], labels["site"], wanted.get("site"),
                                       value=lambda pk, code: code)),
        Facet("domaine", "domain", _choices(counts["domain"], labels["domain"],
                                            wanted.get("domain"),
                                            value=lambda pk, code: code)),
        Facet("financeur", "funder", _funder_choices(funder_sets, labels["funder"],
                                                     filters.funder)),
        Facet("statut", "status", [
            {"value": value, "label": label, "count": counts["status"][value],
             "selected": value == filters.status}
            for value, label in ProjectYearStatus.Status.choices if counts["status"][value]]),
    ]
    return SearchResult(projects=projects, facets=facets, count=total)


def _counts(queryset: QuerySet, wanted: dict) -> tuple[list[tuple], list[tuple[str, int]]]:
    """In ONE query: the number of `queryset`'s projects per value of the grouped columns,
    and the number of those meeting `wanted` per list of co-funders (",3,7,"; a few hundred
    rows at most). On PostgreSQL one scan of the matching rows (`GROUPING SETS`), elsewhere
    a `UNION ALL` of the two counts; both wrap the queryset's own SQL. A project
    bulk-created by a writer that did not refresh its facts is refreshed first, once (the
    next list finds it written)."""
    columns = [f'"{column}"' for column in GROUPED.values()]
    listed = ", ".join(columns)
    inner, params = queryset.values_list(*GROUPED.values(), "facet_funders").query \
        .sql_with_params()
    # Only the constant column names of GROUPED are spliced in; every value is a parameter.
    condition = " AND ".join(f'"{GROUPED[key]}" = %s' for key in wanted) or "1 = 1"
    if connection.vendor == "postgresql":
        sql = (f"SELECT {listed}, facet_funders, GROUPING(facet_funders), COUNT(*), "  # noqa: S608
               f"COUNT(*) FILTER (WHERE {condition}) FROM ({inner}) AS matching "
               f"GROUP BY GROUPING SETS (({listed}), (facet_funders))")
        arguments = (*wanted.values(), *params)  # in the order of their placeholders
    else:
        nothing = ", ".join("NULL" for _column in columns)
        sql = (f"SELECT {listed}, NULL, 1, COUNT(*), 0 FROM ({inner}) AS matching "  # noqa: S608
               f"GROUP BY {listed} UNION ALL "
               f"SELECT {nothing}, facet_funders, 0, 0, COUNT(*) FROM ({inner}) AS matching "
               f"WHERE {condition} GROUP BY facet_funders")
        arguments = (*params, *params, *wanted.values())
    with connection.cursor() as cursor:
        cursor.execute(sql, arguments)
        rows = cursor.fetchall()
    groups = [(*row[:6], row[8]) for row in rows if row[7] == 1]
    if None in {row[0] for row in groups}:
        from projects.services import project_facts_refresh

        project_facts_refresh(list(FundedProject.objects.filter(
            facet_programme_id__isnull=True).values_list("pk", flat=True)))
        return _counts(queryset, wanted)
    return groups, [(row[6], row[9]) for row in rows if row[7] == 0 and row[9]]


def _facet_counts(queryset: QuerySet, wanted: dict) -> tuple[dict[str, Counter], int,
                                                              list[tuple[str, int]]]:
    """In ONE query: each grouped filter's counts over `queryset`'s projects meeting every
    other filter of `wanted`, their total (meeting them all), and the number of those per
    list of co-funders. On PostgreSQL one scan of the matching rows grouped by each column
    alone (`GROUPING SETS`), each column's counts filtered by the other filters: a few dozen
    rows, nothing to sum in Python; elsewhere from the combinations (`_counts`, `_tally`)."""
    if connection.vendor != "postgresql":
        groups, funder_sets = _counts(queryset, wanted)
        counts, total = _tally(groups, wanted)
        return counts, total, funder_sets
    keys = list(GROUPED)
    columns = [f'"{GROUPED[key]}"' for key in keys] + ["facet_funders"]
    inner, params = queryset.values_list(*GROUPED.values(), "facet_funders").query \
        .sql_with_params()

    def meeting(excluded):  # the other filters (every value a parameter)
        return (" AND ".join(f'"{GROUPED[key]}" = %s' for key in wanted if key != excluded)
                or "TRUE"), [value for key, value in wanted.items() if key != excluded]

    filtered = [meeting(key) for key in keys] + [meeting(None)]
    sql = (f"SELECT {', '.join(f'GROUPING({c})' for c in columns)}, {', '.join(columns)}, "  # noqa: S608
           f"{', '.join(f'COUNT(*) FILTER (WHERE {where})' for where, _v in filtered)} "
           f"FROM ({inner}) AS matching "
           f"GROUP BY GROUPING SETS ({', '.join(f'({c})' for c in columns)})")
    arguments = [*(value for _where, values in filtered for value in values), *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, arguments)
        rows = cursor.fetchall()
    width = len(columns)
    counts: dict[str, Counter] = {key: Counter() for key in keys}
    funder_sets = []
    for row in rows:
        index = row[:width].index(0)  # the one column grouped by this row
        value, n = row[width + index], row[2 * width + index]
        if index == len(keys):
            if row[-1]:
                funder_sets.append((value, row[-1]))
        elif n:
            counts[keys[index]][value] += n
    if counts["programme"].get(None):  # projects whose facts were never written
        from projects.services import project_facts_refresh

        project_facts_refresh(list(FundedProject.objects.filter(
            facet_programme_id__isnull=True).values_list("pk", flat=True)))
        return _facet_counts(queryset, wanted)
    if wanted:
        first = next(iter(wanted))
        total = counts[first].get(wanted[first], 0)
    else:
        total = sum(counts["programme"].values())
    return counts, total, funder_sets


def _grouped(queryset: QuerySet) -> list[tuple]:
    """The number of `queryset`'s projects per value of the grouped columns (one query)."""
    return list(queryset.values_list(*GROUPED.values()).annotate(n=Count("*")).order_by())


def _funder_sets(queryset: QuerySet) -> list[tuple[str, int]]:
    """The number of `queryset`'s projects per list of co-funders (",3,7,"): one query, a
    few hundred rows at most (the combinations that exist)."""
    return list(queryset.values_list("facet_funders").annotate(n=Count("*")).order_by())


def _tally(groups: list[tuple], wanted: dict) -> tuple[dict[str, Counter], int]:
    """Each grouped filter's counts (over the groups meeting every other filter) and the
    total (the groups meeting them all)."""
    keys = list(GROUPED)
    position = {key: index for index, key in enumerate(keys)}
    checks = [(key, position[key], value) for key, value in wanted.items()]
    counts: dict[str, Counter] = {key: Counter() for key in keys}
    total = 0
    for *values, n in groups:
        missed = [key for key, index, value in checks if values[index] != value]
        if not missed:
            total += n
            for index, key in enumerate(keys):
                counts[key][values[index]] += n
        elif len(missed) == 1:  # counts for the one filter it fails
            key = missed[0]
            counts[key][values[position[key]]] += n
    return counts, total


@dataclass
class CubePart:
    """The projects' counts per combination of the grouped columns, and with no filter each
    filter's counts (`margins`) and their total."""

    groups: list[tuple]
    margins: dict[str, Counter]
    total: int

    @classmethod
    def of(cls, groups: list[tuple]) -> CubePart:
        margins: dict[str, Counter] = {key: Counter() for key in GROUPED}
        for index, key in enumerate(GROUPED):
            margin = margins[key]
            for row in groups:
                margin[row[index]] += row[-1]
        return cls(groups=groups, margins=margins, total=sum(row[-1] for row in groups))


@dataclass
class Cube:
    """The counts of every project for the lists without text or figure: the part of all
    projects and the number of projects per list of co-funders (computed with the cube),
    the part of each co-funder's projects (computed when first asked, one query)."""

    everything: CubePart
    funder_sets: list[tuple[str, int]]
    by_funder: dict[int, CubePart] = field(default_factory=dict)

    def part(self, funder: int | None) -> CubePart:
        if funder is None:
            return self.everything
        if funder not in self.by_funder:
            self.by_funder[funder] = CubePart.of(_grouped(
                FundedProject.objects.order_by().filter(facet_funders__contains=f",{funder},")))
        return self.by_funder[funder]


# The cube of the current records version, in this process: computed by the first list
# after any change of the records (one query), then read by every list without text or
# figure, whatever its filters. Never a stale count: a change of the records is a new version
# (`clara.publiccache`), and a cube computed meanwhile is kept under the version it started
# from, which is no longer current.
_CUBES: dict[str, Cube] = {}


def _cube() -> Cube:
    from clara.publiccache import records_version

    version = records_version()
    cube = _CUBES.get(version)
    if cube is None:
        groups, funder_sets = _counts(FundedProject.objects.order_by(), {})
        cube = Cube(everything=CubePart.of(groups), funder_sets=funder_sets)
        _CUBES.clear()
        _CUBES[version] = cube
    return cube


def _choices(counts: Counter, labels: dict, selected, *, value) -> list[dict]:
    """The choices of a filter of slugged records (programme, site, domain), by name."""
    rows = [(labels[pk], pk, n) for pk, n in counts.items() if pk is not None and pk in labels]
    return [{"value": value(pk, code), "label": label, "count": n, "selected": pk == selected}
            for (code, label), pk, n in sorted(rows, key=lambda r: (r[0][1], r[1]))]


def _track_choices(counts: Counter, labels: dict, selected) -> list[dict]:
    codes = dict(Track.Code.choices)
    rows = sorted(((labels[pk][1], labels[pk][0], pk, n) for pk, n in counts.items()
                   if pk is not None and pk in labels))
    return [{"value": pk, "label": f"{programme} {codes.get(code, code)}", "count": n,
             "selected": pk == selected} for programme, code, pk, n in rows]


def _funder_choices(funder_sets: list[tuple[str, int]], labels: dict,
                    selected: str) -> list[dict]:
    """Projects per co-funder, summed from the projects per list of co-funders, by name."""
    counts: Counter = Counter()
    for funders, n in funder_sets:
        for funder in funders.strip(",").split(","):
            if funder:
                counts[int(funder)] += n
    rows = sorted((labels[pk][1], pk, n) for pk, n in counts.items() if pk in labels)
    return [{"value": pk, "label": name, "count": n, "selected": str(pk) == str(selected)}
            for name, pk, n in rows]


class Rows:
    """The sorted matching projects for a `Paginator` that knows their number: a page's keys
    are chosen on the project's own row (its sort's index), then only its rows are read with
    what a row shows, in one query."""

    def __init__(self, result: SearchResult, filters: Filters):
        self.result, self.filters = result, filters

    def count(self) -> int:
        return min(self.result.count, PER_PAGE * MAX_PAGE)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        sort = SORTS[self.filters.sort]
        keys = self.result.projects.select_related(None).values("pk")[index]
        return list(funded_project_list_public().filter(pk__in=keys).order_by(*sort))
