"""The history at national scale on PostgreSQL (issue 11): the figures of a span of years, of
the history "since the creation" and of the trends over twenty years, and `import_records`
on about 50 000 rows, each side by side with a floor in the same run (medians, Markdown
tables).

    # the twenty-year and two-year databases of bench/national.py (built with --build if absent)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_bench .venv/bin/python bench/history.py --build
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_bench .venv/bin/python bench/history.py
    ... bench/history.py --only figures --runs 15      # or --only import [--copies 14] [--profile]

Figures (reads `clara_bench` and `clara_bench_2y`, after migrating them):

- `key_figures_for_period(2006, 2025)` (every figure of the catalogue and of the history over
  twenty years), the history figures over `history_span()` and one trend
  (`figure_by_year`), against two floors timed in the same rounds, interleaved:
  `key_figures_for_year(2025)` (the same one query per family, for one year) and the
  hand-written SQL of `bench/key_figures_floor.py` run once over the whole span (each family's
  rows of 2006–2025 read once by range conditions on indexed columns, no "count once" or
  "latest census" to resolve: a lower bound); the trend against one `GROUP BY` year;
- the same on the two-year database (span 2024–2025), for the cost of history alone;
- the pages `/chiffres-clefs/2006-2025/`, `/chiffres-clefs/depuis-la-creation/` and
  `/chiffres-clefs/tendances/awards.amount_eur/` as an anonymous visitor through the Django
  test client, the "public" cache cleared before every request (computed pages). The years
  are published inside a transaction rolled back at the end: the databases are left as
  they were.

Import (drops and creates `<DATABASE_URL's name>_import`, i.e. `clara_bench_import`):

- the history workbook is the demo's (`load_demo` in a throw-away SQLite file, then
  `records_export`, the admin's export columns) copied `--copies` times (14: about 49 000
  rows) with every natural key renamed in each copy (organisations, teams, people's e-mails
  and ORCID iDs, calls and their year, application references, events, working groups,
  support and international actions), the reference sheets (sites, funders, programmes, tracks,
  domains) once. Written both as a CSV folder and as an XLSX workbook; the import reads the
  CSV folder (the faster to read: see the floor);
- `import_records` (the service `records_import`, as the command calls it) into the empty
  database, after creating the accounts the rows name (applicants, officers: not part of
  the history): dry run, `--commit`, then `--commit` again (which must change nothing):
  wall time, rows/s, the process's peak resident memory (ru_maxrss: tracemalloc would slow
  the import down several times), queries; each step is printed as it ends (minutes each);
- floors in the same run: reading the files (`read_records`: every row of the CSV folder and
  of the workbook) and writing the rows the import created (every table of its kinds and
  the accounts, read back with their keys) with plain `bulk_create` into an empty database
  `<name>_import_floor` (`--only bulk-floor` redoes it from the last import);
- `--profile` (first): cProfile of `--commit` of a 2-copy workbook (about 7 000 rows, the
  same rows per kind) into the empty database; the top functions by own and cumulative time
  are written to `<workdir>/import.prof.txt`.

The bench scripts are not under `tests/`: pytest never collects them.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clara_bench")

FIRST, LAST = 2006, 2025
TREND_KEY = "awards.amount_eur"


# --- Building the national databases ------------------------------------------------------


def build_national(first_year: int) -> None:
    """bench/national.py (`--first-year`)."""
    import national

    sys.argv = [sys.argv[0], "--first-year", str(first_year)]
    national.main()


# --- Measuring ---------------------------------------------------------------------------------


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def count_queries(function) -> int:
    from django.db import connection

    statements = [0]

    def wrapper(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        function()
    return statements[0]


def peak_kib(function) -> float:
    tracemalloc.start()
    try:
        function()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1024


def table(header: list[str], rows: list[list]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()


def use_database(name: str) -> None:
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def recreate_database(name: str) -> None:
    import psycopg

    if not name.startswith("clara_bench") or name == "clara_bench_public":
        sys.exit(f"refusing to drop {name!r}")
    parsed = urlparse(os.environ["DATABASE_URL"])
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- Figures over a span -----------------------------------------------------------------------


def span_floor_sql() -> dict[str, str]:
    """bench/key_figures_floor.py's queries over a span: the yearly tables (census, statuses)
    read for every year of the span instead of one."""
    from key_figures_floor import QUERIES

    span = {}
    for family, sql in QUERIES.items():
        span[family] = re.sub(r"(\w+)\.year = %\(year\)s",
                              r"\1.year >= %(first_year)s AND \1.year <= %(year)s", sql)
    return span


def span_bounds(first: int, last: int) -> dict:
    from key_figures_floor import year_bounds

    bounds = year_bounds(last)
    start = year_bounds(first)
    return {**bounds, "first_year": first, "start": start["start"],
            "first_day": start["first_day"]}


def span_floor(first: int, last: int) -> int:
    from django.db import connection

    params = span_bounds(first, last)
    rows = 0
    with connection.cursor() as cursor:
        for sql in SPAN_SQL.values():
            cursor.execute(sql, params)
            rows += len(cursor.fetchall())
    return rows


TREND_SQL = """
    SELECT extract(year FROM w.decided_at AT TIME ZONE 'Europe/Paris') AS y, sum(w.amount)
    FROM funding_award w
    JOIN programmes_application a ON a.id = w.application_id
    JOIN programmes_call c ON c.id = a.call_id
    JOIN programmes_programme p ON p.id = c.programme_id
    WHERE w.decided_at >= %(start)s AND w.decided_at < %(end)s
      AND p.kind IN ('oncostarter', 'proof_of_concept', 'structuring')
    GROUP BY y"""


def trend_floor(first: int, last: int) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(TREND_SQL, span_bounds(first, last))
        return len(cursor.fetchall())


SPAN_SQL: dict[str, str] = {}


def bench_families(runs: int, databases: dict) -> None:
    """Per family: the ORM over the span (the catalogue's figures of that family) and the
    floor's SQL of that family over the span."""
    from django.db import connection

    from clara.keyfigures import period, selectors

    catalogue = selectors.figure_catalogue()
    families = sorted({figure.family for figure in catalogue.values()})
    samples: dict = {}
    for _round in range(runs):
        for label, (name, first) in databases.items():
            use_database(name)
            params = span_bounds(first, LAST)
            for family in families:
                figures = {k: f for k, f in catalogue.items() if f.family == family}

                def function(f=figures, first=first):
                    return period.key_figures_for_period(first, LAST, f)

                function()
                samples.setdefault((label, "orm", family), []).append(timed(function))
                if family in SPAN_SQL:
                    with connection.cursor() as cursor:
                        start = time.perf_counter()
                        cursor.execute(SPAN_SQL[family], params)
                        cursor.fetchall()
                        samples.setdefault((label, "sql", family), []).append(
                            time.perf_counter() - start)
    print("Per family over the span (median ms; ORM = key_figures_for_period on that "
          "family's figures, SQL = the floor's query of that family over the span):\n")
    rows = []
    for family in families:
        rows.append([family] + [
            f"{ms(samples[(label, kind, family)]):.1f}"
            if (label, kind, family) in samples else "—"
            for label in databases for kind in ("orm", "sql")])
    table(["family", "ORM 20 y", "SQL 20 y", "ORM 2 y", "SQL 2 y"], rows)


def bench_figures(runs: int, families: bool = False) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from clara.keyfigures import period, selectors

    SPAN_SQL.update(span_floor_sql())
    full = connection.settings_dict["NAME"]
    databases = {"20 years": (full, FIRST), "2 years": (f"{full}_2y", 2024)}
    for name, _first in databases.values():
        use_database(name)
        call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]

    def measures(first: int) -> dict:
        trend_figure = period.period_figure_for_key(TREND_KEY)
        years = list(range(first, LAST + 1))
        history = period.history_figures()
        return {
            "period": lambda: period.key_figures_for_period(first, LAST),
            "history": lambda: period.key_figures_for_period(
                *period.history_span(years), history),
            "trend": lambda: period.figure_by_year(trend_figure, years),
            "year": lambda: selectors.key_figures_for_year(LAST),
            "sql span": lambda: span_floor(first, LAST),
            "sql trend": lambda: trend_floor(first, LAST),
        }

    samples = {(label, what): [] for label in databases for what in measures(FIRST)}
    queries, peaks, spans = {}, {}, {}
    for label, (name, first) in databases.items():
        use_database(name)
        spans[label] = period.history_span(list(range(first, LAST + 1)))
        for what, function in measures(first).items():
            function()  # the session's catalogue caches, each family's compiled query
            queries[(label, what)] = count_queries(function)
            peaks[(label, what)] = peak_kib(function)
    for _round in range(runs):
        for label, (name, first) in databases.items():
            use_database(name)
            for what, function in measures(first).items():
                function()
                samples[(label, what)].append(timed(function))

    def cell(label, what):
        return (f"{ms(samples[(label, what)]):.1f} ms ({queries[(label, what)]} q, "
                f"{peaks[(label, what)]:.0f} KiB)")

    def ratio(a, b, label="20 years", label_b=None):
        return f"{ms(samples[(label, a)]) / ms(samples[(label_b or label, b)]):.2f}×"

    print(f"### Figures over a span: {runs} rounds, interleaved, median (queries, peak "
          f"Python memory); history span {spans['20 years']} and {spans['2 years']}\n")
    rows = []
    names = {"period": "key_figures_for_period(first, 2025), every figure",
             "history": "history figures over history_span()",
             "trend": f"figure_by_year({TREND_KEY}), every year",
             "year": "floor: key_figures_for_year(2025)",
             "sql span": "floor: key_figures_floor.py's SQL over the span",
             "sql trend": "floor: trend in one SQL GROUP BY year"}
    for what, name in names.items():
        rows.append([name, cell("20 years", what), cell("2 years", what),
                     ratio(what, what, "20 years", "2 years")])
    table(["what", "20 years (2006–2025)", "2 years (2024–2025)", "20 y / 2 y"], rows)
    table(["ratio", "20 years", "2 years"], [
        ["period / key_figures_for_year(2025)", ratio("period", "year"),
         ratio("period", "year", "2 years")],
        ["period / SQL floor over the span", ratio("period", "sql span"),
         ratio("period", "sql span", "2 years")],
        ["history / SQL floor over the span", ratio("history", "sql span"),
         ratio("history", "sql span", "2 years")],
        ["trend / SQL GROUP BY year", ratio("trend", "sql trend"),
         ratio("trend", "sql trend", "2 years")],
    ])
    if families:
        bench_families(runs, databases)
    use_database(full)
    bench_pages(runs)


