"""Production settings: refuse to start without a real secret, pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
STRONG_SECRET_KEY = "t9Qm2vXr7LpZc4Wk8NbJ3HdYs6FgAe1UoRiT5yEwKqMnBvCxZl0PaSdGfHjKuYtR"


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "CSRF_"))
        and key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="clara.settings",
        DJANGO_DEBUG="0",
        # Set (not just removed) so that a developer's .env cannot fill it in: settings read
        # .env without overwriting variables already present.
        SECRET_KEY="",
        ALLOWED_HOSTS="clara.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "staticfiles"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private-media"),
    )
    env.update(overrides)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "secret_key",
    ["", "too-short-0123456789", "dev-only-insecure-key-never-use-in-production"],
    ids=["empty", "short", "development-key"],
)
def test_settings_without_real_secret_key_refuse_to_start(tmp_path, secret_key):
    result = _run(
        ["-c", "import django; django.setup()"],
        _production_env(tmp_path, SECRET_KEY=secret_key),
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_settings_without_allowed_hosts_refuse_to_start(tmp_path):
    result = _run(
        ["-c", "import django; django.setup()"],
        _production_env(tmp_path, SECRET_KEY=STRONG_SECRET_KEY, ALLOWED_HOSTS=""),
    )

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_settings_production_pass_check_deploy(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _production_env(tmp_path, SECRET_KEY=STRONG_SECRET_KEY),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_migrations_do_not_depend_on_this_machine(tmp_path):
    # A storage path (or anything else read from the environment) baked into a migration
    # makes `makemigrations --check` fail on every other checkout.
    env = _production_env(
        tmp_path, SECRET_KEY=STRONG_SECRET_KEY, PRIVATE_MEDIA_ROOT=str(tmp_path / "elsewhere")
    )
    result = _run(["manage.py", "makemigrations", "--check", "--dry-run"], env)
    assert result.returncode == 0, result.stdout + result.stderr
