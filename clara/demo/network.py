"""The network: sites, institutions, laboratories, teams with their yearly census, companies,
funders, people and their accounts, working groups."""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password

from clara.accounts.models import User
from clara.network.models import Organisation, Person, Site, Team, TeamCensus
from events.models import WorkingGroup
from funding.models import Funder

from . import plan
from .names import (
    NamePool,
    association_rna,
    company_name,
    company_siren,
    company_siret,
    demo_email,
    demo_orcid,
    institution_siren,
)
from .sync import sync_links, sync_rows

PARIS = ZoneInfo("Europe/Paris")
# Public on purpose (printed by the command, written in the README); DEBUG only.
DEMO_PASSWORD = "demo-clara-2025"  # noqa: S105
# Accounts whose password is DEMO_PASSWORD: (email, role) — the role picks the person.
DEMO_ACCOUNTS = {
    "applicant": "porteur@demo.clara.local",
    "reviewer": "evaluateur@demo.clara.local",
    "patient": "patient@demo.clara.local",
}
# Every other demo account can never log in.
NO_LOGIN_PASSWORD = f"{UNUSABLE_PASSWORD_PREFIX}demo-account-without-password"

K = Organisation.Kind

SITES = [
    ("lyon", "Lyon et alentours"),
    ("grenoble", "Grenoble et alentours"),
    ("clermont-ferrand", "Clermont-Ferrand et alentours"),
    ("saint-etienne", "Saint-Étienne et alentours"),
]

