"""Account addresses, under i18n_patterns (French without a prefix, English under /en/):
django-allauth's pages under /comptes/ (login, sign-up, e-mail verification, password reset
and change, logout, second factor under /comptes/2fa/) and the profile page."""

from django.urls import include, path

from clara.accounts import views

profile_patterns = ([path("", views.profile_edit, name="profile")], "accounts")

urlpatterns = [
    path("comptes/", include("allauth.urls")),
    path("mon-espace/profil/", include(profile_patterns)),
]
