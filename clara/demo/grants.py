"""Programmes, calls, applications with their reviews and decisions, awards split between
funders, funded projects followed year by year, and the staff's support actions."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify

from clara.network.models import Organisation, Person, Team
from funding.models import Award, CompanyInvestment, Contribution
from programmes.models import (
    Application,
    BudgetLine,
    Call,
    Decision,
    EvaluationCriterion,
    InnovationDomain,
    PlannedInvestment,
    Programme,
    RequiredDocument,
    Review,
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

from . import plan
from .names import project_acronym
from .network import DEMO_ACCOUNTS, PARIS, Network, TeamInfo
from .sync import sync_links, sync_rows

S = Application.Status
PK = Programme.Kind

DOMAINS = [
    ("innovations-biomedicales", "Innovations biomédicales"),
    ("technologies-sante", "Innovations en technologies pour la santé"),
    ("prevention-innovations-sociales", "Prévention et innovations sociales"),
]
BIOMED, TECH, PREVENTION = (slug for slug, _name in DOMAINS)

PROGRAMMES = [
    ("oncostarter", "Oncostarter", PK.ONCOSTARTER, None,
     "Dispositif Émergence : soutenir l'émergence d'idées nouvelles en cancérologie, avec "
     "trois clefs d'entrée (Blanc, Thématisé, Interface). Financé par l'Institut National du "
     "Cancer et dix comités départementaux de la Ligue contre le cancer."),
    ("preuve-du-concept", "Preuve du Concept", PK.PROOF_OF_CONCEPT, "lyonbiopole",
     "Partenariat public-privé : un laboratoire académique démontre une innovation avec une "
     "entreprise de la région. Instruit avec Lyonbiopôle ; financé par les collectivités."),
    ("maillage-du-territoire", "Projets structurants / Maillage du territoire",
     PK.STRUCTURING, None,
     "Projets structurants à l'échelle du territoire, financés par les métropoles."),
    ("manifestations-scientifiques", "Manifestations scientifiques", PK.SCIENTIFIC_EVENTS,
     None, "Subventions aux manifestations scientifiques organisées dans la région."),
    ("mobilites", "Mobilités", PK.MOBILITY, None,
     "Petites aides à la mobilité internationale des jeunes chercheurs et chercheuses."),
]
TRACKS = [
    ("blanc", "Sujet libre en cancérologie."),
    ("thematise", "Un thème fixé chaque année, co-construit avec les patients partenaires "
                  "d'ECLAIR et les comités de la Ligue."),
    ("interface", "Projets à l'interface entre disciplines (physique, mathématiques, "
                  "informatique, sciences humaines et sociales)."),
]

# code: programme slug, track, reference prefix, title, opens (month, day; negative month =
# previous year), closes (month, day, hour, minute, second), budget, cofunder codes.
ONCO_FUNDERS = ["inca"] + [f"ligue-{d}" for d, _f, _s in plan.LIGUE_DEPARTMENTS]
CALL_DEFS = {
    "blanc": ("oncostarter", "blanc", "ONCO-B", "Oncostarter Blanc", (1, 13),
              (3, 28, 12, 0, 0), 180_000, ONCO_FUNDERS),
    "thematise": ("oncostarter", "thematise", "ONCO-T", "Oncostarter Thématisé", (1, 13),
                  (4, 11, 12, 0, 0), 75_000, ONCO_FUNDERS),
    "interface": ("oncostarter", "interface", "ONCO-I", "Oncostarter Interface", (1, 13),
                  (3, 28, 12, 0, 0), 40_000, ONCO_FUNDERS),
    "poc": ("preuve-du-concept", None, "POC", "Preuve du Concept", (2, 3),
            (4, 30, 23, 59, 59), 800_000, ["region", "metropole-lyon"]),
    "maillage": ("maillage-du-territoire", None, "STRUCT", "Maillage du territoire", (2, 17),
                 (5, 16, 12, 0, 0), 300_000, ["metropole-lyon", "saint-etienne-metropole"]),
    "manif": ("manifestations-scientifiques", None, "MANIF", "Manifestations scientifiques",
              (-11, 4), (5, 30, 23, 59, 59), 15_000, ["region"]),
    "mobilite": ("mobilites", None, "MOB", "Mobilités", (1, 13), (4, 4, 12, 0, 0), 7_000,
                 ["region"]),
}
RESEARCH_CODES = ("blanc", "thematise", "interface", "poc", "maillage")
ONCO_CODES = ("blanc", "thematise", "interface")
FINAL_COMMITTEE = {  # (month, day) per programme family and year
    "onco": {2023: (6, 29), 2024: (6, 27), 2025: (6, 26)},
    "poc": {2023: (7, 6), 2024: (7, 4), 2025: (7, 3)},
    "maillage": {2023: (7, 13), 2024: (7, 11), 2025: (7, 10)},
    "mobilite": {2023: (5, 16), 2024: (5, 14), 2025: (5, 15)},
}
AUDITION_DAY = (6, 12)

CRITERIA = {
    "research": ["Qualité scientifique et originalité", "Faisabilité et méthodologie",
                 "Impact attendu pour les patients", "Adéquation au dispositif"],
    "thematise": ["Qualité scientifique et originalité", "Faisabilité et méthodologie",
                  "Implication des patients partenaires", "Adéquation au thème de l'année"],
    "poc": ["Qualité scientifique", "Potentiel de valorisation et marché",
            "Solidité du partenariat industriel", "Faisabilité et calendrier"],
    "maillage": ["Structuration du territoire", "Qualité du consortium",
                 "Pérennité et gouvernance"],
    "manif": ["Intérêt scientifique", "Rayonnement régional"],
    "mobilite": ["Projet scientifique", "Qualité de l'accueil"],
}
DOCUMENTS = {
    "research": ["Formulaire de candidature (PDF)", "CV du porteur ou de la porteuse",
                 "Budget détaillé"],
    "thematise": ["Formulaire de candidature (PDF)", "CV du porteur ou de la porteuse",
                  "Budget détaillé", "Lettre de soutien des patients partenaires"],
    "poc": ["Formulaire de candidature (PDF)", "CV du porteur ou de la porteuse",
            "Budget détaillé", "Lettre d'engagement de l'entreprise partenaire"],
    "maillage": ["Dossier de projet structurant (PDF)", "Budget pluriannuel",
                 "Lettres d'engagement des établissements"],
    "manif": ["Programme prévisionnel", "Budget de la manifestation"],
    "mobilite": ["Lettre d'accueil du laboratoire", "CV"],
}

ACTIONS = ["Rôle", "Ciblage thérapeutique", "Cartographie spatiale", "Modélisation",
           "Exploration", "Caractérisation"]
OBJECTS = [
    "du microenvironnement immunitaire", "des cellules tumorales dormantes",
    "de la plasticité épithélio-mésenchymateuse", "des vésicules extracellulaires",
    "du métabolisme lipidique", "des ARN non codants", "de la réparation de l'ADN",
    "des fibroblastes associés au cancer", "de l'hétérogénéité clonale",
    "du microbiote intestinal", "de la sénescence cellulaire", "des lymphocytes T résidents",
]
INTERFACE_METHODS = ["l'apprentissage automatique", "la microfluidique",
                     "l'imagerie photoacoustique", "la modélisation mathématique",
                     "les organoïdes sur puce", "la spectrométrie de masse"]
THEMATIC_TITLES = {
    "Expérience patient": [
        "Parcours de soins et qualité de vie dans les {c}",
        "Co-construction avec des patients partenaires d'un outil d'information sur les {c}",
        "Vécu des traitements oraux dans les {c} : étude qualitative",
        "Retour au travail après des {c} : freins et leviers",
        "Activité physique adaptée pendant le traitement des {c}",
        "Annonce du diagnostic et besoins d'information dans les {c}",
        "Place des aidants dans le parcours des {c}",
        "Fatigue et troubles cognitifs après traitement des {c}",
    ],
    "Prévention et dépistage": [
        "Dépistage organisé des {c} : lever les freins à la participation",
        "Prévention tertiaire et activité physique après des {c}",
        "Littératie en santé et prévention des {c}",
        "Dépistage des {c} chez les personnes en situation de précarité",
        "Outils numériques de prévention des {c}",
        "Facteurs de risque modifiables des {c}",
        "Prévention des {c} en milieu professionnel",
        "Consultation de prévention et {c}",
    ],
    "Cancers et environnement": [
        "Expositions environnementales et risque de {c}",
        "Perturbateurs endocriniens et {c}",
        "Pesticides et {c} en milieu agricole",
        "Pollution atmosphérique et {c}",
        "Exposome précoce et {c}",
        "Rayonnements ionisants et {c}",
        "Cohorte régionale sur l'environnement et les {c}",
        "Nutrition, environnement et {c}",
    ],
}
POC_PRODUCTS = ["un anticorps conjugué", "un dispositif de radiothérapie guidée par l'image",
                "un test compagnon de diagnostic", "un logiciel d'aide au diagnostic par IA",
                "un virus oncolytique", "un biomarqueur sanguin de rechute",
                "une nanoparticule radiosensibilisante"]
STRUCTURING_TITLES = {
    "GERME": "Structuration d'un réseau stéphanois de recherche translationnelle en "
             "cancérologie",
    "PERCO": "Parcours patients et recherche clinique en oncologie dans la Loire",
    "CASECM": "Cohorte stéphanoise et médecine de précision en cancérologie",
    "EXPERTISE": "Plateforme lyonnaise d'expertise en pathologie moléculaire des cancers",
    "ASTEROPA1": "Réseau régional de recherche en oncologie des adolescents et jeunes "
                 "adultes — volet 1 : cohorte",
    "ASTEROPA2": "Réseau régional de recherche en oncologie des adolescents et jeunes "
                 "adultes — volet 2 : biobanque",
    "ASTEROPA3": "Réseau régional de recherche en oncologie des adolescents et jeunes "
                 "adultes — volet 3 : essais précoces",
    "RESONCO": "Réseau grenoblois de recherche en oncologie et technologies",
}
# Scientific events supported by CLARA, organised by a host of teams: title, host, venue.
EVENT_SERIES = [
    ("Journées scientifiques du CRCL", "crcl", "Centre Léon Bérard, Lyon"),
    ("Congrès régional d'oncologie thoracique", "hcl", "Hôpital Louis Pradel, Bron"),
    ("Symposium Immunothérapie des cancers", "iab", "Institute for Advanced Biosciences, "
                                                    "La Tronche"),
    ("Rencontres d'onco-hématologie d'Auvergne", "chu-clermont",
     "CHU Estaing, Clermont-Ferrand"),
    ("Journée de recherche en oncologie pédiatrique", "clb", "Centre Léon Bérard, Lyon"),
    ("Colloque Épigénétique et cancer", "igfl", "ENS de Lyon, Lyon"),
    ("Journée stéphanoise de cancérologie", "chu-se", "Hôpital Nord, Saint-Priest-en-Jarez"),
    ("Workshop Imagerie préclinique en oncologie", "creatis",
     "Campus LyonTech-la Doua, Villeurbanne"),
    ("Journées Cancer et environnement", "circ", "CIRC, Lyon"),
    ("Rencontres Physique et biologie du cancer", "timc", "Campus santé, La Tronche"),
    ("Colloque Microbiote et cancer", "m2ish", "Faculté de médecine, Clermont-Ferrand"),
    ("Journée Radiothérapie et radiobiologie", "cjp", "Centre Jean Perrin, Clermont-Ferrand"),
    ("Rencontres Biomatériaux et cancer", "sainbiose",
     "Campus Santé Innovations, Saint-Étienne"),
    ("Journée des doctorants en cancérologie de Grenoble", "biosante", "Minatec, Grenoble"),
    ("Symposium Virus et cancer", "ciri", "Institut Pasteur de Lyon — Gerland"),
    ("Journée d'oncogériatrie Rhône-Alpes", "hcl", "Hôpital Édouard Herriot, Lyon"),
    ("Colloque Nanomédecine et oncologie", "leti", "Minatec, Grenoble"),
    ("Journées Protéomique et cancer", "ibs", "EPN Campus, Grenoble"),
]
EVENT_MONTHS = [2, 3, 3, 4, 5, 5, 6, 6, 7, 9, 9, 10, 10, 11, 11, 12]


def paris(y, m, d, hh=0, mm=0, ss=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=PARIS)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def _coprime_step(n: int) -> int:
    return next(step for step in (7, 5, 3, 11, 13, 17) if math.gcd(step, n) == 1)


@dataclass
class AppSpec:
    code: str
    year: int
    number: int
    status: str
    pi: Person
    team: TeamInfo | None
    title: str
    acronym: str = ""
    domain: str | None = None
    requested: int = 0
    submitted_at: datetime | None = None
    extra_teams: list[Team] = field(default_factory=list)
    companies: list[Organisation] = field(default_factory=list)
    audition: bool = False
    contributions: dict[str, int] | None = None
    investments: list[int] = field(default_factory=list)
    decided_at: datetime | None = None
    agreement: date | None = None
    statuses: dict[int, tuple[str, str]] = field(default_factory=dict)
    event: dict | None = None  # supported scientific event (Manifestations)
    mobility: dict | None = None  # mobility abroad (Mobilités)
    rank_in_status: int = 0  # position among the call's applications of the same status
    obj: Application = None
    award: Award = None
    project: FundedProject = None

    @property
    def reference(self) -> str:
        return f"{CALL_DEFS[self.code][2]}-{self.year}-{self.number:03d}"


@dataclass
class Grants:
    domains: dict[str, InnovationDomain] = field(default_factory=dict)
    programmes: dict[str, Programme] = field(default_factory=dict)
    calls: dict[tuple[str, int], Call] = field(default_factory=dict)
    apps: list[AppSpec] = field(default_factory=list)
    reviewers: dict[str, list[Person]] = field(default_factory=dict)
    criteria: dict[tuple, EvaluationCriterion] = field(default_factory=dict)

    def call_codes(self, year: int) -> list[str]:
        return [code for code in CALL_DEFS if code in plan.CALLS[year]]

    def of(self, code: str, year: int) -> list[AppSpec]:
        return [a for a in self.apps if a.code == code and a.year == year]


def build_grants(net: Network) -> Grants:
    grants = Grants()
    _sync_programmes(net, grants)
    _sync_calls(net, grants)
    _plan_applications(net, grants)
    _plan_reviewers(net, grants)
    for app in grants.apps:
        net.need_account(app.pi)
    _mark_demo_accounts(net, grants)
    return grants


def sync_grants(net: Network, grants: Grants) -> None:
    """Second half, once every account exists."""
    _sync_applications(net, grants)
    _sync_reviews(net, grants)
    _sync_decisions(net, grants)
    _sync_awards(net, grants)
    _sync_projects(net, grants)
    _sync_support_actions(net, grants)


# --- Programmes and calls ------------------------------------------------------------------

def _sync_programmes(net: Network, grants: Grants) -> None:
    synced = sync_rows(InnovationDomain, ["slug"], [
        {"slug": slug, "name": name} for slug, name in DOMAINS
    ])
    grants.domains = {slug: synced[(slug,)] for slug, _name in DOMAINS}
    rows = [
        {"slug": slug, "name": name, "kind": kind, "description": text,
         "partner_id": net.orgs[partner].pk if partner else None}
        for slug, name, kind, partner, text in PROGRAMMES
    ]
    synced = sync_rows(Programme, ["slug"], rows)
    grants.programmes = {slug: synced[(slug,)] for slug, *_rest in PROGRAMMES}


def _call_title(code: str, year: int) -> str:
    title = f"{CALL_DEFS[code][3]} {year}"
    if code == "thematise":
        title += f" — « {plan.THEMES[year]} »"
    return title


def _sync_calls(net: Network, grants: Grants) -> None:
    onco = grants.programmes["oncostarter"]
    tracks = sync_rows(Track, ["programme_id", "code"], [
        {"programme_id": onco.pk, "code": code, "description": text} for code, text in TRACKS
    ])
    rows, keys = [], []
    for year in plan.YEARS:
        for code in grants.call_codes(year):
            slug, track, _prefix, label, opens, closes, budget, _funders = CALL_DEFS[code]
            open_year = year - 1 if opens[0] < 0 else year
            rows.append({
                "slug": slugify(f"{label} {year}"),
                "programme_id": grants.programmes[slug].pk,
                "track_id": tracks[(onco.pk, track)].pk if track else None,
                "year": year, "title": _call_title(code, year),
                "theme": plan.THEMES[year] if code == "thematise" else "",
                "description": f"Appel à projets {_call_title(code, year)} du CLARA.",
                "eligibility_rules": (
                    "Porteur ou porteuse rattaché(e) à une équipe d'un des quatre sites du "
                    "CLARA ; un seul dépôt par porteur et par an."
                ),
                "opens_at": paris(open_year, abs(opens[0]), opens[1], 9),
                "closes_at": paris(year, *closes),
                "budget": budget,
            })
            keys.append((code, year))
    synced = sync_rows(Call, ["slug"], rows)
    for key, row in zip(keys, rows, strict=True):
        call = synced[(row["slug"],)]
        # Read back from the database the datetimes are in UTC; date arithmetic below is done
        # on Paris wall-clock time, so the same dates come out whatever the run.
        call.opens_at = call.opens_at.astimezone(PARIS)
        call.closes_at = call.closes_at.astimezone(PARIS)
        grants.calls[key] = call

    calls = list(grants.calls.items())
    owners = [call.pk for _key, call in calls]
    sync_links(Call.cofunders, [
        (call.pk, net.funders[f].pk) for (code, year), call in calls
        for f in CALL_DEFS[code][7]
        if not (code in ONCO_CODES and f.startswith("ligue-") and not _ligue_in(f, year))
    ], owners)
    sync_links(Call.domains, [
        (call.pk, domain.pk) for (code, _year), call in calls if code in RESEARCH_CODES
        for domain in grants.domains.values()
    ], owners)
    sync_links(Call.sites, [
        (call.pk, site.pk) for _key, call in calls for site in net.sites.values()
    ], owners)

    criteria, documents = [], []
    for (code, _year), call in calls:
        family = code if code in CRITERIA else "research"
        for position, label in enumerate(CRITERIA[family]):
            criteria.append({"call_id": call.pk, "label": label, "position": position,
                             "max_score": 5, "weight": 1})
        for position, label in enumerate(DOCUMENTS[family]):
            documents.append({"call_id": call.pk, "label": label, "position": position,
                              "mandatory": True})
    grants.criteria = sync_rows(EvaluationCriterion, ["call_id", "label"], criteria)
    sync_rows(RequiredDocument, ["call_id", "label"], documents)


def _ligue_in(funder: str, year: int) -> bool:
    """Committees that co-fund the year's Oncostarter awards are the year's co-funders."""
    return any(
        funder in split for awards in plan.ONCOSTARTER_AWARDS[year].values() for split in awards
    )


# --- Applications (pure planning: which person applies where, with what outcome) -----------

def _statuses(counts: dict) -> list[tuple[str, bool]]:
    """Statuses of a call's applications in reference order, with the audition flag."""
    n = counts["submitted"]
    ordered = (
        [S.SELECTED] * counts["selected"]
        + [S.INELIGIBLE] * counts["ineligible"]
        + [S.NOT_SELECTED] * (n - counts["selected"] - counts["ineligible"])
    )
    auditions = counts.get("auditions", 0)
    # Audition the first selected one and the first not-selected ones.
    audition_flags = [False] * n
    if auditions:
        audition_flags[0] = True
        first_not_selected = ordered.index(S.NOT_SELECTED)
        for k in range(first_not_selected, first_not_selected + auditions - 1):
            audition_flags[k] = True
    step = _coprime_step(n)
    by_number = [None] * n
    for k, status in enumerate(ordered):
        by_number[(k * step + 3) % n] = (status, audition_flags[k], k)
    return by_number


