"""YouTube comments in the inbox, end to end with the real adapter: a poll stores the
channel's new comment threads (and counts the unit it cost), a reply goes out under the
thread, and a reply whose answer was lost is found among the thread's replies, not sent
again."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
import responses

from inbox import actions, tasks
from inbox.models import InboxItem, InboxReply
from smm.platforms.youtube import API
from smm.quota import ApiQuotaUsage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache")]

CHANNEL = "UCacme"


@pytest.fixture
def youtube(shop, make_account):
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    return make_account(
        shop["brand"],
        "youtube",
        "@acme",
        remote_id=CHANNEL,
        credentials={"access_token": "ya29", "access_expires_at": future, "channel_id": CHANNEL},
    )


def thread(thread_id: str, text: str, minutes_ago: int) -> dict:
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")
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


def test_a_poll_stores_new_comment_threads_and_counts_the_unit(youtube):
    with responses.RequestsMock() as replay:
        replay.add(
            responses.GET,
            f"{API}/commentThreads",
            json={"items": [thread("UgA", "Where can I buy this?", 3), thread("UgB", "Great video", 9)]},
        )
        assert tasks.poll_account(youtube.pk) == "2 new"
    stored = InboxItem.objects.filter(account=youtube).order_by("created_at")
    assert [(i.remote_id, i.text) for i in stored] == [("UgB", "Great video"), ("UgA", "Where can I buy this?")]
    assert stored[1].url == "https://www.youtube.com/watch?v=vid00000001&lc=UgA"
    assert ApiQuotaUsage.objects.get(network="youtube", bucket="default").units == 1


def test_a_reply_with_a_lost_answer_is_found_not_sent_twice(youtube, shop):
    with responses.RequestsMock() as replay:
        replay.add(responses.GET, f"{API}/commentThreads", json={"items": [thread("UgA", "Open on Sunday?", 3)]})
        tasks.poll_account(youtube.pk)
    item = InboxItem.objects.get(account=youtube, remote_id="UgA")
    reply = InboxReply.objects.create(item=item, author=shop["owner"], text="Yes, from 9!")
    sent_at = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    with responses.RequestsMock() as replay:
        replay.add(responses.POST, f"{API}/comments", body=requests.ReadTimeout("no answer"))
        replay.add(
            responses.GET,
            f"{API}/comments",
            json={
                "items": [
                    {
                        "id": "UgA.mine",
                        "snippet": {
                            "textOriginal": "Yes, from 9!",
                            "authorChannelId": {"value": CHANNEL},
                            "publishedAt": sent_at,
                        },
                    }
                ]
            },
        )
        actions.send_reply(reply.pk)
        posts = [c for c in replay.calls if c.request.method == "POST"]
    assert len(posts) == 1
    assert json.loads(posts[0].request.body) == {"snippet": {"parentId": "UgA", "textOriginal": "Yes, from 9!"}}
    reply.refresh_from_db()
    assert reply.state == InboxReply.State.SENT and reply.remote_id == "UgA.mine"
