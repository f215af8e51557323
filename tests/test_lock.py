"""The lock files pin every dependency of pyproject.toml to an exact, hashed version
(production installs with `pip install --require-hashes -r requirements.lock`). After a change
of dependencies, `make lock` writes them again; this test fails until then. No network."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s\\;]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")
LOCKS = {
    "requirements.lock": (),
    "requirements-dev.lock": ("dev",),
    "requirements-e2e.lock": ("dev", "e2e"),
}
# The lock is resolved for the machines that install it: Linux, Python 3.11.
ENVIRONMENT = {"python_version": "3.11", "python_full_version": "3.11.0",
               "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"}


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def read_lock(name: str) -> dict[str, tuple[Version, int]]:
    """{canonical name: (pinned version, number of hashes)} of a lock file."""
    pins: dict[str, tuple[Version, int]] = {}
    current = None
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (Version(match.group(2)), 0)
        elif current and line.startswith((" ", "\t")):  # the pin's hashes and comments
            version, hashes = pins[current]
            pins[current] = (version, hashes + len(HASH.findall(line)))
        else:
            current = None
    return pins


def wanted(extras: tuple[str, ...]) -> list[Requirement]:
    project = pyproject()
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    requirements = [Requirement(line) for line in lines]
    return [r for r in requirements if r.marker is None or r.marker.evaluate(ENVIRONMENT)]


@pytest.mark.parametrize(("lock", "extras"), LOCKS.items(), ids=list(LOCKS))
def test_lock_pins_every_dependency_of_pyproject(lock, extras):
    pins = read_lock(lock)
    problems = []
    for requirement in wanted(extras):
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement.name} is not in {lock}")
        elif not requirement.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"{requirement.name}=={pins[name][0]} does not meet {requirement}")
    assert problems == [], "run `make lock`: " + "; ".join(problems)


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_pins_have_hashes(lock):
    pins = read_lock(lock)
    assert pins
    assert [name for name, (_version, hashes) in pins.items() if hashes == 0] == []


@pytest.mark.parametrize("lock", ["requirements-dev.lock", "requirements-e2e.lock"])
def test_development_locks_keep_the_production_versions(lock):
    production = {name: version for name, (version, _h) in read_lock("requirements.lock").items()}
    development = {name: version for name, (version, _h) in read_lock(lock).items()}
    assert {name: development.get(name) for name in production} == production


def test_django_floor_excludes_releases_without_security_fixes():
    (django,) = [Requirement(line) for line in pyproject()["dependencies"]
                 if canonicalize_name(Requirement(line).name) == "django"]
    assert not django.specifier.contains("5.2.7")
    assert django.specifier.contains("5.2.8")
    assert not django.specifier.contains("5.3")
    assert read_lock("requirements.lock")["django"][0] >= Version("5.2.8")


def test_read_lock_sees_a_missing_hash(tmp_path, monkeypatch):
    """The parser itself: a pin without hash and a continuation line are told apart."""
    (tmp_path / "x.lock").write_text(
        "a==1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n    # via b\nb==2.0\n", encoding="utf-8"
    )
    monkeypatch.setattr("tests.test_lock.ROOT", tmp_path)
    assert read_lock("x.lock") == {"a": (Version("1.0"), 1), "b": (Version("2.0"), 0)}
