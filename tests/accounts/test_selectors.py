import pytest
from django.contrib.auth.models import AnonymousUser

from clara.network.selectors import person_for_user
from tests.factories import PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_person_for_user_returns_the_linked_person_in_one_query(django_assert_num_queries):
    user = UserFactory()
    person = PersonFactory(user=user, team=TeamFactory())

    with django_assert_num_queries(1):
        found = person_for_user(user)
        assert found.team.site.name and found.organisation.name

    assert found == person


def test_person_for_user_without_person_or_account(django_assert_num_queries):
    user = UserFactory()
    PersonFactory(user=None)

    assert person_for_user(user) is None
    with django_assert_num_queries(0):
        assert person_for_user(AnonymousUser()) is None
        assert person_for_user(None) is None
