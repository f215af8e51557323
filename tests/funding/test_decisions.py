"""Issue 9, decisions: the ranking of a call (values, sorting, CSV/XLSX, bounded queries), the
final decision in one step (decision + award split between the call's co-funders + funded
project, all or nothing, within the envelope, also concurrently on PostgreSQL), the
applicant's e-mail in their language after the commit, the dashboard's amount, the
disbursements' limits, the key figures of the decision's year, and who may open these pages."""

import csv
import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from clara.keyfigures.selectors import key_figures_for_year
from funding.models import Award, Contribution, Disbursement
from funding.services import (
    award_sign_agreement,
    award_update,
    disbursement_pay,
    disbursement_plan,
    disbursement_report,
)
from programmes import ranking
from programmes.models import Application, Audition, Decision, Programme, Review
from projects.decisions import application_reject, application_select
from projects.models import FundedProject, ProjectYearStatus
from tests import factories as f
from tests.factories import paris
from tests.helpers import login_with_mfa

pytestmark = pytest.mark.django_db

S = Application.Status
COMMITTEE = dt.date(2025, 6, 26)
DECIDED = paris(2025, 6, 26, 12)


def _call(budget="100000", kind=Programme.Kind.ONCOSTARTER, funders=2, **kwargs):
    call = f.CallFactory(budget=Decimal(budget), programme=f.ProgrammeFactory(kind=kind),
                         **kwargs)
    cofunders = [f.FunderFactory() for _ in range(funders)]
    call.cofunders.set(cofunders)
    return call, cofunders


def _under_review(call, **kwargs):
    return f.ApplicationFactory(call=call, status=S.UNDER_REVIEW, **kwargs)


def _select(application, funders, amounts, **kwargs):
    kwargs.setdefault("committee_date", COMMITTEE)
    kwargs.setdefault("decided_at", DECIDED)
    return application_select(
        application=application, amount=sum((Decimal(a) for a in amounts), Decimal("0")),
        contributions={funder: Decimal(a) for funder, a in zip(funders, amounts, strict=True)},
        **kwargs,
    )


# --- the decision in one step ---------------------------------------------------------------

def test_select_records_decision_award_split_and_ongoing_project(django_capture_on_commit_callbacks):
    call, (inca, ligue) = _call()
    application = _under_review(call, applicant=f.UserFactory(language="en"))
    staff = f.StaffUserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        award = _select(application, [inca, ligue], ["20000", "10000"], by=staff,
                        start_date=dt.date(2025, 9, 1))

    application.refresh_from_db()
    assert application.status == S.SELECTED
    decision = application.decisions.get()
    assert (decision.outcome, decision.committee_date, decision.recorded_by) == (
        Decision.Outcome.SELECTED, COMMITTEE, staff)
    assert award.amount == Decimal("30000")
    assert dict(award.contributions.values_list("funder", "amount")) == {
        inca.pk: Decimal("20000"), ligue.pk: Decimal("10000")}
    project = FundedProject.objects.get(award=award)
    assert project.name == application.acronym
    assert list(project.year_statuses.values_list("year", "status")) == [
        (2025, ProjectYearStatus.Status.ONGOING)]
    assert award.history.get().history_user == staff
    assert len(mail.outbox) == 1


def test_select_project_starting_a_later_year_is_ongoing_from_that_year():
    call, (inca, _ligue) = _call()
    award = _select(_under_review(call), [inca], ["5000"], start_date=dt.date(2026, 2, 1))
    assert list(award.project.year_statuses.order_by("year").values_list("year", "status")) == [
        (2025, ProjectYearStatus.Status.NOT_STARTED), (2026, ProjectYearStatus.Status.ONGOING)]


def test_select_of_a_non_research_programme_opens_no_project():
    call, (inca, _) = _call(kind=Programme.Kind.MOBILITY)
    award = _select(_under_review(call), [inca], ["1500"])
    assert not FundedProject.objects.filter(award=award).exists()


