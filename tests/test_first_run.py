"""First run: while no user exists every page leads to the one-time setup page, which
creates the owner and the first workspace; once anyone exists it is gone."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from smm.models import AuditEvent, Installation, Membership, Workspace

pytestmark = pytest.mark.django_db

SETUP = {
    "username": "maria",
    "email": "maria@acme.example",
    "password1": "kettle-harbour-91",
    "password2": "kettle-harbour-91",
    "workspace_name": "Acme Coffee",
    "time_zone": "Europe/Berlin",
}


def test_every_page_leads_to_setup_while_nobody_exists(client):
    # given an installation without any user
    # when a visitor opens the home page, the login page, a workspace page, the admin
    for path in ["/", "/login/", "/workspaces/", "/w/acme/", "/admin/", "/login/verify/"]:
        response = client.get(path)
        # then each one sends them to the setup page
        assert response.status_code == 302, path
        assert response["Location"] == "/setup/", path
    # machine endpoints answer as usual
    assert client.get("/healthz").status_code == 200


def test_setup_page_asks_for_the_owner_and_the_first_workspace(client):
    page = client.get("/setup/").content.decode()
    for field in ["username", "email", "password1", "password2", "workspace_name", "time_zone"]:
        assert f'name="{field}"' in page, field


def test_setup_creates_owner_and_workspace_and_logs_in(client):
    # when the self-hoster fills the setup form
    response = client.post("/setup/", SETUP)
    # then they land in the new workspace, logged in
    workspace = Workspace.objects.get()
    assert response.status_code == 302
    assert response["Location"] == workspace.get_absolute_url()
    assert client.get(workspace.get_absolute_url()).status_code == 200
    # the workspace is theirs, in their time zone, and the audit log says who made it
    user = get_user_model().objects.get()
    assert (user.username, user.email) == ("maria", "maria@acme.example")
    assert user.check_password("kettle-harbour-91")
    assert workspace.name == "Acme Coffee" and workspace.time_zone == "Europe/Berlin"
    assert Membership.objects.get(user=user, workspace=workspace).role == "owner"
    assert AuditEvent.objects.filter(workspace=workspace, actor=user, verb="workspace.created").exists()
    # the first user administers the installation (the admin's operator pages)
    assert user.is_staff and user.is_superuser
    # and the login page no longer leads to setup
    client.logout()
    assert client.get("/login/").status_code == 200


def test_setup_is_gone_once_a_user_exists(client, make_user):
    # given someone already exists (made by setup, a command or createsuperuser)
    make_user("first")
    # then the setup page is not found, and sending it creates nothing
    assert client.get("/setup/").status_code == 404
    assert client.post("/setup/", SETUP).status_code == 404
    assert not get_user_model().objects.filter(username="maria").exists()
    assert not Workspace.objects.exists()


def test_invalid_setup_keeps_what_was_typed(client):
    # when the passwords are weak and do not match
    response = client.post("/setup/", {**SETUP, "password1": "acme", "password2": "acme2"})
    # then the form comes back with the reason and what was typed, and nothing is created
    assert response.status_code == 200
    page = response.content.decode()
    assert "didn’t match" in page or "didn't match" in page
    assert 'value="maria"' in page and 'value="maria@acme.example"' in page
    assert 'value="Acme Coffee"' in page
    assert '<option value="Europe/Berlin" selected>' in page
    assert not get_user_model().objects.exists() and not Workspace.objects.exists()


def test_setup_refuses_a_weak_password_with_the_validators_words(client):
    response = client.post("/setup/", {**SETUP, "password1": "password", "password2": "password"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "This password is too short" in page and "This password is too common" in page
    assert not get_user_model().objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("set_up_before", [False, True], ids=["new installation", "all users removed since"])
def test_two_setups_sent_at_once_create_one_owner(monkeypatch, set_up_before):
    # given two people send the setup form at the same moment; the first stops right
    # after its "nobody exists yet" check and waits (bounded) for the second to get there
    from smm import first_run

    if set_up_before:
        Installation.objects.create(pk=1, set_up_at=timezone.now())

    real_create = first_run.create_owner
    both_checked = threading.Barrier(2, timeout=2)
    results = {}

    def create_after_both_checked(**kwargs):
        try:
            both_checked.wait()
        except threading.BrokenBarrierError:
            pass  # the other one is held at the lock: the guard works
        return real_create(**kwargs)

    def submit(name):
        try:
            first_run.set_up_installation(
                username=name,
                email=f"{name}@acme.example",
                password="kettle-harbour-91",
                workspace_name=f"{name} workspace",
                time_zone="UTC",
            )
            results[name] = "created"
        except first_run.SetupDone:
            results[name] = "refused"
        except OperationalError as error:
            # The test's in-memory SQLite answers a second writer at once instead of
            # making it wait as a database file does: turned away all the same.
            if "locked" not in str(error):
                raise
            results[name] = "refused"
        finally:
            connection.close()

    monkeypatch.setattr(first_run, "create_owner", create_after_both_checked)
    threads = [threading.Thread(target=submit, args=(name,)) for name in ("ana", "ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then exactly one of them became the owner; the other was told setup is done
    assert sorted(results.values()) == ["created", "refused"]
    assert get_user_model().objects.count() == 1
    assert Workspace.objects.count() == 1
    assert Membership.objects.get().role == "owner"


def test_demo_installation_never_shows_setup(client, make_user):
    # given the demo (or any installation) has users
    make_user("demo")
    # then the login page is the login page
    response = client.get(reverse("login"))
    assert response.status_code == 200 and 'name="username"' in response.content.decode()
