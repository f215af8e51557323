"""The public open-data page and downloads (issue 12): `/donnees/` (English under /en/), and
for staff the rows the exports leave out (`/donnees/controle/`, behind the admin's login)."""

from django.urls import path

from clara.opendata import views

app_name = "opendata"

urlpatterns = [
    path("", views.data_page, name="index"),
    path("subventions-scdl.csv", views.scdl_download, name="scdl"),
    path("subventions-360giving.json", views.giving360_download, name="360giving"),
    path("controle/", views.problems_view, name="problems"),
]
