"""Awards in the admin go through the funding services: the split is checked with the
amount, the envelope holds, contributions are never edited on their own."""

from decimal import Decimal

import pytest

from funding.models import Award, Contribution
from programmes.models import Application
from tests import factories as f
from tests.helpers import admin_post_data

pytestmark = pytest.mark.django_db

ADD = "/admin/funding/award/add/"


def _add_data(client, application, amount, split):
    data = admin_post_data(client.get(ADD))
    data.update({
        "application": application.pk, "amount": amount,
        "decided_at_0": "26/06/2025", "decided_at_1": "18:00:00",
        "contributions-TOTAL_FORMS": str(len(split)),
    })
    for index, (funder, value) in enumerate(split):
        data[f"contributions-{index}-funder"] = funder.pk
        data[f"contributions-{index}-amount"] = value
    return data


def test_award_admin_records_the_award_with_its_split(superuser_client, superuser):
    application = f.ApplicationFactory(status=Application.Status.SELECTED)
    inca, ligue = f.FunderFactory(), f.FunderFactory()
    data = _add_data(superuser_client, application, "30000",
                     [(inca, "20000"), (ligue, "10000")])

    response = superuser_client.post(ADD, data)

    assert response.status_code == 302
    award = Award.objects.get()
    assert award.amount == Decimal("30000")
    assert award.contributions.count() == 2
    assert award.history.get().history_user == superuser


def test_award_admin_refuses_a_split_that_does_not_add_up(superuser_client):
    application = f.ApplicationFactory(status=Application.Status.SELECTED)
    inca = f.FunderFactory()
    data = _add_data(superuser_client, application, "30000", [(inca, "20000")])

    response = superuser_client.post(ADD, data)

    assert response.status_code == 200
    [formset] = [fs for fs in response.context["inline_admin_formsets"]
                 if fs.formset.model is Contribution]
    assert formset.formset.non_form_errors()[0].startswith(
        "Les contributions des financeurs font 20\u202f000\xa0€"
    )
    assert not Award.objects.exists() and not Contribution.objects.exists()


def test_award_admin_refuses_to_exceed_the_envelope(superuser_client):
    call = f.CallFactory(budget=Decimal("25000"))
    application = f.ApplicationFactory(call=call, status=Application.Status.SELECTED)
    inca = f.FunderFactory()
    data = _add_data(superuser_client, application, "30000", [(inca, "30000")])

    response = superuser_client.post(ADD, data)

    assert response.status_code == 200
    assert "L&#x27;enveloppe de l&#x27;appel" in response.content.decode()
    assert not Award.objects.exists()


def test_contribution_admin_is_read_only(superuser_client):
    contribution = f.ContributionFactory(amount=Decimal("20000"))
    url = f"/admin/funding/contribution/{contribution.pk}/change/"
    response = superuser_client.post(url, {"amount": "1"})
    assert response.status_code == 403
    assert superuser_client.get("/admin/funding/contribution/add/").status_code == 403
    contribution.refresh_from_db()
    assert contribution.amount == Decimal("20000")


def test_call_admin_refuses_an_envelope_below_the_awards(superuser_client):
    from tests.helpers import admin_post_data as post_data

    call = f.CallFactory(budget=Decimal("100000"))
    f.AwardFactory(application=f.ApplicationFactory(
        call=call, status=Application.Status.SELECTED), amount=Decimal("60000"))
    url = f"/admin/programmes/call/{call.pk}/change/"
    data = post_data(superuser_client.get(url))
    data["budget"] = "59999.99"

    response = superuser_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["budget"] == [
        "Les financements déjà accordés sur cet appel font 60\u202f000\xa0€ : l'enveloppe ne "
        "peut pas être inférieure."
    ]
    call.refresh_from_db()
    assert call.budget == Decimal("100000")
    data["budget"] = "60000"
    assert superuser_client.post(url, data).status_code == 302


def test_call_import_refuses_an_envelope_below_the_awards():
    import tablib

    from programmes.resources import CallResource

    call = f.CallFactory(budget=Decimal("100000"))
    f.AwardFactory(application=f.ApplicationFactory(
        call=call, status=Application.Status.SELECTED), amount=Decimal("60000"))
    exported = CallResource().export()
    row = dict(zip(exported.headers, exported[0], strict=True))
    row["enveloppe budgétaire (€)"] = "50000"

    result = CallResource().import_data(tablib.Dataset(list(row.values()), headers=list(row)))

    assert result.has_validation_errors()
    call.refresh_from_db()
    assert call.budget == Decimal("100000")
