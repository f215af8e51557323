"""GDPR writes: the export of a person's data (a ZIP file) and the erasure of their identity.
Both are logged on `clara.security` and in the admin's history of the account and the person.

The erasure keeps every record a key figure counts or sums (submitted applications, awards,
reviews and their scores, talks, posters, international actions, team membership, the
person's profile kind), so that no published figure changes; it removes what identifies the
person and what no procedure needs any more:

- the account: e-mail address replaced by `anonyme-<id>@efface.invalid`, names emptied,
  password made unusable (every open session ends), deactivated, groups and permissions
  removed; its e-mail addresses, second factors and login attempts (django-axes) deleted;
- the person record: "Anonyme #<id>", no e-mail address, ORCID iD or public-naming consent;
- the reviewer profile: its expertise text emptied, inactive;
- the drafts the account never submitted, with their attachments and history (no figure and
  no procedure reads them);
- the attachments of applications that ended without funding (not selected, not eligible,
  withdrawn); those of funded applications stay with the grant's file;
- the name shown in the admin's history of the account and the person.
"""

from __future__ import annotations

import json
import logging
import tempfile
import zipfile
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from clara.accounts.models import User
from clara.network.models import Person
from clara.privacy import selectors
from clara.privacy.selectors import ERASED_EMAIL_DOMAIN, ERASED_FIRST_NAME, Subject
from clara.security_log import security_event
from programmes.models import Application, Attachment, Reviewer

logger = logging.getLogger(__name__)

PERSONAL_DATA_SUBJECT_EXPORT = "personal_data_subject_export"
PERSONAL_DATA_ERASURE = "personal_data_erasure"

README = """Données personnelles détenues par le Cancéropôle CLARA
=====================================================

Ce fichier répond à une demande d'accès (RGPD, article 15). Il contient :

- donnees.json : le compte, la fiche personne, les demandes de financement (déposées,
  portées ou co-portées), les évaluations rendues, les rapports de suivi remis et les
  participations aux événements et actions du réseau ;
- pieces-jointes/ : les pièces jointes des demandes, par référence de demande.

Les dates et heures sont à l'heure de Paris. Les montants sont en euros.
Les évaluations écrites par d'autres personnes sur vos demandes n'y figurent pas : elles
relèvent de la confidentialité de la sélection ; adressez-vous au Cancéropôle pour y accéder.

Personal data held by the Cancéropôle CLARA (GDPR access request): donnees.json holds the
account, the person record, the funding applications, the reviews written, the follow-up
reports submitted and the participations in the network's events; pieces-jointes/ holds the
applications' attachments. Times are in Paris time, amounts in euros.
"""


