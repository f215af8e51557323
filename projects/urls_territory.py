"""The territory page (namespace `territory`), under i18n_patterns at `/territoire/`."""

from django.urls import path

from projects import territory_views

app_name = "territory"

urlpatterns = [
    path("", territory_views.index, name="index"),
]
