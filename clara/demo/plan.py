"""The scenario of the demo network for 2023, 2024 and 2025: how many records of each kind to
build. The key figures are never stored; they come out of aggregating the records built from
these counts (2025 matches the "Bilan d'activité — chiffres-clefs 2025")."""

YEARS = (2023, 2024, 2025)
SITE_SLUGS = ("lyon", "grenoble", "clermont-ferrand", "saint-etienne")

# --- Teams and their census -------------------------------------------------------------
# Teams existing in 2025 per site; teams created in 2024/2025; teams dissolved after a year.
TEAMS_2025 = {"lyon": 115, "grenoble": 52, "clermont-ferrand": 25, "saint-etienne": 18}
TEAMS_CREATED = {
    2024: {"lyon": 3, "grenoble": 1, "clermont-ferrand": 1, "saint-etienne": 1},
    2025: {"lyon": 4, "grenoble": 2, "saint-etienne": 1},
}
TEAMS_LAST_CENSUS = {
    2023: {"grenoble": 1},
    2024: {"lyon": 1, "clermont-ferrand": 1},
}
# Researchers + doctoral students in oncology, per site and year.
RESEARCHERS = {
    2023: {"lyon": 1790, "grenoble": 790, "clermont-ferrand": 320, "saint-etienne": 180},
    2024: {"lyon": 1850, "grenoble": 820, "clermont-ferrand": 340, "saint-etienne": 190},
    2025: {"lyon": 1900, "grenoble": 850, "clermont-ferrand": 350, "saint-etienne": 200},
}
HEALTH_PROFESSIONALS = {2023: 3310, 2024: 3420, 2025: 3500}

# --- Companies developing oncology products ---------------------------------------------
COMPANIES_2025 = {"lyon": 75, "grenoble": 29, "clermont-ferrand": 9, "saint-etienne": 7}
COMPANIES_CREATED = {
    2024: {"lyon": 5, "grenoble": 3, "clermont-ferrand": 1},
    2025: {"lyon": 5, "grenoble": 2, "saint-etienne": 1},
}
COMPANIES_CLOSED = {  # year of active_until
    2023: {"lyon": 1, "clermont-ferrand": 1},
    2024: {"lyon": 2, "grenoble": 1},
}

# --- Calls -------------------------------------------------------------------------------
# Per call code and year: submitted applications (neither draft nor withdrawn), selected,
# ineligible among the non-selected; drafts and withdrawn ones on top.
CALLS = {
    2023: {
        "blanc": {"submitted": 19, "selected": 7, "ineligible": 2},
        "thematise": {"submitted": 8, "selected": 3, "ineligible": 1},
        "poc": {"submitted": 6, "selected": 5, "ineligible": 0},
        "maillage": {"submitted": 4, "selected": 3, "ineligible": 0},
        "manif": {"submitted": 13, "selected": 12, "ineligible": 1},
        "mobilite": {"submitted": 7, "selected": 7, "ineligible": 0},
    },
    2024: {
        "blanc": {"submitted": 18, "selected": 5, "ineligible": 1},
        "thematise": {"submitted": 8, "selected": 2, "ineligible": 1},
        "interface": {"submitted": 7, "selected": 1, "ineligible": 0},
        "poc": {"submitted": 5, "selected": 4, "ineligible": 0},
        "maillage": {"submitted": 2, "selected": 2, "ineligible": 0},
        "manif": {"submitted": 15, "selected": 15, "ineligible": 0},
        "mobilite": {"submitted": 9, "selected": 9, "ineligible": 0},
    },
    2025: {
        "blanc": {"submitted": 20, "selected": 4, "ineligible": 2, "drafts": 2, "withdrawn": 1},
        "thematise": {"submitted": 8, "selected": 2, "ineligible": 1, "auditions": 2},
        "interface": {"submitted": 8, "selected": 1, "ineligible": 1},
        "poc": {"submitted": 4, "selected": 3, "ineligible": 0},
        "maillage": {"submitted": 2, "selected": 2, "ineligible": 0},
        "manif": {"submitted": 17, "selected": 16, "ineligible": 0},
        "mobilite": {"submitted": 11, "selected": 11, "ineligible": 0},
    },
}

