"""A funded project's public page during a database outage: the 503 page, like every other
page, not "page not found" (its view turns any lookup error into a 404, for a pk beyond the
column's range). bench/closing_rush_faults.py found it: 11 project pages answered 404 while
PostgreSQL was down."""

import pytest
from django.db import OperationalError


def _outage(*args, **kwargs):
    raise OperationalError("the database system is shutting down")


def test_a_project_page_answers_503_during_an_outage(client, monkeypatch, db):
    monkeypatch.setattr("projects.public_views.funded_project_public", _outage)

    response = client.get("/projets/1/")

    assert response.status_code == 503
    assert "Service momentanément indisponible" in response.content.decode()


@pytest.mark.parametrize("pk", ["999999", "99999999999999999999999"])
def test_an_unknown_or_out_of_range_project_is_still_not_found(client, db, pk):
    assert client.get(f"/projets/{pk}/").status_code == 404
