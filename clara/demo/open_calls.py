"""The next edition of the calls, open on the day the demo is loaded, and one upcoming call:
a new user always has a call to apply to. None has an application.

Their dates follow the day of loading (Paris): opened 30 days ago at 09:00, closing at
23:59:59 in 60 days (Oncostarter) or 75 days (Preuve du Concept); Mobilités opens in 20 days.
Loading again the same day writes nothing; another day moves the windows so that they stay
open. Their edition is the year they close in, never one of the scenario's years (2023-2025),
whose records and key figures they must not touch. A call is counted in the key figures of the
year it closes in, and only once it has closed (`clara.keyfigures.selectors.years_with_records`
lists no year for calls still open).
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.text import slugify

from programmes.models import Call, EvaluationCriterion, RequiredDocument, Track

from . import plan
from .network import PARIS, Network
from .sync import sync_links, sync_rows

THEME = "Qualité de vie pendant et après un cancer"
ONCO_FUNDERS = ["inca"] + [f"ligue-{d}" for d, _f, _s in plan.LIGUE_DEPARTMENTS]
RESEARCH_RULES = (
    "Le porteur ou la porteuse du projet est rattaché(e) à une équipe de recherche académique "
    "ou clinique de l'un des quatre sites du CLARA (Lyon, Grenoble, Clermont-Ferrand, "
    "Saint-Étienne et leurs alentours).\n"
    "Un seul dépôt par porteur ou porteuse et par édition, toutes clefs d'entrée confondues.\n"
    "Durée du projet : 12 à 24 mois."
)

# code: programme slug, track, title, days from today to the opening and to the closing,
# closing time, budget, ceiling per application, co-funders, description.
OPEN_CALLS = {
    "blanc": ("oncostarter", "blanc", "Oncostarter Blanc", -30, 60, (23, 59, 59), 180_000,
              40_000, ONCO_FUNDERS,
              "Émergence, clef d'entrée Blanc : une idée nouvelle en cancérologie, sur le sujet "
              "de votre choix, qui a besoin de premiers résultats pour convaincre."),
    "thematise": ("oncostarter", "thematise", "Oncostarter Thématisé", -30, 60, (23, 59, 59),
                  75_000, 40_000, ONCO_FUNDERS,
                  f"Émergence, clef d'entrée Thématisé : cette année « {THEME} », thème "
                  "co-construit avec les patients partenaires du groupe ECLAIR et les comités "
                  "de la Ligue contre le cancer."),
    "interface": ("oncostarter", "interface", "Oncostarter Interface", -30, 60, (23, 59, 59),
                  40_000, 40_000, ONCO_FUNDERS,
                  "Émergence, clef d'entrée Interface : un projet qui associe la cancérologie et "
                  "une autre discipline (physique, mathématiques, informatique, sciences "
                  "humaines et sociales)."),
    "poc": ("preuve-du-concept", None, "Preuve du Concept", -30, 75, (23, 59, 59), 800_000,
            300_000, ["region", "metropole-lyon"],
            "Un laboratoire académique démontre la valeur d'une innovation en oncologie avec "
            "une entreprise de la région. Instruit avec Lyonbiopôle."),
    "mobilite": ("mobilites", None, "Mobilités", 20, 100, (12, 0, 0), 7_000, 1_000,
                 ["region"],
                 "Une aide pour un séjour de recherche à l'étranger, destinée aux doctorants, "
                 "doctorantes et jeunes chercheurs et chercheuses du réseau."),
}
CRITERIA = {
    "research": [
        ("Qualité scientifique et originalité",
         "Caractère novateur de l'idée, état de l'art, hypothèses.", 2),
        ("Faisabilité et méthodologie", "Calendrier, moyens, résultats préliminaires.", 1),
        ("Impact attendu pour les patients", "Bénéfice à terme pour les patients.", 1),
    ],
    "thematise": [
        ("Qualité scientifique et originalité",
         "Caractère novateur de l'idée, état de l'art, hypothèses.", 2),
        ("Implication des patients partenaires",
         "Place des patients partenaires dans la conception et la conduite du projet.", 1),
        ("Adéquation au thème de l'année", "", 1),
    ],
    "poc": [
        ("Qualité scientifique", "", 1),
        ("Potentiel de valorisation et marché", "Besoin médical, marché, propriété "
                                                "intellectuelle.", 2),
        ("Solidité du partenariat industriel", "Engagement et investissement de "
                                               "l'entreprise.", 1),
    ],
    "mobilite": [
        ("Projet scientifique", "", 1),
        ("Qualité de l'accueil", "Laboratoire d'accueil et encadrement.", 1),
    ],
}
# Label, mandatory.
DOCUMENTS = {
    "research": [("Projet détaillé (PDF)", True),
                 ("CV du porteur ou de la porteuse (PDF)", True),
                 ("Budget détaillé (PDF)", True),
                 ("Lettre de soutien (PDF)", False)],
    "poc": [("Projet détaillé (PDF)", True),
            ("CV du porteur ou de la porteuse (PDF)", True),
            ("Budget détaillé (PDF)", True),
            ("Lettre d'engagement de l'entreprise partenaire (PDF)", True),
            ("Lettre de soutien (PDF)", False)],
    "mobilite": [("Lettre d'accueil du laboratoire (PDF)", True),
                 ("CV (PDF)", True)],
}
RESEARCH_CODES = ("blanc", "thematise", "interface", "poc")


def _at(day: date, clock: tuple[int, int, int]) -> datetime:
    return datetime.combine(day, time(*clock), tzinfo=PARIS)


def build_open_calls(net: Network, grants) -> dict[str, Call]:
    """Create or move the open and upcoming demo calls; returns them by code."""
    today = timezone.localdate()
    onco = grants.programmes["oncostarter"]
    tracks = {t.code: t for t in Track.objects.filter(programme=onco)}
    rows = []
    for code, (programme, track, label, opens_in, closes_in, clock, budget, ceiling,
               _funders, text) in OPEN_CALLS.items():
        opens_at = _at(today + timedelta(days=opens_in), (9, 0, 0))
        closes_at = _at(today + timedelta(days=closes_in), clock)
        edition = max(closes_at.year, plan.YEARS[-1] + 1)
        title = f"{label} {edition}" + (f" — « {THEME} »" if code == "thematise" else "")
        rows.append({
            "slug": slugify(f"{label} {edition}"),
            "programme_id": grants.programmes[programme].pk,
            "track_id": tracks[track].pk if track else None,
            "year": edition, "title": title,
            "theme": THEME if code == "thematise" else "",
            "description": text,
            "eligibility_rules": (
                RESEARCH_RULES if code in RESEARCH_CODES else
                "Doctorant, doctorante, jeune chercheur ou chercheuse (moins de 5 ans après la "
                "thèse) d'une équipe du réseau ; séjour de 1 à 6 mois."
            ),
            "opens_at": opens_at, "closes_at": closes_at,
            "budget": budget, "max_requested_amount": ceiling,
        })
    synced = sync_rows(Call, ["slug"], rows)
    calls = {code: synced[(row["slug"],)] for code, row in zip(OPEN_CALLS, rows, strict=True)}
    owners = [call.pk for call in calls.values()]
    sync_links(Call.cofunders, [
        (call.pk, net.funders[funder].pk) for code, call in calls.items()
        for funder in OPEN_CALLS[code][8]
    ], owners)
    sync_links(Call.domains, [
        (call.pk, domain.pk) for code, call in calls.items() if code in RESEARCH_CODES
        for domain in grants.domains.values()
    ], owners)
    sync_links(Call.sites, [
        (call.pk, site.pk) for call in calls.values() for site in net.sites.values()
    ], owners)
    criteria, documents = [], []
    for code, call in calls.items():
        family = code if code in CRITERIA else "research"
        for position, (label, description, weight) in enumerate(CRITERIA[family]):
            criteria.append({"call_id": call.pk, "label": label, "description": description,
                             "position": position, "max_score": 5, "weight": weight})
        for position, (label, mandatory) in enumerate(DOCUMENTS.get(code, DOCUMENTS["research"])):
            documents.append({"call_id": call.pk, "label": label, "position": position,
                              "mandatory": mandatory})
    sync_rows(EvaluationCriterion, ["call_id", "label"], criteria)
    sync_rows(RequiredDocument, ["call_id", "label"], documents)
    return calls
