"""The write layer of applications: every move of the transitions table, decisions recorded
with the status they give, the history import, a call's envelope never below its awards."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from programmes.models import Application, Decision
from programmes.services import (
    HISTORY_IMPORT_REASON,
    application_create,
    application_import_history,
    application_set_status,
    call_check_budget,
    decision_record,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

S = Application.Status
COMMITTEE = datetime.date(2025, 6, 26)
ALL_MOVES = [(a, b) for a, b in itertools.product(S.values, S.values) if a != b]


def _allowed(old, new):
    return new in Application.ALLOWED_TRANSITIONS[old]


@pytest.mark.parametrize(("old", "new"), ALL_MOVES)
def test_application_set_status_applies_exactly_the_transitions_table(old, new):
    application = f.ApplicationFactory(status=old)
    staff = f.StaffUserFactory()
    history_before = application.history.count()

    if _allowed(old, new):
        application_set_status(
            application=application, status=new, by=staff, committee_date=COMMITTEE
        )
        application.refresh_from_db()
        assert application.status == new
        latest = application.history.first()
        assert (latest.status, latest.history_user) == (new, staff)
        assert latest.prev_record.status == old
        decisions = list(application.decisions.values_list("outcome", "committee_date"))
        assert decisions == ([(new, COMMITTEE)] if new in Application.DECISION_STATUSES else [])
    else:
        with pytest.raises(ValidationError) as error:
            application_set_status(
                application=application, status=new, by=staff, committee_date=COMMITTEE
            )
        assert error.value.message_dict["status"] == [
            f"Passage impossible de « {S(old).label} » à « {S(new).label} »."
        ]
        application.refresh_from_db()
        assert application.status == old
        assert application.history.count() == history_before
        assert not application.decisions.exists()


def test_application_set_status_submitting_stamps_the_time():
    application = f.ApplicationFactory(status=S.DRAFT)
    moment = timezone.now() - datetime.timedelta(minutes=3)
    application_set_status(application=application, status=S.SUBMITTED, at=moment)
    assert application.submitted_at == moment


def test_application_set_status_decision_needs_the_committee_date():
    application = f.ApplicationFactory(status=S.UNDER_REVIEW)
    with pytest.raises(ValidationError) as error:
        application_set_status(application=application, status=S.SELECTED)
    assert "committee_date" in error.value.message_dict
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert not Decision.objects.exists()


def test_decision_record_writes_the_decision_and_the_status_together():
    application = f.ApplicationFactory(status=S.UNDER_REVIEW)
    staff = f.StaffUserFactory()
    decision = decision_record(
        application=application, outcome=Decision.Outcome.SELECTED, committee_date=COMMITTEE,
        notes="Classé premier.", by=staff,
    )
    application.refresh_from_db()
    assert application.status == S.SELECTED
    assert (decision.outcome, decision.recorded_by, decision.notes) == (
        "selected", staff, "Classé premier."
    )
    assert decision.history.first().history_user == staff


def test_decision_record_refused_leaves_no_decision():
    application = f.ApplicationFactory(status=S.SUBMITTED)
    with pytest.raises(ValidationError):
        decision_record(
            application=application, outcome=Decision.Outcome.SELECTED, committee_date=COMMITTEE
        )
    assert not Decision.objects.exists()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_decision_one_final_decision_per_application_in_the_database():
    application = f.ApplicationFactory(status=S.SELECTED)
    Decision.objects.create(
        application=application, outcome=Decision.Outcome.SELECTED, committee_date=COMMITTEE
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            application=application, outcome=Decision.Outcome.NOT_SELECTED,
            committee_date=COMMITTEE + datetime.timedelta(days=1),
        )
    # Other outcomes may repeat (eligible, then audition, on other dates).
    Decision.objects.create(
        application=application, outcome=Decision.Outcome.ELIGIBLE, committee_date=COMMITTEE
    )
    assert application.decisions.count() == 2


def test_application_create_refuses_a_later_status():
    call = f.CallFactory()
    application = f.ApplicationFactory.build(
        call=call, applicant=f.UserFactory(), principal_investigator=f.PersonFactory(),
        status=S.SELECTED,
    )
    with pytest.raises(ValidationError) as error:
        application_create(application=application)
    assert "status" in error.value.message_dict
    assert not Application.objects.exists()


def test_application_create_submitted_gets_a_submission_time():
    application = f.ApplicationFactory.build(
        call=f.CallFactory(), applicant=f.UserFactory(),
        principal_investigator=f.PersonFactory(), status=S.SUBMITTED, submitted_at=None,
    )
    application_create(application=application)
    assert Application.objects.get().submitted_at is not None


def _past_application(call, **kwargs):
    return f.ApplicationFactory.build(
        call=call, applicant=f.UserFactory(), principal_investigator=f.PersonFactory(),
        **kwargs,
    )


def test_application_import_history_loads_a_past_status_with_its_reason():
    call = f.CallFactory(closes_at=timezone.now() - datetime.timedelta(days=400))
    staff = f.StaffUserFactory()
    application = _past_application(call, status=S.NOT_SELECTED)
    application_import_history(application=application, by=staff)
    stored = Application.objects.get()
    assert stored.status == S.NOT_SELECTED
    record = stored.history.get()
    assert (record.history_change_reason, record.history_user) == (HISTORY_IMPORT_REASON, staff)


def test_application_import_history_refuses_an_open_call():
    call = f.CallFactory(
        opens_at=timezone.now() - datetime.timedelta(days=10),
        closes_at=timezone.now() + datetime.timedelta(days=10),
    )
    with pytest.raises(ValidationError) as error:
        application_import_history(application=_past_application(call, status=S.SELECTED))
    assert "call" in error.value.message_dict
    assert not Application.objects.exists()


def test_application_import_history_never_moves_an_existing_application():
    call = f.CallFactory(closes_at=timezone.now() - datetime.timedelta(days=400))
    existing = f.ApplicationFactory(call=call, status=S.NOT_SELECTED)
    existing.status = S.SELECTED
    with pytest.raises(ValidationError) as error:
        application_import_history(application=existing)
    assert "reference" in error.value.message_dict
    existing.refresh_from_db()
    assert existing.status == S.NOT_SELECTED


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks (select_for_update) need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_application_set_status_two_concurrent_submits_give_one_submission():
    """QUALITY 11: two submits of one draft at once; exactly one is applied."""
    import threading

    application = f.ApplicationFactory(status=S.DRAFT)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            application_set_status(
                application=Application.objects.get(pk=application.pk), status=S.SUBMITTED
            )
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
    assert application.history.filter(status=S.SUBMITTED).count() == 1


def test_decision_record_failure_after_a_write_leaves_nothing(monkeypatch):
    """QUALITY 13: the database refuses the second write of the service (simulated); the
    decision written first is rolled back with it."""
    application = f.ApplicationFactory(status=S.UNDER_REVIEW)
    original_save = Application.save

    def failing_save(self, *args, **kwargs):
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(Application, "save", failing_save)
    with pytest.raises(IntegrityError):
        decision_record(application=application, outcome=Decision.Outcome.SELECTED,
                        committee_date=COMMITTEE)
    monkeypatch.setattr(Application, "save", original_save)
    assert not Decision.objects.exists()
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW


def test_application_set_status_withdrawing_a_draft_leaves_no_submission_time():
    application = f.ApplicationFactory(status=S.DRAFT)
    application_set_status(application=application, status=S.WITHDRAWN)
    application.refresh_from_db()
    assert (application.status, application.submitted_at) == (S.WITHDRAWN, None)


def test_application_set_status_withdrawing_keeps_the_submission_time():
    application = f.ApplicationFactory(status=S.SUBMITTED)
    submitted_at = application.submitted_at
    application_set_status(application=application, status=S.WITHDRAWN)
    application.refresh_from_db()
    assert application.submitted_at == submitted_at


def test_application_set_status_without_by_names_the_user_of_the_request():
    """Called with no `by` inside a request, the history names the request's user (through
    django-simple-history's middleware), never nobody."""
    from django.test import RequestFactory
    from simple_history.middleware import HistoryRequestMiddleware

    application = f.ApplicationFactory(status=S.DRAFT)
    staff = f.StaffUserFactory()
    request = RequestFactory().post("/")
    request.user = staff

    def view(request):
        application_set_status(application=application, status=S.SUBMITTED)

    HistoryRequestMiddleware(view)(request)
    assert application.history.first().history_user == staff


