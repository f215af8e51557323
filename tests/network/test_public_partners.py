"""The public pages of partners and funders (`/partenaires/`): who is a partner, what counts,
filters, what is never shown, bounded queries, both languages; and the footer's funders."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clara.network.models import Organisation
from clara.network.public_selectors import footer_funders
from tests import factories as f

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"


def _funded(*, teams=(), companies=(), contributions=(), name=None, programme=None,
            year=2025, funded=True):
    """A selected application with `teams` and partner `companies`, its award decided in
    `year` with `contributions` ((funder, amount), ...), and its funded project (unless
    `funded` is False: an award that CLARA does not follow as a project)."""
    call = f.CallFactory(**({"programme": programme} if programme else {}), year=year)
    application = f.ApplicationFactory(call=call, status="selected", teams=list(teams),
                                       partner_companies=list(companies))
    award = f.AwardFactory(application=application, decided_at=f.paris(year, 6, 20, 14))
    for funder, amount in contributions:
        f.ContributionFactory(award=award, funder=funder, amount=Decimal(amount))
    if not funded:
        return award
    return f.FundedProjectFactory(award=award, **({"name": name} if name else {}))


def _get(client, url):
    caches["public"].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, len(queries.captured_queries)


def _partner_links(html: str) -> list[str]:
    return re.findall(r'href="/partenaires/(\d+)/"', html)


# --- funders --------------------------------------------------------------------------------

def test_funders_show_their_funded_projects_and_contributions_only(client):
    inca = f.FunderFactory(name="Institut National du Cancer", kind="national_body")
    region = f.FunderFactory(name="Région Auvergne-Rhône-Alpes", kind="local_authority")
    unfunded_only = f.FunderFactory(name="Financeur Sans Projet")
    _funded(contributions=[(inca, "20000"), (region, "100000")])
    _funded(contributions=[(inca, "15000.50")])
    # An award without a funded project counts nowhere.
    _funded(contributions=[(inca, "99999"), (unfunded_only, "5000")], funded=False)

    page = client.get("/partenaires/").content.decode()
    assert "Financeur Sans Projet" not in page
    inca_row = re.search(r"Institut National du Cancer.*?</tr>", page, re.S).group(0)
    assert "Organisme national" in inca_row
    assert f'href="/projets/?financeur={inca.pk}"' in inca_row
    assert re.search(r">2 projets<", inca_row)
    assert f"35{NNBSP}000,50\u00a0€" in inca_row
    region_row = re.search(r"Région Auvergne-Rhône-Alpes.*?</tr>", page, re.S).group(0)
    assert re.search(r">1 projet<", region_row) and f"100{NNBSP}000\u00a0€" in region_row
    # Largest total first.
    assert page.index("Région Auvergne-Rhône-Alpes") < page.index("Institut National du Cancer")


def test_the_funder_link_gives_the_same_projects_as_its_count(client):
    ligue = f.FunderFactory(name="Comité du Rhône de la Ligue")
    for index in range(3):
        _funded(contributions=[(ligue, "1000")], name=f"LIGUE{index}")
    _funded(contributions=[(ligue, "1000")], funded=False)
    page = client.get(f"/projets/?financeur={ligue.pk}").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', page)) == 3


def test_footer_funders_are_ordered_by_total_in_one_query():
    small = f.FunderFactory(name="Petit", short_name="P")
    big = f.FunderFactory(name="Grand", short_name="G")
    never = f.FunderFactory(name="Jamais")
    unfunded = f.FunderFactory(name="Sans projet suivi")
    _funded(contributions=[(small, "1000"), (big, "30000")])
    _funded(contributions=[(small, "2000"), (big, "10000")])
    _funded(contributions=[(small, "900000"), (unfunded, "1000000")], funded=False)
    assert never.pk

    with CaptureQueriesContext(connection) as queries:
        funders = footer_funders()
    assert len(queries.captured_queries) == 1
    assert funders == [{"pk": big.pk, "name": "Grand", "short_name": "G"},
                       {"pk": small.pk, "name": "Petit", "short_name": "P"}]


# --- partners -------------------------------------------------------------------------------

def test_partners_are_organisations_of_funded_projects_only(client):
    lyon = f.SiteFactory(name="Lyon et alentours", slug="lyon", position=1)
    team = f.TeamFactory(name="Équipe Lipides", site=lyon,
                         organisation=f.OrganisationFactory(name="Centre de Recherche", site=lyon))
    second_team = f.TeamFactory(name="Équipe Imagerie", site=lyon, organisation=team.organisation)
    company = f.CompanyFactory(name="Onco Start", site=lyon)
    rejected = f.TeamFactory(organisation=f.OrganisationFactory(name="Labo Non Retenu", site=lyon))
    unfollowed = f.TeamFactory(organisation=f.OrganisationFactory(name="Labo Sans Projet",
                                                                   site=lyon))
    # Two teams of the same organisation in one project, and the company twice: one project.
    _funded(teams=[team, second_team], companies=[company])
    _funded(teams=[team])
    f.ApplicationFactory(status="not_selected", teams=[rejected], partner_companies=[company])
    _funded(teams=[unfollowed], funded=False)

    page = client.get("/partenaires/").content.decode()
    assert "Labo Non Retenu" not in page and "Labo Sans Projet" not in page
    assert re.search(r">Centre de Recherche</a>, Lyon — 2 projets financés", page)
    assert re.search(r">Onco Start</a>, Lyon — 1 projet financé", page)
    assert "2 partenaires" in page
    assert client.get(f"/partenaires/{rejected.organisation.pk}/").status_code == 404
    assert client.get(f"/partenaires/{unfollowed.organisation.pk}/").status_code == 404


def _network():
    lyon = f.SiteFactory(name="Lyon et alentours", slug="lyon", position=1)
    grenoble = f.SiteFactory(name="Grenoble et alentours", slug="grenoble", position=2)
    lab_lyon = f.OrganisationFactory(name="Labo Lyonnais", site=lyon)
    lab_grenoble = f.OrganisationFactory(name="Labo Grenoblois", site=grenoble)
    company = f.CompanyFactory(name="Biotech Lyonnaise", site=lyon)
    national = f.OrganisationFactory(name="Organisme Sans Site", site=None,
                                     kind=Organisation.Kind.NATIONAL_BODY)
    _funded(teams=[f.TeamFactory(organisation=lab_lyon, site=lyon)], companies=[company])
    _funded(teams=[f.TeamFactory(organisation=lab_grenoble, site=grenoble),
                   f.TeamFactory(organisation=national, site=grenoble)])
    return lyon, grenoble


def test_partners_are_grouped_by_site_then_kind(client):
    _network()
    page = client.get("/partenaires/").content.decode()
    order = [page.index(text) for text in (
        ">Lyon et alentours</h3>", ">Laboratoire de recherche</h4>", "Labo Lyonnais",
        ">Entreprise</h4>", "Biotech Lyonnaise", ">Grenoble et alentours</h3>",
        "Labo Grenoblois", ">Hors des quatre sites</h3>", "Organisme Sans Site")]
    assert order == sorted(order)


def test_partner_filters_by_site_and_kind_with_their_counts(client):
    _network()
    page = client.get("/partenaires/?site=lyon").content.decode()
    assert "Labo Lyonnais" in page and "Biotech Lyonnaise" in page
    assert "Labo Grenoblois" not in page and "Organisme Sans Site" not in page
    assert "2 partenaires" in page
    # The kinds count within the chosen site; the sites keep their own counts.
    assert re.search(r"Laboratoire de recherche</a> <span[^>]*>\(1\)", page)
    assert re.search(r"Grenoble et alentours</a> <span[^>]*>\(1\)", page)
    assert re.search(r'aria-current="true"[^>]*>✓ Lyon et alentours</a> <span[^>]*>\(2\)', page)

    page = client.get("/partenaires/?type=laboratory").content.decode()
    assert "Labo Lyonnais" in page and "Labo Grenoblois" in page
    assert "Biotech Lyonnaise" not in page
    assert re.search(r"Lyon et alentours</a> <span[^>]*>\(1\)", page)
    assert 'href="?site=lyon&amp;type=laboratory"' in page

    page = client.get("/partenaires/?site=aucun").content.decode()
    assert "Organisme Sans Site" in page and "Labo Lyonnais" not in page

    page = client.get("/partenaires/?site=grenoble&type=company").content.decode()
    assert "Aucun partenaire ne correspond" in page


@pytest.mark.parametrize("query", [
    "site=inconnu", "type=drop", "type=", "site=" + "x" * 5000, "type=" + "y" * 5000,
    "page=zz", "page=99999999999999999999", "site=%00", "type[]=company", "site=lyon'--",
])
def test_malformed_partner_filters_are_ignored(client, query):
    _network()
    response = client.get(f"/partenaires/?{query}")
    assert response.status_code == 200
    assert len(set(_partner_links(response.content.decode()))) == 4


# --- one organisation ---------------------------------------------------------------------

def test_partner_page_shows_the_organisation_and_its_projects_with_roles(client):
    lyon = f.SiteFactory(name="Lyon et alentours", slug="lyon")
    university = f.OrganisationFactory(name="Université de Lyon", site=lyon,
                                       kind=Organisation.Kind.UNIVERSITY)
    lab = f.OrganisationFactory(
        name="Centre de Recherche en Cancérologie de Lyon", acronym="CRCL", site=lyon,
        city="Lyon", website="https://www.crcl.fr/", parent=university)
    leader = f.PersonFactory(first_name="Ada", last_name="Cachée", email="ada@example.org")
    team = f.TeamFactory(name="Signalisation oncogénique", site=lyon, organisation=lab,
                         leader=leader)
    f.PersonFactory(first_name="Bob", last_name="Membre", team=team)
    programme = f.ProgrammeFactory(name="Oncostarter")
    project = _funded(teams=[team], companies=[], name="LIPISCAN", programme=programme,
                      year=2024)
    project.award.application.principal_investigator = leader
    project.award.application.save()
    as_company = _funded(companies=[lab], name="GENOSIGN", year=2023)
    f.ApplicationFactory(status="not_selected", teams=[team], title="Projet Refusé Secret")

    response = client.get(f"/partenaires/{lab.pk}/")
    page = response.content.decode()
    assert "<h1" in page and "Centre de Recherche en Cancérologie de Lyon" in page
    assert "(CRCL)" in page and "Laboratoire de recherche" in page
    assert "Lyon et alentours" in page and 'href="https://www.crcl.fr/"' in page
    # The parent took part in no funded project: named, not linked.
    assert "Université de Lyon" in page and f'href="/partenaires/{university.pk}/"' not in page
    rows = re.findall(r"<tr>.*?</tr>", page.split("<tbody>", 1)[1], re.S)
    assert len(rows) == 2
    assert f'href="/projets/{project.pk}/"' in rows[0] and "Oncostarter" in rows[0]
    assert "2024" in rows[0] and "Équipe : Signalisation oncogénique" in rows[0]
    assert f'href="/projets/{as_company.pk}/"' in rows[1] and "2023" in rows[1]
    assert "Entreprise partenaire" in rows[1]
    # Never people, e-mails, nor applications that were not selected.
    for secret in ("Cachée", "Ada", "Membre", "ada@example.org", "Projet Refusé Secret"):
        assert secret not in page, secret


def test_partner_page_links_its_parent_when_the_parent_is_public(client):
    hospital = f.OrganisationFactory(name="Hospices Civils", kind=Organisation.Kind.HOSPITAL)
    service = f.OrganisationFactory(name="Service d'Oncologie", parent=hospital)
    _funded(teams=[f.TeamFactory(organisation=hospital)])
    _funded(teams=[f.TeamFactory(organisation=service)])
    page = client.get(f"/partenaires/{service.pk}/").content.decode()
    assert f'href="/partenaires/{hospital.pk}/">Hospices Civils</a>' in page


def test_partner_page_never_links_a_website_that_is_not_a_web_address(client):
    lab = f.OrganisationFactory(name="Labo")
    Organisation.objects.filter(pk=lab.pk).update(website="javascript:alert(1)")
    _funded(teams=[f.TeamFactory(organisation=lab)])
    page = client.get(f"/partenaires/{lab.pk}/").content.decode()
    assert "javascript:" not in page


def test_funder_organisation_page_shows_its_contributions(client):
    body = f.OrganisationFactory(name="Institut National du Cancer", acronym="INCa",
                                 site=None, kind=Organisation.Kind.NATIONAL_BODY)
    inca = f.FunderFactory(name="Institut National du Cancer", organisation=body)
    _funded(contributions=[(inca, "20000")])
    _funded(contributions=[(inca, "5000")])
    _funded(contributions=[(inca, "70000")], funded=False)

    page = client.get(f"/partenaires/{body.pk}/").content.decode()
    assert f"25{NNBSP}000\u00a0€" in page
    assert f'href="/projets/?financeur={inca.pk}"' in page and ">2 projets<" in page
    assert "<tbody>" not in page  # it took part in no project itself
    # The funders' list links the funder to that page.
    assert f'href="/partenaires/{body.pk}/">Institut National du Cancer</a>' in (
        client.get("/partenaires/").content.decode())


def test_funder_organisation_without_a_funded_project_has_no_page(client):
    body = f.OrganisationFactory(name="Financeur en Attente")
    funder = f.FunderFactory(organisation=body)
    _funded(contributions=[(funder, "1000")], funded=False)
    assert client.get(f"/partenaires/{body.pk}/").status_code == 404


@pytest.mark.parametrize("url", ["/partenaires/999999/", "/partenaires/99999999999999999999999/",
                                 "/partenaires/abc/", "/partenaires/-1/",
                                 "/en/partenaires/999999/"])
def test_unknown_organisation_is_404(client, url):
    _network()
    assert client.get(url).status_code == 404


def test_partner_page_is_paginated(client):
    lab = f.OrganisationFactory(name="Labo Prolifique")
    team = f.TeamFactory(organisation=lab)
    for index in range(27):
        _funded(teams=[team], name=f"P{index:02d}")
    first = client.get(f"/partenaires/{lab.pk}/").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', first)) == 25 and 'href="?page=2"' in first
    assert "27 projets financés" in first
    second = client.get(f"/partenaires/{lab.pk}/?page=2").content.decode()
    assert len(re.findall(r'href="/projets/\d+/"', second)) == 2
    assert client.get(f"/partenaires/{lab.pk}/?page=zz").status_code == 200


# --- bounded queries, languages ---------------------------------------------------------------

def _grow(count, lab, funder):
    """`count` partners, each in its own funded project (with a team, a partner company and a
    contribution), and `count` projects of `lab`."""
    for _index in range(count):
        _funded(teams=[f.TeamFactory(), f.TeamFactory(organisation=lab)],
                companies=[f.CompanyFactory()], contributions=[(funder, "1000")])
        f.FunderFactory()


def test_pages_run_the_same_queries_with_3_and_30_rows(client):
    lab = f.OrganisationFactory(name="Labo Témoin", parent=f.OrganisationFactory())
    funder = f.FunderFactory(organisation=lab)
    _grow(3, lab, funder)
    few_list = _get(client, "/partenaires/")[1]
    few_detail = _get(client, f"/partenaires/{lab.pk}/")[1]
    _grow(27, lab, funder)
    response, many_list = _get(client, "/partenaires/")
    assert len(set(_partner_links(response.content.decode()))) == 61
    response, many_detail = _get(client, f"/partenaires/{lab.pk}/")
    assert len(re.findall(r'href="/projets/\d+/"', response.content.decode())) == 25
    # Funders, the filters' counts, the partners' count and page.
    assert (few_list, many_list) == (5, 5)
    # The organisation, its projects' count and page, its teams in those projects.
    assert (few_detail, many_detail) == (5, 5)


def test_pages_exist_in_english(client):
    lyon, _grenoble = _network()
    response = client.get("/en/partenaires/?site=lyon")
    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()
    pk = Organisation.objects.get(name="Labo Lyonnais").pk
    response = client.get(f"/en/partenaires/{pk}/")
    assert response.status_code == 200 and response["Content-Language"] == "en"
    assert f'href="/en/partenaires/{pk}/"' in client.get("/en/partenaires/").content.decode()
    assert lyon.pk


def test_pages_are_served_from_the_public_cache(client):
    _network()
    client.get("/partenaires/")
    assert client.get("/partenaires/")["X-Public-Cache"] == "hit"
    # A filtered list is computed each time (arbitrary queries are not stored).
    assert "X-Public-Cache" not in client.get("/partenaires/?site=lyon")


def test_title_and_description_name_the_organisation(client):
    _network()
    pk = Organisation.objects.get(name="Labo Lyonnais").pk
    page = client.get(f"/partenaires/{pk}/").content.decode()
    assert "<title>Labo Lyonnais — Partenaires et financeurs — CLARA</title>" in page
    assert re.search(r'<meta name="description" content="Labo Lyonnais \(Laboratoire de '
                     r'recherche\), partenaire du CLARA : 1 projet', page)
    assert "<title>Partenaires et financeurs — CLARA</title>" in (
        client.get("/partenaires/").content.decode())


def test_a_date_far_in_the_past_is_shown_in_paris_time(client):
    lab = f.OrganisationFactory(name="Labo Réveillon")
    project = _funded(teams=[f.TeamFactory(organisation=lab)])
    award = project.award
    # 31 December 23:30 UTC is already the new year in Paris.
    award.decided_at = dt.datetime(2023, 12, 31, 23, 30, tzinfo=dt.UTC)
    award.save()
    page = client.get(f"/partenaires/{lab.pk}/").content.decode()
    row = re.search(r"<tbody>.*?</tbody>", page, re.S).group(0)
    assert "2024" in row and "2023" not in row


def test_organisations_with_page_are_exactly_those_answering_200(client):
    from clara.network.public_selectors import organisations_with_page

    _network()
    body = f.OrganisationFactory(name="Financeur Public")
    _funded(contributions=[(f.FunderFactory(organisation=body), "1000")])
    hidden = f.OrganisationFactory(name="Financeur Sans Projet Suivi")
    _funded(contributions=[(f.FunderFactory(organisation=hidden), "1000")], funded=False)
    with CaptureQueriesContext(connection) as queries:
        pks = [o.pk for o in organisations_with_page()]
    assert len(queries.captured_queries) == 1
    answering = [o.pk for o in Organisation.objects.order_by("pk")
                 if client.get(f"/partenaires/{o.pk}/").status_code == 200]
    assert pks == answering and body.pk in pks and hidden.pk not in pks
    assert len(pks) == 5
