"""The admin requires a second factor from staff (QUALITY.md scenario 16): a staff session
that has not passed one is refused, whatever the page; staff without an authenticator are
sent to set one up, staff with one to enter its code; through the real login page with a
code from the authenticator, the admin opens."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.core.cache import cache

from clara.accounts.totp import totp_code
from tests.accounts.conftest import PASSWORD
from tests.helpers import login_with_mfa

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105


def give_totp(user) -> None:
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(SECRET)}
    )


@pytest.fixture
def staff(make_account):
    return make_account("equipe@canceropole-clara.example", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("url", ["/admin/", "/admin/programmes/application/",
                                 "/admin/chiffres-clefs/"])
def test_staff_session_without_second_factor_is_refused(client, staff, url):
    client.force_login(staff)  # a password login, no second factor

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_authenticator_is_sent_to_set_one_up(client, staff):
    client.force_login(staff)

    response = client.get("/admin/", follow=True)

    assert [url for url, _ in response.redirect_chain][1:] == [
        "/comptes/2fa/totp/activate/",
        # Setting up a factor asks for the password again (none typed in this session).
        "/comptes/reauthenticate/?next=%2Fcomptes%2F2fa%2Ftotp%2Factivate%2F",
    ]
    assert "L&#x27;administration demande un second facteur" in response.content.decode()
    response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/comptes/2fa/totp/activate/"
    html = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code, allowed by the CSP
    assert 'for="id_code"' in html


def test_staff_with_authenticator_is_asked_for_its_code(client, staff):
    give_totp(staff)
    client.force_login(staff)

    response = client.get("/admin/")
    response = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == "/comptes/2fa/reauthenticate/?next=%2Fadmin%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200

    wrong = client.post(response["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/admin/").status_code == 302

    right = client.post(response["Location"], {"code": totp_code(SECRET)})
    assert right.status_code == 302
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_login_with_password_and_code_opens_the_admin(client, staff):
    give_totp(staff)

    response = client.post("/comptes/login/?next=/admin/",
                           {"login": staff.email, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    assert response["Location"] == "/comptes/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # not logged in before the code

    response = client.post("/comptes/2fa/authenticate/", {"code": totp_code(SECRET)})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_login_with_password_only_does_not_open_the_admin(client, staff):
    response = client.post("/comptes/login/",
                           {"login": staff.email, "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session  # no authenticator yet: logged in...
    assert client.get("/admin/").status_code == 302  # ...but not into the admin


def test_a_used_code_is_refused_the_second_time(client, staff):
    give_totp(staff)
    code = totp_code(SECRET)
    client.force_login(staff)
    client.post("/comptes/2fa/reauthenticate/", {"code": code})
    assert client.get("/admin/").status_code == 200

    other = type(client)()
    other.force_login(staff)
    other.post("/comptes/2fa/reauthenticate/", {"code": code})

    assert other.get("/admin/").status_code == 302
    cache.clear()


def test_staff_session_with_second_factor_opens_the_admin(client, staff):
    login_with_mfa(client, staff)

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/chiffres-clefs/").status_code == 200


def test_second_factor_of_another_account_does_not_count(client, staff, make_account):
    other = make_account("autre@canceropole-clara.example", is_staff=True)
    login_with_mfa(client, other)

    client.force_login(staff)  # same session, another account

    assert client.get("/admin/").status_code == 302


def test_logout_ends_the_second_factor(client, staff):
    login_with_mfa(client, staff)
    client.post("/comptes/logout/")

    client.force_login(staff)

    assert client.get("/admin/").status_code == 302


def test_admin_login_sends_visitors_to_the_login_page(client):
    response = client.get("/admin/login/?next=/admin/programmes/")

    assert response.status_code == 302
    assert response["Location"] == "/comptes/login/?next=/admin/programmes/"


def test_admin_login_ignores_an_unsafe_next(client):
    response = client.get("/admin/login/?next=https://evil.example/")

    assert response["Location"] == "/comptes/login/?next=/admin/"


def test_admin_login_posts_log_nobody_in(client, staff):
    response = client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_admin_refuses_an_account_that_is_not_staff(client, make_account):
    user = make_account("porteur@univ-lyon.example")
    login_with_mfa(client, user)

    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_staff_with_second_factor_passed_at_admin_login_goes_to_next(client, staff):
    login_with_mfa(client, staff)

    response = client.get("/admin/login/?next=/admin/programmes/")

    assert response["Location"] == "/admin/programmes/"
