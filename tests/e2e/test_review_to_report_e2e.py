"""Issue 9's whole path in the browser, each person in their own browser session: staff
assign a reviewer, the reviewer declares no conflict and scores, staff record the decision
with its award split, the applicant sees the outcome on their dashboard and later files the
funded project's follow-up report. axe finds no serious or critical violation on these pages;
screenshots go to test-artifacts/."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from funding.models import Award
from programmes.models import Application, Programme, Review
from projects.models import FollowUpReport, FundedProject
from projects.services import report_expect
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    EvaluationCriterionFactory,
    FunderFactory,
    PersonFactory,
    ProgrammeFactory,
    ReviewerFactory,
    SuperUserFactory,
    UserFactory,
)

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def session_for(browser, live_server):
    """A function opening a browser page signed in as `user` (a context of its own)."""
    from django.conf import settings
    from django.test import Client

    from tests.helpers import login_with_mfa

    contexts = []

    def open_as(user):
        client = Client()
        if user.is_staff:
            login_with_mfa(client, user)
        else:
            client.force_login(user)
        context = browser.new_context(base_url=live_server.url, locale="fr-FR",
                                      viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                              "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_review_decision_and_follow_up_e2e(session_for, transactional_db, artifacts_dir,
                                           serious_accessibility_violations):
    def check(page, name):
        page.screenshot(path=str(artifacts_dir / f"path-{name}.png"), full_page=True)
        assert serious_accessibility_violations(page) == [], name

    now = timezone.now()
    call = CallFactory(
        title="Oncostarter Blanc 2026", year=now.year, budget=Decimal("100000"),
        programme=ProgrammeFactory(kind=Programme.Kind.ONCOSTARTER),
        opens_at=now - dt.timedelta(days=90), closes_at=now - dt.timedelta(days=30),
        review_deadline=now + dt.timedelta(days=20),
    )
    inca = FunderFactory(name="Institut National du Cancer", short_name="INCa")
    call.cofunders.set([inca])
    criterion = EvaluationCriterionFactory(call=call, label="Qualité scientifique", max_score=5)
    applicant = UserFactory(first_name="Inès", last_name="Garnier")
    application = ApplicationFactory(
        call=call, applicant=applicant, acronym="CIBLE", title="Cibler la résistance",
        principal_investigator=PersonFactory(user=applicant, first_name="Inès",
                                             last_name="Garnier"),
        status=Application.Status.UNDER_REVIEW, requested_amount=Decimal("30000"),
    )
    reviewer = ReviewerFactory(user=UserFactory(first_name="Marc", last_name="Expert")).user
    staff = SuperUserFactory()

    # Staff assign the reviewer (conflicts checked first).
    office = session_for(staff)
    office.goto(f"/evaluations/gestion/{call.pk}/")
    office.get_by_label(re.compile("CIBLE")).check()
    office.locator("#id_reviewers").select_option(value=str(reviewer.pk))
    office.get_by_role("button", name="Vérifier les conflits").click()
    office.get_by_role("button", name="Confirmer les assignations").click()
    review = Review.objects.get(application=application, reviewer=reviewer)
    check(office, "1-assign")

    # The reviewer declares no conflict, then scores.
    desk = session_for(reviewer)
    desk.goto("/evaluations/")
    check(desk, "2-reviewer-list")
    desk.goto(f"/evaluations/{review.pk}/")
    expect(desk.get_by_text("Contenu scientifique")).to_have_count(0)
    desk.get_by_label("Non, je n'ai aucun conflit d'intérêts").check()
    desk.get_by_role("button", name="Enregistrer ma déclaration").click()
    desk.locator(f"#id_criterion_{criterion.pk}").fill("4")
    desk.locator("input[name=recommendation]").first.check()
    desk.locator("#id_comments").fill("Projet solide, équipe expérimentée.")
    check(desk, "3-scoring")
    desk.get_by_role("button", name="Rendre mon évaluation").click()
    expect(desk.locator(".alert-success").first).to_be_visible()
    review.refresh_from_db()
    assert review.status == Review.Status.SUBMITTED

    # Staff record the decision with its award split.
    office.goto(f"/admin/programmes/application/{application.pk}/retenir/")
    office.get_by_label("Montant accordé (€)").fill("30000")
    office.get_by_label(re.compile("INCa|Institut National du Cancer")).fill("30000")
    check(office, "4-decision")
    office.get_by_role("button", name=re.compile("Retenir")).click()
    expect(office.locator(".messagelist")).to_contain_text("est retenue")
    award = Award.objects.get(application=application)
    assert award.amount == Decimal("30000")
    project = FundedProject.objects.get(award=award)

    # The applicant sees the outcome, then files the follow-up report staff expect.
    report_expect(project=project, year=now.year, by=staff)
    home = session_for(applicant)
    home.goto("/mon-espace/")
    expect(home.get_by_text("Retenue (lauréate)").first).to_be_visible()
    expect(home.get_by_text(re.compile("financement accordé"))).to_be_visible()
    check(home, "5-dashboard")
    home.goto(f"/mon-espace/projets/{project.pk}/rapports/{now.year}/")
    home.get_by_label("Avancement du projet").fill("Cohorte constituée, premiers résultats.")
    check(home, "6-report")
    home.get_by_role("button", name="Remettre le rapport").click()
    expect(home.locator(".alert-success").first).to_be_visible()
    report = FollowUpReport.objects.get(project=project, year=now.year)
    assert (report.status, report.submitted_by) == (FollowUpReport.Status.SUBMITTED, applicant)
