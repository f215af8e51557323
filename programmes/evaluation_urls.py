"""The reviewer's portal and the staff's follow-up of reviews (namespace `evaluations`),
mounted at /evaluations/ under i18n_patterns: French without prefix, English under /en/."""

from django.urls import path

from programmes import evaluation_views as views

app_name = "evaluations"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/documents/<int:attachment_pk>/", views.attachment_download,
         name="attachment"),
    path("gestion/", views.staff_call_list, name="staff-calls"),
    path("gestion/<int:call_pk>/", views.staff_call, name="staff-call"),
]
