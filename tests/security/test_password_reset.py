"""Forgotten password: a reset link by email, the same answer for unknown addresses, and
the new password works at the login page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-orchard-47"


@pytest.fixture(autouse=True)
def _fresh_login_counters():
    cache.clear()
    yield
    cache.clear()


def test_login_page_links_to_password_reset(client, make_user):
    make_user("maria")
    page = client.get("/login/").content.decode()
    assert "Forgot your password?" in page and 'href="/password-reset/"' in page


def test_reset_by_email_then_log_in_with_the_new_password(client, make_user, settings):
    # given maria, and an installation that lives at smm.acme.example
    settings.SITE_URL = "https://smm.acme.example"
    make_user("maria", email="maria@acme.example")
    # when she asks for a reset link
    response = client.post("/password-reset/", {"email": "maria@acme.example"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Check your email" in page
    # then one email says which site it is about and carries a link to that site
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@acme.example"]
    assert "smm.acme.example" in message.subject
    assert "maria" in message.body and "smm.acme.example" in message.body
    link = re.search(r"https://smm\.acme\.example(/password-reset/\S+/)", message.body)
    assert link, message.body
    # when she follows it (Django swaps the token into the session and redirects)
    response = client.get(link.group(1), follow=True)
    page = response.content.decode()
    assert 'name="new_password1"' in page
    # and sets a new password
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Your password is set" in response.content.decode()
    # then the new password logs her in and the old one does not
    assert client.post("/login/", {"username": "maria", "password": "pw-for-tests-1"}).status_code == 200
    assert client.post("/login/", {"username": "maria", "password": NEW_PASSWORD}).status_code == 302


def test_unknown_email_gets_the_same_answer_and_no_mail(client, make_user):
    make_user("maria", email="maria@acme.example")
    known = client.post("/password-reset/", {"email": "maria@acme.example"})
    mail.outbox.clear()
    unknown = client.post("/password-reset/", {"email": "nobody@acme.example"})
    # the visitor cannot tell whether an account exists
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []


def test_a_used_or_forged_link_says_so(client, make_user):
    make_user("maria")
    page = client.get("/password-reset/MQ/not-a-token/", follow=True).content.decode()
    assert "This link does not work any more" in page
    assert 'name="new_password1"' not in page


def test_reset_pages_look_like_the_login_page(client, make_user):
    make_user("maria")
    page = client.get("/password-reset/").content.decode()
    assert 'class="login-title"' in page and 'name="email"' in page
    assert 'href="/login/"' in page
