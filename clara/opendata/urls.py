"""The public open-data page and downloads (issue 12): `/donnees/` (English under /en/)."""

from django.urls import path

from clara.opendata import views

app_name = "opendata"

urlpatterns = [
    path("", views.data_page, name="index"),
]