def bench_pages(runs: int) -> None:
    from django.core.cache import caches
    from django.db import transaction
    from django.test import Client

    from clara.keyfigures.models import YearPublication

    client = Client()
    urls = [f"/chiffres-clefs/{FIRST}-{LAST}/", "/chiffres-clefs/depuis-la-creation/",
            f"/chiffres-clefs/tendances/{TREND_KEY}/", f"/chiffres-clefs/{LAST}/"]
    samples = {url: [] for url in urls}
    info = {}
    from django.utils import timezone

    with transaction.atomic():
        # Every year published for the public, rolled back at the end.
        now = timezone.now()
        YearPublication.objects.bulk_create([
            YearPublication(year=year, published_at=now, figures={})
            for year in range(FIRST, LAST + 1)])
        for url in urls:
            caches["public"].clear()
            response = client.get(url)
            caches["public"].clear()
            queries = count_queries(lambda url=url: client.get(url))
            caches["public"].clear()
            peak = peak_kib(lambda url=url: client.get(url))
            info[url] = (response.status_code, len(response.content), queries, peak)
        for _round in range(runs):
            for url in urls:
                caches["public"].clear()
                samples[url].append(timed(lambda url=url: client.get(url)))
        cached = {}
        for url in urls:
            client.get(url)
            cached[url] = ms([timed(lambda url=url: client.get(url)) for _ in range(runs)])
        transaction.set_rollback(True)
    print(f"### Public pages, anonymous visitor, 20 years ({runs} rounds, median; the "
          f"public cache cleared before each request)\n")
    rows = []
    for url in urls:
        status, size, queries, peak = info[url]
        rows.append([f"GET {url}", f"{ms(samples[url]):.0f} ms", queries, f"{peak:.0f} KiB",
                     f"{cached[url]:.1f} ms", status, f"{size / 1024:.0f}"])
    table(["page", "computed", "queries", "peak", "from the cache", "status", "KiB"], rows)