def _nothing_written(application):
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert not Decision.objects.exists()
    assert not Award.objects.exists() and not Contribution.objects.exists()
    assert not FundedProject.objects.exists()
    assert not Decision.history.exists() and not Award.history.exists()


def test_select_with_a_split_that_does_not_add_up_changes_nothing(
        django_capture_on_commit_callbacks):
    call, (inca, ligue) = _call()
    application = _under_review(call)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as e:
        application_select(application=application, committee_date=COMMITTEE,
                           decided_at=DECIDED, amount=Decimal("30000"),
                           contributions={inca: Decimal("20000"), ligue: Decimal("9999.99")})
    assert e.value.message_dict["contributions"] == [
        "Les contributions des financeurs font 29\u202f999,99\xa0€ pour un montant accordé de "
        "30\u202f000\xa0€ : elles doivent faire exactement le montant."]
    _nothing_written(application)
    assert mail.outbox == []


def test_select_beyond_the_envelope_says_by_how_much_and_changes_nothing():
    call, (inca, _) = _call(budget="50000")
    _select(_under_review(call), [inca], ["30000"])
    application = _under_review(call)
    with pytest.raises(ValidationError) as error:
        _select(application, [inca], ["25000"])
    assert error.value.message_dict["amount"] == [
        f"L'enveloppe de l'appel « {call} » est de 50\u202f000\xa0€ ; 30\u202f000\xa0€ sont "
        "déjà accordés : il reste 20\u202f000\xa0€. Ce financement la dépasserait de "
        "5\u202f000\xa0€."]
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert not application.decisions.exists()
    assert Award.objects.count() == 1


def test_select_refuses_a_funder_that_is_not_a_cofunder_of_the_call():
    call, (inca, _) = _call()
    stranger = f.FunderFactory(name="Fondation inconnue")
    application = _under_review(call)
    with pytest.raises(ValidationError) as error:
        _select(application, [inca, stranger], ["100", "100"])
    assert error.value.message_dict["contributions"] == [
        "Ces financeurs ne sont pas cofinanceurs de l'appel : F"
        f"{stranger.short_name[1:]}."]
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW


def test_select_refuses_an_application_already_decided():
    call, (inca, _) = _call()
    application = _under_review(call)
    application_reject(application=application, committee_date=COMMITTEE)
    with pytest.raises(ValidationError):
        _select(application, [inca], ["100"])
    assert not Award.objects.exists()


def test_a_failure_after_the_award_rolls_back_everything(monkeypatch):
    """QUALITY 13: the project cannot be written (simulated) after the decision and the
    award: none of them is left."""
    from django.db import IntegrityError

    call, (inca, _) = _call()
    application = _under_review(call)

    def failing_save(self, *args, **kwargs):
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(FundedProject, "save", failing_save)
    with pytest.raises(IntegrityError):
        _select(application, [inca], ["100"])
    _nothing_written(application)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_selections_never_exceed_the_envelope():
    call, (inca, _) = _call(budget="50000")
    first, second = _under_review(call), _under_review(call)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(application):
        try:
            barrier.wait()
            _select(application, [inca], ["30000"])
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Award.objects.count() == 1
    assert Decision.objects.count() == 1
    assert Application.objects.filter(status=S.SELECTED).count() == 1


# --- the applicant's e-mail -----------------------------------------------------------------

@pytest.mark.parametrize(("language", "month", "amount"), [
    ("en", "June", "€12,500"), ("fr", "juin", "12\u202f500\xa0€"), ("", "juin", "12\u202f500\xa0€")])
def test_decision_email_is_sent_once_after_commit_in_the_applicants_language(
        django_capture_on_commit_callbacks, language, month, amount):
    call, (inca, _) = _call()
    application = _under_review(call, applicant=f.UserFactory(language=language))
    with django_capture_on_commit_callbacks() as callbacks:
        _select(application, [inca], ["12500"])
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == [application.applicant.email]
    assert application.reference in message.subject
    assert month in message.body  # the committee's date, in the applicant's language
    assert amount in message.body  # the amount, written the applicant's way
    assert translation.get_language() == "fr"  # the language of the request is left alone


