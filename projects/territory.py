"""Funding per site and per year, for the public territory page `/territoire/`: a table (sites ×
years of decision, with totals) whose every cell links to the funded projects behind it, and the
geometry of a server-rendered SVG chart of the same figures.

What is counted, and why it agrees with the list `/projets/`:
- a funded project (`FundedProject`), every one, as the public list shows them;
- its money is its award's amount (`Award.amount`, the public money decided for it), not the
  co-funders' shares (`funding.Contribution`), which split that same amount;
- its year is the year of its award's decision read in Europe/Paris (TIME_ZONE, USE_TZ): the
  same `ExtractYear("award__decided_at")` as the year facet of `projects.search` and the same
  local-time year as its filter `award__decided_at__year` and as the key figures' `decided_in`.
  An award decided on 31 December at 23:30 UTC counts in the next year, in both places.

Two queries whatever the number of projects, sites or years: the sites, and one grouped query
(`values(site, year).annotate(Sum, Count)`) stitched in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from clara.formatting import format_euros, format_euros_short
from clara.network.models import Site
from projects.models import FundedProject

NO_SITE = _("Sans site")
CELL = _("%(site)s, %(year)s")
SITE_TOTAL = _("%(site)s, toutes les années affichées")
YEAR_TOTAL = _("%(year)s, tous les sites")
GRAND_TOTAL = _("Tous les sites, toutes les années affichées")
# The tooltip of a bar's segment.
SEGMENT_TITLE = ngettext_lazy("%(site)s, %(year)s : %(amount)s, %(count)s projet",
                              "%(site)s, %(year)s : %(amount)s, %(count)s projets", "count")


# --- The table -------------------------------------------------------------------------------


# A bound outside these years is not a year of the network's records: ignored.
MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class YearSpan:
    """The years asked for with `?depuis=YYYY&jusqu_a=YYYY`; anything malformed is ignored
    (None: no bound), two bounds the wrong way round are swapped."""

    since: int | None = None
    until: int | None = None

    @classmethod
    def from_query(cls, query) -> YearSpan:
        def year(key: str) -> int | None:
            value = query.get(key, "")
            if len(value) == 4 and value.isascii() and value.isdigit():
                return int(value) if MIN_YEAR <= int(value) <= MAX_YEAR else None
            return None

        since, until = year("depuis"), year("jusqu_a")
        if since is not None and until is not None and since > until:
            since, until = until, since
        return cls(since, until)

    @property
    def restricted(self) -> bool:
        return self.since is not None or self.until is not None


@dataclass
class Cell:
    amount: Decimal = Decimal(0)
    count: int = 0
    url: str | None = None
    # What the cell is the amount of, for its link's name read out of the table's context.
    context: str = ""

    @property
    def empty(self) -> bool:
        return self.count == 0

    @property
    def amount_display(self) -> str:
        return format_euros(self.amount)


@dataclass
class Row:
    slug: str  # "" for the projects without a site
    label: str
    cells: list[Cell]
    total: Cell

    @property
    def all_cells(self) -> list[Cell]:
        """The row as the table shows it: its total first, then each year."""
        return [self.total, *self.cells]


@dataclass
class Territory:
    # The columns, newest first (the years people look for, visible without scrolling), every
    # year from the last to the first shown.
    years: list[int]
    rows: list[Row]
    year_totals: list[Cell]
    total: Cell
    all_years: list[int] = field(default_factory=list)  # every year with a funded project
    span: YearSpan = field(default_factory=YearSpan)

    @property
    def footer(self) -> list[Cell]:
        return [self.total, *self.year_totals]

    @property
    def has_no_site_row(self) -> bool:
        return any(not row.slug for row in self.rows)

    @property
    def complete(self) -> bool:
        """Whether the columns cover every year with a funded project (the row totals are
        then those of the list filtered by site alone)."""
        return not self.all_years or (bool(self.years) and min(self.years) == self.all_years[0]
                                      and max(self.years) == self.all_years[-1])


def _list_url(**params) -> str:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        query[key] = str(value)
    url = reverse("funded:list")
    return f"{url}?{query.urlencode()}" if params else url


def funding_by_site_and_year() -> list[dict]:
    """One row per (site id or None, year of decision in Europe/Paris) with the sum of the
    awards' amounts (`amount`) and the number of funded projects (`count`): one query."""
    return list(
        FundedProject.objects.order_by()
        .annotate(year=ExtractYear("award__decided_at"))
        .values("site_id", "year")
        .annotate(amount=Sum("award__amount"), count=Count("pk"))
        .order_by("year", "site_id")
    )


