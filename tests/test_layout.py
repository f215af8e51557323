"""The apps' domain layers import downwards only: the key figures read the domain, never the
other way; the network and accounts know nothing of the programmes; programmes (calls,
applications) knows nothing of funding, projects or events. So no cycle between apps."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOMAIN_FILES = ("models.py", "services.py", "selectors.py", "resources.py")
# app directory -> packages its domain layer must not import
FORBIDDEN = {
    "clara/accounts": ("clara.network", "programmes", "funding", "projects", "events",
                       "clara.keyfigures"),
    "clara/network": ("programmes", "funding", "projects", "events", "clara.keyfigures"),
    "programmes": ("funding", "projects", "events", "clara.keyfigures"),
    "funding": ("projects", "events", "clara.keyfigures"),
    "projects": ("events", "clara.keyfigures"),
    "events": ("clara.keyfigures",),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_domain_layer_imports_only_downwards(app):
    wrong = []
    for name in DOMAIN_FILES:
        path = ROOT / app / name
        if not path.exists():
            continue
        for module in _imports(path):
            if any(module == p or module.startswith(p + ".") for p in FORBIDDEN[app]):
                wrong.append(f"{app}/{name} imports {module}")
    assert wrong == []
