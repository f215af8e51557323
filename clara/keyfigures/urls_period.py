"""Key figures over a span of years, the history since the creation and the trends
(included by clara/keyfigures/urls.py, namespace `keyfigures`)."""

from django.urls import path

from clara.keyfigures import period_views

urlpatterns: list = [
    path("depuis-la-creation/", period_views.history_page, name="history"),
    path("periode/", period_views.period_choose, name="period_choose"),
    path("tendances/<str:key>/", period_views.trend_page, name="trend"),
    path("<int:start>-<int:end>/", period_views.period_page, name="period"),
    path("<int:start>-<int:end>/<str:key>/", period_views.period_records_page,
         name="period_records"),
]
