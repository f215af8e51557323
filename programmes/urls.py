"""The applicant's pages (namespace `applications`), mounted at the site's root under
i18n_patterns: French without prefix, English under /en/."""

from django.urls import path

from programmes import views

app_name = "applications"

urlpatterns = [
    path("mon-espace/", views.dashboard, name="dashboard"),
    path("mon-espace/demandes/<str:reference>/", views.application_edit, name="edit"),
    path("mon-espace/demandes/<str:reference>/retirer/", views.application_withdraw,
         name="withdraw"),
    path("mon-espace/demandes/<str:reference>/documents/<int:pk>/",
         views.attachment_download, name="attachment"),
    path("appels/<slug:slug>/deposer/", views.application_start, name="start"),
]
