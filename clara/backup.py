"""Backup and restore of CLARA: the database and the private attachments (PRIVATE_MEDIA_ROOT).

`manage.py backup DEST_DIR` (programmes/management/commands/backup.py) writes a new folder
DEST_DIR/clara-YYYYmmddTHHMMSSZ/ (UTC) holding:

- `database.dump`: on PostgreSQL `pg_dump -Fc --no-owner` with the connection settings of the
  database; on SQLite a copy made with sqlite3's online backup API (`Connection.backup`), safe
  while the site writes;
- `attachments.tar`: every file under PRIVATE_MEDIA_ROOT, by its path relative to it (the
  health check's transient probe folder `healthcheck/` excepted);
- `manifest.json`: when (UTC), the database vendor, Django's migration state (the last applied
  migration of each app), the row count of every table, the sha256 of every attachment file by
  relative path and the sha256 and size of `database.dump` and `attachments.tar`.

The folder is written as DEST_DIR/.clara-….partial and renamed once complete, so a folder named
clara-… is always a finished backup; it and its files are readable by their owner only (they
hold personal data).

Consistency. The database is dumped first, then the files are archived: every file that a row
of the dump refers to already exists when the archive is made, so it is in it. A file uploaded
after the dump is in the archive without a row (harmless: an orphan file). A file deleted
between the dump and the archive (its attachment deleted meanwhile) is referred to by a row of
the dump but missing from the archive: the backup says so, and lists it in the manifest
(`attachments_missing`). On PostgreSQL the row counts, the migration state and the files
referred to are read in the very snapshot that pg_dump dumps (`pg_export_snapshot()` and
`pg_dump --snapshot`); on SQLite they are read from the copy. So the manifest describes exactly
what the dump holds, even while the site is in use.

`manage.py restore BACKUP_DIR` (restore.py beside it) is strict: it changes nothing, and exits
with an error, unless the backup's checksums match its manifest, the backup comes from the same
database vendor, the target database has no table and PRIVATE_MEDIA_ROOT holds no file (or does
not exist). It then restores the database (`pg_restore --no-owner --no-privileges
--single-transaction`, or sqlite3's backup API into the target), extracts the attachments and
verifies: row count of every table, migration state and sha256 of every file equal to the
manifest. Any difference is reported and makes the command fail.

External programs are run with argument lists, never through a shell; the database password
goes to them in the PGPASSWORD environment variable, never on a command line.
"""

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db import Error as DatabaseError
from django.utils.translation import gettext as _

FORMAT = 1
DUMP_NAME = "database.dump"
TAR_NAME = "attachments.tar"
MANIFEST_NAME = "manifest.json"
FOLDER_PATTERN = re.compile(r"^clara-\d{8}T\d{6}Z$")
# clara/health.py writes and deletes a probe file there every few seconds.
SKIPPED_MEDIA_DIRS = frozenset({"healthcheck"})
CHUNK = 1024 * 1024
# libpq reads these from the environment; Django takes them from DATABASES["default"]["OPTIONS"].
PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY", "service": "PGSERVICE", "passfile": "PGPASSFILE",
}


class BackupError(Exception):
    """A backup or a restore that could not be done; the message is meant for the operator."""


@dataclass
class DatabaseState:
    row_counts: dict[str, int]
    migrations: dict[str, str]
    referenced_files: set[str]


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    seconds: float


@dataclass
class RestoreResult:
    manifest: dict
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    migrations_pending: bool = False


