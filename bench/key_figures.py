"""Speed and memory of the demo load and of the key figures, on the demo data.

    .venv/bin/python bench/key_figures.py                 # throw-away SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_bench .venv/bin/python bench/key_figures.py

Prints a Markdown table (the README quotes it). The database named by DATABASE_URL is migrated
and filled with the demo data: point it at a scratch database.
"""

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clara.settings")
if "DATABASE_URL" not in os.environ:
    scratch = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from clara.keyfigures.selectors import key_figures_for_year  # noqa: E402

YEAR = 2025
RUNS = 20


def timed(function, runs: int = RUNS) -> str:
    """Median and best wall time in milliseconds."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return f"{statistics.median(samples):.1f} ms (best {min(samples):.1f})"


def count_queries(function) -> int:
    """Statements executed by `function` (a wrapper survives the connection being reopened at
    each request, which CaptureQueriesContext does not)."""
    statements = []

    def wrapper(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        function()
    return len(statements)


def peak_memory_kib(function) -> float:
    tracemalloc.start()
    function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def main() -> None:
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    call_command("load_demo", verbosity=0)
    first_load = time.perf_counter() - start
    start = time.perf_counter()
    call_command("load_demo", verbosity=0)
    second_load = time.perf_counter() - start

    client = Client()
    figure_queries = count_queries(lambda: key_figures_for_year(YEAR))
    page_queries = count_queries(lambda: client.get(f"/chiffres-clefs/{YEAR}/"))

    rows = [
        ("load_demo, empty database", f"{first_load:.1f} s", ""),
        ("load_demo, second run (idempotent)", f"{second_load:.1f} s", ""),
        (f"key_figures_for_year({YEAR})", timed(lambda: key_figures_for_year(YEAR)),
         f"{figure_queries} queries, peak {peak_memory_kib(lambda: key_figures_for_year(YEAR)):.0f} KiB"),
        (f"GET /chiffres-clefs/{YEAR}/", timed(lambda: client.get(f"/chiffres-clefs/{YEAR}/")),
         f"{page_queries} queries, peak {peak_memory_kib(lambda: client.get(f'/chiffres-clefs/{YEAR}/')):.0f} KiB"),
        (f"GET /chiffres-clefs/{YEAR}/network.teams/ (210 rows)",
         timed(lambda: client.get(f"/chiffres-clefs/{YEAR}/network.teams/")), ""),
        (f"GET /chiffres-clefs/{YEAR}/csv/",
         timed(lambda: client.get(f"/chiffres-clefs/{YEAR}/csv/")), ""),
    ]
    print(f"database: {connection.vendor}; Python {sys.version.split()[0]}; {RUNS} runs each\n")
    print("| what | time (median) | notes |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
