"""Speed of the public funded-projects pages (issue 10): the list, a filtered list with its
facets, a search and a project page, against a static file served by the same server.

    # build (drops and recreates the database: its name or SQLite path must contain "bench")
    DATABASE_URL=sqlite:////tmp/bench_public.sqlite3 .venv/bin/python bench/public_site.py --build
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_bench_public \\
        .venv/bin/python bench/public_site.py --build              # 200 000 projects
    # measure (default action; --runs 21)
    DATABASE_URL=... .venv/bin/python bench/public_site.py [--runs 41]

`--build` writes N funded projects (20 000 on SQLite, 200 000 on PostgreSQL, `--projects N`)
from fixed seeds with explicit keys and `bulk_create`: 4 sites, 4 programmes (Oncostarter with
its three tracks), twenty years of calls (2006–2025) with an information session each, 6
innovation domains, 15 funders; per project a selected application (with teams,
co-applicants, partner companies), its award split between 1–3 funders, the project with a
French public summary (« tumeur », « immunothérapie », « résistance » each in a few % of
them) and its statuses of 1–4 years; outcomes for a quarter of them.

Measuring starts gunicorn on a free port as in production (DEBUG off, collected static files
in a temporary STATIC_ROOT served by WhiteNoise, `CONN_MAX_AGE=60` as docker-compose.yml)
with one worker and one thread (`gthread`, which keeps connections alive). Every page is
computed at every request (the public page cache's middleware never serves nor stores one, as
for the first visitor after a change of the records, and as always for a filtered list or a
search); the footer's co-funders keep their own cache, read once per change of the records as
in production, and so does the cube of the projects' counts that a list without text,
co-funder or figure reads (`projects.search._cube`); the rows "première après un changement"
are asked as the first request after a change of the records (the server makes a new records
version just before: footer and cube computed again) (`--no-cache`: a dummy public cache,
a new version at every request: the footer's query and the cube at every page too). The client sends the requests over one kept-alive HTTP
connection, the pages in turn (interleaved rounds, after a warm-up), and prints per page the
median and p90 of the time it waited for the whole answer, the time inside Django (the WSGI
application, from the request to its rendered answer), the time waiting on the database, the
number of queries (the last three given by a wrapper of the WSGI application in answer
headers) and the ratio of the page's median to the static file's. The static file is
`/static/css/clara.css` served by WhiteNoise through the same gunicorn and the same WSGI
application: the floor of any answer of that server.

Not under tests/: pytest never collects it, CI never runs it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlparse
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
PARIS = ZoneInfo("Europe/Paris")
DEFAULT_URL = "sqlite:////tmp/bench_public.sqlite3"
YEARS = range(2006, 2026)
CHUNK = 10_000
SITES = [("lyon", "Lyon et alentours", 55), ("grenoble", "Grenoble et alentours", 22),
         ("clermont-ferrand", "Clermont-Ferrand et alentours", 13),
         ("saint-etienne", "Saint-Étienne et alentours", 10)]
# (call code, programme slug, track code or None, share of the projects)
CALLS = [("blanc", "oncostarter", "blanc", 25), ("thematise", "oncostarter", "thematise", 12),
         ("interface", "oncostarter", "interface", 12), ("poc", "poc", None, 25),
         ("maillage", "maillage", None, 18), ("specifique", "appels-specifiques", None, 8)]
DOMAINS = [("biomedical", "Innovations biomédicales"),
           ("technologies", "Innovations en technologies pour la santé"),
           ("prevention", "Prévention et innovations sociales"),
           ("numerique", "Santé numérique et données"),
           ("imagerie", "Imagerie et radiothérapie"),
           ("parcours", "Parcours de soins et qualité de vie")]
LIGUE = ["Ain", "Allier", "Ardèche", "Drôme", "Isère", "Loire", "Puy-de-Dôme", "Rhône"]
FUNDERS = (["Institut National du Cancer", "Région Auvergne-Rhône-Alpes", "Métropole de Lyon",
            "Saint-Étienne Métropole", "Clermont Auvergne Métropole",
            "Grenoble-Alpes Métropole", "FEDER"]
           + [f"Comité {d} de la Ligue contre le cancer" for d in LIGUE])
# A public summary: two sentences "<verb> <subject> <method> <context>." Each subject is one
# of 50, so a word found in one subject is in about 4 % of the summaries (6 % of the projects
# counting the application's title, which names one subject too).
VERBS = ["Comprendre", "Caractériser", "Identifier", "Évaluer", "Développer", "Valider",
         "Modéliser", "Cibler", "Prédire", "Améliorer", "Explorer", "Décrire"]
SUBJECTS = [
    "la résistance aux chimiothérapies", "la croissance des tumeurs cérébrales",
    "la réponse à l'immunothérapie", "le microenvironnement tumoral",
    "les cellules souches cancéreuses", "les métastases hépatiques", "les lymphomes agressifs",
    "les leucémies aiguës de l'enfant", "le cancer du sein triple négatif",
    "le cancer colorectal", "le cancer du poumon", "le glioblastome", "les sarcomes",
    "le carcinome hépatocellulaire", "la qualité de vie des patients",
    "les inégalités d'accès aux soins", "le dépistage précoce", "les biomarqueurs circulants",
    "l'ADN circulant", "la radiothérapie adaptative", "l'imagerie moléculaire",
    "les nanoparticules thérapeutiques", "l'épigénétique des cancers",
    "le métabolisme des cellules malignes", "l'inflammation chronique",
    "les expositions environnementales", "la nutrition pendant les traitements",
    "l'activité physique adaptée", "la cardiotoxicité des traitements",
    "les mélanomes métastatiques", "le cancer de la prostate", "le cancer de l'ovaire",
    "le cancer du pancréas", "les myélomes", "la douleur chronique",
    "les soins de support", "le parcours des adolescents et jeunes adultes",
    "la réparation de l'ADN", "l'angiogenèse", "les virus oncogènes",
    "les thérapies ciblées", "la médecine de précision", "les essais cliniques précoces",
    "la prévention du tabagisme", "le retour à l'emploi après un cancer",
    "les cancers rares", "l'oncogériatrie", "la fertilité après un cancer",
    "les cellules CAR-T", "la protonthérapie",
]
METHODS = ["par séquençage à haut débit", "grâce à l'intelligence artificielle",
           "dans une cohorte régionale de patients", "en modèles murins", "sur des organoïdes",
           "par imagerie quantitative", "par spectrométrie de masse",
           "par un essai clinique de phase I", "par une étude qualitative",
           "à partir des données de santé", "par criblage pharmacologique",
           "par biologie des systèmes"]
CONTEXTS = ["chez l'enfant", "chez les patients âgés", "en Auvergne-Rhône-Alpes",
            "en situation de rechute", "dès le diagnostic", "après la chirurgie",
            "en ville et à l'hôpital", "au sein du réseau"]
SYLLABLES = ["ON", "CO", "LY", "MO", "GEN", "TU", "RA", "DIO", "IM", "MU", "NO", "CAR",
             "PRO", "TEO", "SEN", "VIT", "ALP", "RHO", "AU", "VER", "GNE", "PHA", "BIO", "MET"]


# --- The database ------------------------------------------------------------------------------

def database_url() -> str:
    return os.environ.setdefault("DATABASE_URL", DEFAULT_URL)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def bench_name(url: str) -> str:
    """The SQLite file or PostgreSQL database; refuses any whose name lacks "bench"."""
    parsed = urlparse(url)
    name = parsed.path if is_sqlite(url) else parsed.path.lstrip("/")
    if "bench" not in Path(name).name:
        sys.exit(f"refusing to use {name!r}: a bench database's name contains 'bench'")
    return name


def recreate_database(url: str) -> None:
    name = bench_name(url)
    if is_sqlite(url):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    import psycopg

    admin_url = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clara.settings")
    import django

    django.setup()


def paris(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def acronym(rng: random.Random, pk: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) + f"-{pk:06d}"


def summary(rng: random.Random) -> str:
    sentences = [f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)} {rng.choice(METHODS)} "
                 f"{rng.choice(CONTEXTS)}." for _ in range(2)]
    return " ".join(sentences) + " Projet soutenu par le Cancéropôle et ses cofinanceurs."


def build(n_projects: int) -> dict[str, int]:
    """Write the reference rows, then the projects CHUNK at a time (bounded memory)."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from clara.network.models import Organisation, Person, Site, Team
    from events.models import Event
    from funding.models import Award, Contribution, Funder
    from programmes.models import Application, Call, InnovationDomain, Programme, Track
    from projects.models import FundedProject, Outcome, ProjectYearStatus

    User = get_user_model()
    rng = random.Random(10)
    counts: dict[str, int] = {}

    def write(model, rows):
        model.objects.bulk_create(rows, batch_size=5000)
        counts[model._meta.label] = counts.get(model._meta.label, 0) + len(rows)

    sites = [Site(pk=i + 1, name=name, slug=slug, position=i)
             for i, (slug, name, _w) in enumerate(SITES)]
    weights = [w for *_x, w in SITES]
    labs = [Organisation(pk=i + 1, name=f"Laboratoire {i:03d}",
                         kind=Organisation.Kind.LABORATORY,
                         site_id=rng.choices(sites, weights)[0].pk) for i in range(150)]
    companies = [Organisation(pk=1000 + i, name=f"Entreprise {i:03d}",
                              kind=Organisation.Kind.COMPANY, develops_oncology_products=True,
                              site_id=rng.choices(sites, weights)[0].pk) for i in range(300)]
    teams = []
    for i in range(600):
        lab = rng.choice(labs)
        teams.append(Team(pk=i + 1, name=f"Équipe {i:03d}", organisation_id=lab.pk,
                          site_id=lab.site_id))
    people = [Person(pk=i + 1, first_name=f"Prénom{i % 300}", last_name=f"Nom{i:05d}",
                     kind=Person.Kind.RESEARCHER, team_id=rng.choice(teams).pk,
                     organisation_id=rng.choice(labs).pk,
                     public_consent_on=dt.date(2024, 1, 1) if i % 5 == 0 else None)
              for i in range(8000)]
    users = [User(pk=i + 1, email=f"deposant{i:05d}@bench.clara.test", password="!",
                  first_name=f"Prénom{i % 300}", last_name=f"Nom{i:05d}") for i in range(3000)]
    domains = [InnovationDomain(pk=i + 1, name=name, slug=slug)
               for i, (slug, name) in enumerate(DOMAINS)]
    funder_kinds = [Funder.Kind.NATIONAL_BODY] + [Funder.Kind.LOCAL_AUTHORITY] * 5 + [
        Funder.Kind.EUROPEAN_UNION] + [Funder.Kind.LIGUE_COMMITTEE] * len(LIGUE)
    funders = [Funder(pk=i + 1, name=name, kind=kind)
               for i, (name, kind) in enumerate(zip(FUNDERS, funder_kinds, strict=True))]
    P = Programme.Kind
    programmes = {slug: Programme(pk=i + 1, name=name, slug=slug, kind=kind) for i, (
        slug, name, kind) in enumerate((
            ("oncostarter", "Oncostarter", P.ONCOSTARTER),
            ("poc", "Preuve du Concept", P.PROOF_OF_CONCEPT),
            ("maillage", "Maillage du territoire", P.STRUCTURING),
            ("appels-specifiques", "Appels spécifiques", P.OTHER)))}
    tracks = {code: Track(pk=i + 1, programme_id=programmes["oncostarter"].pk, code=code)
              for i, code in enumerate(("blanc", "thematise", "interface"))}
    calls, events = {}, []
    for year in YEARS:
        for code, programme, track, _share in CALLS:
            pk = len(calls) + 1
            calls[(year, code)] = Call(
                pk=pk, programme_id=programmes[programme].pk,
                track_id=tracks[track].pk if track else None, year=year,
                title=f"{programmes[programme].name} {code} {year}", slug=f"{code}-{year}",
                opens_at=paris(year - 1, 11, 1, 9), closes_at=paris(year, 2, 15, 12),
                budget=Decimal(1_000_000))
            events.append(Event(pk=pk, title=f"Session d'information {code} {year}",
                                kind=Event.Kind.INFO_SESSION, role=Event.Role.ORGANISED,
                                start_date=dt.date(year - 1, 11, 15),
                                end_date=dt.date(year - 1, 11, 15), call_id=pk,
                                site_id=sites[0].pk, participants=30))
    with transaction.atomic():
        for model, rows in ((Site, sites), (Organisation, labs + companies), (Team, teams),
                            (Person, people), (User, users), (InnovationDomain, domains),
                            (Funder, funders), (Programme, list(programmes.values())),
                            (Track, list(tracks.values())), (Call, list(calls.values())),
                            (Event, events)):
            write(model, rows)

    Teams = Application.teams.through
    CoApplicants = Application.co_applicants.through
    Companies = Application.partner_companies.through
    PS = ProjectYearStatus.Status
    shares = [share for *_x, share in CALLS]
    ligue = [f.pk for f in funders if f.kind == Funder.Kind.LIGUE_COMMITTEE]
    others = [f.pk for f in funders if f.kind != Funder.Kind.LIGUE_COMMITTEE]
    m2m_pk = {"teams": 1, "co": 1, "companies": 1}
    outcome_pk = 1
    status_pk = 1
    contribution_pk = 1
    for first in range(1, n_projects + 1, CHUNK):
        rows: dict[type, list] = {m: [] for m in (
            Application, Teams, CoApplicants, Companies, Award, Contribution, FundedProject,
            ProjectYearStatus, Outcome)}
        for pk in range(first, min(first + CHUNK, n_projects + 1)):
            year = YEARS[(pk - 1) * len(YEARS) // n_projects]
            code = rng.choices(CALLS, shares)[0][0]
            call = calls[(year, code)]
            name = acronym(rng, pk)
            rows[Application].append(Application(
                pk=pk, reference=f"BENCH-{pk:07d}", call_id=call.pk,
                applicant_id=rng.randint(1, len(users)),
                principal_investigator_id=rng.randint(1, len(people)),
                domain_id=rng.choice(domains).pk, acronym=name,
                title=f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}",
                requested_amount=Decimal(rng.randint(20, 150) * 1000),
                status=Application.Status.SELECTED,
                submitted_at=paris(year, 2, rng.randint(1, 14), 12), created_at=call.opens_at))
            for team in rng.sample(teams, rng.randint(1, 2)):
                rows[Teams].append(Teams(pk=m2m_pk["teams"], application_id=pk,
                                         team_id=team.pk))
                m2m_pk["teams"] += 1
            for person in rng.sample(range(1, len(people) + 1), rng.randint(0, 2)):
                rows[CoApplicants].append(CoApplicants(pk=m2m_pk["co"], application_id=pk,
                                                       person_id=person))
                m2m_pk["co"] += 1
            if code == "poc":
                rows[Companies].append(Companies(pk=m2m_pk["companies"], application_id=pk,
                                                 organisation_id=rng.choice(companies).pk))
                m2m_pk["companies"] += 1
            # One decision a year on 31 December at 23:30 in Paris: the next year in UTC.
            decided = (paris(year, 12, 31, 23, 30) if pk % 997 == 0
                       else paris(year, rng.randint(5, 12), rng.randint(1, 28), 10))
            amount = Decimal(rng.randint(10, 150) * 1000)
            rows[Award].append(Award(pk=pk, application_id=pk, amount=amount,
                                     decided_at=decided, agreement_signed_on=decided.date()))
            chosen = ([rng.choice(others)] + ([rng.choice(ligue)] if code in (
                "blanc", "thematise", "interface") else [])
                + rng.sample(others, rng.randint(0, 1)))
            chosen = list(dict.fromkeys(chosen))
            for i, funder in enumerate(chosen):
                share = (amount - amount // len(chosen) * (len(chosen) - 1) if i == 0
                         else amount // len(chosen))
                rows[Contribution].append(Contribution(pk=contribution_pk, award_id=pk,
                                                       funder_id=funder, amount=share))
                contribution_pk += 1
            start = decided.date() + dt.timedelta(days=60)
            rows[FundedProject].append(FundedProject(
                pk=pk, award_id=pk, name=name, site_id=rng.choices(sites, weights)[0].pk,
                start_date=start, end_date=start + dt.timedelta(days=730),
                public_summary=summary(rng)))
            stopped = rng.random() < 0.05
            for offset, status in enumerate((PS.NOT_STARTED, PS.ONGOING, PS.ONGOING,
                                             PS.STOPPED if stopped else PS.COMPLETED)):
                if year + offset > YEARS[-1] or (offset and rng.random() < 0.1):
                    break
                rows[ProjectYearStatus].append(ProjectYearStatus(
                    pk=status_pk, project_id=pk, year=year + offset, status=status))
                status_pk += 1
            if rng.random() < 0.25:
                for i in range(rng.randint(1, 2)):
                    rows[Outcome].append(Outcome(
                        pk=outcome_pk, project_id=pk, kind=Outcome.Kind.PUBLICATION,
                        title=f"Publication {i + 1} de {name}", identifier=f"10.1000/b{pk}.{i}",
                        date=start + dt.timedelta(days=300 + 200 * i)))
                    outcome_pk += 1
        with transaction.atomic():
            for model, instances in rows.items():
                write(model, instances)
        print(f"  {min(first + CHUNK - 1, n_projects)} projets", flush=True)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(
                include_auto_created=True)):
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")  # what autovacuum does soon after such a load
    return counts