def _research_title(code: str, year: int, k: int, cancer: str) -> str:
    action = ACTIONS[(k + year) % len(ACTIONS)]
    obj = OBJECTS[(k * 5 + year) % len(OBJECTS)]
    if code == "thematise":
        titles = THEMATIC_TITLES[plan.THEMES[year]]
        return titles[k % len(titles)].format(c=cancer)
    if code == "interface":
        method = INTERFACE_METHODS[(k + year) % len(INTERFACE_METHODS)]
        return f"{action} {obj} dans les {cancer} par {method}"
    if code == "poc":
        product = POC_PRODUCTS[(k + year) % len(POC_PRODUCTS)]
        return f"Preuve de concept préclinique pour {product} dans les {cancer}"
    return f"{action} {obj} dans les {cancer}"


def _plan_applications(net: Network, grants: Grants) -> None:
    cancers = [
        "cancers du sein", "cancers du poumon", "cancers colorectaux", "lymphomes",
        "mélanomes", "gliomes", "sarcomes", "cancers de la prostate", "cancers de l'ovaire",
        "cancers du pancréas", "cancers ORL", "leucémies aiguës", "cancers pédiatriques",
    ]
    demo_team = net.teams[0]
    acronym_index = 0
    for year in plan.YEARS:
        pool = [t for t in net.teams_in(year) if t is not demo_team]
        slot = year * 3  # running position in the pool: one research application per PI
        for code in grants.call_codes(year):
            counts = plan.CALLS[year][code]
            call = grants.calls[(code, year)]
            closes = call.closes_at
            n = counts["submitted"]
            for number0, (status, audition, k) in enumerate(_statuses(counts)):
                number = number0 + 1
                submitted_at = closes - timedelta(hours=5 + (n - number) * 17, minutes=number)
                app = AppSpec(code, year, number, status, None, None, "",
                              submitted_at=submitted_at, audition=audition)
                app.rank_in_status = k
                if code in ("manif", "mobilite"):
                    grants.apps.append(app)
                    continue
                if code == "maillage":
                    structuring = plan.STRUCTURING[year] + plan.STRUCTURING_NOT_SELECTED.get(
                        year, []
                    )
                    name, site = structuring[k][:2]
                    site_pool = [t for t in pool if t.site == site]
                    team = site_pool[(k * 5 + year) % len(site_pool)]
                    app.acronym = name
                    app.title = STRUCTURING_TITLES[name]
                    app.domain = BIOMED if name.startswith(("EXPERT", "CASE", "RESON")) \
                        else PREVENTION
                    app.requested = (
                        sum(structuring[k][2].values()) if status == S.SELECTED else 120_000
                    )
                else:
                    team = pool[(slot * 11) % len(pool)]
                    slot += 1
                    if (code, year, status, k) in (("blanc", 2024, S.SELECTED, 0),
                                                    ("interface", 2025, S.NOT_SELECTED, 2)):
                        team = demo_team
                    cancer = cancers[(number + year + len(code)) % len(cancers)]
                    app.acronym = project_acronym(acronym_index)
                    acronym_index += 1
                    app.title = _research_title(code, year, number, cancer)
                    app.domain = {
                        "blanc": (BIOMED, BIOMED, TECH)[number % 3],
                        "thematise": PREVENTION,
                        "interface": TECH,
                        "poc": (BIOMED, TECH)[number % 2],
                    }[code]
                    app.requested = {
                        "blanc": 40_000, "interface": 40_000, "thematise": 37_500,
                    }.get(code, 150_000 + (number % 5) * 30_000)
                app.team = team
                app.pi = team.leader
                grants.apps.append(app)
            # Drafts (never submitted) and withdrawn applications, after the others.
            extra = [S.DRAFT] * counts.get("drafts", 0) + [S.WITHDRAWN] * counts.get(
                "withdrawn", 0
            )
            for j, status in enumerate(extra):
                number = n + j + 1
                team = demo_team if j == 0 else pool[(slot * 11) % len(pool)]
                slot += 1
                app = AppSpec(
                    code, year, number, status, team.leader, team,
                    _research_title(code, year, number, cancers[number % len(cancers)]),
                    acronym=project_acronym(acronym_index), domain=BIOMED,
                    requested=40_000,
                    submitted_at=None if status == S.DRAFT else closes - timedelta(days=9),
                )
                app.rank_in_status = j
                acronym_index += 1
                grants.apps.append(app)
    _plan_poc(net, grants)
    _plan_interface_partners(net, grants)
    _plan_awards(grants)
    _plan_events_and_mobilities(net, grants)


