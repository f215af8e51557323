"""Demo tranches (versements) of the research awards whose agreement is signed: per funder,
60 % when the agreement is signed, the rest once the first yearly report is accepted. A
tranche due by 30 June 2025 is paid (a month after it falls due), a later one is planned, so
that staff see paid and remaining amounts. No key figure counts tranches: the 2023-2025 figures
are unchanged. Deterministic and idempotent (keyed by award, funder and due date)."""

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from clara.demo.sync import sync_rows
from funding.models import Contribution, Disbursement
from programmes.models import Programme

FIRST_SHARE = Decimal("0.6")
PAID_UNTIL = date(2025, 6, 30)


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def sync_disbursements() -> None:
    contributions = (
        Contribution.objects.filter(
            award__agreement_signed_on__isnull=False,
            award__application__call__programme__kind__in=Programme.RESEARCH_KINDS,
        )
        .values_list("award_id", "funder_id", "amount", "award__agreement_signed_on")
        .order_by("award_id", "funder_id")
    )
    rows = []
    for award_id, funder_id, amount, signed_on in contributions:
        first = (amount * FIRST_SHARE).quantize(Decimal("1"), rounding=ROUND_DOWN)
        tranches = [
            (signed_on, first, Disbursement.Condition.AGREEMENT_SIGNED, ""),
            (_add_year(signed_on), amount - first, Disbursement.Condition.REPORT_ACCEPTED,
             "Rapport de première année"),
        ]
        for due_on, value, condition, details in tranches:
            if value <= 0:
                continue
            paid = due_on <= PAID_UNTIL
            rows.append({
                "award_id": award_id, "funder_id": funder_id, "due_on": due_on,
                "amount": value, "condition": condition, "condition_details": details,
                "status": Disbursement.Status.PAID if paid else Disbursement.Status.PLANNED,
                "paid_on": due_on + timedelta(days=30) if paid else None,
            })
    sync_rows(Disbursement, ["award_id", "funder_id", "due_on"], rows)
