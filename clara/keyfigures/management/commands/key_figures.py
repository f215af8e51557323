"""Print the key figures of one year (`manage.py key_figures 2025 --format json`) or of a span
of years (`manage.py key_figures --from 2003 --to 2022 --format json`: additive figures summed,
distinct ones counted once, as clara/keyfigures/period.py says, and the history figures)."""

import csv
import json

from django.core.management.base import BaseCommand, CommandError

from clara.keyfigures import period, selectors
from clara.keyfigures.views import MAX_YEAR, MIN_YEAR, json_number


class Command(BaseCommand):
    help = ("Affiche les chiffres clefs d'une année, ou d'une période avec --from et --to, "
            "calculés à partir des dossiers.")

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, nargs="?", help="Année, par exemple 2025.")
        parser.add_argument("--from", dest="start", type=int,
                            help="Première année d'une période, par exemple 2003.")
        parser.add_argument("--to", dest="end", type=int,
                            help="Dernière année d'une période, par exemple 2022.")
        parser.add_argument(
            "--format", choices=["json", "csv", "text"], default="text",
            help="json : un objet plat de clés pointées ; csv : clé,valeur ; text : lisible.",
        )

    def handle(self, *args, year, start, end, format: str, **options):
        if year is not None and (start is not None or end is not None):
            raise CommandError("Donnez une année, ou une période avec --from et --to, pas les deux.")
        if year is not None:
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise CommandError(f"Année hors de la période couverte ({MIN_YEAR}–{MAX_YEAR}).")
            catalogue = selectors.figure_catalogue()
            values = selectors.key_figures_for_year(year, catalogue)
        elif start is not None and end is not None:
            if not period.check_span(start, end):
                raise CommandError(
                    f"Période invalide : il faut {period.MIN_YEAR} ≤ --from ≤ --to ≤ "
                    f"{period.MAX_YEAR}.")
            catalogue = {**selectors.figure_catalogue(), **period.OWN_FIGURES,
                         period.TOTAL.key: period.TOTAL}
            values = period.key_figures_for_period(start, end, catalogue)
        else:
            raise CommandError("Donnez une année (2025) ou une période (--from 2003 --to 2022).")
        figures = {key: json_number(value) for key, value in values.items()}
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
