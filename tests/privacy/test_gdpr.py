"""GDPR requests from the admin (clara/privacy): a person's data exported on request, their
identity erased where the law allows, both logged; no published figure changes."""

from __future__ import annotations

import io
import json
import logging
import zipfile

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from clara.privacy import selectors, services
from clara.privacy.selectors import subject_for_person, subject_for_user
from programmes.models import Application, Attachment, Review
from projects.models import ProjectYearStatus
from tests import factories as f
from tests.helpers import login_with_mfa

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a test attachment\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def attach(application, name="cv.pdf", content=PDF):
    attachment = Attachment(application=application, original_name=name, size=len(content))
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


@pytest.fixture
def applicant(media):
    """An applicant linked to her person record, with a draft, a submitted application she
    leads that was not selected, a funded one whose project is completed, a co-application,
    a review she wrote, e-mail addresses, a second factor and login attempts."""
    user = f.UserFactory(email="claire.durand@example.org", first_name="Claire",
                         last_name="Durand", language="fr")
    person = f.PersonFactory(user=user, first_name="Claire", last_name="Durand",
                             email="claire.durand@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "S"})
    AccessLog.objects.create(username=user.email, ip_address="192.0.2.1", user_agent="Firefox")
    AccessAttempt.objects.create(username=user.email, ip_address="192.0.2.1",
                                 user_agent="Firefox", failures_since_start=1)
    draft = f.ApplicationFactory(applicant=user, principal_investigator=person,
                                 status=Application.Status.DRAFT, title="Brouillon secret")
    rejected = f.ApplicationFactory(applicant=user, principal_investigator=person,
                                    status=Application.Status.NOT_SELECTED)
    award = f.AwardFactory(application__applicant=user,
                           application__principal_investigator=person)
    project = f.FundedProjectFactory(award=award)
    f.ProjectYearStatusFactory(project=project, status=ProjectYearStatus.Status.COMPLETED)
    co_application = f.ApplicationFactory(status=Application.Status.NOT_SELECTED)
    co_application.co_applicants.add(person)
    review = f.ReviewFactory(reviewer=user, status=Review.Status.SUBMITTED,
                             submitted_at=f.paris(2025, 3, 1), comments="Solide.")
    f.EventSpeakerFactory(person=person, topic="Immunothérapie")
    return {
        "user": user, "person": person, "draft": draft, "rejected": rejected,
        "funded": award.application, "project": project, "co_application": co_application,
        "review": review,
        "files": {
            "draft": attach(draft, "brouillon.pdf"),
            "rejected": attach(rejected, "cv.pdf"),
            "funded": attach(award.application, "convention.pdf"),
        },
    }


@pytest.fixture
def staff(db):
    user = f.StaffUserFactory()
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["export_personal_data", "erase_personal_data", "view_user",
                      "view_person"]))
    return user


@pytest.fixture
def staff_client(client, staff):
    login_with_mfa(client, staff)
    return client


def page(kind, pk):
    return reverse("privacy-subject", args=[kind, pk])


# --- Export ---------------------------------------------------------------------------------


