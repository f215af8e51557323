"""Figure labels that agree with their number: "1 formation", "3 formations".

The catalogue (`selectors.py`) gives each figure its label in the plural, as the report prints
it. This table gives the same label as an `npgettext` pair (context "chiffre clef"), keyed by
that plural (French) label: "1 formation", "0 formations", "12 formations". A test checks that
every counted figure has its pair and that the pair's plural is the catalogue's label in both
languages. "soirée grand public" is the one label the report prints in the singular (there is
one a year): it has no pair.
"""

from django.utils import translation
from django.utils.translation import npgettext_lazy

PLURAL_FORMS = {
    "équipes académiques et cliniques": npgettext_lazy("chiffre clef", "équipe académique et clinique", "équipes académiques et cliniques", "n"),
    "chercheurs et doctorants en cancérologie": npgettext_lazy("chiffre clef", "chercheur ou doctorant en cancérologie", "chercheurs et doctorants en cancérologie", "n"),
    "professionnels de santé en cancérologie": npgettext_lazy("chiffre clef", "professionnel de santé en cancérologie", "professionnels de santé en cancérologie", "n"),
    "entreprises visant le marché de la cancérologie": npgettext_lazy("chiffre clef", "entreprise visant le marché de la cancérologie", "entreprises visant le marché de la cancérologie", "n"),
    "projets de recherche financés": npgettext_lazy("chiffre clef", "projet de recherche financé", "projets de recherche financés", "n"),
    "domaines d'innovation": npgettext_lazy("chiffre clef", "domaine d'innovation", "domaines d'innovation", "n"),
    "demandes de financement": npgettext_lazy("chiffre clef", "demande de financement", "demandes de financement", "n"),
    "projets accompagnés et conseillés": npgettext_lazy("chiffre clef", "projet accompagné et conseillé", "projets accompagnés et conseillés", "n"),
    "événements organisés ou soutenus": npgettext_lazy("chiffre clef", "événement organisé ou soutenu", "événements organisés ou soutenus", "n"),
    "personnes réunies": npgettext_lazy("chiffre clef", "personne réunie", "personnes réunies", "n"),
    "groupes de travail accompagnés": npgettext_lazy("chiffre clef", "groupe de travail accompagné", "groupes de travail accompagnés", "n"),
    "sessions d'information": npgettext_lazy("chiffre clef", "session d'information", "sessions d'information", "n"),
    "jours": npgettext_lazy("chiffre clef", "jour", "jours", "n"),
    "participants": npgettext_lazy("chiffre clef", "participant", "participants", "n"),
    "intervenants": npgettext_lazy("chiffre clef", "intervenant", "intervenants", "n"),
    "posters vulgarisés": npgettext_lazy("chiffre clef", "poster vulgarisé", "posters vulgarisés", "n"),
    "posters scientifiques": npgettext_lazy("chiffre clef", "poster scientifique", "posters scientifiques", "n"),
    "trophées à de jeunes start-up": npgettext_lazy("chiffre clef", "trophée à une jeune start-up", "trophées à de jeunes start-up", "n"),
    "ateliers participatifs": npgettext_lazy("chiffre clef", "atelier participatif", "ateliers participatifs", "n"),
    "événements soutenus financièrement": npgettext_lazy("chiffre clef", "événement soutenu financièrement", "événements soutenus financièrement", "n"),
    "prix posters remis par le CLARA": npgettext_lazy("chiffre clef", "prix poster remis par le CLARA", "prix posters remis par le CLARA", "n"),
    "projets en cours de réalisation et de suivi": npgettext_lazy("chiffre clef", "projet en cours de réalisation et de suivi", "projets en cours de réalisation et de suivi", "n"),
    "projets déposés dans le cadre du programme Émergence": npgettext_lazy("chiffre clef", "projet déposé dans le cadre du programme Émergence", "projets déposés dans le cadre du programme Émergence", "n"),
    "entreprises partenaires accompagnées": npgettext_lazy("chiffre clef", "entreprise partenaire accompagnée", "entreprises partenaires accompagnées", "n"),
    "projets financés": npgettext_lazy("chiffre clef", "projet financé", "projets financés", "n"),
    "projets retenus": npgettext_lazy("chiffre clef", "projet retenu", "projets retenus", "n"),
    "auditions": npgettext_lazy("chiffre clef", "audition", "auditions", "n"),
    "clefs d'entrée": npgettext_lazy("chiffre clef", "clef d'entrée", "clefs d'entrée", "n"),
    "sessions d'information dédiées": npgettext_lazy("chiffre clef", "session d'information dédiée", "sessions d'information dédiées", "n"),
    "comités départementaux de la Ligue contre le cancer": npgettext_lazy("chiffre clef", "comité départemental de la Ligue contre le cancer", "comités départementaux de la Ligue contre le cancer", "n"),
    "formations": npgettext_lazy("chiffre clef", "formation", "formations", "n"),
    "partenariats avec une école d'été": npgettext_lazy("chiffre clef", "partenariat avec une école d'été", "partenariats avec une école d'été", "n"),
    "mobilités de jeunes chercheurs": npgettext_lazy("chiffre clef", "mobilité de jeune chercheur", "mobilités de jeunes chercheurs", "n"),
    "conférences internationales soutenues": npgettext_lazy("chiffre clef", "conférence internationale soutenue", "conférences internationales soutenues", "n"),
    "enseignants mobilisés": npgettext_lazy("chiffre clef", "enseignant mobilisé", "enseignants mobilisés", "n"),
    "étudiants accueillis": npgettext_lazy("chiffre clef", "étudiant accueilli", "étudiants accueillis", "n"),
    "délégations": npgettext_lazy("chiffre clef", "délégation", "délégations", "n"),
    "appels d'offres": npgettext_lazy("chiffre clef", "appel d'offres", "appels d'offres", "n"),
    "prix du meilleur poster": npgettext_lazy("chiffre clef", "prix du meilleur poster", "prix du meilleur poster", "n"),
    "projets lauréats Oncostarter Blanc": npgettext_lazy("chiffre clef", "projet lauréat Oncostarter Blanc", "projets lauréats Oncostarter Blanc", "n"),
    "projets lauréats Oncostarter Thématisé": npgettext_lazy("chiffre clef", "projet lauréat Oncostarter Thématisé", "projets lauréats Oncostarter Thématisé", "n"),
    "projets lauréats Oncostarter Interface": npgettext_lazy("chiffre clef", "projet lauréat Oncostarter Interface", "projets lauréats Oncostarter Interface", "n"),
    "pays de destination": npgettext_lazy("chiffre clef", "pays de destination", "pays de destination", "n"),
    "publications des projets financés": npgettext_lazy("chiffre clef", "publication des projets financés", "publications des projets financés", "n"),
    "brevets déposés": npgettext_lazy("chiffre clef", "brevet déposé", "brevets déposés", "n"),
    "essais cliniques": npgettext_lazy("chiffre clef", "essai clinique", "essais cliniques", "n"),
    "produits mis sur le marché": npgettext_lazy("chiffre clef", "produit mis sur le marché", "produits mis sur le marché", "n"),
    "emplois R&D créés": npgettext_lazy("chiffre clef", "emploi R&D créé", "emplois R&D créés", "n"),
}


# A label of one programme's figure: "projets financés — Oncostarter"; the part before
# the dash agrees with the number, the programme's name stays.
DASH = " — "


def label_for(figure, value) -> str:
    """`figure`'s label agreeing with `value` (the catalogue's label when it has no pair)."""
    with translation.override("fr"):
        plural = str(figure.label)
    label = str(figure.label)
    if figure.unit not in ("count", "sum", "days"):
        return label
    if (forms := PLURAL_FORMS.get(plural)) is not None:
        return forms % {"n": int(value)}
    head, dash, _tail = plural.partition(DASH)
    if dash and (forms := PLURAL_FORMS.get(head)) is not None and DASH in label:
        return forms % {"n": int(value)} + DASH + label.partition(DASH)[2]
    return label
