"""Speed at national scale on PostgreSQL, side by side in one run (medians, Markdown tables).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_bench .venv/bin/python bench/national_bench.py
    ... bench/national_bench.py --only figures --runs 21      # one part: figures, pages, admin

Needs the two databases built by `bench/national.py`: DATABASE_URL (twenty years) and the same
name with `_2y` (the years 2024–2025 only, `--first-year 2024`). It measures:

- `key_figures_for_year(2025)` against the hand-written SQL of `bench/key_figures_floor.py`
  (one query per family), on 20 years and on 2 years, runs interleaved; it checks that the
  ORM, the floor and both databases give the same 2025 figures. The ORM is timed as it runs
  in a process that has computed figures before (each family's query compiled once), and
  also on a first call (compiling them) and with every family through `aggregate()` (no
  compiled queries: the code before they were kept);
- the public year page and drill-downs through the Django test client (twenty years);
- every admin changelist, default page and a search, as a logged-in superuser (twenty years).
It only reads (after migrating both databases, for apps added since they were built).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clara_bench")
import national  # noqa: E402

national.setup_django()

from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from key_figures_floor import QUERIES, key_figures_floor, year_bounds  # noqa: E402

from clara.keyfigures import selectors  # noqa: E402

YEAR = 2025
LIMIT_MS = 250
DRILLDOWNS = ("calls.applications", "network.teams", "awards.count", "oncostarter.ongoing")
SEARCH = "01234"  # a person, team, company, user number; an application's number in its call


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def db_time(function) -> float:
    """Seconds spent waiting on the database while `function` runs."""
    spent = [0.0]

    def wrapper(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - start

    with connection.execute_wrapper(wrapper):
        function()
    return spent[0]


def count_queries(function) -> int:
    statements = []

    def wrapper(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        function()
    return len(statements)


def without_compiled_queries(function):
    """`function()` with every family computed by `aggregate()`, as before the selectors kept
    each family's compiled query."""
    saved = selectors._compile, selectors._compiled
    selectors._compile, selectors._compiled = (lambda *args: None), {}
    try:
        return function()
    finally:
        selectors._compile, selectors._compiled = saved


def first_call(function):
    """`function()` as the first call of a process: no family's query compiled yet."""
    saved = selectors._compiled
    selectors._compiled = {}
    try:
        return function()
    finally:
        selectors._compiled = saved


