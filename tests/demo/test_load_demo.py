"""`load_demo` builds the CLARA network record by record: it runs, it is idempotent, the
records validate, and plain aggregations written from the key-figure definitions give the 2025
report's figures (and other ones for 2023 and 2024).

The command runs twice per module, inside one transaction rolled back at the end of the
module; each test runs in a savepoint inside it.
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Avg, Count, F, Q, Sum
from django.test import override_settings
from django.utils import timezone

from clara.accounts.models import User
from clara.demo.loader import DEMO_ACCOUNTS, DEMO_APPS, DEMO_PASSWORD
from clara.network.models import Organisation, Person, TeamCensus
from events.models import Event, EventSpeaker, InternationalAction, Poster, Prize, WorkingGroup
from funding.models import Award, CompanyInvestment, Contribution, Funder
from programmes.models import Application, Call, Decision, Review
from projects.models import FundedProject, ProjectYearStatus, SupportAction

pytestmark = pytest.mark.django_db

Y = 2025
RESEARCH_KINDS = ["oncostarter", "proof_of_concept", "structuring"]
SITES = {"lyon": 1900, "grenoble": 850, "clermont-ferrand": 350, "saint-etienne": 200}
COMPANIES = {"lyon": 75, "grenoble": 29, "clermont-ferrand": 9, "saint-etienne": 7}


def _snapshot() -> dict[str, list[tuple]]:
    """Every row of every model of the project (history and M2M tables included)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values_list())
        for label in DEMO_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True):
            call_command("load_demo", stdout=io.StringIO())
            first = _snapshot()
            call_command("load_demo", stdout=io.StringIO())
        second = _snapshot()
        yield first, second
        transaction.set_rollback(True)


# --- Running, idempotency, validation --------------------------------------------------------

def test_load_demo_is_idempotent(demo):
    first, second = demo

    assert {label: len(rows) for label, rows in second.items()} == {
        label: len(rows) for label, rows in first.items()
    }
    assert second == first


def test_load_demo_builds_every_kind_of_record(demo):
    first, _second = demo

    empty = {label for label, rows in first.items() if not rows}

    # Attachments need uploaded PDF files; group and permission links are not demo data.
    assert empty == {
        "programmes.Attachment", "accounts.User_groups", "accounts.User_user_permissions",
    }


def test_load_demo_refuses_outside_debug(settings):
    settings.DEBUG = False
    before = Application.objects.count()

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo", stdout=io.StringIO())

    assert Application.objects.count() == before


def test_load_demo_organisations_and_people_pass_their_validators(demo):
    organisations = list(Organisation.objects.all())
    people = list(Person.objects.all())

    for record in organisations + people:
        record.full_clean()

    assert sum(1 for o in organisations if o.siret) >= 120
    assert sum(1 for o in organisations if o.ror) >= 10
    assert sum(1 for p in people if p.orcid) >= 200


def test_load_demo_other_records_pass_full_clean(demo):
    models = [Call, Application, Award, Contribution, CompanyInvestment, FundedProject,
              ProjectYearStatus, Decision, Review, Event, InternationalAction, WorkingGroup]

    for model in models:
        for record in model.objects.all():
            record.full_clean()


def test_load_demo_accounts(demo):
    for email in DEMO_ACCOUNTS.values():
        user = User.objects.get(email=email)
        assert user.check_password(DEMO_PASSWORD)
        assert not user.is_staff
        # They log in through the site's login page, which requires a verified address.
        assert user.emailaddress_set.get().verified
    others = User.objects.exclude(email__in=DEMO_ACCOUNTS.values())
    assert not any(user.has_usable_password() for user in others)
    assert not User.objects.filter(is_superuser=True).exists()
    applicant = User.objects.get(email=DEMO_ACCOUNTS["applicant"])
    assert set(applicant.applications.values_list("status", flat=True)) >= {
        "draft", "selected", "not_selected",
    }
    assert Review.objects.filter(reviewer__email=DEMO_ACCOUNTS["patient"]).exists()


# --- The network -------------------------------------------------------------------------------

def _researchers(year: int):
    return TeamCensus.objects.filter(year=year).aggregate(
        teams=Count("pk"),
        researchers=Sum(F("researchers") + F("doctoral_students")),
        health=Sum("health_professionals"),
    )


def test_network_teams_and_headcounts_2025(demo):
    census = TeamCensus.objects.filter(year=Y)
    per_site = dict(
        census.values_list("team__site__slug").annotate(
            n=Sum(F("researchers") + F("doctoral_students"))
        )
    )

    assert _researchers(Y) == {"teams": 210, "researchers": 3300, "health": 3500}
    assert per_site == SITES


