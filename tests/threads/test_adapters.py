"""Threads and first comments against each network's documented request shapes (responses):
the reply fields of every part, each part's own exactly-once key, the comment endpoints."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import responses

from posts.publishing import lookup_thread, publish_thread
from smm.platforms.base import AccountContext, AppCredentials, OutcomeUnknown, PostContent, PublishAttempt
from smm.platforms.bluesky import BlueskyAdapter
from smm.platforms.facebook import FacebookAdapter
from smm.platforms.instagram import InstagramAdapter
from smm.platforms.linkedin import LinkedInAdapter
from smm.platforms.mastodon import MastodonAdapter
from smm.platforms.threads import ThreadsAdapter
from smm.platforms.x import XAdapter

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
PARTS = ["Second part", "Third part"]


@pytest.fixture
def rsps():
    with responses.RequestsMock() as mock:
        yield mock


def attempt(saved: list) -> PublishAttempt:
    return PublishAttempt(idempotency_key="key-7", save_state=saved.append)


def body(call) -> dict:
    return json.loads(call.request.body)


# --- Mastodon: in_reply_to_id, one Idempotency-Key per part ----------------------------------------


def test_mastodon_thread_replies_part_by_part_each_with_its_own_key(rsps):
    ids = itertools.count(101)

    def status(request):
        payload = json.loads(request.body)
        return (
            200,
            {},
            json.dumps(
                {"id": str(next(ids)), "url": "https://m.example/@a/x", "created_at": "2026-03-01T10:00:00Z", **payload}
            ),
        )

    rsps.add_callback(responses.POST, "https://m.example/api/v1/statuses", callback=status)
    adapter = MastodonAdapter()
    adapter.now = lambda: NOW
    account = AccountContext(network="mastodon", base_url="https://m.example", credentials={"access_token": "t"})
    content = PostContent(
        text="First part", options={"visibility": "unlisted", "poll": {"options": ["a", "b"], "duration_minutes": 60}}
    )
    saved = []

    result = publish_thread(adapter, account, content, attempt(saved), PARTS)

    assert result.remote_id == "101"
    sent = [body(call) for call in rsps.calls]
    assert [s["status"] for s in sent] == ["First part", "Second part", "Third part"]
    assert [s.get("in_reply_to_id") for s in sent] == [None, "101", "102"]
    assert [s["visibility"] for s in sent] == ["unlisted"] * 3  # the thread keeps its visibility
    assert "poll" in sent[0] and "poll" not in sent[1] and "poll" not in sent[2]  # the poll is part 1's
    assert [call.request.headers["Idempotency-Key"] for call in rsps.calls] == ["key-7", "key-7:2", "key-7:3"]
    assert [p["id"] for p in saved[-1]["thread"]] == ["101", "102", "103"]


def test_mastodon_lost_answer_on_part_two_is_resolved_with_the_same_key(rsps):
    """Mastodon's way: the same Idempotency-Key answers the status it already made."""
    adapter = MastodonAdapter()
    adapter.now = lambda: NOW
    account = AccountContext(network="mastodon", base_url="https://m.example", credentials={"access_token": "t"})
    saved = []
    state = {
        "thread": [{"id": "101", "url": "https://m.example/@a/101", "at": NOW.isoformat()}],
        "parts": {"2": {"status_sent_at": NOW.isoformat()}},
    }
    run = PublishAttempt(idempotency_key="key-7", state=state, save_state=saved.append)
    rsps.add(
        responses.POST,
        "https://m.example/api/v1/statuses",
        json={"id": "102", "url": "u", "created_at": "2026-03-01T10:00:01Z"},
    )

    assert lookup_thread(adapter, account, PostContent(text="First part"), run, PARTS) is not None  # more to send
    assert rsps.calls[0].request.headers["Idempotency-Key"] == "key-7:2"
    assert body(rsps.calls[0])["in_reply_to_id"] == "101"
    assert [p["id"] for p in saved[-1]["thread"]] == ["101", "102"]


# --- X: reply.in_reply_to_tweet_id ------------------------------------------------------------------


def test_x_thread_answers_the_tweet_before(rsps):
    ids = itertools.count(9001)
    rsps.add_callback(
        responses.POST,
        "https://api.x.com/2/tweets",
        callback=lambda request: (201, {}, json.dumps({"data": {"id": str(next(ids)), "text": "t"}})),
    )
    adapter = XAdapter()
    adapter.now = lambda: NOW
    account = AccountContext(network="x", remote_id="42", handle="@cafe", credentials={"access_token": "t"})
    content = PostContent(text="First part", options={"reply_settings": "following"})

    result = publish_thread(adapter, account, content, attempt([]), PARTS)

    sent = [body(call) for call in rsps.calls]
    assert result.remote_id == "9001"
    assert [s.get("reply") for s in sent] == [None, {"in_reply_to_tweet_id": "9001"}, {"in_reply_to_tweet_id": "9002"}]
    assert sent[0]["reply_settings"] == "following" and "reply_settings" not in sent[1]


