"""`manage.py import_spreadsheet <model> <file> [--dry-run]`: the admin's import of one
model, from the command line, for files of any size. All or nothing: one refused row and
nothing of the file is written; the errors are printed in French with their line."""

from pathlib import Path

from django.contrib import admin
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext

from clara.spreadsheets.services import (
    format_of,
    read_dataset,
    spreadsheet_import_file,
    summarise,
)


def importable_models() -> dict[str, type]:
    """"app_label.model_name" → the admin of every model that offers a spreadsheet import."""
    return {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
        if hasattr(model_admin, "get_import_resource_classes")
    }


class Command(BaseCommand):
    help = "Importe un fichier CSV ou XLSX (tout ou rien), comme l'import de l'administration."

    def add_arguments(self, parser):
        parser.add_argument("model", help="app_label.modèle, par exemple programmes.application")
        parser.add_argument("file", help="fichier .csv (UTF-8) ou .xlsx")
        parser.add_argument("--dry-run", action="store_true",
                            help="vérifier seulement : rien n'est enregistré")
        parser.add_argument("--resource", default="",
                            help="nom de la classe d'import quand le modèle en a plusieurs")

    def handle(self, *args, model, file, dry_run, resource, **options):
        translation.activate("fr")
        admins = importable_models()
        model_admin = admins.get(model.lower())
        if model_admin is None:
            raise CommandError(gettext("« %(model)s » ne s'importe pas. Modèles possibles : "
                                       "%(models)s.") % {"model": model,
                                                         "models": ", ".join(sorted(admins))})
        classes = list(model_admin.resource_classes)
        if resource:
            classes = [c for c in classes if c.__name__ == resource]
            if not classes:
                raise CommandError(gettext("Import inconnu pour ce modèle : %(names)s.") % {
                    "names": ", ".join(c.__name__ for c in model_admin.resource_classes)})
        path = Path(file)
        try:
            dataset = read_dataset(path.read_bytes(), format_of(path.name))
        except OSError as error:
            raise CommandError(gettext("Fichier illisible : %(error)s") % {
                "error": error.strerror}) from None
        except ValueError as error:
            raise CommandError(str(error)) from None

        def progress(row_number):
            if row_number and row_number % 1000 == 0:
                self.stderr.write(gettext("%(done)s lignes sur %(total)s…") % {
                    "done": row_number, "total": len(dataset)})

        result = spreadsheet_import_file(
            resource_class=classes[0], dataset=dataset, dry_run=dry_run, progress=progress
        )
        totals, errors = summarise(result)
        for error in errors:
            prefix = gettext("Ligne %(line)s : ") % {"line": error["line"]} if error["line"] else ""
            self.stderr.write(prefix + " ; ".join(error["messages"]))
        summary = gettext(
            "%(new)s nouvelles lignes, %(update)s modifiées, %(skip)s inchangées, "
            "%(invalid)s refusées, %(error)s en erreur"
        ) % totals
        if errors:
            raise CommandError(gettext("Import refusé, rien n'a été enregistré (%(summary)s).")
                               % {"summary": summary})
        if dry_run:
            self.stdout.write(gettext("Vérification réussie, rien n'a été enregistré "
                                      "(%(summary)s).") % {"summary": summary})
        else:
            self.stdout.write(gettext("Import terminé (%(summary)s).") % {"summary": summary})
