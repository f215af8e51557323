"""English translation: the catalogue is complete and the pages follow the browser language.

The interface is written in French (the source language); locale/en/LC_MESSAGES/django.po holds
the English. Its compiled django.mo is committed, so these tests read the .po with a small
parser of their own (no gettext tools or polib needed).
"""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdi]|\{\w*\}")
KEYWORD = re.compile(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(\".*\")$")


@pytest.fixture(autouse=True)
def _restore_language():
    """LocaleMiddleware activates the request's language in the test thread and leaves it
    active: give the following tests back the language they had."""
    with translation.override(translation.get_language()):
        yield


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: {"flags", "msgctxt", "msgid", "msgid_plural", "msgstr",
    "msgstr[0]", ...}, with strings unescaped and continuation lines joined. Obsolete
    entries (#~) are skipped; the header (empty msgid) is kept."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    last = None

    def flush():
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {"flags": set()}

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            last = None
        elif line.startswith("#,"):
            if "msgid" in entry:
                flush()
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if "msgid" in entry and not line.startswith("#~"):
                flush()
        elif line.startswith('"'):
            entry[last] += ast.literal_eval(line)
        else:
            match = KEYWORD.match(line)
            assert match, f"unparsable line in {path.name}: {raw!r}"
            keyword, value = match.groups()
            if keyword in ("msgctxt", "msgid") and "msgid" in entry:
                flush()
            entry[keyword] = ast.literal_eval(value)
            last = keyword
    flush()
    return entries


def translatable_entries() -> list[dict]:
    return [entry for entry in parse_po(PO_PATH) if entry["msgid"]]


def entry_label(entry: dict) -> str:
    context = f"[{entry['msgctxt']}] " if "msgctxt" in entry else ""
    return context + entry["msgid"]


def test_compiled_catalogue_matches_the_po_file():
    """django.mo (committed: a machine may lack msgfmt) holds exactly the .po's translations."""
    assert MO_PATH.exists(), "run: python manage.py compilemessages -l en"
    with MO_PATH.open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog

    stale = []
    for entry in translatable_entries():
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        if "msgid_plural" in entry:
            expected = {(key, 0): entry["msgstr[0]"], (key, 1): entry["msgstr[1]"]}
        else:
            expected = {key: entry["msgstr"]}
        if any(catalog.get(k) != v for k, v in expected.items()):
            stale.append(entry_label(entry))
    assert stale == [], "django.mo is out of date: run compilemessages -l en"


def test_every_entry_is_translated_and_not_fuzzy():
    entries = translatable_entries()
    assert len(entries) > 400

    untranslated, fuzzy = [], []
    for entry in entries:
        if "fuzzy" in entry["flags"]:
            fuzzy.append(entry_label(entry))
        if "msgid_plural" in entry:
            forms = [value for key, value in entry.items() if key.startswith("msgstr[")]
            if len(forms) < 2 or not all(forms):
                untranslated.append(entry_label(entry))
        elif not entry.get("msgstr"):
            untranslated.append(entry_label(entry))
    assert untranslated == []
    assert fuzzy == []
    header = parse_po(PO_PATH)[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]


def test_translations_keep_the_placeholders():
    broken = []
    for entry in translatable_entries():
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        if "msgid_plural" in entry:
            targets = [entry["msgstr[0]"], entry["msgstr[1]"]]
        else:
            targets = [entry["msgstr"], entry["msgstr"]]
        for source, target in zip(sources, targets, strict=True):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
                broken.append((source, target))
    assert broken == []


def test_parser_reads_plurals_contexts_and_continuations(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid ""\n"Bonjour "\n"%(name)s"\nmsgstr "Hello %(name)s"\n\n'
        'msgctxt "family name"\nmsgid "nom"\nmsgstr "last name"\n\n'
        '#, fuzzy\nmsgid "un"\nmsgid_plural "des"\nmsgstr[0] "one"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    header, hello, name, plural = parse_po(po)
    assert header["msgstr"] == "Language: en\n"
    assert hello["msgid"] == "Bonjour %(name)s"
    assert hello["flags"] == {"python-format"}
    assert name["msgctxt"] == "family name"
    assert plural["flags"] == {"fuzzy"}
    assert plural["msgstr[1]"] == ""


def test_model_and_figure_strings_translate():
    from clara.keyfigures import selectors
    from clara.network.models import Site
    from programmes.models import Application

    lyon = Site(name="Lyon", slug="lyon")

    with translation.override("en"):
        assert str(Application._meta.verbose_name) == "funding application"
        assert str(Application._meta.get_field("principal_investigator").verbose_name) == (
            "principal investigator"
        )
        assert translation.gettext("Chiffres clefs de l'année") == "Key figures of the year"
        assert str(selectors.SECTIONS["year"]) == "Key figures of the year"
        # Labels interpolated at import time must still follow the active language.
        assert str(selectors.site_figures(lyon)[0].label) == (
            "cancer researchers and doctoral students — Lyon"
        )
        assert str(selectors.FIGURES["oncostarter.selected.blanc"].label) == (
            "winning Oncostarter Open projects"
        )
    with translation.override("fr"):
        assert str(Application._meta.verbose_name) == "demande de financement"
        assert str(selectors.site_figures(lyon)[0].label) == (
            "chercheurs et doctorants en cancérologie — Lyon"
        )


@pytest.mark.django_db
@pytest.mark.usefixtures("published_years")
def test_keyfigures_page_in_english(client):
    from tests.factories import TeamCensusFactory

    TeamCensusFactory(year=2025)
    response = client.get("/en/chiffres-clefs/2025/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Key figures 2025" in html
    assert "Key figures of the year" in html
    assert "A thriving oncology network" in html
    assert "Download the 2025 figures (CSV)" in html
    assert "Chiffres clefs de l&#x27;année" not in html
    assert "Chiffres clefs de l'année" not in html
    assert "Un réseau fertile en oncologie" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("published_years")
def test_keyfigures_page_stays_french_by_default(client):
    from tests.factories import TeamCensusFactory

    TeamCensusFactory(year=2025)
    html = client.get("/chiffres-clefs/2025/").content.decode()

    assert '<html lang="fr">' in html
    assert "Un réseau fertile en oncologie" in html


@pytest.mark.django_db
def test_home_page_in_english(client):
    response = client.get("/en/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Funding and driving cancer research in Auvergne-Rhône-Alpes" in html
    assert "Key figures" in html
    assert "Skip to content" in html
    assert "Financer et animer la recherche" not in html
    assert "Chiffres clefs" not in html
    assert "Aller au contenu" not in html


@pytest.mark.django_db
def test_admin_login_in_english(client):
    """The admin's login sends to the site's login page, in the browser's language."""
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response["Location"] == "/en/comptes/login/?next=/admin/"
    html = client.get(response["Location"]).content.decode()
    assert '<html lang="en"' in html
    assert "Sign In" in html
    assert "Password" in html
    assert "Connexion" not in html
    assert "Mot de passe" not in html
