"""The ranking of a call's applications for the selection committee (staff only), and its
CSV and XLSX exports.

Score of a review: the weighted mean of its criteria's scores, each first brought to a share of
its maximum (`score / max_score`), weighted by `EvaluationCriterion.weight`, shown out of 20.
Each review is normalised by its own grid, so a patient partner's review (patient-experience
grid) and an expert's (scientific grid) are on the same scale. Only submitted reviews count.
Score of an application: the plain mean of its reviews' scores; their spread is given as the
lowest, the highest and the standard deviation (population).

Three queries whatever the number of applications and reviews: the applications (with their
award's amount and their latest audition outcome as subqueries), the scores, and the reviews
grouped by recommendation. Programmes never imports funding: the award is read through the
reverse relation `award`.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, OuterRef, Subquery
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programmes.models import Application, Audition, Call, Review, ReviewScore

SCALE = Decimal("20")
TWO_PLACES = Decimal("0.01")
Recommendation = Review.Recommendation


@dataclass
class RankingRow:
    application: Application
    review_scores: list[Decimal] = field(default_factory=list)
    reviews: int = 0
    recommendations: dict[str, int] = field(default_factory=dict)
    rank: int | None = None

    @property
    def mean(self) -> Decimal | None:
        if not self.review_scores:
            return None
        return _round(sum(self.review_scores, Decimal("0")) / len(self.review_scores))

    @property
    def lowest(self) -> Decimal | None:
        return _round(min(self.review_scores)) if self.review_scores else None

    @property
    def highest(self) -> Decimal | None:
        return _round(max(self.review_scores)) if self.review_scores else None

    @property
    def spread(self) -> Decimal | None:
        if not self.review_scores:
            return None
        return _round(statistics.pstdev(self.review_scores))

    @property
    def audition(self) -> str:
        outcome = self.application.audition_outcome
        return str(Audition.Outcome(outcome).label) if outcome else ""

    @property
    def awarded(self) -> Decimal | None:
        return self.application.awarded_amount

    def recommendation(self, value: str) -> int:
        return self.recommendations.get(value, 0)


def _round(value) -> Decimal:
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def review_weighted_score(scores: list[tuple[int, int, Decimal]]) -> Decimal | None:
    """Weighted mean out of 20 of one review's (score, max_score, weight) triples; None when
    no criterion carries weight. Unrounded: the application's mean rounds once."""
    weights = sum((Decimal(weight) for _score, _max, weight in scores), Decimal("0"))
    if not weights:
        return None
    total = sum((Decimal(weight) * Decimal(score) / Decimal(maximum)
                 for score, maximum, weight in scores), Decimal("0"))
    return total / weights * SCALE


# Sortable columns: the query-string value, the key of a row and its label.
SORTS = {
    "rang": (lambda r: r.rank, gettext_lazy("rang")),
    "reference": (lambda r: r.application.reference, gettext_lazy("référence")),
    "note": (lambda r: r.mean, gettext_lazy("note pondérée /20")),
    "evaluations": (lambda r: r.reviews, gettext_lazy("évaluations rendues")),
    "ecart": (lambda r: r.spread, gettext_lazy("écart-type")),
    "audition": (lambda r: r.audition, gettext_lazy("audition")),
    "financer": (lambda r: r.recommendation(Recommendation.FUND), gettext_lazy("financer")),
    "reserve": (lambda r: r.recommendation(Recommendation.FUND_WITH_CONDITIONS),
                gettext_lazy("sous réserve")),
    "refus": (lambda r: r.recommendation(Recommendation.DO_NOT_FUND),
              gettext_lazy("ne pas financer")),
    "demande": (lambda r: r.application.requested_amount, gettext_lazy("montant demandé")),
    "accorde": (lambda r: r.awarded, gettext_lazy("montant accordé")),
    "statut": (lambda r: r.application.status, gettext_lazy("statut")),
}
DEFAULT_SORT = "rang"


