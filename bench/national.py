"""Build a PostgreSQL database at national scale for the benches (not the demo, not tests).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_bench .venv/bin/python bench/national.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_bench_2y .venv/bin/python bench/national.py --first-year 2024

Twenty years of records (2006–2025): about 200 000 applications to 140 calls, 21 000 awards
with their split between funders, 19 000 funded projects with their yearly statuses, 80 000
team-census rows, decisions, reviews, events with their speakers, posters, prizes and surveys,
support actions, international actions and company investments. Everything is generated from
fixed seeds with explicit primary keys and written with `bulk_create` (a few minutes).

`--first-year 2024` builds the same data and keeps only what the years 2024 and 2025 hold
(plus the older awards, applications and calls that the 2024–2025 project statuses belong
to): the 2025 rows are the same rows, with the same keys, as in the twenty-year database, so
that "20 years against 2 years" compares the cost of history alone.

The database named by DATABASE_URL is dropped and created again: its name must start with
"clara_bench". A superuser `bench@clara.test` (password `bench`) is created for the admin
benches.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
PARIS = ZoneInfo("Europe/Paris")
YEARS = range(2006, 2026)
BENCH_USER = "bench@clara.test"
BENCH_PASSWORD = "bench"  # noqa: S105 (a throw-away bench database)

SITES = [("lyon", "Lyon et alentours", 55), ("grenoble", "Grenoble et alentours", 25),
         ("clermont-ferrand", "Clermont-Ferrand et alentours", 12),
         ("saint-etienne", "Saint-Étienne et alentours", 8)]
# Per call code: applications per year, selected among them.
CALLS = {
    "blanc": (3000, 200), "thematise": (1400, 100), "interface": (1400, 100),
    "poc": (1600, 300), "maillage": (1100, 250), "manif": (800, 50), "mobilite": (700, 50),
}
N_LABS, N_COMPANIES, N_TEAMS, N_PEOPLE, N_USERS = 400, 2500, 5000, 20000, 8000
LIGUE = ["Ain", "Allier", "Ardèche", "Cantal", "Drôme", "Isère", "Loire", "Haute-Loire",
         "Puy-de-Dôme", "Rhône"]


def setup_django() -> None:
    """Django configured from DATABASE_URL (PostgreSQL only: the benches are about it)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (postgres://…/clara_bench).")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clara.settings")
    import django

    django.setup()


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.startswith("clara_bench"):
        sys.exit(f"refusing to drop {name!r}: bench databases are named clara_bench*")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def paris(year, month, day, hour=0, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


class Rows:
    """Model instances to insert, with explicit primary keys given in order."""

    def __init__(self):
        self.rows: dict[type, list] = defaultdict(list)
        self.next_id: dict[type, int] = defaultdict(lambda: 1)

    def add(self, model, **fields):
        pk = self.next_id[model]
        self.next_id[model] += 1
        instance = model(pk=pk, **fields)
        self.rows[model].append(instance)
        return instance


def generate() -> tuple[Rows, dict]:
    """Every row of the twenty years, and for each yearly row the year it belongs to."""
    from clara.accounts.models import User
    from clara.network.models import Organisation, Person, Site, Team, TeamCensus
    from events.models import (
        Event,
        EventSpeaker,
        InternationalAction,
        Poster,
        Prize,
        SurveyResponse,
        WorkingGroup,
    )
    from funding.models import Award, CompanyInvestment, Contribution, Funder
    from programmes.models import (
        Application,
        Call,
        Decision,
        EvaluationCriterion,
        InnovationDomain,
        Programme,
        Review,
        ReviewScore,
        Track,
    )
    from projects.models import (
        FollowUpReport,
        FundedProject,
        Outcome,
        ProjectYearStatus,
        SupportAction,
    )

    rng = random.Random(2025)
    r = Rows()
    year_of: dict[int, int] = {}  # id(instance) -> year, for yearly rows

    def yearly(instance, year):
        year_of[id(instance)] = year
        return instance

    # --- Reference data: the same in every variant ---------------------------------------
    sites = [r.add(Site, name=name, slug=slug, position=i) for i, (slug, name, _w) in
             enumerate(SITES)]
    weights = [w for *_x, w in SITES]

    def site():
        return rng.choices(sites, weights)[0]

    labs = [r.add(Organisation, name=f"Laboratoire {i:04d}", kind=Organisation.Kind.LABORATORY,
                  site=site()) for i in range(N_LABS)]
    companies = []
    for i in range(N_COMPANIES):
        start = dt.date(rng.randint(1995, 2025), rng.randint(1, 12), 1)
        end = None
        if rng.random() < 0.3:
            end = dt.date(rng.randint(start.year, 2025), 12, 31)
        companies.append(r.add(
            Organisation, name=f"Entreprise {i:05d}", kind=Organisation.Kind.COMPANY,
            site=site(), develops_oncology_products=rng.random() < 0.8,
            active_from=start, active_until=end,
        ))
    teams = []
    for i in range(N_TEAMS):
        lab = rng.choice(labs)
        first = 2006 if rng.random() < 0.75 else rng.randint(2007, 2025)
        last = 2025 if rng.random() < 0.8 else rng.randint(first, 2025)
        team = r.add(Team, name=f"Équipe {i:05d}", organisation=lab, site_id=lab.site_id,
                     kind=Team.Kind.CLINICAL if rng.random() < 0.3 else Team.Kind.ACADEMIC)
        teams.append((team, first, last))
    people = [r.add(Person, first_name=f"Prénom{i % 500}", last_name=f"Nom{i:05d}",
                    kind=Person.Kind.RESEARCHER, team=rng.choice(teams)[0],
                    organisation=rng.choice(labs)) for i in range(N_PEOPLE)]
    users = [r.add(User, email=f"deposant{i:05d}@bench.clara.test", password="!",
                   first_name=f"Prénom{i % 500}", last_name=f"Nom{i:05d}")
             for i in range(N_USERS)]
    domains = [r.add(InnovationDomain, name=name, slug=slug) for slug, name in (
        ("biomedical", "Innovations biomédicales"),
        ("technologies", "Innovations en technologies pour la santé"),
        ("prevention", "Prévention et innovations sociales"))]
    funders = {
        "inca": r.add(Funder, name="Institut National du Cancer", short_name="INCa",
                      kind=Funder.Kind.NATIONAL_BODY),
        "region": r.add(Funder, name="Région Auvergne-Rhône-Alpes", short_name="Région",
                        kind=Funder.Kind.LOCAL_AUTHORITY),
        "metropole": r.add(Funder, name="Métropole de Lyon", kind=Funder.Kind.LOCAL_AUTHORITY),
        "sem": r.add(Funder, name="Saint-Étienne Métropole", kind=Funder.Kind.LOCAL_AUTHORITY),
        "feder": r.add(Funder, name="FEDER", kind=Funder.Kind.EUROPEAN_UNION),
    }
    ligue = [r.add(Funder, name=f"Comité {d} de la Ligue contre le cancer",
                   kind=Funder.Kind.LIGUE_COMMITTEE) for d in LIGUE]
    P = Programme.Kind
    programmes = {
        "oncostarter": r.add(Programme, name="Oncostarter", slug="oncostarter", kind=P.ONCOSTARTER),
        "poc": r.add(Programme, name="Preuve du Concept", slug="poc", kind=P.PROOF_OF_CONCEPT),
        "maillage": r.add(Programme, name="Maillage du territoire", slug="maillage",
                          kind=P.STRUCTURING),
        "manif": r.add(Programme, name="Manifestations scientifiques", slug="manif",
                       kind=P.SCIENTIFIC_EVENTS),
        "mobilite": r.add(Programme, name="Mobilités", slug="mobilite", kind=P.MOBILITY),
    }
    tracks = {code: r.add(Track, programme=programmes["oncostarter"], code=code)
              for code in ("blanc", "thematise", "interface")}
    groups = [r.add(WorkingGroup, name=f"Groupe de travail {i}", acronym=f"GT{i}",
                    started_on=dt.date(2006 + 2 * i, 3, 1),
                    ended_on=dt.date(2012 + 2 * i, 6, 30) if i % 3 == 0 else None)
              for i in range(8)]

    # --- Yearly records ----------------------------------------------------------------------
    AS = Application.Status
    for team, first, last in teams:
        for year in range(max(first, YEARS[0]), last + 1):
            yearly(r.add(TeamCensus, team=team, year=year, researchers=rng.randint(2, 30),
                         doctoral_students=rng.randint(0, 10),
                         health_professionals=rng.randint(0, 40)), year)

    awards_by_code: dict[tuple[int, str], list] = defaultdict(list)
    for year in YEARS:
        calls = {}
        for code, (n_apps, n_selected) in CALLS.items():
            programme = programmes["oncostarter" if code in tracks else code]
            opens = paris(year, 1, 10, 9)
            closes = paris(year, 3 + len(calls), 15, 12)
            if code == "manif":
                closes = paris(year, 12, 31, 23, 30)  # still `year` in Paris, not in UTC
            elif code == "mobilite":
                opens, closes = paris(year - 1, 11, 1), paris(year, 1, 1, 0, 30)
            call = yearly(r.add(
                Call, programme=programme, track=tracks.get(code), year=year,
                title=f"{programme.name} {code} {year}", slug=f"{code}-{year}",
                opens_at=opens, closes_at=closes, budget=Decimal(n_selected * 60000),
                theme="Expérience patient" if code == "thematise" else "",
            ), year)
            calls[code] = call
            criteria = [yearly(r.add(EvaluationCriterion, call=call, label=label, position=i),
                               year) for i, label in enumerate(("Qualité", "Faisabilité"))]
            statuses = ([AS.SELECTED] * n_selected
                        + [AS.DRAFT] * (n_apps // 50) + [AS.WITHDRAWN] * (n_apps // 50)
                        + [AS.INELIGIBLE] * (n_apps // 20)
                        + ([AS.AUDITION] * (n_apps // 20) if code in tracks else []))
            statuses += [AS.NOT_SELECTED] * (n_apps - len(statuses))
            rng.shuffle(statuses)
            window = (closes - opens).total_seconds()
            committee = (closes + dt.timedelta(days=60)).date()
            if committee.year > year:
                committee = dt.date(year, 12, 15)
            for n, status in enumerate(statuses):
                submitted = None
                if status != AS.DRAFT:
                    submitted = opens + dt.timedelta(seconds=rng.random() * window)
                application = yearly(r.add(
                    Application, reference=f"{code.upper()}-{year}-{n:05d}", call=call,
                    applicant=rng.choice(users), principal_investigator=rng.choice(people),
                    domain=rng.choice(domains), acronym=f"P{year % 100:02d}{n:04d}",
                    title=f"Projet {code} {year} numéro {n} sur les cancers",
                    requested_amount=Decimal(rng.randint(5, 150) * 1000), status=status,
                    submitted_at=submitted, created_at=opens,
                ), year)
                outcome = {AS.SELECTED: "selected", AS.NOT_SELECTED: "not_selected",
                           AS.INELIGIBLE: "ineligible", AS.AUDITION: "audition"}.get(status)
                if outcome:
                    yearly(r.add(Decision, application=application, outcome=outcome,
                                 committee_date=committee, recorded_at=paris(year, 12, 20)),
                           year)
                if status in (AS.SELECTED, AS.NOT_SELECTED, AS.AUDITION) and n % 3 == 0:
                    review = yearly(r.add(
                        Review, application=application, reviewer=rng.choice(users),
                        status=Review.Status.SUBMITTED, assigned_at=closes,
                        submitted_at=closes + dt.timedelta(days=20)), year)
                    for criterion in criteria:
                        yearly(r.add(ReviewScore, review=review, criterion=criterion,
                                     score=rng.randint(1, 5)), year)
                if status == AS.SELECTED:
                    decided = paris(year, rng.randint(6, 12), rng.randint(1, 28), 10)
                    if code == "poc" and not awards_by_code[(year, code)]:
                        decided = paris(year, 12, 31, 23, 30)
                    amount = Decimal(rng.randint(10, 120) * 1000 if code in tracks or code in (
                        "poc", "maillage") else rng.randint(5, 40) * 100)
                    award = yearly(r.add(Award, application=application, amount=amount,
                                         decided_at=decided,
                                         agreement_signed_on=decided.date()), year)
                    awards_by_code[(year, code)].append(award)
                    if code in tracks:
                        split = [(funders["inca"], amount / 2),
                                 (rng.choice(ligue), amount - amount / 2)]
                    elif code == "poc":
                        split = [(funders["region"], amount * 3 / 4),
                                 (funders["metropole"], amount / 4)]
                    elif code == "maillage":
                        split = [(rng.choice([funders["metropole"], funders["sem"]]), amount)]
                    else:
                        split = [(funders["region"], amount)]
                    for funder, share in split:
                        yearly(r.add(Contribution, award=award, funder=funder, amount=share),
                               year)
                    if code == "poc":
                        for company in rng.sample(companies, rng.randint(1, 2)):
                            yearly(r.add(CompanyInvestment, award=award, company=company,
                                         planned_amount=Decimal(rng.randint(50, 500) * 1000)),
                                   year)

        # Funded projects of the research awards, with their yearly statuses.
        PS = ProjectYearStatus.Status
        for code in ("blanc", "thematise", "interface", "poc", "maillage"):
            for award in awards_by_code[(year, code)]:
                start = award.decided_at.date() + dt.timedelta(days=60)
                project = yearly(r.add(
                    FundedProject, award=award, name=award.application.acronym, site=site(),
                    start_date=start, end_date=start + dt.timedelta(days=730),
                ), year)
                stopped = rng.random() < 0.05
                for offset, status in enumerate(
                        (PS.NOT_STARTED if start.year > year else PS.ONGOING, PS.ONGOING,
                         PS.ONGOING, PS.STOPPED if stopped else PS.COMPLETED)):
                    if year + offset > YEARS[-1]:
                        break
                    yearly(r.add(ProjectYearStatus, project=project, year=year + offset,
                                 status=status), year + offset)
                if year + 1 <= YEARS[-1]:
                    yearly(r.add(FollowUpReport, project=project, year=year + 1,
                                 due_on=dt.date(year + 1, 3, 1),
                                 submitted_on=dt.date(year + 1, 3, 1),
                                 summary="Rapport d'avancement."), year + 1)
                if rng.random() < 0.5:
                    yearly(r.add(Outcome, project=project, kind=Outcome.Kind.PUBLICATION,
                                 title=f"Publication de {project.name}",
                                 date=start + dt.timedelta(days=400)), year)

        # Events of the year.
        E, R = Event.Kind, Event.Role

        def event(kind, role, month, day, length=0, year=year, **more):
            start = dt.date(year, month, day)
            return yearly(r.add(Event, title=f"{kind} {year}-{month:02d}-{day:02d}", kind=kind,
                                role=role, start_date=start,
                                end_date=start + dt.timedelta(days=length), **more), year)

        forum = event(E.FORUM, R.ORGANISED, 11, 20, 1, participants=2500, site=sites[0])
        for i in range(5):
            event(E.WORKSHOP, R.ORGANISED, 11, 20, parent=forum, participants=40 + i)
            event(E.WORKSHOP, R.ORGANISED, 3 + i, 5, participants=30)
        for i in range(10):
            evening = event(E.PUBLIC_EVENING, R.ORGANISED, 1 + i, 12, participants=60)
            for _k in range(60):
                yearly(r.add(SurveyResponse, event=evening, would_recommend=rng.random() < 0.9,
                             rating=rng.randint(3, 5)), year)
        for i, code in enumerate(("blanc", "thematise", "interface", "poc", "maillage",
                                  "manif", "mobilite")):
            event(E.INFO_SESSION, R.ORGANISED, 1, 2 + i, call=calls[code], participants=30)
        for i in range(10):
            event(E.TRAINING, R.ORGANISED, 1 + i, 20, participants=25)
        for i in range(3):
            event(E.SUMMER_SCHOOL, R.PARTNERSHIP, 6 + i, 1, 4)
        for i in range(20):
            event(E.CONFERENCE, R.SUPPORTED, 1 + i % 12, 1 + i, 2, is_international=i % 2 == 0,
                  participants=200)
        supported = []
        for i, award in enumerate(awards_by_code[(year, "manif")]):
            supported.append(event(E.SCIENTIFIC_EVENT, R.SUPPORTED, 1 + i % 12, 1 + i % 28, 1,
                                   award=award, participants=150, organiser=rng.choice(labs)))
        for i in range(20):
            event(E.OTHER, R.ORGANISED, 1 + i % 12, 3, working_group=rng.choice(groups),
                  participants=20)
        speakers = rng.sample(people, 300)
        for person in speakers:
            yearly(r.add(EventSpeaker, event=forum, person=person, topic="Intervention"), year)
        for i in range(500):
            poster = yearly(r.add(Poster, event=forum, kind=Poster.Kind.LAY if i % 3 == 0
                                  else Poster.Kind.SCIENTIFIC, title=f"Poster {year}-{i}",
                                  presenter=rng.choice(people)), year)
            if i < 20:
                yearly(r.add(Prize, event=forum, kind=Prize.Kind.POSTER_PRIZE, poster=poster,
                             label=f"Prix {i}"), year)
        for i in range(5):
            yearly(r.add(Prize, event=forum, kind=Prize.Kind.STARTUP_TROPHY,
                         laureate=rng.choice(companies), label=f"Trophée {i}"), year)
        for i, host in enumerate(supported[:10]):
            poster = yearly(r.add(Poster, event=host, kind=Poster.Kind.SCIENTIFIC,
                                  title=f"Poster soutenu {year}-{i}"), year)
            yearly(r.add(Prize, event=host, kind=Prize.Kind.POSTER_PRIZE, poster=poster,
                         label="Prix CLARA", awarded_by_clara=i % 4 != 0), year)

        # International actions and support actions.
        M = InternationalAction.Kind
        countries = ["CA", "US", "GB", "DE", "ES", "IT", "JP", "CH", "BE", "SE", "AU", "NL"]
        for i, award in enumerate(awards_by_code[(year, "mobilite")]):
            yearly(r.add(InternationalAction, kind=M.MOBILITY, title=f"Mobilité {year}-{i}",
                         person=rng.choice(people), country=rng.choice(countries),
                         start_date=dt.date(year, 1 + i % 12, 1), award=award), year)
        for kind, n in ((M.TEACHING, 60), (M.STUDENT_HOSTED, 10), (M.DELEGATION, 10)):
            for i in range(n):
                yearly(r.add(InternationalAction, kind=kind, title=f"{kind} {year}-{i}",
                             person=rng.choice(people), country=rng.choice(countries),
                             start_date=dt.date(year, 1 + i % 12, 1 + i % 28)), year)
        for i in range(700):
            yearly(r.add(SupportAction, date=dt.date(year, 1 + i % 12, 1 + i % 28),
                         kind=rng.choice(SupportAction.Kind.values),
                         subject=f"Accompagnement {year}-{i}", team=rng.choice(teams)[0],
                         organisation=rng.choice(labs)), year)
    return r, year_of


def keep_years(rows: Rows, year_of: dict, first_year: int) -> None:
    """Keep the yearly rows of `first_year` onwards, and the older awards (with what they
    hang on) whose funded project has a status in those years."""
    from funding.models import Award, CompanyInvestment, Contribution
    from programmes.models import Application, Call, Decision, EvaluationCriterion
    from projects.models import FundedProject, ProjectYearStatus

    kept_statuses = [s for s in rows.rows[ProjectYearStatus] if s.year >= first_year]
    projects = {s.project_id for s in kept_statuses}
    keep_ids: dict[type, set] = defaultdict(set)
    for project in rows.rows[FundedProject]:
        if project.pk in projects:
            keep_ids[FundedProject].add(project.pk)
            keep_ids[Award].add(project.award_id)
    for award in rows.rows[Award]:
        if award.pk in keep_ids[Award]:
            keep_ids[Application].add(award.application_id)
    for application in rows.rows[Application]:
        if application.pk in keep_ids[Application]:
            keep_ids[Call].add(application.call_id)
    parents = {Contribution: ("award_id", Award), CompanyInvestment: ("award_id", Award),
               Decision: ("application_id", Application),
               EvaluationCriterion: ("call_id", Call)}
    for model, instances in rows.rows.items():
        kept = []
        for instance in instances:
            year = year_of.get(id(instance))
            if (year is None or year >= first_year or instance.pk in keep_ids[model]
                    or (model in parents and getattr(instance, parents[model][0])
                        in keep_ids[parents[model][1]])):
                kept.append(instance)
        rows.rows[model] = kept


def insert(rows: Rows) -> dict[str, int]:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    # Parents before children: the order models were first added in, fixed up for the
    # few that refer to rows added later (a person's team, a team's leader...).
    order = list(rows.rows)
    counts = {}
    with transaction.atomic():
        for model in order:
            instances = rows.rows[model]
            model.objects.bulk_create(instances, batch_size=5000)
            counts[model._meta.label] = len(instances)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first-year", type=int, default=YEARS[0],
                        help="keep the yearly rows from this year on (2024: the 2-year variant)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    setup_django()
    recreate_database(url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    rows, year_of = generate()
    if args.first_year > YEARS[0]:
        keep_years(rows, year_of, args.first_year)
    generated = time.perf_counter()
    counts = insert(rows)
    get_user_model().objects.create_superuser(BENCH_USER, BENCH_PASSWORD)
    done = time.perf_counter()
    for label, n in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"{n:>8}  {label}")
    print(f"migrate {migrated - start:.0f} s, generate {generated - migrated:.0f} s, "
          f"insert {done - generated:.0f} s")


if __name__ == "__main__":
    main()
