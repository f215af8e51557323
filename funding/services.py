"""Writes that carry the rules of awards and their split between funders.

Rules held here (the admin, the spreadsheet import and the demo's checks call these):
- only a selected application receives an award, and at most one;
- the funders' contributions add up exactly to the amount awarded;
- the awards of a call never exceed its budget envelope. The call's row is locked while the
  awards are summed (PostgreSQL), so two staff members recording awards at once cannot
  together overspend it.
A refused write raises `ValidationError` with a French message and changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.formatting import format_euros
from funding.models import Award, Contribution, Disbursement, Funder
from programmes.models import Application, Call

Split = Mapping[Funder, Decimal]


def award_check(
    *,
    application: Application,
    amount: Decimal,
    contributions: Split,
    award: Award | None = None,
) -> None:
    """Raise `ValidationError` (every problem found, in French) unless an award of `amount`
    split as `contributions` may be given to `application`. `award` is the award being changed,
    if any (its current amount does not count against the envelope)."""
    errors: dict[str, list[str]] = {}
    if application.status != Application.Status.SELECTED:
        errors.setdefault("application", []).append(
            _("Seule une demande retenue peut recevoir un financement.")
        )
    elif award is None and Award.objects.filter(application=application).exists():
        errors.setdefault("application", []).append(
            _("Cette demande a déjà un financement : modifiez-le plutôt que d'en créer un autre.")
        )
    if amount is None or amount < 0:
        errors.setdefault("amount", []).append(_("Le montant doit être positif ou nul."))
    elif any(value is None or value < 0 for value in contributions.values()):
        errors.setdefault("contributions", []).append(
            _("Chaque contribution doit être positive ou nulle.")
        )
    else:
        total = sum(contributions.values(), Decimal("0"))
        if total != amount:
            errors.setdefault("contributions", []).append(
                _("Les contributions des financeurs font %(total)s pour un montant accordé de "
                  "%(amount)s : elles doivent faire exactement le montant.")
                % {"total": format_euros(total), "amount": format_euros(amount)}
            )
        call = application.call
        others = (
            Award.objects.filter(application__call=call)
            .exclude(pk=award.pk if award else None)
            .aggregate(total=Sum("amount"))["total"]
        ) or Decimal("0")
        if others + amount > call.budget:
            errors.setdefault("amount", []).append(
                _("L'enveloppe de l'appel « %(call)s » est de %(budget)s ; %(others)s sont déjà "
                  "accordés : il reste %(left)s. Ce financement la dépasserait de %(excess)s.")
                % {"call": call, "budget": format_euros(call.budget),
                   "others": format_euros(others),
                   "left": format_euros(max(call.budget - others, Decimal("0"))),
                   "excess": format_euros(others + amount - call.budget)}
            )
        if award is not None:
            _check_above_paid(award, amount, contributions, errors)
    if errors:
        raise ValidationError(errors)


def _lock_call(application: Application) -> None:
    list(Call.objects.select_for_update().filter(pk=application.call_id).values_list("pk"))


def _write_split(award: Award, contributions: Split, by: User | None) -> None:
    existing = {c.funder_id: c for c in award.contributions.select_for_update()}
    wanted = {funder.pk: (funder, amount) for funder, amount in contributions.items()}
    for funder_id, contribution in existing.items():
        if funder_id not in wanted:
            contribution._history_user = by
            contribution.delete()
    for funder_id, (funder, amount) in wanted.items():
        contribution = existing.get(funder_id) or Contribution(award=award, funder=funder)
        if contribution.pk and contribution.amount == amount:
            continue
        contribution.amount = amount
        contribution.full_clean()
        contribution._history_user = by
        contribution.save()


@transaction.atomic
def award_record(
    *,
    application: Application,
    amount: Decimal,
    decided_at: datetime.datetime,
    contributions: Split,
    agreement_signed_on: datetime.date | None = None,
    notes: str = "",
    by: User | None = None,
) -> Award:
    """Give `application` (selected) an award of `amount`, split between funders as
    `contributions` ({funder: amount}, adding up to `amount`), within the call's envelope."""
    _lock_call(application)
    application = Application.objects.select_related("call").get(pk=application.pk)
    award_check(application=application, amount=amount, contributions=contributions)
    award = Award(
        application=application, amount=amount, decided_at=decided_at,
        agreement_signed_on=agreement_signed_on, notes=notes,
    )
    award.full_clean()
    award._history_user = by
    award.save()
    _write_split(award, contributions, by)
    return award


