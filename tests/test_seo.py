"""Sharing and search engines: robots.txt, a bilingual sitemap of every public page, and
each public page's canonical address and language alternates."""

import re

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_robots_txt_keeps_private_spaces_out_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    for path in ("/admin/", "/mon-espace/", "/en/mon-espace/", "/comptes/", "/evaluations/"):
        assert f"Disallow: {path}" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


def test_sitemap_lists_every_public_page_in_both_languages_with_alternates(client):
    call = f.CallFactory(slug="oncostarter-2026")
    project = f.FundedProjectFactory()
    event = f.EventFactory()
    index = client.get("/sitemap.xml").content.decode()
    sections = re.findall(r"<loc>(http://testserver/sitemap-[^<]+)</loc>", index)
    assert len(sections) == 6
    body = "".join(client.get(url.replace("http://testserver", "")).content.decode()
                   for url in sections)
    team = f.TeamFactory()
    project.award.application.teams.add(team)
    body += client.get("/sitemap-partenaires.xml").content.decode()
    for path in ("/", "/appels/", "/projets/", f"/appels/{call.slug}/",
                 f"/projets/{project.pk}/", "/evenements/", f"/evenements/{event.pk}/",
                 "/partenaires/", f"/partenaires/{team.organisation_id}/", "/territoire/"):
        assert f"<loc>http://testserver{path}</loc>" in body, path
        assert f"<loc>http://testserver/en{path}</loc>" in body, path
    assert ('hreflang="en" href="http://testserver/en/projets/' in body
            and 'hreflang="x-default"' in body)
    # Nothing private: no application, account or review address.
    assert "/mon-espace/" not in body and "/evaluations/" not in body


def test_sitemap_of_projects_runs_one_query_whatever_their_number(
    client, django_assert_num_queries
):
    f.FundedProjectFactory()
    with django_assert_num_queries(1):
        client.get("/sitemap-projets.xml")
    for _ in range(3):
        f.FundedProjectFactory()
    with django_assert_num_queries(1):
        client.get("/sitemap-projets.xml")


def test_public_pages_say_their_canonical_address_and_language_alternates(client):
    page = client.get("/appels/").content.decode()
    assert '<link rel="canonical" href="http://testserver/appels/">' in page
    assert '<link rel="alternate" hreflang="en" href="http://testserver/en/appels/">' in page
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver/appels/">' in page
    assert '<meta name="description" content="' in page
    assert '<meta property="og:site_name" content="CLARA">' in page
    english = client.get("/en/appels/").content.decode()
    assert '<link rel="canonical" href="http://testserver/en/appels/">' in english
