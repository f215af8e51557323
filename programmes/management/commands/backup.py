"""`manage.py backup DEST_DIR [--keep N]`: the database and the private attachments into a new
folder DEST_DIR/clara-YYYYmmddTHHMMSSZ/ (database.dump, attachments.tar, manifest.json), meant
for cron. The logic, and what "consistent" means here, is in clara/backup.py."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clara import backup


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("o", "Kio", "Mio", "Gio"):
        if value < 1024 or unit == "Gio":
            return f"{value:.0f} {unit}" if unit == "o" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} o"  # pragma: no cover


class Command(BaseCommand):
    help = ("Sauvegarde la base de données et les pièces jointes privées dans un nouveau dossier "
            "DEST_DIR/clara-AAAAmmjjTHHMMSSZ/ (database.dump, attachments.tar, manifest.json).")

    def add_arguments(self, parser):
        parser.add_argument("dest_dir", type=Path,
                            help="Dossier des sauvegardes (créé s'il n'existe pas).")
        parser.add_argument(
            "--keep", type=int, metavar="N",
            help="Après une sauvegarde réussie, ne garder que les N plus récentes de DEST_DIR.",
        )

    def handle(self, *args, dest_dir: Path, keep: int | None, **options):
        if keep is not None and keep < 1:
            raise CommandError(_("--keep doit valoir au moins 1."))
        try:
            result = backup.backup(dest_dir)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        archives = manifest["archives"]
        self.stdout.write(_(
            "Base %(vendor)s : %(tables)s tables, %(rows)s lignes, %(size)s (database.dump)."
        ) % {"vendor": manifest["database_vendor"], "tables": len(manifest["row_counts"]),
             "rows": sum(manifest["row_counts"].values()),
             "size": human_bytes(archives[backup.DUMP_NAME]["bytes"])})
        files = len(manifest["attachments"])
        self.stdout.write(ngettext(
            "Pièces jointes : %(files)s fichier, %(size)s (attachments.tar).",
            "Pièces jointes : %(files)s fichiers, %(size)s (attachments.tar).", files,
        ) % {"files": files, "size": human_bytes(archives[backup.TAR_NAME]["bytes"])})
        for name in manifest["attachments_missing"]:
            self.stderr.write(self.style.WARNING(_(
                "Attention : la pièce jointe %(name)s est référencée par la base mais son fichier "
                "manque (supprimé pendant la sauvegarde, ou déjà perdu)."
            ) % {"name": name}))
        if keep is not None:
            for old in backup.prune(dest_dir, keep):
                self.stdout.write(_("Ancienne sauvegarde supprimée : %(path)s") % {"path": old})
        self.stdout.write(self.style.SUCCESS(_("Sauvegarde écrite en %(seconds).1f s : %(path)s")
                                             % {"seconds": result.seconds, "path": result.path}))
