"""Shared by the tests/<app>/test_models.py files: every database constraint refuses a bad row
by itself (written with `objects.create()`, `bulk_create()` or `QuerySet.update()`, never
`full_clean()`) and accepts the nearest good one."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet, UniqueConstraint


def declared_constraints(label: str) -> dict:
    """{name: (model, constraint)} for every constraint declared on the models of `label`."""
    return {
        constraint.name: (model, constraint)
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    }


def copy_of(row, **changes) -> QuerySet:
    """Insert a copy of `row` with `changes` through `objects.create()`; the new row, read back."""
    model = type(row)
    values = {
        field.attname: getattr(row, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in changes and field.attname not in changes
    }
    created = model.objects.create(**values, **changes)
    return model.objects.filter(pk=created.pk, **changes)


def update(row, **values) -> QuerySet:
    """`QuerySet.update()` of `row` (no `save()`); the row, read back with `values`."""
    model = type(row)
    model.objects.filter(pk=row.pk).update(**values)
    return model.objects.filter(pk=row.pk, **values)


def assert_refused_by(error: IntegrityError, name: str, declared: dict) -> None:
    """The error names the constraint (SQLite names the columns of a unique one instead)."""
    model, constraint = declared[name]
    if connection.vendor == "sqlite" and isinstance(constraint, UniqueConstraint):
        table = model._meta.db_table
        columns = [model._meta.get_field(field).column for field in constraint.fields]
        expected = "UNIQUE constraint failed: " + ", ".join(f"{table}.{c}" for c in columns)
    else:
        expected = name
    assert expected in str(error)


@dataclass(frozen=True)
class Case:
    """A constraint, valid rows built with the factories, a write it refuses and the nearest
    writes it accepts (each returns its row read back)."""

    constraint: str
    arrange: Callable[[], Any]
    bad: Callable[[Any], object]
    good: Callable[[Any], list[QuerySet]]
    variant: str = ""

    def __str__(self) -> str:
        return f"{self.constraint}-{self.variant}" if self.variant else self.constraint


def check_case(case: Case, app_label: str) -> None:
    """The bad write is refused by the named constraint; the good writes are stored."""
    declared = declared_constraints(app_label)
    rows = case.arrange()

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        case.bad(rows)

    assert_refused_by(refused.value, case.constraint, declared)
    accepted = case.good(rows)
    assert [stored.count() for stored in accepted] == [1] * len(accepted)


def check_coverage(cases: list[Case], app_label: str) -> None:
    """Every constraint declared on the app's models has a case, and no case names another."""
    assert {case.constraint for case in cases} == set(declared_constraints(app_label))