def _plan_poc(net: Network, grants: Grants) -> None:
    partners = [
        c for c in net.companies_in(2025)
        if c.site in ("lyon", "grenoble") and c.active_from.year <= 2020
    ]
    used = 0
    for year in plan.YEARS:
        awards = plan.POC_AWARDS[year]
        for app in grants.of("poc", year):
            investments = awards[app.rank_in_status][1] if app.status == S.SELECTED else [1]
            app.companies = [partners[(used + i) * 3 % len(partners)].obj
                             for i in range(len(investments))]
            used += len(investments)


def _plan_interface_partners(net: Network, grants: Grants) -> None:
    for app in grants.apps:
        if app.code == "interface" or (app.code == "blanc" and app.number % 6 == 0):
            # A second team from another site for interdisciplinary projects.
            others = [t for t in net.teams_in(app.year) if t.site != app.team.site]
            app.extra_teams = [others[(app.number * 7 + app.year) % len(others)].obj]


def _plan_awards(grants: Grants) -> None:
    for app in grants.apps:
        if app.status != S.SELECTED or app.code in ("manif", "mobilite"):
            continue
        k, year = app.rank_in_status, app.year
        if app.code in ONCO_CODES:
            family = "onco"
            app.contributions = plan.ONCOSTARTER_AWARDS[year][app.code][k]
        elif app.code == "poc":
            family = "poc"
            app.contributions, app.investments = plan.POC_AWARDS[year][k]
        else:
            family = "maillage"
            app.contributions = plan.STRUCTURING[year][k][2]
        app.requested = max(app.requested, sum(app.contributions.values()))
        month, day = FINAL_COMMITTEE[family][year]
        app.decided_at = paris(year, month, day, 17)
        app.agreement = app.decided_at.date() + timedelta(days=80)
        app.statuses = dict.fromkeys(range(year, 2026), ("ongoing", ""))
        if family == "maillage":
            if app.acronym == "GERME":
                pass  # convention signed in the autumn: ongoing from its first year
            elif year == 2025:
                app.agreement = None
                app.statuses = {2025: ("not_started", "Conventionnement en cours")}
            else:
                app.agreement = date(year + 1, 1, 20)
                app.statuses[year] = ("not_started", "Conventionnement en cours")
        if (app.code, year) == ("blanc", 2023) and k == 5:
            app.statuses[2024] = ("stopped", "Arrêt : départ du porteur à l'étranger")
            app.statuses[2025] = ("stopped", "")
        if (app.code, year) == ("blanc", 2023) and k == 6:
            app.statuses[2025] = ("completed", "Rapport final remis")


