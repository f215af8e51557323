import re

import pytest

pytestmark = pytest.mark.django_db

STYLESHEET_HREF = re.compile(r'<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]*)"')
SCRIPT_SRC = re.compile(r'<script\b[^>]*\bsrc="([^"]*)"')


def test_home_is_french_by_default(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Lyon" in html
    assert "Saint-Étienne" in html
    assert "Partenaires" in html and "Territoire" in html


def test_home_is_english_under_en(client):
    response = client.get("/en/")

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_home_address_without_prefix_stays_french_whatever_the_browser(client):
    """One address, one language: a shared link shows the same page to everybody."""
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="fr">' in html


def test_language_links_lead_to_the_same_page_in_the_other_language(client):
    html = client.get("/chiffres-clefs/2025/?x=1").content.decode()
    assert 'href="/en/chiffres-clefs/2025/?x=1" lang="en"' in html
    html = client.get("/en/").content.decode()
    assert 'href="/" lang="fr"' in html
    # A plain link: the public pages carry no form and no CSRF token.
    assert "csrfmiddlewaretoken" not in html


def test_home_serves_css_and_js_only_from_static(client):
    html = client.get("/").content.decode()

    stylesheets = STYLESHEET_HREF.findall(html)
    scripts = SCRIPT_SRC.findall(html)
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in stylesheets
    assert "/static/vendor/bootstrap/js/bootstrap.bundle.min.js" in scripts
    assert all(url.startswith("/static/") for url in stylesheets + scripts)
    assert "cdn" not in html.lower()


def test_home_shows_admin_link_only_to_staff(client, django_user_model):
    assert 'href="/admin/"' not in client.get("/").content.decode()

    staff = django_user_model.objects.create_user(
        email="equipe@example.org", password="x-Unused-pw-42", is_staff=True
    )
    client.force_login(staff)

    assert 'href="/admin/"' in client.get("/").content.decode()


def test_favicon_is_served_from_static(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"


def test_home_shows_open_calls_latest_projects_figures_and_next_events(client, published_years):
    import datetime as dt
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests import factories as f

    now = timezone.now()
    f.CallFactory(title="Oncostarter Blanc 2027", slug="ob-2027",
                  opens_at=now - dt.timedelta(days=3), closes_at=now + dt.timedelta(days=30),
                  year=(now + dt.timedelta(days=30)).year)
    f.FundedProjectFactory(name="LIPISCAN", award=f.AwardFactory(amount=Decimal("40000")))
    f.TeamCensusFactory(year=now.year - 1)
    f.EventFactory(title="Forum CLARA", start_date=timezone.localdate() + dt.timedelta(days=9),
                   end_date=timezone.localdate() + dt.timedelta(days=10))

    def get():
        from django.core.cache import caches

        caches["public"].clear()
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/").content.decode()
        return page, len(queries.captured_queries)

    page, few = get()
    assert "Oncostarter Blanc 2027" in page and 'href="/appels/ob-2027/"' in page
    assert "LIPISCAN" in page and f"{now.year - 1} en chiffres" in page
    assert "Forum CLARA" in page
    for _ in range(3):
        f.FundedProjectFactory()
    _page, many = get()
    assert few == many


def test_footer_names_the_co_funders_and_follows_the_records(client):
    from tests import factories as f

    project = f.FundedProjectFactory()
    f.ContributionFactory(award=project.award, funder=f.FunderFactory(
        name="Région Auvergne-Rhône-Alpes", short_name="Région AURA"),
        amount=project.award.amount)
    page = client.get("/appels/").content.decode()
    footer = page.split("<footer", 1)[1]
    assert "Région AURA" in footer and 'href="/partenaires/"' in footer
    # A new co-funder appears on the next page, without waiting for the cache to expire.
    other = f.FundedProjectFactory()
    f.ContributionFactory(award=other.award, funder=f.FunderFactory(name="Ligue contre le cancer", short_name=""),
                          amount=other.award.amount)
    footer = client.get("/appels/").content.decode().split("<footer", 1)[1]
    assert "Ligue contre le cancer" in footer