# code, name, acronym, kind, site, city, ROR (real identifiers), website, parent code
INSTITUTIONS = [
    ("clara", "Cancéropôle Lyon Auvergne-Rhône-Alpes", "CLARA", K.ASSOCIATION, "lyon", "Lyon",
     "", "https://www.canceropole-clara.com", None),
    ("ucbl", "Université Claude Bernard Lyon 1", "UCBL", K.UNIVERSITY, "lyon", "Villeurbanne",
     "029brtt94", "https://www.univ-lyon1.fr", None),
    ("ens-lyon", "École normale supérieure de Lyon", "ENS de Lyon", K.SCHOOL, "lyon", "Lyon",
     "04w61vh47", "https://www.ens-lyon.fr", None),
    ("hcl", "Hospices Civils de Lyon", "HCL", K.HOSPITAL, "lyon", "Lyon", "01502ca60",
     "https://www.chu-lyon.fr", None),
    ("clb", "Centre Léon Bérard", "CLB", K.CANCER_CENTRE, "lyon", "Lyon", "01cmnjq37",
     "https://www.centreleonberard.fr", None),
    ("circ", "Centre International de Recherche sur le Cancer", "CIRC",
     K.INTERNATIONAL_AGENCY, "lyon", "Lyon", "00v452281", "https://www.iarc.who.int", None),
    ("uga", "Université Grenoble Alpes", "UGA", K.UNIVERSITY, "grenoble",
     "Saint-Martin-d'Hères", "02rx3b187", "https://www.univ-grenoble-alpes.fr", None),
    ("chuga", "CHU Grenoble Alpes", "CHUGA", K.HOSPITAL, "grenoble", "La Tronche",
     "041rhpw39", "https://www.chu-grenoble.fr", None),
    ("uca", "Université Clermont Auvergne", "UCA", K.UNIVERSITY, "clermont-ferrand",
     "Clermont-Ferrand", "01a8ajp46", "https://www.uca.fr", None),
    ("chu-clermont", "CHU Clermont-Ferrand", "", K.HOSPITAL, "clermont-ferrand",
     "Clermont-Ferrand", "02tcf7a68", "https://www.chu-clermontferrand.fr", None),
    ("cjp", "Centre Jean Perrin", "", K.CANCER_CENTRE, "clermont-ferrand", "Clermont-Ferrand",
     "01k40cz91", "https://www.cjp.fr", None),
    ("ujm", "Université Jean Monnet Saint-Étienne", "UJM", K.UNIVERSITY, "saint-etienne",
     "Saint-Étienne", "04yznqr36", "https://www.univ-st-etienne.fr", None),
    ("chu-se", "CHU de Saint-Étienne", "", K.HOSPITAL, "saint-etienne", "Saint-Étienne",
     "04pn6vp43", "https://www.chu-st-etienne.fr", None),
    ("lyonbiopole", "Lyonbiopôle Auvergne-Rhône-Alpes", "Lyonbiopôle", K.ASSOCIATION, "lyon",
     "Lyon", "", "https://www.lyonbiopole.com", None),
    ("inca", "Institut National du Cancer", "INCa", K.NATIONAL_BODY, None,
     "Boulogne-Billancourt", "", "https://www.e-cancer.fr", None),
    ("region", "Région Auvergne-Rhône-Alpes", "", K.LOCAL_AUTHORITY, None, "Lyon", "",
     "https://www.auvergnerhonealpes.fr", None),
    ("metropole-lyon", "Métropole de Lyon", "", K.LOCAL_AUTHORITY, "lyon", "Lyon", "",
     "https://www.grandlyon.com", None),
    ("saint-etienne-metropole", "Saint-Étienne Métropole", "", K.LOCAL_AUTHORITY,
     "saint-etienne", "Saint-Étienne", "", "https://www.saint-etienne-metropole.fr", None),
    # National centres the external reviewers come from.
    ("curie", "Institut Curie", "", K.CANCER_CENTRE, None, "Paris", "04t0gwh46",
     "https://curie.fr", None),
    ("gustave-roussy", "Gustave Roussy", "", K.CANCER_CENTRE, None, "Villejuif", "0321g0743",
     "https://www.gustaveroussy.fr", None),
    ("ipc", "Institut Paoli-Calmettes", "IPC", K.CANCER_CENTRE, None, "Marseille",
     "04s3t1g37", "https://www.institutpaolicalmettes.fr", None),
    # Laboratories hosting the academic teams.
    ("crcl", "Centre de Recherche en Cancérologie de Lyon", "CRCL", K.LABORATORY, "lyon",
     "Lyon", "", "", "ucbl"),
    ("ciri", "Centre International de Recherche en Infectiologie", "CIRI", K.LABORATORY,
     "lyon", "Lyon", "", "", "ucbl"),
    ("igfl", "Institut de Génomique Fonctionnelle de Lyon", "IGFL", K.LABORATORY, "lyon",
     "Lyon", "", "", "ens-lyon"),
    ("lbmc", "Laboratoire de Biologie et Modélisation de la Cellule", "LBMC", K.LABORATORY,
     "lyon", "Lyon", "", "", "ens-lyon"),
    ("creatis", "Centre de Recherche en Acquisition et Traitement de l'Image pour la Santé",
     "CREATIS", K.LABORATORY, "lyon", "Villeurbanne", "", "", "ucbl"),
    ("lbbe", "Laboratoire de Biométrie et Biologie Évolutive", "LBBE", K.LABORATORY, "lyon",
     "Villeurbanne", "", "", "ucbl"),
    ("inmg", "Institut NeuroMyoGène", "INMG", K.LABORATORY, "lyon", "Lyon", "", "", "ucbl"),
    ("iab", "Institute for Advanced Biosciences", "IAB", K.LABORATORY, "grenoble",
     "La Tronche", "", "", "uga"),
    ("timc", "Laboratoire TIMC", "TIMC", K.LABORATORY, "grenoble", "La Tronche", "", "",
     "uga"),
    ("ibs", "Institut de Biologie Structurale", "IBS", K.LABORATORY, "grenoble", "Grenoble",
     "", "", "uga"),
    ("biosante", "Laboratoire Biologie et Biotechnologie pour la Santé", "BioSanté",
     K.LABORATORY, "grenoble", "Grenoble", "", "", "uga"),
    ("leti", "CEA-Leti — Technologies pour la santé", "CEA-Leti", K.LABORATORY, "grenoble",
     "Grenoble", "", "", None),
    ("gred", "Génétique, Reproduction et Développement", "GReD", K.LABORATORY,
     "clermont-ferrand", "Clermont-Ferrand", "", "", "uca"),
    ("imost", "Imagerie Moléculaire et Stratégies Théranostiques", "IMoST", K.LABORATORY,
     "clermont-ferrand", "Clermont-Ferrand", "", "", "uca"),
    ("m2ish", "Microbes, Intestin, Inflammation et Susceptibilité de l'Hôte", "M2iSH",
     K.LABORATORY, "clermont-ferrand", "Clermont-Ferrand", "", "", "uca"),
    ("sainbiose", "Santé, Ingénierie, Biologie Saint-Étienne", "SAINBIOSE", K.LABORATORY,
     "saint-etienne", "Saint-Étienne", "", "", "ujm"),
    ("hubert-curien", "Laboratoire Hubert Curien", "LabHC", K.LABORATORY, "saint-etienne",
     "Saint-Étienne", "", "", "ujm"),
    ("gimap", "Groupe Immunité des Muqueuses et Agents Pathogènes", "GIMAP", K.LABORATORY,
     "saint-etienne", "Saint-Étienne", "", "", "ujm"),
]

