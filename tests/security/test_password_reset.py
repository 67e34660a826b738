"""Forgotten password: a reset link by email, the same answer for unknown addresses, and
the new password works at the login page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_login_counters")]

NEW_PASSWORD = "lantern-orchard-47"


@pytest.fixture(autouse=True)
def worker(monkeypatch):
    """The Celery worker: runs what a request hands over, at once."""
    from smm import tasks

    monkeypatch.setattr(tasks.send_password_reset_email, "delay", tasks.send_password_reset_email)


@pytest.fixture
def ask(client, django_capture_on_commit_callbacks):
    """Asks for a reset link, as a browser does; what the request does after commit runs."""

    def post(email: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/password-reset/", {"email": email})

    return post


def test_login_page_links_to_password_reset(client, make_user):
    make_user("maria")
    page = client.get("/login/").content.decode()
    assert "Forgot your password?" in page and 'href="/password-reset/"' in page


def test_reset_by_email_then_log_in_with_the_new_password(client, ask, make_user, settings):
    # given maria, and an installation that lives at smm.acme.example
    settings.SITE_URL = "https://smm.acme.example"
    make_user("maria", email="maria@acme.example")
    # when she asks for a reset link
    response = ask("maria@acme.example")
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


def test_unknown_email_gets_the_same_answer_and_no_mail(ask, make_user):
    make_user("maria", email="maria@acme.example")
    known = ask("maria@acme.example")
    mail.outbox.clear()
    unknown = ask("nobody@acme.example")
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


def test_the_request_sends_nothing_itself_and_the_broker_carries_no_token(ask, make_user, monkeypatch):
    # given maria, and a worker that does not run (the request alone)
    from smm import tasks

    handed = []
    monkeypatch.setattr(tasks.send_password_reset_email, "delay", lambda *args: handed.append(args))
    maria = make_user("maria", email="maria@acme.example")
    # when she asks for a link
    response = ask("maria@acme.example")
    # then the answer came before any email was written: a known address answers like an
    # unknown one, and what goes to the worker is her id, not the link's token
    assert response.status_code == 302 and mail.outbox == []
    assert handed == [(maria.pk,)]


def test_too_many_requests_from_one_address_wait_and_keep_what_was_typed(client, ask, make_user, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 2
    make_user("maria", email="maria@acme.example")
    for _ in range(2):
        assert ask("someone@acme.example").status_code == 302
    # the third within the hour is refused, in words, with the address still in the field
    response = ask("maria@acme.example")
    page = response.content.decode()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many reset links were asked from your address" in page
    assert 'value="maria@acme.example"' in page
    assert mail.outbox == []


def test_one_account_gets_at_most_three_links_an_hour_and_the_answer_does_not_change(ask, make_user):
    make_user("maria", email="maria@acme.example")
    answers = [ask("maria@acme.example") for _ in range(5)]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/password-reset/sent/")}
    assert len(mail.outbox) == 3


def test_an_account_deactivated_before_the_worker_runs_gets_no_link(make_user):
    from smm.tasks import send_password_reset_email

    maria = make_user("maria", email="maria@acme.example", is_active=False)
    assert send_password_reset_email(maria.pk) is False
    assert mail.outbox == []