# --- helpers ------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Hashes the bytes tarfile reads, so that the manifest holds the checksum of exactly what
    went into the archive."""

    def __init__(self, f):
        self.f = f
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.f.read(size)
        self.digest.update(data)
        return data


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _attachment_column() -> tuple[str, str]:
    from programmes.models import Attachment

    return Attachment._meta.db_table, Attachment._meta.get_field("file").column


def _read_state(cursor, tables: list[str]) -> DatabaseState:
    """Row counts, migration state and files referred to, read through a DB-API cursor (of
    the snapshot on PostgreSQL, of the copy on SQLite)."""
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # noqa: S608 - catalogue names
        counts[table] = cursor.fetchone()[0]
    migrations: dict[str, str] = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            migrations[app] = name
    referenced: set[str] = set()
    table, column = _attachment_column()
    if table in counts:
        cursor.execute(
            f"SELECT {_quote(column)} FROM {_quote(table)} "  # noqa: S608 - model metadata
            f"WHERE {_quote(column)} <> ''"
        )
        referenced = {row[0] for row in cursor.fetchall()}
    return DatabaseState(counts, dict(sorted(migrations.items())), referenced)


PG_TABLES_SQL = (
    "SELECT tablename FROM pg_tables WHERE schemaname = ANY (current_schemas(false)) "
    "ORDER BY tablename"
)
SQLITE_TABLES_SQL = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
    "ORDER BY name"
)


def _tables(cursor, vendor: str) -> list[str]:
    cursor.execute(PG_TABLES_SQL if vendor == "postgresql" else SQLITE_TABLES_SQL)
    return [row[0] for row in cursor.fetchall()]


def _pg_command(program: str, settings_dict: dict) -> tuple[list[str], dict]:
    """The program's connection arguments and environment, from Django's database settings."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(_(
            "%(program)s est introuvable : installez le client PostgreSQL (de la même version "
            "majeure que le serveur, ou plus récente)."
        ) % {"program": program})
    args = [executable, f"--dbname={settings_dict['NAME']}"]
    if settings_dict.get("HOST"):
        args.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        args.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        args.append(f"--username={settings_dict['USER']}")
    args.append("--no-password")
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in PG_OPTION_ENV.items():
        if options.get(option):
            env[variable] = str(options[option])
    return args, env