# --- Export ---------------------------------------------------------------------------------


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def _account(user: User) -> dict:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    return {
        "adresse_email": user.email,
        "prenom": user.first_name,
        "nom": user.last_name,
        "inscrit_le": _when(user.date_joined),
        "derniere_connexion": _when(user.last_login),
        "actif": user.is_active,
        "langue_des_emails": user.language,
        "adresses_email": [
            {"adresse": row.email, "verifiee": row.verified, "principale": row.primary}
            for row in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        # The kind and dates only: an authenticator's data is its secret.
        "seconds_facteurs": [
            {"type": row.type, "cree_le": _when(row.created_at),
             "dernier_usage": _when(row.last_used_at)}
            for row in Authenticator.objects.filter(user=user).order_by("pk")
        ],
        "tentatives_de_connexion": _login_attempts(user.email),
    }


def _login_attempts(email: str) -> list[dict]:
    from axes.models import AccessLog

    return [
        {"le": _when(row.attempt_time), "adresse_ip": row.ip_address,
         "navigateur": row.user_agent, "deconnexion": _when(row.logout_time)}
        for row in AccessLog.objects.filter(username__iexact=email).order_by("attempt_time")
    ]


def _person(person: Person) -> dict:
    return {
        "prenom": person.first_name,
        "nom": person.last_name,
        "profil": person.get_kind_display(),
        "adresse_email": person.email,
        "orcid": person.orcid,
        "organisation": str(person.organisation) if person.organisation_id else None,
        "equipe": str(person.team) if person.team_id else None,
        "accord_pour_etre_nomme_publiquement_le": person.public_consent_on,
        "equipes_dirigees": [str(team) for team in person.led_teams.order_by("name")],
        "groupes_de_travail": [str(group) for group in person.working_groups.order_by("name")],
        "interventions": [
            {"evenement": str(talk.event), "date": talk.event.start_date, "sujet": talk.topic}
            for talk in person.talks.select_related("event").order_by("event__start_date")
        ],
        "posters": [
            {"evenement": str(poster.event), "titre": poster.title,
             "type": poster.get_kind_display()}
            for poster in person.posters.select_related("event").order_by("event__start_date")
        ],
        "actions_internationales": [
            {"intitule": action.title, "type": action.get_kind_display(),
             "pays": str(action.country.name), "etablissement": action.institution,
             "debut": action.start_date, "fin": action.end_date}
            for action in person.international_actions.order_by("start_date")
        ],
        "delegations": [
            {"intitule": action.title, "pays": str(action.country.name),
             "debut": action.start_date}
            for action in person.delegations.order_by("start_date")
        ],
    }


def _roles_of(application: Application, subject: Subject, co_applications: set[int]) -> list:
    roles = []
    if subject.user is not None and application.applicant_id == subject.user.pk:
        roles.append("deposant")
    if subject.person is not None and application.principal_investigator_id == subject.person.pk:
        roles.append("porteur")
    if application.pk in co_applications:
        roles.append("co-porteur")
    return roles


def _attachment_path(attachment: Attachment) -> str:
    name = get_valid_filename(attachment.original_name) or "document.pdf"
    return str(PurePosixPath("pieces-jointes") / attachment.application.reference
               / f"{attachment.pk}-{name}")


def _applications(subject: Subject, attachments: list[Attachment]) -> list[dict]:
    co_applications = set()
    if subject.person is not None:
        co_applications = set(subject.person.co_applications.values_list("pk", flat=True))
    by_application: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        by_application.setdefault(attachment.application_id, []).append(attachment)
    applications = (selectors.subject_applications(subject)
                    .prefetch_related("budget_lines", "teams", "partner_companies",
                                      "co_applicants", "decisions"))
    return [
        {
            "reference": application.reference,
            "appel": str(application.call),
            "roles": _roles_of(application, subject, co_applications),
            "statut": application.get_status_display(),
            "acronyme": application.acronym,
            "titre": application.title,
            "resume_grand_public": application.lay_summary,
            "contenu_scientifique": application.scientific_content,
            "montant_demande_eur": application.requested_amount,
            "duree_mois": application.duration_months,
            "porteur": str(application.principal_investigator),
            "co_porteurs": [str(person) for person in application.co_applicants.all()],
            "equipes": [str(team) for team in application.teams.all()],
            "entreprises_partenaires": [str(org) for org in application.partner_companies.all()],
            "budget": [
                {"nature": line.get_category_display(), "detail": line.label,
                 "montant_eur": line.amount}
                for line in application.budget_lines.all()
            ],
            "creee_le": _when(application.created_at),
            "deposee_le": _when(application.submitted_at),
            "decisions": [
                {"decision": decision.get_outcome_display(),
                 "date_du_comite": decision.committee_date, "motivation": decision.notes}
                for decision in application.decisions.all()
            ],
            "pieces_jointes": [
                {"nom": attachment.original_name, "taille_octets": attachment.size,
                 "deposee_le": _when(attachment.uploaded_at),
                 "fichier": _attachment_path(attachment)}
                for attachment in by_application.get(application.pk, [])
            ],
        }
        for application in applications
    ]


def _reviews(subject: Subject) -> list[dict]:
    return [
        {
            "demande": review.application.reference,
            "appel": str(review.application.call),
            "role": review.get_role_display(),
            "statut": review.get_status_display(),
            "conflit_d_interets": review.conflict_of_interest,
            "precisions_sur_le_conflit": review.conflict_details,
            "commentaires": review.comments,
            "recommandation": review.get_recommendation_display(),
            "notes": [{"critere": str(score.criterion), "note": score.score}
                      for score in review.scores.all()],
            "assignee_le": _when(review.assigned_at),
            "rendue_le": _when(review.submitted_at),
        }
        for review in selectors.subject_reviews(subject)
    ]


def _reports(user: User) -> list[dict]:
    from projects.models import FollowUpReport

    return [
        {"projet": str(report.project), "annee": report.year,
         "statut": report.get_status_display(), "remis_le": report.submitted_on,
         "avancement": report.summary, "difficultes": report.difficulties,
         "prochaines_etapes": report.next_steps}
        for report in FollowUpReport.objects.filter(submitted_by=user)
        .select_related("project").order_by("year", "pk")
    ]


def subject_data(subject: Subject, attachments: list[Attachment] | None = None) -> dict:
    """Everything the site holds on the subject, as JSON-ready values."""
    if attachments is None:
        attachments = list(selectors.subject_attachments(subject))
    data: dict = {"exporte_le": _when(timezone.now())}
    if subject.user is not None:
        data["compte"] = _account(subject.user)
        reviewer = Reviewer.objects.filter(user=subject.user).first()
        if reviewer is not None:
            data["profil_d_evaluateur"] = {
                "type": reviewer.get_kind_display(), "actif": reviewer.active,
                "expertise": reviewer.expertise,
            }
        data["evaluations_rendues_ou_assignees"] = _reviews(subject)
        data["rapports_de_suivi_remis"] = _reports(subject.user)
        data["jurys_d_audition"] = [
            f"{audition.application.reference} — {audition.get_kind_display()} "
            f"({_when(audition.scheduled_at)})"
            for audition in subject.user.audition_panels.select_related("application")
            .order_by("scheduled_at")
        ]
    if subject.person is not None:
        data["personne"] = _person(subject.person)
    data["demandes_de_financement"] = _applications(subject, attachments)
    return data


def personal_data_export(*, subject: Subject, by: User, request=None):
    """The subject's data as a ZIP file (LISEZMOI.txt, donnees.json, pieces-jointes/…), in a
    temporary file rewound to its start, labels in the person's language (their account's,
    else French). Logged as a security event and in the admin's history."""
    attachments = list(selectors.subject_attachments(subject))
    # Labels (statuses, kinds) in the person's language, French by default: the file is theirs.
    language = (subject.user.language if subject.user else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        data = subject_data(subject, attachments)
    archive = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    missing = 0
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("LISEZMOI.txt", README)
        zipped.writestr("donnees.json", json.dumps(data, cls=DjangoJSONEncoder,
                                                   ensure_ascii=False, indent=2))
        for attachment in attachments:
            try:
                with attachment.file.open("rb") as source, \
                        zipped.open(_attachment_path(attachment), "w") as target:
                    while chunk := source.read(1024 * 1024):
                        target.write(chunk)
            except OSError:
                missing += 1
                logger.error("personal data export: attachment %s has no file", attachment.pk)
    archive.seek(0)
    _log(subject, by, _("Export des données personnelles (RGPD)."))
    security_event(
        PERSONAL_DATA_SUBJECT_EXPORT, "personal data export of user %s, person %s",
        subject.user.pk if subject.user else None,
        subject.person.pk if subject.person else None,
        level=logging.INFO, request=request, by_user_id=by.pk,
        subject_user_id=subject.user.pk if subject.user else None,
        subject_person_id=subject.person.pk if subject.person else None,
        attachments=len(attachments), missing_files=missing,
    )
    return archive


# --- Erasure --------------------------------------------------------------------------------


def _log(subject: Subject, by: User, message: str) -> None:
    """One line in the admin's history of the account and of the person."""
    for obj in (subject.user, subject.person):
        if obj is not None:
            LogEntry.objects.create(
                user_id=by.pk, content_type=ContentType.objects.get_for_model(type(obj)),
                object_id=str(obj.pk), object_repr=str(obj)[:200], action_flag=CHANGE,
                change_message=message,
            )


def _delete_files_on_commit(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage

    def delete():
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("erasure: could not delete the file %s", name)

    transaction.on_commit(delete)


def personal_data_erase(*, subject: Subject, by: User, reason: str = "",
                        request=None) -> dict[str, int]:
    """Erase the subject's identity (see the module's docstring). Refused with a
    `ValidationError` listing `selectors.erasure_blockers`, changing nothing. Returns what
    was done, as counts."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=subject.user.pk) if subject.user else None
        person = (Person.objects.select_for_update().get(pk=subject.person.pk)
                  if subject.person else None)
        subject = Subject(user=user, person=person)
        blockers = selectors.erasure_blockers(subject)
        if blockers:
            raise ValidationError(blockers)
        done = {"drafts": 0, "attachments": 0}

        drafts = list(selectors.subject_drafts(subject).values_list("pk", flat=True))
        attachments = selectors.erasable_attachments(subject)
        names = [name for name in attachments.values_list("file", flat=True) if name]
        done["attachments"] = attachments.delete()[1].get(Attachment._meta.label, 0)
        if drafts:
            Application.objects.filter(pk__in=drafts).delete()
            # After the delete, which records a deletion in the history too.
            Application.history.filter(id__in=drafts).delete()
            done["drafts"] = len(drafts)
        _delete_files_on_commit(names)

        if person is not None:
            person.first_name = ERASED_FIRST_NAME
            person.last_name = f"#{person.pk}"
            person.email = ""
            person.orcid = ""
            person.public_consent_on = None
            person.save(update_fields=["first_name", "last_name", "email", "orcid",
                                       "public_consent_on"])
        if user is not None:
            _erase_account(user)

        # The admin's history showed the name: every line on the account and the person now
        # shows the anonymous one.
        for obj in (user, person):
            if obj is not None:
                LogEntry.objects.filter(
                    content_type=ContentType.objects.get_for_model(type(obj)),
                    object_id=str(obj.pk),
                ).update(object_repr=str(obj)[:200])
        message = _("Données personnelles effacées (RGPD).")
        if reason:
            message = f"{message} {reason}"
        _log(subject, by, message[:2000])
    security_event(
        PERSONAL_DATA_ERASURE, "personal data erasure of user %s, person %s",
        user.pk if user else None, person.pk if person else None,
        level=logging.WARNING, request=request, by_user_id=by.pk,
        subject_user_id=user.pk if user else None,
        subject_person_id=person.pk if person else None, **done,
    )
    return done


def _erase_account(user: User) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    old_email = user.email
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=old_email).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    Reviewer.objects.filter(user=user).update(expertise="", active=False)
    user.email = f"anonyme-{user.pk}@{ERASED_EMAIL_DOMAIN}"
    user.first_name = ""
    user.last_name = ""
    user.language = ""
    user.is_active = False
    # A new password hash: the sessions still open are refused at their next request.
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


def export_filename(subject: Subject) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d")
    if subject.person is not None:
        return f"donnees-personnelles-personne-{subject.person.pk}-{stamp}.zip"
    return f"donnees-personnelles-compte-{subject.user.pk}-{stamp}.zip"