def test_network_other_years_differ(demo):
    assert _researchers(2024)["teams"] == 205
    assert _researchers(2023)["teams"] == 200
    assert _researchers(2024)["researchers"] < 3300
    assert _researchers(2023)["health"] < _researchers(2024)["health"] < 3500


def _companies(year: int):
    return Organisation.objects.filter(
        kind="company", develops_oncology_products=True, active_from__year__lte=year
    ).filter(Q(active_until__isnull=True) | Q(active_until__year__gte=year))


def test_network_companies_2025(demo):
    per_site = dict(_companies(Y).values_list("site__slug").annotate(n=Count("pk")))

    assert _companies(Y).count() == 120
    assert per_site == COMPANIES
    assert _companies(2024).count() == 115
    assert _companies(2023).count() == 108


# --- Calls and applications --------------------------------------------------------------------

def _submitted(year: int):
    return Application.objects.filter(call__closes_at__year=year).exclude(
        status__in=["draft", "withdrawn"]
    )


def test_calls_2025(demo):
    calls = Call.objects.filter(closes_at__year=Y)

    assert calls.count() == 7
    assert set(calls.values_list("year", flat=True)) == {Y}
    assert calls.get(track__code="thematise").theme == "Expérience patient"
    assert calls.get(programme__kind="proof_of_concept").programme.partner.name == (
        "Lyonbiopôle Auvergne-Rhône-Alpes"
    )


def test_calls_applications_2025(demo):
    per_call = dict(
        _submitted(Y).values_list("call__slug").annotate(n=Count("pk"))
    )

    assert _submitted(Y).count() == 70
    assert per_call == {
        "oncostarter-blanc-2025": 20, "oncostarter-thematise-2025": 8,
        "oncostarter-interface-2025": 8, "preuve-du-concept-2025": 4,
        "maillage-du-territoire-2025": 2, "manifestations-scientifiques-2025": 17,
        "mobilites-2025": 11,
    }
    blanc = Application.objects.filter(call__slug="oncostarter-blanc-2025")
    assert blanc.filter(status="draft", submitted_at__isnull=True).count() == 2
    assert blanc.filter(status="withdrawn").count() == 1


def test_calls_every_submission_before_closing(demo):
    late = Application.objects.exclude(status="draft").filter(
        Q(submitted_at__isnull=True) | Q(submitted_at__gte=F("call__closes_at"))
    )

    assert not late.exists()


def test_calls_other_years(demo):
    assert Call.objects.filter(closes_at__year=2024).count() == 7
    assert Call.objects.filter(closes_at__year=2023).count() == 6
    assert _submitted(2024).count() == 64
    assert _submitted(2023).count() == 57


def test_domains_2025(demo):
    domains = _submitted(Y).exclude(domain=None).values("domain").distinct()

    assert domains.count() == 3


# --- Awards --------------------------------------------------------------------------------

def _research_awards(year: int):
    return Award.objects.filter(
        decided_at__year=year, application__call__programme__kind__in=RESEARCH_KINDS
    )


def test_awards_2025(demo):
    per_kind = dict(
        _research_awards(Y)
        .values_list("application__call__programme__kind")
        .annotate(n=Count("pk"), total=Sum("amount"))
        .values_list("application__call__programme__kind", "total")
    )

    assert _research_awards(Y).count() == 12
    assert _research_awards(Y).aggregate(total=Sum("amount"))["total"] == 1_316_000
    assert per_kind == {
        "oncostarter": 275_000, "proof_of_concept": 751_000, "structuring": 290_000,
    }


def test_awards_contributions_sum_to_amount(demo):
    awards = Award.objects.annotate(total=Sum("contributions__amount"))

    assert awards.count() > 100
    assert [a.pk for a in awards if a.total != a.amount] == []


def test_awards_only_on_selected_applications(demo):
    assert not Award.objects.exclude(application__status="selected").exists()


# --- Oncostarter --------------------------------------------------------------------------

def _oncostarter(year: int):
    return _submitted(year).filter(call__programme__kind="oncostarter")