LIGUE_CITIES = {
    "Allier": "Moulins", "Ardèche": "Privas", "Cantal": "Aurillac", "Drôme": "Valence",
    "Haute-Loire": "Le Puy-en-Velay", "Isère": "Grenoble", "Loire": "Saint-Étienne",
    "Puy-de-Dôme": "Clermont-Ferrand", "Rhône": "Lyon", "Savoie": "Chambéry",
}

# Organisations hosting teams, per site, with the number of teams each hosts.
TEAM_HOSTS = {
    "lyon": [("crcl", 30), ("ciri", 8), ("igfl", 7), ("lbmc", 6), ("creatis", 6), ("lbbe", 4),
             ("inmg", 5), ("circ", 12), ("hcl", 24), ("clb", 14)],
    "grenoble": [("iab", 18), ("timc", 8), ("ibs", 5), ("biosante", 6), ("leti", 4),
                 ("chuga", 12)],
    "clermont-ferrand": [("gred", 7), ("imost", 6), ("m2ish", 4), ("chu-clermont", 6),
                         ("cjp", 3)],
    "saint-etienne": [("sainbiose", 6), ("hubert-curien", 3), ("gimap", 3), ("chu-se", 6)],
}
CLINICAL_KINDS = {K.HOSPITAL, K.CANCER_CENTRE}
# Institutions that are French legal entities get an invented SIREN and head-office SIRET
# (names.institution_siren), associations an invented RNA number too: the open-data exports
# (clara/opendata) name funders and grant-managing bodies by them. Laboratories are units of
# their parent and have none. The CIRC, an international agency, has no SIRET: its projects
# show staff what an export cannot publish (and reach 360Giving through its ROR).
NO_SIREN_KINDS = {K.LABORATORY, K.INTERNATIONAL_AGENCY}
ASSOCIATION_KINDS = {K.ASSOCIATION, K.CHARITY}

RESEARCH_TOPICS = [
    "Signalisation oncogénique", "Microenvironnement tumoral", "Immunité anti-tumorale",
    "Épigénétique", "Métabolisme tumoral", "Instabilité génomique",
    "Cellules souches cancéreuses", "Plasticité et métastases", "Résistance thérapeutique",
    "Radiobiologie", "Imagerie et théranostique", "Oncogenèse virale",
    "Vieillissement cellulaire", "Génomique fonctionnelle", "Nanomédecine",
    "Modélisation et bio-informatique", "Épidémiologie et prévention",
    "Sciences humaines et sociales", "Pharmacologie", "Biomarqueurs circulants",
    "Angiogenèse", "Biologie spatiale",
]
CLINICAL_TOPICS = [
    "Oncologie médicale", "Radiothérapie", "Chirurgie oncologique", "Hématologie clinique",
    "Anatomopathologie", "Radiologie interventionnelle", "Soins de support", "Oncogériatrie",
    "Oncopédiatrie", "Médecine nucléaire", "Pharmacie oncologique",
]
CANCERS = [
    "cancers du sein", "cancers du poumon", "cancers colorectaux", "hémopathies malignes",
    "lymphomes", "mélanomes", "cancers pédiatriques", "gliomes", "sarcomes",
    "cancers de la prostate", "cancers de l'ovaire", "cancers du pancréas", "cancers ORL",
]

