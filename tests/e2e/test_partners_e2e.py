import re
from decimal import Decimal

import pytest

from clara.network.models import Organisation
from tests import factories as f

sync_api = pytest.importorskip(
    "playwright.sync_api", reason='Playwright is not installed: pip install -e ".[dev,e2e]"'
)
expect = sync_api.expect

pytestmark = pytest.mark.e2e

SIZES = [(1366, 900), (390, 844)]


@pytest.fixture
def partners(transactional_db):
    lyon = f.SiteFactory(name="Lyon et alentours", slug="lyon", position=1)
    grenoble = f.SiteFactory(name="Grenoble et alentours", slug="grenoble", position=2)
    inca_body = f.OrganisationFactory(name="Institut National du Cancer", acronym="INCa",
                                      site=None, kind=Organisation.Kind.NATIONAL_BODY,
                                      city="Boulogne-Billancourt")
    inca = f.FunderFactory(name="Institut National du Cancer", short_name="INCa",
                           organisation=inca_body)
    region = f.FunderFactory(name="Région Auvergne-Rhône-Alpes", kind="local_authority")
    crcl = f.OrganisationFactory(
        name="Centre de Recherche en Cancérologie de Lyon", acronym="CRCL", site=lyon,
        website="https://www.crcl.fr/",
        parent=f.OrganisationFactory(name="Université Claude Bernard Lyon 1", site=lyon,
                                     kind=Organisation.Kind.UNIVERSITY))
    tima = f.OrganisationFactory(name="Laboratoire TIMC", site=grenoble, city="La Tronche")
    company = f.CompanyFactory(name="Génovance", site=lyon, city="Limonest")
    programme = f.ProgrammeFactory(name="Oncostarter")
    for index, (teams, companies) in enumerate([
        ([f.TeamFactory(name="Signalisation oncogénique", organisation=crcl, site=lyon)], []),
        ([f.TeamFactory(name="Imagerie", organisation=tima, site=grenoble)], [company]),
        ([f.TeamFactory(name="Épigénétique", organisation=crcl, site=lyon)], [company]),
    ]):
        application = f.ApplicationFactory(
            call=f.CallFactory(programme=programme, year=2023 + index), status="selected", teams=teams,
            partner_companies=companies)
        award = f.AwardFactory(application=application, amount=Decimal("60000"))
        f.ContributionFactory(award=award, funder=inca, amount=Decimal("20000"))
        f.ContributionFactory(award=award, funder=region, amount=Decimal("40000"))
        f.FundedProjectFactory(award=award, name=f"PROJET{index}")
    return crcl


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_partners_e2e_list_filter_and_detail(
    page, partners, serious_accessibility_violations, artifacts_dir, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/partenaires/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Partenaires et financeurs")
    funders = page.get_by_role("region", name="Financeurs", exact=True)
    expect(funders).to_contain_text("Région Auvergne-Rhône-Alpes")
    expect(funders.get_by_role("link", name="3 projets cofinancés par Institut National du "
                                            "Cancer")).to_have_attribute(
        "href", re.compile(r"/projets/\?financeur=\d+$"))
    expect(page.get_by_role("heading", name="Grenoble et alentours", level=3)).to_be_visible()
    page.screenshot(path=artifacts_dir / f"partners-list-{width}.png", full_page=True)
    assert serious_accessibility_violations(page) == []

    filters = page.get_by_role("complementary", name="Filtres des partenaires")
    filters.get_by_role("link", name="Entreprise").click()
    expect(page).to_have_url(re.compile(r"\?type=company$"))
    expect(page.get_by_text("1 partenaire", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Laboratoire TIMC")).to_have_count(0)

    page.goto("/partenaires/")
    page.get_by_role("link", name="Centre de Recherche en Cancérologie de Lyon (CRCL)").click()
    expect(page).to_have_url(re.compile(rf"/partenaires/{partners.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Centre de Recherche en Cancérologie de Lyon")
    expect(page.get_by_role("link", name="PROJET0")).to_be_visible()
    expect(page.get_by_text("Équipe : Épigénétique")).to_be_visible()
    page.screenshot(path=artifacts_dir / f"partners-detail-{width}.png", full_page=True)
    assert serious_accessibility_violations(page) == []


def test_partners_e2e_funder_page_in_english(
    page, partners, serious_accessibility_violations, artifacts_dir
):
    page.goto("/en/partenaires/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Institut National du Cancer", exact=True).click()
    expect(page).to_have_url(re.compile(r"/en/partenaires/\d+/$"))
    expect(page.locator("main")).to_contain_text("€60,000")  # written the English way
    page.screenshot(path=artifacts_dir / "partners-funder-en.png", full_page=True)
    assert serious_accessibility_violations(page) == []