def _run(args: list[str], env: dict, what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(_("%(what)s a échoué (code %(code)s) : %(detail)s") % {
            "what": what, "code": result.returncode, "detail": detail})


# --- backup -------------------------------------------------------------------------------


def _dump_postgresql(connection, path: Path) -> DatabaseState:
    args, env = _pg_command("pg_dump", connection.settings_dict)
    # A connection of our own (not Django's, which may be inside a transaction, nor one of a
    # pool): it holds a REPEATABLE READ snapshot that pg_dump dumps and that the manifest's
    # figures are read in.
    raw = connection.Database.connect(**connection.get_connection_params())
    try:
        cursor = raw.cursor()
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run([*args, "--format=custom", "--no-owner", f"--snapshot={snapshot}",
              f"--file={path}"], env, "pg_dump")
        return _read_state(cursor, _tables(cursor, "postgresql"))
    finally:
        raw.close()


def _dump_sqlite(connection, path: Path) -> DatabaseState:
    if connection.in_atomic_block:
        # sqlite3's backup would wait forever for the write lock this transaction holds.
        raise BackupError(_("Une sauvegarde SQLite ne peut pas être faite dans une transaction."))
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        # One step (pages=-1): the copy is a consistent image, even while others write.
        connection.connection.backup(copy)
        cursor = copy.cursor()
        state = _read_state(cursor, _tables(cursor, "sqlite"))
        # A plain file: no -wal/-shm files beside the dump when it is read again.
        copy.execute("PRAGMA journal_mode=DELETE")
        return state
    finally:
        copy.close()


def _archive_media(root: Path, path: Path) -> dict[str, str]:
    """Writes the tar of every regular file under `root`; returns {relative path: sha256}."""
    files: dict[str, str] = {}
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        if not root.is_dir():
            return files
        for directory, dirnames, filenames in os.walk(root):
            current = Path(directory)
            if current == root:
                dirnames[:] = [d for d in dirnames if d not in SKIPPED_MEDIA_DIRS]
            dirnames.sort()
            for filename in sorted(filenames):
                full = current / filename
                relative = full.relative_to(root).as_posix()
                try:
                    info = tar.gettarinfo(str(full), arcname=relative)
                    if not info.isfile():
                        continue  # symbolic links and the like: not attachments
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    with full.open("rb") as f:
                        reader = _HashingReader(f)
                        tar.addfile(info, reader)
                except FileNotFoundError:
                    continue  # deleted since the directory was listed
                files[relative] = reader.digest.hexdigest()
    return files


def backup(dest_dir: Path, *, using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    started = time.monotonic()
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = created.strftime("%Y%m%dT%H%M%SZ")
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        raise BackupError(_("Base de données non prise en charge : %(vendor)s.")
                          % {"vendor": connection.vendor})
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / f"clara-{stamp}"
    work = dest_dir / f".clara-{stamp}.partial"
    if final.exists() or work.exists():
        raise BackupError(_("%(path)s existe déjà : relancez dans une seconde.")
                          % {"path": final})
    work.mkdir(mode=0o700)
    work.chmod(0o700)
    try:
        dump = work / DUMP_NAME
        if connection.vendor == "postgresql":
            state = _dump_postgresql(connection, dump)
        else:
            state = _dump_sqlite(connection, dump)
        tar = work / TAR_NAME
        files = _archive_media(Path(settings.PRIVATE_MEDIA_ROOT), tar)
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "database_vendor": connection.vendor,
            "django_version": django.get_version(),
            "migrations": state.migrations,
            "row_counts": state.row_counts,
            "attachments": dict(sorted(files.items())),
            "attachments_missing": sorted(state.referenced_files - files.keys()),
            "archives": {
                name: {"sha256": sha256_file(work / name), "bytes": (work / name).stat().st_size}
                for name in (DUMP_NAME, TAR_NAME)
            },
        }
        (work / MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for child in work.iterdir():
            child.chmod(0o600)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupResult(final, manifest, time.monotonic() - started)


def prune(dest_dir: Path, keep: int) -> list[Path]:
    """Deletes the oldest finished backups of `dest_dir` beyond the `keep` newest (folders
    named clara-YYYYmmddTHHMMSSZ holding a manifest; nothing else is touched)."""
    if keep < 1:
        raise ValueError("keep must be at least 1")
    backups = sorted(
        child for child in Path(dest_dir).iterdir()
        if child.is_dir() and not child.is_symlink() and FOLDER_PATTERN.match(child.name)
        and (child / MANIFEST_NAME).is_file()
    )
    removed = backups[:-keep]
    for old in removed:
        shutil.rmtree(old)
    return removed


# --- restore ------------------------------------------------------------------------------


def _load_manifest(backup_dir: Path) -> dict:
    path = backup_dir / MANIFEST_NAME
    if not backup_dir.is_dir():
        raise BackupError(_("%(path)s n'est pas un dossier de sauvegarde.") % {"path": backup_dir})
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise BackupError(_("%(path)s est absent : ce n'est pas une sauvegarde de CLARA.")
                          % {"path": path}) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(_("%(path)s est illisible (%(error)s).")
                          % {"path": path, "error": error}) from error
    required = ("format", "database_vendor", "migrations", "row_counts", "attachments",
                "archives")
    if not isinstance(manifest, dict) or any(key not in manifest for key in required):
        raise BackupError(_("%(path)s est incomplet.") % {"path": path})
    if manifest["format"] != FORMAT:
        raise BackupError(_("Format de sauvegarde %(found)s inconnu (attendu : %(expected)s).")
                          % {"found": manifest["format"], "expected": FORMAT})
    return manifest


def _check_archives(backup_dir: Path, manifest: dict) -> None:
    for name in (DUMP_NAME, TAR_NAME):
        path = backup_dir / name
        expected = (manifest["archives"].get(name) or {}).get("sha256")
        if not path.is_file():
            raise BackupError(_("Sauvegarde incomplète : %(name)s est absent.") % {"name": name})
        found = sha256_file(path)
        if found != expected:
            raise BackupError(_(
                "Sauvegarde corrompue : la somme de contrôle (sha256) de %(name)s ne correspond "
                "pas au manifeste (attendue %(expected)s, trouvée %(found)s)."
            ) % {"name": name, "expected": expected, "found": found})


def _check_tar_members(path: Path, manifest: dict) -> None:
    """Only plain files and folders under relative paths, exactly the manifest's files."""
    names = set()
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts
            if (member.name.startswith("/") or ".." in parts
                    or not (member.isfile() or member.isdir())):
                raise BackupError(_("L'archive des pièces jointes contient une entrée refusée : "
                                    "%(name)s.") % {"name": member.name})
            if member.isfile():
                names.add(member.name)
    if names != set(manifest["attachments"]):
        raise BackupError(_("L'archive des pièces jointes ne contient pas les fichiers que le "
                            "manifeste énumère."))


def _media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if not p.is_dir()) if root.exists() else []


def _check_target(connection, media_root: Path) -> None:
    if media_root.exists() and not media_root.is_dir():
        raise BackupError(_("PRIVATE_MEDIA_ROOT (%(path)s) n'est pas un dossier.")
                          % {"path": media_root})
    files = _media_files(media_root)
    if files:
        raise BackupError(_(
            "Le dossier des pièces jointes %(path)s n'est pas vide (%(count)s fichiers). "
            "Restaurez dans un dossier vide ou absent ; rien n'a été modifié."
        ) % {"path": media_root, "count": len(files)})
    try:
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor, include_views=True)
    except DatabaseError as error:
        raise BackupError(_("La base de données cible est inaccessible : %(error)s")
                          % {"error": error}) from error
    if tables:
        raise BackupError(_(
            "La base de données cible n'est pas vide (%(count)s tables, dont %(examples)s). "
            "Restaurez dans une base vide (PostgreSQL : une base neuve, créée avec createdb ; "
            "SQLite : un fichier absent) ; rien n'a été modifié."
        ) % {"count": len(tables), "examples": ", ".join(tables[:3])})


