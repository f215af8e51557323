"""Every importable model: the demo data exported and imported back changes nothing (no new,
no updated row; people without ORCID iD are found again, not duplicated)."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from clara.network.resources import (
    OrganisationResource,
    PersonResource,
    TeamCensusResource,
    TeamResource,
)
from events.resources import EventResource
from funding.resources import AwardResource
from programmes.resources import ApplicationResource, CallResource
from projects.resources import FundedProjectResource

pytestmark = pytest.mark.django_db

RESOURCES = [
    OrganisationResource, TeamResource, TeamCensusResource, PersonResource, CallResource,
    ApplicationResource, AwardResource, FundedProjectResource, EventResource,
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.__name__)
def test_demo_export_imports_back_without_any_change(demo, resource_class):
    model = resource_class._meta.model
    before = model._default_manager.count()
    dataset = resource_class().export()
    assert len(dataset) == before > 0

    result = resource_class().import_data(dataset, dry_run=False)

    assert not result.base_errors, [str(e.error) for e in result.base_errors]
    assert not result.has_errors(), [e.error for row in result.rows for e in row.errors][:3]
    assert not result.has_validation_errors(), [
        (r.number, r.error_dict) for r in result.invalid_rows][:3]
    assert result.totals["new"] == result.totals["update"] == 0
    assert result.totals["skip"] == before
    assert model._default_manager.count() == before
