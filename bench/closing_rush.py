"""The closing-day rush: applicants log in, fill a draft, upload their PDFs and submit in the
last minutes of a call, while visitors browse the public site and staff watch the admin lists;
then the database, the attachments' folder and the e-mails are checked.

    .venv/bin/python bench/closing_rush.py                      # 300 s, 50 + 50 + 3 clients
    .venv/bin/python bench/closing_rush.py --seconds 60          # a quick run
    .venv/bin/python bench/closing_rush.py --applicants 10 --visitors 10 --seconds 60

Everything runs on this machine. The script:

1. drops and creates the PostgreSQL database `--db` (default clara_rush, on
   postgres://postgres@127.0.0.1:5432, or `--pg-url`), migrates it and loads the demo data
   (`manage.py load_demo`);
2. opens the demo call "Oncostarter Blanc" and makes it close `--seconds` after the load
   starts; creates `--applicants` applicants (+ `--late` who submit after the closing), each
   with a verified e-mail address and a researcher profile, and a staff account whose sessions
   are written straight into the session table (with the second factor recorded: the admin
   asks every staff session for one);
3. starts gunicorn (`--workers` gthread workers of `--threads` threads) with the production
   settings (DEBUG off, collected static files, caches in files), e-mails written to files
   (django's filebased backend) and the attachments in a temporary PRIVATE_MEDIA_ROOT;
4. runs the load for `--seconds` and prints one Markdown table per client kind (requests,
   p50, p95, max, errors: HTTP status other than 2xx/3xx, or no answer);
5. checks every confirmed application (once, submitted, with its attachments on disk, the same
   bytes as uploaded), every draft (the last content the site acknowledged is there), the
   attachments' folder (no row without its file, no file without its row) and the e-mails
   (one confirmation per submitted application), and prints PASS / FAIL lines; exits 1 on
   any FAIL.

The applicants' clients act like a browser: they read the form of the page they were sent to
(CSRF token, formsets' management forms, the documents the call asks for) and post it back
with their changes. Each applicant comes from their own address (X-Forwarded-For behind one
trusted proxy, TRUSTED_PROXY_COUNT=1), as they would in production: the login rate limit
(30 a minute per address) is not what this bench measures.

`bench/closing_rush_faults.py` runs the same load with a PostgreSQL restart and a full
attachments disk in the middle.
"""

from __future__ import annotations

import argparse
import email
import email.header
import email.policy
import hashlib
import html
import http.client
import json
import math
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
import threading
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PDF_SIZE = 2 * 1024 * 1024
TIMEOUT = 60
CALL_PREFIX = "oncostarter-blanc-"
KEY_FIGURES_YEAR = 2025
SUBMIT_KIND = "submit (POST)"
# Texts the pages show (French: the clients send Accept-Language: fr).
SAVED = "Brouillon enregistré."
SUBMITTED = "est déposée. Un e-mail de confirmation vous a été envoyé."
ALREADY_SUBMITTED = "Cette demande a déjà été déposée."
CALL_CLOSED = "L'appel est clos depuis le"
READ_ONLY = "Une demande déposée n'est plus modifiable."
OUTAGE_PAGE = "Service momentanément indisponible"
# Forms of every page (the header's logout button, the language switch), not the page's own.
SITE_WIDE_FORMS = ("logout", "setlang")


