"""Staff move applications in the admin only along the transitions table, through the same
service as everyone else: the change form and the bulk actions, every (from, to) pair."""

import itertools

import pytest
from django.contrib.auth.models import Permission

from programmes.admin import ApplicationAdmin
from programmes.models import Application, Decision
from tests import factories as f
from tests.helpers import admin_post_data

pytestmark = pytest.mark.django_db

S = Application.Status
ALL_MOVES = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]


def _change_url(application):
    return f"/admin/programmes/application/{application.pk}/change/"


@pytest.mark.parametrize(("old", "new"), ALL_MOVES)
def test_application_admin_form_applies_exactly_the_transitions_table(
    superuser_client, superuser, old, new
):
    application = f.ApplicationFactory(status=old)
    history_before = application.history.count()
    data = admin_post_data(superuser_client.get(_change_url(application)))
    data.update(status=new, committee_date="26/06/2025", decision_notes="Motif du comité")

    response = superuser_client.post(_change_url(application), data)

    application.refresh_from_db()
    if new in Application.ALLOWED_TRANSITIONS[old]:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert application.status == new
        latest = application.history.first()
        assert (latest.status, latest.history_user) == (new, superuser)
        outcomes = list(application.decisions.values_list("outcome", "recorded_by"))
        assert outcomes == ([(new, superuser.pk)] if new in Application.DECISION_STATUSES else [])
    else:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["status"] == [
            f"Passage impossible de « {S(old).label} » à « {S(new).label} »."
        ]
        assert application.status == old
        assert application.history.count() == history_before
        assert not application.decisions.exists()