THEMES = {
    2023: "Cancers et environnement",
    2024: "Prévention et dépistage",
    2025: "Expérience patient",
}

# --- Awards and their split between funders (euros) -----------------------------------------
LIGUE_DEPARTMENTS = [
    # (department, "de l'"/"du"/"de la" form, site slug or None)
    ("Allier", "de l'Allier", "clermont-ferrand"),
    ("Ardèche", "de l'Ardèche", None),
    ("Cantal", "du Cantal", "clermont-ferrand"),
    ("Drôme", "de la Drôme", None),
    ("Haute-Loire", "de la Haute-Loire", "clermont-ferrand"),
    ("Isère", "de l'Isère", "grenoble"),
    ("Loire", "de la Loire", "saint-etienne"),
    ("Puy-de-Dôme", "du Puy-de-Dôme", "clermont-ferrand"),
    ("Rhône", "du Rhône", "lyon"),
    ("Savoie", "de la Savoie", None),
]


def _ligue(department: str) -> str:
    return f"ligue-{department}"


# Oncostarter awards: per year, per track, one dict of funder code -> amount per award.
ONCOSTARTER_AWARDS = {
    2025: {
        "blanc": [
            {"inca": 20_000, _ligue("Rhône"): 20_000},
            {"inca": 20_000, _ligue("Isère"): 12_000, _ligue("Savoie"): 8_000},
            {"inca": 20_000, _ligue("Puy-de-Dôme"): 12_000, _ligue("Allier"): 8_000},
            {"inca": 20_000, _ligue("Loire"): 20_000},
        ],
        "interface": [
            {"inca": 25_000, _ligue("Drôme"): 10_000, _ligue("Ardèche"): 5_000},
        ],
        "thematise": [
            {"inca": 17_500, _ligue("Haute-Loire"): 10_000, _ligue("Cantal"): 10_000},
            {"inca": 17_500, _ligue("Rhône"): 20_000},
        ],
    },
    2024: {
        "blanc": [
            {"inca": 17_500, _ligue(d): 15_000}
            for d in ("Rhône", "Isère", "Loire", "Puy-de-Dôme", "Savoie")
        ],
        "interface": [{"inca": 17_500, _ligue("Drôme"): 15_000}],
        "thematise": [
            {"inca": 17_500, _ligue("Allier"): 15_000},
            {"inca": 17_500, _ligue("Haute-Loire"): 15_000},
        ],
    },
    2023: {
        "blanc": [
            {"inca": 12_500, _ligue(d): 12_500}
            for d in ("Rhône", "Isère", "Loire", "Puy-de-Dôme", "Savoie", "Drôme", "Allier")
        ],
        "thematise": [
            {"inca": 12_500, _ligue(d): 12_500} for d in ("Rhône", "Isère", "Loire")
        ],
    },
}

# Preuve du Concept: public contributions and the partner companies' planned investments.
POC_AWARDS = {
    2025: [
        ({"region": 180_000, "metropole-lyon": 100_000}, [300_000]),
        ({"region": 250_000}, [200_000, 70_000]),
        ({"region": 121_000, "metropole-lyon": 100_000}, [250_000]),
    ],
    2024: [
        ({"region": 150_000, "metropole-lyon": 60_000}, [240_000]),
        ({"region": 180_000}, [150_000, 60_000]),
        ({"region": 120_000, "metropole-lyon": 60_000}, [200_000]),
        ({"region": 130_000}, [110_000]),
    ],
    2023: [
        ({"region": 100_000, "metropole-lyon": 40_000}, [180_000]),
        ({"region": 120_000}, [150_000]),
        ({"region": 90_000, "metropole-lyon": 40_000}, [100_000, 50_000]),
        ({"region": 110_000}, [120_000]),
        ({"region": 140_000}, [160_000]),
    ],
}

