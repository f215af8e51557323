"""The committee's final decision on an application, in one step for staff.

`application_select` records the decision "selected" (`programmes.services.decision_record`),
the award split between the call's co-funders (`funding.services.award_record`, which locks
the call's row while it sums the envelope) and, for the research programmes, opens the funded
project (`projects.services.funded_project_open`), "en cours" from its start year: all in one
transaction, so a refusal at any step (split not adding up, envelope exceeded) changes
nothing. `application_reject` records "not selected". Either way the applicant is told by
e-mail after the commit, in the language they submitted in (`User.language`), from the
templates `templates/programmes/email/decision_<outcome>.txt` that staff can read.

Lives in projects, the top of the domain layers (programmes ← funding ← projects): it is the
one place that uses all three.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clara.accounts.models import User
from funding.models import Award
from funding.services import Split, award_record
from programmes.models import Application, Decision, Programme
from programmes.services import decision_record
from projects.models import ProjectYearStatus
from projects.services import funded_project_open, project_status_set


def _check_funders(application: Application, contributions: Split) -> None:
    allowed = set(application.call.cofunders.values_list("pk", flat=True))
    strangers = [str(funder) for funder in contributions if funder.pk not in allowed]
    if strangers:
        raise ValidationError({"contributions": _(
            "Ces financeurs ne sont pas cofinanceurs de l'appel : %(funders)s."
        ) % {"funders": ", ".join(strangers)}})


@transaction.atomic
def application_select(
    *,
    application: Application,
    committee_date: datetime.date,
    amount: Decimal,
    contributions: Split,
    decided_at: datetime.datetime | None = None,
    start_date: datetime.date | None = None,
    project_name: str = "",
    notes: str = "",
    by: User | None = None,
) -> Award:
    """Select `application`: its decision, its award of `amount` split between the call's
    co-funders as `contributions` (adding up to `amount`, within the envelope), and for a
    research programme its funded project, ongoing from the year of `start_date` (default:
    the committee's date). All or nothing; the e-mail leaves after the commit."""
    decided_at = decided_at or timezone.make_aware(
        datetime.datetime.combine(committee_date, datetime.time(12)))
    application = Application.objects.select_related("call__programme").get(pk=application.pk)
    _check_funders(application, contributions)
    decision_record(application=application, outcome=Decision.Outcome.SELECTED,
                    committee_date=committee_date, notes=notes, by=by)
    award = award_record(application=application, amount=amount, decided_at=decided_at,
                         contributions=contributions, by=by)
    if application.call.programme.kind in Programme.RESEARCH_KINDS:
        start_date = start_date or committee_date
        name = (project_name or application.acronym or application.title)[:100]
        project = funded_project_open(
            award=award, name=name, start_date=start_date,
            site=_site_of(application), public_summary=application.lay_summary, by=by,
        )
        decided_year = timezone.localtime(award.decided_at).year
        if start_date.year > decided_year:
            project_status_set(project=project, year=start_date.year,
                               status=ProjectYearStatus.Status.ONGOING, by=by)
    return award


def _site_of(application: Application):
    team = application.teams.select_related("site").order_by("pk").first()
    return team.site if team else None


@transaction.atomic
def application_reject(
    *, application: Application, committee_date: datetime.date, notes: str = "",
    by: User | None = None,
) -> Decision:
    """Record the committee's decision not to select `application`; the applicant is told by
    e-mail after the commit."""
    return decision_record(application=application, outcome=Decision.Outcome.NOT_SELECTED,
                           committee_date=committee_date, notes=notes, by=by)


