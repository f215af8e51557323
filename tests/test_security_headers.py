"""QUALITY.md scenario 2: security headers on the public site and the login pages."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("published_years")]


@pytest.mark.parametrize(
    "url", ["/", "/admin/login/", "/comptes/login/", "/chiffres-clefs/2025/", "/en/"]
)
@pytest.mark.parametrize("cached", [False, True])
def test_security_headers_present(client, url, cached):
    """Also on a public page answered from the cache (the second view)."""
    from tests.factories import TeamCensusFactory

    TeamCensusFactory(year=2025)
    response = client.get(url)
    if cached:
        response = client.get(url)
    # The admin's login sends to the site's (allauth's) login page, with the same headers.
    assert response.status_code == (302 if url == "/admin/login/" else 200)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
