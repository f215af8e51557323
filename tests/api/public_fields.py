"""The allowlist of the public API: every key an answer may hold, per schema component.

The columns of `clara/public.py` give most of them (`HEADER_KEYS`: each public column of a
model and the API keys that carry it; `test_public_fields.py` checks that the columns are the
ones of clara/public.py, so a column added or removed there is noticed here). A funded
project's row is the public list's download (`projects.public_views._rows`). The remaining
keys are identifiers, links to the public pages, counts and labels the public pages show;
each is listed below with why it is public. Nothing here is read from the API's own code:
a field added to a serializer fails the tests until it is added here.
"""

from clara.network.models import Organisation
from events.models import Event, Poster, Prize
from programmes.models import Call
from projects.models import Outcome

IDENTITY = {"id", "url"}

# Per model: French header of a public column → the API keys that carry it.
HEADER_KEYS = {
    Call: {"Appel": {"title"}, "Programme": {"programme"}, "Clôture": {"closes_at"}},
    Event: {"Événement": {"title"}, "Type": {"kind", "kind_label"}, "Date": {"start_date"},
            "Site": {"site"}, "Participants": {"participants"},
            "Subvention": {"award_amount_eur"}},
    Organisation: {"Organisation": {"name"}, "Ville": {"city"}, "Site": {"site"}},
    # "Projet" is the project the outcome belongs to: the outcome is nested in it.
    Outcome: {"Projet": set(), "Type": {"kind", "kind_label"}, "Résultat": {"title"},
              "Date": {"date"}, "Identifiant": {"identifier", "identifier_url"},
              "Emplois": {"jobs"}, "Financement obtenu": {"amount_eur"}},
    Poster: {"Poster": {"title"}, "Type": {"kind"}},
    Prize: {"Prix": {"label"}, "Type": {"kind"}, "Lauréat": {"laureate"}},
}


def _columns(model) -> set[str]:
    return set().union(*HEADER_KEYS[model].values())


# What the public pages show beyond the columns (a call holds no personal data; an event's
# counts; a partner's kind and number of projects).
CALL = _columns(Call) | {"slug", "url", "track", "theme", "opens_at", "state", "budget_eur",
                         "max_requested_amount_eur"}
EVENT = _columns(Event) | IDENTITY | {"role", "role_label", "end_date", "venue",
                                      "speakers_count", "posters_count", "prizes_count",
                                      "sessions_count"}
ORGANISATION = _columns(Organisation) | IDENTITY | {"acronym", "kind", "kind_label",
                                                    "projects_count"}


def project_row_keys() -> set[str]:
    """The keys of a row of the public list's download (`/projets/?format=json`)."""
    from projects.public_views import _rows
    from projects.selectors import funded_project_list_public

    project = funded_project_list_public().first()
    assert project is not None, "a funded project is needed to read the download's columns"
    return set(next(_rows([project])))


def allowed(project_row: set[str]) -> dict[str, set[str]]:
    """Allowed keys per component of the OpenAPI description."""
    project_detail = project_row | {
        "title", "acronym", "track", "domain", "end_date", "public_summary",
        # Named only with their recorded consent (checked by the tests), the others counted.
        "principal_investigator", "co_applicants", "co_applicants_unnamed",
        "teams", "partner_companies", "contributions", "statuses", "outcomes"}
    figure = {"key", "section", "section_label", "label", "value", "unit", "display",
              "definition"}
    page = {"count", "next", "previous", "results"}
    return {
        "Project": project_row,
        "ProjectDetail": project_detail,
        "Team": {"name", "organisation", "site"},
        "Contribution": {"funder", "amount_eur"},
        "YearStatus": {"year", "status", "status_label"},
        "Outcome": _columns(Outcome),
        "Call": CALL,
        "CallDetail": CALL | {"description", "eligibility_rules", "criteria",
                              "required_documents", "cofunders", "domains", "sites"},
        "Criterion": {"label", "description", "max_score", "weight"},
        "RequiredDocument": {"label", "mandatory"},
        "Event": EVENT,
        "EventDetail": EVENT | {"description", "parent", "organiser", "call", "working_group",
                                "sessions", "speakers", "posters", "prizes", "survey"},
        # Speakers counted per profile, named only with consent (PUBLIC[EventSpeaker]).
        "SpeakerGroup": {"profile", "count", "named"},
        "Poster": _columns(Poster) | {"presenter"},
        "Prize": _columns(Prize),
        "Survey": {"answers", "mean_rating", "recommend_percent"},
        "Organisation": ORGANISATION,
        "OrganisationDetail": ORGANISATION | {"funder_projects_count", "funder_total_eur"},
        "Figure": figure,
        "PeriodFigure": figure | {"rule", "rule_label"},
        "YearFigures": {"year", "figures"},
        "PeriodFigures": {"start", "end", "figures"},
        "PublishedYear": {"year", "url"},
        "Error": {"detail"},
        "PaginatedProjectList": page,
        "PaginatedCallList": page,
        "PaginatedEventList": page,
        "PaginatedOrganisationList": page,
    }


def component_of(schema: dict) -> str | None:
    ref = schema.get("$ref") or next(
        (s.get("$ref") for s in schema.get("allOf", []) if "$ref" in s), None)
    return ref.rsplit("/", 1)[-1] if ref else None


def outside(data, schema: dict, components: dict, allow: dict[str, set[str]],
            where: str = "") -> list[str]:
    """The keys of `data` outside the allowlist of the component that describes them,
    walking `data` along its `schema` (an OpenAPI schema with `$ref`s to `components`)."""
    found = []
    name = component_of(schema)
    if name is not None:
        schema = components[name]
        if "properties" not in schema:  # a value's component (an enumeration)
            return [] if not isinstance(data, dict | list) else [f"{where}: not a value"]
        if name not in allow:
            return [f"{where or '/'}: component {name} has no allowlist"]
    if isinstance(data, dict):
        if name is None:  # every object of an answer is a component with its allowlist
            return [f"{where or '/'}: an object without a component"]
        found += [f"{where}/{key} ({name})" for key in data if key not in allow[name]]
        for key, value in data.items():
            found += outside(value, schema.get("properties", {}).get(key, {}), components,
                             allow, f"{where}/{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += outside(value, schema.get("items", {}), components, allow,
                             f"{where}/{index}")
    return found
