"""Demo data of the evaluation: reviewer profiles, the recommendation and declaration of the
past reviews, the ECLAIR auditions of past applications, and one submitted application on
the open Oncostarter Thématisé call with reviews assigned to the two demo reviewer accounts
(not yet declared nor scored), so that a new user can try the reviewer portal.

Nothing here is read by the 2023-2025 key figures (no figure counts reviews or auditions;
the new application is on a call closing after 2025). Idempotent like the rest of the demo."""

from datetime import timedelta
from decimal import Decimal

from clara.accounts.models import User
from clara.demo.network import DEMO_ACCOUNTS
from clara.demo.sync import sync_links, sync_rows
from programmes import evaluation
from programmes.models import (
    Application,
    Audition,
    BudgetLine,
    Call,
    EvaluationCriterion,
    Review,
    Reviewer,
)

S = Application.Status
PATIENT_CRITERIA = [
    ("Pertinence pour les patients", "Le projet répond-il à une question qui compte pour les "
     "personnes malades et leurs proches ?", Decimal("2")),
    ("Clarté du résumé grand public", "Le résumé est-il compréhensible sans formation "
     "scientifique ?", Decimal("1")),
    ("Place des patients dans le projet", "Les patients partenaires sont-ils associés à la "
     "conception et au suivi ?", Decimal("1")),
]
RECOMMENDATION_OF_STATUS = {
    S.SELECTED: Review.Recommendation.FUND,
    S.NOT_SELECTED: Review.Recommendation.DO_NOT_FUND,
}


def build_evaluation(net, grants, open_calls: dict[str, Call]) -> None:
    _sync_reviewers(grants)
    _complete_past_reviews()
    _sync_auditions(grants)
    _sync_demo_application(grants, open_calls["thematise"])


def _sync_reviewers(grants) -> None:
    rows = {}
    for kind, people in grants.reviewers.items():
        for person in people:
            if person.user is not None and person.user.pk not in rows:
                rows[person.user.pk] = {"user_id": person.user.pk, "kind": kind, "active": True}
    sync_rows(Reviewer, ["user_id"], list(rows.values()))


def _complete_past_reviews() -> None:
    """The past reviews were made before the portal: give them the declaration time and a
    recommendation following the committee's outcome."""
    rows = []
    for review in Review.objects.filter(application__call__year__lte=2025).select_related(
            "application").order_by("pk"):
        declined = review.status == Review.Status.DECLINED
        rows.append({
            "application_id": review.application_id, "reviewer_id": review.reviewer_id,
            "conflict_declared_at": review.assigned_at + timedelta(days=1),
            "recommendation": "" if declined else RECOMMENDATION_OF_STATUS.get(
                review.application.status, Review.Recommendation.FUND_WITH_CONDITIONS),
        })
    sync_rows(Review, ["application_id", "reviewer_id"], rows)


def _sync_auditions(grants) -> None:
    from clara.demo.grants import AUDITION_DAY, paris

    patients = [p.user for p in grants.reviewers["patient_partner"][:3]]
    rows = []
    for app in grants.apps:
        if not app.audition:
            continue
        at = paris(app.year, *AUDITION_DAY, 14 + app.number % 4)
        selected = app.status == S.SELECTED
        rows.append({
            "application_id": app.obj.pk, "kind": Audition.Kind.ECLAIR, "scheduled_at": at,
            "location": "Cancéropôle CLARA, Lyon",
            "panel_description": "Groupe ECLAIR — patients partenaires et un membre du "
                                 "conseil scientifique.",
            "outcome": Audition.Outcome.FAVOURABLE if selected else (
                Audition.Outcome.RESERVED if app.number % 2 else Audition.Outcome.UNFAVOURABLE),
            "notes": "Échanges sur la place des patients dans le projet.",
            "outcome_recorded_at": at + timedelta(hours=3),
        })
    auditions = sync_rows(Audition, ["application_id", "kind", "scheduled_at"], rows)
    sync_links(Audition.panel, [(a.pk, user.pk) for a in auditions.values() for user in patients],
               [a.pk for a in auditions.values()])


def _sync_demo_application(grants, call: Call) -> None:
    """A submitted application on the open Thématisé call, by a demo researcher other than
    the demo applicant, reviewed by the two demo reviewer accounts."""
    sync_rows(Call, ["slug"], [{"slug": call.slug,
                                "review_deadline": call.closes_at + timedelta(days=30)}])
    call.refresh_from_db()
    sync_rows(EvaluationCriterion, ["call_id", "label"], [
        {"call_id": call.pk, "label": label, "description": description, "weight": weight,
         "max_score": 5, "position": 10 + i, "audience": EvaluationCriterion.Audience.PATIENT}
        for i, (label, description, weight) in enumerate(PATIENT_CRITERIA)
    ])
    reviewers = {u.email: u for u in User.objects.filter(
        email__in=[DEMO_ACCOUNTS["reviewer"], DEMO_ACCOUNTS["patient"]])}
    author = next(app.pi for app in grants.of("thematise", 2025)
                  if app.pi.user is not None
                  and app.pi.user.email not in DEMO_ACCOUNTS.values())
    reference = f"{call.slug.upper()[:30]}-001"
    amount = Decimal("38000")
    synced = sync_rows(Application, ["reference"], [{
        "reference": reference, "call_id": call.pk, "applicant_id": author.user.pk,
        "principal_investigator_id": author.pk, "domain_id": next(iter(grants.domains.values())).pk,
        "acronym": "VIVRE-APRES", "title": "Vivre après un cancer : fatigue et retour au "
                                           "travail, une cohorte accompagnée",
        "lay_summary": ("Beaucoup de personnes gardent une grande fatigue après leurs "
                        "traitements. Nous voulons comprendre pourquoi, avec elles, et tester un "
                        "accompagnement pour le retour au travail."),
        "scientific_content": ("Cohorte prospective de 200 patients après traitement, "
                               "biomarqueurs inflammatoires, actimétrie et questionnaires ; "
                               "essai pilote d'un programme d'activité physique adaptée."),
        "requested_amount": amount, "duration_months": 24, "status": S.SUBMITTED,
        "submitted_at": call.opens_at + timedelta(days=10),
    }])
    application = synced[(reference,)]
    if author.team_id:
        sync_links(Application.teams, [(application.pk, author.team_id)], [application.pk])
    sync_rows(BudgetLine, ["application_id", "position"], [
        {"application_id": application.pk, "position": 0, "category": "staff",
         "label": "Ingénieure d'études (12 mois)", "amount": Decimal("30000")},
        {"application_id": application.pk, "position": 1, "category": "running",
         "label": "Actimètres et questionnaires", "amount": Decimal("8000")},
    ])
    for email, role in ((DEMO_ACCOUNTS["reviewer"], Review.Role.EXPERT),
                        (DEMO_ACCOUNTS["patient"], Review.Role.PATIENT_PARTNER)):
        reviewer = reviewers.get(email)
        if reviewer is None or Review.objects.filter(application=application,
                                                     reviewer=reviewer).exists():
            continue
        evaluation.review_assign(application=application, reviewer=reviewer, role=role, by=None)
