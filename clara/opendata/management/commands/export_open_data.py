"""Write the open-data file of a period: `manage.py export_open_data --format scdl --from 2023
--to 2025 [--output PATH]` (SCDL subventions 2.1.1 CSV) or `--format 360giving` (360Giving
1.4.3 JSON package). The file goes to PATH, or to stdout; each award or contribution left out
is reported on stderr with what it misses, and the command then exits with status 0 (the file
is valid, only incomplete). No grant at all for 360Giving, whose schema refuses an empty
package: an error and no file."""

import json

from django.core.management.base import BaseCommand, CommandError

from clara.opendata import exports
from clara.opendata.selectors import open_data_years


class Command(BaseCommand):
    help = ("Exporte les financements d'une période en données ouvertes : SCDL subventions "
            "(CSV) ou 360Giving (JSON).")

    def add_arguments(self, parser):
        parser.add_argument("--format", dest="kind", choices=["scdl", "360giving"],
                            required=True)
        parser.add_argument("--from", dest="start", help="Première année (par défaut la "
                            "première année avec des financements).")
        parser.add_argument("--to", dest="end", help="Dernière année (par défaut la dernière).")
        parser.add_argument("--output", "-o", help="Fichier à écrire (par défaut la sortie "
                            "standard).")
        parser.add_argument("--base-url", default="",
                            help="Adresse du site public (https://…), pour les liens du paquet "
                                 "360Giving.")

    def handle(self, *args, kind, start, end, output, base_url, **options):
        years = open_data_years()
        default = exports.Period(min(years), max(years)) if years else None
        if default is None and start is None and end is None:
            raise CommandError("Aucun financement de projet enregistré : rien à exporter.")
        try:
            period = exports.period_from(first=start, last=end,
                                         default=default or exports.Period(2000, 2000))
        except exports.PeriodError as error:
            raise CommandError(str(error)) from None

        if kind == "scdl":
            text, rows, problems = exports.scdl_export(period)
            written = len(rows)
        else:
            access = f"{base_url.rstrip('/')}/donnees/" if base_url else ""
            package, problems = exports.giving360_export(period, access_url=access)
            written = len(package["grants"])
            if not written:
                self._report(problems)
                raise CommandError(
                    f"Aucun financement publiable en {period.label} : le standard 360Giving "
                    "refuse un paquet vide."
                )
            text = json.dumps(package, ensure_ascii=False, indent=1) + "\n"

        if output:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
        else:
            self.stdout.write(text, ending="")
        self._report(problems)
        unit = "lignes exportées" if kind == "scdl" else "financements exportés"
        self.stderr.write(
            f"{period.label} : {written} {unit}, {len(problems)} non exportés."
            + (f" Fichier : {output}" if output else "")
        )

    def _report(self, problems):
        for problem in problems:
            who = f" — {problem.funder}" if problem.funder else ""
            self.stderr.write(
                f"Non exporté : {problem.reference} ({problem.project}){who} : "
                f"manque {' ; '.join(problem.missing)}"
            )