def test_oncostarter_2025(demo):
    selected = _oncostarter(Y).filter(status="selected")
    awards = _research_awards(Y).filter(application__call__programme__kind="oncostarter")
    contributions = Contribution.objects.filter(award__in=awards)

    assert _oncostarter(Y).count() == 36
    assert selected.count() == 7
    assert dict(selected.values_list("call__track__code").annotate(n=Count("pk"))) == {
        "blanc": 4, "interface": 1, "thematise": 2,
    }
    assert Call.objects.filter(
        closes_at__year=Y, programme__kind="oncostarter"
    ).values("track").distinct().count() == 3
    assert contributions.aggregate(total=Sum("amount"))["total"] == 275_000
    assert set(contributions.values_list("funder__kind", flat=True)) == {
        "national_body", "ligue_committee",
    }
    assert contributions.get(funder__kind="national_body", award=awards.first()).funder.name \
        == "Institut National du Cancer"
    assert contributions.filter(funder__kind="ligue_committee").values(
        "funder"
    ).distinct().count() == 10
    assert Funder.objects.filter(kind="ligue_committee").count() == 10


def test_oncostarter_other_years(demo):
    assert _oncostarter(2024).count() == 33
    assert _oncostarter(2024).filter(status="selected").count() == 8


def test_oncostarter_thematise_auditions_2025(demo):
    auditioned = Application.objects.filter(
        call__slug="oncostarter-thematise-2025", decisions__outcome="audition"
    )

    assert auditioned.count() == 2
    assert set(auditioned.values_list("status", flat=True)) == {"selected", "not_selected"}
    assert Review.objects.filter(
        application__call__slug="oncostarter-thematise-2025", role="patient_partner"
    ).count() == 7  # every eligible Thématisé application


def _ongoing(year: int, kind: str):
    return ProjectYearStatus.objects.filter(
        year=year, status="ongoing", project__award__application__call__programme__kind=kind
    )


def test_projects_ongoing_2025(demo):
    assert _ongoing(Y, "oncostarter").count() == 23
    assert _ongoing(Y, "proof_of_concept").count() == 12
    assert set(_ongoing(Y, "structuring").values_list("project__name", flat=True)) == {
        "GERME", "PERCO", "EXPERTISE", "ASTEROPA1", "ASTEROPA2",
    }
    assert set(ProjectYearStatus.objects.filter(year=Y, status="not_started").values_list(
        "project__name", flat=True
    )) == {"CASECM", "ASTEROPA3"}


def test_projects_have_a_status_each_year_since_award(demo):
    awards = Award.objects.filter(
        application__call__programme__kind__in=RESEARCH_KINDS
    ).select_related("project")

    for award in awards:
        years = set(award.project.year_statuses.values_list("year", flat=True))
        assert years == set(range(award.decided_at.year, 2026))
        assert award.project.name == award.application.acronym


# --- Preuve du Concept and structuring projects -----------------------------------------------

def test_poc_2025(demo):
    awards = _research_awards(Y).filter(application__call__programme__kind="proof_of_concept")
    contributions = Contribution.objects.filter(award__in=awards)
    investments = CompanyInvestment.objects.filter(award__in=awards)

    assert _submitted(Y).filter(
        call__programme__kind="proof_of_concept", status="selected"
    ).count() == 3
    assert contributions.aggregate(total=Sum("amount"))["total"] == 751_000
    assert set(contributions.values_list("funder__name", flat=True)) == {
        "Région Auvergne-Rhône-Alpes", "Métropole de Lyon",
    }
    assert investments.aggregate(total=Sum("planned_amount"))["total"] >= 800_000
    for investment in investments:
        assert investment.company.kind == "company"
        assert investment.award.application.partner_companies.filter(
            pk=investment.company_id
        ).exists()


def test_structuring_2025(demo):
    awards = _research_awards(Y).filter(application__call__programme__kind="structuring")
    contributions = Contribution.objects.filter(award__in=awards)

    assert awards.count() == 2
    assert contributions.aggregate(total=Sum("amount"))["total"] == 290_000
    assert set(contributions.values_list("funder__name", flat=True)) == {
        "Métropole de Lyon", "Saint-Étienne Métropole",
    }


def test_support_actions(demo):
    assert SupportAction.objects.filter(date__year=Y).count() == 70
    assert SupportAction.objects.filter(date__year=2024).count() == 64


# --- Events ----------------------------------------------------------------------------------

def _events(year: int):
    return Event.objects.filter(
        start_date__year=year, parent=None, role__in=["organised", "supported"],
        is_international=False,
    ).exclude(kind="workshop")