# --- The server and the client -----------------------------------------------------------------

def server_app():
    """gunicorn's application (`public_site:server_app()`): the project's WSGI application,
    telling in answer headers its own time, its queries and their time."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clara.settings")
    sys.path.insert(0, str(ROOT))
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    django_app = get_wsgi_application()
    if os.environ.get("BENCH_PAGE_CACHE") == "off":
        # Every page computed, as for the first visitor after a change of the records; the
        # footer's co-funders keep their own cache (read once per change), as in production.
        from clara.publiccache import PublicPageCacheMiddleware

        PublicPageCacheMiddleware._eligible = staticmethod(lambda request: False)

    def app(environ, start_response):
        if environ.get("HTTP_X_BENCH_RECORDS_CHANGED"):
            # As after any save of a record: a new records version, so this request finds no
            # cube of the projects' counts and computes it (`projects.search._cube`).
            from clara.publiccache import records_changed

            records_changed()
        spent = [0.0, 0]
        started = time.perf_counter()

        def wrapper(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - start
                spent[1] += 1

        def start(status, headers, exc_info=None):
            elapsed = time.perf_counter() - started
            headers = [*headers, ("X-Bench-Server-Ms", f"{elapsed * 1000:.3f}"),
                       ("X-Bench-Db-Ms", f"{spent[0] * 1000:.3f}"),
                       ("X-Bench-Queries", str(spent[1]))]
            return start_response(status, headers, exc_info)

        with connection.execute_wrapper(wrapper):
            return django_app(environ, start)

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """One kept-alive HTTP connection to the server."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str) -> tuple[float, http.client.HTTPResponse, bytes]:
        """GET `path`; a path ending in `#changed` is asked as the first request after a
        change of the records (the server makes a new records version first)."""
        path, _hash, mark = path.partition("#")
        headers = {"X-Bench-Records-Changed": "1"} if mark == "changed" else {}
        for attempt in (1, 2):
            start = time.perf_counter()
            try:
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - start
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
            return elapsed, response, body
        raise AssertionError("unreachable")


