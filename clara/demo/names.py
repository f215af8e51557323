"""Deterministic names and identifiers for the demo data: no randomness, so every run computes
the same people, companies, acronyms and check digits."""

import zlib

from django.utils.text import slugify

from clara.network.validators import luhn_is_valid, orcid_check_digit

DEMO_EMAIL_DOMAIN = "demo.clara.local"

FIRST_NAMES = [
    "Camille", "Julien", "Claire", "Thomas", "Sophie", "Nicolas", "Marie", "Antoine", "Laure",
    "Mathieu", "Élodie", "Pierre-Yves", "Isabelle", "Guillaume", "Céline", "Sébastien",
    "Aurélie", "Vincent", "Nathalie", "Olivier", "Émilie", "Jérôme", "Hélène", "Maxime",
    "Sandrine", "Romain", "Anne-Sophie", "Fabien", "Caroline", "Benoît", "Delphine",
    "Alexandre", "Valérie", "Florian", "Stéphanie", "Cédric", "Agnès", "Damien", "Pauline",
    "Hugo", "Léa", "Arnaud", "Manon", "Yannick", "Justine", "Frédéric", "Mélanie", "Grégoire",
    "Chloé", "Bastien", "Sylvie", "Lucas", "Inès", "Karim", "Nadia", "Mehdi", "Yasmine", "Sami",
    "Leïla", "Théo", "Margaux", "Quentin", "Anaïs", "Adrien", "Juliette", "Clément", "Morgane",
    "Loïc", "Estelle", "Raphaël", "Charlotte", "Benjamin", "Virginie", "François", "Catherine",
    "Bruno", "Martine", "Hervé", "Christine", "Gilles", "Françoise", "Philippe", "Brigitte",
    "Lucie", "Emma", "Louis", "Jeanne", "Paul", "Alice", "Victor", "Amandine",
]

LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Fournier",
    "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "Martinez",
    "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine",
    "Chevalier", "Robin", "Masson", "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire",
    "Duval", "Joly", "Gautier", "Roger", "Roche", "Roy", "Noël", "Meyer", "Meunier", "Perez",
    "Marchand", "Dufour", "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt",
    "Leroux", "Colin", "Fernandez", "Renard", "Arnaud", "Rolland", "Caron", "Aubert", "Giraud",
    "Leclerc", "Vidal", "Bourgeois", "Renaud", "Lemoine", "Picard", "Gaillard", "Lacroix",
    "Fabre", "Dupuis", "Rodriguez", "Da Silva", "Hubert", "Guillot", "Rivière", "Le Gall",
    "Adam", "Rey", "Moulin", "Gonzalez", "Berger", "Lecomte", "Ménard", "Fleury", "Deschamps",
    "Carpentier", "Maillard", "Marchal", "Aubry", "Vasseur", "Le Roux", "Renault", "Jacquet",
    "Collet", "Prévost", "Poirier", "Charpentier", "Royer", "Huet", "Baron", "Dupuy", "Pons",
    "Carré", "Breton", "Rémy", "Schneider", "Perrot", "Barré", "Marty", "Cousin", "Chauvin",
    "Besson", "Bouvier", "Vial", "Chabert", "Jacquier", "Bertholon", "Girardon", "Buisson",
    "Chapuis", "Perret", "Vuillermoz", "Rambaud", "Tardy", "Faucher", "Chassagne", "Peyrard",
    "Gonnet", "Mazet", "Grange", "Bruyère", "Vernay", "Thivolet", "Collomb", "Benali",
    "Haddad", "Ferreira", "Kone", "Tran", "Bellamy", "Odin", "Sarrazin", "Vautrin",
]


