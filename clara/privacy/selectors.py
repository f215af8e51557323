"""What the site holds on one person, and what stops their erasure (reads only).

A *subject* is an account, a person record, or both when the person record is linked to the
account (`Person.user`): a request names one, the other follows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.network.models import Person
from programmes.models import Application, Attachment, Review
from projects.models import FundedProject, ProjectYearStatus

# What an erased identity becomes (`clara.privacy.services.personal_data_erase`): the account's
# address on a reserved domain that never receives mail (RFC 2606), the person "Anonyme #id".
ERASED_EMAIL_DOMAIN = "efface.invalid"
ERASED_FIRST_NAME = "Anonyme"

# Applications whose selection is under way: the committee needs to know who applies.
IN_EVALUATION = (
    Application.Status.SUBMITTED, Application.Status.ELIGIBLE,
    Application.Status.UNDER_REVIEW, Application.Status.AUDITION,
)
# Ended without funding: the file of the procedure is no longer needed, its attachments go.
ENDED_UNFUNDED = (
    Application.Status.NOT_SELECTED, Application.Status.INELIGIBLE,
    Application.Status.WITHDRAWN,
)
# A funded project still followed: its reports name its principal investigator.
FOLLOWED = (ProjectYearStatus.Status.NOT_STARTED, ProjectYearStatus.Status.ONGOING)


@dataclass(frozen=True)
class Subject:
    user: User | None
    person: Person | None

    @property
    def erased(self) -> bool:
        user_erased = self.user is None or self.user.email.endswith("@" + ERASED_EMAIL_DOMAIN)
        person_erased = self.person is None or (
            self.person.first_name == ERASED_FIRST_NAME and not self.person.email
            and self.person.last_name == f"#{self.person.pk}"
        )
        return user_erased and person_erased

    def __str__(self) -> str:
        if self.person is not None:
            return str(self.person)
        return str(self.user)


def subject_for_user(user: User) -> Subject:
    return Subject(user=user, person=Person.objects.filter(user=user).first())


def subject_for_person(person: Person) -> Subject:
    return Subject(user=person.user, person=person)


def _roles(subject: Subject) -> Q:
    """Applications the subject submitted, leads or co-leads."""
    q = Q(pk__in=[])
    if subject.user is not None:
        q |= Q(applicant=subject.user)
    if subject.person is not None:
        q |= Q(principal_investigator=subject.person)
        # The few ids first, so that the three conditions stay index scans (an OR with a
        # subquery reads every application on PostgreSQL).
        q |= Q(pk__in=list(Application.co_applicants.through.objects.filter(
            person=subject.person).values_list("application_id", flat=True)))
    return q


def subject_applications(subject: Subject) -> QuerySet[Application]:
    return (Application.objects.filter(_roles(subject))
            .select_related("call", "applicant", "principal_investigator", "domain")
            .order_by("created_at", "pk"))


def subject_drafts(subject: Subject) -> QuerySet[Application]:
    """The applications the subject's account started and never submitted: no figure and no
    procedure reads them, so an erasure deletes them."""
    if subject.user is None:
        return Application.objects.none()
    return Application.objects.filter(
        applicant=subject.user, submitted_at__isnull=True,
        status__in=[Application.Status.DRAFT, Application.Status.WITHDRAWN],
    )


def erasable_attachments(subject: Subject) -> QuerySet[Attachment]:
    """The attachments an erasure deletes: those of the subject's drafts, and of the
    applications they submitted or lead that ended without funding. Never those of an
    application they only co-lead: its files belong to another applicant's file."""
    own = Q(pk__in=[])
    if subject.user is not None:
        own |= Q(applicant=subject.user)
    if subject.person is not None:
        own |= Q(principal_investigator=subject.person)
    ended = Application.objects.filter(own, status__in=ENDED_UNFUNDED).values("pk")
    return Attachment.objects.filter(Q(application__in=subject_drafts(subject).values("pk"))
                                     | Q(application__in=ended))


def subject_attachments(subject: Subject) -> QuerySet[Attachment]:
    return (Attachment.objects.filter(application__in=subject_applications(subject).values("pk"))
            .select_related("application", "required_document")
            .order_by("application__created_at", "application_id", "uploaded_at", "pk"))


def subject_reviews(subject: Subject) -> QuerySet[Review]:
    if subject.user is None:
        return Review.objects.none()
    return (Review.objects.filter(reviewer=subject.user)
            .select_related("application", "application__call")
            .prefetch_related("scores__criterion")
            .order_by("assigned_at", "pk"))


def subject_followed_projects(subject: Subject) -> QuerySet[FundedProject]:
    """Funded projects the subject leads whose latest yearly status is not started or
    ongoing."""
    if subject.person is None:
        return FundedProject.objects.none()
    latest = (ProjectYearStatus.objects.filter(project=OuterRef("pk"))
              .order_by("-year").values("status")[:1])
    return (FundedProject.objects
            .filter(award__application__principal_investigator=subject.person)
            .annotate(latest_status=Subquery(latest))
            .filter(Q(latest_status__in=FOLLOWED) | Q(latest_status__isnull=True))
            .order_by("pk"))


def erasure_blockers(subject: Subject) -> list[str]:
    """Why the subject's identity may not be erased now, in the staff's language; empty when
    it may. The law lets a network keep what it needs to run a selection under way or to
    follow a grant it pays (README "Données personnelles / GDPR requests")."""
    reasons = []
    user = subject.user
    if user is not None and (user.is_staff or user.is_superuser):
        reasons.append(_(
            "Ce compte a des droits d'administration : retirez-les d'abord (case « équipe "
            "CLARA » et statut de superutilisateur)."))
    for application in subject_applications(subject).filter(status__in=IN_EVALUATION):
        reasons.append(_(
            "La demande %(reference)s est en cours de sélection (%(status)s) : attendez la "
            "décision du comité ou retirez la demande.") % {
                "reference": application.reference,
                "status": application.get_status_display()})
    for review in subject_reviews(subject).filter(status=Review.Status.ASSIGNED):
        reasons.append(_(
            "L'évaluation de la demande %(reference)s est à rendre : elle doit être rendue ou "
            "déclinée.") % {"reference": review.application.reference})
    for project in subject_followed_projects(subject):
        reasons.append(_(
            "Le projet financé « %(name)s » est encore suivi (rapports, versements) : "
            "l'identité de son porteur ou de sa porteuse est conservée jusqu'à sa clôture.")
            % {"name": project.name})
    return reasons
