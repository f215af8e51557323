"""Print the key figures of one year: `manage.py key_figures 2025 --format json`."""

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from clara.keyfigures import selectors
from clara.keyfigures.views import MAX_YEAR, MIN_YEAR, json_number


class Command(BaseCommand):
    help = "Affiche les chiffres clefs d'une année, calculés à partir des dossiers."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="Année, par exemple 2025.")
        parser.add_argument(
            "--format", choices=["json", "csv", "text"], default="text",
            help="json : un objet plat de clés pointées ; csv : clé,valeur ; text : lisible.",
        )

    def handle(self, *args, year: int, format: str, **options):
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CommandError(f"Année hors de la période couverte ({MIN_YEAR}–{MAX_YEAR}).")
        catalogue = selectors.figure_catalogue()
        figures = {key: json_number(value) for key, value in
                   selectors.key_figures_for_year(year, catalogue).items()}
        if format == "json":
            self.stdout.write(json.dumps(figures, indent=2, ensure_ascii=False))
        elif format == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(["key", "value"])
            writer.writerows(figures.items())
        else:
            width = max(len(key) for key in figures)
            for key, value in figures.items():
                label = catalogue[key].label
                self.stdout.write(f"{key:<{width}}  {value:>10}  {label}")
