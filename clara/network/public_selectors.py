"""Reads for the public pages of partners and funders (`/partenaires/`) and the site footer.

What is public (see `clara/public.py` and DESIGN.md, "What is public"):

- A *funded project* is a `FundedProject` (an award of a selected application that CLARA
  follows), the same set as the public list `/projets/`; applications that were not selected,
  and awards without a funded project, never make anyone a partner or count in a total.
- A *partner* is an organisation that took part in at least one funded project: one of its
  teams is a team of the project's application, or it is one of the application's partner
  companies. Organisations without any funded project are not listed: the page presents the
  network's partners in projects, not the directory of every organisation staff recorded.
- A *funder* is listed when it co-funded at least one funded project (a contribution to its
  award); its total is the sum of those contributions only (public money).
- An organisation's page exists for a partner and for the organisation of a listed funder
  (a funder's row links to it); any other organisation answers 404, like an unknown one.
- Teams may be named (their names are public, as in the census); people never are.

Every read runs a fixed number of queries whatever the number of rows: counts and totals are
annotations or grouped queries, never one query per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from clara.network.models import Organisation, Team
from clara.querystring import query_with
from funding.models import MONEY, Contribution, Funder
from programmes.models import Application
from projects.models import FundedProject

NO_SITE = "aucun"
# Kinds in the order of their declaration (universities first, "other" last).
KIND_ORDER = Case(
    *(When(kind=value, then=Value(index)) for index, value in enumerate(Organisation.Kind.values)),
    default=Value(len(Organisation.Kind.values)), output_field=IntegerField(),
)
MAX_SLUG = 50


class _CountDistinct(Func):
    """COUNT(DISTINCT expr) as a plain function: in a subquery it aggregates the whole
    filtered set without a GROUP BY (a `Count` would group by the outer reference)."""

    function = "COUNT"
    template = "%(function)s(DISTINCT %(expressions)s)"
    output_field = IntegerField()


def _took_part(organisation) -> Q:
    """On `FundedProject`: `organisation` (a pk or an outer reference) took part in the project.
    Two `IN (subquery)` rather than joins of both many-to-many tables: no row is repeated,
    and each subquery reads an index (a team's organisation, a partner company)."""
    teams = Team.applications.through.objects.filter(
        team__organisation=organisation).values("application_id")
    companies = Application.partner_companies.through.objects.filter(
        organisation=organisation).values("application_id")
    return Q(award__application__in=teams) | Q(award__application__in=companies)


def _projects_count(organisation_ref) -> Coalesce:
    """Funded projects the organisation took part in; `organisation_ref` is
    `OuterRef(OuterRef("pk"))`, the organisation being two queries out."""
    rows = (FundedProject.objects.filter(_took_part(organisation_ref)).order_by()
            .annotate(n=_CountDistinct("pk")).values("n"))
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _is_partner() -> Q:
    """On `Organisation`: took part in at least one funded project."""
    team = Team.applications.through.objects.filter(
        team__organisation=OuterRef("pk"), application__award__project__isnull=False)
    company = Application.partner_companies.through.objects.filter(
        organisation=OuterRef("pk"), application__award__project__isnull=False)
    return Exists(team) | Exists(company)


def _funded_contributions() -> Q:
    return Q(contributions__award__project__isnull=False)


def _money(expression):
    return Coalesce(expression, Decimal("0"), output_field=DecimalField(**MONEY))


# --- funders ----------------------------------------------------------------------------------

def funder_list_public() -> QuerySet[Funder]:
    """The funders that co-funded at least one funded project, each annotated with
    `projects_count` (funded projects it contributed to) and `contributions_total` (the sum of
    its contributions to them, Decimal), largest total first. One query. A contribution whose
    award has no funded project counts in neither."""
    return (
        Funder.objects.annotate(
            projects_count=Count("contributions__award__project", distinct=True),
            contributions_total=_money(Sum("contributions__amount",
                                           filter=_funded_contributions())),
        )
        .filter(projects_count__gt=0)
        .order_by("-contributions_total", "name", "pk")
    )


def footer_funders() -> list[dict]:
    """The funders for the site footer: those that co-funded at least one funded project,
    as dicts `{"pk", "name", "short_name"}`, largest total contribution to funded projects
    first (then by name). One query: the contributions whose award is a funded project's (a
    semi-join on the projects' awards, not a join through each award), summed per funder."""
    return [
        {"pk": row["funder_id"], "name": row["funder__name"],
         "short_name": row["funder__short_name"]}
        for row in Contribution.objects
        .filter(award_id__in=FundedProject.objects.values("award_id"))
        .values("funder_id", "funder__name", "funder__short_name")
        .annotate(total=Sum("amount"))
        .order_by("-total", "funder__name", "funder_id")
    ]


# --- partners -------------------------------------------------------------------------------

@dataclass
class PartnerFilters:
    """The list's filters, read from the query string; anything malformed or unknown is
    ignored (checked against the choices that exist, see `partner_list_public`)."""

    site: str = ""
    kind: str = ""

    @classmethod
    def from_query(cls, query) -> PartnerFilters:
        site = query.get("site", "")
        kind = query.get("type", "")
        return cls(site=site if 0 < len(site) <= MAX_SLUG else "",
                   kind=kind if kind in Organisation.Kind.values else "")

    def as_query(self, **changes) -> str:
        """The URL query of these filters with `changes` (None removes a key)."""
        values = {"site": self.site, "type": self.kind}
        return query_with(values, **changes)


@dataclass
class Choice:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class PartnerList:
    partners: QuerySet[Organisation]
    filters: PartnerFilters
    sites: list[Choice] = field(default_factory=list)
    kinds: list[Choice] = field(default_factory=list)


def partner_queryset() -> QuerySet[Organisation]:
    """Every partner (an organisation that took part in a funded project), annotated with
    `projects_count`, in the order of the list: by site (the network's order, organisations
    without a site last), then kind, then name."""
    return (
        Organisation.objects.filter(_is_partner())
        .select_related("site")
        .annotate(projects_count=_projects_count(OuterRef(OuterRef("pk"))), kind_order=KIND_ORDER)
        .order_by(F("site__position").asc(nulls_last=True), "site__name", "kind_order",
                  "name", "pk")
    )


def partner_list_public(filters: PartnerFilters) -> PartnerList:
    """The partners matching `filters` (a lazy queryset, to paginate) and the choices of the
    two filters with their counts. Each filter's counts apply the other filter, not its own.
    One grouped query for the choices; a filter whose value is not among them is dropped."""
    cells = list(
        Organisation.objects.filter(_is_partner())
        .values("site__slug", "site__name", "site__position", "kind")
        .annotate(n=Count("pk"))
        .order_by(F("site__position").asc(nulls_last=True), "site__name", "kind")
    )
    site_values = {row["site__slug"] or NO_SITE for row in cells}
    kind_values = {row["kind"] for row in cells}
    filters = PartnerFilters(
        site=filters.site if filters.site in site_values else "",
        kind=filters.kind if filters.kind in kind_values else "",
    )

    sites: dict[str, Choice] = {}
    for row in cells:
        if filters.kind and row["kind"] != filters.kind:
            continue
        slug = row["site__slug"] or NO_SITE
        choice = sites.setdefault(slug, Choice(slug, row["site__name"] or "", 0,
                                               slug == filters.site))
        choice.count += row["n"]
    kinds: dict[str, int] = {}
    for row in cells:
        if not filters.site or (row["site__slug"] or NO_SITE) == filters.site:
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + row["n"]
    labels = dict(Organisation.Kind.choices)

    partners = partner_queryset()
    if filters.site == NO_SITE:
        partners = partners.filter(site__isnull=True)
    elif filters.site:
        partners = partners.filter(site__slug=filters.site)
    if filters.kind:
        partners = partners.filter(kind=filters.kind)
    return PartnerList(
        partners=partners,
        filters=filters,
        sites=list(sites.values()),
        kinds=[Choice(kind, labels[kind], kinds[kind], kind == filters.kind)
               for kind in Organisation.Kind.values if kind in kinds],
    )


# --- one organisation -----------------------------------------------------------------------

def _funder_stats(aggregate) -> Subquery:
    """On `Organisation`: `aggregate` over its funder's contributions to funded projects."""
    rows = (Contribution.objects.filter(funder__organisation=OuterRef("pk"),
                                        award__project__isnull=False)
            .order_by().values("funder").annotate(v=aggregate).values("v"))
    return Subquery(rows, output_field=aggregate.output_field)


def _is_public_funder() -> Exists:
    """On `Organisation`: the organisation of a funder that co-funded a funded project."""
    return Exists(Contribution.objects.filter(
        funder__organisation=OuterRef("pk"), award__project__isnull=False))


def organisations_with_page() -> QuerySet[Organisation]:
    """Every organisation that has a public page (`partners:detail`), only their pk, by pk:
    for the sitemap. One query."""
    return (Organisation.objects.filter(_is_partner() | _is_public_funder())
            .only("pk").order_by("pk"))


def organisation_public(*, pk: int) -> Organisation:
    """The organisation `pk` for its public page, if it is public: a partner, or the
    organisation of a funder that co-funded a funded project. Annotated with
    `projects_count` (funded projects it took part in), `funder_projects_count` and
    `funder_total` (its funder's contributions to funded projects, None when it is no
    funder) and `parent_is_public` (whether its parent organisation has a page). One query;
    `Organisation.DoesNotExist` otherwise (an unknown pk too)."""
    parent_public = Q(parent__isnull=False) & (
        Exists(Team.applications.through.objects.filter(
            team__organisation=OuterRef("parent_id"),
            application__award__project__isnull=False))
        | Exists(Application.partner_companies.through.objects.filter(
            organisation=OuterRef("parent_id"), application__award__project__isnull=False))
        | Exists(Contribution.objects.filter(funder__organisation=OuterRef("parent_id"),
                                             award__project__isnull=False))
    )
    return (
        Organisation.objects.filter(_is_partner() | _is_public_funder())
        .select_related("site", "parent", "funder")
        .annotate(
            projects_count=_projects_count(OuterRef(OuterRef("pk"))),
            funder_projects_count=_funder_stats(Count("award__project", distinct=True)),
            funder_total=_funder_stats(Sum("amount", output_field=DecimalField(**MONEY))),
            parent_is_public=Case(When(parent_public, then=Value(True)), default=Value(False),
                                  output_field=BooleanField()),
        )
        .get(pk=pk)
    )


def organisation_projects_public(organisation: Organisation) -> QuerySet[FundedProject]:
    """The funded projects `organisation` took part in, newest decision first, with what a
    row shows (programme, decision) and `as_company` (it is one of the application's partner
    companies). Lazy, to paginate: one query for the page (and one for its count)."""
    as_company = Application.partner_companies.through.objects.filter(
        application=OuterRef("award__application"), organisation=organisation.pk)
    return (
        FundedProject.objects.filter(_took_part(organisation.pk))
        .select_related("award__application__call__programme")
        .annotate(as_company=Exists(as_company))
        .order_by("-award__decided_at", "name", "pk")
    )


def organisation_teams_by_project(organisation: Organisation, projects) -> dict[int, list[str]]:
    """For each of `projects` (funded projects), the names of `organisation`'s teams in its
    application, sorted. One query."""
    rows = (
        Team.applications.through.objects
        .filter(team__organisation=organisation.pk,
                application__award__project__in=[p.pk for p in projects])
        .values_list("application__award__project", "team__name")
        .order_by("team__name")
    )
    teams: dict[int, list[str]] = {}
    for project_id, name in rows:
        teams.setdefault(project_id, []).append(name)
    return teams

