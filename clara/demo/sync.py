"""Idempotent bulk writes keyed by natural keys.

`sync_rows` reads the existing rows of a model for the wanted natural keys in one query,
bulk-creates the missing ones and bulk-updates only the rows whose values differ, so a second
run of the demo loader writes nothing (no row, no history record). Models with
django-simple-history get their history records through simple_history's bulk helpers.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

BATCH_SIZE = 500


def _comparable(value: Any) -> Any:
    # django-countries returns a Country object; compare its code with the wanted string.
    code = getattr(value, "code", None)
    return code if code is not None and not isinstance(value, str) else value


def _has_history(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def sync_rows(
    model: type[models.Model],
    key_fields: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    *,
    create_only: Sequence[str] = (),
    set_after_create: Sequence[str] = (),
) -> dict[tuple, models.Model]:
    """Make the table hold `rows` (dicts of attnames), matched on `key_fields`.

    Returns every wanted row's instance by key tuple. `create_only` fields are written when the
    row is created and never compared afterwards (a password hash). `set_after_create` fields
    are written by a plain `bulk_update` right after creation, which bypasses `auto_now` and
    `auto_now_add`, and are never compared afterwards.
    """
    wanted: dict[tuple, Mapping[str, Any]] = {}
    for row in rows:
        key = tuple(row[field] for field in key_fields)
        if key in wanted:
            raise ValueError(f"Demo data: duplicate {model.__name__} key {key!r}")
        wanted[key] = row
    if not wanted:
        return {}

    first = key_fields[0]
    existing = {
        tuple(getattr(obj, field) for field in key_fields): obj
        for obj in model._default_manager.filter(
            **{f"{first}__in": {key[0] for key in wanted}}
        )
    }
    skipped = set(create_only) | set(set_after_create)

    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    changed_fields: set[str] = set()
    result: dict[tuple, models.Model] = {}
    for key, row in wanted.items():
        obj = existing.get(key)
        if obj is None:
            obj = model(**row)
            to_create.append(obj)
        else:
            dirty = False
            for field, value in row.items():
                if field in skipped:
                    continue
                if _comparable(getattr(obj, field)) != value:
                    setattr(obj, field, value)
                    changed_fields.add(field)
                    dirty = True
            if dirty:
                to_update.append(obj)
        result[key] = obj

    history = _has_history(model)
    if to_create:
        if history:
            bulk_create_with_history(to_create, model, batch_size=BATCH_SIZE)
        else:
            model._default_manager.bulk_create(to_create, batch_size=BATCH_SIZE)
        if set_after_create:
            model._default_manager.bulk_update(
                to_create, list(set_after_create), batch_size=BATCH_SIZE
            )
    if to_update:
        if history:
            bulk_update_with_history(
                to_update, model, sorted(changed_fields), batch_size=BATCH_SIZE
            )
        else:
            model._default_manager.bulk_update(
                to_update, sorted(changed_fields), batch_size=BATCH_SIZE
            )
    return result


def sync_links(m2m: Any, pairs: Iterable[tuple[int, int]], owners: Iterable[int]) -> None:
    """Make the many-to-many `m2m` (e.g. `Application.teams`) hold exactly `pairs` for the
    `owners` (source primary keys): missing links are added, stale ones removed."""
    field = m2m.field
    through = field.remote_field.through
    left = f"{field.m2m_field_name()}_id"
    right = f"{field.m2m_reverse_field_name()}_id"
    pairs = set(pairs)
    owners = set(owners)
    if not owners:
        return
    existing = set(
        through._default_manager.filter(**{f"{left}__in": owners}).values_list(left, right)
    )
    stale = existing - pairs
    for owner, target in stale:
        through._default_manager.filter(**{left: owner, right: target}).delete()
    missing = sorted(pairs - existing)
    if missing:
        through._default_manager.bulk_create(
            [through(**{left: owner, right: target}) for owner, target in missing],
            batch_size=BATCH_SIZE,
        )


def sync_children(
    model: type[models.Model],
    parent_field: str,
    rows_by_parent: Mapping[int, Sequence[Mapping[str, Any]]],
    compare: Sequence[str],
) -> None:
    """For rows without a natural key (survey answers): replace a parent's children only when
    the multiset of `compare` values differs from the wanted one."""
    existing: dict[int, list[tuple]] = {parent: [] for parent in rows_by_parent}
    for values in model._default_manager.filter(
        **{f"{parent_field}__in": list(rows_by_parent)}
    ).values_list(parent_field, *compare):
        existing[values[0]].append(tuple(values[1:]))
    to_create: list[models.Model] = []
    for parent, rows in rows_by_parent.items():
        wanted = sorted(tuple(row[field] for field in compare) for row in rows)
        if sorted(existing[parent]) == wanted:
            continue
        model._default_manager.filter(**{parent_field: parent}).delete()
        to_create.extend(model(**{parent_field: parent, **row}) for row in rows)
    if to_create:
        model._default_manager.bulk_create(to_create, batch_size=BATCH_SIZE)
