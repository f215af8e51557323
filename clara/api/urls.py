"""The public read-only API (issue 12): `/api/v1/…`, its OpenAPI description `/api/schema/`
and its documentation page `/api/docs/` (Swagger UI from the sidecar's files in static/, its
start script a file of its own: the CSP forbids inline scripts and styles)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clara.api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/swagger_ui.html"), name="docs"),
    path("v1/projets/", views.ProjectList.as_view(), name="projects"),
    path("v1/projets/<int:pk>/", views.ProjectDetail.as_view(), name="project"),
    path("v1/appels/", views.CallList.as_view(), name="calls"),
    path("v1/appels/<slug:slug>/", views.CallDetail.as_view(), name="call"),
    path("v1/evenements/", views.EventList.as_view(), name="events"),
    path("v1/evenements/<int:pk>/", views.EventDetail.as_view(), name="event"),
    path("v1/organisations/", views.OrganisationList.as_view(), name="organisations"),
    path("v1/organisations/<int:pk>/", views.OrganisationDetail.as_view(),
         name="organisation"),
    path("v1/chiffres-clefs/", views.PublishedYears.as_view(), name="figures"),
    path("v1/chiffres-clefs/<int:year>/", views.YearFigures.as_view(), name="figures-year"),
    path("v1/chiffres-clefs/<int:start>-<int:end>/", views.PeriodFigures.as_view(),
         name="figures-period"),
]
