"""Reads about people."""

from clara.network.models import Person


def person_for_user(user) -> Person | None:
    """The person record linked to `user` (with its team, site and organisation), or None
    for an anonymous user or an account not yet linked to a person."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Person.objects.select_related("team__site", "team__organisation", "organisation")
        .filter(user_id=user.pk)
        .first()
    )