# Projets structurants / Maillage du territoire: the report's named projects.
STRUCTURING = {
    2023: [
        ("GERME", "saint-etienne", {"saint-etienne-metropole": 90_000}),
        ("EXPERTISE", "lyon", {"metropole-lyon": 80_000}),
        ("ASTEROPA1", "lyon", {"metropole-lyon": 100_000}),
    ],
    2024: [
        ("PERCO", "saint-etienne", {"saint-etienne-metropole": 110_000}),
        ("ASTEROPA2", "lyon", {"metropole-lyon": 130_000}),
    ],
    2025: [
        ("CASECM", "saint-etienne", {"saint-etienne-metropole": 140_000}),
        ("ASTEROPA3", "lyon", {"metropole-lyon": 150_000}),
    ],
}
STRUCTURING_NOT_SELECTED = {2023: [("RESONCO", "grenoble")]}

# --- Supported scientific events: subsidy and attendance, one pair per event ------------------
SUPPORTED_EVENTS = {
    2025: list(zip(
        [1500, 1500, 1200, 1200, 1000, 1000, 1000, 1000, 800, 800, 800, 750, 600, 500, 400, 300],
        [650, 560, 480, 420, 380, 350, 320, 300, 260, 240, 200, 180, 140, 110, 70, 45],
        strict=True,
    )),
    2024: list(zip(
        [1500, 1200, 1200, 1000, 1000, 1000, 1000, 900, 800, 800, 800, 700, 500, 500, 300],
        [600, 520, 450, 400, 360, 330, 300, 280, 240, 210, 180, 130, 80, 40, 30],
        strict=True,
    )),
    2023: list(zip(
        [1500, 1200, 1000, 1000, 1000, 800, 800, 800, 600, 500, 500, 300],
        [550, 480, 420, 380, 330, 300, 260, 220, 180, 120, 60, 40],
        strict=True,
    )),
}
# Poster prizes handed out by CLARA at supported events.
SUPPORTED_EVENT_PRIZES = {2023: 1, 2024: 1, 2025: 2}

# --- Mobilities: (amount, country, host institution) ------------------------------------------
MOBILITIES = {
    2025: [
        (500, "CA", "Princess Margaret Cancer Centre, Toronto"),
        (600, "CA", "Centre de recherche du CHUM, Montréal"),
        (700, "DE", "Deutsches Krebsforschungszentrum (DKFZ), Heidelberg"),
        (500, "DE", "Max-Delbrück-Centrum, Berlin"),
        (500, "FR", "Institut Curie, Paris"),
        (600, "IT", "Istituto Europeo di Oncologia, Milan"),
        (700, "PT", "Fondation Champalimaud, Lisbonne"),
        (600, "CH", "Université de Lausanne"),
        (500, "CH", "Université de Genève"),
        (700, "US", "Memorial Sloan Kettering Cancer Center, New York"),
        (600, "US", "MD Anderson Cancer Center, Houston"),
    ],
    2024: [
        (600, "CA", "Centre de recherche du CHUM, Montréal"),
        (700, "US", "Dana-Farber Cancer Institute, Boston"),
        (700, "US", "Fred Hutchinson Cancer Center, Seattle"),
        (600, "DE", "Deutsches Krebsforschungszentrum (DKFZ), Heidelberg"),
        (600, "BE", "Institut de Duve, Bruxelles"),
        (600, "ES", "Centro Nacional de Investigaciones Oncológicas (CNIO), Madrid"),
        (700, "CH", "Université de Genève"),
        (600, "GB", "Francis Crick Institute, Londres"),
        (700, "NL", "Netherlands Cancer Institute, Amsterdam"),
    ],
    2023: [
        (500, "CA", "Princess Margaret Cancer Centre, Toronto"),
        (500, "US", "Memorial Sloan Kettering Cancer Center, New York"),
        (600, "DE", "Max-Delbrück-Centrum, Berlin"),
        (600, "IT", "Istituto Europeo di Oncologia, Milan"),
        (700, "ES", "Centro Nacional de Investigaciones Oncológicas (CNIO), Madrid"),
        (700, "BE", "Institut de Duve, Bruxelles"),
        (600, "CH", "Université de Lausanne"),
    ],
}