class NamePool:
    """Hands out distinct (first name, last name) pairs in a fixed order."""

    def __init__(self) -> None:
        self._used: set[tuple[str, str]] = set()
        self._index = 0

    def reserve(self, first_name: str, last_name: str) -> tuple[str, str]:
        pair = (first_name, last_name)
        if pair in self._used:
            raise ValueError(f"Demo data: {first_name} {last_name} is already taken")
        self._used.add(pair)
        return pair

    def take(self) -> tuple[str, str]:
        while True:
            index = self._index
            self._index += 1
            pair = (
                FIRST_NAMES[(index * 37) % len(FIRST_NAMES)],
                LAST_NAMES[(index * 11 + index // len(FIRST_NAMES)) % len(LAST_NAMES)],
            )
            if pair not in self._used:
                self._used.add(pair)
                return pair


def demo_email(first_name: str, last_name: str) -> str:
    return f"{slugify(first_name)}.{slugify(last_name)}@{DEMO_EMAIL_DOMAIN}"


def luhn_complete(partial: str) -> str:
    """`partial` followed by the digit that makes the whole number Luhn-valid."""
    for digit in "0123456789":
        if luhn_is_valid(partial + digit):
            return partial + digit
    raise AssertionError("unreachable: one Luhn digit always exists")


def company_siren(index: int) -> str:
    return luhn_complete(f"8{(index * 104_729 + 3_141_592) % 10**7:07d}")


def company_siret(siren: str) -> str:
    # Head office: NIC 0001 plus the key digit making the 14 digits Luhn-valid.
    return luhn_complete(f"{siren}0001")


def institution_siren(code: str) -> str:
    """An invented SIREN for the demo institution `code` (its Luhn key valid, first digit 9
    unlike the companies' 8): the real institutions' registration numbers are not copied."""
    return luhn_complete(f"9{zlib.crc32(code.encode()) % 10**7:07d}")


def association_rna(code: str) -> str:
    """An invented RNA number ("W" and nine digits) for the demo association `code`."""
    return f"W{zlib.crc32(b'rna-' + code.encode()) % 10**9:09d}"


def demo_orcid(index: int) -> str:
    """An ORCID iD with a valid check digit in the 0000-0000 block, which ORCID never issues,
    so no demo person can collide with a real researcher."""
    body = f"00000000{(index * 7_919 + 1_000_003) % 10**7:07d}"
    full = body + orcid_check_digit(body)
    return "-".join(full[i : i + 4] for i in range(0, 16, 4))


# Invented company names, built from syllables; not real trademarks as far as we know.
_COMPANY_STEMS = [
    "Onco", "Immun", "Cyt", "Radi", "Géno", "Proté", "Théra", "Nano", "Cellu", "Lymph",
    "Histo", "Vect", "Myél", "Angi", "Épi", "Chimi", "Métab", "Sen", "Ost", "Derm",
]
_COMPANY_ENDINGS = [
    "alpine", "ovéa", "iscan", "ocible", "élys", "ivane", "optis", "anova", "omédix", "oquant",
    "avia", "orhône", "isphère", "ogène", "aline", "ovance", "ostade", "ométrie", "icare",
    "onyx", "opôle", "amap",
]
_COMPANY_FORMS = [
    "", " Therapeutics", " Diagnostics", " Bio", " Imaging", " Medical", " Pharma", " Santé",
]


def company_name(index: int) -> str:
    stem = _COMPANY_STEMS[index % len(_COMPANY_STEMS)]
    ending = _COMPANY_ENDINGS[(index * 7 + index // len(_COMPANY_STEMS)) % len(_COMPANY_ENDINGS)]
    form = _COMPANY_FORMS[(index * 3) % len(_COMPANY_FORMS)]
    if stem[-1] in "aeiouéè":  # elide the stem's final vowel before the ending's vowel
        stem = stem[:-1]
    return f"{stem}{ending}{form}"


_ACRONYM_HEADS = [
    "IMMU", "META", "EPI", "RADIO", "NANO", "PROT", "GENO", "VASC", "LYMPH", "HEMA", "NEURO",
    "PEDIA", "GERI", "DIGI", "MICRO", "EXO", "LIPI", "SENE", "CYTO", "ONCO",
]
_ACRONYM_TAILS = [
    "TARG", "SCAN", "PATH", "MAP", "LINK", "GUARD", "CARE", "CODE", "TRACK", "SIGN", "DYN",
    "FLOW",
]


def project_acronym(index: int) -> str:
    head = _ACRONYM_HEADS[index % len(_ACRONYM_HEADS)]
    tail = _ACRONYM_TAILS[(index * 5 + index // len(_ACRONYM_HEADS)) % len(_ACRONYM_TAILS)]
    return f"{head}{tail}"