# --- Bluesky: reply {root, parent} strong refs, a record key saved per part ---------------------------


def test_bluesky_thread_names_root_and_parent_and_keeps_a_record_key_per_part(rsps):
    did = "did:plc:brand"
    records = {}

    def create(request):
        payload = json.loads(request.body)
        uri = f"at://{did}/app.bsky.feed.post/{payload['rkey']}"
        records[uri] = {"uri": uri, "cid": f"cid-{payload['rkey']}", "record": payload["record"]}
        return 200, {}, json.dumps({"uri": uri, "cid": records[uri]["cid"]})

    def get_posts(request):
        uris = [value for key, value in parse_qsl(urlsplit(request.url).query) if key == "uris"]
        return 200, {}, json.dumps({"posts": [records[uri] for uri in uris]})

    rsps.add_callback(responses.POST, "https://pds.example/xrpc/com.atproto.repo.createRecord", callback=create)
    rsps.add_callback(responses.GET, "https://pds.example/xrpc/app.bsky.feed.getPosts", callback=get_posts)
    adapter = BlueskyAdapter()
    clock = itertools.count()
    adapter.now = lambda: NOW + dt.timedelta(microseconds=next(clock))
    account = AccountContext(
        network="bluesky",
        remote_id=did,
        handle="brand.bsky.social",
        base_url="https://pds.example",
        credentials={"access_token": "a", "did": did, "handle": "brand.bsky.social"},
    )
    saved = []
    content = PostContent(text="First part", options={"reply": "nobody"})
    adapter._gate_replies = lambda *args: None  # the threadgate (part 1's option) is its own test

    result = publish_thread(adapter, account, content, attempt(saved), PARTS)

    created = [body(call) for call in rsps.calls if call.request.method == "POST"]
    root = {"uri": result.remote_id, "cid": records[result.remote_id]["cid"]}
    assert created[0]["record"].get("reply") is None
    assert created[1]["record"]["reply"] == {"root": root, "parent": root}
    second = f"at://{did}/app.bsky.feed.post/{created[1]['rkey']}"
    assert created[2]["record"]["reply"] == {"root": root, "parent": {"uri": second, "cid": records[second]["cid"]}}
    state = saved[-1]
    # each part's record key was saved before its call: a retry or lookup finds that record
    assert state["rkey"] == created[0]["rkey"]
    assert [state["parts"][n]["rkey"] for n in ("2", "3")] == [created[1]["rkey"], created[2]["rkey"]]
    assert len({c["rkey"] for c in created}) == 3


# --- Threads: reply_to_id on the part's container ------------------------------------------------------


def test_threads_part_container_carries_reply_to_id(rsps):
    G = "https://graph.threads.net/v1.0"
    containers = itertools.count(501)
    media = itertools.count(801)
    rsps.add_callback(
        responses.POST, f"{G}/77/threads", callback=lambda r: (200, {}, json.dumps({"id": str(next(containers))}))
    )
    for container in ("501", "502", "503"):
        rsps.add(responses.GET, f"{G}/{container}", json={"status": "FINISHED", "id": container})
    rsps.add_callback(
        responses.POST, f"{G}/77/threads_publish", callback=lambda r: (200, {}, json.dumps({"id": str(next(media))}))
    )
    for media_id in ("801", "802", "803"):
        rsps.add(
            responses.GET,
            f"{G}/{media_id}",
            json={
                "permalink": f"https://www.threads.net/@cafe/post/{media_id}",
                "timestamp": "2026-03-01T10:00:00+0000",
            },
        )
    adapter = ThreadsAdapter(AppCredentials(client_id="th1", client_secret="s"))
    adapter.sleep = lambda seconds: None
    account = AccountContext(network="threads", remote_id="77", credentials={"access_token": "tok", "user_id": "77"})

    result = publish_thread(adapter, account, PostContent(text="First part"), attempt([]), PARTS)

    created = [parse_qs(call.request.body) for call in rsps.calls if call.request.url.endswith("/77/threads")]
    assert result.remote_id == "801"
    assert [c.get("reply_to_id") for c in created] == [None, ["801"], ["802"]]
    assert [c["text"] for c in created] == [["First part"], ["Second part"], ["Third part"]]


# --- first comments ---------------------------------------------------------------------------------------


def test_instagram_first_comment_is_a_comment_on_the_media(rsps):
    rsps.add(responses.POST, "https://graph.instagram.com/v23.0/1790/comments", json={"id": "c-55"})
    adapter = InstagramAdapter()
    account = AccountContext(network="instagram", remote_id="17", handle="@cafe", credentials={"access_token": "ig"})
    result = adapter.comment_on_post(account, "1790", "#coffee #latteart")
    assert result.remote_id == "c-55"
    assert parse_qs(rsps.calls[0].request.body)["message"] == ["#coffee #latteart"]


