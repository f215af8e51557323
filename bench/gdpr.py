"""GDPR requests at national scale (README "Données personnelles / GDPR requests"): the admin
page of a request, the export and the erasure of the busiest subjects of the twenty-year
database, side by side with the admin's own change page of the same person (the floor: one
admin page about one record).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_bench .venv/bin/python bench/gdpr.py

Needs the database built by `bench/national.py`. Every write (export log lines, erasure) runs
in a transaction rolled back at the end of its run: the database is left as it was.
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
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from clara.network.models import Person  # noqa: E402
from clara.privacy import selectors, services  # noqa: E402
from tests.helpers import login_with_mfa  # noqa: E402


class Rollback(Exception):
    pass


def staff_client() -> tuple[Client, object]:
    user = get_user_model().objects.get(email=national.BENCH_USER)
    client = Client()
    login_with_mfa(client, user)  # the admin asks every staff session for a second factor
    return client, user


def run(function, runs: int) -> tuple[float, int, object]:
    """Median milliseconds, queries of the last run, and its result; each run rolled back."""
    samples, queries, result = [], 0, None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            try:
                with transaction.atomic():
                    result = function()
                    elapsed = time.perf_counter() - start
                    raise Rollback
            except Rollback:
                pass
        samples.append(elapsed)
        queries = len(captured.captured_queries)
    return statistics.median(samples) * 1000, queries, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    client, staff = staff_client()
    busiest = (Person.objects.annotate(n=Count("applications_led"))
               .order_by("-n", "pk").first())
    reviewer = (get_user_model().objects.annotate(n=Count("reviews"))
                .order_by("-n", "pk").first())
    erasable = next(
        person for person in Person.objects.annotate(n=Count("applications_led"))
        .order_by("-n", "pk")[:200]
        if not selectors.erasure_blockers(selectors.subject_for_person(person)))
    subjects = {
        f"erasable person leading {erasable.n} applications":
            selectors.subject_for_person(erasable),
        f"person leading {busiest.n} applications": selectors.subject_for_person(busiest),
        f"account with {reviewer.n} reviews": selectors.subject_for_user(reviewer),
    }
    print(f"PostgreSQL database {connection.settings_dict['NAME']}; "
          f"{national.BENCH_USER}; {args.runs} runs, median\n")
    print("| subject | admin change page (floor) | GDPR page | export (ZIP) | erasure |")
    print("|---|---:|---:|---:|---:|")
    for label, subject in subjects.items():
        if subject.person is not None:
            change = reverse("admin:network_person_change", args=[subject.person.pk])
            page = reverse("privacy-subject", args=["personne", subject.person.pk])
        else:
            change = reverse("admin:accounts_user_change", args=[subject.user.pk])
            page = reverse("privacy-subject", args=["compte", subject.user.pk])
        cells = []
        for url in (change, page):
            client.get(url)
            elapsed, queries, response = run(lambda url=url: client.get(url), args.runs)
            assert response.status_code == 200, (url, response.status_code)
            cells.append(f"{elapsed:.0f} ms, {queries} q")

        def export(subject=subject):
            archive = services.personal_data_export(subject=subject, by=staff)
            return len(archive.read())

        elapsed, queries, size = run(export, args.runs)
        cells.append(f"{elapsed:.0f} ms, {queries} q, {size / 1024:.0f} KiB")
        blockers = selectors.erasure_blockers(subject)
        if blockers:
            cells.append(f"refused ({len(blockers)} reasons)")
        else:
            elapsed, queries, done = run(
                lambda subject=subject: services.personal_data_erase(subject=subject, by=staff),
                args.runs)
            cells.append(f"{elapsed:.0f} ms, {queries} q")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