def start_server(env: dict, port: int) -> subprocess.Popen:
    gunicorn = [str(Path(sys.executable).with_name("gunicorn")), "public_site:server_app()",
                "--pythonpath", str(ROOT / "bench"), "--chdir", str(ROOT),
                "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread",
                "--threads", "1", "--keep-alive", "30", "--log-level", "warning"]
    process = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                sys.exit("gunicorn did not start")
            time.sleep(0.1)
    process.terminate()
    sys.exit("gunicorn did not start")


def pages_to_measure(url: str) -> list[tuple[str, str]]:
    """(label, path): the pages of the issue, a second (accented) search, the last page of
    the list, and the static floor. The filtered list and the project page are chosen from
    the data (a programme, a year and Lyon; a project in the middle)."""
    import sqlite3

    if is_sqlite(url):
        db = sqlite3.connect(bench_name(url))
        fetch = db.execute
    else:
        import psycopg

        db = psycopg.connect(url)
        fetch = db.execute
    try:
        (count,) = fetch("SELECT COUNT(*) FROM projects_fundedproject").fetchone()
        (pk,) = fetch("SELECT id FROM projects_fundedproject ORDER BY id LIMIT 1 OFFSET "
                      f"{count // 2}").fetchone()
    finally:
        db.close()
    last = max(1, -(-count // 25))
    return [
        ("liste `/projets/`", "/projets/"),
        ("liste, première après un changement", "/projets/#changed"),
        ("liste filtrée, facettes", "/projets/?programme=oncostarter&annee=2024&site=lyon"),
        ("liste filtrée, première après un changement",
         "/projets/?programme=oncostarter&annee=2024&site=lyon#changed"),
        ("liste filtrée par cofinanceur", "/projets/?financeur=3"),
        ("liste d'une année ancienne", "/projets/?annee=2010"),
        ("recherche « tumeur » en 2020", "/projets/?q=tumeur&annee=2020"),
        ("recherche « tumeur »", "/projets/?q=tumeur"),
        ("recherche « immunothérapie »", f"/projets/?q={quote('immunothérapie')}"),
        ("recherche « résistance tumeurs »", f"/projets/?q={quote('résistance tumeurs')}"),
        ("dernière page de la liste", f"/projets/?page={last}"),
        ("page d'un projet", f"/projets/{pk}/"),
        ("fichier statique `clara.css`", "/static/css/clara.css"),
    ]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(url: str, runs: int, warmup: int, no_cache: bool) -> None:
    bench_name(url)
    static_root = Path(tempfile.mkdtemp(prefix="clara-bench-public-static-"))
    env = {
        **os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "STATIC_ROOT": str(static_root),
        "DJANGO_SETTINGS_MODULE": "clara.settings", "CONN_MAX_AGE": "60",
        "CACHE_URL": "locmemcache://bench-public", "LOG_LEVEL": "WARNING",
        # Pages never from the cache; the footer's co-funders from theirs unless --no-cache.
        "BENCH_PAGE_CACHE": "off",
        "PUBLIC_CACHE_URL": "dummycache://" if no_cache else "locmemcache://bench-public-pages",
    }
    python = sys.executable
    # Tables or indexes added since the database was built.
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True)
    pages = pages_to_measure(url)
    port = free_port()
    server = start_server(env, port)
    samples = {path: [] for _label, path in pages}
    inside = {path: [] for _label, path in pages}
    db_ms = {path: [] for _label, path in pages}
    info: dict[str, dict] = {}
    try:
        client = Client(port)
        for _round in range(warmup):
            for _label, path in pages:
                _elapsed, response, body = client.get(path)
                if response.status != 200:
                    sys.exit(f"{path} answered {response.status}")
                found = re.search(r"([\d\s\u202f\xa0]+) projets?</span>", body.decode(
                    "utf-8", "replace"))
                info[path] = {"queries": response.getheader("X-Bench-Queries"),
                              "kib": len(body) / 1024,
                              "found": re.sub(r"\D", "", found.group(1)) if found else ""}
        for _round in range(runs):
            for _label, path in pages:
                elapsed, response, _body = client.get(path)
                samples[path].append(elapsed * 1000)
                inside[path].append(float(response.getheader("X-Bench-Server-Ms", "nan")))
                db_ms[path].append(float(response.getheader("X-Bench-Db-Ms", "nan")))
                queries = response.getheader("X-Bench-Queries")
                if queries != info[path]["queries"]:
                    info[path]["queries"] += f"/{queries}"
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(static_root, ignore_errors=True)
    import django

    vendor = "SQLite" if is_sqlite(url) else "PostgreSQL"
    static = statistics.median(samples[pages[-1][1]])
    footer = "read at every page" if no_cache else "from its cache"
    print(f"\n{vendor} `{bench_name(url)}`, {info[pages[0][1]]['found']} projets; gunicorn "
          f"1 worker gthread 1 thread, DEBUG off, CONN_MAX_AGE=60, pages computed at every "
          f"request (footer's co-funders {footer}); "
          f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
          f"{os.cpu_count()} cores; {runs} runs per page after {warmup} warm-up, "
          "interleaved, one kept-alive connection\n")
    print("| page | résultats | médiane | p90 | dans Django (médiane) | dont base | requêtes "
          "| KiB | / fichier statique |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, path in pages:
        median = statistics.median(samples[path])
        flag = " ⚠" if median > 100 else ""
        print(f"| {label} | {info[path]['found']} | {median:.1f} ms{flag} | "
              f"{percentile(samples[path], 0.9):.1f} ms | "
              f"{statistics.median(inside[path]):.1f} ms | "
              f"{statistics.median(db_ms[path]):.1f} ms | {info[path]['queries']} | "
              f"{info[path]['kib']:.0f} | {median / static:.0f}× |")
    over = [label for label, path in pages if statistics.median(samples[path]) > 100]
    print(f"\nAu-dessus de 100 ms (médiane) : {', '.join(over) if over else 'aucune'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="store_true",
                        help="drop, recreate, migrate and fill the bench database")
    parser.add_argument("--projects", type=int, default=0,
                        help="projects to build (20 000 on SQLite, 200 000 on PostgreSQL)")
    parser.add_argument("--runs", type=int, default=21, help="runs per page")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up rounds")
    parser.add_argument("--no-cache", action="store_true",
                        help="a dummy public cache: the footer's co-funders read at every page")
    args = parser.parse_args()
    url = database_url()
    bench_name(url)
    if args.build:
        n = args.projects or (20_000 if is_sqlite(url) else 200_000)
        recreate_database(url)
        setup_django()
        from django.core.management import call_command

        from clara.publiccache import records_changed

        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter()
        counts = build(n)
        records_changed()  # bulk_create sends no signal
        # Nor does it write the projects' derived facts (the list's columns): as any bulk
        # writer, the build refreshes them, then (PostgreSQL) what autovacuum does soon after
        # such a load: the statistics and the visibility map (index-only scans).
        from django.db import connection

        from projects.services import project_facts_refresh

        refreshed = time.perf_counter()
        project_facts_refresh()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        print(f"facts {time.perf_counter() - refreshed:.0f} s")
        for label, count in sorted(counts.items(), key=lambda item: -item[1]):
            print(f"{count:>9}  {label}")
        print(f"migrate {migrated - start:.0f} s, build {time.perf_counter() - migrated:.0f} s")
        return
    measure(url, args.runs, args.warmup, args.no_cache)


if __name__ == "__main__":
    main()
