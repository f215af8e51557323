"""Public tables of the records behind a key figure.

Each model that a figure can count has one column list here: only what may be shown to the
public. An application that was not selected shows only its call (not its reference, title or
people: that it exists is public only as a count); a support action shows its date and kind,
not the team advised nor the subject. Each table is
read with a fixed number of queries (`select_related` of what its columns show).
"""

from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from clara.formatting import format_euros
from clara.network.models import Organisation, TeamCensus
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
from projects.models import ProjectYearStatus, SupportAction


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]
    total: list[Any] | None = None


def _date(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _if_selected(value):
    def cell(application: Application) -> str:
        return value(application) if application.status == Application.Status.SELECTED else ""

    return cell


def _project_label(application: Application) -> str:
    return application.acronym or application.title


# model -> (select_related, [(header, cell function)], [columns to total])
COLUMNS: dict[type, tuple[list[str], list[tuple[Any, Any]], list[int]]] = {
    TeamCensus: (
        ["team__site", "team__organisation"],
        [
            (_("Équipe"), lambda r: r.team.name),
            (_("Organisation"), lambda r: r.team.organisation.name),
            (_("Site"), lambda r: r.team.site.name),
            (_("Chercheurs et doctorants"), lambda r: r.researchers + r.doctoral_students),
            (_("Professionnels de santé"), lambda r: r.health_professionals),
        ],
        [3, 4],
    ),
    Organisation: (
        ["site"],
        [
            (_("Organisation"), lambda r: r.name),
            (_("Ville"), lambda r: r.city),
            (_("Site"), lambda r: r.site.name if r.site else ""),
        ],
        [],
    ),
    Call: (
        ["programme", "track"],
        [
            (_("Appel"), lambda r: r.title),
            (_("Programme"), lambda r: r.programme.name),
            (_("Clôture"), lambda r: _date(r.closes_at)),
        ],
        [],
    ),
    Application: (
        ["call"],
        [
            (_("Référence"), _if_selected(lambda r: r.reference)),
            (_("Appel"), lambda r: r.call.title),
            (_("Projet retenu"), _if_selected(lambda r: r.acronym or r.title)),
        ],
        [],
    ),
    Award: (
        ["application__call__programme"],
        [
            (_("Projet"), lambda r: _project_label(r.application)),
            (_("Programme"), lambda r: r.application.call.programme.name),
            (_("Décision"), lambda r: _date(r.decided_at)),
            (_("Montant"), lambda r: r.amount),
        ],
        [3],
    ),
    Contribution: (
        ["award__application", "funder"],
        [
            (_("Projet"), lambda r: _project_label(r.award.application)),
            (_("Financeur"), lambda r: r.funder.name),
            (_("Montant"), lambda r: r.amount),
        ],
        [2],
    ),
    CompanyInvestment: (
        ["award__application", "company"],
        [
            (_("Projet"), lambda r: _project_label(r.award.application)),
            (_("Entreprise"), lambda r: r.company.name),
            (_("Investissement prévu"), lambda r: r.planned_amount),
        ],
        [2],
    ),
    Funder: ([], [(_("Financeur"), lambda r: r.name)], []),
    InnovationDomain: ([], [(_("Domaine d'innovation"), lambda r: r.name)], []),
    Track: (["programme"], [(_("Clef d'entrée"), str)], []),
    ProjectYearStatus: (
        ["project__site", "project__award__application__call__programme"],
        [
            (_("Projet"), lambda r: r.project.name),
            (_("Programme"), lambda r: r.project.award.application.call.programme.name),
            (_("Site"), lambda r: r.project.site.name if r.project.site else ""),
            (_("Statut"), lambda r: r.get_status_display()),
        ],
        [],
    ),
    SupportAction: (
        [],
        [
            (_("Date"), lambda r: _date(r.date)),
            (_("Type"), lambda r: r.get_kind_display()),
        ],
        [],
    ),
    Event: (
        ["site"],
        [
            (_("Événement"), lambda r: r.title),
            (_("Type"), lambda r: r.get_kind_display()),
            (_("Date"), lambda r: _date(r.start_date)),
            (_("Site"), lambda r: r.site.name if r.site else ""),
            (_("Participants"), lambda r: r.participants or 0),
            (_("Subvention"), lambda r: r.award.amount if r.award_id else None),
        ],
        [4, 5],
    ),
    WorkingGroup: ([], [(_("Groupe de travail"), str), (_("Depuis"), lambda r: _date(r.started_on))], []),
    EventSpeaker: (
        ["person"],
        [(_("Intervenant"), lambda r: str(r.person)), (_("Sujet"), lambda r: r.topic)],
        [],
    ),
    Poster: ([], [(_("Poster"), lambda r: r.title), (_("Type"), lambda r: r.get_kind_display())], []),
    Prize: (
        ["laureate", "poster"],
        [
            (_("Prix"), lambda r: r.label),
            (_("Type"), lambda r: r.get_kind_display()),
            (_("Lauréat"), lambda r: r.laureate.name if r.laureate else (r.poster.title if r.poster else "")),
        ],
        [],
    ),
    SurveyResponse: (
        [],
        [
            (_("Recommanderait"), lambda r: _("oui") if r.would_recommend else _("non")),
            (_("Note sur 5"), lambda r: r.rating),
        ],
        [],
    ),
    InternationalAction: (
        ["award"],
        [
            (_("Action"), lambda r: r.title),
            (_("Pays"), lambda r: r.country.name),
            (_("Date"), lambda r: _date(r.start_date)),
            (_("Financement"), lambda r: r.award.amount if r.award_id else None),
        ],
        [3],
    ),
}

# Event subsidies need the award row; select it only for that model.
COLUMNS[Event][0].append("award")


def drilldown_table(queryset) -> Table:
    """Render `queryset` with its model's public columns (one query, plus none per row)."""
    related, columns, totalled = COLUMNS[queryset.model]
    rows = []
    for record in queryset.select_related(*related):
        rows.append([cell(record) for _header, cell in columns])
    total = None
    if totalled and rows:
        total = [""] * len(columns)
        total[0] = _("Total")
        for index in totalled:
            total[index] = sum((row[index] or 0) for row in rows)
    table = Table(headers=[str(h) for h, _c in columns], rows=rows, total=total)
    _format_money(table, queryset.model)
    return table


_MONEY_COLUMNS = {
    Award: [3], Contribution: [2], CompanyInvestment: [2], Event: [5], InternationalAction: [3],
}


def _format_money(table: Table, model) -> None:
    for index in _MONEY_COLUMNS.get(model, []):
        for row in [*table.rows, *([table.total] if table.total else [])]:
            if row[index] not in ("", None):
                row[index] = format_euros(row[index])
