"""QUALITY.md scenario 12: two staff members edit the same record in the admin; the second
save is refused with a message and the first change is kept."""

from decimal import Decimal

import pytest

from funding.models import Award
from programmes.models import Application
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    ContributionFactory,
    SuperUserFactory,
)
from tests.helpers import admin_post_data

pytestmark = pytest.mark.django_db


def _client(client_class):
    client = client_class()
    client.force_login(SuperUserFactory())
    return client


def test_admin_second_save_of_same_version_is_refused(client):
    from django.test import Client

    award = AwardFactory(amount=Decimal("40000"))
    ContributionFactory(award=award, amount=Decimal("40000"))
    url = f"/admin/funding/award/{award.pk}/change/"
    alice, bob = _client(Client), _client(Client)
    alice_data = admin_post_data(alice.get(url))
    bob_data = admin_post_data(bob.get(url))

    alice_data.update({"amount": "45000", "contributions-0-amount": "45000"})
    assert alice.post(url, alice_data).status_code == 302

    bob_data.update({"amount": "50000", "contributions-0-amount": "50000"})
    response = bob.post(url, bob_data)

    assert response.status_code == 200
    assert "modifié par une autre personne" in response.content.decode()
    award.refresh_from_db()
    assert award.amount == Decimal("45000")
    assert award.history.count() == 2


def test_admin_save_after_reload_goes_through(client):
    from django.test import Client

    application = ApplicationFactory(status=Application.Status.SUBMITTED)
    url = f"/admin/programmes/application/{application.pk}/change/"
    staff = _client(Client)
    data = admin_post_data(staff.get(url))
    data["status"] = Application.Status.ELIGIBLE
    assert staff.post(url, data).status_code == 302
    data = admin_post_data(staff.get(url))
    data["status"] = Application.Status.UNDER_REVIEW
    assert staff.post(url, data).status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_REVIEW
    latest = application.history.first()
    assert latest.history_user is not None  # who changed it is recorded


def test_admin_post_without_version_is_refused(client):
    from django.test import Client

    award = AwardFactory(amount=Decimal("40000"))
    url = f"/admin/funding/award/{award.pk}/change/"
    staff = _client(Client)
    data = admin_post_data(staff.get(url))
    data.pop("edit_version")
    data["amount"] = "1"
    response = staff.post(url, data)
    assert response.status_code == 200
    assert Award.objects.get(pk=award.pk).amount == Decimal("40000")
