"""SQLite configured for several writers at once (settings.SQLITE_OPTIONS): two threads that
save at the same time to a file database both succeed, where SQLite's default transactions
answer one of them "database is locked".

The threads use a database file of their own (the test database of SQLite runs in memory), opened
with the project's options; on PostgreSQL runs too, the test still exercises SQLite."""

import threading
import time

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import OperationalError, connections, transaction

ALIAS = "sqlite_concurrency"


@pytest.fixture
def file_database(tmp_path, django_db_blocker):
    """A function opening a SQLite file database under ALIAS with the given OPTIONS, with the
    `auth_group` table (a model no signal receiver of the project writes about); the alias is removed afterwards."""

    def open_database(options):
        configured = connections.configure_settings({
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp_path / "concurrency.sqlite3"),
                "OPTIONS": dict(options),
            }
        })
        connections.settings[ALIAS] = configured["default"]
        with connections[ALIAS].schema_editor() as editor:
            editor.create_model(Group)
        connections[ALIAS].close()

    with django_db_blocker.unblock():
        yield open_database
        connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


def save_at_once(between_read_and_write, names=("Lyon", "Grenoble")):
    """Each name saved by its own thread, all starting together; each reads the table first
    (as a form's validation does), calls `between_read_and_write`, then writes. The errors."""
    start = threading.Barrier(len(names))
    errors = []

    def save(name):
        try:
            start.wait(timeout=10)
            with transaction.atomic(using=ALIAS):
                Group.objects.using(ALIAS).count()
                between_read_and_write()
                Group.objects.using(ALIAS).create(name=name)
        except OperationalError as error:
            errors.append(error)
        finally:
            connections[ALIAS].close()

    threads = [threading.Thread(target=save, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_sqlite_options_are_those_of_the_default_database_on_sqlite():
    assert settings.SQLITE_OPTIONS["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in settings.SQLITE_OPTIONS["init_command"]
    default = settings.DATABASES["default"]
    if default["ENGINE"] == "django.db.backends.sqlite3":
        assert default["OPTIONS"].items() >= settings.SQLITE_OPTIONS.items()


def test_two_simultaneous_saves_both_succeed(file_database):
    file_database(settings.SQLITE_OPTIONS)

    # Long enough that, without the lock taken at BEGIN, both threads would have read
    # before either writes.
    errors = save_at_once(lambda: time.sleep(0.5))

    assert errors == []
    assert sorted(Group.objects.using(ALIAS).values_list("name", flat=True)) == [
        "Grenoble", "Lyon",
    ]
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == settings.SQLITE_TIMEOUT * 1000


def test_deferred_transactions_answer_database_is_locked(file_database):
    """What the options prevent: with SQLite's default (DEFERRED) transactions, two that have
    both read cannot both write, whatever the timeout."""
    file_database({**settings.SQLITE_OPTIONS, "transaction_mode": "DEFERRED"})
    both_have_read = threading.Barrier(2)

    errors = save_at_once(lambda: both_have_read.wait(timeout=10))

    assert [str(error) for error in errors] == ["database is locked"]
    assert Group.objects.using(ALIAS).count() == 1