def _plan_events_and_mobilities(net: Network, grants: Grants) -> None:
    for year in plan.YEARS:
        events = plan.SUPPORTED_EVENTS[year]
        call = grants.calls[("manif", year)]
        for app in sorted(grants.of("manif", year), key=lambda a: a.rank_in_status):
            k = app.rank_in_status
            title, host, venue = EVENT_SERIES[k]
            host_teams = [t for t in net.teams_in(year) if t.host == host]
            team = host_teams[(k + year) % len(host_teams)]
            app.team, app.pi = team, team.leader
            app.title = f"Demande de soutien — {title} {year}"
            if app.status != S.SELECTED:
                app.requested = 2_000
                app.submitted_at = paris(year, 3, 10 + k % 10, 11)
                continue
            amount, participants = events[k]
            month = EVENT_MONTHS[k * len(EVENT_MONTHS) // len(events)]
            start = date(year, month, 3 + (k * 7) % 24)
            end = start + timedelta(days=1 if k % 3 == 0 else 0)
            submitted = paris(start.year, start.month, start.day, 10) - timedelta(days=55)
            submitted = max(submitted, call.opens_at + timedelta(days=1, hours=1))
            last_days = call.closes_at.replace(hour=9 + k % 8, minute=(k * 7) % 60, second=0)
            submitted = min(submitted, last_days - timedelta(days=1 + k % 9))
            app.submitted_at = submitted
            app.requested = amount + 500
            app.decided_at = max(submitted + timedelta(days=20), paris(year, 1, 7, 17))
            app.decided_at = app.decided_at.replace(hour=17, minute=0, second=0)
            app.contributions = {"region": amount}
            app.event = {
                "title": f"{title} {year}", "host": host, "site": team.site, "venue": venue,
                "start": start, "end": end, "participants": participants,
            }
        # References follow the order of submission.
        by_time = sorted(grants.of("manif", year), key=lambda a: (a.submitted_at, a.rank_in_status))
        for number, app in enumerate(by_time, start=1):
            app.number = number
        students = net.students
        for app in grants.of("mobilite", year):
            k = app.rank_in_status
            amount, country, institution = plan.MOBILITIES[year][k]
            student = students[(k * 7 + (year - 2023) * 31) % len(students)]
            app.pi = student
            app.team = next(t for t in net.teams if t.obj.pk == student.team_id)
            app.title = f"Mobilité — {institution}"
            app.requested = amount + 200
            month, day = FINAL_COMMITTEE["mobilite"][year]
            app.decided_at = paris(year, month, day, 17)
            app.contributions = {"region": amount}
            start = date(year, 6 + k % 6, 1 + (k * 3) % 25)
            app.mobility = {
                "country": country, "institution": institution, "start": start,
                "end": start + timedelta(days=30 + 15 * (k % 4)),
            }


def _plan_reviewers(net: Network, grants: Grants) -> None:
    council = [t.leader for t in net.teams if t.last_year == 2025][::26][:8]
    grants.reviewers = {
        "expert": net.experts, "council": council, "patient_partner": net.patients[:6],
    }
    for people in grants.reviewers.values():
        for person in people:
            net.need_account(person)


def _mark_demo_accounts(net: Network, grants: Grants) -> None:
    net.need_account(net.teams[0].leader, email=DEMO_ACCOUNTS["applicant"])
    net.need_account(net.experts[0], email=DEMO_ACCOUNTS["reviewer"])
    net.need_account(net.patients[0], email=DEMO_ACCOUNTS["patient"])


# --- Writing the records -------------------------------------------------------------------

def _sync_applications(net: Network, grants: Grants) -> None:
    rows = []
    for app in grants.apps:
        created = (app.submitted_at or grants.calls[(app.code, app.year)].closes_at) \
            - timedelta(days=12)
        rows.append({
            "reference": app.reference,
            "call_id": grants.calls[(app.code, app.year)].pk,
            "applicant_id": app.pi.user.pk,
            "principal_investigator_id": app.pi.pk,
            "domain_id": grants.domains[app.domain].pk if app.domain else None,
            "acronym": app.acronym,
            "title": app.title,
            "lay_summary": _lay_summary(app),
            "scientific_content": _scientific_content(app),
            "requested_amount": app.requested,
            "duration_months": DURATION_MONTHS.get(app.code),
            "status": app.status,
            "submitted_at": app.submitted_at,
            "created_at": created,
            "updated_at": app.decided_at or app.submitted_at or created,
        })
    synced = sync_rows(Application, ["reference"], rows,
                       set_after_create=["created_at", "updated_at"])
    for app in grants.apps:
        app.obj = synced[(app.reference,)]
    owners = [app.obj.pk for app in grants.apps]
    sync_links(Application.teams, [
        (app.obj.pk, team.pk) for app in grants.apps
        for team in [app.team.obj, *app.extra_teams]
    ], owners)
    sync_links(Application.partner_companies, [
        (app.obj.pk, company.pk) for app in grants.apps for company in app.companies
    ], owners)
    _sync_application_details(net, grants, owners)


# Project length by call code (months); events and mobilities have none.
DURATION_MONTHS = {"blanc": 24, "thematise": 24, "interface": 24, "poc": 18, "maillage": 36}
# The share of each budget line in a research application's requested amount; the last line
# takes the rest, so the lines add up to the amount exactly.
BUDGET_SHARES = [
    (BudgetLine.Category.STAFF, "Ingénieur ou ingénieure d'études", Decimal("0.55")),
    (BudgetLine.Category.RUNNING, "Consommables et réactifs", Decimal("0.35")),
    (BudgetLine.Category.TRAVEL, "Congrès et réunions du consortium", None),
]


def _sync_application_details(net: Network, grants: Grants, owners: list[int]) -> None:
    """What the online form asks beside the application's own fields: budget lines,
    a Preuve du Concept's partner companies with their planned investment (the award's
    figures for funded ones), co-applicants (the leader of a second team)."""
    lines, investments = [], []
    for app in grants.apps:
        if app.code not in DURATION_MONTHS:
            continue
        requested = Decimal(app.requested)
        left = requested
        for position, (category, label, share) in enumerate(BUDGET_SHARES):
            amount = left if share is None else (requested * share).quantize(Decimal("1"))
            left -= amount
            lines.append({"application_id": app.obj.pk, "position": position,
                          "category": category, "label": label, "amount": amount})
        planned = app.investments or [int(requested / 2)] * len(app.companies)
        for company, amount in zip(app.companies, planned, strict=False):
            investments.append({"application_id": app.obj.pk, "company_id": company.pk,
                                "planned_amount": Decimal(amount)})
    sync_rows(BudgetLine, ["application_id", "position"], lines)
    sync_rows(PlannedInvestment, ["application_id", "company_id"], investments)
    leaders = {info.obj.pk: info.leader for info in net.teams}
    sync_links(Application.co_applicants, [
        (app.obj.pk, leaders[team.pk].pk) for app in grants.apps for team in app.extra_teams
        if leaders.get(team.pk) is not None and leaders[team.pk].pk != app.pi.pk
    ], owners)


def _lay_summary(app: AppSpec) -> str:
    if app.code == "mobilite":
        return (f"Séjour de recherche à {app.mobility['institution']} pour se former à de "
                "nouvelles techniques et développer une collaboration internationale.")
    if app.code == "manif":
        return ("Manifestation scientifique réunissant chercheurs, cliniciens et doctorants de "
                "la région autour des avancées récentes en cancérologie.")
    return (f"Le projet {app.acronym} cherche à mieux comprendre et à mieux soigner : "
            f"{app.title[0].lower()}{app.title[1:]}. Les résultats seront partagés avec les "
            "patients et le grand public.")


def _scientific_content(app: AppSpec) -> str:
    if app.code in ("manif", "mobilite"):
        return ""
    return (f"Contexte, hypothèse et objectifs du projet {app.acronym}. Méthodologie : "
            "modèles cellulaires et précliniques, cohortes de patients, analyses multi-omiques. "
            "Calendrier sur 24 à 36 mois ; livrables et jalons décrits dans le dossier.")


def _sync_reviews(net: Network, grants: Grants) -> None:
    experts = grants.reviewers["expert"]
    council = grants.reviewers["council"]
    patients = grants.reviewers["patient_partner"]
    reviews, plans = [], []
    counter = 0
    for app in grants.apps:
        if app.code not in RESEARCH_CODES or app.status in (S.DRAFT, S.WITHDRAWN, S.INELIGIBLE):
            continue
        call = grants.calls[(app.code, app.year)]
        seed = app.number + app.year
        chosen = [("expert", experts[seed % len(experts)])]
        if app.code == "poc":
            chosen.append(("expert", experts[(seed + 3) % len(experts)]))
        member = council[seed % len(council)]
        if member.pk == app.pi.pk:
            member = council[(seed + 1) % len(council)]
        chosen.append(("council", member))
        if app.code == "thematise":
            chosen.append(("patient_partner", patients[seed % len(patients)]))
        assigned = call.closes_at + timedelta(days=14)
        for role, person in chosen:
            counter += 1
            conflict = role == "council" and counter % 23 == 5
            submitted = None if conflict else assigned + timedelta(days=10 + counter % 12)
            reviews.append({
                "application_id": app.obj.pk, "reviewer_id": person.user.pk, "role": role,
                "status": Review.Status.DECLINED if conflict else Review.Status.SUBMITTED,
                "conflict_of_interest": conflict,
                "conflict_details": (
                    "Collaboration en cours avec l'équipe du porteur." if conflict else ""
                ),
                "comments": "" if conflict else _review_comment(app, role),
                "assigned_at": assigned, "submitted_at": submitted,
            })
            if not conflict:
                plans.append((app, person, call))
    synced = sync_rows(Review, ["application_id", "reviewer_id"], reviews)
    scores = []
    for app, person, call in plans:
        review = synced[(app.obj.pk, person.user.pk)]
        criteria = [c for (call_id, _label), c in grants.criteria.items() if call_id == call.pk]
        base = 4 if app.status == S.SELECTED else 3
        for i, criterion in enumerate(sorted(criteria, key=lambda c: c.position)):
            score = base + (app.number + i + person.pk) % 3 - 1
            scores.append({"review_id": review.pk, "criterion_id": criterion.pk,
                           "score": max(1, min(5, score))})
    sync_rows(ReviewScore, ["review_id", "criterion_id"], scores)


def _review_comment(app: AppSpec, role: str) -> str:
    if role == "patient_partner":
        return ("Projet attentif au vécu des patients ; associer les patients partenaires dès "
                "la rédaction des questionnaires.")
    if app.status == S.SELECTED:
        return "Projet original et solide, équipe reconnue ; calendrier réaliste."
    return "Hypothèse intéressante mais données préliminaires insuffisantes."


def _sync_decisions(net: Network, grants: Grants) -> None:
    staff_users = [p.user for p in net.staff]
    rows = []
    for index, app in enumerate(grants.apps):
        if app.status in (S.DRAFT, S.WITHDRAWN):
            continue
        call = grants.calls[(app.code, app.year)]
        recorder = staff_users[index % len(staff_users)].pk
        if app.code == "manif":
            eligibility = (app.submitted_at + timedelta(days=7)).date()
        else:
            eligibility = call.closes_at.astimezone(PARIS).date() + timedelta(days=12)
        outcomes = []
        if app.status == S.INELIGIBLE:
            outcomes.append((Decision.Outcome.INELIGIBLE, eligibility,
                             "Dossier incomplet ou hors du périmètre de l'appel."))
        else:
            outcomes.append((Decision.Outcome.ELIGIBLE, eligibility, ""))
            if app.audition:
                outcomes.append((Decision.Outcome.AUDITION, date(app.year, *AUDITION_DAY),
                                 "Audition avec le groupe ECLAIR (patients partenaires)."))
            if app.decided_at:
                final_day = app.decided_at.astimezone(PARIS).date()
            elif app.code == "manif":
                final_day = eligibility + timedelta(days=14)
            else:
                family = "onco" if app.code in ONCO_CODES else app.code
                final_day = date(app.year, *FINAL_COMMITTEE[family][app.year])
            outcome = (Decision.Outcome.SELECTED if app.status == S.SELECTED
                       else Decision.Outcome.NOT_SELECTED)
            outcomes.append((outcome, final_day, ""))
        for outcome, day, notes in outcomes:
            rows.append({
                "application_id": app.obj.pk, "outcome": outcome, "committee_date": day,
                "notes": notes, "recorded_by_id": recorder,
                "recorded_at": paris(day.year, day.month, day.day, 18),
            })
    sync_rows(Decision, ["application_id", "outcome", "committee_date"], rows)


def _sync_awards(net: Network, grants: Grants) -> None:
    awarded = [a for a in grants.apps if a.contributions]
    synced = sync_rows(Award, ["application_id"], [
        {"application_id": a.obj.pk, "amount": sum(a.contributions.values()),
         "decided_at": a.decided_at, "agreement_signed_on": a.agreement,
         "notes": f"Décision du comité du {a.decided_at.astimezone(PARIS):%d/%m/%Y}."}
        for a in awarded
    ])
    for app in awarded:
        app.award = synced[(app.obj.pk,)]
    sync_rows(Contribution, ["award_id", "funder_id"], [
        {"award_id": a.award.pk, "funder_id": net.funders[code].pk, "amount": amount}
        for a in awarded for code, amount in a.contributions.items()
    ])
    sync_rows(CompanyInvestment, ["award_id", "company_id"], [
        {"award_id": a.award.pk, "company_id": company.pk, "planned_amount": amount}
        for a in awarded
        for company, amount in zip(a.companies, a.investments, strict=False)
        if a.investments
    ])


def _sync_projects(net: Network, grants: Grants) -> None:
    funded = [a for a in grants.apps if a.statuses]
    months = {"poc": 36, "maillage": 36}
    synced = sync_rows(FundedProject, ["award_id"], [
        {"award_id": a.award.pk, "name": a.acronym, "site_id": net.sites[a.team.site].pk,
         "start_date": a.agreement,
         "end_date": add_months(a.agreement, months.get(a.code, 30)) if a.agreement else None,
         "public_summary": _lay_summary(a)}
        for a in funded
    ])
    for app in funded:
        app.project = synced[(app.award.pk,)]
    sync_rows(ProjectYearStatus, ["project_id", "year"], [
        {"project_id": a.project.pk, "year": year, "status": status, "note": note}
        for a in funded for year, (status, note) in a.statuses.items()
    ])
    reports = []
    # The demo applicant's project has its last report due in three weeks from the day the
    # demo is loaded (a deadline staff moved), so that a new user sees one to hand in; the
    # other projects ongoing in the last year owe theirs since 31 March (overdue for staff).
    soon = timezone.localdate() + timedelta(days=21)
    for a in funded:
        for year, (status, _note) in a.statuses.items():
            final = status == "completed"
            if status == "ongoing" and year <= 2024 or final:
                reports.append({
                    "project_id": a.project.pk, "year": year, "status": "submitted",
                    "due_on": date(year + 1, 3, 31),
                    "submitted_on": date(year, 6, 30) if final
                    else date(year + 1, 2, 5 + a.number % 20),
                    "summary": ("Rapport final : objectifs atteints, valorisation en cours."
                                if final else
                                "Rapport d'étape : recrutements effectués, premiers résultats "
                                "conformes au calendrier."),
                })
            elif status == "ongoing":
                demo_applicant = a.pi.user.email == DEMO_ACCOUNTS["applicant"]
                reports.append({
                    "project_id": a.project.pk, "year": year, "status": "expected",
                    "due_on": soon if demo_applicant else date(year + 1, 3, 31),
                    "submitted_on": None, "summary": "",
                })
    sync_rows(FollowUpReport, ["project_id", "year"], reports)
    _sync_outcomes(grants)


def _sync_outcomes(grants: Grants) -> None:
    def project(code, year, rank):
        return next(a.project for a in grants.apps if a.project and a.code == code
                    and a.year == year and a.rank_in_status == rank)

    Kind = Outcome.Kind
    specs = [
        (project("blanc", 2023, 0), Kind.PUBLICATION, "Article dans une revue internationale",
         date(2024, 11, 4), "10.5555/clara-demo.2024.0001", 0, 0),
        (project("blanc", 2023, 2), Kind.PUBLICATION, "Article dans une revue internationale",
         date(2025, 3, 18), "10.5555/clara-demo.2025.0002", 0, 0),
        (project("blanc", 2023, 6), Kind.FOLLOW_ON_FUNDING, "Financement ANR obtenu (JCJC)",
         date(2025, 7, 10), "ANR", 0, 250_000),
        (project("thematise", 2023, 1), Kind.PUBLICATION, "Article de synthèse",
         date(2025, 2, 1), "10.5555/clara-demo.2025.0003", 0, 0),
        (project("poc", 2023, 0), Kind.PATENT, "Demande de brevet déposée (FR)",
         date(2024, 9, 12), "FR2309876", 0, 0),
        (project("poc", 2023, 0), Kind.CLINICAL_TRIAL, "Essai clinique de phase I ouvert",
         date(2025, 5, 20), "NCT06543210", 0, 0),
        (project("poc", 2023, 1), Kind.JOBS, "Recrutements R&D chez le partenaire industriel",
         date(2024, 12, 1), "", 2, 0),
        (project("poc", 2023, 3), Kind.JOBS, "Recrutements R&D chez le partenaire industriel",
         date(2025, 6, 1), "", 3, 0),
        (project("poc", 2024, 0), Kind.JOBS, "Ingénieur R&D recruté", date(2025, 4, 1), "", 1, 0),
        (project("maillage", 2023, 0), Kind.PUBLICATION, "Article dans une revue internationale",
         date(2025, 9, 15), "10.5555/clara-demo.2025.0004", 0, 0),
    ]
    # A follow-on funding names its funder (kept in the identifier's column of the specs).
    sync_rows(Outcome, ["project_id", "kind", "title"], [
        {"project_id": p.pk, "kind": kind, "title": title, "date": day,
         "identifier": "" if kind == Kind.FOLLOW_ON_FUNDING else ident,
         "funder": ident if kind == Kind.FOLLOW_ON_FUNDING else "",
         "jobs": jobs, "amount": amount}
        for p, kind, title, day, ident, jobs, amount in specs
    ])


SUPPORT_SUBJECTS = [
    ("application_advice", "Conseil au montage d'un dossier Oncostarter — {team}"),
    ("application_advice", "Relecture d'un projet européen — {team}"),
    ("partnership", "Mise en relation avec une entreprise partenaire — {team}"),
    ("funding_search", "Recherche de cofinancements — {team}"),
    ("valorisation", "Accompagnement à la valorisation — {team}"),
    ("application_advice", "Conseil au montage d'un dossier Preuve du Concept — {team}"),
    ("other", "Aide à l'organisation d'une manifestation — {team}"),
]


def _sync_support_actions(net: Network, grants: Grants) -> None:
    staff_users = [p.user for p in net.staff]
    rows = []
    for year in plan.YEARS:
        teams = net.teams_in(year)
        projects = [a for a in grants.apps if a.project and a.year <= year
                    and a.statuses.get(year, ("",))[0] == "ongoing"]
        n = plan.SUPPORT_ACTIONS[year]
        for k in range(n):
            day = date(year, 1, 8) + timedelta(days=k * 350 // n)
            kind, subject = SUPPORT_SUBJECTS[k % len(SUPPORT_SUBJECTS)]
            team = teams[(k * 13 + year) % len(teams)]
            project = projects[k % len(projects)] if k % 4 == 3 and projects else None
            if (year, k) == (2025, 6):
                # The report's "1 accompagnement avec le groupe ECLAIR" (Thématisé 2025).
                app = grants.of("thematise", 2025)[0]
                kind = "application_advice"
                subject = (f"Accompagnement par le groupe ECLAIR (patients partenaires) — "
                           f"projet {app.acronym}")
                team, project = app.team, None
            elif project:
                kind = "valorisation" if project.code == "poc" else "other"
                subject = f"Suivi du projet {project.acronym} — {project.team.obj.name}"
                team = project.team
            else:
                subject = subject.format(team=team.obj.name)
            rows.append({
                "date": day, "subject": subject, "kind": kind, "team_id": team.obj.pk,
                "organisation_id": team.obj.organisation_id,
                "project_id": project.project.pk if project else None,
                "staff_member_id": staff_users[k % len(staff_users)].pk,
            })
    sync_rows(SupportAction, ["date", "subject"], rows)