def test_export_holds_the_account_person_applications_reviews_and_files(
        staff_client, applicant, caplog):
    other = f.ApplicationFactory(title="La demande d'un autre")
    attach(other, "autre.pdf", b"%PDF-1.4 other")
    caplog.set_level(logging.INFO, logger="clara.security")

    # The staff's admin in English; the file in the person's language (French).
    response = staff_client.post(page("compte", applicant["user"].pk), {"action": "export"},
                                 HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment;" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("donnees.json"))
    assert data["compte"]["adresse_email"] == "claire.durand@example.org"
    assert data["compte"]["adresses_email"] == [
        {"adresse": "claire.durand@example.org", "verifiee": True, "principale": True}]
    assert data["compte"]["seconds_facteurs"][0]["type"] == "totp"
    assert "secret" not in json.dumps(data["compte"]["seconds_facteurs"])
    assert data["compte"]["tentatives_de_connexion"][0]["adresse_ip"] == "192.0.2.1"
    assert data["personne"]["nom"] == "Durand"
    assert data["personne"]["interventions"][0]["sujet"] == "Immunothérapie"
    roles = {row["reference"]: row["roles"] for row in data["demandes_de_financement"]}
    assert roles == {
        applicant["draft"].reference: ["deposant", "porteur"],
        applicant["rejected"].reference: ["deposant", "porteur"],
        applicant["funded"].reference: ["deposant", "porteur"],
        applicant["co_application"].reference: ["co-porteur"],
    }
    assert data["demandes_de_financement"][1]["statut"] == "Non retenue"
    assert [row["commentaires"] for row in data["evaluations_rendues_ou_assignees"]] == [
        "Solide."]
    files = [row["fichier"] for row in data["demandes_de_financement"][1]["pieces_jointes"]]
    assert files and all(archive.read(name) == PDF for name in files)
    names = archive.namelist()
    assert len([n for n in names if n.startswith("pieces-jointes/")]) == 3
    assert not any("autre" in n for n in names)
    assert "La demande d'un autre" not in archive.read("donnees.json").decode()
    assert "LISEZMOI.txt" in names

    event = next(r for r in caplog.records if r.event == services.PERSONAL_DATA_SUBJECT_EXPORT)
    assert event.by_user_id == staff_client.session["_auth_user_id"] or event.by_user_id
    assert event.subject_user_id == applicant["user"].pk
    assert LogEntry.objects.filter(object_id=str(applicant["person"].pk),
                                   change_message__contains="Export").exists()


def test_export_of_a_person_without_account(staff_client, media):
    person = f.PersonFactory(last_name="Sansc0mpte")
    response = staff_client.post(page("personne", person.pk), {"action": "export"})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("donnees.json"))
    assert data["personne"]["nom"] == "Sansc0mpte"
    assert "compte" not in data


# --- Who may -------------------------------------------------------------------------------