def test_rejection_email_says_not_selected(django_capture_on_commit_callbacks):
    application = _under_review(_call()[0])
    with django_capture_on_commit_callbacks(execute=True):
        application_reject(application=application, committee_date=COMMITTEE, notes="Hors champ")
    application.refresh_from_db()
    assert application.status == S.NOT_SELECTED
    [message] = mail.outbox
    assert "n'a pas été retenue" in message.body
    assert "€" not in message.body


def test_submission_remembers_the_language_of_the_applicant():
    from programmes.services import application_submit
    from tests.programmes.test_applicant import _ready_draft

    draft = _ready_draft()
    with translation.override("en"):
        application_submit(application=draft, by=draft.applicant)
    draft.applicant.refresh_from_db()
    assert draft.applicant.language == "en"


# --- the ranking ----------------------------------------------------------------------------

def _scored(application, reviewer_scores, recommendation="", status=Review.Status.SUBMITTED):
    review = f.ReviewFactory(application=application, status=status, recommendation=recommendation,
                             submitted_at=DECIDED if status == Review.Status.SUBMITTED else None)
    for criterion, score in reviewer_scores:
        f.ReviewScoreFactory(review=review, criterion=criterion, score=score)
    return review


def _ranked_call():
    """Criteria: A out of 5 weight 2, B out of 10 weight 1.
    - APP-A: reviews (5, 10) -> 20.00 and (3, 4) -> (2*0.6 + 0.4)/3*20 = 10.67;
      mean 15.33, lowest 10.67, highest 20, population deviation 4.67.
    - APP-B: one review (4, 8) -> (2*0.8 + 0.8)/3*20 = 16.00; an assigned review not counted.
    - APP-C: no review; a withdrawn application is not listed."""
    call, _ = _call()
    a = f.EvaluationCriterionFactory(call=call, max_score=5, weight=Decimal("2"), position=1)
    b = f.EvaluationCriterionFactory(call=call, max_score=10, weight=Decimal("1"), position=2)
    first = _under_review(call, reference="APP-A", acronym="ALPHA")
    second = _under_review(call, reference="APP-B", acronym="=HYPERLINK(1)")
    third = _under_review(call, reference="APP-C")
    f.ApplicationFactory(call=call, status=S.WITHDRAWN, reference="APP-W")
    _scored(first, [(a, 5), (b, 10)], Review.Recommendation.FUND)
    _scored(first, [(a, 3), (b, 4)], Review.Recommendation.FUND_WITH_CONDITIONS)
    _scored(second, [(a, 4), (b, 8)], Review.Recommendation.FUND)
    _scored(second, [(a, 1), (b, 1)], status=Review.Status.ASSIGNED)
    f.AuditionFactory(application=second, outcome=Audition.Outcome.FAVOURABLE,
                      outcome_recorded_at=DECIDED)
    return call, (first, second, third)


def test_ranking_values_on_a_hand_computed_example():
    call, _ = _ranked_call()
    rows = ranking.call_ranking(call=call)
    assert [(r.application.reference, r.rank, r.mean, r.reviews) for r in rows] == [
        ("APP-B", 1, Decimal("16.00"), 1),
        ("APP-A", 2, Decimal("15.33"), 2),
        ("APP-C", None, None, 0),
    ]
    b, a, _c = rows
    assert (a.lowest, a.highest, a.spread) == (Decimal("10.67"), Decimal("20.00"),
                                               Decimal("4.67"))
    assert a.recommendations == {"fund": 1, "fund_with_conditions": 1}
    assert (b.audition, a.audition) == ("Favorable", "")


