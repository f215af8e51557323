"""`manage.py restore BACKUP_DIR`: a backup of `manage.py backup` into an EMPTY database and an
empty (or absent) PRIVATE_MEDIA_ROOT, then verified against its manifest. Refuses, changing
nothing, a target that is not empty or a backup whose checksums do not match; there is no
option to overwrite. The logic is in clara/backup.py."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clara import backup
from programmes.management.commands.backup import human_bytes

MAX_PROBLEMS_SHOWN = 20


class Command(BaseCommand):
    help = ("Restaure une sauvegarde (dossier clara-…) dans une base de données vide et un "
            "dossier de pièces jointes vide, puis vérifie les lignes et les sommes de contrôle.")

    def add_arguments(self, parser):
        parser.add_argument("backup_dir", type=Path,
                            help="Dossier d'une sauvegarde, par exemple /var/backups/clara/"
                                 "clara-20250101T020000Z.")

    def handle(self, *args, backup_dir: Path, **options):
        try:
            result = backup.restore(backup_dir)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        self.stdout.write(_("Sauvegarde du %(created)s (%(vendor)s).") % {
            "created": manifest.get("created_at", "?"), "vendor": manifest["database_vendor"]})
        self.stdout.write(_("Base restaurée : %(tables)s tables, %(rows)s lignes.")
                          % {"tables": result.tables, "rows": result.rows})
        self.stdout.write(ngettext(
            "Pièces jointes restaurées : %(files)s fichier, %(size)s.",
            "Pièces jointes restaurées : %(files)s fichiers, %(size)s.", result.files,
        ) % {"files": result.files, "size": human_bytes(result.file_bytes)})
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if result.problems:
            shown = result.problems[:MAX_PROBLEMS_SHOWN]
            more = len(result.problems) - len(shown)
            lines = "\n".join(f"  {problem}" for problem in shown)
            if more:
                lines += "\n  " + _("… et %(count)s autres différences.") % {"count": more}
            raise CommandError(_(
                "La restauration ne correspond pas au manifeste (%(count)s différences) :\n"
                "%(lines)s"
            ) % {"count": len(result.problems), "lines": lines})
        self.stdout.write(self.style.SUCCESS(_(
            "Vérification réussie : lignes de chaque table, migrations et sommes de contrôle des "
            "fichiers identiques au manifeste (%(seconds).1f s)."
        ) % {"seconds": result.seconds}))
        if result.migrations_pending:
            self.stdout.write(_("Des migrations restent à appliquer à ce code : lancez "
                                "« manage.py migrate »."))