def territory_table(span: YearSpan | None = None) -> Territory:
    """The sites (by position, then name; "Sans site" last when a project has none) × the
    years of decision (newest first, within `span`, clamped to the years with projects, gaps
    included so that a year without funding shows as such), each cell with its amount, its
    number of projects and the address of the list of those projects. Totals per site, per
    year and overall. Two queries."""
    span = span or YearSpan()
    sites = list(Site.objects.order_by("position", "name").only("pk", "name", "slug"))
    grouped = funding_by_site_and_year()
    all_years = sorted({row["year"] for row in grouped})
    if not all_years:
        return Territory([], [], [], Cell(url=_list_url()), [], span)
    first = max(all_years[0], span.since) if span.since is not None else all_years[0]
    last = min(all_years[-1], span.until) if span.until is not None else all_years[-1]
    years = list(range(last, first - 1, -1))
    index = {year: i for i, year in enumerate(years)}

    values: dict[tuple[int | None, int], dict] = {
        (row["site_id"], row["year"]): row for row in grouped if row["year"] in index
    }
    series = [(site.pk, site.slug, site.name) for site in sites]
    if any(row["site_id"] is None for row in grouped):
        series.append((None, "", str(NO_SITE)))

    territory = Territory(
        years, [], [Cell(url=_list_url(annee=y), context=str(YEAR_TOTAL % {"year": y}))
                    for y in years],
        Cell(context=str(GRAND_TOTAL)), all_years, span)
    for site_id, slug, label in series:
        row = Row(slug, label, [], Cell(context=str(SITE_TOTAL % {"site": label})))
        for year in years:
            found = values.get((site_id, year))
            cell = Cell()
            if found:
                cell = Cell(found["amount"] or Decimal(0), found["count"],
                            # The list has no "without a site" filter: those cells are not links.
                            _list_url(site=slug, annee=year) if slug else None,
                            str(CELL % {"site": label, "year": year}))
                for total in (row.total, territory.year_totals[index[year]], territory.total):
                    total.amount += cell.amount
                    total.count += cell.count
            row.cells.append(cell)
        territory.rows.append(row)
    complete = territory.complete
    for row in territory.rows:
        # A site's total links to the list filtered by site only when the columns are every
        # year: otherwise the list would count the years not shown.
        row.total.url = _list_url(site=row.slug) if row.slug and complete and not row.total.empty \
            else None
    for cell in territory.year_totals:
        if cell.empty:
            cell.url = None
    territory.total.url = _list_url() if complete and not territory.total.empty else None
    return territory


# --- The chart ---------------------------------------------------------------------------------

# Colours of the series, each at least 4.9:1 against white (WCAG 1.4.11 asks 3:1), in an order
# where neighbours differ in hue; each series also has its own motif (plain, stripes, dots), so
# that a pair of colours and motif names one series among 24 and the chart reads without colour.
PALETTE = ("#4b2882", "#c2410c", "#0f766e", "#be185d", "#0369a1", "#a16207", "#475569",
           "#4d7c0f")
MOTIFS = ("plain", "stripes", "dots")

# Geometry, in the units of the viewBox. The chart is drawn 400 units wide and scaled to the
# width of its column (100 %): on a 390 px phone a 13-unit label is about 12 px high.
WIDTH = 400
LABEL_WIDTH = 44  # the year on the left of its bar
VALUE_WIDTH = 60  # the year's total on the right of its bar
BAR_HEIGHT = 22
BAR_GAP = 10
AXIS_HEIGHT = 26  # the scale's labels above the bars
FONT_SIZE = 13


@dataclass
class Series:
    id: str
    label: str
    colour: str
    motif: str


@dataclass
class Segment:
    x: float
    width: float
    series: Series
    title: str


@dataclass
class Bar:
    year: int
    y: float
    text_y: float
    segments: list[Segment]
    total_label: str
    total_x: float


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    series: list[Series]
    bars: list[Bar]
    ticks: list[Tick]
    plot_left: int
    plot_top: int
    plot_bottom: int
    font_size: int = FONT_SIZE


def _nice_step(maximum: Decimal, target_ticks: int = 5) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `target_ticks` steps."""
    raw = float(maximum) / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return Decimal(str(factor * magnitude))
    return Decimal(str(10 * magnitude))  # pragma: no cover - the loop always returns


def territory_chart(territory: Territory) -> Chart | None:
    """Horizontal stacked bars, one per year (newest at the top, as the table's columns read
    left to right), one segment per site in the table's order: the geometry, computed here so
    that the template only places it. None when there is nothing to draw."""
    if territory.total.empty:
        return None
    series = [Series(f"territory-series-{i}", row.label, PALETTE[i % len(PALETTE)],
                     MOTIFS[i % len(MOTIFS)]) for i, row in enumerate(territory.rows)]
    largest = max(cell.amount for cell in territory.year_totals)
    step = _nice_step(largest) if largest > 0 else Decimal(1)
    axis_max = step * max(1, math.ceil(largest / step))
    plot_left = LABEL_WIDTH
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH

    def x_of(amount: Decimal) -> float:
        return round(plot_left + float(amount / axis_max) * plot_width, 2)

    ticks = []
    value = Decimal(0)
    while value <= axis_max:
        ticks.append(Tick(x_of(value), format_euros_short(value)))
        value += step
    bars = []
    for i, (year, total) in enumerate(zip(territory.years, territory.year_totals, strict=True)):
        y = AXIS_HEIGHT + BAR_GAP + i * (BAR_HEIGHT + BAR_GAP)
        segments, start = [], Decimal(0)
        for row, serie in zip(territory.rows, series, strict=True):
            cell = row.cells[i]
            if cell.empty or cell.amount <= 0:
                continue
            x = x_of(start)
            start += cell.amount
            segments.append(Segment(x, round(x_of(start) - x, 2), serie, SEGMENT_TITLE % {
                "site": row.label, "year": year, "amount": cell.amount_display,
                "count": cell.count}))
        bars.append(Bar(year, y, y + BAR_HEIGHT / 2 + FONT_SIZE * 0.35, segments,
                        format_euros_short(total.amount) if not total.empty else "—",
                        x_of(total.amount) + 5))
    height = AXIS_HEIGHT + BAR_GAP + len(bars) * (BAR_HEIGHT + BAR_GAP)
    return Chart(WIDTH, height, series, bars, ticks, plot_left, AXIS_HEIGHT, height - BAR_GAP // 2)