@transaction.atomic
def award_update(
    *,
    award: Award,
    amount: Decimal,
    decided_at: datetime.datetime,
    contributions: Split,
    agreement_signed_on: datetime.date | None = None,
    notes: str = "",
    by: User | None = None,
) -> Award:
    """Change an award and its split together; the same rules as `award_record`."""
    current = Award.objects.select_related("application__call").get(pk=award.pk)
    _lock_call(current.application)
    current = Award.objects.select_for_update().select_related("application__call").get(
        pk=award.pk
    )
    award_check(
        application=current.application, amount=amount, contributions=contributions,
        award=current,
    )
    current.amount = amount
    current.decided_at = decided_at
    current.agreement_signed_on = agreement_signed_on
    current.notes = notes
    current.full_clean()
    current._history_user = by
    current.save()
    _write_split(current, contributions, by)
    award.refresh_from_db()
    return current


# --- Disbursements (versements) ---------------------------------------------------------------
# The tranches of an award: all of them (planned and paid) never add up to more than the award,
# nor those of one funder to more than its contribution. The award's row is locked while they
# are summed (PostgreSQL), so two staff members planning or paying at once cannot overspend it.


def _tranche_totals(award: Award, *, exclude_pk: int | None = None) -> tuple[Decimal, dict]:
    """(total of the award's tranches, {funder id: total}) leaving out `exclude_pk`."""
    rows = (Disbursement.objects.filter(award=award).exclude(pk=exclude_pk)
            .values("funder_id").annotate(total=Sum("amount")).order_by())
    by_funder = {row["funder_id"]: row["total"] for row in rows}
    return sum(by_funder.values(), Decimal("0")), by_funder


def _check_above_paid(award: Award, amount: Decimal, contributions: Split, errors: dict) -> None:
    """An award (or a funder's share of it) is never cut below what was already paid."""
    paid = Disbursement.objects.paid().filter(award=award)
    total = paid.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    if amount < total:
        errors.setdefault("amount", []).append(
            _("%(paid)s ont déjà été versés sur ce financement : son montant ne peut pas être "
              "inférieur.") % {"paid": format_euros(total)})
    shares = {funder.pk: value for funder, value in contributions.items()}
    for row in paid.exclude(funder=None).values("funder_id", "funder__name").annotate(
            total=Sum("amount")).order_by():
        if shares.get(row["funder_id"], Decimal("0")) < row["total"]:
            errors.setdefault("contributions", []).append(
                _("%(paid)s ont déjà été versés au titre de %(funder)s : sa contribution ne "
                  "peut pas être inférieure.")
                % {"paid": format_euros(row["total"]), "funder": row["funder__name"]})


def disbursement_check(
    *, award: Award, amount: Decimal, funder: Funder | None, exclude_pk: int | None = None
) -> None:
    """Raise `ValidationError` (French) unless a tranche of `amount` (from `funder`, if given)
    fits in what remains of `award` and of that funder's contribution."""
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Le montant d'un versement doit être positif.")})
    total, by_funder = _tranche_totals(award, exclude_pk=exclude_pk)
    errors: dict[str, list[str]] = {}
    if total + amount > award.amount:
        errors.setdefault("amount", []).append(
            _("Les versements de ce financement feraient %(total)s pour un financement de "
              "%(award)s : il reste %(left)s à prévoir.")
            % {"total": format_euros(total + amount), "award": format_euros(award.amount),
               "left": format_euros(max(award.amount - total, Decimal("0")))})
    if funder is not None:
        share = (Contribution.objects.filter(award=award, funder=funder)
                 .values_list("amount", flat=True).first())
        if share is None:
            errors.setdefault("funder", []).append(
                _("%(funder)s ne contribue pas à ce financement.") % {"funder": funder})
        elif by_funder.get(funder.pk, Decimal("0")) + amount > share:
            errors.setdefault("amount", []).append(
                _("La contribution de %(funder)s est de %(share)s ; %(planned)s sont déjà "
                  "prévus ou versés : il reste %(left)s.")
                % {"funder": funder, "share": format_euros(share),
                   "planned": format_euros(by_funder.get(funder.pk, Decimal("0"))),
                   "left": format_euros(max(share - by_funder.get(funder.pk, Decimal("0")),
                                            Decimal("0")))})
    if errors:
        raise ValidationError(errors)


