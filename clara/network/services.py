"""Writes about people: the profile that links an account to its person record."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.network.models import Organisation, Person, Team


def _normalise_orcid(orcid: str) -> str:
    # The check character may be typed in lower case ("…-000x"); spaces around are a slip.
    return (orcid or "").strip().upper()


@transaction.atomic
def profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    orcid: str,
    team: Team | None,
    organisation: Organisation | None,
) -> Person:
    """Save the profile of `user`: the person record linked to the account, created if there
    is none, and the names copied onto the account.

    An account without a person whose ORCID iD is that of a person record without an account
    is linked to that record (a researcher already known to CLARA, e.g. from earlier
    applications), provided the record names no other e-mail address than the account's
    (verified) one: an ORCID iD is public, so it alone does not prove who someone is. An ORCID
    iD held by a person linked to another account, or by another person record when the
    account already has one, is refused. Without an organisation, the team's is used.

    Raises ValidationError (messages in French, by field) and writes nothing then.
    """
    orcid = _normalise_orcid(orcid)
    person = Person.objects.select_for_update().filter(user=user).first()

    holder = None
    if orcid:
        holder = (
            Person.objects.select_for_update()
            .filter(orcid=orcid)
            .exclude(pk=getattr(person, "pk", None))
            .first()
        )
    if holder is not None:
        if holder.user_id is not None:
            raise ValidationError({"orcid": _(
                "Cet ORCID iD est déjà associé à un autre compte. Si c'est le vôtre, "
                "contactez l'équipe CLARA."
            )})
        if person is not None:
            raise ValidationError({"orcid": _(
                "Cet ORCID iD figure sur une autre fiche que la vôtre. Contactez l'équipe "
                "CLARA pour réunir les deux fiches."
            )})
        if holder.email and holder.email.lower() != user.email.lower():
            raise ValidationError({"orcid": _(
                "Cet ORCID iD figure sur la fiche d'une personne enregistrée avec une autre "
                "adresse e-mail. Contactez l'équipe CLARA pour la relier à votre compte."
            )})
        person = holder

    if person is None:
        person = Person(kind=Person.Kind.RESEARCHER)
    person.user = user
    person.first_name = first_name.strip()
    person.last_name = last_name.strip()
    person.orcid = orcid
    person.team = team
    person.organisation = organisation or (team.organisation if team else None)
    if not person.email:
        person.email = user.email
    person.full_clean()
    person.save()

    user.first_name = person.first_name
    user.last_name = person.last_name
    user.save(update_fields=["first_name", "last_name"])
    return person
