"""Connecting a brand's accounts: the network list, OAuth2 with state and PKCE, Bluesky app
passwords, Mastodon through the live sandbox and the real adapter, rights and tenancy,
and tokens that never show."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.urls import reverse

from smm.connections import SESSION_KEY
from smm.models import AuditEvent, SocialAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_setup(make_workspace, make_member, make_brand, client):
    workspace = make_workspace("Acme")
    owner = make_member(workspace, "owner", username="olivia")
    brand = make_brand(workspace, "Acme Coffee")
    client.force_login(owner)
    return {"workspace": workspace, "owner": owner, "brand": brand, "client": client}


def _choose_url(setup):
    return reverse("connect_choose", kwargs={"ws": setup["workspace"].slug, "brand_id": setup["brand"].pk})


def _start_url(setup, network):
    return reverse(
        "connect_start", kwargs={"ws": setup["workspace"].slug, "brand_id": setup["brand"].pk, "network": network}
    )


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


# --- the list of networks ------------------------------------------------------------------


def test_brand_page_offers_connect_and_lists_every_network(owner_setup, settings):
    # given X configured and the other OAuth networks not
    settings.PLATFORM_APPS = {**settings.PLATFORM_APPS, "x": {"client_id": "x-client", "client_secret": ""}}
    client = owner_setup["client"]

    # when the owner opens the brand and clicks "Connect account"
    brand_page = client.get(owner_setup["brand"].get_absolute_url()).content.decode()
    page = client.get(_choose_url(owner_setup)).content.decode()

    # then every network is listed; unconfigured ones are disabled with the reason
    assert "Connect account" in brand_page
    for label in ("Mastodon", "Bluesky", "X", "LinkedIn", "Facebook Page", "Instagram", "Threads"):
        assert f"Connect {label}" in page
    linkedin = re.search(r'data-testid="network-linkedin".*?</article>', page, re.S).group(0)
    assert "Not configured by your administrator" in linkedin
    assert "disabled" in linkedin
    x_card = re.search(r'data-testid="network-x".*?</article>', page, re.S).group(0)
    assert "disabled" not in x_card
    mastodon = re.search(r'data-testid="network-mastodon".*?</article>', page, re.S).group(0)
    assert "disabled" not in mastodon


def test_unconfigured_network_cannot_be_started(owner_setup):
    response = owner_setup["client"].post(_start_url(owner_setup, "linkedin"), follow=True)
    assert "LinkedIn is not configured by your administrator." in response.content.decode()


# --- rights and tenancy ----------------------------------------------------------------------


def test_editor_cannot_connect_and_other_workspaces_are_404(owner_setup, make_member, make_workspace, client):
    workspace = owner_setup["workspace"]
    editor = make_member(workspace, "editor", username="eddie")
    client.force_login(editor)
    assert client.get(_choose_url(owner_setup)).status_code == 403
    assert client.post(_start_url(owner_setup, "mastodon"), {"instance": "x.example"}).status_code == 403
    # and the editor does not see the button
    assert "Connect account" not in client.get(owner_setup["brand"].get_absolute_url()).content.decode()

    outsider = make_member(make_workspace("Other"), "owner", username="oscar")
    client.force_login(outsider)
    assert client.get(_choose_url(owner_setup)).status_code == 404

    client.logout()
    assert client.get(_choose_url(owner_setup)).status_code == 302


def test_brand_of_another_workspace_is_404(owner_setup, make_workspace, make_brand):
    other_brand = make_brand(make_workspace("Other"), "Not yours")
    url = reverse("connect_choose", kwargs={"ws": owner_setup["workspace"].slug, "brand_id": other_brand.pk})
    assert owner_setup["client"].get(url).status_code == 404


# --- OAuth 2 with state and PKCE (X, replayed) --------------------------------------------------


X_TOKEN = "x-access-token-SECRET-123"


def _start_x(setup, settings):
    settings.PLATFORM_APPS = {**settings.PLATFORM_APPS, "x": {"client_id": "x-client", "client_secret": ""}}
    response = setup["client"].post(_start_url(setup, "x"))
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    return response, query


def test_oauth_start_keeps_state_and_verifier_in_the_session(owner_setup, settings):
    # when the owner starts connecting X
    response, query = _start_x(owner_setup, settings)

    # then the browser goes to X with a state and an S256 challenge of the session's verifier
    assert response["Location"].startswith("https://x.com/i/oauth2/authorize?")
    state = query["state"][0]
    pending = owner_setup["client"].session[SESSION_KEY][state]
    assert query["code_challenge"] == [_challenge(pending["verifier"])]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://testserver/connect/x/callback/"]


@responses.activate
def test_callback_with_a_wrong_state_is_refused(owner_setup, settings):
    # given a started flow
    _response, query = _start_x(owner_setup, settings)

    # when the callback arrives with another state (a forged or replayed link)
    answer = owner_setup["client"].get("/connect/x/callback/", {"code": "abc", "state": "forged"}, follow=True)

    # then nothing is exchanged or connected, and the user is told why
    assert "could not be verified" in answer.content.decode()
    assert len(responses.calls) == 0
    assert SocialAccount.objects.count() == 0
    # and the real state still works once, not twice
    assert query["state"][0] in owner_setup["client"].session[SESSION_KEY]


@responses.activate
def test_callback_exchanges_the_code_with_the_verifier_and_connects(owner_setup, settings):
    # given a started flow and X's token and user endpoints
    _response, query = _start_x(owner_setup, settings)
    state = query["state"][0]
    verifier = owner_setup["client"].session[SESSION_KEY][state]["verifier"]
    responses.post(
        "https://api.x.com/2/oauth2/token",
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": X_TOKEN,
            "scope": "tweet.read tweet.write users.read offline.access",
            "refresh_token": "x-refresh-SECRET-456",
        },
    )
    responses.get(
        "https://api.x.com/2/users/me",
        json={"data": {"id": "2244994945", "name": "Acme Coffee", "username": "acmecoffee"}},
    )

    # when X sends the browser back with the code and the state
    answer = owner_setup["client"].get("/connect/x/callback/", {"code": "the-code", "state": state}, follow=True)

    # then the code was exchanged with the session's verifier (PKCE) and the account is connected
    body = parse_qs(responses.calls[0].request.body)
    assert body["code"] == ["the-code"]
    assert body["code_verifier"] == [verifier]
    assert _challenge(body["code_verifier"][0]) == query["code_challenge"][0]
    account = SocialAccount.objects.get()
    assert (account.network, account.handle, account.status) == ("x", "@acmecoffee", "connected")
    assert account.credentials["access_token"] == X_TOKEN
    page = answer.content.decode()
    assert "X account @acmecoffee is connected to Acme Coffee." in page
    assert X_TOKEN not in page and "x-refresh-SECRET-456" not in page
    # and the state cannot be used a second time
    again = owner_setup["client"].get("/connect/x/callback/", {"code": "the-code", "state": state}, follow=True)
    assert "could not be verified" in again.content.decode()


def test_a_flow_started_by_one_user_cannot_be_finished_by_another(owner_setup, settings, make_member, client):
    # given Olivia started a flow
    _response, query = _start_x(owner_setup, settings)

    # when Mallory (another member) opens the callback link in her own session
    mallory = make_member(owner_setup["workspace"], "owner", username="mallory")
    from django.test import Client

    other = Client()
    other.force_login(mallory)
    answer = other.get("/connect/x/callback/", {"code": "abc", "state": query["state"][0]}, follow=True)

    # then it is refused: the state lives in Olivia's session only
    assert "could not be verified" in answer.content.decode()
    assert SocialAccount.objects.count() == 0


def test_denied_on_the_network_says_so(owner_setup, settings):
    _response, query = _start_x(owner_setup, settings)
    answer = owner_setup["client"].get(
        "/connect/x/callback/", {"error": "access_denied", "state": query["state"][0]}, follow=True
    )
    assert "You did not allow SMM on X; nothing was connected." in answer.content.decode()
    assert SocialAccount.objects.count() == 0


# --- Bluesky app password (replayed) ----------------------------------------------------------


BSKY_ACCESS = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQ4MDAwMDAwMDB9.bsky-access-SECRET"
BSKY_REFRESH = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjQ4MDAwMDAwMDB9.bsky-refresh-SECRET"


@responses.activate
def test_bluesky_connects_with_an_app_password(owner_setup):
    # given Bluesky's session and profile endpoints
    responses.post(
        "https://bsky.social/xrpc/com.atproto.server.createSession",
        json={
            "did": "did:plc:z72i7hdynmk6r22z27h6tvur",
            "handle": "acme.bsky.social",
            "accessJwt": BSKY_ACCESS,
            "refreshJwt": BSKY_REFRESH,
            "active": True,
        },
    )
    responses.get(
        "https://bsky.social/xrpc/app.bsky.actor.getProfile",
        json={"did": "did:plc:z72i7hdynmk6r22z27h6tvur", "handle": "acme.bsky.social", "displayName": "Acme"},
    )

    # when the owner fills in the app password form
    answer = owner_setup["client"].post(
        _start_url(owner_setup, "bluesky"),
        {"identifier": "@acme.bsky.social", "password": "abcd-efgh-ijkl-mnop", "server": ""},
        follow=True,
    )

    # then the account is connected and nothing secret shows
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {"identifier": "acme.bsky.social", "password": "abcd-efgh-ijkl-mnop"}
    account = SocialAccount.objects.get()
    assert (account.network, account.remote_id, account.status) == (
        "bluesky",
        "did:plc:z72i7hdynmk6r22z27h6tvur",
        "connected",
    )
    page = answer.content.decode()
    assert "Bluesky account @acme.bsky.social is connected to Acme Coffee." in page
    for secret in ("abcd-efgh-ijkl-mnop", BSKY_ACCESS, BSKY_REFRESH):
        assert secret not in page
        assert secret not in json.dumps(list(AuditEvent.objects.values("message", "data")))


@responses.activate
def test_bluesky_wrong_password_re_renders_with_a_clear_error(owner_setup):
    responses.post(
        "https://bsky.social/xrpc/com.atproto.server.createSession",
        status=401,
        json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
    )
    answer = owner_setup["client"].post(
        _start_url(owner_setup, "bluesky"), {"identifier": "acme.bsky.social", "password": "wrong-pass"}
    )
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "Bluesky did not accept that handle and app password." in page
    assert 'value="acme.bsky.social"' in page  # what was typed is kept
    assert "wrong-pass" not in page  # but never the password
    assert SocialAccount.objects.count() == 0


# --- Mastodon through the live sandbox and the real adapter over HTTP ----------------------------


def _approve_on_sandbox(authorize_url: str, *, new_username="", account_id=None) -> str:
    """Act as the browser on the sandbox's consent page; returns where it sends us back."""
    session = requests.Session()
    page = session.get(authorize_url, timeout=10)
    assert page.status_code == 200
    assert "Authorize SMM" in page.text
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    form["decision"] = "approve"
    if new_username:
        form["new_username"] = new_username
    if account_id:
        form["account"] = str(account_id)
    from html import unescape

    form = {k: unescape(v) for k, v in form.items()}
    approved = session.post(
        authorize_url.split("?")[0],
        data=form,
        headers={"Referer": authorize_url},
        allow_redirects=False,
        timeout=10,
    )
    assert approved.status_code == 302, approved.text[:500]
    return approved.headers["Location"]


