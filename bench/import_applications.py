"""Speed of the application import: a 10 000-row file (new applications to the demo calls,
principal investigators among the demo people), dry run then real import.

    .venv/bin/python bench/import_applications.py                  # throw-away SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_imports .venv/bin/python bench/import_applications.py
    .venv/bin/python bench/import_applications.py --rows 2000

The database named by DATABASE_URL is migrated and filled with the demo data, and the
imported rows are deleted afterwards: point it at a scratch database. Prints rows/s and
queries per row (target: 10 000 rows in 30 s or less on PostgreSQL).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clara.settings")
if "DATABASE_URL" not in os.environ:
    scratch = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"

import django  # noqa: E402

django.setup()

import tablib  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from clara.accounts.models import User  # noqa: E402
from clara.network.models import Person  # noqa: E402
from programmes.models import Application, Call  # noqa: E402
from programmes.resources import ApplicationResource  # noqa: E402

PREFIX = "BENCH-"


def build_dataset(rows: int) -> tablib.Dataset:
    calls = list(Call.objects.order_by("slug").values_list("slug", flat=True))
    people = [
        p.orcid or p.email
        for p in Person.objects.exclude(orcid="", email="").order_by("pk")
    ]
    applicants = []
    for n in range(50):
        user, _created = User.objects.get_or_create(email=f"bench-applicant-{n}@example.org")
        applicants.append(user.email)
    headers = [
        "référence", "appel (identifiant)", "acronyme", "titre", "déposant (e-mail)",
        "porteur ou porteuse (ORCID ou e-mail)", "montant demandé (€)", "statut",
        "résumé grand public",
    ]
    dataset = tablib.Dataset(headers=headers)
    for n in range(rows):
        dataset.append([
            f"{PREFIX}{n:06d}", calls[n % len(calls)], f"B{n}", f"Projet du banc d'essai {n}",
            applicants[n % len(applicants)], people[n % len(people)], "40 000,00",
            "Brouillon" if n % 3 else "Déposée", "Un résumé pour le grand public.",
        ])
    return dataset


def run(dataset, dry_run: bool):
    statements = [0]

    def wrapper(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        result = ApplicationResource().import_data(dataset, dry_run=dry_run)
    elapsed = time.perf_counter() - start
    if result.has_errors() or result.has_validation_errors():
        first = (result.base_errors or result.invalid_rows or [None])[0]
        sys.exit(f"import failed: {getattr(first, 'error', None) or first.error_dict}")
    return elapsed, statements[0], result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    call_command("migrate", verbosity=0)
    with override_settings(DEBUG=True):
        call_command("load_demo", verbosity=0)
    Application.objects.filter(reference__startswith=PREFIX).delete()
    dataset = build_dataset(rows)
    print(f"{connection.vendor}, {rows} application rows\n")
    print("| step | time | rows/s | queries | queries/row |")
    print("|---|---:|---:|---:|---:|")
    for label, dry_run in (("dry run (preview)", True), ("import", False)):
        elapsed, statements, result = run(dataset, dry_run)
        print(f"| {label} | {elapsed:.1f} s | {rows / elapsed:.0f} | {statements} | "
              f"{statements / rows:.1f} |")
    assert Application.objects.filter(reference__startswith=PREFIX).count() == rows
    elapsed, statements, result = run(dataset, False)
    print(f"| same file again (all unchanged) | {elapsed:.1f} s | {rows / elapsed:.0f} | "
          f"{statements} | {statements / rows:.1f} |")
    assert result.totals["skip"] == rows, result.totals
    Application.history.filter(reference__startswith=PREFIX).delete()
    Application.objects.filter(reference__startswith=PREFIX).delete()


if __name__ == "__main__":
    main()
