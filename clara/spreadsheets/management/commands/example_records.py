"""`manage.py example_records PATH.xlsx [--csv]`: write the records of the database (the
demo data, for the README's example) as the history workbook `import_records` reads: one
sheet per kind named by its slug, in dependency order, with the admin's export columns.
With `--csv`, PATH is a folder and one `<slug>.csv` is written per kind."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import translation

from clara.spreadsheets.records import KINDS, records_export_csv, records_export_xlsx


class Command(BaseCommand):
    help = ("Écrit un classeur d'exemple pour import_records (les enregistrements de la base, "
            "par exemple ceux de la démonstration), une feuille par sorte.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="fichier .xlsx à écrire (ou dossier avec --csv)")
        parser.add_argument("--csv", action="store_true",
                            help="écrire un dossier de fichiers CSV plutôt qu'un classeur")

    def handle(self, *args, path, csv, **options):
        translation.activate("fr")
        if csv:
            written = records_export_csv(path)
            self.stdout.write(f"{len(written)} fichiers CSV écrits dans {path}.")
            return
        Path(path).write_bytes(records_export_xlsx())
        self.stdout.write(f"Classeur écrit : {path} ({len(KINDS)} feuilles).")
