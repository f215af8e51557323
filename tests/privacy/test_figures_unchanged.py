"""An erasure changes no published figure: on the demo data, every person and account that may
be erased is erased, and every key figure of every year, the history's period figures and the
public project list stay the same."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from clara.accounts.models import User
from clara.keyfigures.period import key_figures_for_period
from clara.keyfigures.selectors import key_figures_for_year
from clara.network.models import Person
from clara.privacy import selectors, services
from programmes.models import Application, Review
from projects.models import FundedProject

pytestmark = pytest.mark.django_db

YEARS = range(2003, 2027)


def _figures() -> dict:
    return {
        "years": {year: key_figures_for_year(year) for year in YEARS},
        "period": key_figures_for_period(2003, 2025),
        "projects": list(FundedProject.objects.order_by("pk").values_list(
            "pk", "name", "facet_amount", "facet_latest_status")),
    }


@pytest.fixture(scope="module")
def erased(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
        before = _figures()
        staff = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
            "dpo@canceropole-clara.example")
        subjects = [selectors.subject_for_person(person)
                    for person in Person.objects.select_related("user")]
        subjects += [selectors.subject_for_user(user)
                     for user in User.objects.filter(person__isnull=True)]
        done = [subject for subject in subjects if not selectors.erasure_blockers(subject)]
        for subject in done:
            services.personal_data_erase(subject=subject, by=staff)
        yield {"before": before, "after": _figures(), "done": done, "all": subjects}
        transaction.set_rollback(True)


def test_most_people_were_erased(erased):
    assert len(erased["done"]) > len(erased["all"]) / 2
    erased_people = [s.person for s in erased["done"] if s.person is not None]
    # Among them principal investigators of funded projects, reviewers and speakers.
    assert Application.objects.filter(principal_investigator__in=erased_people,
                                      status="selected").exists()
    assert Review.objects.filter(
        reviewer__in=[s.user for s in erased["done"] if s.user is not None]).exists()
    assert any(person.talks.exists() for person in erased_people)
    assert all(s.erased for s in
               [selectors.subject_for_person(Person.objects.get(pk=p.pk))
                for p in erased_people])


@pytest.mark.parametrize("year", YEARS)
def test_every_figure_of_every_year_is_unchanged(erased, year):
    assert erased["after"]["years"][year] == erased["before"]["years"][year]


def test_period_figures_and_project_list_are_unchanged(erased):
    assert erased["after"]["period"] == erased["before"]["period"]
    assert erased["after"]["projects"] == erased["before"]["projects"]
    assert erased["before"]["years"][2025]["calls.applications"] == 70
