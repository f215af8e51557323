"""Awards through the write layer: selected applications only, contributions that add up to
the amount, the call's envelope never exceeded, history of who did it."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from funding.models import Award, Contribution
from funding.services import award_check, award_record, award_update
from programmes.models import Application
from tests import factories as f
from tests.factories import paris

pytestmark = pytest.mark.django_db

DECIDED = paris(2025, 6, 26, 18)


def _selected(budget="100000", **kwargs):
    call = f.CallFactory(budget=Decimal(budget))
    return f.ApplicationFactory(call=call, status=Application.Status.SELECTED, **kwargs)


def test_award_record_writes_the_award_and_its_split():
    application = _selected()
    inca, ligue = f.FunderFactory(), f.FunderFactory()
    staff = f.StaffUserFactory()
    award = award_record(
        application=application, amount=Decimal("30000"), decided_at=DECIDED,
        contributions={inca: Decimal("20000"), ligue: Decimal("10000")}, by=staff,
    )
    assert award.amount == Decimal("30000")
    assert dict(award.contributions.values_list("funder__name", "amount")) == {
        inca.name: Decimal("20000"), ligue.name: Decimal("10000"),
    }
    assert award.history.get().history_user == staff
    assert {c.history.get().history_user for c in award.contributions.all()} == {staff}


@pytest.mark.parametrize("split", [("20000", "9999.99"), ("20000", "10000.01"), ("30000", "-1")])
def test_award_record_refuses_contributions_that_do_not_add_up(split):
    application = _selected()
    inca, ligue = f.FunderFactory(), f.FunderFactory()
    with pytest.raises(ValidationError) as error:
        award_record(
            application=application, amount=Decimal("30000"), decided_at=DECIDED,
            contributions={inca: Decimal(split[0]), ligue: Decimal(split[1])},
        )
    assert "contributions" in error.value.message_dict
    assert not Award.objects.exists()
    assert not Contribution.objects.exists()


@pytest.mark.parametrize(
    "status", [s for s in Application.Status.values if s != Application.Status.SELECTED]
)
def test_award_record_refuses_an_application_not_selected(status):
    application = f.ApplicationFactory(status=status)
    funder = f.FunderFactory()
    with pytest.raises(ValidationError) as error:
        award_record(
            application=application, amount=Decimal("100"), decided_at=DECIDED,
            contributions={funder: Decimal("100")},
        )
    assert error.value.message_dict["application"] == [
        "Seule une demande retenue peut recevoir un financement."
    ]
    assert not Award.objects.exists()


def test_award_record_refuses_a_second_award():
    application = _selected()
    funder = f.FunderFactory()
    award_record(application=application, amount=Decimal("100"), decided_at=DECIDED,
                 contributions={funder: Decimal("100")})
    with pytest.raises(ValidationError) as error:
        award_record(application=application, amount=Decimal("100"), decided_at=DECIDED,
                     contributions={funder: Decimal("100")})
    assert "application" in error.value.message_dict
    assert Award.objects.count() == 1


def test_award_record_fills_the_envelope_exactly_but_never_more():
    first = _selected(budget="50000")
    second = f.ApplicationFactory(call=first.call, status=Application.Status.SELECTED)
    third = f.ApplicationFactory(call=first.call, status=Application.Status.SELECTED)
    funder = f.FunderFactory()
    award_record(application=first, amount=Decimal("30000"), decided_at=DECIDED,
                 contributions={funder: Decimal("30000")})
    award_record(application=second, amount=Decimal("20000"), decided_at=DECIDED,
                 contributions={funder: Decimal("20000")})
    with pytest.raises(ValidationError) as error:
        award_record(application=third, amount=Decimal("0.01"), decided_at=DECIDED,
                     contributions={funder: Decimal("0.01")})
    assert error.value.message_dict["amount"] == [
        f"L'enveloppe de l'appel « {first.call} » est de 50\u202f000\xa0€ ; 50\u202f000\xa0€ "
        "sont déjà accordés : il reste 0\xa0€. Ce financement la dépasserait de 0,01\xa0€."
    ]
    assert Award.objects.count() == 2


def test_award_update_changes_amount_and_split_together():
    application = _selected()
    inca, ligue, region = f.FunderFactory(), f.FunderFactory(), f.FunderFactory()
    award = award_record(
        application=application, amount=Decimal("30000"), decided_at=DECIDED,
        contributions={inca: Decimal("20000"), ligue: Decimal("10000")},
    )
    staff = f.StaffUserFactory()
    award_update(
        award=award, amount=Decimal("45000"), decided_at=DECIDED, notes="Revu.",
        contributions={inca: Decimal("20000"), region: Decimal("25000")}, by=staff,
    )
    award.refresh_from_db()
    assert (award.amount, award.notes) == (Decimal("45000"), "Revu.")
    assert dict(award.contributions.values_list("funder", "amount")) == {
        inca.pk: Decimal("20000"), region.pk: Decimal("25000"),
    }
    assert award.history.first().history_user == staff
    # The removed contribution left a history row of its deletion.
    assert Contribution.history.filter(funder=ligue, history_type="-").count() == 1


def test_award_update_refused_changes_nothing():
    application = _selected(budget="40000")
    inca = f.FunderFactory()
    award = award_record(application=application, amount=Decimal("30000"), decided_at=DECIDED,
                         contributions={inca: Decimal("30000")})
    with pytest.raises(ValidationError):
        award_update(award=award, amount=Decimal("45000"), decided_at=DECIDED,
                     contributions={inca: Decimal("45000")})
    award.refresh_from_db()
    assert award.amount == Decimal("30000")
    assert list(award.contributions.values_list("amount", flat=True)) == [Decimal("30000")]


def test_award_update_may_keep_its_own_share_of_the_envelope():
    application = _selected(budget="30000")
    inca = f.FunderFactory()
    award = award_record(application=application, amount=Decimal("30000"), decided_at=DECIDED,
                         contributions={inca: Decimal("30000")})
    award_update(award=award, amount=Decimal("30000"), decided_at=DECIDED, notes="ok",
                 contributions={inca: Decimal("30000")})
    award.refresh_from_db()
    assert award.notes == "ok"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_award_record_concurrent_awards_never_overspend_the_envelope():
    first = _selected(budget="50000")
    second = f.ApplicationFactory(call=first.call, status=Application.Status.SELECTED)
    funder = f.FunderFactory()
    barrier = threading.Barrier(2)
    outcomes = []

    def record(application):
        try:
            barrier.wait()
            award_record(application=application, amount=Decimal("30000"), decided_at=DECIDED,
                         contributions={funder: Decimal("30000")})
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Award.objects.count() == 1


def test_award_record_failure_in_the_split_leaves_no_award(monkeypatch):
    """QUALITY 13: the database refuses a contribution (simulated) after the award row was
    written; the award is rolled back with it."""
    from django.db import IntegrityError

    application = _selected()
    funder = f.FunderFactory()

    def failing_save(self, *args, **kwargs):
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(Contribution, "save", failing_save)
    with pytest.raises(IntegrityError):
        award_record(application=application, amount=Decimal("100"), decided_at=DECIDED,
                     contributions={funder: Decimal("100")})
    assert not Award.objects.exists()
    assert not Award.history.exists()


def _award_in(call, amount):
    application = f.ApplicationFactory(call=call, status=Application.Status.SELECTED)
    return f.AwardFactory(application=application, amount=Decimal(amount))


def test_award_record_refuses_a_second_award_and_says_why():
    application = _selected()
    funder = f.FunderFactory()
    award_record(application=application, amount=Decimal("100"), decided_at=DECIDED,
                 contributions={funder: Decimal("100")})
    with pytest.raises(ValidationError) as error:
        award_record(application=application, amount=Decimal("50"), decided_at=DECIDED,
                     contributions={funder: Decimal("50")})
    assert error.value.message_dict == {"application": [
        "Cette demande a déjà un financement : modifiez-le plutôt que d'en créer un autre."
    ]}
    assert list(Award.objects.values_list("amount", flat=True)) == [Decimal("100")]


def test_award_check_reports_every_problem_at_once():
    application = f.ApplicationFactory(status=Application.Status.UNDER_REVIEW)
    with pytest.raises(ValidationError) as error:
        award_check(application=application, amount=Decimal("-1"), contributions={})
    assert error.value.message_dict == {
        "application": ["Seule une demande retenue peut recevoir un financement."],
        "amount": ["Le montant doit être positif ou nul."],
    }


@pytest.mark.parametrize("amount", ["0", "0.50"])
def test_award_record_accepts_a_zero_or_small_amount(amount):
    application = _selected()
    funder = f.FunderFactory()
    award_record(application=application, amount=Decimal(amount), decided_at=DECIDED,
                 contributions={funder: Decimal(amount)})
    assert Award.objects.get().amount == Decimal(amount)


@pytest.mark.parametrize("amount", [Decimal("-100"), Decimal("-0.01"), None])
def test_award_record_refuses_a_negative_or_missing_amount(amount):
    application = _selected()
    funder = f.FunderFactory()
    with pytest.raises(ValidationError) as error:
        award_record(application=application, amount=amount, decided_at=DECIDED,
                     contributions={funder: Decimal("-100")})
    assert error.value.message_dict == {"amount": ["Le montant doit être positif ou nul."]}
    assert not Award.objects.exists()


@pytest.mark.parametrize("split", [("99.50", "0.50"), ("100", "0")])
def test_award_record_accepts_a_zero_or_small_contribution(split):
    application = _selected()
    inca, ligue = f.FunderFactory(), f.FunderFactory()
    award = award_record(
        application=application, amount=Decimal("100"), decided_at=DECIDED,
        contributions={inca: Decimal(split[0]), ligue: Decimal(split[1])},
    )
    assert dict(award.contributions.values_list("funder", "amount")) == {
        inca.pk: Decimal(split[0]), ligue.pk: Decimal(split[1]),
    }


@pytest.mark.parametrize("split", [(Decimal("30001"), Decimal("-1")), (Decimal("30000"), None)])
def test_award_record_refuses_a_negative_or_missing_contribution_even_if_the_total_fits(split):
    application = _selected()
    inca, ligue = f.FunderFactory(), f.FunderFactory()
    with pytest.raises(ValidationError) as error:
        award_record(application=application, amount=Decimal("30000"), decided_at=DECIDED,
                     contributions={inca: split[0], ligue: split[1]})
    assert error.value.message_dict == {
        "contributions": ["Chaque contribution doit être positive ou nulle."]
    }
    assert not Award.objects.exists()
    assert not Contribution.objects.exists()


def test_award_record_counts_only_the_awards_of_the_same_call():
    application = _selected(budget="50000")
    _award_in(f.CallFactory(budget=Decimal("300000")), "90000")
    funder = f.FunderFactory()
    award_record(application=application, amount=Decimal("50000"), decided_at=DECIDED,
                 contributions={funder: Decimal("50000")})
    assert application.award.amount == Decimal("50000")


def test_award_update_changes_the_share_of_a_funder():
    application = _selected()
    inca, ligue = f.FunderFactory(), f.FunderFactory()
    award = award_record(
        application=application, amount=Decimal("30000"), decided_at=DECIDED,
        contributions={inca: Decimal("20000"), ligue: Decimal("10000")},
    )
    award_update(award=award, amount=Decimal("30000"), decided_at=DECIDED,
                 contributions={inca: Decimal("25000"), ligue: Decimal("5000")})
    assert dict(award.contributions.values_list("funder", "amount")) == {
        inca.pk: Decimal("25000"), ligue.pk: Decimal("5000"),
    }


def test_award_update_leaves_an_unchanged_contribution_and_its_history_alone():
    application = _selected()
    inca, ligue = f.FunderFactory(), f.FunderFactory()
    award = award_record(
        application=application, amount=Decimal("30000"), decided_at=DECIDED,
        contributions={inca: Decimal("20000"), ligue: Decimal("10000")},
    )
    kept = award.contributions.get(funder=inca)
    award_update(award=award, amount=Decimal("35000"), decided_at=DECIDED,
                 contributions={inca: Decimal("20000"), ligue: Decimal("15000")})
    assert award.contributions.get(funder=inca).pk == kept.pk
    assert list(kept.history.values_list("history_type", flat=True)) == ["+"]
    assert list(
        Contribution.history.filter(funder=ligue).order_by("history_id")
        .values_list("history_type", "amount")
    ) == [("+", Decimal("10000")), ("~", Decimal("15000"))]
