"""Public pages of funded projects (namespace `funded`), under i18n_patterns."""

from django.urls import path

from projects import public_views

app_name = "funded"

urlpatterns = [
    path("", public_views.project_list, name="list"),
    path("<int:pk>/", public_views.project_detail, name="detail"),
]
