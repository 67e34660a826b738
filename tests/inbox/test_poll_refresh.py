"""An inbox poll that meets a refused token refreshes it once and tries again, as publishing
does; only a refresh the network refuses asks a person to reconnect the account. Replayed
with YouTube's documented shapes (401 on the API, Google's token endpoint)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs

import pytest
import responses
from responses import matchers

from inbox import tasks
from inbox.models import InboxCursor, InboxItem
from smm.platforms.youtube import API, TOKEN_URL
from tests.inbox.conftest import GOOGLE_UNAUTHORIZED

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

CHANNEL = "UCacme"


@pytest.fixture
def youtube(shop, make_account):
    # The token looks valid for an hour: the adapter has no reason to refresh it first.
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    return make_account(
        shop["brand"],
        "youtube",
        "@acme",
        remote_id=CHANNEL,
        credentials={
            "access_token": "ya29.revoked",
            "refresh_token": "1//refresh",
            "access_expires_at": future,
            "channel_id": CHANNEL,
        },
    )


def comment_thread(thread_id: str, text: str) -> dict:
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)).isoformat().replace("+00:00", "Z")
    return {
        "id": thread_id,
        "snippet": {
            "videoId": "vid00000001",
            "topLevelComment": {
                "id": thread_id,
                "snippet": {
                    "textOriginal": text,
                    "authorDisplayName": "Sam",
                    "authorChannelId": {"value": "UCsam"},
                    "publishedAt": when,
                },
            },
        },
    }


def bearer(token: str):
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


def test_a_refused_token_is_refreshed_once_and_the_poll_goes_on(youtube):
    # given YouTube refuses the stored token, and Google hands out a new one
    with responses.RequestsMock() as replay:
        replay.add(
            responses.GET, f"{API}/commentThreads", status=401, json=GOOGLE_UNAUTHORIZED, match=[bearer("ya29.revoked")]
        )
        token = replay.add(
            responses.POST,
            TOKEN_URL,
            json={"access_token": "ya29.fresh", "expires_in": 3599, "token_type": "Bearer", "scope": "youtube"},
        )
        replay.add(
            responses.GET,
            f"{API}/commentThreads",
            json={"items": [comment_thread("UgA", "Where can I buy this?")]},
            match=[bearer("ya29.fresh")],
        )

        # when the account is polled
        result = tasks.poll_account(youtube.pk)

        # then the refresh token was spent once and the comment came in
        assert token.call_count == 1
        assert parse_qs(replay.calls[1].request.body)["grant_type"] == ["refresh_token"]
    assert result == "1 new"
    assert InboxItem.objects.filter(account=youtube, remote_id="UgA").exists()
    youtube.refresh_from_db()
    assert youtube.status == "connected"
    assert youtube.credentials["access_token"] == "ya29.fresh"  # saved back, encrypted at rest
    assert InboxCursor.objects.get(account=youtube).failures == 0


def test_a_refused_refresh_asks_for_a_reconnect(youtube):
    # given YouTube refuses the token and Google refuses the refresh token (revoked)
    with responses.RequestsMock() as replay:
        replay.add(responses.GET, f"{API}/commentThreads", status=401, json=GOOGLE_UNAUTHORIZED)
        replay.add(
            responses.POST,
            TOKEN_URL,
            status=400,
            json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        )

        # when the account is polled
        tasks.poll_account(youtube.pk)

        # then nothing was tried a third time
        assert len(replay.calls) == 2
    youtube.refresh_from_db()
    assert youtube.status == "needs_reconnect"
    assert "reconnect" in youtube.status_reason.lower()


def test_a_token_still_refused_after_the_refresh_asks_for_a_reconnect(youtube):
    # given a fresh token that YouTube refuses too: one refresh only, no loop
    with responses.RequestsMock() as replay:
        replay.add(responses.GET, f"{API}/commentThreads", status=401, json=GOOGLE_UNAUTHORIZED)
        token = replay.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.fresh", "expires_in": 3599})

        tasks.poll_account(youtube.pk)

        assert token.call_count == 1
        assert len(replay.calls) == 3
    youtube.refresh_from_db()
    assert youtube.status == "needs_reconnect"


def test_a_network_without_refresh_tokens_asks_for_a_reconnect_at_once(shop, network):
    # Mastodon tokens do not expire and cannot be refreshed: a 401 means revoked.
    revoked = {"error": "The access token is invalid"}
    network.get("https://social.example/api/v1/notifications", status=401, json=revoked)

    tasks.poll_account(shop["account"].pk)

    assert len(network.calls) == 1
    shop["account"].refresh_from_db()
    assert shop["account"].status == "needs_reconnect"
