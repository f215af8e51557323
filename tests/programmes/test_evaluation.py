"""The evaluation: assignments and their conflict warnings, the conflict declaration, the
scoring grid per role, the reviewer's portal and who may see what (QUALITY 3, 5, 6, 13),
reminders sent once, the staff's follow-up of a call and its query counts."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from programmes import evaluation
from programmes.models import Attachment, Audition, BudgetLine, EvaluationCriterion, Review
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    EvaluationCriterionFactory,
    FundedProjectFactory,
    OrganisationFactory,
    PersonFactory,
    ReviewerFactory,
    StaffUserFactory,
    TeamFactory,
    UserFactory,
)
from tests.helpers import login_with_mfa

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
Status = Review.Status


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _reviewer(kind=Review.Role.EXPERT, **kwargs):
    return ReviewerFactory(kind=kind, user=UserFactory(**kwargs)).user


def _application(call=None, **kwargs):
    call = call or CallFactory(review_deadline=timezone.now() + dt.timedelta(days=5))
    application = ApplicationFactory(call=call, scientific_content="Méthodes confidentielles.",
                                     lay_summary="Résumé pour tous.", **kwargs)
    BudgetLine.objects.create(application=application, category="staff", label="Ingénieure",
                              amount=Decimal("40000"))
    attachment = Attachment(application=application, original_name="projet.pdf", size=len(PDF))
    attachment.file.save("document.pdf", ContentFile(PDF), save=False)
    attachment.save()
    return application


@pytest.fixture
def world():
    """One submitted application, its grids, and every kind of visitor."""
    application = _application()
    call = application.call
    science = [EvaluationCriterionFactory(call=call, label="Excellence", max_score=5),
               EvaluationCriterionFactory(call=call, label="Faisabilité", max_score=5)]
    patient = [EvaluationCriterionFactory(call=call, label="Expérience patient", max_score=10,
                                          audience=EvaluationCriterion.Audience.PATIENT)]
    staff = StaffUserFactory()
    expert, partner = _reviewer(), _reviewer(Review.Role.PATIENT_PARTNER)
    conflicted = _reviewer()
    expert_review, _ = evaluation.review_assign(application=application, reviewer=expert,
                                                by=staff)
    partner_review, _ = evaluation.review_assign(application=application, reviewer=partner,
                                                 by=staff)
    conflicted_review, _ = evaluation.review_assign(application=application,
                                                    reviewer=conflicted, by=staff)
    evaluation.review_declare_conflict(review=conflicted_review, has_conflict=True,
                                       details="Même laboratoire.", by=conflicted)
    return {
        "application": application, "call": call, "science": science, "patient": patient,
        "expert": expert, "partner": partner, "conflicted": conflicted,
        "unassigned": _reviewer(), "applicant": application.applicant,
        "expert_review": expert_review, "partner_review": partner_review,
        "conflicted_review": conflicted_review,
    }


def _declare(review, user):
    evaluation.review_declare_conflict(review=review, has_conflict=False, by=user)


# --- assignments and conflict warnings --------------------------------------------------------

def test_assign_invites_the_reviewer_once_after_the_commit(django_capture_on_commit_callbacks):
    application = _application()
    reviewer = _reviewer(email="experte@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        review, warnings = evaluation.review_assign(application=application, reviewer=reviewer,
                                                    by=StaffUserFactory())
    assert warnings == []
    assert review.role == Review.Role.EXPERT and review.status == Status.ASSIGNED
    assert [m.to for m in mail.outbox] == [["experte@example.org"]]
    assert application.reference in mail.outbox[0].subject
    assert "confidentielles" not in mail.outbox[0].body  # no content in the e-mail
    review.refresh_from_db()
    assert review.invited_at is not None
    assert review.history.earliest().history_user.is_staff


def test_assign_refuses_non_reviewers_duplicates_and_drafts():
    application = _application()
    staff = StaffUserFactory()
    with pytest.raises(ValidationError, match="pas un évaluateur"):
        evaluation.review_assign(application=application, reviewer=UserFactory(), by=staff)
    reviewer = _reviewer()
    evaluation.review_assign(application=application, reviewer=reviewer, by=staff)
    with pytest.raises(ValidationError, match="déjà assigné"):
        evaluation.review_assign(application=application, reviewer=reviewer, by=staff)
    draft = ApplicationFactory(status="draft")
    with pytest.raises(ValidationError, match="pas en cours d'évaluation"):
        evaluation.review_assign(application=draft, reviewer=reviewer, by=staff)
    assert Review.objects.count() == 1


def test_warning_when_the_reviewer_is_the_applicant_or_a_co_applicant():
    reviewer = _reviewer()
    person = PersonFactory(user=reviewer)
    led = _application(principal_investigator=person)
    co = _application()
    co.co_applicants.add(person)
    for application in (led, co):
        codes = [w.code for w in evaluation.review_conflict_warnings(
            application=application, reviewer=reviewer)]
        assert codes == ["applicant"]


def test_warning_for_same_team_and_same_organisation():
    team = TeamFactory()
    reviewer = _reviewer()
    PersonFactory(user=reviewer, team=team)
    application = _application(principal_investigator=PersonFactory(team=team))
    codes = {w.code for w in evaluation.review_conflict_warnings(
        application=application, reviewer=reviewer)}
    assert codes == {"team", "organisation"}

    other = _reviewer()
    PersonFactory(user=other, organisation=team.organisation)
    codes = {w.code for w in evaluation.review_conflict_warnings(
        application=application, reviewer=other)}
    assert codes == {"organisation"}

    stranger = _reviewer()
    PersonFactory(user=stranger, organisation=OrganisationFactory())
    assert evaluation.review_conflict_warnings(application=application, reviewer=stranger) == []


def test_warning_for_a_funded_project_co_led_with_an_applicant():
    reviewer = _reviewer()
    person = PersonFactory(user=reviewer)
    colleague = PersonFactory()
    project = FundedProjectFactory()
    past = project.award.application
    past.principal_investigator = colleague
    past.save()
    past.co_applicants.add(person)
    application = _application(principal_investigator=colleague)
    warnings = evaluation.review_conflict_warnings(application=application, reviewer=reviewer)
    assert [w.code for w in warnings] == ["funded_project"]
    assert past.reference in warnings[0].message
    # A past application without a funded project is no warning.
    project.delete()
    assert evaluation.review_conflict_warnings(application=application, reviewer=reviewer) == []


def test_assign_many_skips_pairs_already_assigned_and_reports_warnings():
    staff = StaffUserFactory()
    call = CallFactory()
    first, second = _application(call), _application(call)
    r1, r2 = _reviewer(), _reviewer()
    PersonFactory(user=r2, team=None)
    second.principal_investigator = r2.person
    second.save()
    evaluation.review_assign(application=first, reviewer=r1, by=staff)
    reviews, warned, refused = evaluation.review_assign_many(
        applications=[first, second], reviewers=[r1, r2], by=staff)
    assert len(reviews) == 3
    assert [(a, u) for a, u, _ in warned] == [(second, r2)]
    assert refused == []
    assert Review.objects.count() == 4


# --- declaration and scoring -------------------------------------------------------------------

def test_declared_conflict_ends_the_assignment(world):
    review = world["conflicted_review"]
    review.refresh_from_db()
    assert review.status == Status.DECLINED and review.conflict_of_interest
    assert review.history.first().history_user == world["conflicted"]
    with pytest.raises(ValidationError, match="déjà faite"):
        _declare(review, world["conflicted"])


def test_a_conflict_needs_details_and_only_the_reviewer_declares(world):
    review = world["expert_review"]
    with pytest.raises(ValidationError, match="Précisez"):
        evaluation.review_declare_conflict(review=review, has_conflict=True, details=" ",
                                           by=world["expert"])
    with pytest.raises(ValidationError, match="Seul"):
        _declare(review, world["partner"])
    review.refresh_from_db()
    assert review.conflict_declared_at is None and review.status == Status.ASSIGNED


def test_submit_scores_every_criterion_of_the_grid_once(world):
    review, expert = world["expert_review"], world["expert"]
    a, b = world["science"]
    with pytest.raises(ValidationError, match="Déclarez"):
        evaluation.review_submit(review=review, scores={a.pk: 4, b.pk: 3},
                                 recommendation="fund", comments="", by=expert)
    _declare(review, expert)
    bad = [
        ({a.pk: 4}, "fund", "Notez le critère « Faisabilité »"),
        ({a.pk: 6, b.pk: 3}, "fund", "de 0 à 5"),
        ({a.pk: -1, b.pk: 3}, "fund", "de 0 à 5"),
        ({a.pk: "4.5", b.pk: 3}, "fund", "de 0 à 5"),
        ({a.pk: 4, b.pk: 3, world["patient"][0].pk: 8}, "fund", "pas dans votre grille"),
        ({a.pk: 4, b.pk: 3}, "peut-être", "recommandation"),
    ]
    for scores, recommendation, message in bad:
        with pytest.raises(ValidationError, match=message):
            evaluation.review_submit(review=review, scores=scores,
                                     recommendation=recommendation, comments="", by=expert)
    review.refresh_from_db()
    assert review.status == Status.ASSIGNED and not review.scores.exists()
    evaluation.review_submit(review=review, scores={a.pk: 5, b.pk: 0},
                             recommendation="fund_with_conditions", comments=" Bien. ", by=expert)
    review.refresh_from_db()
    assert review.status == Status.SUBMITTED and review.submitted_at is not None
    assert review.comments == "Bien." and review.recommendation == "fund_with_conditions"
    assert sorted(review.scores.values_list("score", flat=True)) == [0, 5]
    with pytest.raises(ValidationError, match="déjà été rendue"):
        evaluation.review_submit(review=review, scores={a.pk: 1, b.pk: 1},
                                 recommendation="fund", comments="", by=expert)


def test_patient_partner_scores_the_patient_grid(world):
    review, partner = world["partner_review"], world["partner"]
    _declare(review, partner)
    assert evaluation.review_criteria(review) == world["patient"]
    evaluation.review_submit(review=review, scores={world["patient"][0].pk: 9},
                             recommendation="fund", comments="", by=partner)
    assert list(review.scores.values_list("score", flat=True)) == [9]


# --- the portal: URL × role matrix ----------------------------------------------------------

def _urls(world):
    review = world["expert_review"]
    attachment = world["application"].attachments.get()
    return {
        "list": reverse("evaluations:list"),
        "detail": reverse("evaluations:detail", args=[review.pk]),
        "attachment": reverse("evaluations:attachment", args=[review.pk, attachment.pk]),
        "staff_calls": reverse("evaluations:staff-calls"),
        "staff_call": reverse("evaluations:staff-call", args=[world["call"].pk]),
    }


def _login(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_log_in(client, world, method):
    for url in _urls(world).values():
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/connexion/" in response["Location"] or "login" in response["Location"]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("who", ["applicant", "unassigned", "partner", "conflicted"])
def test_others_get_404_on_the_expert_review_and_the_staff_pages(client, world, who, method):
    _login(client, world[who])
    urls = _urls(world)
    for name in ("detail", "attachment", "staff_calls", "staff_call"):
        response = getattr(client, method)(urls[name])
        assert response.status_code == 404, (who, name)
    assert client.get(urls["list"]).status_code == 200


def test_reviewer_declares_then_sees_the_content_and_the_attachment(client, world):
    _login(client, world["expert"])
    urls = _urls(world)
    page = client.get(urls["detail"]).content.decode()
    assert "Déclaration d'intérêts" in page
    assert "confidentielles" not in page and "Résumé pour tous" not in page
    assert client.get(urls["attachment"]).status_code == 404  # not before the declaration
    response = client.post(urls["detail"], {"has_conflict": "yes", "details": ""})
    assert response.status_code == 200 and "Précisez" in response.content.decode()
    response = client.post(urls["detail"], {"has_conflict": "no"})
    assert response.status_code == 302
    page = client.get(urls["detail"]).content.decode()
    assert "Méthodes confidentielles." in page and "Ingénieure" in page
    download = client.get(urls["attachment"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF


def test_scoring_form_post_submits_and_bad_values_change_nothing(client, world):
    _declare(world["expert_review"], world["expert"])
    _login(client, world["expert"])
    url = _urls(world)["detail"]
    a, b = world["science"]
    response = client.post(url, {f"criterion_{a.pk}": "9", f"criterion_{b.pk}": "3",
                                 "recommendation": "fund", "status": "submitted"})
    assert response.status_code == 200
    review = Review.objects.get(pk=world["expert_review"].pk)
    assert review.status == Status.ASSIGNED and not review.scores.exists()
    response = client.post(url, {f"criterion_{a.pk}": "4", f"criterion_{b.pk}": "3",
                                 "recommendation": "do_not_fund", "comments": "Fragile.",
                                 "reviewer": world["unassigned"].pk})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == Status.SUBMITTED and review.reviewer == world["expert"]
    page = client.get(url).content.decode()
    assert "Ne pas financer" in page and "4 / 5" in page


def test_patient_partner_sees_no_budget_no_attachment_no_scientific_content(client, world):
    _declare(world["partner_review"], world["partner"])
    _login(client, world["partner"])
    review = world["partner_review"]
    page = client.get(reverse("evaluations:detail", args=[review.pk])).content.decode()
    assert "Résumé pour tous." in page and "Expérience patient" in page
    for hidden in ("Ingénieure", "40 000", "40000", "Montant demandé", "projet.pdf", "Méthodes confidentielles", "Excellence"):
        assert hidden not in page, hidden
    attachment = world["application"].attachments.get()
    url = reverse("evaluations:attachment", args=[review.pk, attachment.pk])
    assert client.get(url).status_code == 404


def test_declined_review_shows_no_content(client, world):
    _login(client, world["conflicted"])
    review = world["conflicted_review"]
    for method in ("get", "post"):
        response = getattr(client, method)(reverse("evaluations:detail", args=[review.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Évaluation déclinée" in page
        assert "Résumé pour tous" not in page and world["application"].title not in page
    attachment = world["application"].attachments.get()
    assert client.get(reverse("evaluations:attachment",
                              args=[review.pk, attachment.pk])).status_code == 404


def test_removed_assignment_gives_404_on_the_next_request(client, world):
    _declare(world["expert_review"], world["expert"])
    _login(client, world["expert"])
    url = _urls(world)["detail"]
    assert client.get(url).status_code == 200
    evaluation.review_unassign(review=world["expert_review"], by=StaffUserFactory())
    assert client.get(url).status_code == 404
    assert client.post(url, {"has_conflict": "no"}).status_code == 404
    assert world["application"].reference not in client.get(_urls(world)["list"]).content.decode()


def test_reviewer_who_applied_to_the_call_never_sees_their_own_application(client, world):
    # Assigned by mistake to their own application (the warning was ignored): still 404.
    reviewer = _reviewer()
    own = _application(world["call"], applicant=reviewer)
    review, warnings = evaluation.review_assign(application=own, reviewer=reviewer,
                                                by=StaffUserFactory())
    assert [w.code for w in warnings] == ["applicant"]
    _login(client, reviewer)
    assert client.get(reverse("evaluations:detail", args=[review.pk])).status_code == 404
    assert own.reference not in client.get(reverse("evaluations:list")).content.decode()


def test_reviewer_never_sees_other_reviews(client, world):
    a, b = world["science"]
    other = _reviewer()
    other_review, _ = evaluation.review_assign(application=world["application"],
                                               reviewer=other, by=StaffUserFactory())
    _declare(other_review, other)
    evaluation.review_submit(review=other_review, scores={a.pk: 1, b.pk: 2},
                             recommendation="do_not_fund", comments="Avis du second expert.",
                             by=other)
    _declare(world["expert_review"], world["expert"])
    _login(client, world["expert"])
    page = client.get(_urls(world)["detail"]).content.decode()
    assert "Avis du second expert." not in page and "1 / 5" not in page


def test_staff_pages_and_assignment_with_warnings(client, world):
    staff = StaffUserFactory()
    staff.user_permissions.add(*Permission.objects.filter(codename="change_review"))
    login_with_mfa(client, staff)
    urls = _urls(world)
    assert client.get(urls["staff_calls"]).status_code == 200
    assert client.get(urls["staff_call"]).status_code == 200
    reviewer = _reviewer()
    PersonFactory(user=reviewer)
    world["application"].co_applicants.add(reviewer.person)
    data = {"applications": [world["application"].pk], "reviewers": [reviewer.pk],
            "action": "preview"}
    page = client.post(urls["staff_call"], data).content.decode()
    assert "co-porteur" in page
    assert not Review.objects.filter(reviewer=reviewer).exists()
    response = client.post(urls["staff_call"], {**data, "action": "confirm"})
    assert response.status_code == 302
    assert Review.objects.filter(reviewer=reviewer).count() == 1
    # Staff without the second factor get 404 too.
    client.logout()
    client.force_login(staff)
    assert client.get(urls["staff_call"]).status_code == 404


# --- reminders -------------------------------------------------------------------------------

def test_reminders_run_twice_send_each_email_once(world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    call = world["call"]
    call.review_deadline = timezone.now() + dt.timedelta(days=3)
    call.save()
    far = _application(CallFactory(review_deadline=timezone.now() + dt.timedelta(days=30)))
    evaluation.review_assign(application=far, reviewer=world["expert"], by=None)
    mail.outbox.clear()
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", "--days", "7", stdout=StringIO())
    # The expert and the patient partner (assigned); not the declined one, not the far call.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world["expert"].email, world["partner"].email])
    assert Review.objects.filter(reminded_at__isnull=False).count() == 2


def test_reminders_skip_submitted_reviews_and_past_deadlines(world):
    a, b = world["science"]
    _declare(world["expert_review"], world["expert"])
    evaluation.review_submit(review=world["expert_review"], scores={a.pk: 3, b.pk: 3},
                             recommendation="fund", comments="", by=world["expert"])
    now = timezone.now()
    assert evaluation.review_reminders_send(now=now + dt.timedelta(days=10)) == 0  # past
    assert evaluation.review_reminders_send(now=now) == 1  # only the patient partner


# --- auditions -------------------------------------------------------------------------------

def test_audition_scheduled_then_given_an_outcome_with_history():
    staff = StaffUserFactory()
    application = _application()
    member = UserFactory()
    audition = evaluation.audition_schedule(
        application=application, scheduled_at=timezone.now() + dt.timedelta(days=3),
        panel=[member], panel_description="Groupe ECLAIR", by=staff)
    assert list(audition.panel.all()) == [member] and audition.outcome == ""
    with pytest.raises(ValidationError, match="avis"):
        evaluation.audition_record_outcome(audition=audition, outcome="bof", by=staff)
    evaluation.audition_record_outcome(audition=audition, outcome=Audition.Outcome.RESERVED,
                                       notes="Budget à revoir.", by=staff)
    audition.refresh_from_db()
    assert audition.outcome == "reserved" and audition.outcome_recorded_at is not None
    assert audition.history.first().history_user == staff
    with pytest.raises(ValidationError, match="ne peut pas être auditionnée"):
        evaluation.audition_schedule(application=ApplicationFactory(status="withdrawn"),
                                     scheduled_at=timezone.now(), by=staff)


# --- bounded queries -------------------------------------------------------------------------

def _assigned(reviewer, call, count):
    for _ in range(count):
        evaluation.review_assign(application=_application(call), reviewer=reviewer, by=None)


def test_reviewer_list_query_count_does_not_grow(client, django_assert_num_queries):
    reviewer = _reviewer()
    call = CallFactory(review_deadline=timezone.now())
    _assigned(reviewer, call, 1)
    _login(client, reviewer)
    url = reverse("evaluations:list")
    client.get(url)  # warm the session and the caches
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200
    _assigned(reviewer, call, 3)
    client.get(url)  # the footer's co-funders, read again after a change of the records
    with django_assert_num_queries(3):
        page = client.get(url).content.decode()
    assert page.count("/evaluations/") >= 4


def test_staff_call_page_query_count_does_not_grow(client, django_assert_num_queries):
    staff = StaffUserFactory(is_superuser=True)
    login_with_mfa(client, staff)
    call = CallFactory(review_deadline=timezone.now() - dt.timedelta(days=1))
    _assigned(_reviewer(), call, 1)
    url = reverse("evaluations:staff-call", args=[call.pk])
    client.get(url)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    _assigned(_reviewer(), call, 3)
    _assigned(_reviewer(Review.Role.PATIENT_PARTNER), call, 2)
    client.get(url)  # the footer's co-funders, read again after a change of the records
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (select_for_update) need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_of_one_review_give_one_set_of_scores(world):
    """A double click or two tabs: one submission, one score per criterion."""
    import threading

    from programmes.models import ReviewScore

    review, expert = world["expert_review"], world["expert"]
    a, b = world["science"]
    _declare(review, expert)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            evaluation.review_submit(review=Review.objects.get(pk=review.pk),
                                     scores={a.pk: 4, b.pk: 3}, recommendation="fund",
                                     comments="", by=expert)
            outcomes.append("submitted")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "submitted"]
    assert ReviewScore.objects.filter(review=review).count() == 2