# --- The history workbook ----------------------------------------------------------------------

# The sheets read once (reference data every copy shares).
SHARED = {"sites", "financeurs", "programmes", "clefs-entree", "domaines"}
# TEAM_NAMES: `TeamByNameWidget` (clara/network/resources.py) prefetches teams by name only,
# in chunks of LOOKUP_CHUNK keys, and indexes them by (name, organisation): when more than a
# chunk of keys name teams of the same name in different organisations, a team fetched by
# two chunks is indexed twice and its rows are refused as ambiguous ("Plusieurs équipes
# correspondent à …"). Each copy's teams get their own names so that the bench measures the
# import rather than that.
# Per sheet, how each column changes in copy k > 0 (columns not named stay as they are).
RENAME = {
    "organisations": {"nom": "org", "organisation de tutelle (nom)": "org", "SIRET": "blank",
                      "identifiant ROR": "blank", "numéro RNSR": "blank"},
    "personnes": {"adresse e-mail": "email", "ORCID iD": "orcid", "organisation (nom)": "org"},
    # Team names are renamed too, although a team is keyed by name + organisation: see
    # TEAM_NAMES.
    "equipes": {"nom": "text", "organisation (nom)": "org", "responsable (ORCID ou e-mail)": "person"},
    "recensements": {"équipe (nom)": "text", "organisation (nom)": "org"},
    "appels": {"identifiant": "call", "titre": "text", "année": "year"},
    "appels-liens": {"appel (identifiant)": "call"},
    "demandes": {"référence": "ref", "appel (identifiant)": "call", "déposant (e-mail)": "account",
                 "porteur ou porteuse (ORCID ou e-mail)": "person"},
    "demandes-liens": {"demande (référence)": "ref", "équipes (nom @ organisation ; …)": "teams",
                       "entreprises partenaires (noms ; …)": "orgs",
                       "co-porteurs et co-porteuses (ORCID ou e-mail ; …)": "persons"},
    "decisions": {"demande (référence)": "ref"},
    "financements": {"demande (référence)": "ref"},
    "contributions": {"demande (référence)": "ref"},
    "investissements": {"demande (référence)": "ref", "entreprise (nom)": "org"},
    "projets": {"demande (référence)": "ref", "nom du projet": "text"},
    "statuts-annuels": {"projet (référence de la demande)": "ref"},
    "resultats": {"projet (référence de la demande)": "ref"},
    "accompagnements": {"objet": "text", "équipe (nom)": "text",
                        "organisation de l'équipe (nom)": "org",
                        "chargé(e) de mission (e-mail)": "account",
                        "organisation (nom)": "org", "projet (référence de la demande)": "ref"},
    "groupes-de-travail": {"nom": "text", "sigle": "text",
                           "membres (ORCID ou e-mail ; …)": "persons"},
    "evenements": {"titre": "text", "organisateur (nom)": "org",
                   "subvention (référence de la demande)": "ref"},
    "evenements-liens": {"titre": "text", "événement parent (titre)": "text",
                         "appel présenté (identifiant)": "call",
                         "groupe de travail (nom)": "text"},
    "interventions": {"événement (titre)": "text", "intervenant (ORCID ou e-mail)": "person"},
    "posters": {"événement (titre)": "text", "présenté par (ORCID ou e-mail)": "person"},
    "prix": {"événement (titre)": "text", "start-up lauréate (nom)": "org"},
    "questionnaires": {"événement (titre)": "text"},
    "actions-internationales": {"intitulé": "text", "personne (ORCID ou e-mail)": "person",
                                "financement (référence de la demande)": "ref",
                                "membres de la délégation (ORCID ou e-mail ; …)": "persons"},
}


