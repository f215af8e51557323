"""Records for the public API's tests: a few of each kind the API lists, with people who
consented to be named and people who did not (`HIDDEN` in their last name)."""

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories as f

HIDDEN = "Cachénom"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    """Throttling off: the tests send many requests in a minute (one test turns it on)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": None}}


def person(index: int, *, consent: bool):
    return f.PersonFactory(
        first_name="Camille",
        last_name=f"Nommée{index}" if consent else f"{HIDDEN}{index}",
        public_consent_on=dt.date(2024, 1, 2) if consent else None)


def add_records(count: int, *, start: int = 0) -> None:
    """`count` records of each kind: funded projects (with teams, co-applicants, a partner
    company, a co-funder, a status and an outcome), calls, events (with speakers, posters,
    a prize and a survey answer), partner organisations."""
    funder = f.FunderFactory()
    for index in range(start, start + count):
        consent = index % 2 == 0
        call = f.CallFactory()
        f.EvaluationCriterionFactory(call=call)
        f.RequiredDocumentFactory(call=call)
        application = f.ApplicationFactory(
            call=call, status="selected", principal_investigator=person(index, consent=consent),
            teams=[f.TeamFactory()], partner_companies=[f.CompanyFactory()])
        application.co_applicants.add(person(100 + index, consent=not consent))
        award = f.AwardFactory(application=application, amount=Decimal("40000"),
                               decided_at=f.paris(2024 + index % 2, 6, 20, 14))
        f.ContributionFactory(award=award, funder=funder)
        project = f.FundedProjectFactory(award=award, name=f"PROJET-{index}",
                                         public_summary="Mieux voir les tumeurs.")
        f.ProjectYearStatusFactory(project=project, year=2025)
        f.OutcomeFactory(project=project)
        # An application not selected: never in any answer.
        f.ApplicationFactory(call=call, title=f"Non retenu {index}", status="not_selected")
        event = f.EventFactory(start_date=dt.date(2024 + index % 3, 3, 1 + index % 27),
                               award=f.AwardFactory(decided_at=f.paris(2024, 1, 5)))
        f.EventSpeakerFactory(event=event, person=person(200 + index, consent=consent))
        poster = f.PosterFactory(event=event, presenter=person(300 + index, consent=False))
        f.PrizeFactory(event=event, poster=poster)
        f.SurveyResponseFactory(event=event)