def use_database(name: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def table(header: list[str], rows: list[list]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()


def bench_figures(runs: int, families: bool) -> None:
    full = connection.settings_dict["NAME"]
    databases = {"20 years": full, "2 years": f"{full}_2y"}
    orm = {label: [] for label in databases}
    orm_db = {label: [] for label in databases}
    orm_first = {label: [] for label in databases}
    orm_plain = {label: [] for label in databases}
    floor = {label: [] for label in databases}
    values = {}
    per_family = {(label, kind): {} for label in databases for kind in ("orm", "sql")}
    for label, name in databases.items():
        use_database(name)
        values[label] = selectors.key_figures_for_year(YEAR)
        for name_of_way, way in (("a first call", first_call),
                                 ("aggregate()", without_compiled_queries)):
            if way(lambda: selectors.key_figures_for_year(YEAR)) != values[label]:
                sys.exit(f"{label}: {name_of_way} gives other figures")
        floor_values = key_figures_floor(connection, YEAR)
        if floor_values != values[label]:
            diff = {k: (v, floor_values.get(k)) for k, v in values[label].items()
                    if floor_values.get(k) != v}
            sys.exit(f"{label}: the floor and the ORM disagree: {diff}")
    same = values["20 years"] == values["2 years"]
    for _round in range(runs):
        for label, name in databases.items():
            use_database(name)
            # A new connection is a new PostgreSQL session, whose catalogue caches fill on its
            # first queries: one untimed call of each first, so that neither pays for it.
            selectors.key_figures_for_year(YEAR)
            key_figures_floor(connection, YEAR)
            orm[label].append(timed(lambda: selectors.key_figures_for_year(YEAR)))
            orm_db[label].append(db_time(lambda: selectors.key_figures_for_year(YEAR)))
            orm_first[label].append(timed(
                lambda: first_call(lambda: selectors.key_figures_for_year(YEAR))))
            orm_plain[label].append(timed(
                lambda: without_compiled_queries(lambda: selectors.key_figures_for_year(YEAR))))
            floor[label].append(timed(lambda: key_figures_floor(connection, YEAR)))
            if families:
                catalogue = selectors.figure_catalogue()
                for family in selectors.FAMILIES:
                    figures = {k: f for k, f in catalogue.items() if f.family == family}
                    per_family[(label, "orm")].setdefault(family, []).append(
                        timed(lambda f=figures: selectors.key_figures_for_year(YEAR, f)))
                params = year_bounds(YEAR)
                with connection.cursor() as cursor:
                    for family, sql in QUERIES.items():
                        start = time.perf_counter()
                        cursor.execute(sql, params)
                        cursor.fetchall()
                        per_family[(label, "sql")].setdefault(family, []).append(
                            time.perf_counter() - start)
    use_database(full)
    queries = count_queries(lambda: selectors.key_figures_for_year(YEAR))
    print(f"### key_figures_for_year({YEAR}): {runs} runs, interleaved; {queries} queries; "
          f"same 2025 figures on both databases: {'yes' if same else 'NO'}\n")
    rows = []
    for label in databases:
        rows.append([label, f"{ms(orm[label]):.1f} ms", f"{ms(orm_db[label]):.1f} ms",
                     f"{ms(floor[label]):.1f} ms", f"{ms(orm[label]) / ms(floor[label]):.2f}×",
                     f"{ms(orm_first[label]):.1f} ms", f"{ms(orm_plain[label]):.1f} ms",
                     f"{ms(orm_plain[label]) / ms(floor[label]):.2f}×"])
    rows.append(["20 years / 2 years", f"{ms(orm['20 years']) / ms(orm['2 years']):.2f}×",
                 f"{ms(orm_db['20 years']) / ms(orm_db['2 years']):.2f}×",
                 f"{ms(floor['20 years']) / ms(floor['2 years']):.2f}×", "",
                 f"{ms(orm_first['20 years']) / ms(orm_first['2 years']):.2f}×",
                 f"{ms(orm_plain['20 years']) / ms(orm_plain['2 years']):.2f}×", ""])
    table(["history", "ORM (median)", "of which in the database", "SQL floor (median)",
           "ORM / floor", "ORM, first call", "ORM by aggregate()", "aggregate() / floor"],
          rows)
    if families:
        print("Per family (median ms; ORM = key_figures_for_year on that family's figures):\n")
        rows = []
        for family in selectors.FAMILIES:
            rows.append([family] + [
                f"{ms(per_family[(label, kind)][family]):.1f}"
                for label in databases for kind in ("orm", "sql")
                if family in per_family[(label, kind)]
            ])
        table(["family", "ORM 20y", "SQL 20y", "ORM 2y", "SQL 2y"], rows)


def measure(client: Client, url: str, runs: int) -> tuple[float, int, int, int]:
    response = client.get(url)  # warm-up (and the status code)
    samples = [timed(lambda: client.get(url)) for _ in range(runs)]
    queries = count_queries(lambda: client.get(url))
    return ms(samples), queries, response.status_code, len(response.content)


def bench_pages(runs: int) -> None:
    """Each page computed at every request (the "public" cache, if the project has one,
    replaced by a dummy cache), then as the anonymous visitor gets it (from the cache)."""
    client = Client()
    rows = []
    uncached = {**settings.CACHES,
                "public": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    for url in [f"/chiffres-clefs/{YEAR}/", *(f"/chiffres-clefs/{YEAR}/{key}/"
                                              for key in DRILLDOWNS)]:
        with override_settings(CACHES=uncached):
            elapsed, queries, status, size = measure(client, url, runs)
        cached, cached_queries, _status, _size = measure(client, url, runs)
        rows.append([f"GET {url}", f"{elapsed:.0f} ms", queries, f"{cached:.1f} ms",
                     cached_queries, status, f"{size / 1024:.0f}"])
    print(f"### Public pages (Django test client, 20 years, {runs} runs, median)\n")
    table(["page", "computed", "queries", "cached", "queries", "status", "KiB"], rows)


def bench_admin(runs: int, only: str | None) -> None:
    user = get_user_model().objects.get(email=national.BENCH_USER)
    client = Client()
    client.force_login(user)
    rows, slow = [], []
    registry = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
    for model, model_admin in registry:
        opts = model._meta
        if only and only not in opts.label_lower:
            continue
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        total = model._default_manager.count()
        cells = [opts.label, total]
        for query in ("", f"?q={SEARCH}"):
            if query and not model_admin.search_fields:
                cells += ["—", "—"]
                continue
            elapsed, queries, status, _size = measure(client, url + query, runs)
            mark = " ⚠" if elapsed > LIMIT_MS or status != 200 else ""
            if mark:
                slow.append(f"{opts.label}{query}")
            cells += [f"{elapsed:.0f} ms{mark}" + ("" if status == 200 else f" ({status})"),
                      queries]
        rows.append(cells)
    print(f"### Admin changelists (superuser, 20 years, {runs} runs, median; "
          f"⚠ over {LIMIT_MS} ms)\n")
    table(["model", "rows", "list", "queries", f"search ?q={SEARCH}", "queries"], rows)
    print(f"Over {LIMIT_MS} ms: {', '.join(slow) if slow else 'none'}\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["figures", "pages", "admin"])
    parser.add_argument("--runs", type=int, default=0, help="runs per measure")
    parser.add_argument("--families", action="store_true", help="figures per family too")
    parser.add_argument("--model", help="admin: only the models whose label contains this")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    full = connection.settings_dict["NAME"]
    for name in (f"{full}_2y", full):  # apps added since the build get their tables
        use_database(name)
        call_command("migrate", verbosity=0)
    print(f"PostgreSQL database {connection.settings_dict['NAME']}; Python "
          f"{sys.version.split()[0]}; {os.cpu_count()} cores\n")
    if args.only in (None, "figures"):
        bench_figures(args.runs or 15, args.families)
    if args.only in (None, "pages"):
        bench_pages(args.runs or 5)
    if args.only in (None, "admin"):
        bench_admin(args.runs or 5, args.model)


if __name__ == "__main__":
    main()