COMPANY_CITIES = {
    "lyon": ["Lyon", "Villeurbanne", "Vénissieux", "Écully", "Marcy-l'Étoile", "Dardilly",
             "Limonest", "Saint-Priest", "Bron"],
    "grenoble": ["Grenoble", "Meylan", "Montbonnot-Saint-Martin", "Échirolles", "La Tronche",
                 "Saint-Égrève", "Crolles"],
    "clermont-ferrand": ["Clermont-Ferrand", "Aubière", "Saint-Beauzire", "Riom"],
    "saint-etienne": ["Saint-Étienne", "Saint-Priest-en-Jarez", "Andrézieux-Bouthéon"],
}

PATIENT_PARTNERS = 14
DOCTORAL_STUDENTS = 90
EXPERTS = [("curie", 4), ("gustave-roussy", 3), ("ipc", 3)]
STAFF = 4

WORKING_GROUPS = [
    # name, acronym, started_on, description
    ("Expérience patient CLARA", "ECLAIR", date(2021, 3, 15),
     "Patients partenaires et chercheurs : co-construction et audit des projets "
     "« Expérience patient »."),
    ("Drug discovery en oncologie", "D2Onco", date(2022, 9, 20),
     "Réseau des plateformes et équipes de découverte de médicaments en cancérologie."),
    ("Modèles économiques de la prévention", "", date(2023, 4, 6),
     "Économistes, épidémiologistes et acteurs de santé publique autour du financement de la "
     "prévention des cancers."),
    ("Biologie spatiale", "", date(2024, 10, 3),
     "Transcriptomique et protéomique spatiales : partage des plateformes et des méthodes."),
]


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder, ties by
    position): exact and deterministic."""
    weight_sum = sum(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = sorted(
        range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i)
    )
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


@dataclass
class TeamInfo:
    index: int
    site: str
    host: str
    first_year: int
    last_year: int
    obj: Team = None
    leader: Person = None

    def active(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    @property
    def clinical(self) -> bool:
        return self.obj.kind == Team.Kind.CLINICAL


@dataclass
class CompanyInfo:
    index: int
    site: str
    oncology: bool
    active_from: date
    active_until: date | None
    obj: Organisation = None


@dataclass
class Network:
    sites: dict[str, Site] = field(default_factory=dict)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    teams: list[TeamInfo] = field(default_factory=list)
    companies: list[CompanyInfo] = field(default_factory=list)
    funders: dict[str, Funder] = field(default_factory=dict)
    students: list[Person] = field(default_factory=list)
    patients: list[Person] = field(default_factory=list)
    experts: list[Person] = field(default_factory=list)
    staff: list[Person] = field(default_factory=list)
    contacts: dict[int, Person] = field(default_factory=dict)  # company index -> contact
    guests: list[Person] = field(default_factory=list)
    working_groups: dict[str, WorkingGroup] = field(default_factory=dict)
    names: NamePool = field(default_factory=NamePool)
    person_specs: dict[tuple[str, str], dict] = field(default_factory=dict)
    persons: dict[tuple[str, str], Person] = field(default_factory=dict)
    accounts: dict[tuple[str, str], dict] = field(default_factory=dict)
    pending: dict[str, object] = field(default_factory=dict)

    def teams_in(self, year: int, site: str | None = None) -> list[TeamInfo]:
        return [
            t for t in self.teams if t.active(year) and (site is None or t.site == site)
        ]

    def companies_in(self, year: int, site: str | None = None) -> list[CompanyInfo]:
        return [
            c for c in self.companies
            if c.oncology
            and c.active_from.year <= year
            and (c.active_until is None or c.active_until.year >= year)
            and (site is None or c.site == site)
        ]

    def key_of(self, person: Person) -> tuple[str, str]:
        return (person.last_name, person.first_name)

    def need_account(self, person: Person, *, is_staff: bool = False, email: str = "") -> None:
        """Mark a person as holding a user account (applicant, reviewer, staff)."""
        spec = self.accounts.setdefault(self.key_of(person), {"is_staff": False, "email": ""})
        spec["is_staff"] = spec["is_staff"] or is_staff
        spec["email"] = email or spec["email"]


def build_network() -> Network:
    net = Network()
    _sync_sites(net)
    _sync_institutions(net)
    _sync_companies(net)
    _sync_funders(net)
    _sync_teams(net)
    _plan_people(net)
    _sync_people(net)
    _sync_team_leaders(net)
    _sync_census(net)
    _sync_working_groups(net)
    return net


def _sync_sites(net: Network) -> None:
    rows = [{"slug": slug, "name": name, "position": i} for i, (slug, name) in enumerate(SITES)]
    for (slug,), site in sync_rows(Site, ["slug"], rows).items():
        net.sites[slug] = site


def _org_key(name: str, site: Site | None) -> tuple:
    return (name, site.pk if site else None)


def _sync_institutions(net: Network) -> None:
    def row(code, name, acronym, kind, site, city, ror, website):
        siren = "" if kind in NO_SIREN_KINDS else institution_siren(code)
        return {
            "name": name, "site_id": net.sites[site].pk if site else None, "acronym": acronym,
            "kind": kind, "city": city, "ror": ror, "website": website, "siren": siren,
            "siret": company_siret(siren) if siren else "",
            "rna": association_rna(code) if kind in ASSOCIATION_KINDS else "",
        }

    rows, codes = [], []
    for code, name, acronym, kind, site, city, ror, website, _parent in INSTITUTIONS:
        rows.append(row(code, name, acronym, kind, site, city, ror, website))
        codes.append(code)
    for department, of_form, site in plan.LIGUE_DEPARTMENTS:
        rows.append(row(
            f"ligue-{department}", f"Comité {of_form} de la Ligue contre le cancer", "",
            K.CHARITY, site, LIGUE_CITIES[department], "", "",
        ))
        codes.append(f"ligue-{department}")
    synced = sync_rows(Organisation, ["name", "site_id"], rows)
    for code, r in zip(codes, rows, strict=True):
        net.orgs[code] = synced[(r["name"], r["site_id"])]
    # Parents, now that every organisation has a primary key.
    parent_rows = [
        {**rows[codes.index(code)], "parent_id": net.orgs[parent].pk if parent else None}
        for code, *_rest, parent in INSTITUTIONS
    ]
    sync_rows(Organisation, ["name", "site_id"], parent_rows)


def _company_specs() -> list[CompanyInfo]:
    specs: list[CompanyInfo] = []

    def add(site, oncology, active_from, active_until=None):
        specs.append(CompanyInfo(len(specs), site, oncology, active_from, active_until))

    for site in plan.SITE_SLUGS:
        created_2024 = plan.COMPANIES_CREATED[2024].get(site, 0)
        created_2025 = plan.COMPANIES_CREATED[2025].get(site, 0)
        for _ in range(plan.COMPANIES_2025[site] - created_2024 - created_2025):
            i = len(specs)
            add(site, True, date(1996 + (i * 5) % 28, 1 + i % 12, 1 + (i * 3) % 28))
        for year, created in ((2024, created_2024), (2025, created_2025)):
            for _ in range(created):
                i = len(specs)
                add(site, True, date(year, 1 + i % 9, 2 + i % 25))
        for year in (2023, 2024):
            for _ in range(plan.COMPANIES_CLOSED[year].get(site, 0)):
                i = len(specs)
                add(site, True, date(2005 + i % 10, 1 + i % 12, 10), date(year, 3 + i % 9, 15))
    # Closed before the period, and companies outside oncology: never counted.
    add("lyon", True, date(2009, 6, 1), date(2022, 9, 30))
    for site in ("lyon", "lyon", "grenoble", "clermont-ferrand"):
        i = len(specs)
        add(site, False, date(2001 + i % 20, 1 + i % 12, 5))
    return specs


def _sync_companies(net: Network) -> None:
    net.companies = _company_specs()
    rows = []
    for c in net.companies:
        siren = company_siren(c.index)
        cities = COMPANY_CITIES[c.site]
        rows.append({
            "name": company_name(c.index), "site_id": net.sites[c.site].pk,
            "kind": K.COMPANY, "city": cities[c.index % len(cities)], "siren": siren,
            "siret": company_siret(siren), "develops_oncology_products": c.oncology,
            "active_from": c.active_from, "active_until": c.active_until,
        })
    synced = sync_rows(Organisation, ["name", "site_id"], rows)
    for c, r in zip(net.companies, rows, strict=True):
        c.obj = synced[(r["name"], r["site_id"])]


def _sync_funders(net: Network) -> None:
    specs = [
        ("inca", "Institut National du Cancer", "INCa", Funder.Kind.NATIONAL_BODY),
        ("region", "Région Auvergne-Rhône-Alpes", "Région AURA", Funder.Kind.LOCAL_AUTHORITY),
        ("metropole-lyon", "Métropole de Lyon", "", Funder.Kind.LOCAL_AUTHORITY),
        ("saint-etienne-metropole", "Saint-Étienne Métropole", "",
         Funder.Kind.LOCAL_AUTHORITY),
    ] + [
        (f"ligue-{department}", f"Comité {of_form} de la Ligue contre le cancer",
         f"Ligue — {department}", Funder.Kind.LIGUE_COMMITTEE)
        for department, of_form, _site in plan.LIGUE_DEPARTMENTS
    ]
    rows = [
        {"name": name, "short_name": short, "kind": kind, "organisation_id": net.orgs[code].pk}
        for code, name, short, kind in specs
    ]
    synced = sync_rows(Funder, ["name"], rows)
    for (code, name, *_rest) in specs:
        net.funders[code] = synced[(name,)]


def _team_specs() -> list[TeamInfo]:
    teams: list[TeamInfo] = []
    for site in plan.SITE_SLUGS:
        spans: list[tuple[int, int]] = []
        created = sum(plan.TEAMS_CREATED[y].get(site, 0) for y in (2024, 2025))
        spans += [(2023, 2025)] * (plan.TEAMS_2025[site] - created)
        for year in (2024, 2025):
            spans += [(year, 2025)] * plan.TEAMS_CREATED[year].get(site, 0)
        for year in (2023, 2024):
            spans += [(2023, year)] * plan.TEAMS_LAST_CENSUS[year].get(site, 0)
        hosts = [code for code, count in TEAM_HOSTS[site] for _ in range(count)]
        if len(hosts) != len(spans):
            raise ValueError(f"Demo data: {site} hosts {len(hosts)} teams, plan {len(spans)}")
        for i, (first, last) in enumerate(spans):
            # Spread new and dissolved teams over the hosts (7 is prime to every site's size).
            host = hosts[(i * 7) % len(hosts)]
            teams.append(TeamInfo(len(teams), site, host, first, last))
    return teams


def _sync_teams(net: Network) -> None:
    net.teams = _team_specs()
    used: set[str] = set()
    rows = []
    research = [(t, c) for c in CANCERS for t in RESEARCH_TOPICS]
    clinical = [(t, c) for c in CANCERS for t in CLINICAL_TOPICS]
    for team in net.teams:
        org = net.orgs[team.host]
        is_clinical = org.kind in CLINICAL_KINDS
        combos = clinical if is_clinical else research
        step = 0
        while True:
            topic, cancer = combos[(team.index * 17 + step * 5) % len(combos)]
            name = f"{topic} — {cancer}"
            step += 1
            if name not in used:
                used.add(name)
                break
        rows.append({
            "organisation_id": org.pk, "name": name, "site_id": net.sites[team.site].pk,
            "kind": Team.Kind.CLINICAL if is_clinical else Team.Kind.ACADEMIC,
        })
    synced = sync_rows(Team, ["organisation_id", "name"], rows)
    for team, r in zip(net.teams, rows, strict=True):
        team.obj = synced[(r["organisation_id"], r["name"])]


def _add_person(net: Network, kind: str, *, organisation=None, team=None, orcid=True,
                name: tuple[str, str] | None = None) -> tuple[str, str]:
    first, last = net.names.reserve(*name) if name else net.names.take()
    index = len(net.person_specs)
    net.person_specs[(last, first)] = {
        "last_name": last, "first_name": first, "kind": kind,
        "email": demo_email(first, last),
        "orcid": demo_orcid(index) if orcid and index % 5 else "",
        "organisation_id": organisation.pk if organisation else None,
        "team_id": team.pk if team else None,
        # One researcher or clinician in three agreed to be named on the public site; patient
        # partners, students and contacts did not (they are only counted there).
        "public_consent_on": (
            date(2022, 10, 1 + index % 28)
            if kind in (Person.Kind.RESEARCHER, Person.Kind.CLINICIAN) and index % 3 == 0
            else None
        ),
    }
    return (last, first)


def _plan_people(net: Network) -> None:
    P = Person.Kind
    leader_keys = []
    for team in net.teams:
        kind = P.CLINICIAN if team.obj.kind == Team.Kind.CLINICAL else P.RESEARCHER
        leader_keys.append(
            _add_person(net, kind, organisation=net.orgs[team.host], team=team.obj)
        )
    academic = [t for t in net.teams if t.obj.kind == Team.Kind.ACADEMIC and t.last_year == 2025]
    student_keys = [
        _add_person(net, P.DOCTORAL_STUDENT, organisation=net.orgs[t.host], team=t.obj)
        for t in (academic[(i * 13) % len(academic)] for i in range(DOCTORAL_STUDENTS))
    ]
    patient_keys = [
        _add_person(net, P.PATIENT_PARTNER, orcid=False) for _ in range(PATIENT_PARTNERS)
    ]
    expert_keys = [
        _add_person(net, P.RESEARCHER, organisation=net.orgs[code])
        for code, count in EXPERTS for _ in range(count)
    ]
    staff_keys = [
        _add_person(net, P.STAFF, organisation=net.orgs["clara"], orcid=False)
        for _ in range(STAFF)
    ]
    # One contact per company that partners a project, wins a trophy or speaks.
    with_contact = [
        c for c in net.companies
        if c.oncology and (c.index < 40 or c.active_from.year >= 2021)
    ]
    contact_keys = {
        c.index: _add_person(net, P.COMPANY_CONTACT, organisation=c.obj, orcid=False)
        for c in with_contact
    }
    # Master students hosted from Shanghai Jiao Tong University (2025 first).
    guest_keys = [
        _add_person(net, P.OTHER, orcid=False, name=name)
        for name in (("Wei", "Zhang"), ("Li", "Chen"), ("Yu", "Wang"), ("Mei", "Liu"))
    ]

    net.pending = {
        "leaders": leader_keys, "students": student_keys, "patients": patient_keys,
        "experts": expert_keys, "staff": staff_keys, "contacts": contact_keys,
        "guests": guest_keys,
    }


def _sync_people(net: Network) -> None:
    net.persons = sync_rows(Person, ["last_name", "first_name"], net.person_specs.values())
    pending = net.pending
    for team, key in zip(net.teams, pending["leaders"], strict=True):
        team.leader = net.persons[key]
    net.students = [net.persons[k] for k in pending["students"]]
    net.patients = [net.persons[k] for k in pending["patients"]]
    net.experts = [net.persons[k] for k in pending["experts"]]
    net.staff = [net.persons[k] for k in pending["staff"]]
    net.contacts = {i: net.persons[k] for i, k in pending["contacts"].items()}
    net.guests = [net.persons[k] for k in pending["guests"]]
    for person in net.staff:
        net.need_account(person, is_staff=True)


def _sync_team_leaders(net: Network) -> None:
    sync_rows(Team, ["organisation_id", "name"], [
        {"organisation_id": t.obj.organisation_id, "name": t.obj.name, "leader_id": t.leader.pk}
        for t in net.teams
    ])


def _sync_census(net: Network) -> None:
    rows = []
    for year in plan.YEARS:
        for site in plan.SITE_SLUGS:
            teams = net.teams_in(year, site)
            weights = [6 + (t.index * 37) % 17 for t in teams]
            for team, headcount in zip(
                teams, allocate(plan.RESEARCHERS[year][site], weights), strict=True
            ):
                doctoral = headcount * (22 + (team.index * 13) % 7 * 2) // 100
                rows.append({
                    "team_id": team.obj.pk, "year": year,
                    "researchers": headcount - doctoral, "doctoral_students": doctoral,
                })
        teams = net.teams_in(year)
        weights = [
            40 + (t.index * 7) % 5 * 10 if t.clinical else (t.index % 3) * 3 for t in teams
        ]
        by_team = dict(zip(
            (t.obj.pk for t in teams),
            allocate(plan.HEALTH_PROFESSIONALS[year], weights),
            strict=True,
        ))
        for row in rows:
            if row["year"] == year:
                row["health_professionals"] = by_team[row["team_id"]]
    sync_rows(TeamCensus, ["team_id", "year"], rows)


def sync_accounts(net: Network) -> None:
    """Create the user accounts marked with `need_account` and link them to their person.
    Only the three documented demo accounts get the public demo password."""
    demo_hash = None
    rows = []
    demo_emails = set(DEMO_ACCOUNTS.values())
    for key, spec in sorted(net.accounts.items()):
        person = net.persons[key]
        email = spec["email"] or person.email
        if email in demo_emails and demo_hash is None:
            demo_hash = make_password(DEMO_PASSWORD)
        rows.append({
            "email": email, "first_name": person.first_name, "last_name": person.last_name,
            "is_staff": spec["is_staff"], "is_active": True,
            "date_joined": datetime(2022, 11, 1 + len(rows) % 28, 9, 0, tzinfo=PARIS),
            "password": demo_hash if email in demo_emails else NO_LOGIN_PASSWORD,
        })
    users = sync_rows(User, ["email"], rows, create_only=["password"])
    # The demo accounts log in through the site's login page, which requires a verified
    # address (allauth, ACCOUNT_EMAIL_VERIFICATION).
    for email in sorted(demo_emails):
        if (email,) in users:
            EmailAddress.objects.get_or_create(
                user=users[(email,)], email=email, defaults={"verified": True, "primary": True}
            )
    person_rows = []
    for (key, _spec), row in zip(sorted(net.accounts.items()), rows, strict=True):
        person = net.persons[key]
        person_rows.append({
            "last_name": person.last_name, "first_name": person.first_name,
            "user_id": users[(row["email"],)].pk,
        })
    sync_rows(Person, ["last_name", "first_name"], person_rows)
    for (key, _spec), row in zip(sorted(net.accounts.items()), rows, strict=True):
        net.persons[key].user = users[(row["email"],)]


def _sync_working_groups(net: Network) -> None:
    rows = [
        {"name": name, "acronym": acronym, "started_on": started, "description": text}
        for name, acronym, started, text in WORKING_GROUPS
    ]
    synced = sync_rows(WorkingGroup, ["name"], rows)
    leaders = [t.leader for t in net.teams if t.last_year == 2025]
    members = {
        "Expérience patient CLARA": net.patients + leaders[:3],
        "Drug discovery en oncologie": leaders[10:19] + [net.contacts[i] for i in (0, 3, 7)],
        "Modèles économiques de la prévention": leaders[40:47],
        "Biologie spatiale": leaders[60:68],
    }
    pairs = []
    for name, acronym, *_rest in WORKING_GROUPS:
        group = synced[(name,)]
        net.working_groups[acronym or name] = group
        pairs += [(group.pk, p.pk) for p in members[name]]
    sync_links(WorkingGroup.members, pairs, [g.pk for g in synced.values()])
