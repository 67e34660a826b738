"""Connecting a YouTube channel through the app: Google's consent screen with offline access
and PKCE, the code exchanged with the session's verifier, the channel stored with its
uploads playlist, no connection expiry to warn about, and tokens that never show."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse

from smm.connections import SESSION_KEY
from smm.models import SocialAccount
from smm.platforms.youtube import API, TOKEN_URL

pytestmark = pytest.mark.django_db

ACCESS = "ya29.SECRET-access"
REFRESH = "1//SECRET-refresh"


@pytest.fixture
def owner_setup(make_workspace, make_member, make_brand, client, settings):
    settings.PLATFORM_APPS = {
        **settings.PLATFORM_APPS,
        "youtube": {"client_id": "yt.apps.googleusercontent.com", "client_secret": "yt-secret"},
    }
    workspace = make_workspace("Acme")
    owner = make_member(workspace, "owner", username="olivia")
    brand = make_brand(workspace, "Acme Coffee")
    client.force_login(owner)
    return {"workspace": workspace, "brand": brand, "client": client}


@responses.activate
def test_a_youtube_channel_connects_with_offline_consent_and_pkce(owner_setup):
    start = reverse(
        "connect_start",
        kwargs={"ws": owner_setup["workspace"].slug, "brand_id": owner_setup["brand"].pk, "network": "youtube"},
    )
    response = owner_setup["client"].post(start)
    assert response.status_code == 302
    assert response["Location"].startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    state = query["state"][0]
    verifier = owner_setup["client"].session[SESSION_KEY][state]["verifier"]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == [challenge]

    responses.post(
        TOKEN_URL,
        json={"access_token": ACCESS, "expires_in": 3599, "refresh_token": REFRESH, "token_type": "Bearer"},
    )
    responses.get(
        f"{API}/channels",
        json={
            "items": [
                {
                    "id": "UCacme",
                    "snippet": {"title": "Acme Coffee", "customUrl": "@acmecoffee"},
                    "contentDetails": {"relatedPlaylists": {"uploads": "UUacme"}},
                }
            ]
        },
    )
    answer = owner_setup["client"].get("/connect/youtube/callback/", {"code": "4/0code", "state": state}, follow=True)

    body = parse_qs(responses.calls[0].request.body)
    assert body["code_verifier"] == [verifier] and body["client_secret"] == ["yt-secret"]
    account = SocialAccount.objects.get()
    assert (account.network, account.remote_id, account.handle) == ("youtube", "UCacme", "@acmecoffee")
    assert account.credentials["refresh_token"] == REFRESH
    assert account.credentials["uploads_playlist"] == "UUacme"
    assert account.token_expires_at is None  # the hour-long access token renews itself
    page = answer.content.decode()
    assert "YouTube account @acmecoffee is connected to Acme Coffee." in page
    assert ACCESS not in page and REFRESH not in page