# --- Forum de la recherche en cancérologie ---------------------------------------------------
FORUMS = {
    2025: {
        "dates": ((10, 9), (10, 10)), "site": "lyon",
        "venue": "Espace Tête d'Or, Villeurbanne", "participants": 250, "speakers": 50,
        "lay_posters": 25, "scientific_posters": 50, "poster_prizes": 10, "trophies": 3,
        "workshops": [
            "Transfert de connaissances",
            "Drug Discovery et ciblage thérapeutique",
            "Plan de gestion de données",
            "Comment monter un réseau de recherche et travailler en consortium",
        ],
    },
    2024: {
        "dates": ((10, 10), (10, 11)), "site": "grenoble",
        "venue": "Minatec, Grenoble", "participants": 230, "speakers": 44,
        "lay_posters": 20, "scientific_posters": 45, "poster_prizes": 8, "trophies": 2,
        "workshops": [
            "Science ouverte et publication des données",
            "Du laboratoire à la start-up : valorisation",
            "Patients partenaires dans les projets de recherche",
        ],
    },
    2023: {
        "dates": ((10, 12), (10, 12)), "site": "clermont-ferrand",
        "venue": "Polydôme, Clermont-Ferrand", "participants": 180, "speakers": 35,
        "lay_posters": 15, "scientific_posters": 40, "poster_prizes": 6, "trophies": 2,
        "workshops": [
            "Rédiger un projet européen",
            "Intelligence artificielle et imagerie en oncologie",
        ],
    },
}

PUBLIC_EVENINGS = {
    2025: {
        "title": (
            "Chercher, créer, s'engager : le cancer comme source de projets entre chercheurs "
            "et patients partenaires – parler du cancer autrement"
        ),
        "date": (11, 20), "site": "lyon", "venue": "Hôtel de Ville de Lyon",
        "participants": 60,
        "ratings": [(5, True)] * 24 + [(4, True)] * 16,  # 4,6/5 and 100 %
    },
    2024: {
        "title": "Prévenir les cancers : ce que la recherche change au quotidien",
        "date": (11, 14), "site": "saint-etienne", "venue": "La Rotonde, Saint-Étienne",
        "participants": 75,
        "ratings": [(5, True)] * 15 + [(4, True)] * 12 + [(3, True)] * 1 + [(3, False)] * 2,
    },
    2023: {
        "title": "Vivre avec et après un cancer : la recherche en dialogue avec les patients",
        "date": (11, 16), "site": "clermont-ferrand",
        "venue": "Maison de la Culture, Clermont-Ferrand", "participants": 48,
        "ratings": [(5, True)] * 10 + [(4, True)] * 10 + [(3, True)] * 2 + [(3, False)] * 3,
    },
}

TRAININGS = {
    2025: ("Les nouveaux paradigmes des réseaux sociaux post COVID", (3, 27), 22),
    2024: ("Rédiger un résumé grand public de son projet de recherche", (4, 11), 18),
    2023: ("Les bases du plan de gestion des données de recherche", (5, 23), 25),
}

# Information sessions: (call code presented, date, participants).
INFO_SESSIONS = {
    2025: [("thematise", (1, 28), 45), ("maillage", (2, 18), 38)],
    2024: [("interface", (1, 30), 52)],
    2023: [("poc", (2, 7), 40)],
}

INTERNATIONAL_CONFERENCES = {
    2025: [
        "Intelligence artificielle et oncologie de précision",
        "Vieillissement et cancer : regards croisés France-Québec",
    ],
    2024: [
        "Immunothérapies des cancers : de la recherche à la clinique",
        "Santé environnementale et prévention des cancers",
    ],
    2023: ["Données de santé et recherche en cancérologie"],
}

TEACHERS = {2023: 4, 2024: 5, 2025: 6}
STUDENTS_HOSTED = {2023: 1, 2024: 2, 2025: 1}
SUPPORT_ACTIONS = {2023: 58, 2024: 64, 2025: 70}
