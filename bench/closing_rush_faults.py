"""The closing-day rush of `closing_rush.py` with two faults in the middle of the load:

(a) PostgreSQL restarts once (at `--outage-at` of the run): requests meanwhile must get the
    French 503 page (never a stack trace), and the site must recover by itself;
(b) the attachments' disk fills up (from `--disk-full-at`, for `--disk-full-seconds`): an
    upload refused meanwhile must leave the draft intact and tell the applicant, and uploads
    must work again once space is freed.

Then the same checks as the plain rush: nothing confirmed is lost, no draft lost, no orphan
file, one e-mail per submission.

    .venv/bin/python bench/closing_rush_faults.py                  # 300 s
    .venv/bin/python bench/closing_rush_faults.py --seconds 90 --applicants 20 --visitors 20

Where the faults come from (root is needed for both):

- PostgreSQL: by default a private PostgreSQL server started for the run (`initdb` in a
  temporary folder, a free port, the machine's PostgreSQL binaries) and restarted with
  `pg_ctl restart -m fast`, so that other people's tests on the machine's cluster are not cut
  off. `--pg main` restarts the machine's cluster instead (`pg_ctlcluster <version> main
  restart`, the version read from `pg_lsclusters`), with the database on it.
- The disk: PRIVATE_MEDIA_ROOT is a tmpfs mounted for the run (`mount -t tmpfs -o size=…`),
  large enough for every upload; at the fault a file fills it to the last byte (ENOSPC), and is
  deleted at the end of the fault. Nothing else of the machine fills up. Where mounting is not
  permitted, the disk fault is skipped (filling the real disk would fill it for everybody).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import closing_rush as cr  # noqa: E402

# What the draft page says when an upload cannot be stored (programmes/services.py).
DISK_FULL_MESSAGE = "n'a pas pu être enregistré"


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def pg_version() -> str:
    lines = run(["pg_lsclusters", "-h"]).stdout.split("\n")
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[1] == "main":
            return parts[0]
    sys.exit("pg_lsclusters lists no cluster 'main'")


class OwnPostgres:
    """A throw-away PostgreSQL server owned by the run."""

    def __init__(self, version: str):
        self.bin = Path(f"/usr/lib/postgresql/{version}/bin")
        self.base = Path(tempfile.mkdtemp(prefix="clara-rush-pg-"))
        self.base.chmod(0o755)
        self.data = self.base / "data"
        self.port = cr.free_port()
        self.log = self.base / "postgresql.log"
        shutil.chown(self.base, "postgres", "postgres")

    def as_postgres(self, *command: str) -> subprocess.CompletedProcess:
        # Output to the log file, not to pipes: the server pg_ctl starts would keep a pipe
        # open, and we would wait for it forever.
        with open(self.base / "pg_ctl.out", "ab") as out:
            return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True,
                                  stdout=out, stderr=subprocess.STDOUT)

    def start(self):
        self.as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                         "-A", "trust", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync")
        self.pg_ctl("start")

    def pg_ctl(self, action: str):
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.base}")
        self.as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                         "-o", options, "-m", "fast", "-w", action)

    def stop(self):
        try:
            self.as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                             "-w", "stop")
        except subprocess.CalledProcessError as exc:
            print(f"pg_ctl stop failed ({exc.returncode}), see {self.base / 'pg_ctl.out'}")
            return
        shutil.rmtree(self.base, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"


class FaultRush(cr.Rush):
    disk_message = DISK_FULL_MESSAGE

    def __init__(self, args):
        super().__init__(args)
        self.version = pg_version()
        self.own_pg = OwnPostgres(self.version) if args.pg == "own" else None
        self.mounted = False
        self.windows: dict[str, list[float]] = {}
        self.restart_output = ""
        self.probes: list[tuple[float, str, int, bool]] = []  # t, kind, status, french page
        self.filler = None
        self.disk_skip_reason = ""

    # Setup: the PostgreSQL server and the attachments' tmpfs first.
    def setup(self):
        if self.own_pg is not None:
            self.own_pg.start()
            self.pg_url = self.own_pg.url
            print(f"Private PostgreSQL {self.version} on port {self.own_pg.port} "
                  f"({self.own_pg.data})", flush=True)
        size_mb = int(self.args.media_mb or
                      (self.args.applicants + self.args.late) * 3 * cr.PDF_SIZE * 1.5 / 2**20
                      + 32)
        try:
            run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs",
                 str(self.media)])
            self.mounted = True
            print(f"PRIVATE_MEDIA_ROOT: tmpfs of {size_mb} MiB at {self.media}", flush=True)
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            self.disk_skip_reason = (f"mount -t tmpfs not permitted ({getattr(exc, 'stderr', exc)}"
                                     f"): disk-full fault skipped")
            print(self.disk_skip_reason, flush=True)
        super().setup()

    def fault_threads(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.prober, daemon=True),
                   threading.Thread(target=self.restart_postgres, daemon=True)]
        if self.mounted:
            threads.append(threading.Thread(target=self.fill_disk, daemon=True))
        return threads

    # (a) PostgreSQL restart
    def restart_postgres(self):
        """Restart PostgreSQL: stopped (fast: open connections are cut), down for
        --outage-seconds, started again; with --outage-seconds 0, one restart command."""
        self.stop.wait(self.args.seconds * self.args.outage_at)
        if self.stop.is_set():
            return
        hold = self.args.outage_seconds
        if self.own_pg is not None:
            actions = [lambda: self.own_pg.pg_ctl("restart")] if not hold else [
                lambda: self.own_pg.pg_ctl("stop"), lambda: time.sleep(hold),
                lambda: self.own_pg.pg_ctl("start")]
            self.restart_output = ("pg_ctl -m fast restart" if not hold else
                                   f"pg_ctl -m fast stop, {hold:g} s down, pg_ctl start")
        else:
            def cluster(*action):
                subprocess.run(["pg_ctlcluster", self.version, "main", *action], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            actions = [lambda: cluster("restart")] if not hold else [
                lambda: cluster("stop", "-m", "fast"), lambda: time.sleep(hold),
                lambda: cluster("start")]
            self.restart_output = (f"pg_ctlcluster {self.version} main restart" if not hold
                                   else f"pg_ctlcluster {self.version} main stop -m fast, "
                                        f"{hold:g} s down, start")
        begin = self.stats.now()
        self.windows["outage"] = [begin, None]
        try:
            for action in actions:
                action()
        except subprocess.CalledProcessError as exc:
            self.restart_output += f": failed ({exc.returncode})"
        self.windows["outage"][1] = self.stats.now()

    def prober(self):
        """A logged-in applicant's dashboard (reads the session and the applications), and
        the health check, every 0.2 s around the restart and every 2 s otherwise."""
        client = cr.Client(self.port, self.stats, "probe", address="203.0.113.250")
        account = self.accounts[0]
        page = client.get("probe", "/comptes/login/", record=False)
        fields = cr.parse_form(page.raw).fields()
        fields.update({"login": [account.email], "password": [self.password]})
        client.post_form("probe", "/comptes/login/", cr.flatten(fields))
        restart_at = self.args.seconds * self.args.outage_at
        while not self.stop.is_set():
            for kind, path in (("dashboard", "/mon-espace/"), ("healthz", "/healthz")):
                t = self.stats.now()
                response = client.get(kind, path, record=False)
                french = (cr.OUTAGE_PAGE in response.text and "Traceback" not in response.text
                          and '<html lang="fr">' in response.raw)
                self.probes.append((t, kind, response.status, french))
            near = restart_at - 5 <= self.stats.now() <= restart_at + 60
            self.stop.wait(0.2 if near else 2)
        client.close()

    # (b) Full disk
    def fill_disk(self):
        start = self.args.seconds * self.args.disk_full_at
        self.stop.wait(start)
        if self.stop.is_set():
            return
        filler = self.media / "filler.bin"
        self.filler = filler
        # Unbuffered: 1 MiB writes until ENOSPC, then 4 KiB ones to the last page.
        with open(filler, "wb", buffering=0) as handle:
            for size in (2**20, 4096):
                try:
                    while True:
                        handle.write(b"\0" * size)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
        begin = self.stats.now()
        self.windows["disk full"] = [begin, None]
        self.stop.wait(self.args.disk_full_seconds)
        filler.unlink()
        self.windows["disk full"][1] = self.stats.now()

    def fault_window(self, start: float, end: float, slack: float = 2.0) -> str | None:
        """The fault a request met: it overlapped the outage (from the restart to the
        first answer 200 after it) or the full disk, `slack` seconds included."""
        if not hasattr(self, "_recovered"):
            self._recovered = self.recovered_at()
        for name, (begin, finish) in self.windows.items():
            finish = finish if finish is not None else float("inf")
            if name == "outage":
                finish = self._recovered or finish
            if start <= finish + slack and end >= begin - slack:
                return name
        return None

    def recovered_at(self) -> float | None:
        begin, end = self.windows.get("outage", [None, None])
        if end is None:
            return None
        later = [t for t, kind, status, _f in self.probes
                 if kind == "dashboard" and t >= end and status == 200]
        return min(later) if later else None

    def check_staff(self, failures):
        # The admin lists answer 503 during the outage too, like every page.
        outside = [f for f in failures if not self.fault_window(f[0], f[1])]
        self.check(not outside, f"staff admin lists answered 200 outside the fault windows "
                                f"({len(failures) - len(outside)} failures during them)"
                   + (f": {[f[2] for f in outside[:3]]}" if outside else ""))

    def run_checks(self):
        super().run_checks()
        # The plain run wants no HTTP error at all; here errors inside the fault windows are
        # judged by the checks below.
        self.checks = [(ok, m) for ok, m in self.checks
                       if not m.startswith(("HTTP errors", "p95 of submit"))]
        rows = self.stats.rows
        submits = [r[3] - r[2] for r in rows if r[1] == cr.SUBMIT_KIND]
        calm = [r[3] - r[2] for r in rows
                if r[1] == cr.SUBMIT_KIND and not self.fault_window(r[2], r[3])]
        if calm:
            p95 = cr.percentile(calm, 0.95)
            self.check(p95 < 1.0, f"p95 of submit outside the fault windows {p95 * 1000:.0f} ms "
                                  f"(target < 1000 ms; {len(calm)} of {len(submits)} submits; "
                                  f"all: {cr.percentile(submits, 0.95) * 1000:.0f} ms)")
        outside = [r for r in rows if cr.is_error(r[4]) and not self.fault_window(r[2], r[3])]
        self.check(not outside, f"HTTP errors outside the fault windows: {len(outside)}"
                   + (f", e.g. {[(r[1], r[4], r[5]) for r in outside[:3]]}" if outside else ""))

        # (a) the outage
        begin, end = self.windows.get("outage", [None, None])
        if begin is None or end is None:
            self.check(False, f"PostgreSQL restart did not happen ({self.restart_output})")
        else:
            recovered = self.recovered_at()
            in_outage = [r for r in rows if self.fault_window(r[2], r[3]) == "outage"]
            failing = [r for r in in_outage if cr.is_error(r[4])]
            statuses: dict[int, int] = {}
            for r in failing:
                statuses[r[4]] = statuses.get(r[4], 0) + 1
            probe_errors = [(t, k, s, f) for t, k, s, f in self.probes
                            if k == "dashboard" and begin - 1 <= t <= (recovered or end) + 1
                            and s != 200]
            not_french = [p for p in probe_errors if not (p[2] == 503 and p[3])]
            self.outage_summary = (
                f"PostgreSQL restart ({self.restart_output}) from t={begin:.1f}s to "
                f"t={end:.1f}s ({end - begin:.1f} s); first dashboard 200 after it at "
                + (f"t={recovered:.1f}s" if recovered is not None else "never")
                + f". Client requests overlapping the outage: {len(in_outage)}, of which not "
                f"2xx/3xx: {len(failing)} {statuses}; probe answers not 200: "
                f"{len(probe_errors)} ({sum(1 for p in probe_errors if p[2] == 503)} × 503)")
            self.check(not [r for r in failing if r[4] != 503] and not not_french
                       and self.stats.outage_pages["other"] == 0,
                       f"during the outage every failing request got the French 503 page "
                       f"({self.stats.outage_pages['french']} French 503 pages seen by the "
                       f"clients, {len(probe_errors)} by the probe; other 503: "
                       f"{self.stats.outage_pages['other']}; other statuses: "
                       f"{ {s: n for s, n in statuses.items() if s != 503} })")
            self.check(recovered is not None and recovered - end < 30,
                       "the site recovered by itself after the restart"
                       + (f" ({recovered - end:.1f} s after pg_ctl returned)"
                          if recovered is not None else ""))
            if not failing and not probe_errors:
                self.check(False, "no request met the outage (restart too quick to see)")

        # (b) the full disk
        if not self.mounted:
            self.check(True, f"SKIP {self.disk_skip_reason}")
            return
        begin, end = self.windows.get("disk full", [None, None])
        if begin is None or end is None:
            self.check(False, "the disk was not filled (run too short?)")
            return
        uploads = [r for r in rows if r[1] == "upload 2 MB PDF (POST)"]
        # Overlapping the full disk: saved (302, written before it filled), refused (200: the
        # form again, with a message) or an error status. Inside it: none can be saved.
        during = [r for r in uploads if r[3] >= begin and r[2] <= end]
        inside = [r for r in uploads if r[2] >= begin and r[3] <= end]
        errors = [r for r in during if cr.is_error(r[4])]
        refused = [r for r in during if r[4] == 200]
        refusals = sum(r.disk_refusals for r in self.results)
        intact = [ok for r in self.results for ok in r.intact_after_refusal]
        after = [r for r in uploads if r[2] > end and r[4] == 302]
        self.disk_summary = (
            f"Disk full from t={begin:.1f}s to t={end:.1f}s: {len(during)} uploads met it "
            f"({len(inside)} entirely inside): {sum(1 for r in during if r[4] == 302)} saved "
            f"(written before it filled), {len(refused)} refused (form shown again), "
            f"{len(errors)} error statuses {sorted({r[4] for r in errors})}; "
            f"{refusals} pages showed the message; draft intact after "
            f"{sum(intact)}/{len(intact)} refused uploads; {len(after)} uploads saved after it")
        self.check(len(inside) > 0, f"uploads met the full disk ({len(inside)} inside it)")
        self.check(not errors and all(r[4] == 200 for r in inside) and refusals >= len(refused),
                   f"every upload on the full disk was refused with a message, no error page "
                   f"({refusals} messages for {len(refused)} refusals, {len(errors)} error "
                   f"statuses)")
        self.check(intact and all(intact),
                   f"the draft was intact after each refused upload ({sum(intact)}/{len(intact)})")
        self.check(len(after) > 0, f"uploads worked again once space was freed ({len(after)})")

    def phases(self) -> list[tuple[str, float, float]]:
        outage = self.windows.get("outage", [None, None])
        disk = self.windows.get("disk full", [None, None])
        marks = [("before the faults", 0.0)]
        if outage[0] is not None:
            marks += [("PostgreSQL down (to the first 200)", outage[0]),
                      ("between the faults", self.recovered_at() or outage[1] or outage[0])]
        if disk[0] is not None:
            marks += [("attachments disk full", disk[0])]
            if disk[1] is not None:
                marks += [("after the faults", disk[1])]
        ends = [t for _n, t in marks[1:]] + [float("inf")]
        return [(name, start, end) for (name, start), end in zip(marks, ends, strict=True)]

    def phase_table(self) -> str:
        lines = ["| phase (by request start) | from | requests | p50 | p95 | not 2xx/3xx | "
                 "submits | submit p95 |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, start, end in self.phases():
            rows = [r for r in self.stats.rows if start <= r[2] < end and r[0] != "probe"]
            if not rows:
                continue
            latencies = [r[3] - r[2] for r in rows]
            submits = [r[3] - r[2] for r in rows if r[1] == cr.SUBMIT_KIND]
            lines.append(
                f"| {name} | {start:.0f} s | {len(rows)} | "
                f"{cr.statistics.median(latencies) * 1000:.0f} ms | "
                f"{cr.percentile(latencies, 0.95) * 1000:.0f} ms | "
                f"{sum(1 for r in rows if cr.is_error(r[4]))} | {len(submits)} | "
                + (f"{cr.percentile(submits, 0.95) * 1000:.0f} ms |" if submits else "– |"))
        return "\n".join(lines)

    def report(self):
        super().report()
        print("\n**By phase of the faults run**\n")
        print(self.phase_table())
        failing: dict[tuple[str, int], int] = {}
        for r in self.stats.rows:
            if cr.is_error(r[4]) and r[0] != "probe":
                key = (f"{self.fault_window(r[2], r[3]) or 'no fault'}: {r[1]}", r[4])
                failing[key] = failing.get(key, 0) + 1
        if failing:
            print("\nRequests not 2xx/3xx, by fault and page: " + "; ".join(
                f"{k} → {status} × {n}" for (k, status), n in sorted(failing.items())))
        print()
        for summary in (getattr(self, "outage_summary", ""), getattr(self, "disk_summary", "")):
            if summary:
                print(summary)

    def cleanup(self):
        self.stop_server()
        try:
            if self.mounted and not self.args.keep:
                subprocess.run(["umount", str(self.media)], check=False)
            super().cleanup()
        finally:
            if self.own_pg is not None and not self.args.keep:
                self.own_pg.stop()
            elif self.own_pg is not None:
                print(f"Kept: PostgreSQL in {self.own_pg.base} on port {self.own_pg.port} "
                      f"(pg_ctl -D {self.own_pg.data} stop)")


def parser():
    p = cr.parser()
    p.description = __doc__.split("\n\n")[0]
    p.set_defaults(db="clara_rush_faults")
    p.add_argument("--pg", choices=("own", "main"), default="own",
                   help="restart a private PostgreSQL (default) or the machine's cluster")
    p.add_argument("--outage-at", type=float, default=0.35,
                   help="when PostgreSQL restarts, as a fraction of --seconds")
    p.add_argument("--outage-seconds", type=float, default=5,
                   help="how long PostgreSQL stays down (0: one `restart` command)")
    p.add_argument("--disk-full-at", type=float, default=0.55,
                   help="when the attachments' disk fills up, as a fraction of --seconds")
    p.add_argument("--disk-full-seconds", type=float, default=None,
                   help="how long it stays full (default: a tenth of --seconds, 10 s or more)")
    p.add_argument("--media-mb", type=int, default=None,
                   help="size of the attachments' tmpfs (default: every upload × 1.5)")
    return p


if __name__ == "__main__":
    arguments = parser().parse_args()
    if arguments.disk_full_seconds is None:
        arguments.disk_full_seconds = max(10.0, arguments.seconds / 10)
    if os.geteuid() != 0:
        sys.exit("root is needed (mount, pg_ctl as postgres)")
    sys.exit(FaultRush(arguments).main())