def _restore_postgresql(connection, dump: Path) -> None:
    args, env = _pg_command("pg_restore", connection.settings_dict)
    # All or nothing: on an error the target is left as it was.
    try:
        _run([*args, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
              str(dump)], env, "pg_restore")
    except BackupError as error:
        raise BackupError(_("%(error)s La base cible n'a pas été modifiée (restauration en une "
                            "seule transaction).") % {"error": error}) from error


def _restore_sqlite(connection, dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(_("La copie de la base SQLite a échoué : %(error)s")
                          % {"error": error}) from error
    finally:
        source.close()


def _extract(tar_path: Path, media_root: Path) -> None:
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar_path) as tar:
        tar.extractall(media_root, filter="data")


def _compare(label: str, expected: dict, found: dict, problems: list[str]) -> None:
    for key in sorted(expected.keys() | found.keys()):
        if expected.get(key) != found.get(key):
            problems.append(_("%(label)s %(key)s : attendu %(expected)s, trouvé %(found)s") % {
                "label": label, "key": key, "expected": expected.get(key, "—"),
                "found": found.get(key, "—")})


def verify(connection, media_root: Path, manifest: dict, result: RestoreResult) -> None:
    """Compares the restored database and files with the manifest; fills `result`."""
    with connection.cursor() as cursor:
        state = _read_state(cursor, _tables(cursor, connection.vendor))
    _compare(_("Table"), manifest["row_counts"], state.row_counts, result.problems)
    _compare(_("Migration"), manifest["migrations"], state.migrations, result.problems)
    files = {
        path.relative_to(media_root).as_posix(): sha256_file(path)
        for path in _media_files(media_root)
    }
    _compare(_("Fichier"), manifest["attachments"], files, result.problems)
    missing = sorted(state.referenced_files - files.keys())
    known = set(manifest.get("attachments_missing", []))
    for name in missing:
        if name in known:
            result.warnings.append(_("Pièce jointe déjà absente lors de la sauvegarde : %(name)s")
                                   % {"name": name})
        else:
            result.problems.append(_("Pièce jointe sans fichier : %(name)s") % {"name": name})
    result.tables = len(state.row_counts)
    result.rows = sum(state.row_counts.values())
    result.files = len(files)
    result.file_bytes = sum((media_root / name).stat().st_size for name in files)


def _migrations_pending(connection) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def restore(backup_dir: Path, *, using: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Restores into an empty database and an empty PRIVATE_MEDIA_ROOT, then verifies.

    Raises BackupError, having changed nothing, when the backup or the target is refused; the
    differences found after restoring are in `problems` of the result."""
    started = time.monotonic()
    backup_dir = Path(backup_dir)
    connection = connections[using]
    media_root = Path(settings.PRIVATE_MEDIA_ROOT)

    manifest = _load_manifest(backup_dir)
    _check_archives(backup_dir, manifest)
    if manifest["database_vendor"] != connection.vendor:
        raise BackupError(_(
            "Cette sauvegarde vient d'une base %(source)s ; la base cible est %(target)s. "
            "Rien n'a été modifié."
        ) % {"source": manifest["database_vendor"], "target": connection.vendor})
    _check_tar_members(backup_dir / TAR_NAME, manifest)
    _check_target(connection, media_root)

    if connection.vendor == "postgresql":
        _restore_postgresql(connection, backup_dir / DUMP_NAME)
    else:
        _restore_sqlite(connection, backup_dir / DUMP_NAME)
    try:
        _extract(backup_dir / TAR_NAME, media_root)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(_(
            "La base a été restaurée, mais pas les pièces jointes : %(error)s"
        ) % {"error": error}) from error

    result = RestoreResult(manifest)
    verify(connection, media_root, manifest, result)
    result.migrations_pending = _migrations_pending(connection)
    result.seconds = time.monotonic() - started
    return result