def _lock_award(award: Award) -> Award:
    return Award.objects.select_for_update().get(pk=award.pk)


@transaction.atomic
def disbursement_plan(
    *,
    award: Award,
    amount: Decimal,
    condition: str = Disbursement.Condition.AGREEMENT_SIGNED,
    condition_details: str = "",
    due_on: datetime.date | None = None,
    funder: Funder | None = None,
    by: User | None = None,
) -> Disbursement:
    """Plan a tranche of `award`: within what remains of the award and of the funder's
    contribution once every other tranche (planned or paid) is counted."""
    award = _lock_award(award)
    disbursement_check(award=award, amount=amount, funder=funder)
    if condition == Disbursement.Condition.OTHER and not condition_details.strip():
        raise ValidationError({"condition_details": _("Précisez la condition du versement.")})
    tranche = Disbursement(
        award=award, funder=funder, amount=amount, due_on=due_on, condition=condition,
        condition_details=condition_details.strip(),
    )
    tranche.full_clean()
    tranche._history_user = by
    tranche.save()
    return tranche


@transaction.atomic
def disbursement_pay(
    *, disbursement: Disbursement, paid_on: datetime.date, by: User | None = None
) -> Disbursement:
    """Record that a planned tranche was paid on `paid_on`. Refused if it was already paid,
    if its condition is the signed agreement and the award has no agreement date, or if
    (after an award was reduced) it no longer fits in the award or the funder's share."""
    award = _lock_award(disbursement.award)
    current = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
    if current.status == Disbursement.Status.PAID:
        raise ValidationError(_("Ce versement est déjà enregistré comme versé."), code="paid")
    if paid_on is None:
        raise ValidationError({"paid_on": _("Indiquez la date du versement.")})
    if (current.condition == Disbursement.Condition.AGREEMENT_SIGNED
            and award.agreement_signed_on is None):
        raise ValidationError(
            _("Ce versement attend la convention signée : enregistrez d'abord la date de "
              "convention du financement."), code="no_agreement")
    disbursement_check(award=award, amount=current.amount, funder=current.funder,
                       exclude_pk=current.pk)
    current.status = Disbursement.Status.PAID
    current.paid_on = paid_on
    current.full_clean()
    current._history_user = by
    current.save()
    disbursement.refresh_from_db()
    return current


@transaction.atomic
def award_sign_agreement(
    *, award: Award, signed_on: datetime.date, by: User | None = None
) -> Award:
    """Record the date the award's agreement (convention) was signed, after the decision."""
    current = _lock_award(award)
    if signed_on is None:
        raise ValidationError({"agreement_signed_on": _("Indiquez la date de signature.")})
    if signed_on < timezone_date(current.decided_at):
        raise ValidationError({"agreement_signed_on": _(
            "La convention ne peut pas être signée avant la décision.")})
    current.agreement_signed_on = signed_on
    current.full_clean()
    current._history_user = by
    current.save()
    award.refresh_from_db()
    return current


def timezone_date(moment: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(moment).date()


def disbursement_report() -> list[dict]:
    """Per funder: contributions, tranches paid, planned, and what remains to plan and to pay
    (two grouped queries). Tranches without a funder are listed under `funder` None."""
    contributions = {row["funder_id"]: row for row in Contribution.objects.values(
        "funder_id", "funder__name", "funder__short_name").annotate(
            total=Sum("amount")).order_by()}
    tranches = Disbursement.objects.values("funder_id").annotate(
        paid=Sum("amount", filter=Q(status=Disbursement.Status.PAID)),
        planned=Sum("amount", filter=Q(status=Disbursement.Status.PLANNED)),
    ).order_by()
    by_funder = {row["funder_id"]: row for row in tranches}
    zero = Decimal("0")
    rows = []
    for funder_id in sorted(set(contributions) | set(by_funder),
                            key=lambda pk: (pk is None, (contributions.get(pk) or {}).get(
                                "funder__name") or "")):
        c = contributions.get(funder_id) or {}
        t = by_funder.get(funder_id) or {}
        committed = c.get("total") or zero
        paid, planned = t.get("paid") or zero, t.get("planned") or zero
        rows.append({
            "funder_id": funder_id,
            "funder": c.get("funder__short_name") or c.get("funder__name"),
            "committed": committed, "paid": paid, "planned": planned,
            "to_pay": committed - paid if funder_id is not None else None,
        })
    return rows
