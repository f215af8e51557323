"""Public pages of partners and funders (namespace `partners`), under i18n_patterns at
`/partenaires/`."""

from django.urls import path

from clara.network import public_views

app_name = "partners"

urlpatterns = [
    path("", public_views.partner_list, name="list"),
    path("<int:pk>/", public_views.partner_detail, name="detail"),
]
