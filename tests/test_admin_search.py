"""The admin search asked table by table (SearchByTableMixin) finds the same rows as Django's
own search, for the admins that use it."""

import pytest
from django.contrib import admin

from clara.admin_helpers import SearchByTableMixin
from funding.models import Award, Contribution
from programmes.models import Application, Decision, Review, ReviewScore
from projects.models import FundedProject, ProjectYearStatus
from tests.factories import (
    ApplicationFactory,
    AwardFactory,
    ContributionFactory,
    DecisionFactory,
    FundedProjectFactory,
    PersonFactory,
    ProjectYearStatusFactory,
    ReviewFactory,
    ReviewScoreFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TERMS = [
    "Dupont", "dupont", "ZZ-7", "zz-7 dup", "'ZZ-7'", "orcid-none", "lamarck@", "Genome",
    "Genome lamarck", "", "   ", "nothing-like-this",
]


def django_search(model, term):
    """Django's own search with the same search_fields."""
    registered = admin.site._registry[model]
    plain = admin.ModelAdmin(model, admin.site)
    plain.search_fields = registered.search_fields
    queryset, duplicates = plain.get_search_results(None, model.objects.all(), term)
    if duplicates:
        queryset = queryset.distinct()
    return set(queryset.values_list("pk", flat=True))


def table_search(model, term, limit=None):
    registered = admin.site._registry[model]
    if limit is not None:
        registered = type(registered)(model, admin.site)
        registered.search_by_table_limit = limit
    queryset, _duplicates = registered.get_search_results(None, model.objects.all(), term)
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def records():
    dupont = PersonFactory(last_name="Dupont")
    lamarck = UserFactory(email="lamarck@example.org")
    first = ApplicationFactory(reference="ZZ-7-001", title="Genome of tumours",
                               principal_investigator=dupont)
    second = ApplicationFactory(acronym="GENOMIC", applicant=lamarck, status="selected",
                                submitted_at=first.submitted_at)
    ApplicationFactory(title="Something else")
    award = AwardFactory(application=second)
    ContributionFactory(award=award)
    project = FundedProjectFactory(award=award, name="GENOMA")
    ProjectYearStatusFactory(project=project)
    DecisionFactory(application=first, outcome="eligible", notes="Dossier Dupont complet")
    review = ReviewFactory(application=first, reviewer=lamarck)
    ReviewScoreFactory(review=review)


@pytest.mark.parametrize(
    "model",
    [Application, Decision, Review, ReviewScore, Award, Contribution, FundedProject,
     ProjectYearStatus],
)
def test_search_by_table_finds_the_rows_django_finds(records, model):
    assert isinstance(admin.site._registry[model], SearchByTableMixin)
    for term in TERMS:
        assert table_search(model, term) == django_search(model, term), term


def test_search_by_table_finds_through_each_table(records):
    assert len(table_search(Application, "dupont")) == 1  # the investigator's name
    assert len(table_search(Application, "lamarck@")) == 1  # the applicant's e-mail
    assert len(table_search(Application, "genom")) == 2  # a title and an acronym
    assert len(table_search(Application, "genom lamarck")) == 1  # every term


def test_search_by_table_hands_broad_terms_to_django(records):
    assert table_search(Application, "genom", limit=1) == django_search(Application, "genom")