@pytest.mark.parametrize(("sort", "expected"), [
    ("reference", ["APP-A", "APP-B", "APP-C"]),
    ("-evaluations", ["APP-A", "APP-B", "APP-C"]),
    ("ecart", ["APP-B", "APP-A", "APP-C"]),
    ("-ecart", ["APP-A", "APP-B", "APP-C"]),
    ("-note", ["APP-B", "APP-A", "APP-C"]),
    ("note", ["APP-A", "APP-B", "APP-C"]),
    ("audition", ["APP-B", "APP-A", "APP-C"]),
    ("nonsense", ["APP-B", "APP-A", "APP-C"]),
])
def test_ranking_sorts_by_each_column_with_empty_values_last(sort, expected):
    call, _ = _ranked_call()
    assert [r.application.reference for r in ranking.call_ranking(call=call, sort=sort)] == expected


@pytest.fixture
def staff_client(client):
    login_with_mfa(client, f.SuperUserFactory())
    return client


def _ranking_url(call):
    return f"/admin/programmes/call/{call.pk}/classement/"


def test_ranking_csv_export_french_conventions(staff_client):
    call, _ = _ranked_call()
    response = staff_client.get(_ranking_url(call), {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:7] == ["rang", "référence", "acronyme", "titre", "porteur ou porteuse",
                           "statut", "note pondérée /20"]
    assert rows[1][:3] == ["1", "APP-B", "'=HYPERLINK(1)"]  # QUALITY 9
    assert rows[1][6:11] == ["16,00", "1", "16,00", "16,00", "0,00"]
    assert rows[2][6:11] == ["15,33", "2", "10,67", "20,00", "4,67"]
    assert rows[3][0] == "" and rows[3][6] == ""
    assert rows[1][11] == "Favorable"
    assert rows[1][15] == "40000,00"


def test_ranking_xlsx_export(staff_client):
    from openpyxl import load_workbook

    call, _ = _ranked_call()
    response = staff_client.get(_ranking_url(call), {"format": "xlsx", "o": "reference"})
    assert response["Content-Type"] == ranking.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][1] == "référence"
    assert [row[1] for row in values[1:]] == ["APP-A", "APP-B", "APP-C"]
    assert values[1][6] == pytest.approx(15.33)
    assert values[2][2] == "'=HYPERLINK(1)"
    assert values[1][7] == 2


