"""Logging in: lockout after repeated failures, optional TOTP second step, and a password
change that logs out every other session."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_login_counters")]

PASSWORD = "pw-for-tests-1"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def test_five_wrong_passwords_lock_the_login_with_a_plain_message(client, make_user, settings):
    # given a user
    make_user("maria")
    # when someone tries wrong passwords up to the limit
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/login/", {"username": "maria", "password": "wrong-guess"})
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
    assert client.post("/login/", {"username": "maria", "password": "wrong-guess"}).status_code == 429
    # then even the right password is refused for a while, with a page that says why
    response = client.post("/login/", {"username": "maria", "password": PASSWORD})
    assert response.status_code == 429
    assert "Logging in is paused" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_resets_the_failure_count(client, make_user, settings):
    make_user("maria")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "maria", "password": "wrong-guess"})
    assert client.post("/login/", {"username": "maria", "password": PASSWORD}).status_code == 302
    client.post("/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/login/", {"username": "maria", "password": "wrong-guess"})
    assert client.post("/login/", {"username": "maria", "password": PASSWORD}).status_code == 302


def test_lockout_of_one_user_does_not_lock_another(client, make_user, settings):
    make_user("maria")
    make_user("omar")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "maria", "password": "wrong-guess"})
    assert client.post("/login/", {"username": "omar", "password": PASSWORD}).status_code == 302


def test_password_validators_refuse_weak_passwords(client, make_user):
    # given a logged-in user on the security page
    user = make_user("maria")
    client.force_login(user)
    # when they choose a short, common password
    response = client.post(
        "/account/security/", {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"}
    )
    # then it is refused with the reasons, and the old password still works
    body = response.content.decode()
    assert response.status_code == 200
    assert "too short" in body
    assert "too common" in body
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_logs_out_every_other_session(make_user):
    # given the same user logged in on a laptop and a phone
    make_user("maria")
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert device.post("/login/", {"username": "maria", "password": PASSWORD}).status_code == 302
    assert phone.get("/profile/").status_code == 200
    # when the password is changed on the laptop
    new = "a-much-better-passphrase-42"
    response = laptop.post("/account/security/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    # then the laptop stays logged in and the phone is sent to the login page
    assert laptop.get("/profile/").status_code == 200
    phone_answer = phone.get("/profile/")
    assert phone_answer.status_code == 302
    assert phone_answer["Location"].startswith("/login/")


def test_two_factor_enrolment_then_login_asks_for_the_code(client, make_user):
    # given an owner who opens the two-factor page
    user = make_user("olivia")
    client.force_login(user)
    page = client.get("/account/two-factor/")
    body = page.content.decode()
    # then a QR code and the secret as text are shown
    assert 'src="data:image/svg+xml;base64,' in body
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.context["secret"].replace(" ", "") in body.replace(" ", "")
    # when they type the current code, two-factor is on
    assert client.post("/account/two-factor/", {"code": current_code(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    # when they log in again with the password alone
    browser = Client()
    response = browser.post("/login/", {"username": "olivia", "password": PASSWORD, "next": "/workspaces/"})
    # then they are asked for a code and not yet logged in
    assert response.status_code == 302 and response["Location"] == "/login/verify/"
    assert browser.get("/profile/").status_code == 302
    # a wrong code is refused in plain words
    wrong = browser.post("/login/verify/", {"code": "000000" if current_code(device) != "000000" else "111111"})
    assert "did not match" in wrong.content.decode()
    # the right code logs them in and goes where they were heading
    # (the enrolment code was used in this 30-second window and cannot be replayed, and
    # the wrong try above throttles: stand in for the next window)
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()
    response = browser.post("/login/verify/", {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/workspaces/"
    assert browser.get("/profile/").status_code == 200


def test_users_without_two_factor_log_in_with_the_password(client, make_user):
    make_user("maria")
    response = client.post("/login/", {"username": "maria", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] != "/login/verify/"


def test_verify_page_without_a_pending_login_goes_back_to_login(client, make_user):
    make_user("maria")  # with nobody at all, every page leads to first-run setup instead
    assert client.get("/login/verify/")["Location"] == "/login/"


def test_admin_login_goes_through_the_app_login(client, make_user):
    make_user("maria")
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- without Redis, and behind a proxy ------------------------------------------------------


def test_logging_in_works_while_redis_is_down(client, make_user, redis_down):
    # given a user, and the cache's Redis unreachable
    make_user("maria")
    # when they mistype their password, they are told so (no server error)
    wrong = client.post("/login/", {"username": "maria", "password": "wrong-guess"})
    assert wrong.status_code == 200
    assert "did not match" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    # and with the right password they are in
    response = client.post("/login/", {"username": "maria", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile/").status_code == 200


def test_the_lockout_still_holds_while_redis_is_down(client, make_user, settings, redis_down):
    # given the cache's Redis unreachable
    make_user("maria")
    # when someone guesses up to the limit, the login is paused all the same
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "maria", "password": "wrong-guess"})
    response = client.post("/login/", {"username": "maria", "password": PASSWORD})
    assert response.status_code == 429
    assert "Logging in is paused" in response.content.decode()


PROXY = "10.0.0.5"


def test_behind_a_trusted_proxy_each_visitor_is_counted_on_their_own_address(client, make_user, settings):
    # given the app behind a proxy it trusts, and a guesser locking maria out from their address
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    make_user("maria")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/login/",
            {"username": "maria", "password": "wrong-guess"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.66",
        )
    assert (
        client.post(
            "/login/",
            {"username": "maria", "password": PASSWORD},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="203.0.113.66",
        ).status_code
        == 429
    )
    # when maria logs in from her own address through the same proxy
    response = Client().post(
        "/login/", {"username": "maria", "password": PASSWORD}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    # then she is not locked out by the guesser
    assert response.status_code == 302


def test_a_forwarded_address_is_not_believed_from_an_untrusted_sender(client, make_user, settings):
    # given no trusted proxy (the default), a guesser who invents a new X-Forwarded-For each time
    make_user("maria")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/login/",
            {"username": "maria", "password": "wrong-guess"},
            REMOTE_ADDR="203.0.113.66",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    # then the guesses were all counted against their real address
    response = client.post(
        "/login/",
        {"username": "maria", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.66",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429
