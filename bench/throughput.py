"""Requests per second under gunicorn: the year page and a drill-down against a static file of
the same bytes, served by the same gunicorn (whitenoise), on the national-scale database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clara_bench .venv/bin/python bench/throughput.py
    ... bench/throughput.py --seconds 20 --concurrency 8 --workers 2

Starts gunicorn on a free port (production settings: DEBUG off, collected static files in a
temporary STATIC_ROOT, the public page cache in a temporary directory, or none with
`--no-cache`), hammers each URL with a small threaded HTTP client for N seconds, and
prints a Markdown table. Rerun it after a change to the pages (the cache).
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2025
DRILLDOWN = "calls.applications"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def hammer(port: int, path: str, seconds: float, concurrency: int) -> dict:
    """Each thread keeps one connection and sends requests back to back for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine, failed = [], 0
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {
        "requests": len(latencies), "rps": len(latencies) / elapsed, "errors": errors[0],
        "median_ms": statistics.median(latencies) * 1000 if latencies else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-cache", action="store_true",
                        help="public pages computed at every request (a dummy public cache)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clara_bench")
    static_root = Path(tempfile.mkdtemp(prefix="clara-bench-static-"))
    env = {
        **os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "STATIC_ROOT": str(static_root),
        "DJANGO_SETTINGS_MODULE": "clara.settings",
        "PUBLIC_CACHE_URL": "dummycache://" if args.no_cache
        else f"filecache://{static_root.parent / (static_root.name + '-cache')}",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True)
    port = free_port()
    gunicorn = [str(Path(python).with_name("gunicorn")), "clara.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                "--log-level", "warning"]

    def start_server():
        process = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
        for _ in range(300):
            try:
                get(port, "/static/", timeout=1)
                return process
            except OSError:
                time.sleep(0.1)
        process.terminate()
        sys.exit("gunicorn did not start")

    pages = {"year page": f"/chiffres-clefs/{YEAR}/",
             "drill-down": f"/chiffres-clefs/{YEAR}/{DRILLDOWN}/"}
    # The same bytes as static files: fetched once from a first server, then served by
    # whitenoise, which lists STATIC_ROOT when it starts.
    server = start_server()
    try:
        statics = {}
        for label, path in pages.items():
            status, body = get(port, path)
            if status != 200:
                sys.exit(f"{path} answered {status}")
            name = f"bench-{label.replace(' ', '-')}.html"
            (static_root / name).write_bytes(body)
            statics[label] = (f"/static/{name}", len(body))
    finally:
        server.terminate()
        server.wait()
    server = start_server()
    rows = []
    try:
        for label, path in pages.items():
            get(port, path)  # warm-up
            page = hammer(port, path, args.seconds, args.concurrency)
            static_path, size = statics[label]
            static = hammer(port, static_path, args.seconds, args.concurrency)
            rows.append((label, path, size, page, static))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(static_root, ignore_errors=True)
        shutil.rmtree(f"{static_root}-cache", ignore_errors=True)
    cache = "none (dummy cache)" if args.no_cache else "files"
    print(f"gunicorn, {args.workers} sync workers; public cache: {cache}; client: "
          f"{args.concurrency} threads, "
          f"{args.seconds:g} s per URL; {os.cpu_count()} cores shared by server, client and "
          f"PostgreSQL\n")
    print("| page | KiB | page req/s | page median | static req/s | static median | page / static |")
    print("|---|---|---|---|---|---|---|")
    for label, path, size, page, static in rows:
        errors = f" ({page['errors']} errors)" if page["errors"] else ""
        print(f"| {label} `{path}` | {size / 1024:.0f} | {page['rps']:.1f}{errors} | "
              f"{page['median_ms']:.0f} ms | {static['rps']:.0f} | {static['median_ms']:.1f} ms | "
              f"{100 * page['rps'] / static['rps']:.1f} % |")


if __name__ == "__main__":
    main()
