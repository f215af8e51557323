"""Validators for the identifiers the network's records carry (SIREN, SIRET, RNA, ROR, RNSR,
ORCID).

Each checks the identifier's real rule (length, alphabet and check digit where the standard
defines one) and raises a French `ValidationError` with a translatable message.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# La Poste's establishments do not follow Luhn; INSEE documents this single exception.
_LA_POSTE_SIREN = "356000000"
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ROR_RE = re.compile(r"^0[0-9a-hjkmnp-tv-z]{6}[0-9]{2}$")
_RNSR_RE = re.compile(r"^(19|20)\d{2}\d{5}[A-Z]$")
_ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
# RNA (Répertoire national des associations): "W" and nine digits, as SCDL subventions 2.1.1
# requires. The register publishes no check digit.
_RNA_RE = re.compile(r"^W\d{9}$")


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siren(value: str) -> None:
    if not (len(value) == 9 and value.isdigit() and luhn_is_valid(value)):
        raise ValidationError(
            _("« %(value)s » n'est pas un SIREN valide (9 chiffres, clé de Luhn)."),
            code="invalid_siren",
            params={"value": value},
        )


def validate_siret(value: str) -> None:
    if not (len(value) == 14 and value.isdigit()):
        raise ValidationError(
            _("« %(value)s » n'est pas un SIRET valide (14 chiffres)."),
            code="invalid_siret",
            params={"value": value},
        )
    if value.startswith(_LA_POSTE_SIREN):
        valid = sum(int(c) for c in value) % 5 == 0
    else:
        valid = luhn_is_valid(value) and luhn_is_valid(value[:9])
    if not valid:
        raise ValidationError(
            _("« %(value)s » n'est pas un SIRET valide (clé de contrôle incorrecte)."),
            code="invalid_siret",
            params={"value": value},
        )


def validate_rna(value: str) -> None:
    if not _RNA_RE.match(value):
        raise ValidationError(
            _("« %(value)s » n'est pas un numéro RNA valide (W suivi de 9 chiffres, ex. : "
              "W691234567)."),
            code="invalid_rna",
            params={"value": value},
        )


def ror_checksum(body: str) -> str:
    """Two-digit ISO 7064 Mod 97-10 checksum of the base32 (Crockford) body of a ROR id."""
    number = 0
    for char in body:
        number = number * 32 + _CROCKFORD.index(char)
    return f"{98 - (number * 100) % 97:02d}"


def validate_ror(value: str) -> None:
    """A ROR id is the 9-character suffix of https://ror.org/… (for example 02feahw73)."""
    if not (_ROR_RE.match(value) and ror_checksum(value[:7]) == value[7:]):
        raise ValidationError(
            _("« %(value)s » n'est pas un identifiant ROR valide (ex. : 02feahw73)."),
            code="invalid_ror",
            params={"value": value},
        )


def validate_rnsr(value: str) -> None:
    """RNSR: year of creation (4 digits), 5 digits, one control letter (e.g. 200512345A).

    The ministry does not publish the control letter's algorithm, so only the structure is
    checked.
    """
    if not _RNSR_RE.match(value):
        raise ValidationError(
            _("« %(value)s » n'est pas un numéro RNSR valide (ex. : 199511949J)."),
            code="invalid_rnsr",
            params={"value": value},
        )


def orcid_check_digit(base_digits: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for char in base_digits:
        total = (total + int(char)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def validate_orcid(value: str) -> None:
    digits = value.replace("-", "")
    if not (_ORCID_RE.match(value) and orcid_check_digit(digits[:15]) == digits[15]):
        raise ValidationError(
            _("« %(value)s » n'est pas un ORCID iD valide (ex. : 0000-0002-1825-0097)."),
            code="invalid_orcid",
            params={"value": value},
        )
