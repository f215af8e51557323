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
from django.db.models import Sum
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.formatting import format_euros
from funding.models import Award, Contribution, Funder
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
                  "accordés : il reste %(left)s.")
                % {"call": call, "budget": format_euros(call.budget),
                   "others": format_euros(others),
                   "left": format_euros(max(call.budget - others, Decimal("0")))}
            )
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
