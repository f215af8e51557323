"""The profile page: the person record of the logged-in account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from clara.accounts.forms import ProfileForm
from clara.network.selectors import person_for_user
from clara.network.services import profile_update


def _safe_next(request) -> str:
    """The `next` address of the request when it is on this site, else an empty string."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


@login_required
def profile_edit(request):
    person = person_for_user(request.user)
    next_url = _safe_next(request)
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                profile_update(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, field_errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                messages.success(request, _("Votre profil est enregistré."))
                return redirect(next_url or "accounts:profile")
    else:
        initial = {
            "first_name": request.user.first_name,
            "last_name": request.user.last_name,
        }
        if person is not None:
            initial = {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "orcid": person.orcid,
                "team": person.team_id,
                "organisation": person.organisation_id,
            }
        form = ProfileForm(initial=initial)
    return render(request, "accounts/profile_edit.html", {
        "form": form,
        "person": person,
        "next_url": next_url,
    })
