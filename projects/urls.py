"""The principal investigator's pages of a funded project (namespace `projects`), mounted at
the site's root under i18n_patterns: French without prefix, English under /en/."""

from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("mon-espace/projets/<int:pk>/", views.project_detail, name="detail"),
    path("mon-espace/projets/<int:pk>/rapports/<int:year>/", views.report_edit, name="report"),
    path("mon-espace/projets/<int:pk>/resultats/nouveau/", views.outcome_add,
         name="outcome_add"),
    path("mon-espace/projets/<int:pk>/resultats/<int:outcome_pk>/supprimer/",
         views.outcome_delete, name="outcome_delete"),
]
