"""Root URL configuration (ROOT_URLCONF).

Public pages are in French without a prefix and in English under `/en/`
(`i18n_patterns(prefix_default_language=False)`). The admin keeps one address and follows the
browser's language (see `clara.middleware.LocaleMiddleware`)."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from clara import health, views
from clara.keyfigures import views as keyfigures_views
from clara.privacy import views as privacy_views
from clara.sitemaps import SITEMAPS
from funding import admin_views as funding_admin_views
from programmes import ranking_views
from projects import decision_views

admin.site.site_header = _("CLARA — administration")
admin.site.site_title = _("CLARA — administration")
admin.site.index_title = _("Appels, projets, événements et chiffres clefs")
admin.site.index_template = "admin/clara_index.html"

urlpatterns = [
    path(
        "admin/chiffres-clefs/",
        admin.site.admin_view(keyfigures_views.dashboard),
        name="keyfigures-dashboard",
    ),
    path(
        "admin/chiffres-clefs/<int:year>/",
        admin.site.admin_view(keyfigures_views.dashboard),
        name="keyfigures-dashboard-year",
    ),
    path(
        "admin/rgpd/<str:kind>/<int:pk>/",
        admin.site.admin_view(privacy_views.subject_page),
        name="privacy-subject",
    ),
    path(
        "admin/programmes/call/<int:pk>/classement/",
        admin.site.admin_view(ranking_views.call_ranking),
        name="call-ranking",
    ),
    path(
        "admin/programmes/application/<int:pk>/retenir/",
        admin.site.admin_view(decision_views.application_select_view),
        name="application-select",
    ),
    path(
        "admin/programmes/application/<int:pk>/ne-pas-retenir/",
        admin.site.admin_view(decision_views.application_reject_view),
        name="application-reject",
    ),
    path(
        "admin/funding/versements/",
        admin.site.admin_view(funding_admin_views.disbursement_report_view),
        name="disbursement-report",
    ),
    path("admin/", admin.site.urls),
    # The public API and its description (issue 12): one address, no language prefix.
    path("api/", include("clara.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The orchestrator's health check (clara/health.py): no language, never cached.
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", views.favicon),
    path("robots.txt", views.robots_txt),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS},
         name="sitemap-index"),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS},
         name="django.contrib.sitemaps.views.sitemap"),
]

handler500 = "clara.views.server_error"

urlpatterns += i18n_patterns(
    path("chiffres-clefs/", include("clara.keyfigures.urls")),
    path("", include("clara.accounts.urls")),
    path("appels/", include("programmes.urls_calls")),
    path("projets/", include("projects.urls_public")),
    path("evenements/", include("events.urls_public")),
    path("partenaires/", include("clara.network.urls_public")),
    path("territoire/", include("projects.urls_territory")),
    path("donnees/", include("clara.opendata.urls")),
    path("evaluations/", include("programmes.evaluation_urls")),
    path("", include("programmes.urls")),
    path("", include("projects.urls")),
    path("", views.home, name="home"),
    prefix_default_language=False,
)
