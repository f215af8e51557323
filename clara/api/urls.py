"""The public read-only API (issue 12): `/api/v1/…`, its OpenAPI description `/api/schema/`
and its documentation page `/api/docs/`."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