def test_ineligible_needs_a_reason_recorded_with_the_decision(superuser_client, superuser):
    application = f.ApplicationFactory(status=S.SUBMITTED)
    data = admin_post_data(superuser_client.get(_change_url(application)))
    data.update(status=S.INELIGIBLE, committee_date="26/06/2025", decision_notes=" ")
    response = superuser_client.post(_change_url(application), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["decision_notes"] == [
        "Indiquez pourquoi la demande n'est pas éligible."
    ]
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and not application.decisions.exists()

    data.update(decision_notes="Équipe hors du territoire CLARA.")
    assert superuser_client.post(_change_url(application), data).status_code == 302
    application.refresh_from_db()
    decision = application.decisions.get()
    assert (application.status, decision.notes, decision.recorded_by) == (
        S.INELIGIBLE, "Équipe hors du territoire CLARA.", superuser)
    assert application.history.first().history_user == superuser


def test_application_page_links_attachments_to_the_checked_download(superuser_client, settings,
                                                                   tmp_path):
    from django.core.files.base import ContentFile

    from programmes.models import Attachment

    settings.PRIVATE_MEDIA_ROOT = tmp_path
    application = f.ApplicationFactory()
    attachment = Attachment(application=application, original_name="cv.pdf", size=9)
    attachment.file.save("x.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    page = superuser_client.get(_change_url(application)).content.decode()
    url = f"/mon-espace/demandes/{application.reference}/documents/{attachment.pk}/"
    assert f'href="{url}"' in page
    assert superuser_client.get(url)["Content-Disposition"].startswith("attachment")
    assert str(tmp_path) not in page and "/media/" not in page


def test_application_admin_form_offers_only_the_allowed_moves(superuser_client):
    application = f.ApplicationFactory(status=S.UNDER_REVIEW)
    form = superuser_client.get(_change_url(application)).context["adminform"].form
    assert [value for value, _label in form.fields["status"].choices] == [
        S.UNDER_REVIEW, S.AUDITION, S.SELECTED, S.NOT_SELECTED, S.WITHDRAWN,
    ]


def test_application_admin_form_decision_needs_the_committee_date(superuser_client):
    application = f.ApplicationFactory(status=S.UNDER_REVIEW)
    data = admin_post_data(superuser_client.get(_change_url(application)))
    data.update(status=S.SELECTED, committee_date="")
    response = superuser_client.post(_change_url(application), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["committee_date"] == [
        "Indiquez la date du comité qui a pris cette décision."
    ]
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW


def test_application_admin_form_ignores_a_status_it_did_not_offer_for_a_new_application(
    superuser_client,
):
    template = f.ApplicationFactory.build()
    call, applicant, person = f.CallFactory(), f.UserFactory(), f.PersonFactory()
    data = admin_post_data(superuser_client.get("/admin/programmes/application/add/"))
    data.update(
        reference="NEW-9", call=call.pk, status=S.SELECTED, applicant=applicant.pk,
        principal_investigator=person.pk, title=template.title, requested_amount="1000",
    )
    response = superuser_client.post("/admin/programmes/application/add/", data)
    assert response.status_code == 200
    assert not Application.objects.filter(reference="NEW-9").exists()


def _bulk(client, status, applications, committee_date="26/06/2025"):
    return client.post(
        "/admin/programmes/application/",
        {
            "action": f"move_to_{status}",
            "_selected_action": [a.pk for a in applications],
            "committee_date": committee_date,
        },
        follow=True,
    )


@pytest.mark.parametrize(("old", "new"), [m for m in ALL_MOVES if m[1] != S.DRAFT])
def test_application_bulk_action_applies_exactly_the_transitions_table(
    superuser_client, superuser, old, new
):
    applications = [f.ApplicationFactory(status=old), f.ApplicationFactory(status=old)]

    response = _bulk(superuser_client, new, applications)

    assert response.status_code == 200
    statuses = set(Application.objects.values_list("status", flat=True))
    if new in Application.ALLOWED_TRANSITIONS[old]:
        assert statuses == {new}
        for application in applications:
            latest = application.history.first()
            assert (latest.status, latest.history_user) == (new, superuser)
        expected_decisions = 2 if new in Application.DECISION_STATUSES else 0
        assert Decision.objects.count() == expected_decisions
    else:
        assert statuses == {old}
        assert not Decision.objects.exists()
        messages = [str(m) for m in response.context["messages"]]
        assert messages[0].startswith("Aucune demande n'a changé de statut.")


def test_application_bulk_action_is_all_or_nothing(superuser_client):
    movable = f.ApplicationFactory(status=S.SUBMITTED)
    stuck = f.ApplicationFactory(status=S.NOT_SELECTED)
    _bulk(superuser_client, S.WITHDRAWN, [movable, stuck])
    movable.refresh_from_db()
    assert movable.status == S.SUBMITTED


def test_application_bulk_decision_without_date_changes_nothing(superuser_client):
    application = f.ApplicationFactory(status=S.SUBMITTED)
    _bulk(superuser_client, S.ELIGIBLE, [application], committee_date="")
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_application_history_import_is_offered_only_with_its_permission(rf, superuser):
    from django.contrib import admin

    model_admin = ApplicationAdmin(Application, admin.site)
    staff = f.StaffUserFactory()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_application", "change_application",
                                                 "view_application"])
    )
    request = rf.get("/")
    request.user = staff
    assert [c.__name__ for c in model_admin.get_import_resource_classes(request)] == [
        "ApplicationResource"
    ]
    staff.user_permissions.add(Permission.objects.get(codename="import_application_history"))
    request.user = type(staff).objects.get(pk=staff.pk)
    assert [c.__name__ for c in model_admin.get_import_resource_classes(request)] == [
        "ApplicationResource", "ApplicationHistoryResource"
    ]


def test_decision_admin_records_the_decision_with_the_status(superuser_client, superuser):
    application = f.ApplicationFactory(status=S.UNDER_REVIEW)
    response = superuser_client.post("/admin/programmes/decision/add/", {
        "application": application.pk, "outcome": "selected",
        "committee_date": "26/06/2025", "notes": "",
    })
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SELECTED
    assert application.decisions.get().recorded_by == superuser


def test_decision_admin_refuses_a_decision_the_status_cannot_take(superuser_client):
    application = f.ApplicationFactory(status=S.SUBMITTED)
    response = superuser_client.post("/admin/programmes/decision/add/", {
        "application": application.pk, "outcome": "selected",
        "committee_date": "26/06/2025", "notes": "",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["outcome"] == [
        "Passage impossible de « Déposée » à « Retenue (lauréate) »."
    ]
    assert not Decision.objects.exists()


def test_decision_admin_never_deletes_a_decision(superuser_client):
    decision = f.DecisionFactory()
    response = superuser_client.post(
        f"/admin/programmes/decision/{decision.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Decision.objects.filter(pk=decision.pk).exists()
