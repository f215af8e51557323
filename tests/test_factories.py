"""Every factory builds a row that passes model validation, and many can be created."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

FACTORIES = [
    getattr(factories, name)
    for name in dir(factories)
    if name.endswith("Factory") and name != "DjangoModelFactory"
]


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_builds_valid_rows_repeatedly(factory_class):
    rows = factory_class.create_batch(3)

    for row in rows:
        row.full_clean()
    assert len({row.pk for row in rows}) == 3


def test_application_factory_draft_has_no_submission_time():
    application = factories.ApplicationFactory(status="draft")

    assert application.submitted_at is None


def test_call_factory_closes_after_opening():
    call = factories.CallFactory(with_track=True)

    assert call.closes_at > call.opens_at
    assert call.opens_at.tzinfo is not None
    assert call.track.programme == call.programme
