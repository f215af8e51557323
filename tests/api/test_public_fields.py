"""The API answers only the public representation: the allowlist follows clara/public.py,
the OpenAPI description keeps to it, and the checks the fuzz relies on can fail."""

import datetime as dt

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from clara.public import representation_of
from tests import factories as f
from tests.api.conftest import HIDDEN, add_records
from tests.api.public_fields import HEADER_KEYS, allowed, outside, project_row_keys

pytestmark = pytest.mark.django_db


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_allowlist_columns_are_the_columns_of_clara_public():
    with translation.override("fr"):
        for model, keys in HEADER_KEYS.items():
            headers = {str(column.header) for column in representation_of(model).columns}
            assert headers == set(keys), model.__name__


def test_every_component_of_the_description_keeps_to_the_allowlist():
    add_records(1)
    allow = allowed(project_row_keys())
    components = _schema()["components"]["schemas"]
    objects = {name: set(schema["properties"]) for name, schema in components.items()
               if "properties" in schema}
    assert set(objects) == set(allow)
    for name, properties in objects.items():
        assert properties <= allow[name], (name, properties - allow[name])


def test_project_row_is_the_row_of_the_public_list_download(client):
    add_records(1)
    row = client.get("/api/v1/projets/").json()["results"][0]
    assert set(row) == project_row_keys()
    download = client.get("/projets/?format=json").json()["projects"][0]
    assert {key: str(value) for key, value in row.items() if key != "url"} == {
        key: str(value) for key, value in download.items() if key != "url"}


def test_outside_finds_a_key_that_is_not_public():
    add_records(1)
    allow = allowed(project_row_keys())
    components = _schema()["components"]["schemas"]
    page = {"$ref": "#/components/schemas/PaginatedProjectList"}
    row = dict.fromkeys(project_row_keys(), "")
    assert outside({"count": 1, "next": None, "previous": None, "results": [row]}, page,
                   components, allow) == []
    leaked = {"count": 1, "next": None, "previous": None,
              "results": [{**row, "applicant_email": "a@b.fr"}]}
    assert outside(leaked, page, components, allow) == [
        "/results/0/applicant_email (Project)"]


def test_people_are_named_only_with_their_consent(client, published_years):
    add_records(2)
    bodies = []
    for project in client.get("/api/v1/projets/").json()["results"]:
        bodies.append(client.get(f"/api/v1/projets/{project['id']}/").content.decode())
    for event in client.get("/api/v1/evenements/").json()["results"]:
        bodies.append(client.get(f"/api/v1/evenements/{event['id']}/").content.decode())
    text = "\n".join(bodies)
    assert HIDDEN not in text and "@" not in text
    # The consenting ones are named: principal investigator (0), co-applicant (101), speaker.
    assert "Camille Nommée0" in text and "Camille Nommée101" in text
    assert "Camille Nommée200" in text
    assert '"co_applicants_unnamed":1' in text.replace(" ", "")


def test_a_person_who_withdraws_consent_is_no_longer_named(client):
    person = f.PersonFactory(last_name="Retrait", public_consent_on=dt.date(2024, 1, 1))
    project = f.FundedProjectFactory(award=f.AwardFactory(
        application=f.ApplicationFactory(principal_investigator=person, status="selected")))
    url = f"/api/v1/projets/{project.pk}/"
    assert client.get(url).json()["principal_investigator"].endswith("Retrait")
    person.public_consent_on = None
    person.save()
    assert client.get(url).json()["principal_investigator"] is None
