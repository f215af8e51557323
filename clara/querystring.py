"""The URL query of a public list's filters, for its links (a filter chosen, removed, another
page): one place for the lists of funded projects, events and partners."""

from django.http import QueryDict


def query_with(values: dict[str, str], **changes) -> str:
    """`values` (URL key → value) with `changes` applied (None removes a key), empty values
    left out, URL-encoded."""
    merged = dict(values)
    merged.update({key: "" if value is None else str(value) for key, value in changes.items()})
    query = QueryDict(mutable=True)
    for key, value in merged.items():
        if value:
            query[key] = value
    return query.urlencode()
