"""The open-data files of the demo data: every SCDL file validates against the official schema
(frictionless, offline) and passes the schema's custom checks; every 360Giving package validates
against the official JSON Schemas; what is left out is listed; no person is named.

The demo is loaded once for the module inside a transaction rolled back at the end."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from clara.network.models import Person
from clara.opendata import scdl
from clara.opendata.exports import giving360_export, scdl_export
from clara.opendata.selectors import Period, open_data_years
from tests.opendata.conftest import giving360_errors, scdl_errors

pytestmark = pytest.mark.django_db

PERIODS = [Period(2023, 2023), Period(2024, 2024), Period(2025, 2025), Period(2023, 2025)]


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _person_names() -> list[str]:
    return [f"{first} {last}" for first, last in
            Person.objects.values_list("first_name", "last_name")]


def test_demo_years(demo):
    assert open_data_years() == [2025, 2024, 2023]


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p.label)
def test_demo_scdl_files_are_valid(demo, period, tmp_path):
    text, rows, _problems = scdl_export(period)
    assert len(rows) > 5
    assert scdl_errors(text, tmp_path) == []
    assert _rows(text) == rows
    assert tuple(_rows(text)[0]) == scdl.FIELDS


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p.label)
def test_demo_360giving_packages_are_valid(demo, period):
    package, problems = giving360_export(period, access_url="https://clara.example/donnees/")
    assert len(package["grants"]) > 5
    assert problems == []
    assert giving360_errors(package) == []
    # Through JSON and back, as a reuser reads it.
    assert giving360_errors(json.loads(json.dumps(package))) == []


def test_giving360_check_can_fail(demo):
    package, _problems = giving360_export(Period(2025, 2025))
    grant = package["grants"][0]
    assert grant["id"].startswith("360G-clara-")
    assert grant["recipientOrganization"][0]["id"].startswith(("FR-RCS-", "XI-ROR-"))
    broken = {**package, "grants": [{**grant, "awardDate": "26/06/2025"}]}
    assert giving360_errors(broken) != []
    missing = {**package, "grants": [{k: v for k, v in grant.items()
                                      if k != "recipientOrganization"}]}
    assert giving360_errors(missing) != []
    assert giving360_errors({**package, "grants": []}) != []


def test_demo_scdl_lists_what_it_leaves_out(demo):
    _text, rows, problems = scdl_export(Period(2023, 2025))
    missing = [m for p in problems for m in p.missing]
    # The CIRC, an international agency, has no SIRET nor RNA; two structuring projects of
    # 2025 have no agreement yet.
    assert any("Centre International de Recherche sur le Cancer" in m for m in missing)
    assert "date de la convention" in missing
    unsigned = {p.reference for p in problems if "date de la convention" in p.missing}
    assert unsigned
    assert not {row["referenceDecision"] for row in rows} & unsigned


def test_demo_circ_reaches_360giving_by_its_ror(demo):
    package, _problems = giving360_export(Period(2023, 2025))
    recipients = {o["id"] for g in package["grants"] for o in g["recipientOrganization"]}
    assert "XI-ROR-00v452281" in recipients


def test_demo_files_name_no_person(demo):
    text, _rows, _problems = scdl_export(Period(2023, 2025))
    package, _problems = giving360_export(Period(2023, 2025))
    dumped = json.dumps(package, ensure_ascii=False)
    names = _person_names()
    assert names
    assert [name for name in names if name in text or name in dumped] == []


def test_command_writes_valid_files(demo, tmp_path):
    scdl_path, json_path = tmp_path / "s.csv", tmp_path / "g.json"
    err = io.StringIO()
    call_command("export_open_data", "--format", "scdl", "--from", "2023", "--to", "2025",
                 "--output", str(scdl_path), stderr=err)
    text = scdl_path.read_text(encoding="utf-8")
    assert scdl_errors(text, tmp_path) == []
    assert "Non exporté : STRUCT-2025-" in err.getvalue()
    assert "date de la convention" in err.getvalue()
    call_command("export_open_data", "--format", "360giving", "--from", "2023", "--to",
                 "2025", "--output", str(json_path), stderr=io.StringIO())
    assert giving360_errors(json.loads(json_path.read_text(encoding="utf-8"))) == []