def _orcid(value: str, k: int) -> str:
    from clara.network.validators import orcid_check_digit

    digits = value.replace("-", "")
    base = digits[:4] + f"{k:04d}" + digits[8:15]
    digits = base + orcid_check_digit(base)
    return "-".join(digits[i:i + 4] for i in range(0, 16, 4))


def _person(value: str, k: int) -> str:
    if "@" in value:
        local, domain = value.split("@", 1)
        return f"{local}.c{k}@{domain}"
    return _orcid(value, k)


def _renamed(how: str, value: str, k: int) -> str:
    if not value:
        return value
    if how == "account":
        # Accounts are not part of the history: every copy names the same (created before
        # the import, see `accounts_of`).
        return value
    if how == "blank":
        return ""
    if how == "org" or how == "text":
        return f"{value} (c{k})"
    if how == "orgs":
        return " ; ".join(f"{v.strip()} (c{k})" for v in value.split(";"))
    if how == "teams":
        return " ; ".join(f"{team.strip()} (c{k}) @ {org.strip()} (c{k})"
                          for team, org in (v.split("@", 1) for v in value.split(";")))
    if how == "email" or how == "orcid" or how == "person":
        return _person(value, k)
    if how == "persons":
        return " ; ".join(_person(v.strip(), k) for v in value.split(";"))
    if how == "year":
        # One call per programme, track and year (2000–2100): each copy's calls 5 years
        # later (their dates, which the figures read, stay those of the demo).
        return str(int(value) + 5 * k)
    if how == "call":
        return f"{value}-c{k}"
    if how == "ref":
        return f"{value}-C{k}"
    raise ValueError(how)


