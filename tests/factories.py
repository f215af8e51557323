"""factory_boy factories for every model.

Every unique field comes from a sequence, so creating many rows in one test is safe. Related
rows are built through SubFactory (one new row per relation) unless a test passes its own.
Identifiers (SIREN, SIRET, ORCID) are generated with valid check digits so that
`full_clean()` passes; pass an explicit value to test a bad one.
"""

import datetime as dt
import functools
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from clara.accounts.models import User
from clara.network.models import Organisation, Person, Site, Team, TeamCensus
from clara.network.validators import luhn_is_valid, orcid_check_digit
from events.models import (
    Event,
    EventSpeaker,
    InternationalAction,
    Poster,
    Prize,
    SurveyResponse,
    WorkingGroup,
)
from funding.models import Award, CompanyInvestment, Contribution, Disbursement, Funder
from programmes.models import (
    Application,
    Attachment,
    Audition,
    Call,
    Decision,
    EvaluationCriterion,
    InnovationDomain,
    Programme,
    RequiredDocument,
    Review,
    Reviewer,
    ReviewScore,
    Track,
)
from projects.models import (
    FollowUpReport,
    FundedProject,
    Outcome,
    ProjectYearStatus,
    SupportAction,
)

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_PASSWORD = "mot-de-passe-de-test-42"  # noqa: S105 (test fixture)


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    """An aware datetime in Europe/Paris."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=PARIS)


def _luhn_complete(base: str) -> str:
    """`base` followed by the digit that makes the whole number pass Luhn."""
    for digit in "0123456789":
        if luhn_is_valid(base + digit):
            return base + digit
    raise AssertionError("unreachable")


def valid_siren(n: int) -> str:
    """A valid, unique SIREN for sequence number `n` (never La Poste's 356000000)."""
    return _luhn_complete(f"{(10_000_000 + n) % 100_000_000:08d}")


def valid_siret(siren: str, n: int = 1) -> str:
    """A valid SIRET of establishment `n` of `siren`."""
    return _luhn_complete(f"{siren}{n % 10_000:04d}")


def valid_orcid(n: int) -> str:
    digits = f"{(100_000_000 + n) % 10**15:015d}"
    full = digits + orcid_check_digit(digits)
    return "-".join(full[i : i + 4] for i in range(0, 16, 4))


@functools.cache
def default_password_hash() -> str:
    """Hashed once per test run: PBKDF2 costs ~0.3 s per call, too slow for every user."""
    return make_password(DEFAULT_PASSWORD)


# --- clara ---------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    # Every factory user logs in with DEFAULT_PASSWORD.
    password = factory.LazyFunction(default_password_hash)
    is_active = True


class StaffUserFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@canceropole-clara.example")
    is_staff = True


class SuperUserFactory(StaffUserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@canceropole-clara.example")
    is_superuser = True


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Site {n} et alentours")
    slug = factory.Sequence(lambda n: f"site-{n}")
    position = factory.Sequence(lambda n: n % 1000)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Laboratoire {n}")
    kind = Organisation.Kind.LABORATORY
    site = factory.SubFactory(SiteFactory)
    city = "Lyon"


class CompanyFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Onco Biotech {n}")
    kind = Organisation.Kind.COMPANY
    develops_oncology_products = True
    active_from = dt.date(2020, 1, 1)
    siren = factory.Sequence(valid_siren)
    siret = factory.LazyAttribute(lambda o: valid_siret(o.siren))


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Équipe {n}")
    kind = Team.Kind.ACADEMIC
    site = factory.SubFactory(SiteFactory)
    organisation = factory.SubFactory(OrganisationFactory, site=factory.SelfAttribute("..site"))
    leader = None


class TeamCensusFactory(DjangoModelFactory):
    class Meta:
        model = TeamCensus

    team = factory.SubFactory(TeamFactory)
    year = 2025
    researchers = 12
    doctoral_students = 4
    health_professionals = 15


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    kind = Person.Kind.RESEARCHER
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    orcid = factory.Sequence(valid_orcid)
    organisation = factory.SubFactory(OrganisationFactory)
    team = None
    user = None


# --- programmes ----------------------------------------------------------------------------


class InnovationDomainFactory(DjangoModelFactory):
    class Meta:
        model = InnovationDomain

    name = factory.Sequence(lambda n: f"Domaine d'innovation {n}")
    slug = factory.Sequence(lambda n: f"domaine-{n}")


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"Programme {n}")
    slug = factory.Sequence(lambda n: f"programme-{n}")
    kind = Programme.Kind.ONCOSTARTER


class TrackFactory(DjangoModelFactory):
    class Meta:
        model = Track

    programme = factory.SubFactory(ProgrammeFactory)
    code = Track.Code.BLANC


class CallFactory(DjangoModelFactory):
    """A call of `year`, open from 15 January 09:00 to 31 March 23:59:59 (Europe/Paris)."""

    class Meta:
        model = Call

    programme = factory.SubFactory(ProgrammeFactory)
    track = None
    year = 2025
    title = factory.Sequence(lambda n: f"Appel à projets {n}")
    slug = factory.Sequence(lambda n: f"appel-{n}")
    opens_at = factory.LazyAttribute(lambda o: paris(o.year, 1, 15, 9))
    closes_at = factory.LazyAttribute(lambda o: paris(o.year, 3, 31, 23, 59, 59))
    budget = Decimal("300000")

    class Params:
        with_track = factory.Trait(
            track=factory.SubFactory(TrackFactory, programme=factory.SelfAttribute("..programme"))
        )


class EvaluationCriterionFactory(DjangoModelFactory):
    class Meta:
        model = EvaluationCriterion

    call = factory.SubFactory(CallFactory)
    label = factory.Sequence(lambda n: f"Critère {n}")
    max_score = 5
    weight = Decimal("1")
    position = factory.Sequence(lambda n: n % 1000)


class RequiredDocumentFactory(DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    call = factory.SubFactory(CallFactory)
    label = factory.Sequence(lambda n: f"Document {n}")
    mandatory = True


class ApplicationFactory(DjangoModelFactory):
    """A submitted application by default; `status="draft"` leaves `submitted_at` empty."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"APP-{n:05d}")
    call = factory.SubFactory(CallFactory)
    applicant = factory.SubFactory(UserFactory)
    principal_investigator = factory.SubFactory(PersonFactory)
    title = factory.Sequence(lambda n: f"Projet de recherche {n}")
    acronym = factory.Sequence(lambda n: f"PRJ{n}")
    lay_summary = "Un résumé pour le grand public."
    requested_amount = Decimal("40000")
    status = Application.Status.SUBMITTED
    submitted_at = factory.LazyAttribute(
        lambda o: None
        if o.status == Application.Status.DRAFT
        else o.call.closes_at - dt.timedelta(days=1)
    )

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)

    @factory.post_generation
    def partner_companies(self, create, extracted, **kwargs):
        if create and extracted:
            self.partner_companies.set(extracted)


class AttachmentFactory(DjangoModelFactory):
    """Metadata only: the stored name points nowhere, so tests never write private files."""

    class Meta:
        model = Attachment

    application = factory.SubFactory(ApplicationFactory)
    file = factory.Sequence(lambda n: f"applications/test/{n:032x}.pdf")
    original_name = factory.Sequence(lambda n: f"annexe-{n}.pdf")
    size = 12_345


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = Review

    application = factory.SubFactory(ApplicationFactory)
    reviewer = factory.SubFactory(UserFactory)
    role = Review.Role.EXPERT
    status = Review.Status.ASSIGNED


class ReviewerFactory(DjangoModelFactory):
    class Meta:
        model = Reviewer

    user = factory.SubFactory(UserFactory)
    kind = Reviewer.Kind.EXPERT


class AuditionFactory(DjangoModelFactory):
    class Meta:
        model = Audition

    application = factory.SubFactory(ApplicationFactory)
    kind = Audition.Kind.ECLAIR
    scheduled_at = factory.LazyFunction(lambda: paris(2025, 6, 10, 14))


class ReviewScoreFactory(DjangoModelFactory):
    class Meta:
        model = ReviewScore

    review = factory.SubFactory(ReviewFactory)
    criterion = factory.SubFactory(
        EvaluationCriterionFactory, call=factory.SelfAttribute("..review.application.call")
    )
    score = 4


class DecisionFactory(DjangoModelFactory):
    class Meta:
        model = Decision

    application = factory.SubFactory(ApplicationFactory)
    outcome = Decision.Outcome.SELECTED
    committee_date = factory.Sequence(lambda n: dt.date(2025, 6, 1) + dt.timedelta(days=n))
    recorded_by = None


# --- funding -------------------------------------------------------------------------------


class FunderFactory(DjangoModelFactory):
    class Meta:
        model = Funder

    name = factory.Sequence(lambda n: f"Financeur {n}")
    short_name = factory.Sequence(lambda n: f"F{n}")
    kind = Funder.Kind.NATIONAL_BODY
    organisation = None


class AwardFactory(DjangoModelFactory):
    class Meta:
        model = Award

    application = factory.SubFactory(ApplicationFactory, status=Application.Status.SELECTED)
    amount = Decimal("40000")
    decided_at = factory.LazyFunction(lambda: paris(2025, 6, 20, 14))
    agreement_signed_on = None


class ContributionFactory(DjangoModelFactory):
    class Meta:
        model = Contribution

    award = factory.SubFactory(AwardFactory)
    funder = factory.SubFactory(FunderFactory)
    amount = Decimal("20000")


class CompanyInvestmentFactory(DjangoModelFactory):
    class Meta:
        model = CompanyInvestment

    award = factory.SubFactory(AwardFactory)
    company = factory.SubFactory(CompanyFactory)
    planned_amount = Decimal("100000")


class DisbursementFactory(DjangoModelFactory):
    """A planned tranche of an award (services check the limits; the factory does not)."""

    class Meta:
        model = Disbursement

    award = factory.SubFactory(AwardFactory)
    amount = Decimal("10000")
    due_on = factory.LazyFunction(lambda: dt.date(2025, 9, 1))


# --- projects ------------------------------------------------------------------------------


class FundedProjectFactory(DjangoModelFactory):
    class Meta:
        model = FundedProject

    award = factory.SubFactory(AwardFactory)
    name = factory.Sequence(lambda n: f"PROJET{n}")
    site = factory.SubFactory(SiteFactory)
    start_date = dt.date(2025, 9, 1)
    end_date = dt.date(2027, 8, 31)


class ProjectYearStatusFactory(DjangoModelFactory):
    class Meta:
        model = ProjectYearStatus

    project = factory.SubFactory(FundedProjectFactory)
    year = 2025
    status = ProjectYearStatus.Status.ONGOING


class FollowUpReportFactory(DjangoModelFactory):
    class Meta:
        model = FollowUpReport

    project = factory.SubFactory(FundedProjectFactory)
    year = 2025
    status = FollowUpReport.Status.SUBMITTED
    due_on = factory.LazyAttribute(lambda o: dt.date(o.year + 1, 3, 31))
    submitted_on = dt.date(2025, 12, 15)
    summary = "Avancement conforme au calendrier."


class OutcomeFactory(DjangoModelFactory):
    class Meta:
        model = Outcome

    project = factory.SubFactory(FundedProjectFactory)
    kind = Outcome.Kind.PUBLICATION
    title = factory.Sequence(lambda n: f"Résultat {n}")
    date = dt.date(2025, 11, 3)
    identifier = factory.Sequence(lambda n: f"10.5555/clara-test.{n}")


class SupportActionFactory(DjangoModelFactory):
    class Meta:
        model = SupportAction

    date = dt.date(2025, 4, 2)
    kind = SupportAction.Kind.APPLICATION_ADVICE
    subject = factory.Sequence(lambda n: f"Accompagnement {n}")
    team = factory.SubFactory(TeamFactory)
    organisation = factory.SelfAttribute("team.organisation")
    project = None
    staff_member = factory.SubFactory(StaffUserFactory)


# --- events --------------------------------------------------------------------------------


class WorkingGroupFactory(DjangoModelFactory):
    class Meta:
        model = WorkingGroup
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Groupe de travail {n}")
    acronym = factory.Sequence(lambda n: f"GT{n}")
    started_on = dt.date(2023, 1, 1)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Événement {n}")
    kind = Event.Kind.CONFERENCE
    role = Event.Role.ORGANISED
    start_date = dt.date(2025, 10, 9)
    end_date = factory.SelfAttribute("start_date")
    site = factory.SubFactory(SiteFactory)
    venue = "Lyon"
    participants = 120


class EventSpeakerFactory(DjangoModelFactory):
    class Meta:
        model = EventSpeaker

    event = factory.SubFactory(EventFactory)
    person = factory.SubFactory(PersonFactory)
    topic = factory.Sequence(lambda n: f"Intervention {n}")


class PosterFactory(DjangoModelFactory):
    class Meta:
        model = Poster

    event = factory.SubFactory(EventFactory, kind=Event.Kind.FORUM)
    kind = Poster.Kind.SCIENTIFIC
    title = factory.Sequence(lambda n: f"Poster {n}")
    presenter = factory.SubFactory(PersonFactory)


class PrizeFactory(DjangoModelFactory):
    class Meta:
        model = Prize

    event = factory.SubFactory(EventFactory, kind=Event.Kind.FORUM)
    kind = Prize.Kind.POSTER_PRIZE
    label = factory.Sequence(lambda n: f"Prix {n}")
    poster = factory.SubFactory(PosterFactory, event=factory.SelfAttribute("..event"))
    laureate = None

    class Params:
        startup_trophy = factory.Trait(
            kind=Prize.Kind.STARTUP_TROPHY,
            poster=None,
            laureate=factory.SubFactory(CompanyFactory),
        )


class SurveyResponseFactory(DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    event = factory.SubFactory(EventFactory, kind=Event.Kind.PUBLIC_EVENING)
    would_recommend = True
    rating = 5


class InternationalActionFactory(DjangoModelFactory):
    class Meta:
        model = InternationalAction
        skip_postgeneration_save = True

    kind = InternationalAction.Kind.MOBILITY
    title = factory.Sequence(lambda n: f"Mobilité {n}")
    person = factory.SubFactory(PersonFactory)
    country = "CA"
    institution = "Université McGill"
    start_date = dt.date(2025, 5, 1)
    end_date = dt.date(2025, 7, 31)
    award = None

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)
