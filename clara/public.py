"""What the public sees of each record: one representation per model, defined here and nowhere
else. Every public page and export that shows records reads it (today the key-figure
drill-down; the public pages of funded projects, calls and events, and the open-data exports,
will read it too), so one place decides what is public and one crawl test
(`tests/test_privacy_crawl.py`) proves it.

Two kinds of representation:

- `Rows`: one public row per record, with only its public columns. An application that was not
  selected shows only its call; a support action only its date and kind.
- `Groups`: records about individual people (speakers, mobilities, teachers sent abroad, hosted
  students, delegations) and each company's planned investment are never listed one per record.
  The public sees counts per group (an event and a profile; a kind of action and a country; a
  programme), and money only as the total of everything shown. A person is named only with
  their recorded consent (`Person.public_consent_on`); a patient partner's consent covers the
  mention of that role, and without it they are only counted.

Totals are aggregates computed by the database over all the records, never sums of one page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Model, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clara.network.models import Organisation, Person, TeamCensus
from events.models import (
    Event,
    EventSpeaker,
    InternationalAction,
    Poster,
    Prize,
    SurveyResponse,
    WorkingGroup,
)
from funding.models import Award, CompanyInvestment, Contribution, Funder
from programmes.models import Application, Call, InnovationDomain, Track
from projects.models import Outcome, ProjectYearStatus, SupportAction


@dataclass(frozen=True)
class Column:
    """A public column. `total` is an aggregate expression: the column's total over every
    record, computed by the database."""

    header: Any
    value: Callable[[Any], Any]
    total: Any = None
    money: bool = False
    # Context that a phone screen can do without, so that the counted columns fit.
    secondary: bool = False


@dataclass(frozen=True)
class Rows:
    """One public row per record."""

    related: tuple[str, ...]
    columns: tuple[Column, ...]
    # A stable order, so that pages do not overlap.
    ordering: tuple[str, ...] = ("pk",)


@dataclass(frozen=True)
class GroupBy:
    header: Any
    path: str
    display: Callable[[Any], Any] = str


@dataclass(frozen=True)
class Groups:
    """Counts per group, never one row per record. `totals` are shown only for everything
    together (money per person or per company is public only in aggregate). `named` is the path
    to the `Person` whose members of a group are named, only those who consented."""

    by: tuple[GroupBy, ...]
    count_header: Any
    totals: tuple[Column, ...] = ()
    named: str | None = None
    named_header: Any = field(default=_("Personnes nommées avec leur accord"))


def _date(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _if_selected(value):
    def cell(application: Application) -> str:
        return value(application) if application.status == Application.Status.SELECTED else ""

    return cell


def _project_label(application: Application) -> str:
    return application.acronym or application.title


def _label(choices) -> Callable[[Any], str]:
    labels = dict(choices)
    return lambda value: labels.get(value, value or "")


def _country(code) -> str:
    return countries.name(code) or code or ""


PUBLIC: dict[type[Model], Rows | Groups] = {
    TeamCensus: Rows(
        ("team__site", "team__organisation"),
        (
            Column(_("Équipe"), lambda r: r.team.name),
            Column(_("Organisation"), lambda r: r.team.organisation.name, secondary=True),
            Column(_("Site"), lambda r: r.team.site.name, secondary=True),
            Column(_("Chercheurs et doctorants"), lambda r: r.researchers + r.doctoral_students,
                   Sum(F("researchers") + F("doctoral_students"))),
            Column(_("Professionnels de santé"), lambda r: r.health_professionals,
                   Sum("health_professionals")),
        ),
        ("team__name", "pk"),
    ),
    Organisation: Rows(
        ("site",),
        (
            Column(_("Organisation"), lambda r: r.name),
            Column(_("Ville"), lambda r: r.city),
            Column(_("Site"), lambda r: r.site.name if r.site else ""),
        ),
        ("name", "pk"),
    ),
    Call: Rows(
        ("programme", "track"),
        (
            Column(_("Appel"), lambda r: r.title),
            Column(_("Programme"), lambda r: r.programme.name, secondary=True),
            Column(_("Clôture"), lambda r: _date(r.closes_at)),
        ),
        ("closes_at", "pk"),
    ),
    Application: Rows(
        ("call",),
        (
            Column(_("Référence"), _if_selected(lambda r: r.reference)),
            Column(_("Appel"), lambda r: r.call.title),
            Column(_("Projet retenu"), _if_selected(lambda r: r.acronym or r.title)),
        ),
        ("call__closes_at", "call_id", "pk"),
    ),
    Award: Rows(
        ("application__call__programme",),
        (
            Column(_("Projet"), lambda r: _project_label(r.application)),
            Column(_("Programme"), lambda r: r.application.call.programme.name,
                   secondary=True),
            Column(_("Décision"), lambda r: _date(r.decided_at), secondary=True),
            Column(_("Montant"), lambda r: r.amount, Sum("amount"), money=True),
        ),
        ("decided_at", "pk"),
    ),
    Contribution: Rows(
        ("award__application", "funder"),
        (
            Column(_("Projet"), lambda r: _project_label(r.award.application)),
            Column(_("Financeur"), lambda r: r.funder.name),
            Column(_("Montant"), lambda r: r.amount, Sum("amount"), money=True),
        ),
        ("award__decided_at", "award_id", "pk"),
    ),
    # Each company's planned investment is public only in aggregate.
    CompanyInvestment: Groups(
        (GroupBy(_("Programme"), "award__application__call__programme__name"),),
        _("Investissements prévus"),
        (Column(_("Investissement prévu"), None, Sum("planned_amount"), money=True),),
    ),
    Funder: Rows((), (Column(_("Financeur"), lambda r: r.name),), ("name", "pk")),
    InnovationDomain: Rows((), (Column(_("Domaine d'innovation"), lambda r: r.name),),
                           ("name", "pk")),
    Track: Rows(("programme",), (Column(_("Clef d'entrée"), str),), ("programme_id", "pk")),
    ProjectYearStatus: Rows(
        ("project__site", "project__award__application__call__programme"),
        (
            Column(_("Projet"), lambda r: r.project.name),
            Column(_("Programme"),
                   lambda r: r.project.award.application.call.programme.name, secondary=True),
            Column(_("Site"), lambda r: r.project.site.name if r.project.site else "",
                   secondary=True),
            Column(_("Statut"), lambda r: r.get_status_display()),
        ),
        ("project__name", "pk"),
    ),
    # A project's results: what, when, the public identifier (DOI, patent or trial number),
    # jobs and follow-on money of the project (not of a person); never who recorded them.
    Outcome: Rows(
        ("project",),
        (
            Column(_("Projet"), lambda r: r.project.name),
            Column(_("Type"), lambda r: r.get_kind_display(), secondary=True),
            Column(_("Résultat"), lambda r: r.title),
            Column(_("Date"), lambda r: _date(r.date), secondary=True),
            Column(_("Identifiant"), lambda r: r.identifier, secondary=True),
            Column(_("Emplois"), lambda r: r.jobs, Sum("jobs")),
            Column(_("Financement obtenu"), lambda r: r.amount if r.amount else None,
                   Sum("amount"), money=True),
        ),
        ("date", "pk"),
    ),
    SupportAction: Rows(
        (),
        (
            Column(_("Date"), lambda r: _date(r.date)),
            Column(_("Type"), lambda r: r.get_kind_display()),
        ),
        ("date", "pk"),
    ),
    Event: Rows(
        ("site", "award"),
        (
            Column(_("Événement"), lambda r: r.title),
            Column(_("Type"), lambda r: r.get_kind_display(), secondary=True),
            Column(_("Date"), lambda r: _date(r.start_date), secondary=True),
            Column(_("Site"), lambda r: r.site.name if r.site else "", secondary=True),
            Column(_("Participants"), lambda r: r.participants or 0, Sum("participants")),
            # An event's subsidy goes to its organising body, not to a person.
            Column(_("Subvention"), lambda r: r.award.amount if r.award_id else None,
                   Sum("award__amount"), money=True),
        ),
        ("start_date", "pk"),
    ),
    WorkingGroup: Rows(
        (),
        (Column(_("Groupe de travail"), str),
         Column(_("Depuis"), lambda r: _date(r.started_on))),
        ("name", "pk"),
    ),
    # Speakers: counted per event and profile; named only with their consent (a patient
    # partner's testimony would otherwise tie a named person to their health).
    EventSpeaker: Groups(
        (GroupBy(_("Événement"), "event__title"),
         GroupBy(_("Profil"), "person__kind", _label(Person.Kind.choices))),
        _("Intervenants"),
        named="person",
    ),
    Poster: Rows(
        (),
        (Column(_("Poster"), lambda r: r.title), Column(_("Type"), lambda r: r.get_kind_display())),
        ("kind", "title", "pk"),
    ),
    Prize: Rows(
        ("laureate", "poster"),
        (
            Column(_("Prix"), lambda r: r.label),
            Column(_("Type"), lambda r: r.get_kind_display()),
            Column(_("Lauréat"),
                   lambda r: r.laureate.name if r.laureate else (r.poster.title if r.poster else "")),
        ),
        ("kind", "label", "pk"),
    ),
    SurveyResponse: Rows(
        (),
        (
            Column(_("Recommanderait"), lambda r: _("oui") if r.would_recommend else _("non")),
            Column(_("Note sur 5"), lambda r: r.rating),
        ),
        ("pk",),
    ),
    # Mobilities, teachers, hosted students, delegations: counted per kind and country; the
    # grants of individuals only as a total.
    InternationalAction: Groups(
        (GroupBy(_("Action"), "kind", _label(InternationalAction.Kind.choices)),
         GroupBy(_("Pays"), "country", _country)),
        _("Actions"),
        (Column(_("Financement"), None, Sum("award__amount"), money=True),),
    ),
}


def representation_of(model: type[Model]) -> Rows | Groups:
    return PUBLIC[model]


def person_public_name(person: Person | None) -> str | None:
    """The name of `person` for a public page, or None when they have not consented."""
    if person is None or person.public_consent_on is None:
        return None
    return str(person)