@pytest.mark.django_db(transaction=True)
def test_mastodon_connects_to_the_live_sandbox_through_the_real_adapter(owner_setup, live_server, settings):
    from sandbox.models import SandboxApp, SandboxStatus, SandboxToken

    settings.ALLOW_PRIVATE_OUTBOUND = True
    client = owner_setup["client"]
    instance = f"{live_server.url}/sandbox"

    # when the owner enters the sandbox as the Mastodon server
    start = client.post(_start_url(owner_setup, "mastodon"), {"instance": instance})

    # then SMM registered itself there and sends the browser to the sandbox's consent page
    assert start.status_code == 302
    assert start["Location"].startswith(f"{instance}/oauth/authorize?")
    app = SandboxApp.objects.get()
    assert app.redirect_uris == "http://testserver/connect/mastodon/callback/"

    # when the person approves as a new sandbox account
    back = urlsplit(_approve_on_sandbox(start["Location"], new_username="acme_live"))
    assert back.path == "/connect/mastodon/callback/"
    answer = client.get(back.path, parse_qs(back.query), follow=True)

    # then the account is connected with the sandbox's token
    account = SocialAccount.objects.get(network="mastodon")
    assert account.status == "connected"
    assert account.handle == f"@acme_live@{urlsplit(live_server.url).hostname}"
    assert account.base_url == instance
    # with the limits the server announced (GET /api/v2/instance), for the composer
    assert account.limits["max_text_length"] == 500
    assert account.limits["max_images"] == 4
    token = account.credentials["access_token"]
    assert SandboxToken.objects.get(token=token).account.username == "acme_live"
    page = answer.content.decode()
    assert "is connected to Acme Coffee" in page
    assert token not in page and app.client_secret not in page

    # and the real adapter publishes with it over HTTP
    from smm.platforms.base import AccountContext, PostContent, PublishAttempt
    from smm.platforms.mastodon import MastodonAdapter

    result = MastodonAdapter().publish(
        AccountContext(network="mastodon", base_url=account.base_url, credentials=account.credentials),
        PostContent(text="Hello from the connected account"),
        PublishAttempt(idempotency_key="live-1"),
    )
    assert SandboxStatus.objects.get(pk=result.remote_id).account.username == "acme_live"

    # and connecting a second account on the same server reuses SMM's registration
    client.post(_start_url(owner_setup, "mastodon"), {"instance": instance})
    assert SandboxApp.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_mastodon_wrong_pkce_verifier_is_refused_by_the_sandbox(owner_setup, live_server, settings):
    settings.ALLOW_PRIVATE_OUTBOUND = True
    client = owner_setup["client"]
    start = client.post(_start_url(owner_setup, "mastodon"), {"instance": f"{live_server.url}/sandbox"})
    back = urlsplit(_approve_on_sandbox(start["Location"], new_username="pkce_check"))
    state = parse_qs(back.query)["state"][0]

    # given the verifier in the session was tampered with
    session = client.session
    session[SESSION_KEY][state]["verifier"] = "not-the-verifier-" + "x" * 40
    session.save()

    # when the callback exchanges the code
    answer = client.get(back.path, parse_qs(back.query), follow=True)

    # then the sandbox refuses the grant and nothing is connected
    assert "Could not connect Mastodon" in answer.content.decode()
    assert SocialAccount.objects.count() == 0


def test_mastodon_instance_form_refuses_nonsense(owner_setup):
    answer = owner_setup["client"].post(_start_url(owner_setup, "mastodon"), {"instance": "https://x.example/?a=b"})
    assert answer.status_code == 200
    assert "without anything after it" in answer.content.decode()


def test_reconnect_offers_the_flow_again_for_an_account_that_needs_it(owner_setup, make_account):
    account = make_account(owner_setup["brand"], "mastodon", "@acme", base_url="https://social.example")
    account.mark_needs_reconnect("Mastodon no longer accepts SMM's access")
    page = owner_setup["client"].get(owner_setup["brand"].get_absolute_url()).content.decode()
    assert "Reconnect" in page
    assert "secret-token-value" not in page

    url = reverse("account_reconnect", kwargs={"ws": owner_setup["workspace"].slug, "account_id": account.pk})
    answer = owner_setup["client"].post(url, follow=True)
    assert "Reconnect @acme" in answer.content.decode()
    assert 'value="https://social.example"' in answer.content.decode()
