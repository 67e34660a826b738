"""Connecting a Pinterest account from the brand page: the browser goes to Pinterest's
authorize page, the callback's code is exchanged with the app's Basic credentials, and the
account is stored with its token expiry and its boards (for the composer); no token shows."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from smm.models import SocialAccount

pytestmark = pytest.mark.django_db

API = "https://api.pinterest.com/v5"


@pytest.fixture
def owner(make_workspace, make_member, make_brand, client, settings):
    settings.PLATFORM_APPS = {
        **settings.PLATFORM_APPS,
        "pinterest": {"client_id": "1484362", "client_secret": "pin-app-SECRET"},
    }
    workspace = make_workspace("Acme")
    person = make_member(workspace, "owner", username="olivia")
    brand = make_brand(workspace, "Acme Coffee")
    client.force_login(person)
    return {"workspace": workspace, "brand": brand, "client": client}


@responses.activate
def test_connect_pinterest_stores_tokens_expiry_and_boards(owner):
    start = reverse(
        "connect_start",
        kwargs={"ws": owner["workspace"].slug, "brand_id": owner["brand"].pk, "network": "pinterest"},
    )
    response = owner["client"].post(start)
    assert response.status_code == 302
    assert response["Location"].startswith("https://www.pinterest.com/oauth/?")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["client_id"] == ["1484362"]
    assert query["redirect_uri"] == ["http://testserver/connect/pinterest/callback/"]

    responses.post(
        f"{API}/oauth/token",
        json={
            "access_token": "pina_ACCESS-SECRET",
            "refresh_token": "pinr_REFRESH-SECRET",
            "expires_in": 2592000,
            "refresh_token_expires_in": 5184000,
            "scope": "boards:read,boards:write,pins:read,pins:write,user_accounts:read",
        },
    )
    responses.get(f"{API}/user_account", json={"id": "5174491", "username": "acmecoffee", "business_name": "Acme"})
    responses.get(f"{API}/boards", json={"items": [{"id": "111", "name": "Roasts", "privacy": "PUBLIC"}]})
    answer = owner["client"].get(
        "/connect/pinterest/callback/", {"code": "the-code", "state": query["state"][0]}, follow=True
    )

    token_call = responses.calls[0].request
    assert token_call.headers["Authorization"].startswith("Basic ")
    assert parse_qs(token_call.body)["code"] == ["the-code"]
    account = SocialAccount.objects.get()
    assert (account.network, account.handle, account.remote_id, account.status) == (
        "pinterest",
        "acmecoffee",
        "5174491",
        "connected",
    )
    assert account.credentials["refresh_token"] == "pinr_REFRESH-SECRET"
    assert account.limits == {"boards": [{"id": "111", "name": "Roasts", "privacy": "PUBLIC"}]}
    in_thirty_days = timezone.now() + dt.timedelta(days=30)
    assert abs((account.token_expires_at - in_thirty_days).total_seconds()) < 120
    page = answer.content.decode()
    assert "Pinterest account acmecoffee is connected to Acme Coffee." in page
    assert "SECRET" not in page
