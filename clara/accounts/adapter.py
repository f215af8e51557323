"""django-allauth's account adapter for CLARA (ACCOUNT_ADAPTER)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import NoReverseMatch, reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """After logging in without a `next` address: the applicant's space (`/mon-espace/`)
        once it exists, else the profile page."""
        try:
            return reverse("applications:dashboard")
        except NoReverseMatch:
            return reverse("accounts:profile")
