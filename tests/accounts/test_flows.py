"""Sign-up, e-mail verification, login, password reset and change, logout (django-allauth),
QUALITY.md scenario 16: sign-up and reset answer the same for a known and an unknown address;
the session cookie of a logged-out session is refused."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from clara.accounts.models import User
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Clermont-Ferrand-2026?"  # noqa: S105


def link_in(message) -> str:
    """The address of the site's page linked from an e-mail (path only)."""
    url = re.search(r"https?://testserver(/\S+)", message.body).group(1)
    return url


def signup(client, email, prefix=""):
    return client.post(f"{prefix}/comptes/signup/", {
        "email": email, "password1": PASSWORD, "password2": PASSWORD,
    })


def login(client, email, password=PASSWORD, prefix=""):
    return client.post(f"{prefix}/comptes/login/", {"login": email, "password": password})


def test_signup_verification_email_then_login(client):
    response = signup(client, "chercheuse@univ-lyon.example")

    assert response.status_code == 302
    assert response["Location"] == "/comptes/confirm-email/"
    assert "_auth_user_id" not in client.session  # not logged in before verifying
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["chercheuse@univ-lyon.example"]
    assert message.subject.startswith("[CLARA] ")

    # Mandatory verification: the password alone does not log in yet.
    login(client, "chercheuse@univ-lyon.example")
    assert "_auth_user_id" not in client.session

    confirm = link_in(mail.outbox[-1])
    assert confirm.startswith("/comptes/confirm-email/")
    page = client.get(confirm)
    assert page.status_code == 200
    assert "Confirmer" in page.content.decode()
    assert client.post(confirm).status_code == 302

    response = login(client, "chercheuse@univ-lyon.example")
    assert response.status_code == 302
    # No person yet: the profile page, where the applicant says who they are.
    assert response["Location"] in ("/mon-espace/", "/mon-espace/profil/")
    user = User.objects.get(email="chercheuse@univ-lyon.example")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_in_english(client):
    response = signup(client, "researcher@univ-grenoble.example", prefix="/en")

    assert response["Location"] == "/en/comptes/confirm-email/"
    assert "/en/comptes/confirm-email/" in mail.outbox[0].body
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="en">' in page
    assert "Verify Your Email Address" in page


def test_signup_page_in_site_layout_with_labels(client):
    html = client.get("/comptes/signup/").content.decode()

    assert "Aller au contenu" in html  # the site's base.html
    assert "<h1" in html
    for field in ("id_email", "id_password1", "id_password2"):
        assert f'for="{field}"' in html
    assert "<style" not in html and "<script>" not in html  # strict CSP


def _answer(response) -> tuple:
    return response.status_code, response.get("Location")


def test_signup_answers_the_same_for_a_known_and_an_unknown_address(make_account):
    make_account("connue@chu-lyon.example")
    known, unknown = Client(), Client()

    known_answer = signup(known, "connue@chu-lyon.example")
    unknown_answer = signup(unknown, "inconnue@chu-lyon.example")

    assert _answer(known_answer) == _answer(unknown_answer) == (302, "/comptes/confirm-email/")
    assert known.get("/comptes/confirm-email/").content.decode().replace(
        "connue@", "X@") == unknown.get("/comptes/confirm-email/").content.decode().replace(
        "inconnue@", "X@")
    # Each address receives an e-mail; the account holder's says an account exists.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "connue@chu-lyon.example", "inconnue@chu-lyon.example"]
    assert User.objects.filter(email="connue@chu-lyon.example").count() == 1


def test_password_reset_answers_the_same_for_a_known_and_an_unknown_address(make_account):
    make_account("connue@chu-lyon.example")
    known, unknown = Client(), Client()

    known_answer = known.post("/comptes/password/reset/", {"email": "connue@chu-lyon.example"})
    unknown_answer = unknown.post("/comptes/password/reset/",
                                  {"email": "inconnue@chu-lyon.example"})

    assert _answer(known_answer) == _answer(unknown_answer) == (
        302, "/comptes/password/reset/done/")
    assert known.get("/comptes/password/reset/done/").content == unknown.get(
        "/comptes/password/reset/done/").content
    assert sorted(m.to[0] for m in mail.outbox) == [
        "connue@chu-lyon.example", "inconnue@chu-lyon.example"]


def test_password_reset_by_the_emailed_link(client, make_account):
    user = make_account("oubli@ujm.example")
    client.post("/comptes/password/reset/", {"email": "oubli@ujm.example"})

    link = link_in(mail.outbox[0])
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_logout_refuses_the_old_session_cookie(client, make_account):
    make_account("sortie@uca.example")
    login(client, "sortie@uca.example")
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/mon-espace/profil/").status_code == 200

    response = client.post("/comptes/logout/")
    assert response.status_code == 302

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    answer = replay.get("/mon-espace/profil/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/comptes/login/")


def test_logout_is_a_post(client, make_account):
    make_account("sortie@uca.example")
    login(client, "sortie@uca.example")

    client.get("/comptes/logout/")  # the confirmation page; a GET never logs out

    assert "_auth_user_id" in client.session


def test_password_change(client, make_account):
    user = make_account("change@uca.example")
    login(client, "change@uca.example")

    response = client.post("/comptes/password/change/", {
        "oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "_auth_user_id" in client.session  # still logged in


def test_login_page_in_french_and_english(client):
    french = client.get("/comptes/login/").content.decode()
    english = client.get("/en/comptes/login/").content.decode()

    assert '<html lang="fr">' in french and "Mot de passe" in french
    assert '<html lang="en">' in english and "Password" in english
    assert 'for="id_login"' in french  # labelled, not placeholder-only


def test_navbar_links_for_visitors_and_accounts(client, make_account):
    anonymous = client.get("/comptes/login/").content.decode()
    assert "Se connecter" in anonymous and "Créer un compte" in anonymous

    make_account("nav@uca.example")
    login(client, "nav@uca.example")
    html = client.get("/mon-espace/profil/").content.decode()
    assert "Mon espace" in html and "Mon profil" in html
    assert 'action="/comptes/logout/"' in html and "Se déconnecter" in html
    assert "Se connecter" not in html
