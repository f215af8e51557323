"""Public pages of partners and funders (namespace `partners`), under i18n_patterns at
`/partenaires/`."""

from django.urls import path  # noqa: F401

app_name = "partners"

urlpatterns: list = []
