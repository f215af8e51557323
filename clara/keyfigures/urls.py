from django.urls import path

from clara.keyfigures import views

app_name = "keyfigures"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.year_page, name="year"),
    path("<int:year>/csv/", views.csv_download, name="csv"),
    path("<int:year>/<str:key>/", views.records_page, name="records"),
]
