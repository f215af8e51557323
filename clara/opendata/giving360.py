"""360Giving Data Standard 1.4.3: a JSON data package of the same awards as the SCDL file, one
grant per award of a funded project.

- **id**: `360G-<prefix>-<application reference>`; the prefix is `settings.THREESIXTYGIVING_PREFIX`
  (default `clara`), the one 360Giving registers for the publisher.
- **Organisations**: a French legal entity as `FR-RCS-<SIREN>` (its SIREN, or the first nine
  digits of its SIRET), else a research organisation as `XI-ROR-<ror>`. The recipient is the
  legal entity managing the grant (`selectors.beneficiary_of`, as for SCDL); the funding
  organisations are the award's co-funders, `amountAwarded` the award's total (each funder's
  share is in the SCDL file).
- **awardDate**: the committee's decision (Europe/Paris date); **plannedDates**: the project's
  start and planned end; **amountDisbursed**: the tranches paid; **grantProgramme**: the
  programme; **beneficiaryLocation**: the project's site, in France.
- No person is named: no contact, no principal investigator.

A grant whose recipient or a funder has no identifier is not written: it is a `Problem`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from clara.network.models import Organisation
from clara.opendata.exports import LICENCE_URL, Problem, local_date
from clara.opendata.selectors import Period, beneficiary_of
from funding.models import Award, Disbursement

STANDARD_VERSION = "1.4"
SCHEMA_VERSION = "1.4.3"
TITLE_MAX = 140


def grant_prefix() -> str:
    return getattr(settings, "THREESIXTYGIVING_PREFIX", "clara")


def organisation_identifier(organisation: Organisation | None) -> str:
    """`FR-RCS-<SIREN>` or `XI-ROR-<ror>`, or "" when the organisation has neither."""
    if organisation is None:
        return ""
    siren = organisation.siren or organisation.siret[:9]
    if siren:
        return f"FR-RCS-{siren}"
    if organisation.ror:
        return f"XI-ROR-{organisation.ror}"
    return ""


def _number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _title(award: Award) -> str:
    text = f"{award.project.name} — {award.application.title}"
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def grant_of(award: Award) -> tuple[dict | None, tuple[str, ...]]:
    """The 360Giving grant of `award`, or None and what is missing."""
    missing = []
    recipient = beneficiary_of(award)
    recipient_id = organisation_identifier(recipient)
    if not recipient_id:
        missing.append(_("SIREN, SIRET ou ROR de l'organisation gestionnaire (bénéficiaire)"))
    funders = []
    for contribution in award.contributions.all():
        funder = contribution.funder
        funder_id = organisation_identifier(funder.organisation if funder.organisation_id
                                            else None)
        if not funder_id:
            missing.append(_("SIREN, SIRET ou ROR du financeur %(name)s") % {"name": funder.name})
        funders.append({"id": funder_id, "name": funder.name})
    if not funders:
        missing.append(_("au moins un financeur (contribution)"))
    if missing:
        return None, tuple(missing)

    application, project = award.application, award.project
    programme = application.call.programme
    grant = {
        "id": f"360G-{grant_prefix()}-{application.reference}",
        "title": _title(award),
        "description": project.public_summary or application.title,
        "currency": "EUR",
        "amountAwarded": _number(award.amount),
        "awardDate": local_date(award.decided_at),
        "recipientOrganization": [{
            "id": recipient_id, "name": recipient.name,
            **({"addressLocality": recipient.city} if recipient.city else {}),
        }],
        "fundingOrganization": funders,
        "grantProgramme": [{"code": programme.slug, "title": programme.name}],
        "fromOpenCall": "Yes",
    }
    paid = sum((t.amount for t in award.disbursements.all()
                if t.status == Disbursement.Status.PAID), Decimal("0"))
    if paid:
        grant["amountDisbursed"] = _number(paid)
    if project.start_date:
        dates = {"startDate": project.start_date.isoformat()}
        if project.end_date:
            dates["endDate"] = project.end_date.isoformat()
        grant["plannedDates"] = [dates]
    if project.site_id:
        grant["beneficiaryLocation"] = [{"name": project.site.name, "countryCode": "FR"}]
    return grant, ()


def giving360_package(awards: Iterable[Award], period: Period, *,
                      access_url: str = "", download_url: str = "") -> tuple[dict, list[Problem]]:
    """The data package of `awards` (read through `selectors.published_awards`) and the grants
    left out, with what they miss. The package has `grants: []` when none can be written, which
    the schema refuses (minItems 1): callers offer no file then."""
    grants, problems = [], []
    for award in awards:
        grant, missing = grant_of(award)
        if grant is None:
            problems.append(Problem(award.pk, award.application.reference, award.project.name,
                                    "", missing))
        else:
            grants.append(grant)
    package = {
        "version": STANDARD_VERSION,
        "title": _("Financements du Cancéropôle CLARA — %(period)s") % {"period": period.label},
        "description": _(
            "Les financements attribués aux projets de recherche sur le cancer retenus par le "
            "Cancéropôle Lyon Auvergne-Rhône-Alpes (CLARA), décidés en %(period)s."
        ) % {"period": period.label},
        "identifier": f"360G-{grant_prefix()}-{period.label}",
        "issued": timezone.localdate().isoformat(),
        "publisher": {"name": "Cancéropôle Lyon Auvergne-Rhône-Alpes (CLARA)",
                      "website": "https://www.canceropole-clara.com"},
        "license": LICENCE_URL,
        **({"accessURL": access_url} if access_url else {}),
        **({"downloadURL": download_url} if download_url else {}),
        "grants": grants,
    }
    return package, problems
