from django.urls import path

from clara.keyfigures import urls_period, urls_report, views

app_name = "keyfigures"

urlpatterns = [
    # Before "<year>/…": "2003-2022/" and "depuis-la-creation/" are not years.
    *urls_period.urlpatterns,
    *urls_report.urlpatterns,
    path("", views.index, name="index"),
    path("<int:year>/", views.year_page, name="year"),
    path("<int:year>/csv/", views.csv_download, name="csv"),
    path("<int:year>/<str:key>/", views.records_page, name="records"),
]