def test_events_2025(demo):
    per_kind = dict(_events(Y).values_list("kind").annotate(n=Count("pk")))

    assert _events(Y).count() == 21
    assert per_kind == {
        "scientific_event": 16, "forum": 1, "public_evening": 1, "info_session": 2,
        "training": 1,
    }
    assert _events(Y).aggregate(total=Sum("participants"))["total"] == 5_120
    assert _events(2024).count() == 19


def test_forum_2025(demo):
    forum = Event.objects.get(kind="forum", start_date__year=Y)
    posters = dict(Poster.objects.filter(event=forum).values_list("kind").annotate(
        n=Count("pk")
    ))
    poster_prizes = Prize.objects.filter(event=forum, kind="poster_prize")
    trophies = Prize.objects.filter(event=forum, kind="startup_trophy")

    assert (forum.end_date - forum.start_date).days + 1 == 2
    assert forum.participants == 250
    assert EventSpeaker.objects.filter(event=forum).count() == 50
    assert EventSpeaker.objects.filter(event=forum).values("person").distinct().count() == 50
    assert posters == {"lay": 25, "scientific": 50}
    assert poster_prizes.count() == 10
    assert not poster_prizes.filter(poster=None).exists()
    assert trophies.count() == 3
    for trophy in trophies:
        assert trophy.laureate.kind == "company"
        assert trophy.laureate.active_from.year >= Y - 2
    assert set(forum.sessions.filter(kind="workshop").values_list("title", flat=True)) == {
        "Transfert de connaissances",
        "Drug Discovery et ciblage thérapeutique",
        "Plan de gestion de données",
        "Comment monter un réseau de recherche et travailler en consortium",
    }


def test_skills_workshops_2025_include_one_outside_the_forum(demo):
    forum = Event.objects.get(kind="forum", start_date__year=Y)
    workshops = Event.objects.filter(kind="workshop", start_date__year=Y)
    loose = workshops.get(parent=None)

    assert workshops.count() == 5
    assert (loose.role, loose.start_date, loose.venue) == (
        "organised", forum.start_date, forum.venue
    )


def test_supported_events_2025(demo):
    supported = Event.objects.filter(kind="scientific_event", role="supported",
                                     start_date__year=Y)

    assert supported.count() == 16
    assert supported.aggregate(total=Sum("award__amount"))["total"] == 14_350
    assert set(supported.values_list("award__application__call__slug", flat=True)) == {
        "manifestations-scientifiques-2025"
    }
    assert Prize.objects.filter(
        event__in=supported, kind="poster_prize", awarded_by_clara=True
    ).count() == 2


def test_public_evening_2025(demo):
    evening = Event.objects.get(kind="public_evening", start_date__year=Y)
    responses = evening.survey_responses.aggregate(
        n=Count("pk"), recommend=Count("pk", filter=Q(would_recommend=True)), rating=Avg("rating")
    )

    assert evening.participants == 60
    assert evening.title.startswith("Chercher, créer, s'engager")
    assert 100 * responses["recommend"] / responses["n"] == 100
    assert Decimal(str(responses["rating"])).quantize(Decimal("0.01")) == Decimal("4.60")


def test_working_groups(demo):
    def active(year):
        return WorkingGroup.objects.filter(started_on__year__lte=year).filter(
            Q(ended_on__isnull=True) | Q(ended_on__year__gte=year)
        )

    assert active(Y).count() == 4
    assert active(2023).count() == 3
    assert not active(Y).annotate(n=Count("members")).filter(n=0).exists()


def test_info_sessions_trainings_summer_school_conferences_2025(demo):
    in_year = Event.objects.filter(start_date__year=Y)

    assert set(in_year.filter(kind="info_session").values_list("call__slug", flat=True)) == {
        "oncostarter-thematise-2025", "maillage-du-territoire-2025",
    }
    assert in_year.get(kind="training").title == (
        "Les nouveaux paradigmes des réseaux sociaux post COVID"
    )
    assert in_year.get(kind="summer_school").role == "partnership"
    conferences = in_year.filter(kind="conference", is_international=True)
    assert conferences.count() == 2
    assert set(conferences.values_list("role", "award")) == {("supported", None)}


# --- International ---------------------------------------------------------------------------