def test_instagram_finds_our_comment_after_a_lost_answer(rsps):
    rsps.add(
        responses.GET,
        "https://graph.instagram.com/v23.0/1790/comments",
        json={
            "data": [
                {"id": "c-1", "text": "#coffee", "username": "someone", "timestamp": "2026-03-01T10:00:05+0000"},
                {"id": "c-2", "text": "#coffee", "username": "cafe", "timestamp": "2026-03-01T10:00:06+0000"},
            ]
        },
    )
    adapter = InstagramAdapter()
    account = AccountContext(network="instagram", remote_id="17", handle="@cafe", credentials={"access_token": "ig"})
    assert adapter.find_comment(account, "1790", "#coffee", since=NOW).remote_id == "c-2"


def test_instagram_without_a_username_cannot_tell_its_comment_apart(rsps):
    adapter = InstagramAdapter()
    account = AccountContext(network="instagram", remote_id="17", handle="", credentials={"access_token": "ig"})
    with pytest.raises(OutcomeUnknown):
        adapter.find_comment(account, "1790", "#coffee", since=NOW)


def test_facebook_first_comment_posts_to_the_post_comments_edge(rsps):
    rsps.add(responses.POST, "https://graph.facebook.com/v23.0/123_456/comments", json={"id": "456_789"})
    adapter = FacebookAdapter()
    account = AccountContext(network="facebook", remote_id="123", credentials={"access_token": "page-token"})
    result = adapter.comment_on_post(account, "123_456", "Menu: https://cafe.example/menu")
    assert result.remote_id == "456_789"
    assert parse_qs(rsps.calls[0].request.body)["message"] == ["Menu: https://cafe.example/menu"]


def test_linkedin_first_comment_is_a_top_level_comment_on_the_post(rsps):
    urn = "urn:li:share:7000"
    rsps.add(
        responses.POST,
        "https://api.linkedin.com/rest/socialActions/urn%3Ali%3Ashare%3A7000/comments",
        json={},
        headers={"x-restli-id": "urn:li:comment:(urn:li:activity:1,99)"},
        status=201,
    )
    adapter = LinkedInAdapter()
    account = AccountContext(
        network="linkedin",
        remote_id="urn:li:organization:5",
        credentials={"access_token": "li", "author": "urn:li:organization:5"},
    )
    result = adapter.comment_on_post(account, urn, "Read more in the comments")
    assert result.remote_id == "urn:li:comment:(urn:li:activity:1,99)"
    sent = body(rsps.calls[0])
    assert sent["object"] == urn and sent["message"] == {"text": "Read more in the comments"}
    assert "parentComment" not in sent


def test_threads_lost_answer_on_a_part_is_found_among_the_answers_to_the_part_before(rsps):
    """A reply is not among the profile's own posts: the part is looked for under its parent."""
    G = "https://graph.threads.net/v1.0"
    rsps.add(responses.GET, f"{G}/502", json={"status": "PUBLISHED", "id": "502"})
    rsps.add(
        responses.GET,
        f"{G}/801/replies",
        json={
            "data": [
                {"id": "900", "text": "Second part", "is_reply_owned_by_me": False},  # someone quoting us
                {"id": "802", "text": "Second part", "is_reply_owned_by_me": True, "permalink": "https://t/802"},
            ]
        },
    )
    adapter = ThreadsAdapter(AppCredentials(client_id="th1", client_secret="s"))
    account = AccountContext(network="threads", remote_id="77", credentials={"access_token": "tok", "user_id": "77"})
    state = {
        "thread": [{"id": "801", "url": "https://t/801", "at": NOW.isoformat()}],
        "parts": {"2": {"container_id": "502"}},
    }
    saved = []
    run = PublishAttempt(idempotency_key="key-7", state=state, save_state=saved.append)

    lookup_thread(adapter, account, PostContent(text="First part"), run, PARTS)

    assert [p["id"] for p in saved[-1]["thread"]] == ["801", "802"]


def test_threads_part_container_not_published_means_not_sent(rsps):
    G = "https://graph.threads.net/v1.0"
    rsps.add(responses.GET, f"{G}/502", json={"status": "FINISHED", "id": "502"})
    adapter = ThreadsAdapter(AppCredentials(client_id="th1", client_secret="s"))
    account = AccountContext(network="threads", remote_id="77", credentials={"access_token": "tok", "user_id": "77"})
    state = {"thread": [{"id": "801", "url": "", "at": NOW.isoformat()}], "parts": {"2": {"container_id": "502"}}}
    run = PublishAttempt(idempotency_key="key-7", state=state)
    assert lookup_thread(adapter, account, PostContent(text="First part"), run, PARTS) is None
