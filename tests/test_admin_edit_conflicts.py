"""QUALITY.md scenario 12: two staff members edit the same record in the admin; the second
save is refused with a message and the first change is kept."""

from decimal import Decimal

import pytest

from funding.models import Award
from programmes.models import Application
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    CallFactory,
    CompanyInvestmentFactory,
    ContributionFactory,
    EvaluationCriterionFactory,
    FunderFactory,
    ProjectYearStatusFactory,
    SuperUserFactory,
)
from tests.helpers import admin_post_data, login_with_mfa

pytestmark = pytest.mark.django_db


def _client(client_class):
    client = client_class()
    login_with_mfa(client, SuperUserFactory())
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


# --- Every model and inline row (one mechanism: clara/admin_edit_conflicts.py) ----------------


def _two_staff():
    from django.test import Client

    return _client(Client), _client(Client)


def _key(data: dict, prefix: str, suffix: str) -> str:
    """The posted name of an inline field, e.g. ("criteria", "-0-label")."""
    (key,) = [k for k in data if k.startswith(prefix) and k.endswith(suffix)]
    return key


def _refused(response) -> bool:
    return response.status_code == 200 and "modifié" in response.content.decode() and (
        "par une autre personne" in response.content.decode()
    )


def test_call_budget_second_save_is_refused_and_first_kept():
    call = CallFactory(budget=Decimal("300000"))
    url = f"/admin/programmes/call/{call.pk}/change/"
    alice, bob = _two_staff()
    alice_data, bob_data = admin_post_data(alice.get(url)), admin_post_data(bob.get(url))

    alice_data["budget"] = "350000"
    assert alice.post(url, alice_data).status_code == 302
    bob_data["title"] = "Titre de Bob"
    response = bob.post(url, bob_data)

    assert _refused(response)
    call.refresh_from_db()
    assert (call.budget, call.title) == (Decimal("350000"), alice_data["title"])

    # Reloaded, Bob's page carries the new version and his change goes through.
    bob_data = admin_post_data(bob.get(url))
    bob_data["title"] = "Titre de Bob"
    assert bob.post(url, bob_data).status_code == 302
    call.refresh_from_db()
    assert (call.budget, call.title) == (Decimal("350000"), "Titre de Bob")


def test_call_many_to_many_change_makes_a_stale_save():
    call = CallFactory()
    url = f"/admin/programmes/call/{call.pk}/change/"
    alice, bob = _two_staff()
    alice_data, bob_data = admin_post_data(alice.get(url)), admin_post_data(bob.get(url))
    funder = FunderFactory()

    alice_data["cofunders"] = [str(funder.pk)]
    assert alice.post(url, alice_data).status_code == 302
    bob_data["theme"] = "Thème de Bob"
    response = bob.post(url, bob_data)

    assert _refused(response)
    assert list(call.cofunders.all()) == [funder]


def test_inline_row_second_save_is_refused_and_first_kept():
    criterion = EvaluationCriterionFactory(label="Originalité")
    url = f"/admin/programmes/call/{criterion.call_id}/change/"
    alice, bob = _two_staff()
    alice_data, bob_data = admin_post_data(alice.get(url)), admin_post_data(bob.get(url))
    label = _key(alice_data, "criteria", "-0-label")

    alice_data[label] = "Originalité (Alice)"
    assert alice.post(url, alice_data).status_code == 302
    bob_data[label] = "Originalité (Bob)"
    response = bob.post(url, bob_data)

    assert response.status_code == 200
    assert "Cette ligne a été modifiée ou supprimée par une autre personne" in (
        response.content.decode()
    )
    criterion.refresh_from_db()
    assert criterion.label == "Originalité (Alice)"


