"""`manage.py import_records PATH [--commit]`: load the network's history (issue 11) from one
XLSX workbook (one sheet per kind of record) or a folder of CSV files (one per kind,
`<slug>.csv`), in dependency order (`clara.spreadsheets.records.KINDS`).

Dry run by default: every row error is printed (sheet, line, column, message in French) with,
per kind, how many rows would be created, updated or left unchanged; nothing is written.
`--commit` writes everything in one transaction, or nothing if any row is refused (the
command then fails). Running it twice changes nothing the second time."""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext

from clara.spreadsheets.records import KINDS, read_records, records_import


class ProgressBar:
    """A one-line progress bar, drawn only on a terminal (no dependency)."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.last = 0.0

    def __call__(self, done: int, total: int):
        now = time.monotonic()
        if done < total and now - self.last < 0.2:
            return
        self.last = now
        filled = self.WIDTH * done // total if total else self.WIDTH
        percent = 100 * done // total if total else 100
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d} % "
                          f"({done}/{total})")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = ("Charge l'historique depuis un classeur XLSX (une feuille par sorte "
            "d'enregistrement) ou un dossier de fichiers CSV. Vérification seule par défaut ; "
            "--commit enregistre tout ou rien.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="classeur .xlsx ou dossier de fichiers .csv")
        parser.add_argument("--commit", action="store_true",
                            help="enregistrer (tout ou rien) ; sans cette option, rien n'est "
                                 "enregistré")

    def handle(self, *args, path, commit, **options):
        translation.activate("fr")
        source = Path(path)
        if not source.exists():
            raise CommandError(gettext("Introuvable : %(path)s") % {"path": path})
        try:
            sheets = read_records(source)
        except ValueError as error:
            raise CommandError(str(error)) from None
        progress = ProgressBar(sys.stdout) if sys.stdout.isatty() else None
        started = time.monotonic()
        report = records_import(sheets, commit=commit, progress=progress)
        elapsed = time.monotonic() - started
        order = {kind: position for position, kind in enumerate(KINDS)}
        if report.committed:
            header = gettext("créées / modifiées / inchangées")
        else:
            header = gettext("à créer / à modifier / inchangées")
        self.stdout.write(gettext("Sorte (feuille) : lignes — %(header)s") % {"header": header})
        for kind_report in sorted(report.kinds, key=lambda k: order[k.kind]):
            self.stdout.write(
                f"  {kind_report.kind.slug} ({kind_report.sheet}) : {kind_report.rows} — "
                f"{kind_report.new} / {kind_report.update} / {kind_report.skip} "
                f"({kind_report.seconds:.1f} s)"
            )
        totals = report.totals()
        self.stdout.write(gettext(
            "Total : %(rows)s lignes — %(new)s / %(update)s / %(skip)s (%(seconds).1f s)."
        ) % {**totals, "seconds": elapsed})
        if report.errors:
            self.stderr.write(gettext("%(count)s erreurs :") % {"count": len(report.errors)})
            for error in report.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(gettext(
                "Rien n'a été enregistré : corrigez les erreurs ci-dessus et relancez."
            ))
        if report.committed:
            self.stdout.write(self.style.SUCCESS(gettext("Tout a été enregistré.")))
        else:
            self.stdout.write(gettext(
                "Vérification seulement : rien n'a été enregistré (ajoutez --commit)."
            ))