def test_international_2025(demo):
    actions = InternationalAction.objects.filter(start_date__year=Y)
    mobilities = actions.filter(kind="mobility")
    delegation = actions.get(kind="delegation")

    assert mobilities.count() == 11
    assert mobilities.aggregate(total=Sum("award__amount"))["total"] == 6_500
    assert set(mobilities.values_list("country", flat=True)) == {
        "CA", "DE", "FR", "IT", "PT", "CH", "US",
    }
    assert set(mobilities.values_list("award__application__call__slug", flat=True)) == {
        "mobilites-2025"
    }
    assert actions.filter(kind="teaching", country="CN").count() == 6
    assert actions.filter(kind="student_hosted", country="CN").count() == 1
    assert delegation.country == "CN"
    assert delegation.members.count() == 7
    assert set(delegation.members.values_list("team__site__slug", flat=True)) == {
        "clermont-ferrand", "grenoble", "lyon",
    }
    assert InternationalAction.objects.filter(
        kind="mobility", start_date__year=2024
    ).count() == 9


# --- The demo records keep the rules of the write layer ---------------------------------------

def test_load_demo_awards_keep_the_award_rules(demo):
    from funding.services import award_check

    awards = list(Award.objects.select_related("application__call").prefetch_related(
        "contributions__funder"))
    assert awards
    for award in awards:
        split = {c.funder: c.amount for c in award.contributions.all()}
        award_check(application=award.application, amount=award.amount, contributions=split,
                    award=award)


def test_load_demo_application_status_is_its_last_decision(demo):
    for application in Application.objects.exclude(
        status__in=["draft", "submitted", "under_review", "withdrawn"]
    ).prefetch_related("decisions"):
        last = max(application.decisions.all(), key=lambda d: (d.committee_date, d.pk))
        assert last.outcome == application.status, application.reference


def test_load_demo_project_statuses_follow_the_yearly_transitions(demo):
    statuses: dict[int, list] = {}
    for row in ProjectYearStatus.objects.order_by("project", "year"):
        statuses.setdefault(row.project_id, []).append(row.status)
    assert statuses
    for sequence in statuses.values():
        for before, after in zip(sequence, sequence[1:], strict=False):
            assert after in ProjectYearStatus.ALLOWED_TRANSITIONS[before], sequence


# --- The next edition's calls, open today ------------------------------------------------------

def test_load_demo_opens_the_next_edition_without_applications(demo):
    from clara.keyfigures.selectors import years_with_records

    now = timezone.now()
    open_calls = Call.objects.open_at(now)
    upcoming = Call.objects.filter(opens_at__gt=now)

    assert set(open_calls.values_list("programme__slug", "track__code")) == {
        ("oncostarter", "blanc"), ("oncostarter", "thematise"), ("oncostarter", "interface"),
        ("preuve-du-concept", None),
    }
    assert list(upcoming.values_list("programme__slug", flat=True)) == ["mobilites"]
    for call in [*open_calls, *upcoming]:
        assert call.year > Y
        if call.track and call.track.code == "thematise":
            continue  # the one submitted application of the reviewers' demo, below
        assert not call.applications.exists()
        assert call.criteria.count() >= 2
        assert call.cofunders.exists() and call.sites.count() == 4
        assert call.max_requested_amount is not None
    documents = open_calls.get(track__code="blanc").required_documents
    assert list(documents.values_list("label", "mandatory")) == [
        ("Projet détaillé (PDF)", True), ("CV du porteur ou de la porteuse (PDF)", True),
        ("Budget détaillé (PDF)", True), ("Lettre de soutien (PDF)", False),
    ]
    # Still open in 59 days; key-figure years only up to the last year with closed records.
    assert open_calls.filter(closes_at__gt=now + dt.timedelta(days=59)).count() == 4
    assert years_with_records() == [2025, 2024, 2023]


def test_load_demo_gives_the_demo_reviewers_an_application_to_review(demo):
    from programmes.models import Audition, Reviewer

    call = Call.objects.open_at(timezone.now()).get(track__code="thematise")
    application = call.applications.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.applicant.email not in DEMO_ACCOUNTS.values()
    reviews = {r.reviewer.email: r for r in application.reviews.select_related("reviewer")}
    assert {email: (r.role, r.status, r.conflict_declared_at) for email, r in reviews.items()} == {
        DEMO_ACCOUNTS["reviewer"]: ("expert", "assigned", None),
        DEMO_ACCOUNTS["patient"]: ("patient_partner", "assigned", None),
    }
    assert call.review_deadline > call.closes_at
    assert call.criteria.filter(audience="patient").count() == 3
    assert Reviewer.objects.get(user__email=DEMO_ACCOUNTS["patient"]).kind == "patient_partner"
    assert Audition.objects.exclude(outcome="").exists()
    assert not Review.objects.filter(status="submitted", recommendation="").exists()
