from django.urls import path

from programmes import public_views

app_name = "calls"

urlpatterns = [
    path("", public_views.call_list, name="list"),
    path("<slug:slug>/", public_views.call_detail, name="detail"),
]