def call_ranking(*, call: Call, sort: str = DEFAULT_SORT) -> list[RankingRow]:
    """The call's submitted (not withdrawn) applications with their reviews' weighted mean,
    number of submitted reviews, spread, latest audition outcome and recommendation counts.
    Ranked by mean (highest first; unscored applications unranked, last); then sorted by
    `sort` (a key of `SORTS`, "-" in front for descending; unknown keys: the rank)."""
    latest_audition = (
        Audition.objects.filter(application=OuterRef("pk")).exclude(outcome="")
        .order_by("-scheduled_at", "-pk").values("outcome")[:1]
    )
    applications = (
        Application.objects.submitted().filter(call=call)
        .select_related("principal_investigator")
        .annotate(audition_outcome=Subquery(latest_audition), awarded_amount=F("award__amount"))
        .order_by("reference")
    )
    rows = {application.pk: RankingRow(application) for application in applications}
    by_review: dict[int, tuple[int, list]] = {}
    for review_id, application_id, score, maximum, weight in (
        ReviewScore.objects.filter(review__application__call=call,
                                   review__status=Review.Status.SUBMITTED)
        .values_list("review_id", "review__application_id", "score", "criterion__max_score",
                     "criterion__weight")
        .order_by("review_id", "criterion__position", "criterion_id")
    ):
        by_review.setdefault(review_id, (application_id, []))[1].append((score, maximum, weight))
    for application_id, scores in by_review.values():
        value = review_weighted_score(scores)
        if value is not None and application_id in rows:
            rows[application_id].review_scores.append(value)
    for application_id, recommendation, count in (
        Review.objects.filter(application__call=call, status=Review.Status.SUBMITTED)
        .values_list("application_id", "recommendation").annotate(n=Count("pk"))
        .order_by()
    ):
        if application_id in rows:
            row = rows[application_id]
            row.reviews += count
            row.recommendations[recommendation] = row.recommendations.get(recommendation, 0) + count
    ranked = sorted((r for r in rows.values() if r.mean is not None),
                    key=lambda r: (-r.mean, r.application.reference))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    return sort_rows(list(rows.values()), sort)


def sort_rows(rows: list[RankingRow], sort: str) -> list[RankingRow]:
    """Rows sorted by one column of `SORTS`; empty values last in either direction."""
    descending = sort.startswith("-")
    key = SORTS.get(sort.lstrip("-"), SORTS[DEFAULT_SORT])[0]
    present = [r for r in rows if key(r) not in (None, "")]
    missing = [r for r in rows if key(r) in (None, "")]
    # Ties keep the order of the references, whichever the direction.
    present.sort(key=lambda r: r.application.reference)
    present.sort(key=key, reverse=descending)
    missing.sort(key=lambda r: r.application.reference)
    return present + missing


# --- Exports ---------------------------------------------------------------------------------

def _headers() -> list[str]:
    return [
        _("rang"), _("référence"), _("acronyme"), _("titre"), _("porteur ou porteuse"),
        _("statut"), _("note pondérée /20"), _("évaluations rendues"), _("note la plus basse"),
        _("note la plus haute"), _("écart-type"), _("audition"), _("financer"),
        _("financer sous réserve"), _("ne pas financer"), _("montant demandé (€)"),
        _("montant accordé (€)"),
    ]


def _cells(row: RankingRow) -> list:
    application = row.application
    return [
        row.rank, application.reference, application.acronym, application.title,
        str(application.principal_investigator), str(application.get_status_display()), row.mean,
        row.reviews, row.lowest, row.highest, row.spread, row.audition,
        row.recommendation(Recommendation.FUND),
        row.recommendation(Recommendation.FUND_WITH_CONDITIONS),
        row.recommendation(Recommendation.DO_NOT_FUND), application.requested_amount,
        row.awarded,
    ]


def _text(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (QUALITY 9);
    numbers are never touched."""
    from clara.spreadsheets.resources import escape_formula

    return escape_formula(value) if isinstance(value, str) else value


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)):
        return str(value).replace(".", ",")
    return _text(value)


def ranking_csv(*, call: Call, rows: list[RankingRow]) -> HttpResponse:
    """The ranking for French spreadsheet software: UTF-8 with a byte-order mark, `;` between
    columns, decimal comma (as the key figures' CSV)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="classement-{call.slug}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(_headers())
    for row in rows:
        writer.writerow([_csv_value(value) for value in _cells(row)])
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ranking_xlsx(*, call: Call, rows: list[RankingRow]) -> HttpResponse:
    """The ranking as an Excel workbook: numbers as numbers (two decimals), texts escaped."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Classement")[:31]
    sheet.append([str(header) for header in _headers()])
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else _text(v) for v in _cells(row)])
    for column in ("G", "I", "J", "K", "P", "Q"):
        for cell in sheet[column][1:]:
            cell.number_format = "0.00"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="classement-{call.slug}.xlsx"'
    return response
