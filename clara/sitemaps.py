"""`/sitemap.xml` (an index) and its sections: every public page in both languages, each
with its `hreflang` alternates (French without prefix, English under /en/, French as
x-default). Only what the public pages show: calls, funded projects, events, partners,
key-figure years."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class _Bilingual(Sitemap):
    i18n = True
    alternates = True
    x_default = True


class PagesSitemap(_Bilingual):
    changefreq = "weekly"

    def items(self):
        return ["home", "calls:list", "funded:list", "events:list", "partners:list",
                "territory:index", "keyfigures:index", "keyfigures:history",
                "opendata:index"]

    def location(self, name):
        return reverse(name)


class KeyFiguresSitemap(_Bilingual):
    changefreq = "monthly"

    def items(self):
        from clara.keyfigures.publication import published_years
        from clara.keyfigures.selectors import years_with_records

        published = set(published_years())
        return [year for year in years_with_records() if year in published]

    def location(self, year):
        return reverse("keyfigures:year", args=[year])


class CallsSitemap(_Bilingual):
    changefreq = "weekly"

    def items(self):
        from programmes.models import Call

        return Call.objects.only("slug").order_by("pk")

    def location(self, call):
        return reverse("calls:detail", args=[call.slug])


class ProjectsSitemap(_Bilingual):
    changefreq = "monthly"
    # Two URLs per project (French and English) stay under the protocol's 50 000 per file.
    limit = 20000

    def items(self):
        from projects.models import FundedProject

        return FundedProject.objects.only("pk").order_by("pk")

    def location(self, project):
        return reverse("funded:detail", args=[project.pk])


class EventsSitemap(_Bilingual):
    changefreq = "monthly"
    # Two URLs per event (French and English) stay under the protocol's 50 000 per file.
    limit = 20000

    def items(self):
        from events.models import Event

        return Event.objects.only("pk").order_by("pk")

    def location(self, event):
        return reverse("events:detail", args=[event.pk])


class PartnersSitemap(_Bilingual):
    changefreq = "monthly"
    limit = 20000

    def items(self):
        from clara.network.public_selectors import organisations_with_page

        return organisations_with_page()

    def location(self, organisation):
        return reverse("partners:detail", args=[organisation.pk])


SITEMAPS = {
    "pages": PagesSitemap,
    "chiffres-clefs": KeyFiguresSitemap,
    "appels": CallsSitemap,
    "projets": ProjectsSitemap,
    "evenements": EventsSitemap,
    "partenaires": PartnersSitemap,
}