def test_award_split_second_save_is_refused_and_first_kept():
    """Only the contributions change (same award amount): the rows themselves are checked."""
    award = AwardFactory(amount=Decimal("40000"))
    first = ContributionFactory(award=award, amount=Decimal("20000"))
    second = ContributionFactory(award=award, amount=Decimal("20000"))
    url = f"/admin/funding/award/{award.pk}/change/"
    alice, bob = _two_staff()
    alice_data, bob_data = admin_post_data(alice.get(url)), admin_post_data(bob.get(url))

    alice_data.update({"contributions-0-amount": "25000", "contributions-1-amount": "15000"})
    assert alice.post(url, alice_data).status_code == 302
    bob_data.update({"contributions-0-amount": "10000", "contributions-1-amount": "30000"})
    response = bob.post(url, bob_data)

    assert response.status_code == 200
    assert "Cette ligne a été modifiée ou supprimée par une autre personne" in (
        response.content.decode()
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert sorted([first.amount, second.amount]) == [Decimal("15000"), Decimal("25000")]


def test_inline_row_changed_meanwhile_cannot_be_deleted():
    criterion = EvaluationCriterionFactory(label="Originalité")
    url = f"/admin/programmes/call/{criterion.call_id}/change/"
    alice, bob = _two_staff()
    alice_data, bob_data = admin_post_data(alice.get(url)), admin_post_data(bob.get(url))

    alice_data[_key(alice_data, "criteria", "-0-label")] = "Originalité (Alice)"
    assert alice.post(url, alice_data).status_code == 302
    bob_data[_key(bob_data, "criteria", "-0-label").replace("label", "DELETE")] = "on"
    response = bob.post(url, bob_data)

    assert response.status_code == 200
    assert "Cette ligne a été modifiée ou supprimée par une autre personne" in (
        response.content.decode()
    )
    criterion.refresh_from_db()
    assert criterion.label == "Originalité (Alice)"


def test_inline_row_the_page_does_not_write_does_not_block_the_save():
    """A year status shown read only on the project's page changes on its own page: saving
    the project page does not write that row, so it goes through and keeps the change."""
    status = ProjectYearStatusFactory(note="")
    project_url = f"/admin/projects/fundedproject/{status.project_id}/change/"
    status_url = f"/admin/projects/projectyearstatus/{status.pk}/change/"
    alice, bob = _two_staff()
    bob_data = admin_post_data(bob.get(project_url))

    alice_data = admin_post_data(alice.get(status_url))
    alice_data["note"] = "Note d'Alice"
    assert alice.post(status_url, alice_data).status_code == 302
    bob_data["name"] = "NOUVEAUNOM"
    assert bob.post(project_url, bob_data).status_code == 302

    status.refresh_from_db()
    status.project.refresh_from_db()
    assert (status.note, status.project.name) == ("Note d'Alice", "NOUVEAUNOM")


def test_model_without_history_second_save_is_refused_and_first_kept():
    funder = FunderFactory(name="Région", short_name="R")
    url = f"/admin/funding/funder/{funder.pk}/change/"
    alice, bob = _two_staff()
    alice_data, bob_data = admin_post_data(alice.get(url)), admin_post_data(bob.get(url))

    alice_data["name"] = "Région Auvergne-Rhône-Alpes"
    assert alice.post(url, alice_data).status_code == 302
    bob_data["short_name"] = "AURA"
    response = bob.post(url, bob_data)

    assert _refused(response)
    funder.refresh_from_db()
    assert (funder.name, funder.short_name) == ("Région Auvergne-Rhône-Alpes", "R")


def test_company_investment_own_page_second_save_is_refused():
    investment = CompanyInvestmentFactory(planned_amount=Decimal("100000"))
    url = f"/admin/funding/companyinvestment/{investment.pk}/change/"
    alice, bob = _two_staff()
    alice_data, bob_data = admin_post_data(alice.get(url)), admin_post_data(bob.get(url))

    alice_data["planned_amount"] = "120000"
    assert alice.post(url, alice_data).status_code == 302
    bob_data["planned_amount"] = "90000"
    assert _refused(bob.post(url, bob_data))
    investment.refresh_from_db()
    assert investment.planned_amount == Decimal("120000")


def test_conflict_message_in_english():
    funder = FunderFactory()
    url = f"/admin/funding/funder/{funder.pk}/change/"
    alice, bob = _two_staff()
    alice_data = admin_post_data(alice.get(url))
    bob_data = admin_post_data(bob.get(url))
    alice_data["name"] = "Autre nom"
    assert alice.post(url, alice_data).status_code == 302
    response = bob.post(url, bob_data, HTTP_ACCEPT_LANGUAGE="en")
    assert "Someone else has changed this record since you opened it" in (
        response.content.decode()
    )


def test_every_admin_and_inline_refuses_stale_saves(rf):
    """Guard: each registered ModelAdmin and each of its inlines has the mechanism, and an
    editable change page carries the version field. A third-party admin (task results,
    login attempts) may go without it only when nothing can be saved through it."""
    from django.contrib import admin
    from django.contrib.admin.utils import flatten_fieldsets

    from clara.admin_edit_conflicts import (
        VERSION_FIELD,
        EditConflictAdminMixin,
        EditConflictFormMixin,
        EditConflictFormSetMixin,
    )

    request = rf.get("/admin/")
    request.user = SuperUserFactory()
    missing = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        obj = model(pk=1)
        if not isinstance(model_admin, EditConflictAdminMixin):
            if model_admin.has_change_permission(request, obj) and (
                model_admin.get_form(request, obj, change=True).base_fields
                or model_admin.inlines
            ):
                missing.append(label)
            continue
        fields = flatten_fieldsets(model_admin.get_fieldsets(request, obj))
        if model_admin.has_change_permission(request, obj):
            form = model_admin.get_form(request, obj, change=True, fields=fields)
            if VERSION_FIELD not in fields or not issubclass(form, EditConflictFormMixin):
                missing.append(f"{label} (form)")
        elif VERSION_FIELD in fields:
            missing.append(f"{label} (read-only page shows the version)")
        for inline_class in model_admin.inlines:
            inline = inline_class(model, admin.site)
            name = f"{label} inline {inline.model._meta.label}"
            if not isinstance(inline, EditConflictAdminMixin):
                missing.append(name)
                continue
            formset = inline.get_formset(request, obj)
            if not (issubclass(formset, EditConflictFormSetMixin)
                    and issubclass(formset.form, EditConflictFormMixin)):
                missing.append(f"{name} (formset)")
            inline_fields = flatten_fieldsets(inline.get_fieldsets(request, obj))
            if inline.has_change_permission(request, obj) != (VERSION_FIELD in inline_fields):
                missing.append(f"{name} (fields)")
    assert missing == []


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_one_wins_on_postgresql(rf):
    """Two saves of the same version at the same moment: the second waits for the first's
    lock, then sees the new row and is refused (a plain read would let both through)."""
    import threading
    import time

    from django.contrib import admin
    from django.contrib.admin.utils import flatten_fieldsets
    from django.db import connection, transaction

    from funding.models import Funder

    if connection.vendor != "postgresql":
        pytest.skip("select_for_update only locks on PostgreSQL (SQLite serialises writers)")
    funder = FunderFactory(name="Région")
    model_admin = admin.site._registry[Funder]
    request = rf.get("/admin/")
    request.user = SuperUserFactory()
    fields = flatten_fieldsets(model_admin.get_fieldsets(request, funder))
    form_class = model_admin.get_form(request, funder, change=True, fields=fields)
    shown = {k: v for k, v in form_class(instance=funder).initial.items() if v is not None}
    first_checked, valid = threading.Event(), {}

    def save(name, pause):
        try:
            with transaction.atomic():
                form = form_class({**shown, "name": name}, instance=Funder.objects.get(pk=funder.pk))
                valid[name] = form.is_valid()
                if name == "Alice":
                    first_checked.set()
                    time.sleep(pause)
                if valid[name]:
                    form.save()
        finally:
            connection.close()

    alice = threading.Thread(target=save, args=("Alice", 1.0))
    alice.start()
    first_checked.wait(10)
    bob = threading.Thread(target=save, args=("Bob", 0))
    bob.start()
    alice.join(20)
    bob.join(20)

    assert valid == {"Alice": True, "Bob": False}
    assert Funder.objects.get(pk=funder.pk).name == "Alice"


def test_history_revert_goes_through_and_refuses_a_stale_page():
    """django-simple-history's revert page shows an old version's values: its fingerprint is
    the stored row's, so reverting works, and a change made meanwhile still refuses it."""
    from projects.models import FundedProject
    from tests.factories import FundedProjectFactory

    project = FundedProjectFactory(name="PREMIER")
    url = f"/admin/projects/fundedproject/{project.pk}/change/"
    alice, bob = _two_staff()
    data = admin_post_data(alice.get(url))
    data["name"] = "SECOND"
    assert alice.post(url, data).status_code == 302
    first_version = project.history.order_by("history_id").first().history_id
    revert_url = f"/admin/projects/fundedproject/{project.pk}/history/{first_version}/"

    bob_data = admin_post_data(bob.get(revert_url))
    assert bob_data["name"] == "PREMIER"
    assert bob.post(revert_url, bob_data).status_code == 302
    assert FundedProject.objects.get(pk=project.pk).name == "PREMIER"

    bob_data = admin_post_data(bob.get(revert_url))
    data = admin_post_data(alice.get(url))
    data["name"] = "TROISIEME"
    assert alice.post(url, data).status_code == 302
    assert _refused(bob.post(revert_url, bob_data))
    assert FundedProject.objects.get(pk=project.pk).name == "TROISIEME"


def _changelist_post_data(response) -> dict:
    """What a browser posts back for the editable columns of a changelist."""
    formset = response.context["cl"].formset
    data = {"_save": "Enregistrer"}
    for form in [formset.management_form, *formset.forms]:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = str(value)
    return data


def test_changelist_editable_column_second_save_is_refused_and_first_kept():
    from clara.network.models import Site
    from tests.factories import SiteFactory

    site = SiteFactory(position=1)
    url = "/admin/network/site/"
    alice, bob = _two_staff()
    page = bob.get(url)
    assert 'name="form-0-edit_version"' in page.content.decode()
    alice_data, bob_data = _changelist_post_data(alice.get(url)), _changelist_post_data(page)

    alice_data["form-0-position"] = "5"
    assert alice.post(url, alice_data).status_code == 302
    bob_data["form-0-position"] = "7"
    response = bob.post(url, bob_data)

    assert response.status_code == 200
    assert "Cette ligne a été modifiée ou supprimée par une autre personne" in (
        response.content.decode()
    )
    assert Site.objects.get(pk=site.pk).position == 5
    bob_data = _changelist_post_data(bob.get(url))
    bob_data["form-0-position"] = "7"
    assert bob.post(url, bob_data).status_code == 302
    assert Site.objects.get(pk=site.pk).position == 7