# --- A small HTTP client --------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    error: str = ""

    @property
    def raw(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def text(self) -> str:
        """The page as read (entities decoded), to look for a message."""
        return html.unescape(self.raw)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Stats:
    """Every request: its kind, start and end (seconds since the load started), status."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[tuple[str, str, float, float, int, str]] = []
        self.t0 = time.monotonic()
        self.outage_pages = {"french": 0, "other": 0}

    def now(self) -> float:
        return time.monotonic() - self.t0

    def add(self, group, kind, start, end, status, error=""):
        with self.lock:
            self.rows.append((group, kind, start, end, status, error))


def is_error(status: int) -> bool:
    return not 200 <= status < 400


class Client:
    """One browser: its cookies and one keep-alive connection (opened again when it has been
    idle longer than gunicorn keeps it, 2 s)."""

    def __init__(self, port: int, stats: Stats, group: str, address: str | None = None):
        self.port, self.stats, self.group, self.address = port, stats, group, address
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        if self.conn is not None and time.monotonic() - self.last_used > 1.5:
            self.close()
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            return self.conn, False
        return self.conn, True

    def request(self, kind: str, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, record: bool = True) -> Response:
        sent = {"Accept-Language": "fr", "User-Agent": "clara-closing-rush",
                "Accept": "text/html,application/xhtml+xml,*/*"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.address:
            sent["X-Forwarded-For"] = self.address
        sent.update(headers or {})
        start = self.stats.now()
        response = None
        for attempt in range(2):
            conn, reused = self._connection()
            try:
                conn.request(method, path, body=body, headers=sent)
                raw = conn.getresponse()
                data = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self.close()
                if attempt == 0 and reused:
                    continue  # the server had closed the idle connection: a browser retries
                response = Response(0, {}, b"", error=f"{type(exc).__name__}: {exc}")
                break
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                response = Response(0, {}, b"", error=f"{type(exc).__name__}: {exc}")
                break
            headers_in = {k.lower(): v for k, v in raw.getheaders()}
            for cookie in raw.msg.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(cookie)
                for name, morsel in jar.items():
                    if morsel.value == "" or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            if headers_in.get("connection", "").lower() == "close":
                self.close()
            response = Response(raw.status, headers_in, data)
            break
        self.last_used = time.monotonic()
        end = self.stats.now()
        if response.status == 503 and self.group != "probe":  # the probe judges its own
            french = OUTAGE_PAGE in response.text and '<html lang="fr">' in response.raw \
                and "Traceback" not in response.raw
            with self.stats.lock:
                self.stats.outage_pages["french" if french else "other"] += 1
        if record:
            self.stats.add(self.group, kind, start, end, response.status, response.error)
        return response

    def get(self, kind: str, path: str, **kwargs) -> Response:
        return self.request(kind, "GET", path, **kwargs)

    def post_form(self, kind: str, path: str, fields: list[tuple[str, str]],
                  files: list[tuple[str, str, bytes]] = (), headers: dict | None = None
                  ) -> Response:
        if files or (headers or {}).get("multipart"):
            body, content_type = multipart(fields, files)
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        sent = {"Content-Type": content_type}
        sent.update({k: v for k, v in (headers or {}).items() if k != "multipart"})
        return self.request(kind, "POST", path, body=body, headers=sent)


def multipart(fields, files) -> tuple[bytes, str]:
    boundary = "----clara-rush-" + uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + str(value).encode() + b"\r\n")
    for name, filename, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class FormParser(HTMLParser):
    """The fields of one form of a page (the one with `form_id`, else the first POST form):
    inputs, selects with their options, textareas; and the links of the page."""

    def __init__(self, form_id: str | None = None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.depth = 0  # > 0 inside the form
        self.found = False
        self.inputs: list[dict] = []
        self.selects: dict[str, dict] = {}
        self.textareas: dict[str, str] = {}
        self.links: list[str] = []
        self._select = None
        self._option = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            if self.depth:
                self.depth += 1
            elif not self.found and (
                (self.form_id and a.get("id") == self.form_id)
                or (not self.form_id and (a.get("method") or "").lower() == "post"
                    and not any(x in (a.get("action") or "") for x in SITE_WIDE_FORMS))
            ):
                self.depth, self.found = 1, True
            return
        if not self.depth:
            return
        if tag == "input" and a.get("name"):
            self.inputs.append({"name": a["name"], "type": (a.get("type") or "text").lower(),
                                "value": a.get("value") or "", "checked": "checked" in a})
        elif tag == "select" and a.get("name"):
            self._select = {"multiple": "multiple" in a, "options": []}
            self.selects[a["name"]] = self._select
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select["options"].append(self._option)
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.textareas[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self.depth:
            self.depth -= 1
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self.textareas[self._textarea] += data
        if self._option is not None:
            self._option[2] += data

    def fields(self) -> dict[str, list[str]]:
        """What a browser would post, before the user changes anything (files excluded)."""
        out: dict[str, list[str]] = {}
        for i in self.inputs:
            if i["type"] in ("submit", "button", "image", "reset", "file"):
                continue
            if i["type"] in ("checkbox", "radio") and not i["checked"]:
                continue
            out.setdefault(i["name"], []).append(i["value"])
        for name, select in self.selects.items():
            chosen = [o[0] if o[0] is not None else o[2] for o in select["options"] if o[1]]
            if not chosen and not select["multiple"] and select["options"]:
                first = select["options"][0]
                chosen = [first[0] if first[0] is not None else first[2]]
            out[name] = chosen
        for name, text in self.textareas.items():
            # The browser drops the newline that follows <textarea>.
            out[name] = [text[1:] if text.startswith("\n") else text]
        return out

    def options(self, name: str) -> list[str]:
        return [o[0] for o in self.selects.get(name, {}).get("options", []) if o[0]]

    def file_inputs(self) -> list[str]:
        return [i["name"] for i in self.inputs if i["type"] == "file"]


def parse_form(body: str, form_id: str | None = None) -> FormParser:
    parser = FormParser(form_id)
    parser.feed(body)
    return parser


def flatten(fields: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, values in fields.items() for value in values]


def pdf_bytes(seed: str, size: int = PDF_SIZE) -> bytes:
    """A valid one-page PDF of exactly `size` bytes: a page, and an unused stream padded with
    bytes drawn from `seed` so that every document differs."""
    text = f"CLARA closing rush {seed}"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        None,
    ]
    content = f"BT /F1 14 Tf 72 770 Td ({text}) Tj ET".encode()
    objects[3] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"

    def build(padding: bytes) -> bytes:
        objects[5] = (b"<< /Length %d >>\nstream\n" % len(padding) + padding
                      + b"\nendstream")
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \n" % offset
        out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                % (len(objects) + 1, xref))
        return bytes(out)

    block = hashlib.sha256(seed.encode()).digest()
    overhead = len(build(b""))
    pad_len = size - overhead
    # The /Length of the padding has as many digits as the final one: adjust once.
    for _ in range(3):
        padding = (block * (pad_len // len(block) + 1))[:pad_len]
        data = build(padding)
        if len(data) == size:
            return data
        pad_len += size - len(data)
    raise AssertionError("PDF size")


# --- Plan and accounts ----------------------------------------------------------------------

@dataclass
class Account:
    index: int
    email: str
    user_id: int
    team_id: int
    late: bool = False


@dataclass
class ApplicantResult:
    account: Account
    reference: str = ""
    confirmed: bool = False
    confirmed_at: float | None = None
    late_refused: bool = False
    last_ack: dict = field(default_factory=dict)
    uploaded: dict = field(default_factory=dict)  # required document pk -> sha256
    failures: list[str] = field(default_factory=list)
    disk_refusals: int = 0
    intact_after_refusal: list[bool] = field(default_factory=list)
    server_errors: int = 0


def lorem(words: int, seed: int) -> str:
    vocabulary = ["tumeur", "cellule", "patient", "cohorte", "biomarqueur", "immunothérapie",
                  "séquençage", "essai", "clinique", "métabolisme", "résistance", "hypoxie",
                  "modèle", "imagerie", "ciblage", "protéine", "microenvironnement",
                  "organoïde", "lymphocyte", "radiothérapie", "évaluation"]
    rng = random.Random(seed)
    return " ".join(rng.choice(vocabulary) for _ in range(words)).capitalize() + "."


class Applicant:
    """Logs in, starts a draft, saves it, autosaves, uploads each mandatory document (one
    per save, 2 MB each), saves again and submits, at times spread over its plan."""

    def __init__(self, rush: Rush, account: Account, t_start: float, t_submit: float):
        self.rush, self.account = rush, account
        self.t_start, self.t_submit = t_start, t_submit
        address = f"192.0.2.{account.index % 250 + 1}" if account.index < 250 else \
            f"198.51.100.{account.index % 250 + 1}"
        self.client = Client(rush.port, rush.stats, "applicant", address=address)
        self.result = ApplicantResult(account)
        self.page: str = ""  # the last draft page received
        self.revision = 0
        self.pending_docs = [d for d in rush.documents if d["mandatory"]]
        self.steps = (("login", "start", "save", "autosave")
                      + ("upload",) * len(self.pending_docs) + ("save", "submit"))

    # The applicant's texts; the revision number marks which save the database must hold.
    def contents(self) -> dict[str, list[str]]:
        i, rev = self.account.index, self.revision
        return {
            "title": [f"Ciblage métabolique des tumeurs résistantes n° {i} (révision {rev})"],
            "acronym": [f"RUSH{i:03d}"],
            "duration_months": ["18"],
            "lay_summary": [f"Résumé grand public de la demande {i}, révision {rev}. "
                            + lorem(180, i)],
            "scientific_content": [f"Contexte, objectifs et méthodes ({i}, révision {rev}). "
                                   + lorem(600, 1000 + i)],
            "requested_amount": ["35 000"],
        }

    def log(self, message: str):
        self.result.failures.append(f"{self.rush.stats.now():6.1f}s {message}")

    def wait_until(self, t: float):
        delay = t - self.rush.stats.now()
        if delay > 0:
            time.sleep(delay)

    def run(self):
        try:
            self._run()
        except Exception as exc:  # noqa: BLE001 - reported as a failure of this applicant
            self.log(f"client exception {type(exc).__name__}: {exc}")
        finally:
            self.client.close()

    def _run(self):
        rush = self.rush
        n = len(self.steps)
        times = [self.t_start + (self.t_submit - self.t_start) * k / (n - 1) for k in range(n)]
        jitter = random.Random(self.account.index)
        for k, step in enumerate(self.steps):
            if k and k < n - 1:
                times[k] += jitter.uniform(-0.3, 0.3) * (times[1] - times[0])
            self.wait_until(times[k])
            # Steps before the submission may be retried until shortly before the closing;
            # the submission itself until the closing (the late ones: once, after it).
            limit = rush.t_close - (1 if step == "submit" else 3)
            if self.account.late and step == "submit":
                limit = rush.t_close + 30
            attempt = 0
            while True:
                attempt += 1
                ok, retry_after = getattr(self, f"step_{step}")()
                if ok:
                    break
                if rush.stats.now() + retry_after > limit or attempt >= 30:
                    self.log(f"gave up at step {step} after {attempt} attempt(s)")
                    return
                time.sleep(retry_after)

    # Each step answers (done, seconds to wait before trying again).
    def _retry_after(self, response: Response) -> float:
        if response.status == 503:
            try:
                return min(5.0, max(1.0, float(response.headers.get("retry-after", 2))))
            except ValueError:
                return 2.0
        return 2.0

    def _failed(self, what: str, response: Response) -> tuple[bool, float]:
        detail = response.error or f"HTTP {response.status}"
        if response.status >= 500:
            self.result.server_errors += 1
        self.log(f"{what}: {detail}")
        return False, self._retry_after(response)

    def step_login(self):
        rush = self.rush
        next_url = f"/appels/{rush.call_slug}/deposer/"
        page = self.client.get("login form (GET)", f"/comptes/login/?next={next_url}")
        if page.status != 200:
            return self._failed("login form", page)
        fields = parse_form(page.raw).fields()
        fields.update({"login": [self.account.email], "password": [rush.password],
                       "next": [next_url]})
        fields.pop("remember", None)
        response = self.client.post_form("login (POST)", "/comptes/login/", flatten(fields))
        if response.status != 302 or "/comptes/login" in response.location:
            return self._failed(f"login refused ({response.location!r})", response)
        return True, 0

    def step_start(self):
        path = f"/appels/{self.rush.call_slug}/deposer/"
        page = self.client.get("start page (GET)", path)
        if page.status == 302 and "/mon-espace/demandes/" in page.location:
            return self._follow_draft(page.location)  # a draft exists already
        if page.status != 200:
            return self._failed("start page", page)
        form = parse_form(page.raw)
        if not form.found:
            self.log("start page has no form")
            return False, 2
        response = self.client.post_form("start (POST)", path, flatten(form.fields()))
        if response.status != 302 or "/mon-espace/demandes/" not in response.location:
            return self._failed("start refused", response)
        return self._follow_draft(response.location)

    def _follow_draft(self, location: str):
        path = urlsplit(location).path
        self.result.reference = path.rstrip("/").rsplit("/", 1)[-1]
        self.edit_path = path
        page = self.client.get("draft page (GET)", path)
        if page.status != 200:
            return self._failed("draft page", page)
        self.page = page.raw
        return True, 0

    def _form(self) -> tuple[FormParser, dict[str, list[str]]]:
        form = parse_form(self.page, "application-form")
        fields = form.fields()
        fields.update(self.contents())
        domains = form.options("domain")
        fields["domain"] = [domains[self.account.index % len(domains)]]
        teams = form.options("teams")
        own = str(self.account.team_id)
        fields["teams"] = [own] + [t for t in teams[self.account.index % 7::50] if t != own][:1]
        categories = form.options("budget-0-category")
        for row, (label, amount) in enumerate((("Personnel (CDD 6 mois)", "20 000"),
                                               ("Consommables et séquençage", "15 000"))):
            fields[f"budget-{row}-category"] = [categories[row % len(categories)]]
            fields[f"budget-{row}-label"] = [label]
            fields[f"budget-{row}-amount"] = [amount]
        fields["co-0-first_name"] = ["Camille"]
        fields["co-0-last_name"] = [f"Rush-{self.account.index:03d}"]
        fields["co-0-email"] = [f"co-{self.account.index:03d}@example.org"]
        fields["co-0-orcid"] = [""]
        return form, fields

    def _ack(self, fields):
        self.result.last_ack = {"title": fields["title"][0],
                                "lay_summary": fields["lay_summary"][0],
                                "revision": self.revision}

    def _save(self, kind: str, files=(), action="save"):
        """Post the whole form (plus `files`); True once the page says the draft is saved."""
        form, fields = self._form()
        fields["action"] = [action]
        response = self.client.post_form(kind, self.edit_path, flatten(fields), files,
                                         headers={"multipart": "1"})
        if response.status == 302:
            page = self.client.get("draft page (GET)", urlsplit(response.location).path)
            if page.status != 200:
                return self._failed("draft page after save", page), fields, page
            self.page = page.raw
            return (True, 0), fields, page
        if response.status == 200:
            self.page = response.raw  # the form again, with the errors
            shown = re.search(r'alert-danger" role="alert"><p class="mb-0">(.*?)</p>',
                              response.text, re.S)
            self.log(f"{kind} refused: {shown.group(1)[:90] if shown else 'form shown again'}")
            return (False, 2.0), fields, response
        return self._failed(f"{kind} not saved", response), fields, response

    def step_save(self):
        self.revision += 1
        (ok, wait), fields, page = self._save("save draft (POST)")
        if ok and SAVED not in page.text:
            self.log("save: no confirmation message")
            return False, 2
        if ok:
            self._ack(fields)
        return ok, wait

    def step_autosave(self):
        """What the page's script sends while the person types: the form, X-Autosave: 1."""
        self.revision += 1
        form, fields = self._form()
        response = self.client.post_form("autosave (POST)", self.edit_path, flatten(fields),
                                         headers={"X-Autosave": "1", "multipart": "1",
                                                  "Accept": "application/json"})
        if response.status == 200:
            try:
                saved = json.loads(response.body).get("saved")
            except ValueError:
                saved = False
            if saved:
                self._ack(fields)
                return True, 0
        return self._failed("autosave", response)

    def step_upload(self):
        document = self.pending_docs[0]
        name = f"document_{document['pk']}"
        seed = f"{self.account.index}-{document['pk']}"
        content = pdf_bytes(seed)
        filename = f"rush-{self.account.index:03d}-doc-{document['pk']}.pdf"
        (ok, wait), fields, page = self._save("upload 2 MB PDF (POST)",
                                              files=[(name, filename, content)])
        if ok and (SAVED not in page.text or filename not in page.text):
            self.log("upload: the page does not list the document")
            return False, 2
        if ok:
            self.result.uploaded[document["pk"]] = hashlib.sha256(content).hexdigest()
            self.pending_docs.pop(0)
            return True, 0
        if page.status == 200:
            # Refused (the form again, with a message): the person reads it, picks the file
            # again and retries some seconds later.
            self.after_refused_upload(page)
            return False, random.uniform(5, 10)
        return False, wait

    def after_refused_upload(self, response: Response):
        """A refused upload: the message the page shows, and whether the draft is intact."""
        text = response.text
        if self.rush.disk_message and self.rush.disk_message in text:
            self.result.disk_refusals += 1
        page = self.client.get("draft page (GET)", self.edit_path)
        if page.status == 200:
            self.page = page.raw
            shown = parse_form(page.raw, "application-form").fields()
            expected = self.result.last_ack.get("lay_summary")
            self.result.intact_after_refusal.append(
                expected is not None and shown.get("lay_summary", [""])[0] == expected)

    def step_submit(self):
        if self.account.late:
            self.wait_until(self.rush.t_close + 3)
        (ok, wait), fields, page = self._save(SUBMIT_KIND, action="submit")
        if not ok and page.status == 200 and READ_ONLY in page.text:
            # A retry after an answer lost on the way (a 503 after the commit): the page
            # of the application, submitted, is the confirmation.
            self.result.confirmed = True
            self.result.confirmed_at = self.rush.stats.now()
            self.log("submit: answer lost, the application page shows it submitted")
            return True, 0
        if not ok:
            return ok, wait
        text = page.text
        reference = self.result.reference
        if f"Votre demande {reference} {SUBMITTED}" in text or ALREADY_SUBMITTED in text:
            self.result.confirmed = True
            self.result.confirmed_at = self.rush.stats.now()
            self._ack(fields)
            return True, 0
        if CALL_CLOSED in text:
            self.result.late_refused = True
            self._ack(fields)  # the draft is saved before the submission is refused
            if not self.account.late:
                self.log("submit refused: the call had closed")
            return True, 0
        self.log("submit: no confirmation on the page")
        return False, 2


class Visitor:
    def __init__(self, rush: Rush, index: int):
        self.rush, self.index = rush, index
        self.client = Client(rush.port, rush.stats, "visitor")
        self.rng = random.Random(10_000 + index)

    def run(self):
        rush = self.rush
        time.sleep(self.rng.uniform(0, min(10, rush.args.seconds / 10)))
        kinds = list(rush.public_pages)
        weights = [rush.public_pages[k][0] for k in kinds]
        while not rush.stop.is_set():
            kind = self.rng.choices(kinds, weights)[0]
            path = self.rng.choice(rush.public_pages[kind][1])
            self.client.get(kind, path)
            rush.stop.wait(self.rng.uniform(*rush.args.think))
        self.client.close()


class Staff:
    def __init__(self, rush: Rush, index: int, session_key: str):
        self.rush, self.index = rush, index
        self.client = Client(rush.port, rush.stats, "staff")
        self.client.cookies["sessionid"] = session_key
        self.rng = random.Random(20_000 + index)

    def run(self):
        rush = self.rush
        time.sleep(self.rng.uniform(0, 5))
        kinds = list(rush.admin_pages)
        while not rush.stop.is_set():
            kind = self.rng.choice(kinds)
            start = rush.stats.now()
            response = self.client.get(kind, rush.admin_pages[kind])
            if response.status != 200:
                rush.staff_failures.append((start, rush.stats.now(), f"{kind}: HTTP "
                                            f"{response.status} {response.location}".strip()))
            rush.stop.wait(self.rng.uniform(2, 6))
        self.client.close()


# --- The run --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_times() -> tuple[float, float]:
    """The machine's (busy, total) CPU seconds so far, all cores (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / tick, sum(fields) / tick


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its living descendants (/proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class Rush:
    """One closing-day rush: setup, load, checks. `closing_rush_faults.py` subclasses it."""

    disk_message = ""  # the faults run sets the message a full disk shows

    def __init__(self, args):
        self.args = args
        self.stats = Stats()
        self.stop = threading.Event()
        self.staff_failures: list[tuple[float, float, str]] = []
        self.tmp = Path(tempfile.mkdtemp(prefix="clara-rush-"))
        self.media = self.tmp / "private-media"
        self.mail_dir = self.tmp / "emails"
        self.static_root = self.tmp / "static"
        self.log_path = self.tmp / "gunicorn.log"
        for folder in (self.media, self.mail_dir, self.static_root):
            folder.mkdir()
        self.password = "rush-" + secrets.token_urlsafe(12)
        self.secret_key = secrets.token_urlsafe(50)
        self.server: subprocess.Popen | None = None
        self.results: list[ApplicantResult] = []
        self.checks: list[tuple[bool, str]] = []
        self.pg_url = args.pg_url

    # PostgreSQL
    def db_url(self) -> str:
        return f"{self.pg_url.rstrip('/')}/{self.args.db}"

    def admin_sql(self, *statements: str):
        import psycopg

        with psycopg.connect(f"{self.pg_url.rstrip('/')}/postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def create_database(self):
        name = self.args.db
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            sys.exit("--db: lower-case letters, digits and _ only")
        self.admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                       f'CREATE DATABASE "{name}"')

    def drop_database(self):
        from django.db import connections

        connections.close_all()
        self.admin_sql(f'DROP DATABASE IF EXISTS "{self.args.db}" WITH (FORCE)')

    # Environment
    def env(self, debug: bool = False) -> dict:
        settings_module = "clara.settings"
        extra_path = str(ROOT)
        return {
            **os.environ,
            "DATABASE_URL": self.db_url(), "DJANGO_DEBUG": "1" if debug else "0",
            "SECRET_KEY": self.secret_key, "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0", "STATIC_ROOT": str(self.static_root),
            "DJANGO_SETTINGS_MODULE": settings_module,
            "PYTHONPATH": extra_path + (os.pathsep + os.environ["PYTHONPATH"]
                                        if os.environ.get("PYTHONPATH") else ""),
            "CACHE_URL": f"filecache://{self.tmp / 'cache-default'}",
            "PUBLIC_CACHE_URL": f"filecache://{self.tmp / 'cache-public'}",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "PRIVATE_MEDIA_ROOT": str(self.media),
            "TRUSTED_PROXY_COUNT": "1",
            "CONN_MAX_AGE": "0",
        }

    def manage(self, *command: str, debug: bool = False):
        # The demo's own e-mails (reviewers' invitations) stay out of the counted folder.
        env = {**self.env(debug=debug), "LOG_LEVEL": "WARNING",
               "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)

    def django(self):
        """Django in this process, with the server's settings (the checks read the ORM)."""
        env = self.env()
        for key in ("DATABASE_URL", "DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS",
                    "SECURE_SSL_REDIRECT", "STATIC_ROOT", "DJANGO_SETTINGS_MODULE",
                    "CACHE_URL", "PUBLIC_CACHE_URL", "EMAIL_BACKEND", "EMAIL_FILE_PATH",
                    "PRIVATE_MEDIA_ROOT", "TRUSTED_PROXY_COUNT", "CONN_MAX_AGE"):
            os.environ[key] = env[key]
        for entry in reversed(env["PYTHONPATH"].split(os.pathsep)):
            if entry and entry not in sys.path:
                sys.path.insert(0, entry)
        # This process logs warnings only; the server keeps the production level (INFO).
        level = os.environ.get("LOG_LEVEL")
        os.environ["LOG_LEVEL"] = "WARNING"
        import django

        django.setup()
        if level is None:
            del os.environ["LOG_LEVEL"]
        else:
            os.environ["LOG_LEVEL"] = level

    def setup(self):
        a = self.args
        started = time.monotonic()
        print(f"Database {self.db_url()}: drop, create, migrate, load the demo…", flush=True)
        self.create_database()
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_demo", "-v0", debug=True)
        self.manage("collectstatic", "--noinput", "-v0")
        self.django()
        self.prepare_data()
        print(f"Setup done in {time.monotonic() - started:.0f} s: call {self.call_slug}, "
              f"{a.applicants} applicants (+{a.late} late), {a.visitors} visitors, "
              f"{a.staff} staff.", flush=True)

    def prepare_data(self):
        from allauth.account.models import EmailAddress
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.contrib.sessions.backends.db import SessionStore
        from django.db import transaction

        from clara.network.models import Person, Team
        from programmes.models import Call

        User = get_user_model()  # noqa: N806
        call = (Call.objects.filter(slug__startswith=CALL_PREFIX).order_by("-closes_at")
                .first())
        if call is None:
            sys.exit(f"no demo call {CALL_PREFIX}*")
        self.call_pk, self.call_slug = call.pk, call.slug
        self.documents = [{"pk": d.pk, "label": d.label, "mandatory": d.mandatory}
                          for d in call.required_documents.all()]
        teams = list(Team.objects.order_by("pk").values_list("pk", flat=True))
        hashed = make_password(self.password)  # one hash for all: PBKDF2 is slow on purpose
        accounts = []
        total = self.args.applicants + self.args.late
        with transaction.atomic():
            for i in range(total):
                address = f"rush-{i:03d}@example.org"
                user = User.objects.create(email=address, password=hashed,
                                           first_name="Rush", last_name=f"Applicant {i:03d}")
                EmailAddress.objects.create(user=user, email=address, verified=True,
                                            primary=True)
                team = teams[i % len(teams)]
                Person.objects.create(first_name="Rush", last_name=f"Applicant {i:03d}",
                                      kind=Person.Kind.RESEARCHER, email=address,
                                      team_id=team, user=user)
                accounts.append(Account(i, address, user.pk, team,
                                        late=i >= self.args.applicants))
            staff = User.objects.create(email="rush-staff@example.org", password=hashed,
                                        is_staff=True, is_superuser=True)
            EmailAddress.objects.create(user=staff, email=staff.email, verified=True,
                                        primary=True)
        self.accounts = accounts
        # Staff sessions as the login would leave them: password, then the second factor.
        self.staff_sessions = []
        for _ in range(self.args.staff):
            session = SessionStore()
            session["_auth_user_id"] = str(staff.pk)
            session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
            session["_auth_user_hash"] = staff.get_session_auth_hash()
            session["account_authentication_methods"] = [
                {"method": "password", "at": time.time(), "email": staff.email},
                {"method": "mfa", "at": time.time(), "type": "totp"},
            ]
            session["account_authentication_methods_user"] = str(staff.pk)
            session.create()
            self.staff_sessions.append(session.session_key)
        self.admin_pages = {
            "admin: applications": "/admin/programmes/application/",
            "admin: applications of the call":
                f"/admin/programmes/application/?call__id__exact={call.pk}",
            "admin: projects": "/admin/projects/fundedproject/",
            "admin: awards": "/admin/funding/award/",
            "admin: people": "/admin/network/person/",
        }

    def open_call(self):
        """The call closes `--seconds` after now (the load starts right after)."""
        import datetime

        from django.utils import timezone

        from clara.publiccache import records_changed
        from programmes.models import Call

        closes = timezone.now() + datetime.timedelta(seconds=self.args.seconds)
        Call.objects.filter(pk=self.call_pk).update(
            opens_at=timezone.now() - datetime.timedelta(days=30), closes_at=closes)
        records_changed()
        self.closes_at = closes

    # The server
    def start_server(self):
        a = self.args
        self.port = free_port()
        command = [str(Path(sys.executable).with_name("gunicorn")), "clara.wsgi:application",
                   "--bind", f"127.0.0.1:{self.port}", "--workers", str(a.workers),
                   "--worker-class", a.worker_class, "--threads", str(a.threads),
                   "--log-level", "warning"]
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop_server
        self.server = subprocess.Popen(command, cwd=ROOT, env=self.env(),
                                       stdout=self.log_file, stderr=subprocess.STDOUT)
        probe = Client(self.port, Stats(), "probe")
        for _ in range(300):
            response = probe.get("probe", "/healthz")
            if response.status:
                break
            time.sleep(0.1)
        probe.close()
        if not response.status:
            self.stop_server()
            sys.exit("gunicorn did not start; see " + str(self.log_path))

    def stop_server(self):
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server = None
            self.log_file.close()

    def discover_public_pages(self):
        """Public pages as a visitor finds them: the menus' pages and links read from them."""
        client = Client(self.port, Stats(), "probe")

        def links(path: str, pattern: str) -> list[str]:
            response = client.get("probe", path)
            if response.status != 200:
                sys.exit(f"{path} answered {response.status}")
            found = sorted({urlsplit(h).path for h in parse_form(response.raw).links
                            if re.fullmatch(pattern, urlsplit(h).path)})
            return found

        projects = links("/projets/", r"/projets/\d+/")
        calls = links("/appels/", r"/appels/[a-z0-9-]+/")
        calls = [c for c in calls if not c.endswith("/deposer/")]
        events = links("/evenements/", r"/evenements/\d+/")
        partners = links("/partenaires/", r"/partenaires/\d+/")
        year = f"/chiffres-clefs/{KEY_FIGURES_YEAR}/"
        drilldowns = [p for p in links(year, rf"/chiffres-clefs/{KEY_FIGURES_YEAR}/[a-z_.]+/")
                      if not p.endswith("/csv/")]
        client.close()
        self.public_pages = {
            # kind: (weight, paths)
            "home": (4, ["/"]),
            "projects list": (2, ["/projets/", "/projets/?page=2"]),
            "project page": (3, projects[:40] or ["/projets/"]),
            f"key figures {KEY_FIGURES_YEAR}": (2, [year]),
            "key figures drill-down": (1, drilldowns[:10] or [year]),
            "calls list": (2, ["/appels/"]),
            "call page": (3, [f"/appels/{self.call_slug}/"] + calls[:10]),
            "events": (1, ["/evenements/"] + events[:10]),
            "partners": (1, ["/partenaires/"] + partners[:10]),
            "territory": (1, ["/territoire/"]),
            "open data": (1, ["/donnees/"]),
        }

    def plan(self) -> list[Applicant]:
        """When each applicant starts and submits: submissions crowd towards the closing
        (t = S - margin - (S/2 - margin) * u², u uniform), the late ones after it."""
        s = self.args.seconds
        margin = max(5.0, 0.04 * s)
        rng = random.Random(42)
        applicants = []
        for account in self.accounts:
            if account.late:
                t_submit = s + 3
                t_start = rng.uniform(0, s * 0.4)
            else:
                t_submit = (s - margin) - (s / 2 - margin) * rng.random() ** 2
                t_start = rng.uniform(0, max(0.0, min(s * 0.3, t_submit - 12)))
            applicants.append(Applicant(self, account, t_start, min(t_submit, s + 3)))
        return applicants

    def fault_threads(self) -> list[threading.Thread]:
        return []

    def load(self):
        a = self.args
        applicants = self.plan()
        self.open_call()
        self.stats.t0 = time.monotonic()
        self.t_close = float(a.seconds)
        print(f"Load: {a.seconds:g} s, call closing at {self.closes_at:%H:%M:%S} UTC…",
              flush=True)
        threads = [threading.Thread(target=x.run, daemon=True) for x in applicants]
        threads += [threading.Thread(target=Visitor(self, i).run, daemon=True)
                    for i in range(a.visitors)]
        threads += [threading.Thread(target=Staff(self, i, key).run, daemon=True)
                    for i, key in enumerate(self.staff_sessions)]
        faults = self.fault_threads()
        machine, client, server = cpu_times(), time.process_time(), tree_cpu(self.server.pid)
        for thread in threads + faults:
            thread.start()
        # Visitors and staff stop at the closing; applicants (the late ones a bit after).
        self.stop.wait(a.seconds)
        self.stop.set()
        for thread in threads + faults:
            thread.join(timeout=max(120, TIMEOUT * 2))
        self.load_seconds = self.stats.now()
        busy, total = cpu_times()
        self.cpu = {"machine": (busy - machine[0]) / (total - machine[1]),
                    "client": time.process_time() - client,
                    "server": tree_cpu(self.server.pid) - server,
                    "available": total - machine[1]}
        self.results = [x.result for x in applicants]
        if a.csv:
            import csv

            with open(a.csv, "w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["group", "kind", "start_s", "end_s", "status", "error"])
                writer.writerows(self.stats.rows)

    # Report
    def table(self) -> str:
        groups: dict[str, dict[str, list]] = {}
        for group, kind, start, end, status, _error in self.stats.rows:
            groups.setdefault(group, {}).setdefault(kind, []).append((end - start, status))
        lines = []
        titles = {"applicant": "Applicants", "visitor": "Visitors (public pages)",
                  "staff": "Staff (admin lists)"}
        for group in ("applicant", "visitor", "staff"):
            if group not in groups:
                continue
            lines.append(f"\n**{titles[group]}**\n")
            lines.append("| page | requests | p50 | p95 | max | errors |")
            lines.append("|---|---:|---:|---:|---:|---:|")
            for kind, rows in groups[group].items():
                latencies = [r[0] for r in rows]
                errors = sum(1 for r in rows if is_error(r[1]))
                lines.append(
                    f"| {kind} | {len(rows)} | {statistics.median(latencies) * 1000:.0f} ms | "
                    f"{percentile(latencies, 0.95) * 1000:.0f} ms | "
                    f"{max(latencies) * 1000:.0f} ms | {errors} |")
        return "\n".join(lines)

    def check(self, ok: bool, message: str):
        self.checks.append((ok, message))

    def run_checks(self):
        from django.db import connections
        from django.db.models import Count

        from programmes.models import Application, Attachment

        connections.close_all()
        apps = list(Application.objects.filter(call_id=self.call_pk)
                    .prefetch_related("attachments"))
        by_user: dict[int, list] = {}
        for app in apps:
            by_user.setdefault(app.applicant_id, []).append(app)
        confirmed = [r for r in self.results if r.confirmed]
        on_time = [r for r in self.results if not r.account.late]

        # 1. Every confirmed application: once, submitted, its attachments on disk.
        problems = []
        for r in confirmed:
            mine = by_user.get(r.account.user_id, [])
            submitted = [x for x in mine if x.status == Application.Status.SUBMITTED]
            if len(mine) != 1 or len(submitted) != 1 or submitted[0].reference != r.reference:
                problems.append(f"{r.account.email}: {[(x.reference, x.status) for x in mine]}")
                continue
            app = submitted[0]
            for document_pk, digest in r.uploaded.items():
                rows = [x for x in app.attachments.all()
                        if x.required_document_id == document_pk]
                if len(rows) != 1:
                    problems.append(f"{app.reference}: {len(rows)} attachments for document "
                                    f"{document_pk}")
                    continue
                path = self.media / rows[0].file.name
                if not path.is_file():
                    problems.append(f"{app.reference}: {path} missing")
                elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                    problems.append(f"{app.reference}: {path} differs from the upload")
        self.check(not problems and len(confirmed) > 0,
                   f"{len(confirmed)} confirmed submissions, each exactly once, submitted, "
                   f"with its {len([d for d in self.documents if d['mandatory']])} PDFs on disk "
                   f"(same SHA-256 as uploaded)"
                   + (f": {len(problems)} problems, e.g. {problems[:3]}" if problems else ""))
        self.check(len([r for r in on_time if r.confirmed]) == len(on_time),
                   f"every on-time applicant got a confirmation "
                   f"({len([r for r in on_time if r.confirmed])}/{len(on_time)})")

        # 2. No draft lost: the last content the site acknowledged is in the database.
        lost = []
        for r in self.results:
            mine = by_user.get(r.account.user_id, [])
            if not r.last_ack:
                continue
            if len(mine) != 1:
                lost.append(f"{r.account.email}: {len(mine)} applications")
                continue
            app = mine[0]
            if (app.title, app.lay_summary) != (r.last_ack["title"], r.last_ack["lay_summary"]):
                lost.append(f"{app.reference}: revision {r.last_ack['revision']} not stored "
                            f"({app.title!r})")
        acked = len([r for r in self.results if r.last_ack])
        self.check(not lost, f"no draft lost: {acked} applications hold the last content the "
                             f"site acknowledged" + (f"; lost: {lost[:3]}" if lost else ""))
        unconfirmed_submitted = [
            x.reference for r in self.results if not r.confirmed
            for x in by_user.get(r.account.user_id, [])
            if x.status != Application.Status.DRAFT]
        self.check(not unconfirmed_submitted,
                   "no application submitted without the applicant seeing the confirmation"
                   + (f": {unconfirmed_submitted}" if unconfirmed_submitted else ""))
        late = [r for r in self.results if r.account.late]
        if late:
            late_ok = [r for r in late if r.late_refused and not r.confirmed
                       and all(x.status == Application.Status.DRAFT
                               for x in by_user.get(r.account.user_id, []))]
            self.check(len(late_ok) == len(late),
                       f"late submissions (after the closing) refused with the message, draft "
                       f"kept: {len(late_ok)}/{len(late)}")
        duplicates = (Application.objects.filter(call_id=self.call_pk)
                      .values("applicant_id").annotate(n=Count("pk")).filter(n__gt=1))
        self.check(not duplicates.exists(),
                   f"one application per applicant on the call ({len(apps)} applications)")

        # 3. The attachments' folder against the table.
        rows = {a.file.name for a in Attachment.objects.all()}
        on_disk = {str(p.relative_to(self.media)) for p in self.media.rglob("*")
                   if p.is_file() and p.parts[len(self.media.parts)] != "healthcheck"}
        without_file = rows - on_disk
        orphans = on_disk - rows
        self.check(not without_file, f"every Attachment row has its file ({len(rows)} rows)"
                   + (f"; missing: {sorted(without_file)[:3]}" if without_file else ""))
        self.check(not orphans, f"no file without its Attachment row ({len(on_disk)} files)"
                   + (f"; orphans: {sorted(orphans)[:3]}" if orphans else ""))

        # 4. E-mails: one confirmation per submitted application, none for the others.
        counts = self.count_emails()
        submitted_refs = {x.reference for x in apps if x.status == Application.Status.SUBMITTED}
        wrong = {ref: counts.get(ref, 0) for ref in submitted_refs if counts.get(ref, 0) != 1}
        extra = {ref: n for ref, n in counts.items() if ref not in submitted_refs}
        self.check(not wrong and not extra,
                   f"exactly one confirmation e-mail per submitted application "
                   f"({sum(counts.values())} e-mails, {len(submitted_refs)} submitted)"
                   + (f"; wrong counts {dict(list(wrong.items())[:5])}" if wrong else "")
                   + (f"; unexpected {extra}" if extra else ""))

        # 5. Errors and latency.
        errors = [row for row in self.stats.rows if is_error(row[4])]
        self.check(not errors, f"HTTP errors: {len(errors)} of {len(self.stats.rows)} requests"
                   + (f", e.g. {[(e[1], e[4], e[5]) for e in errors[:3]]}" if errors else ""))
        submits = [end - start for _g, kind, start, end, _s, _e in self.stats.rows
                   if kind == SUBMIT_KIND]
        if submits:
            p95 = percentile(submits, 0.95)
            self.check(p95 < 1.0, f"p95 of submit {p95 * 1000:.0f} ms (target < 1000 ms)")
        self.check_staff(self.staff_failures)

    def check_staff(self, failures):
        self.check(not failures, "staff admin lists all answered 200"
                   + (f": {[f[2] for f in failures[:3]]}" if failures else ""))

    def count_emails(self) -> dict[str, int]:
        """Confirmation messages by application reference (any other message under the key
        "other: <subject>"). The filebased backend writes one file per connection, messages
        separated by a line of 79 dashes."""
        counts: dict[str, int] = {}
        pattern = re.compile(r"demande (\S+) déposée")
        for path in self.mail_dir.glob("*"):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if not chunk.strip():
                    continue
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                subject = str(message["Subject"] or "")
                match = pattern.search(subject)
                key = match.group(1) if match else f"other: {subject}"
                counts[key] = counts.get(key, 0) + 1
        return counts

    def server_log_errors(self) -> list[str]:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines
                if '"level": "ERROR"' in line or '"levelname": "ERROR"' in line
                or "Traceback" in line or " ERROR " in line]

    def report(self):
        a = self.args
        print(f"\n## Closing-day rush: {a.applicants} applicants (+{a.late} late), "
              f"{a.visitors} visitors, {a.staff} staff, {a.seconds:g} s\n")
        print(f"gunicorn {a.workers} {a.worker_class} workers × {a.threads} threads; "
              f"PostgreSQL {self.db_url().rsplit('@', 1)[-1]}; {os.cpu_count()} cores shared "
              f"by server, clients and PostgreSQL; {len(self.stats.rows)} requests in "
              f"{self.load_seconds:.0f} s ({len(self.stats.rows) / self.load_seconds:.1f}/s).")
        cpu = self.cpu
        print(f"CPU during the load: machine {cpu['machine'] * 100:.0f} % busy (all processes, "
              f"others' included); gunicorn {cpu['server']:.0f} s, this client "
              f"{cpu['client']:.0f} s, of {cpu['available']:.0f} core-seconds.")
        print(self.table())
        confirmed = [r.confirmed_at for r in self.results if r.confirmed]
        if confirmed:
            last_minute = sum(1 for t in confirmed if t > a.seconds - 60)
            print(f"\nSubmissions confirmed: {len(confirmed)}, {last_minute} of them in the "
                  f"last minute before the closing.")
        failures = [(r.account.email, f) for r in self.results for f in r.failures]
        if failures:
            print(f"\nApplicant incidents ({len(failures)}), first ones:")
            for address, failure in failures[:15]:
                print(f"  {address}: {failure}")
        log_errors = self.server_log_errors()
        print(f"\nServer log: {len(log_errors)} error lines ({self.log_path})")
        for line in log_errors[:5]:
            print("  " + line[:300])
        print()
        for ok, message in self.checks:
            print(f"{'PASS' if ok else 'FAIL'} {message}")

    def cleanup(self):
        self.stop_server()
        if not self.args.keep:
            try:
                self.drop_database()
            except Exception as exc:  # noqa: BLE001
                print(f"could not drop {self.args.db}: {exc}")
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print(f"Kept: database {self.db_url()}, files in {self.tmp}")

    def main(self) -> int:
        try:
            self.setup()
            self.start_server()
            self.discover_public_pages()
            self.load()
            self.stop_server()
            self.run_checks()
            self.report()
        finally:
            self.cleanup()
        return 0 if all(ok for ok, _ in self.checks) else 1


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="clara_rush", help="database name (dropped and created)")
    p.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432",
                   help="PostgreSQL server, without database name")
    p.add_argument("--seconds", type=float, default=300,
                   help="length of the load; the call closes at its end")
    p.add_argument("--applicants", type=int, default=50)
    p.add_argument("--late", type=int, default=2,
                   help="more applicants, who try to submit 3 s after the closing")
    p.add_argument("--visitors", type=int, default=50)
    p.add_argument("--staff", type=int, default=3)
    p.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0), metavar=("MIN", "MAX"),
                   help="visitors' think time between pages, seconds")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--worker-class", default="gthread")
    p.add_argument("--csv", help="write every request (kind, start, end, status) to this file")
    p.add_argument("--keep", action="store_true",
                   help="keep the database and the temporary files")
    return p


if __name__ == "__main__":
    sys.exit(Rush(parser().parse_args()).main())