def test_ranking_page_shows_the_rows_and_the_decision_links(staff_client):
    call, (first, _second, _third) = _ranked_call()
    response = staff_client.get(_ranking_url(call), {"o": "-note"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "15,33" in body or "15.33" in body
    assert f"/admin/programmes/application/{first.pk}/retenir/" in body
    assert 'aria-sort="descending"' in body


def _ranking_queries(client, call) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(_ranking_url(call)).status_code == 200
    return len(queries)


def test_ranking_page_queries_do_not_grow_with_applications(staff_client):
    call, (inca, _) = _call()
    criterion = f.EvaluationCriterionFactory(call=call)
    one = _under_review(call)
    _scored(one, [(criterion, 3)], Review.Recommendation.FUND)
    single = _ranking_queries(staff_client, call)
    for _ in range(4):
        application = _under_review(call)
        _scored(application, [(criterion, 4)], Review.Recommendation.DO_NOT_FUND)
        _scored(application, [(criterion, 2)])
        f.AuditionFactory(application=application, outcome=Audition.Outcome.RESERVED,
                          outcome_recorded_at=DECIDED)
    _select(application, [inca], ["1000"])
    assert _ranking_queries(staff_client, call) == single
    # The selector itself: the applications, the scores and the recommendations.
    with CaptureQueriesContext(connection) as queries:
        ranking.call_ranking(call=call)
    assert len(queries) == 3


# --- the pages: who may open them, and the decision through the form ------------------------

def _pages(application):
    return [_ranking_url(application.call),
            f"/admin/programmes/application/{application.pk}/retenir/",
            f"/admin/programmes/application/{application.pk}/ne-pas-retenir/",
            "/admin/funding/versements/"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_pages_refuse_anonymous_and_applicants(client, method):
    application = _under_review(_call()[0])
    for url in _pages(application):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"]
    client.force_login(application.applicant)
    for url in _pages(application):
        response = getattr(client, method)(url, follow=True)
        assert response.status_code == 403, url  # the admin's login refuses non-staff
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW


def test_staff_without_permissions_gets_403(client):
    staff = f.StaffUserFactory()
    login_with_mfa(client, staff)
    application = _under_review(_call()[0])
    for url in _pages(application):
        assert client.get(url).status_code == 403, url


def test_unknown_ids_give_404(staff_client):
    for url in ["/admin/programmes/call/999999/classement/",
                "/admin/programmes/application/999999/retenir/",
                "/admin/programmes/application/999999/ne-pas-retenir/"]:
        assert staff_client.get(url).status_code == 404


def test_select_form_records_everything_and_ignores_extra_fields(staff_client):
    call, (inca, ligue) = _call()
    application = _under_review(call)
    url = f"/admin/programmes/application/{application.pk}/retenir/"
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {
        "committee_date": "2025-06-26", "decided_on": "2025-06-27", "amount": "30000",
        f"funder_{inca.pk}": "20000", f"funder_{ligue.pk}": "10000", "notes": "Excellent",
        "status": "withdrawn", "applicant": f.UserFactory().pk,  # QUALITY 4: ignored
    })
    assert response.status_code == 302
    assert response["Location"] == _ranking_url(call)
    award = Award.objects.get()
    assert award.decided_at == paris(2025, 6, 27, 12)
    assert award.contributions.count() == 2
    application.refresh_from_db()
    assert application.status == S.SELECTED


def test_select_form_reads_amounts_as_people_type_them(staff_client):
    """"30 000" with an ordinary space, "20 000,00 €", a narrow no-break space: all read."""
    call, (inca, ligue) = _call()
    application = _under_review(call)
    url = f"/admin/programmes/application/{application.pk}/retenir/"
    response = staff_client.post(url, {
        "committee_date": "2025-06-26", "decided_on": "2025-06-27", "amount": "30 000",
        f"funder_{inca.pk}": "20 000,00 €", f"funder_{ligue.pk}": "10\u202f000",
    })
    assert response.status_code == 302
    award = Award.objects.get()
    assert award.amount == Decimal("30000")
    assert sorted(c.amount for c in award.contributions.all()) == [Decimal("10000"),
                                                                  Decimal("20000")]


def test_select_form_shows_the_refusal_and_changes_nothing(staff_client):
    call, (inca, ligue) = _call(budget="25000")
    application = _under_review(call)
    url = f"/admin/programmes/application/{application.pk}/retenir/"
    response = staff_client.post(url, {
        "committee_date": "2025-06-26", "decided_on": "2025-06-26", "amount": "30000",
        f"funder_{inca.pk}": "20000", f"funder_{ligue.pk}": "10000",
    })
    assert response.status_code == 200
    assert "la dépasserait de 5\u202f000\xa0€" in response.content.decode()
    _nothing_written(application)


def test_reject_form_records_the_decision(staff_client):
    application = _under_review(_call()[0])
    url = f"/admin/programmes/application/{application.pk}/ne-pas-retenir/"
    response = staff_client.post(url, {"committee_date": "2025-06-26", "notes": ""})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.NOT_SELECTED


def test_dashboard_shows_the_awarded_amount(client):
    call, (inca, _) = _call()
    application = _under_review(call)
    _select(application, [inca], ["14350"])
    client.force_login(application.applicant)
    body = client.get("/mon-espace/").content.decode()
    assert "14\u202f350\xa0€" in body


# --- key figures of the decision's year -----------------------------------------------------

def test_a_decision_moves_the_key_figures_of_the_year_it_is_dated_in():
    call, (inca, ligue) = _call(year=2024, kind=Programme.Kind.ONCOSTARTER)
    application = _under_review(call)
    before = {year: key_figures_for_year(year) for year in (2024, 2025)}

    _select(application, [inca, ligue], ["20000", "5000"], committee_date=dt.date(2024, 7, 1),
            decided_at=paris(2024, 7, 1, 12))

    after = {year: key_figures_for_year(year) for year in (2024, 2025)}
    assert after[2025] == before[2025]
    changed = {key: (before[2024][key], value) for key, value in after[2024].items()
               if value != before[2024][key]}
    assert changed == {
        "awards.count": (0, 1),
        "awards.amount_eur": (Decimal("0"), Decimal("25000")),
        "oncostarter.selected": (0, 1),
        "oncostarter.amount_eur": (Decimal("0"), Decimal("25000")),
        "oncostarter.ongoing": (0, 1),
    }


# --- disbursements --------------------------------------------------------------------------

@pytest.fixture
def award():
    call, (inca, ligue) = _call()
    return _select(_under_review(call), [inca, ligue], ["20000", "10000"])


def _funders(award):
    return [c.funder for c in award.contributions.order_by("funder__name")]


def test_tranches_never_exceed_the_award_nor_a_funders_contribution(award):
    inca, ligue = _funders(award)
    disbursement_plan(award=award, amount=Decimal("15000"), funder=inca)
    with pytest.raises(ValidationError) as error:
        disbursement_plan(award=award, amount=Decimal("5000.01"), funder=inca)
    assert error.value.message_dict["amount"] == [
        f"La contribution de {inca} est de 20\u202f000\xa0€ ; 15\u202f000\xa0€ sont déjà "
        "prévus ou versés : il reste 5\u202f000\xa0€."]
    disbursement_plan(award=award, amount=Decimal("10000"), funder=ligue)
    with pytest.raises(ValidationError) as error:
        disbursement_plan(award=award, amount=Decimal("5000.01"))
    assert error.value.message_dict["amount"] == [
        "Les versements de ce financement feraient 30\u202f000,01\xa0€ pour un financement de "
        "30\u202f000\xa0€ : il reste 5\u202f000\xa0€ à prévoir."]
    disbursement_plan(award=award, amount=Decimal("5000"))
    assert Disbursement.objects.count() == 3


def test_a_tranche_from_a_funder_outside_the_award_is_refused(award):
    with pytest.raises(ValidationError) as error:
        disbursement_plan(award=award, amount=Decimal("1"), funder=f.FunderFactory())
    assert "funder" in error.value.message_dict
    assert not Disbursement.objects.exists()


def test_paying_needs_the_signed_agreement_and_happens_once(award):
    inca, _ = _funders(award)
    staff = f.StaffUserFactory()
    tranche = disbursement_plan(award=award, amount=Decimal("10000"), funder=inca, by=staff)
    with pytest.raises(ValidationError, match="convention signée"):
        disbursement_pay(disbursement=tranche, paid_on=dt.date(2025, 9, 1))
    award_sign_agreement(award=award, signed_on=dt.date(2025, 8, 1), by=staff)
    disbursement_pay(disbursement=tranche, paid_on=dt.date(2025, 9, 1), by=staff)
    tranche.refresh_from_db()
    assert (tranche.status, tranche.paid_on) == (Disbursement.Status.PAID, dt.date(2025, 9, 1))
    assert tranche.history.first().history_user == staff
    with pytest.raises(ValidationError, match="déjà"):
        disbursement_pay(disbursement=tranche, paid_on=dt.date(2025, 9, 2))


def test_an_award_is_never_cut_below_what_was_paid(award):
    inca, ligue = _funders(award)
    award_sign_agreement(award=award, signed_on=dt.date(2025, 7, 1))
    tranche = disbursement_plan(award=award, amount=Decimal("18000"), funder=inca)
    disbursement_pay(disbursement=tranche, paid_on=dt.date(2025, 9, 1))
    with pytest.raises(ValidationError) as error:
        award_update(award=award, amount=Decimal("25000"), decided_at=DECIDED,
                     contributions={inca: Decimal("15000"), ligue: Decimal("10000")})
    assert "18\u202f000\xa0€ ont déjà été versés au titre de" in " ".join(
        error.value.message_dict["contributions"])
    award.refresh_from_db()
    assert award.amount == Decimal("30000")


def test_disbursement_report_paid_and_remaining_per_funder(award):
    inca, ligue = _funders(award)
    award_sign_agreement(award=award, signed_on=dt.date(2025, 7, 1))
    disbursement_pay(disbursement=disbursement_plan(award=award, amount=Decimal("8000"),
                                                    funder=inca), paid_on=dt.date(2025, 9, 1))
    disbursement_plan(award=award, amount=Decimal("4000"), funder=ligue)
    with CaptureQueriesContext(connection) as queries:
        rows = disbursement_report()
    assert len(queries) == 2
    assert [(r["funder"], r["committed"], r["paid"], r["planned"], r["to_pay"]) for r in rows] == [
        (inca.short_name, Decimal("20000"), Decimal("8000"), Decimal("0"), Decimal("12000")),
        (ligue.short_name, Decimal("10000"), Decimal("0"), Decimal("4000"), Decimal("10000")),
    ]


def test_disbursement_admin_plans_and_pays_through_the_services(staff_client, award):
    from tests.helpers import admin_post_data

    inca, _ = _funders(award)
    add = "/admin/funding/disbursement/add/"
    data = admin_post_data(staff_client.get(add, {"award": award.pk}))
    data.update({"award": award.pk, "funder": inca.pk, "amount": "25000",
                 "condition": "agreement_signed"})
    response = staff_client.post(add, data)
    assert response.status_code == 200  # more than the funder's contribution
    assert not Disbursement.objects.exists()
    data["amount"] = "5000"
    assert staff_client.post(add, data).status_code == 302
    tranche = Disbursement.objects.get()
    changelist = "/admin/funding/disbursement/"
    staff_client.post(changelist, {"action": "mark_paid", "_selected_action": [tranche.pk],
                                   "paid_on": "2025-09-01"})
    tranche.refresh_from_db()
    assert tranche.status == Disbursement.Status.PLANNED  # no agreement yet: refused
    award_sign_agreement(award=award, signed_on=dt.date(2025, 7, 1))
    staff_client.post(changelist, {"action": "mark_paid", "_selected_action": [tranche.pk],
                                   "paid_on": "2025-09-01"})
    tranche.refresh_from_db()
    assert tranche.status == Disbursement.Status.PAID
    assert staff_client.get(f"/admin/funding/award/{award.pk}/change/").status_code == 200
    assert "5\u202f000\xa0€" in staff_client.get("/admin/funding/versements/").content.decode()


def _award_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/funding/award/").status_code == 200
    return len(queries)


def test_award_changelist_with_paid_and_remaining_keeps_its_query_count(staff_client, award):
    inca, _ = _funders(award)
    disbursement_plan(award=award, amount=Decimal("100"), funder=inca)
    single = _award_list_queries(staff_client)
    for _ in range(3):
        call, (funder, _other) = _call()
        other = _select(_under_review(call), [funder], ["1000"])
        disbursement_plan(award=other, amount=Decimal("500"), funder=funder)
    assert _award_list_queries(staff_client) == single


def test_call_and_application_pages_link_to_the_ranking_and_the_decision(staff_client):
    call, _ = _call()
    application = _under_review(call)
    decided = f.ApplicationFactory(call=call, status=S.NOT_SELECTED)
    body = staff_client.get(f"/admin/programmes/call/{call.pk}/change/").content.decode()
    assert _ranking_url(call) in body
    body = staff_client.get(
        f"/admin/programmes/application/{application.pk}/change/").content.decode()
    assert f"/admin/programmes/application/{application.pk}/retenir/" in body
    assert f"/admin/programmes/application/{application.pk}/ne-pas-retenir/" in body
    body = staff_client.get(f"/admin/programmes/application/{decided.pk}/change/").content.decode()
    assert "/retenir/" not in body and _ranking_url(call) in body


def test_ranking_ties_keep_the_order_of_the_references():
    call, _ = _call()
    criterion = f.EvaluationCriterionFactory(call=call)
    for reference in ("APP-2", "APP-1", "APP-3"):
        _scored(_under_review(call, reference=reference), [(criterion, 3)])
    for sort in ("note", "-note", "rang"):
        assert [r.application.reference for r in ranking.call_ranking(call=call, sort=sort)] == [
            "APP-1", "APP-2", "APP-3"]