def test_page_shows_what_is_held_and_links_both_records(staff_client, applicant):
    response = staff_client.get(page("personne", applicant["person"].pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert "claire.durand@example.org" in content
    assert reverse("admin:accounts_user_change", args=[applicant["user"].pk]) in content
    assert "Effacer les données personnelles" in content


def test_admin_pages_link_to_the_request_page(staff_client, applicant, staff):
    staff.user_permissions.add(*Permission.objects.filter(
        codename__in=["change_person", "change_user"]))
    for admin_url, url in (
        (reverse("admin:network_person_change", args=[applicant["person"].pk]),
         page("personne", applicant["person"].pk)),
        (reverse("admin:accounts_user_change", args=[applicant["user"].pk]),
         page("compte", applicant["user"].pk)),
    ):
        response = staff_client.get(admin_url)
        assert response.status_code == 200
        assert url in response.content.decode()
        # The other tools of the page are still there.
        assert "/history/" in response.content.decode()


@pytest.mark.parametrize("kind", ["compte", "personne"])
def test_unknown_subject_is_404(staff_client, kind):
    assert staff_client.get(page(kind, 999_999)).status_code == 404


def test_unknown_kind_is_404(staff_client, applicant):
    assert staff_client.get(page("groupe", applicant["user"].pk)).status_code == 404


def test_staff_without_the_permission_is_refused_and_nothing_changes(client, applicant):
    clerk = f.StaffUserFactory()
    login_with_mfa(client, clerk)
    assert client.get(page("compte", applicant["user"].pk)).status_code == 403
    assert client.post(page("compte", applicant["user"].pk),
                       {"action": "erase", "confirm": "on"}).status_code == 403
    applicant["user"].refresh_from_db()
    assert applicant["user"].email == "claire.durand@example.org"


def test_export_only_permission_cannot_erase(client, applicant):
    clerk = f.StaffUserFactory()
    clerk.user_permissions.add(Permission.objects.get(codename="export_personal_data"))
    login_with_mfa(client, clerk)
    response = client.get(page("compte", applicant["user"].pk))
    assert "Votre compte n'a pas le droit" in response.content.decode()
    assert client.post(page("compte", applicant["user"].pk),
                       {"action": "erase", "confirm": "on"}).status_code == 403


def test_anonymous_and_applicants_never_reach_the_page(client, applicant):
    url = page("compte", applicant["user"].pk)
    assert client.get(url).status_code == 302
    client.force_login(applicant["user"])
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- Erasure ------------------------------------------------------------------------------


def test_erasure_removes_the_identity_and_keeps_the_records(staff_client, applicant, media,
                                                            caplog, django_capture_on_commit_callbacks):
    user, person = applicant["user"], applicant["person"]
    files = {key: attachment.file.path for key, attachment in applicant["files"].items()}
    caplog.set_level(logging.INFO, logger="clara.security")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(page("compte", user.pk), {
            "action": "erase", "confirm": "on", "reason": "Courriel du 2 décembre 2026"})

    assert response.status_code == 302
    user.refresh_from_db()
    person.refresh_from_db()
    assert user.email == f"anonyme-{user.pk}@efface.invalid"
    assert (user.first_name, user.last_name, user.language) == ("", "", "")
    assert not user.is_active and not user.has_usable_password()
    assert str(person) == f"Anonyme #{person.pk}"
    assert (person.email, person.orcid, person.public_consent_on) == ("", "", None)
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not AccessLog.objects.filter(username__icontains="durand").exists()
    assert not AccessAttempt.objects.filter(username__icontains="durand").exists()
    # Drafts go, with their history and files; ended unfunded applications lose their files.
    assert not Application.objects.filter(pk=applicant["draft"].pk).exists()
    assert not Application.history.filter(id=applicant["draft"].pk).exists()
    assert not Attachment.objects.filter(pk__in=[applicant["files"]["draft"].pk,
                                                 applicant["files"]["rejected"].pk]).exists()
    assert not any(open_path.exists() for open_path in
                   map(_path, (files["draft"], files["rejected"])))
    # What the figures count stays: submitted applications, the award and its file, reviews,
    # talks, the person's kind and organisation.
    assert Application.objects.filter(pk=applicant["rejected"].pk).exists()
    assert Attachment.objects.filter(pk=applicant["files"]["funded"].pk).exists()
    assert _path(files["funded"]).exists()
    assert Review.objects.filter(pk=applicant["review"].pk, comments="Solide.").exists()
    assert person.talks.count() == 1 and person.organisation_id
    # Nothing in the admin's history names her any more; the erasure is recorded there.
    assert not LogEntry.objects.filter(object_repr__icontains="durand").exists()
    assert LogEntry.objects.filter(object_id=str(person.pk),
                                   change_message__contains="Courriel du 2 décembre").exists()
    event = next(r for r in caplog.records if r.event == services.PERSONAL_DATA_ERASURE)
    assert (event.subject_user_id, event.subject_person_id) == (user.pk, person.pk)
    assert (event.drafts, event.attachments) == (1, 2)
    assert "durand" not in caplog.text.lower()

    followed = staff_client.get(response["Location"])
    assert "a été effacée" in followed.content.decode()


def _path(name):
    from pathlib import Path

    return Path(name)


def test_erasure_ends_the_persons_open_sessions(client, applicant, staff):
    client.force_login(applicant["user"])
    assert client.get(reverse("applications:dashboard")).status_code == 200
    services.personal_data_erase(subject=subject_for_user(applicant["user"]), by=staff)
    response = client.get(reverse("applications:dashboard"))
    assert response.status_code == 302


def test_erasure_needs_the_confirmation(staff_client, applicant):
    response = staff_client.post(page("compte", applicant["user"].pk), {"action": "erase"})
    assert response.status_code == 200
    assert "Cochez la case de confirmation" in response.content.decode()
    applicant["user"].refresh_from_db()
    assert applicant["user"].email == "claire.durand@example.org"


def _blocked(subject, staff, expected):
    with pytest.raises(ValidationError) as error:
        services.personal_data_erase(subject=subject, by=staff)
    assert any(expected in message for message in error.value.messages)


def test_staff_accounts_are_not_erased(staff):
    other = f.StaffUserFactory(first_name="Paul")
    _blocked(subject_for_user(other), staff, "droits d'administration")
    other.refresh_from_db()
    assert other.first_name == "Paul" and other.is_active


@pytest.mark.parametrize("status", ["submitted", "eligible", "under_review", "audition"])
def test_an_application_under_selection_blocks_the_erasure(staff, applicant, status):
    Application.objects.filter(pk=applicant["rejected"].pk).update(status=status)
    _blocked(subject_for_person(applicant["person"]), staff, applicant["rejected"].reference)
    applicant["person"].refresh_from_db()
    assert applicant["person"].last_name == "Durand"
    assert Application.objects.filter(pk=applicant["draft"].pk).exists()
    assert Attachment.objects.filter(pk=applicant["files"]["rejected"].pk).exists()


def test_a_review_to_give_blocks_the_erasure(staff, applicant):
    Review.objects.filter(pk=applicant["review"].pk).update(
        status=Review.Status.ASSIGNED, submitted_at=None)
    _blocked(subject_for_user(applicant["user"]), staff, "doit être rendue ou déclinée")


@pytest.mark.parametrize("status", ["not_started", "ongoing"])
def test_a_followed_project_blocks_the_erasure(staff, applicant, status):
    f.ProjectYearStatusFactory(project=applicant["project"], year=2026, status=status)
    _blocked(subject_for_user(applicant["user"]), staff, applicant["project"].name)


def test_blockers_are_shown_on_the_page_and_nothing_changes(staff_client, applicant):
    Application.objects.filter(pk=applicant["rejected"].pk).update(status="under_review")
    response = staff_client.get(page("compte", applicant["user"].pk))
    content = response.content.decode()
    assert "n'est pas possible pour l'instant" in content
    assert applicant["rejected"].reference in content
    assert 'value="erase"' not in content
    response = staff_client.post(page("compte", applicant["user"].pk),
                                 {"action": "erase", "confirm": "on"}, follow=True)
    assert applicant["rejected"].reference in response.content.decode()
    applicant["user"].refresh_from_db()
    assert applicant["user"].email == "claire.durand@example.org"


def test_a_person_without_account_is_erased(staff, media):
    person = f.PersonFactory(first_name="Jeanne", last_name="Sansc0mpte")
    done = services.personal_data_erase(subject=subject_for_person(person), by=staff)
    person.refresh_from_db()
    assert str(person) == f"Anonyme #{person.pk}"
    assert done == {"drafts": 0, "attachments": 0}
    assert selectors.subject_for_person(person).erased


def test_erasure_in_english(staff_client, applicant):
    Application.objects.filter(pk=applicant["rejected"].pk).update(status="under_review")
    response = staff_client.get(page("compte", applicant["user"].pk),
                                HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert "Personal data (GDPR)" in content
    assert "is being selected" in content


def test_staff_without_second_factor_is_sent_to_it(client, staff, applicant):
    client.force_login(staff)
    response = client.get(page("compte", applicant["user"].pk))
    assert response.status_code == 302
    assert "claire" not in response.content.decode().lower()


def _page_queries(client, subject_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(page("compte", subject_user.pk))
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("many", [1, 12])
def test_page_queries_do_not_grow_with_the_records(staff_client, media, many):
    user = f.UserFactory()
    person = f.PersonFactory(user=user)
    for _ in range(many):
        # Blockers each: under review, a review to give, a followed project.
        f.ApplicationFactory(applicant=user, principal_investigator=person,
                             status=Application.Status.UNDER_REVIEW)
        f.ReviewFactory(reviewer=user)
        f.ProjectYearStatusFactory(project=f.FundedProjectFactory(
            award__application__principal_investigator=person))
        f.ApplicationFactory(status=Application.Status.DRAFT, applicant=user)
    assert _page_queries(staff_client, user) == 21


def test_erasing_a_co_applicant_keeps_the_files_of_the_others_application(staff, media):
    """A co-applicant's erasure anonymises them on the application, but its files belong to
    the applicant's file: they stay, even once the application ended without funding."""
    co_applicant = f.PersonFactory()
    theirs = f.ApplicationFactory(status=Application.Status.NOT_SELECTED)
    theirs.co_applicants.add(co_applicant)
    kept = attach(theirs, "projet.pdf")
    subject = subject_for_person(co_applicant)
    assert not selectors.erasable_attachments(subject).exists()
    done = services.personal_data_erase(subject=subject, by=staff)
    assert done["attachments"] == 0
    assert Attachment.objects.filter(pk=kept.pk).exists()
