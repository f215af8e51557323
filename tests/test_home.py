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
    assert "Accueil" in html


def test_home_follows_browser_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_home_language_switch_is_remembered(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert '<html lang="en">' in client.get("/").content.decode()


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
