"""Public pages of events (namespace `events`), under i18n_patterns at `/evenements/`."""

from django.urls import path

from events import public_views

app_name = "events"

urlpatterns = [
    path("", public_views.event_list, name="list"),
    path("<int:pk>/", public_views.event_detail, name="detail"),
]
