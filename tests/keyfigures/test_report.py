"""The printed activity report: the 2025 PDF of the demo data, read back as text with pypdf,
holds the figures of the 2025 report formatted as on the key-figures page, in French and in
English; it is public only for published years and fetches nothing."""

import io
import re
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import translation
from pypdf import PdfReader

from clara.formatting import format_figure
from clara.keyfigures.plurals import label_for
from clara.keyfigures.publication import year_publish
from clara.keyfigures.report import url_fetcher
from clara.keyfigures.selectors import figure_catalogue, key_figures_for_year
from tests.factories import SuperUserFactory, TeamCensusFactory
from tests.keyfigures.test_demo_report import REPORT_2025

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    """The PDF's text with line breaks and runs of spaces as one space (the layout wraps
    labels); the no-break spaces inside numbers ("3 300", "14 350 €") are kept."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[ \n]+", " ", text)


def _printed(display: str, label: str) -> re.Pattern:
    """A figure as the report prints it: the number, then its label (maybe wrapped)."""
    words = r"\s*".join(re.escape(word) for word in label.split())
    return re.compile(re.escape(display) + r"\s*" + words)


@pytest.fixture(scope="module")
def demo_reports(django_db_setup, django_db_blocker):
    """The demo's 2025 report as the public downloads it (French and English), the page's
    numbers, and the time each PDF took."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(DEBUG=True):
        call_command("load_demo", verbosity=0)
        year_publish(year=2025, user=SuperUserFactory())
        client = Client()
        result = {"pdf": {}, "seconds": {}, "expected": {}, "headers": {}, "page": {}}
        for language, prefix in (("fr", ""), ("en", "/en")):
            started = time.monotonic()
            response = client.get(f"{prefix}/chiffres-clefs/2025/rapport.pdf")
            result["seconds"][language] = time.monotonic() - started
            assert response.status_code == 200
            result["pdf"][language] = response.content
            result["headers"][language] = (response["Content-Type"],
                                           response["Content-Disposition"])
            result["page"][language] = client.get(f"{prefix}/chiffres-clefs/2025/").content.decode()
            with translation.override(language):
                catalogue = figure_catalogue()
                values = key_figures_for_year(2025, catalogue)
                result["expected"][language] = {
                    key: (format_figure(values[key], figure.unit),
                          str(label_for(figure, values[key])).split(" — ")[0])
                    for key, figure in catalogue.items()
                }
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("language", ["fr", "en"])
def test_report_pdf_holds_the_2025_figures_as_on_the_page(demo_reports, language):
    text = _text(demo_reports["pdf"][language])
    page = demo_reports["page"][language]
    missing = []
    for key in REPORT_2025:
        display, label = demo_reports["expected"][language][key]
        if key.startswith("sites."):
            # Printed under the site's name; the page shows them on their own cards.
            assert display in page
        else:
            card = page.split(f'data-key="{key}"')[1][:600]
            assert display in card, key  # the page shows the same number
        if not _printed(display, label).search(text):
            missing.append((key, display, label))
    assert missing == []


def test_report_pdf_has_the_report_numbers_formatted(demo_reports):
    fr = _text(demo_reports["pdf"]["fr"])
    en = _text(demo_reports["pdf"]["en"])
    for printed in ("1,3\xa0M€", "14\u202f350\xa0€", "275\xa0K€", "751\xa0K€", "290\xa0K€",
                    "6\u202f500\xa0€", "3\u202f300", "1\u202f900", "4,6/5", "100\xa0%"):
        assert printed in fr, printed
    for printed in ("€1.3M", "€14,350", "€275K", "€751K", "3,300", "4.6/5"):
        assert printed in en, printed
    assert "UN RÉSEAU FERTILE EN ONCOLOGIE" in fr
    assert "Lyon et alentours" in fr and "Saint-Étienne et alentours" in fr
    assert "Brouillon" not in fr


def test_report_pdf_is_a_download(demo_reports):
    for language in ("fr", "en"):
        content_type, disposition = demo_reports["headers"][language]
        assert content_type == "application/pdf"
        assert disposition == f'attachment; filename="clara-chiffres-clefs-2025-{language}.pdf"'
        assert demo_reports["pdf"][language].startswith(b"%PDF-")


def test_report_pdf_is_made_in_a_few_seconds(demo_reports):
    # Measured on the demo: about 1 s for the first (fonts loaded), 0.5 s after.
    assert max(demo_reports["seconds"].values()) < 10


def test_report_pdf_of_an_unpublished_year_is_404_for_the_public(client):
    TeamCensusFactory(year=2025)
    assert client.get("/chiffres-clefs/2025/rapport.pdf").status_code == 404
    assert client.get("/en/chiffres-clefs/2025/rapport.pdf").status_code == 404
    assert client.get("/chiffres-clefs/1850/rapport.pdf").status_code == 404


def test_report_pdf_of_an_unpublished_year_is_a_draft_for_staff(client):
    TeamCensusFactory(year=2025)
    client.force_login(SuperUserFactory())
    response = client.get("/chiffres-clefs/2025/rapport.pdf")
    assert response.status_code == 200
    assert "Brouillon — non publié" in _text(response.content)


def test_report_fetcher_refuses_the_network_and_files():
    fetcher = url_fetcher()
    for url in ("http://127.0.0.1:9/x.css", "https://example.org/font.woff2",
                "file:///etc/passwd", "ftp://example.org/x"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok")
