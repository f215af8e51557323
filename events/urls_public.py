"""Public pages of events (namespace `events`), under i18n_patterns at `/evenements/`."""

from django.urls import path  # noqa: F401

app_name = "events"

urlpatterns: list = []
