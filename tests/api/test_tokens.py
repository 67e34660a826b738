"""Personal API tokens: created and revoked in the UI, shown once, stored hashed, scoped
to one workspace and a role no higher than the owner's; session auth needs CSRF."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def test_token_created_in_the_ui_is_shown_once_and_stored_hashed(client, world):
    # given the owner on the API page
    client.force_login(world["owner"])
    # when they create a token
    response = client.post("/w/acme/api/tokens/", {"name": "BI export", "role": "editor"})
    # then the page shows it once, and only its hash is stored
    assert response.status_code == 200
    raw = response.context["new_token"]["raw"]
    assert raw.startswith("smm_") and raw in response.content.decode()
    from smm.models_api import ApiToken

    token = ApiToken.objects.get(name="BI export")
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values().get(pk=token.pk))
    assert raw[4:].startswith(token.prefix)
    # and the next visit of the page does not show it again
    assert raw not in client.get("/w/acme/api/").content.decode()
    # and the token works
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(url("brands/")).status_code == 200


def test_a_token_role_cannot_exceed_the_users_role(client, world, make_member):
    # given an editor
    editor = make_member(world["ws"], "editor", username="ed")
    client.force_login(editor)
    # when they ask for an owner token
    response = client.post("/w/acme/api/tokens/", {"name": "too strong", "role": "owner"})
    # then the form refuses it
    assert response.status_code == 400
    assert "role" in response.context["token_form"].errors


def test_a_client_cannot_open_the_token_page(client, world, make_member):
    reader = make_member(world["ws"], "client", username="reader")
    client.force_login(reader)
    assert client.get("/w/acme/api/").status_code == 403


def test_revoked_token_gets_401(client, world, token_for):
    # given a working token
    token, raw = token_for(world["owner"], world["ws"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(url("brands/")).status_code == 200
    # when the owner revokes it in the UI
    client.force_login(world["owner"])
    response = client.post(f"/w/acme/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    # then it no longer authenticates
    response = api.get(url("brands/"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_someone_elses_token_cannot_be_revoked_by_an_editor(client, world, token_for, make_member):
    token, _ = token_for(world["owner"], world["ws"])
    editor = make_member(world["ws"], "editor", username="ed2")
    client.force_login(editor)
    assert client.post(f"/w/acme/api/tokens/{token.pk}/revoke/").status_code == 404


def test_unknown_or_malformed_token_is_401():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Bearer smm_nope_nope")
    assert api.get(url("brands/")).status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Bearer")
    assert api.get(url("brands/")).status_code == 401
    assert APIClient().get(url("brands/")).status_code == 401


def test_a_token_sees_only_its_workspace(world, token_for, make_member):
    # given the owner is also a member of the other workspace
    from smm.models import Membership

    Membership.objects.create(workspace=world["other"], user=world["owner"], role="owner")
    _, raw = token_for(world["owner"], world["ws"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # then the token lists one workspace and the other is a 404
    listed = api.get("/api/v1/workspaces/").json()["results"]
    assert [w["slug"] for w in listed] == ["acme"]
    assert api.get(url("brands/", ws="other")).status_code == 404
    assert api.get("/api/v1/workspaces/other/").status_code == 404


def test_token_role_follows_a_demotion_and_a_removal(world, token_for, make_member):
    # given a manager's manager token
    from smm.models import Membership

    manager = make_member(world["ws"], "manager", username="mgr")
    _, raw = token_for(manager, world["ws"], "manager")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/workspaces/acme/").json()["role"] == "manager"
    # when the manager is demoted to client, the token acts as a client
    Membership.objects.filter(user=manager).update(role="client")
    assert api.get("/api/v1/workspaces/acme/").json()["role"] == "client"
    body = {"brand": world["brand"].pk, "accounts": [world["accounts"][0].pk], "text": "hi"}
    assert api.post(url("posts/"), body, format="json").status_code == 403
    # when they leave the workspace, the token stops working
    Membership.objects.filter(user=manager).delete()
    assert api.get("/api/v1/workspaces/acme/").status_code == 401


def test_session_auth_needs_csrf(world):
    # given the app's own JavaScript signed in with a session
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(world["owner"])
    # then reads work, and writes without the CSRF token are refused
    assert browser.get(url("brands/")).status_code == 200
    body = {"brand": world["brand"].pk, "accounts": [world["accounts"][0].pk], "text": "hi"}
    response = browser.post(url("posts/"), body, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    # and with it they pass
    browser.get("/w/acme/")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(url("posts/"), body, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content


# --- expiry -------------------------------------------------------------------------------------


def test_a_token_created_with_an_expiry_shows_it_and_works_until_then(client, world):
    # given the owner on the API page, which offers an expiry
    client.force_login(world["owner"])
    page = client.get("/w/acme/api/").content.decode()
    assert 'name="expires"' in page
    # when they create a token that expires in 30 days
    response = client.post("/w/acme/api/tokens/", {"name": "Zapier", "role": "editor", "expires": "30"})
    assert response.status_code == 200
    from smm.models_api import ApiToken

    token = ApiToken.objects.get(name="Zapier")
    # then it expires in 30 days, the list says when, and it works meanwhile
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    listed = client.get("/w/acme/api/").content.decode()
    assert f"Expires {token.expires_at:%-d %b %Y}" in listed
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.context['new_token']['raw']}")
    assert api.get(url("brands/")).status_code == 200


def test_a_token_without_expiry_never_expires(client, world):
    client.force_login(world["owner"])
    client.post("/w/acme/api/tokens/", {"name": "BI", "role": "editor", "expires": "never"})
    from smm.models_api import ApiToken

    assert ApiToken.objects.get(name="BI").expires_at is None
    assert "Never expires" in client.get("/w/acme/api/").content.decode()


def test_an_unknown_expiry_choice_is_refused_with_what_was_typed_kept(client, world):
    client.force_login(world["owner"])
    response = client.post("/w/acme/api/tokens/", {"name": "BI export", "role": "editor", "expires": "9999"})
    assert response.status_code == 400
    assert "expires" in response.context["token_form"].errors
    assert 'value="BI export"' in response.content.decode()


def test_an_expired_token_is_refused_with_the_date(world, token_for):
    # given a token that expired yesterday
    token, raw = token_for(world["owner"], world["ws"])
    token.expires_at = timezone.now() - dt.timedelta(days=1)
    token.save(update_fields=["expires_at"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    # when a program uses it
    response = api.get(url("brands/"))
    # then it gets a 401 that says it expired, and when
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert detail.startswith(f"This token expired on {token.expires_at:%Y-%m-%d %H:%M} UTC")


# --- members who leave --------------------------------------------------------------------------


def test_removing_a_member_revokes_their_tokens_and_a_new_invitation_does_not_revive_them(
    client, world, token_for, make_member
):
    from smm.models import AuditEvent, Invitation, Membership
    from smm.models_api import ApiToken

    # given a manager with a working token
    manager = make_member(world["ws"], "manager", username="mgr", email="mgr@example.com")
    token, raw = token_for(manager, world["ws"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(url("brands/")).status_code == 200
    # when the owner removes them from the workspace
    client.force_login(world["owner"])
    membership = Membership.objects.get(user=manager, workspace=world["ws"])
    assert client.post(f"/w/acme/members/{membership.pk}/", {"action": "remove"}).status_code == 302
    # then their token is revoked, and the audit log says so and who did it
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(verb="api.token_revoked", subject_id=str(token.pk))
    assert event.actor == world["owner"]
    assert api.get(url("brands/")).status_code == 401
    # when they are invited again and accept
    invitation = Invitation.objects.create(workspace=world["ws"], email="mgr@example.com", role="manager")
    returning = Client()
    returning.force_login(manager)
    assert returning.post(invitation.get_accept_url()).status_code == 302
    assert Membership.objects.filter(user=manager, workspace=world["ws"]).exists()
    # then the old token still does not work
    assert api.get(url("brands/")).status_code == 401
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_a_membership_removed_elsewhere_revokes_the_tokens_too(world, token_for, make_member):
    # given a manager with a token, removed outside the members page (admin, shell)
    from smm.models import Membership

    manager = make_member(world["ws"], "manager", username="mgr")
    token, _ = token_for(manager, world["ws"])
    kept, _ = token_for(world["owner"], world["ws"])
    Membership.objects.filter(user=manager, workspace=world["ws"]).delete()
    # then their token is revoked and nobody else's
    token.refresh_from_db()
    kept.refresh_from_db()
    assert token.revoked_at is not None
    assert kept.revoked_at is None
