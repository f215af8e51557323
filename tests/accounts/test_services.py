"""profile_update: the person record linked to an account."""

import pytest
from django.core.exceptions import ValidationError

from clara.network.models import Person
from clara.network.services import profile_update
from tests.factories import OrganisationFactory, PersonFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"  # a valid check digit


def update(user, **fields):
    values = {"first_name": "Marie", "last_name": "Curie", "orcid": "", "team": None,
              "organisation": None, **fields}
    return profile_update(user=user, **values)


def test_profile_update_creates_the_person_and_copies_the_names():
    user = UserFactory(email="marie@univ-lyon.example", first_name="", last_name="")
    team = TeamFactory()

    person = update(user, orcid=f" {ORCID} ", team=team)

    person.refresh_from_db()
    assert person.user == user
    assert (person.first_name, person.last_name, person.orcid) == ("Marie", "Curie", ORCID)
    assert person.kind == Person.Kind.RESEARCHER
    assert person.email == "marie@univ-lyon.example"
    assert person.team == team
    assert person.organisation == team.organisation  # the team's, when none is given
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Marie", "Curie")


def test_profile_update_updates_the_same_person():
    user = UserFactory()
    first = update(user)
    organisation = OrganisationFactory()

    second = update(user, first_name="Irène", organisation=organisation)

    assert second.pk == first.pk
    assert Person.objects.filter(user=user).count() == 1
    second.refresh_from_db()
    assert (second.first_name, second.organisation) == ("Irène", organisation)


def test_profile_update_links_the_known_person_with_the_same_orcid():
    known = PersonFactory(orcid=ORCID, email="", user=None, first_name="M.", last_name="Curie")
    user = UserFactory()

    person = update(user, orcid=ORCID)

    assert person.pk == known.pk
    assert Person.objects.count() == 1
    known.refresh_from_db()
    assert known.user == user
    assert known.first_name == "Marie"


def test_profile_update_links_the_known_person_registered_with_the_same_address():
    known = PersonFactory(orcid=ORCID, email="Marie@Univ-Lyon.example", user=None)
    user = UserFactory(email="marie@univ-lyon.example")

    assert update(user, orcid=ORCID).pk == known.pk


def test_profile_update_refuses_the_orcid_of_a_person_registered_with_another_address():
    known = PersonFactory(orcid=ORCID, email="quelquun@ailleurs.example", user=None)
    user = UserFactory(email="marie@univ-lyon.example")

    with pytest.raises(ValidationError) as error:
        update(user, orcid=ORCID)

    assert "autre adresse e-mail" in error.value.message_dict["orcid"][0]
    known.refresh_from_db()
    assert known.user is None
    assert not Person.objects.filter(user=user).exists()


def test_profile_update_refuses_an_orcid_linked_to_another_account():
    PersonFactory(orcid=ORCID, user=UserFactory())
    user = UserFactory(first_name="", last_name="")

    with pytest.raises(ValidationError) as error:
        update(user, orcid=ORCID)

    assert error.value.message_dict["orcid"] == [
        "Cet ORCID iD est déjà associé à un autre compte. Si c'est le vôtre, contactez "
        "l'équipe CLARA."
    ]
    assert not Person.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("", "")


def test_profile_update_refuses_the_orcid_of_another_record_when_the_account_has_one():
    PersonFactory(orcid=ORCID, user=None, email="")
    user = UserFactory()
    mine = update(user)

    with pytest.raises(ValidationError) as error:
        update(user, orcid=ORCID)

    assert "autre fiche" in error.value.message_dict["orcid"][0]
    mine.refresh_from_db()
    assert mine.orcid == ""


def test_profile_update_refuses_a_bad_orcid_checksum():
    user = UserFactory()

    with pytest.raises(ValidationError) as error:
        update(user, orcid="0000-0002-1825-0098")

    assert error.value.message_dict["orcid"] == [
        "« 0000-0002-1825-0098 » n'est pas un ORCID iD valide (ex. : 0000-0002-1825-0097)."
    ]
    assert not Person.objects.exists()


def test_profile_update_requires_names():
    with pytest.raises(ValidationError) as error:
        update(UserFactory(), first_name="  ", last_name="")

    assert set(error.value.message_dict) == {"first_name", "last_name"}
    assert not Person.objects.exists()