def accounts_of(folder: Path) -> set[str]:
    """The e-mail addresses of the accounts the history names (applicants, officers)."""
    emails = set()
    for slug, rename in RENAME.items():
        columns = [column for column, how in rename.items() if how == "account"]
        if not columns:
            continue
        with open(folder / f"{slug}.csv", encoding="utf-8", newline="") as file:
            for row in csv.DictReader(file):
                emails.update(row[column] for column in columns if row[column])
    return emails


def create_accounts(emails: set[str]) -> None:
    """Accounts are not part of the history: those it names exist before it is imported
    (applicants of calls still open need one; past applications would do without)."""
    from django.contrib.auth.hashers import make_password

    from clara.accounts.models import User

    User.objects.bulk_create([User(email=email, password=make_password(None))
                              for email in sorted(emails)])


def demo_export(folder: Path) -> Path:
    """The demo's records as the history's CSV files (a throw-away SQLite database)."""
    out = folder / "demo"
    if (out / "sites.csv").exists():
        return out
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}"}
    python = sys.executable
    for command in (["migrate", "-v0"], ["load_demo", "-v0"],
                    ["example_records", "--csv", str(out)]):
        subprocess.run([python, str(ROOT / "manage.py"), *command], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    return out


def build_history(folder: Path, copies: int) -> tuple[Path, Path, dict[str, int]]:
    """The demo's sheets copied `copies` times with renamed keys: a CSV folder and the same
    cells as an XLSX workbook (one sheet per kind, in the order of KINDS)."""
    from openpyxl import Workbook

    from clara.spreadsheets.records import KINDS

    demo = demo_export(folder)
    csv_folder = folder / f"history-{copies}"
    csv_folder.mkdir(exist_ok=True)
    workbook = Workbook(write_only=True)
    counts = {}
    for kind in KINDS:
        with open(demo / f"{kind.slug}.csv", encoding="utf-8", newline="") as file:
            header, *rows = list(csv.reader(file))
        rename = RENAME.get(kind.slug, {})
        at = {header.index(column): how for column, how in rename.items()}
        missing = set(rename) - set(header)
        if missing:
            sys.exit(f"{kind.slug}: no column {missing} (the export's columns changed)")
        out = list(rows)
        for k in range(1, 1 if kind.slug in SHARED else copies):
            for row in rows:
                out.append([_renamed(at[i], value, k) if i in at else value
                            for i, value in enumerate(row)])
        counts[kind.slug] = len(out)
        with open(csv_folder / f"{kind.slug}.csv", "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            writer.writerows(out)
        sheet = workbook.create_sheet(kind.slug)
        sheet.append(header)
        for row in out:
            sheet.append(row)
    xlsx = folder / f"history-{copies}.xlsx"
    workbook.save(xlsx)
    return csv_folder, xlsx, counts


# --- The import --------------------------------------------------------------------------------


def run_import(sheets, commit: bool):
    from clara.spreadsheets.records import records_import

    statements = [0]

    def wrapper(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    from django.db import connection

    # No tracemalloc here: it slows the import down several times. The peak is the
    # process's resident set (ru_maxrss, the highest so far).
    start = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        report = records_import(sheets, commit=commit)
    elapsed = time.perf_counter() - start
    peak = _maxrss_mib() * 2**20
    if report.errors:
        for error in report.errors[:30]:
            print(f"  {error}")
        sys.exit(f"{len(report.errors)} errors: the workbook is not a valid history")
    return elapsed, peak, statements[0], report


def bulk_floor(source: str) -> tuple[float, int, int]:
    """Seconds to write the rows the import created (every table of its kinds, and the
    accounts), read back from `source`, with plain `bulk_create` and their keys into an
    empty database `<source>_floor`, in one transaction; the rows written and the models."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from clara.spreadsheets.records import KINDS

    use_database(source)
    models = list(dict.fromkeys([get_user_model(), *(kind.model for kind in KINDS)]))
    data = {model: list(model._default_manager.order_by("pk")) for model in models}
    target = f"{source}_floor"
    recreate_database(target)
    use_database(target)
    call_command("migrate", verbosity=0)
    written = 0
    start = time.perf_counter()
    with transaction.atomic():  # foreign keys are checked at the commit (deferred)
        for model, instances in data.items():
            model._default_manager.bulk_create(instances, batch_size=2000)
            written += len(instances)
    elapsed = time.perf_counter() - start
    use_database(source)
    return elapsed, written, len([m for m in models if data[m]])


def bulk_floor_row(source: str) -> list:
    seconds, written, tables = bulk_floor(source)
    return [f"floor: `bulk_create` of the {written} rows created ({tables} tables, with "
            f"their keys) into an empty database", f"{seconds:.1f} s",
            f"{written / seconds:.0f}", "", "", "", ""]


def profile_import(workdir: Path, name: str) -> None:
    """cProfile of `--commit` of a smaller workbook (2 copies, about 7 000 rows: the same
    rows per kind) into the empty database."""
    from django.core.management import call_command

    from clara.spreadsheets.records import read_records, records_import

    small, _xlsx, small_counts = build_history(workdir, 2)
    sheets = read_records(small)
    recreate_database(name)
    use_database(name)
    call_command("migrate", verbosity=0)
    create_accounts(accounts_of(small))
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    report = records_import(sheets, commit=True)
    profiler.disable()
    elapsed = time.perf_counter() - start
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(40)
    stats.sort_stats("cumulative").print_stats(80)
    (workdir / "import.prof.txt").write_text(out.getvalue())
    profiler.dump_stats(workdir / "import.prof")
    print(f"cProfile of `--commit` of {sum(small_counts.values())} rows ({elapsed:.0f} s under "
          f"the profiler; per kind: " + ", ".join(
              f"{k.kind.slug} {k.seconds:.1f} s" for k in report.kinds) +
          f"): {workdir / 'import.prof.txt'}\n", flush=True)


def bench_import(copies: int, runs: int, profile: bool, workdir: Path) -> None:
    from django.core.management import call_command
    from django.db import connection

    from clara.spreadsheets.records import read_records

    name = f"{connection.settings_dict['NAME']}_import"
    connection.close()
    if profile:
        profile_import(workdir, name)
    csv_folder, xlsx, counts = build_history(workdir, copies)
    total = sum(counts.values())
    print(f"### import_records: {total} rows ({copies} copies of the demo with renamed keys; "
          f"{counts['personnes']} people, {counts['recensements']} team censuses, "
          f"{counts['demandes']} applications, "
          f"{counts['decisions']} decisions, {counts['financements']} awards, "
          f"{counts['contributions']} contributions, {counts['statuts-annuels']} yearly "
          f"statuses, {counts['accompagnements']} support actions, {counts['posters']} "
          f"posters…); XLSX {xlsx.stat().st_size / 2**20:.1f} MiB\n", flush=True)
    header = ["step", "time", "rows/s", "peak memory", "queries", "queries/row",
              "new / updated / unchanged"]
    read = {"CSV folder": [], "XLSX workbook": []}
    for _ in range(runs):
        read["CSV folder"].append(timed(lambda: read_records(csv_folder)))
        read["XLSX workbook"].append(timed(lambda: read_records(xlsx)))
    rows = []
    for label, path in (("CSV folder", csv_folder), ("XLSX workbook", xlsx)):
        seconds = statistics.median(read[label])
        rows.append([f"floor: read the {label} (`read_records`)", f"{seconds:.2f} s",
                     f"{total / seconds:.0f}",
                     f"{peak_kib(lambda p=path: read_records(p)) / 1024:.0f} MiB (tracemalloc)",
                     0, "", ""])
    table(header, rows)
    sheets = read_records(csv_folder)
    assert sum(len(s.dataset) for s in sheets) == total

    recreate_database(name)
    use_database(name)
    call_command("migrate", verbosity=0)
    create_accounts(accounts_of(csv_folder))
    rows = []
    for label, commit in (("dry run", False), ("`--commit`, empty database", True),
                          ("`--commit` again (nothing changes)", True)):
        elapsed, peak, statements, report = run_import(sheets, commit=commit)
        totals = report.totals()
        rows.append([label, f"{elapsed:.1f} s", f"{total / elapsed:.0f}",
                     f"{peak / 2**20:.0f} MiB (ru_maxrss)", statements,
                     f"{statements / total:.1f}",
                     f"{totals['new']} / {totals['update']} / {totals['skip']}"])
        print(f"{' | '.join(str(cell) for cell in rows[-1])}; per kind: " + ", ".join(
            f"{k.kind.slug} {k.seconds:.1f} s" for k in report.kinds), flush=True)
        if label.endswith("(nothing changes)") and (totals["new"] or totals["update"]):
            sys.exit(f"the second run changed rows: {totals}")
    rows.append(bulk_floor_row(name))
    print()
    table(header, rows)
    print(f"ru_maxrss of the process: {_maxrss_mib():.0f} MiB\n")


def _maxrss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["figures", "import", "bulk-floor"],
                        help="bulk-floor: only the bulk_create floor, from the database the "
                             "last import run left")
    parser.add_argument("--runs", type=int, default=0, help="rounds per measure")
    parser.add_argument("--copies", type=int, default=14, help="copies of the demo to import")
    parser.add_argument("--families", action="store_true", help="figures per family too")
    parser.add_argument("--profile", action="store_true", help="cProfile of the import")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "clara_bench_history")
    parser.add_argument("--build", action="store_true",
                        help="build the 20-year and 2-year databases (bench/national.py)")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if args.build:
        name = urlparse(url).path.lstrip("/")
        python = sys.executable
        for first_year, db in ((FIRST, name), (2024, f"{name}_2y")):
            env = {**os.environ,
                   "DATABASE_URL": urlparse(url)._replace(path=f"/{db}").geturl()}
            subprocess.run([python, __file__, "--build-one", str(first_year)], env=env,
                           check=True)
        return
    import national

    national.setup_django()
    from django.db import connection

    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"PostgreSQL database {connection.settings_dict['NAME']}; Python "
          f"{sys.version.split()[0]}; {os.cpu_count()} cores\n")
    if args.only in (None, "figures"):
        bench_figures(args.runs or 9, args.families)
    if args.only == "bulk-floor":
        table(["step", "time", "rows/s", "", "", "", ""],
              [bulk_floor_row(f"{connection.settings_dict['NAME']}_import")])
    if args.only in (None, "import"):
        bench_import(args.copies, args.runs or 3, args.profile, args.workdir)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--build-one":
        build_national(int(sys.argv[2]))
    else:
        main()
