"""The territory page (namespace `territory`), under i18n_patterns at `/territoire/`."""

from django.urls import path  # noqa: F401

app_name = "territory"

urlpatterns: list = []
