"""A reply the network refuses for its token is sent again after one refresh, as the inbox
poll and publishing do; only a refused refresh, or a renewed token refused too, asks a
person to reconnect the account. A 401 comes before the network writes anything, so the
retry cannot make a second reply. Replayed with YouTube's and X's documented shapes."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs

import pytest
import responses
from responses import matchers

from inbox import actions
from inbox.models import InboxReply
from smm.platforms.youtube import API, TOKEN_URL
from tests.inbox.conftest import GOOGLE_UNAUTHORIZED, MASTODON, network_item

pytestmark = pytest.mark.django_db

COMMENTS = f"{API}/comments"
X_API = "https://api.x.com"
COMMENT = {
    "kind": "youtube#comment",
    "id": "UgA.reply1",
    "snippet": {"parentId": "UgA", "textOriginal": "Thanks, Sam!", "authorDisplayName": "Acme"},
}


def in_an_hour() -> str:
    # The token looks valid: the adapter has no reason to refresh it before the call.
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()


@pytest.fixture
def youtube(shop, make_account):
    return make_account(
        shop["brand"],
        "youtube",
        "@acme",
        remote_id="UCacme",
        credentials={
            "access_token": "ya29.revoked",
            "refresh_token": "1//refresh",
            "access_expires_at": in_an_hour(),
            "channel_id": "UCacme",
        },
    )


def queued_reply(shop, add_items, account, remote_id="UgA"):
    (item,) = add_items(account, network_item(remote_id, text="Love it", kind="comment", post_remote_id="vid1"))
    return InboxReply.objects.create(item=item, author=shop["owner"], text="Thanks, Sam!")


def bearer(token: str):
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


def test_a_refused_token_is_refreshed_once_and_the_reply_sent_once(shop, add_items, youtube):
    reply = queued_reply(shop, add_items, youtube)
    # given YouTube refuses the stored token before writing anything, and Google renews it
    with responses.RequestsMock() as replay:
        refused = replay.add(
            responses.POST, COMMENTS, status=401, json=GOOGLE_UNAUTHORIZED, match=[bearer("ya29.revoked")]
        )
        token = replay.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.fresh", "expires_in": 3599})
        accepted = replay.add(responses.POST, COMMENTS, json=COMMENT, match=[bearer("ya29.fresh")])

        # when the reply is sent, and the task runs a second time (a redelivered message)
        assert actions.send_reply(reply.pk) == "sent"
        assert actions.send_reply(reply.pk) == "not claimed"

        # then the refresh token was spent once, and the reply went out once
        assert token.call_count == 1
        assert parse_qs(token.calls[0].request.body)["grant_type"] == ["refresh_token"]
        assert refused.call_count == 1
        assert accepted.call_count == 1
        assert json.loads(accepted.calls[0].request.body)["snippet"] == {
            "parentId": "UgA",
            "textOriginal": "Thanks, Sam!",
        }
    reply.refresh_from_db()
    assert (reply.state, reply.remote_id) == (InboxReply.State.SENT, "UgA.reply1")
    youtube.refresh_from_db()
    assert youtube.status == "connected"
    assert youtube.credentials["access_token"] == "ya29.fresh"


def test_a_refused_refresh_fails_the_reply_and_asks_for_a_reconnect(shop, add_items, youtube):
    reply = queued_reply(shop, add_items, youtube)
    # given YouTube refuses the token and Google refuses the refresh token (revoked)
    with responses.RequestsMock() as replay:
        replay.add(responses.POST, COMMENTS, status=401, json=GOOGLE_UNAUTHORIZED)
        replay.add(
            responses.POST,
            TOKEN_URL,
            status=400,
            json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        )

        assert actions.send_reply(reply.pk) == "failed"

        # then the reply was not tried a second time
        assert len(replay.calls) == 2
    reply.refresh_from_db()
    assert reply.state == InboxReply.State.FAILED
    assert "Reconnect the account, then press Try again" in reply.error_message
    youtube.refresh_from_db()
    assert youtube.status == "needs_reconnect"
    assert youtube.status_reason


def test_a_renewed_token_refused_too_is_not_renewed_again(shop, add_items, youtube):
    reply = queued_reply(shop, add_items, youtube)
    with responses.RequestsMock() as replay:
        posts = replay.add(responses.POST, COMMENTS, status=401, json=GOOGLE_UNAUTHORIZED)
        token = replay.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.fresh", "expires_in": 3599})

        assert actions.send_reply(reply.pk) == "failed"

        assert token.call_count == 1
        assert posts.call_count == 2
    youtube.refresh_from_db()
    assert youtube.status == "needs_reconnect"
    assert InboxReply.objects.get(pk=reply.pk).state == InboxReply.State.FAILED


def test_a_token_endpoint_that_is_down_puts_the_reply_back_in_the_queue(shop, add_items, youtube):
    # A 503 from Google's token endpoint is no refusal: nobody is asked to reconnect.
    reply = queued_reply(shop, add_items, youtube)
    with responses.RequestsMock() as replay:
        posts = replay.add(responses.POST, COMMENTS, status=401, json=GOOGLE_UNAUTHORIZED)
        replay.add(responses.POST, TOKEN_URL, status=503, json={"error": "backendError"})

        assert actions.send_reply(reply.pk) == "Transient"

        assert posts.call_count == 1
    reply.refresh_from_db()
    assert reply.state == InboxReply.State.QUEUED
    assert "try again" in reply.error_message
    youtube.refresh_from_db()
    assert youtube.status == "connected"


def test_x_renewing_the_token_itself_is_not_followed_by_a_second_renewal(shop, add_items, make_account):
    # X's adapter refreshes on a 401 itself; the renewed token refused too is final.
    account = make_account(
        shop["brand"],
        "x",
        "@acme",
        remote_id="2244994945",
        credentials={"access_token": "access-1", "refresh_token": "r1", "expires_at": in_an_hour()},
    )
    reply = queued_reply(shop, add_items, account, remote_id="1460323737035677698")
    refused = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
    with responses.RequestsMock() as replay:
        posts = replay.add(responses.POST, f"{X_API}/2/tweets", status=401, json=refused)
        token = replay.add(
            responses.POST,
            f"{X_API}/2/oauth2/token",
            json={"token_type": "bearer", "expires_in": 7200, "access_token": "access-2", "refresh_token": "r2"},
        )

        assert actions.send_reply(reply.pk) == "failed"

        assert token.call_count == 1
        assert posts.call_count == 2
    account.refresh_from_db()
    assert account.status == "needs_reconnect"


def test_mastodon_cannot_refresh_a_token_so_a_401_asks_for_a_reconnect_at_once(shop, add_items, network):
    reply = queued_reply(shop, add_items, shop["account"], remote_id="2")
    network.add(
        responses.POST, f"{MASTODON}/api/v1/statuses", status=401, json={"error": "The access token is invalid"}
    )

    assert actions.send_reply(reply.pk) == "failed"

    assert len(network.calls) == 1
    shop["account"].refresh_from_db()
    assert shop["account"].status == "needs_reconnect"
    assert InboxReply.objects.get(pk=reply.pk).state == InboxReply.State.FAILED
