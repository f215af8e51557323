"""Helpers shared by the admin tests."""

from django.forms import MultiWidget


def login_with_mfa(client, user) -> None:
    """Log `user` in on the test `client` as if through the login page and its second factor.

    The admin opens only to staff sessions that passed a second factor (clara/accounts/mfa.py);
    `force_login` alone gives a session without one, which the admin refuses (as
    tests/accounts/test_admin_mfa.py checks). This records the second factor in the session
    the way allauth does after a correct code.
    """
    from allauth.account.internal.flows.login import record_authentication
    from django.test import RequestFactory

    client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()


def admin_post_data(response) -> dict:
    """The data a browser would post back for the admin change form in `response`."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None:
                continue
            widget = getattr(field.widget, "widget", field.widget)  # unwrap related wrappers
            if isinstance(widget, MultiWidget):
                for index, (sub, part) in enumerate(
                    zip(widget.widgets, widget.decompress(value), strict=True)
                ):
                    data[f"{form.add_prefix(name)}_{index}"] = sub.format_value(part)
            elif isinstance(value, (list, tuple)):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = field.widget.format_value(value) or value

    add(response.context["adminform"].form)
    # A history version's page (django-simple-history) has no inlines.
    for inline in response.context.get("inline_admin_formsets") or ():
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data
