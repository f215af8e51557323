"""Public tables of the records behind a key figure, one page at a time.

What each model shows is decided once, in `clara.public`: a row per record with its public
columns, or, for records about people and company money, counts per group with money only in
the total. A page costs a fixed number of queries whatever the year's size: the count, the
rows (or groups) of the page, the totals computed by the database over every record, and for
grouped people the names of those of the page's groups who consented.
"""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from clara.formatting import format_euros
from clara.public import Groups, Rows, representation_of

PAGE_SIZE = 50


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]
    total: list[Any] | None
    page: Page
    grouped: bool
    # How many records the table covers, over every page.
    records: int
    # Index of the columns holding numbers (right-aligned).
    numeric: frozenset[int] = frozenset()
    # Index of the columns hidden on phone screens.
    secondary: frozenset[int] = frozenset()


def _money(value) -> str:
    return "" if value in ("", None) else format_euros(value)


def _totals(queryset, columns) -> dict[int, Any]:
    wanted = {f"c{i}": column.total for i, column in enumerate(columns) if column.total is not None}
    if not wanted:
        return {}
    row = queryset.order_by().aggregate(**wanted)
    return {int(name[1:]): value or 0 for name, value in row.items()}


def _rows_table(queryset, rep: Rows, page_number) -> Table:
    queryset = queryset.select_related(*rep.related).order_by(*rep.ordering)
    page = Paginator(queryset, PAGE_SIZE).get_page(page_number)
    rows = []
    for record in page.object_list:
        row = [column.value(record) for column in rep.columns]
        rows.append([_money(cell) if column.money else cell
                     for column, cell in zip(rep.columns, row, strict=True)])
    total = None
    totals = _totals(queryset, rep.columns)
    if totals and page.paginator.count:
        total = [""] * len(rep.columns)
        total[0] = _("Total")
        for index, value in totals.items():
            total[index] = _money(value) if rep.columns[index].money else value
    numeric = frozenset(i for i, column in enumerate(rep.columns) if column.total is not None)
    secondary = frozenset(i for i, column in enumerate(rep.columns) if column.secondary)
    return Table([str(c.header) for c in rep.columns], rows, total, page, False,
                 page.paginator.count, numeric, secondary)


def _groups_table(queryset, rep: Groups, page_number) -> Table:
    paths = [group.path for group in rep.by]
    grouped = queryset.order_by().values(*paths).annotate(n=Count("pk")).order_by(*paths)
    page = Paginator(grouped, PAGE_SIZE).get_page(page_number)
    groups = list(page.object_list)
    names: dict[tuple, list[str]] = {}
    if rep.named and groups:
        # Only the page's groups, only the people who consented.
        in_page = Q()
        for group in groups:
            in_page |= Q(**{path: group[path] for path in paths})
        consenting = (
            queryset.filter(in_page, **{f"{rep.named}__public_consent_on__isnull": False})
            .order_by(f"{rep.named}__last_name", f"{rep.named}__first_name")
            .values_list(*paths, f"{rep.named}__first_name", f"{rep.named}__last_name")
        )
        for *key, first_name, last_name in consenting:
            names.setdefault(tuple(key), []).append(f"{first_name} {last_name}")
    headers = [str(g.header) for g in rep.by] + [str(rep.count_header)]
    if rep.named:
        headers.append(str(rep.named_header))
    headers += [str(c.header) for c in rep.totals]
    rows = []
    for group in groups:
        row = [g.display(group[g.path]) for g in rep.by] + [group["n"]]
        if rep.named:
            row.append(", ".join(names.get(tuple(group[p] for p in paths), [])))
        # Money of a group would be one person's or one company's: only the total shows it.
        row += ["—" for _c in rep.totals]
        rows.append(row)
    total = None
    count_index = len(rep.by)
    records = 0
    if groups:
        totals = _totals(queryset, rep.totals)
        records = queryset.order_by().count()
        total = [""] * len(headers)
        total[0] = _("Total")
        total[count_index] = records
        first_money = len(headers) - len(rep.totals)
        for index, column in enumerate(rep.totals):
            value = totals.get(index, 0)
            total[first_money + index] = _money(value) if column.money else value
    numeric = frozenset({count_index} | set(range(len(headers) - len(rep.totals), len(headers))))
    return Table(headers, rows, total, page, True, records, numeric)


def drilldown_table(queryset, page_number=1) -> Table:
    """The public table of `queryset`'s page `page_number` (an invalid number gives the first
    page, a number past the end the last)."""
    rep = representation_of(queryset.model)
    if isinstance(rep, Groups):
        return _groups_table(queryset, rep, page_number)
    return _rows_table(queryset, rep, page_number)