@pytest.mark.parametrize("outcome", ["", "withdrawn", "submitted"])
def test_decision_record_refuses_an_unknown_outcome(outcome):
    application = f.ApplicationFactory(status=S.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        decision_record(application=application, outcome=outcome, committee_date=COMMITTEE)
    assert error.value.message_dict == {"outcome": ["Décision inconnue."]}
    assert not Decision.objects.exists()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_decision_record_without_the_committee_date_says_so():
    application = f.ApplicationFactory(status=S.UNDER_REVIEW)
    with pytest.raises(ValidationError) as error:
        decision_record(
            application=application, outcome=Decision.Outcome.SELECTED, committee_date=None
        )
    assert error.value.message_dict == {
        "committee_date": ["Indiquez la date du comité qui a pris cette décision."]
    }
    assert not Decision.objects.exists()


def test_application_import_history_accepts_a_call_closing_this_instant(monkeypatch):
    """A call is closed from its closing time on (`Call.is_open`)."""
    call = f.CallFactory(closes_at=timezone.now() - datetime.timedelta(days=1))
    monkeypatch.setattr(timezone, "now", lambda: call.closes_at)
    application_import_history(application=_past_application(call, status=S.SELECTED))
    assert Application.objects.get().status == S.SELECTED


def test_application_create_draft_has_no_submission_time():
    application = _past_application(f.CallFactory(), status=S.DRAFT, submitted_at=None)
    application_create(application=application)
    assert Application.objects.get().submitted_at is None


def test_application_create_submitted_keeps_its_submission_time():
    moment = timezone.now() - datetime.timedelta(days=2)
    application = _past_application(f.CallFactory(), status=S.SUBMITTED, submitted_at=moment)
    application_create(application=application)
    assert Application.objects.get().submitted_at == moment


def test_application_create_keeps_a_change_reason_given_by_the_caller():
    staff = f.StaffUserFactory()
    application = _past_application(f.CallFactory(), status=S.DRAFT, submitted_at=None)
    application._change_reason = "Saisie d'un dossier papier"
    application_create(application=application, by=staff)
    record = Application.objects.get().history.get()
    assert (record.history_change_reason, record.history_user) == (
        "Saisie d'un dossier papier", staff
    )


def _award_in(call, amount):
    return f.AwardFactory(
        application=f.ApplicationFactory(call=call, status=S.SELECTED), amount=Decimal(amount)
    )


def test_call_check_budget_allows_the_envelope_down_to_what_is_awarded():
    call = f.CallFactory(budget=Decimal("100000"))
    _award_in(call, "30000")
    _award_in(call, "20000")
    call_check_budget(call=call, budget=Decimal("50000"))
    with pytest.raises(ValidationError) as error:
        call_check_budget(call=call, budget=Decimal("49999.99"))
    assert error.value.message_dict == {"budget": [
        "Les financements déjà accordés sur cet appel font 50\u202f000\xa0€ : l'enveloppe ne "
        "peut pas être inférieure."
    ]}


def test_call_check_budget_counts_only_the_awards_of_that_call():
    call = f.CallFactory(budget=Decimal("100000"))
    _award_in(call, "30000")
    _award_in(f.CallFactory(), "60000")
    call_check_budget(call=call, budget=Decimal("30000"))
    with pytest.raises(ValidationError):
        call_check_budget(call=call, budget=Decimal("29999"))


def test_call_check_budget_of_a_call_without_awards_accepts_zero():
    call = f.CallFactory(budget=Decimal("100000"))
    _award_in(f.CallFactory(), "60000")
    call_check_budget(call=call, budget=Decimal("0"))
    with pytest.raises(ValidationError):
        call_check_budget(call=call, budget=Decimal("-1"))


def test_call_check_budget_skips_a_new_call_or_a_missing_budget():
    """A new call has no awards yet; a missing budget is reported by the field itself."""
    new_call = f.CallFactory.build(programme=f.ProgrammeFactory())
    call_check_budget(call=new_call, budget=Decimal("10"))
    call = f.CallFactory()
    _award_in(call, "30000")
    call_check_budget(call=call, budget=None)
    with pytest.raises(ValidationError):
        call_check_budget(call=call, budget=Decimal("10"))


def test_every_final_decision_tells_the_applicant_once_after_the_commit(
    django_capture_on_commit_callbacks,
):
    """However it is recorded (admin status field, decisions admin, bulk action, the Retenir
    page), a final decision e-mails the applicant; an intermediate one does not."""
    from django.core import mail

    eligible = f.ApplicationFactory(status=S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        application_set_status(application=eligible, status=S.ELIGIBLE,
                               committee_date=datetime.date(2025, 6, 1))
    assert mail.outbox == []

    rejected = f.ApplicationFactory(status=S.UNDER_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        application_set_status(application=rejected, status=S.NOT_SELECTED,
                               committee_date=datetime.date(2025, 6, 26))
    selected = f.ApplicationFactory(status=S.UNDER_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        application_set_status(application=selected, status=S.SELECTED,
                               committee_date=datetime.date(2025, 6, 26))
    assert [m.to for m in mail.outbox] == [[rejected.applicant.email],
                                           [selected.applicant.email]]
    assert "n'a pas été retenue" in mail.outbox[0].body
    assert "a retenu votre demande" in mail.outbox[1].body
    assert "Montant accordé" not in mail.outbox[1].body  # no award recorded (yet)
