"""Every adapter's reply against a network that says yes without saying what it made (a
2xx without the reply's id, or not JSON): a clear ``UnreadableAnswer``, never a KeyError;
and ``find_reply``, the lookup that settles it, against each network's documented listing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import responses

from smm.platforms.base import AccountContext, InboxItem, OutcomeUnknown, UnreadableAnswer
from smm.platforms.bluesky import BlueskyAdapter
from smm.platforms.facebook import FacebookAdapter
from smm.platforms.instagram import InstagramAdapter
from smm.platforms.linkedin import LinkedInAdapter
from smm.platforms.mastodon import MastodonAdapter
from smm.platforms.threads import ThreadsAdapter
from smm.platforms.x import XAdapter

NOW = dt.datetime(2026, 11, 20, 14, 0, 0, tzinfo=dt.UTC)
SENT = NOW - dt.timedelta(seconds=30)  # when our reply was written
TEXT = "Thanks, a new one is on its way!"


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@dataclass
class Network:
    name: str
    adapter: Any
    account: AccountContext
    item: InboxItem
    # the reply's POST (the one that may answer without an id)
    post: tuple[str, str]
    # how the network lists the answers to the item: (url, answer with ours, without ours)
    listing: tuple[str, dict, dict]
    found_id: str
    before_post: list = None  # calls the reply makes before its POST (method, url, json)


def mastodon() -> Network:
    adapter = MastodonAdapter()
    adapter.now = lambda: NOW
    account = AccountContext(
        network="mastodon",
        remote_id="1",
        handle="@brand@social.example",
        base_url="https://social.example",
        credentials={"access_token": "tok"},
    )
    item = InboxItem(
        remote_id="110", kind="mention", text="Broken mug", created_at=NOW, author_handle="@sam@else.where"
    )

    def status(status_id, account_id, written):
        return {
            "id": status_id,
            "created_at": iso(written),
            "in_reply_to_id": "110",
            "account": {"id": account_id},
            "content": f'<p><span class="h-card"><a href="https://else.where/@sam">@sam</a></span> {TEXT}</p>',
            "url": f"https://social.example/@brand/{status_id}",
        }

    theirs = status("111", "77", SENT)
    old = status("105", "1", SENT - dt.timedelta(days=2))
    return Network(
        "mastodon",
        adapter,
        account,
        item,
        post=("POST", "https://social.example/api/v1/statuses"),
        listing=(
            "https://social.example/api/v1/statuses/110/context",
            {"ancestors": [], "descendants": [theirs, old, status("112", "1", SENT)]},
            {"ancestors": [], "descendants": [theirs, old]},
        ),
        found_id="112",
    )


def bluesky() -> Network:
    did = "did:plc:brand"
    adapter = BlueskyAdapter()
    adapter.now = lambda: NOW
    account = AccountContext(
        network="bluesky",
        remote_id=did,
        handle="brand.bsky.social",
        base_url="https://bsky.social",
        credentials={"access_token": "a", "refresh_token": "r", "did": did},
    )
    parent = "at://did:plc:sam/app.bsky.feed.post/3p"
    item = InboxItem(remote_id=parent, kind="reply", text="Broken mug", created_at=NOW, author_handle="@sam.bsky")

    def reply(rkey, author):
        return {
            "post": {
                "uri": f"at://{author}/app.bsky.feed.post/{rkey}",
                "author": {"did": author},
                "record": {"text": TEXT, "createdAt": iso(SENT)},
            }
        }

    return Network(
        "bluesky",
        adapter,
        account,
        item,
        post=("POST", "https://bsky.social/xrpc/com.atproto.repo.createRecord"),
        listing=(
            "https://bsky.social/xrpc/app.bsky.feed.getPostThread",
            {"thread": {"post": {"uri": parent}, "replies": [reply("3o", "did:plc:other"), reply("3r", did)]}},
            {"thread": {"post": {"uri": parent}, "replies": [reply("3o", "did:plc:other")]}},
        ),
        found_id=f"at://{did}/app.bsky.feed.post/3r",
        before_post=[
            (
                "GET",
                "https://bsky.social/xrpc/app.bsky.feed.getPosts",
                {"posts": [{"uri": parent, "cid": "bafy", "record": {"text": "Broken mug"}}]},
            ),
        ],
    )


def x() -> Network:
    adapter = XAdapter()
    adapter.now = lambda: NOW
    account = AccountContext(network="x", remote_id="42", handle="@brand", credentials={"access_token": "a"})
    item = InboxItem(remote_id="1001", kind="mention", text="Broken mug", created_at=NOW, author_handle="@sam")

    def tweet(tweet_id, answers):
        return {
            "id": tweet_id,
            "text": f"@sam {TEXT}",
            "created_at": iso(SENT),
            "referenced_tweets": [{"type": "replied_to", "id": answers}],
        }

    return Network(
        "x",
        adapter,
        account,
        item,
        post=("POST", "https://api.x.com/2/tweets"),
        listing=(
            "https://api.x.com/2/users/42/tweets",
            {"data": [tweet("1002", "999"), tweet("1003", "1001")], "meta": {"result_count": 2}},
            {"data": [tweet("1002", "999")], "meta": {"result_count": 1}},
        ),
        found_id="1003",
    )


def linkedin() -> Network:
    org = "urn:li:organization:24"
    post = "urn:li:share:7141"
    comment = f"urn:li:comment:({post},111)"
    adapter = LinkedInAdapter()
    account = AccountContext(network="linkedin", remote_id=org, credentials={"access_token": "t", "author_urn": org})
    item = InboxItem(
        remote_id=comment, kind="comment", text="Broken", created_at=NOW, author_handle="p1", post_remote_id=post
    )
    edge = f"https://api.linkedin.com/rest/socialActions/{quote(comment, safe='')}/comments"

    def nested(number, actor):
        return {
            "id": number,
            "actor": actor,
            "message": {"text": TEXT},
            "created": {"time": int(SENT.timestamp() * 1000)},
            "commentUrn": f"urn:li:comment:({post},{number})",
        }

    return Network(
        "linkedin",
        adapter,
        account,
        item,
        post=("POST", edge),
        listing=(
            edge,
            {"elements": [nested("221", "urn:li:person:9"), nested("222", org)]},
            {"elements": [nested("221", "urn:li:person:9")]},
        ),
        found_id=f"urn:li:comment:({post},222)",
    )


def facebook() -> Network:
    adapter = FacebookAdapter()
    account = AccountContext(network="facebook", remote_id="500", credentials={"access_token": "P", "page_id": "500"})
    item = InboxItem(remote_id="500_1_9", kind="comment", text="Broken", created_at=NOW, author_handle="8")
    edge = "https://graph.facebook.com/v23.0/500_1_9/comments"

    def comment(comment_id, author):
        return {"id": comment_id, "message": TEXT, "from": {"id": author}, "created_time": "2026-11-20T13:59:30+0000"}

    return Network(
        "facebook",
        adapter,
        account,
        item,
        post=("POST", edge),
        listing=(edge, {"data": [comment("9_1", "8"), comment("9_2", "500")]}, {"data": [comment("9_1", "8")]}),
        found_id="9_2",
    )


def instagram() -> Network:
    adapter = InstagramAdapter()
    account = AccountContext(
        network="instagram", remote_id="1784", handle="@brand", credentials={"access_token": "I", "user_id": "1784"}
    )
    item = InboxItem(remote_id="c1", kind="comment", text="Broken", created_at=NOW, author_handle="sam")
    edge = "https://graph.instagram.com/v23.0/c1/replies"

    def reply(reply_id, username):
        return {"id": reply_id, "text": TEXT, "username": username, "timestamp": "2026-11-20T13:59:30+0000"}

    return Network(
        "instagram",
        adapter,
        account,
        item,
        post=("POST", edge),
        listing=(edge, {"data": [reply("r1", "sam"), reply("r2", "brand")]}, {"data": [reply("r1", "sam")]}),
        found_id="r2",
    )


def threads() -> Network:
    adapter = ThreadsAdapter()
    adapter.sleep = lambda seconds: None
    account = AccountContext(network="threads", remote_id="77", credentials={"access_token": "T", "user_id": "77"})
    item = InboxItem(remote_id="t1", kind="reply", text="Broken", created_at=NOW, author_handle="sam")
    graph = "https://graph.threads.net/v1.0"

    def reply(reply_id, ours):
        return {
            "id": reply_id,
            "text": TEXT,
            "is_reply_owned_by_me": ours,
            "timestamp": "2026-11-20T13:59:30+0000",
            "permalink": f"https://www.threads.net/@brand/post/{reply_id}",
        }

    return Network(
        "threads",
        adapter,
        account,
        item,
        post=("POST", f"{graph}/77/threads_publish"),
        listing=(
            f"{graph}/t1/replies",
            {"data": [reply("x1", False), reply("x2", True)]},
            {"data": [reply("x1", False)]},
        ),
        found_id="x2",
        before_post=[
            ("POST", f"{graph}/77/threads", {"id": "rc"}),
            ("GET", f"{graph}/rc", {"status": "FINISHED", "id": "rc"}),
        ],
    )


# Bluesky chooses the reply's record key itself, so its answer needs no id.
ANSWERING_WITH_AN_ID = [mastodon, x, linkedin, facebook, instagram, threads]
EVERY_NETWORK = [*ANSWERING_WITH_AN_ID, bluesky]


def replay_before_post(network, spec: Network) -> None:
    for method, url, body in spec.before_post or []:
        network.add(method, url, json=body)


@pytest.mark.parametrize("build", ANSWERING_WITH_AN_ID, ids=lambda build: build.__name__)
@pytest.mark.parametrize(
    "answer",
    [
        {"json": {"created_at": "2026-11-20T14:00:00Z", "url": "https://social.example/@brand/1"}},
        {"json": {"data": {}, "success": True}},
        {"json": []},
        {"body": "<html>OK</html>", "content_type": "text/html"},
    ],
    ids=["no id", "empty data", "a list", "not JSON"],
)
def test_a_success_answer_without_an_id_is_an_unreadable_answer(network, build, answer):
    spec = build()
    replay_before_post(network, spec)
    network.add(*spec.post, status=201 if spec.name == "linkedin" else 200, **answer)

    with pytest.raises(UnreadableAnswer) as raised:
        spec.adapter.reply(spec.account, spec.item, TEXT)

    # an unknown outcome (looked up, never retried), said in a marketer's words
    assert isinstance(raised.value, OutcomeUnknown)
    assert "did not say" in raised.value.user_message
    assert sum(1 for call in network.calls if call.request.url.startswith(spec.post[1])) == 1


@pytest.mark.parametrize("build", EVERY_NETWORK, ids=lambda build: build.__name__)
def test_find_reply_finds_ours_among_the_answers(network, build):
    spec = build()
    url, with_ours, _without = spec.listing
    network.add(responses.GET, url, json=with_ours)

    found = spec.adapter.find_reply(spec.account, spec.item, TEXT, since=SENT)

    assert found is not None
    assert found.remote_id == spec.found_id
    assert [call.request.method for call in network.calls] == ["GET"]


@pytest.mark.parametrize("build", EVERY_NETWORK, ids=lambda build: build.__name__)
def test_find_reply_says_none_when_ours_is_not_among_the_answers(network, build):
    spec = build()
    url, _with_ours, without = spec.listing
    network.add(responses.GET, url, json=without)

    assert spec.adapter.find_reply(spec.account, spec.item, TEXT, since=SENT) is None


@pytest.mark.parametrize("build", EVERY_NETWORK, ids=lambda build: build.__name__)
def test_find_reply_ignores_an_older_answer_with_the_same_words(network, build):
    spec = build()
    url, with_ours, _without = spec.listing
    network.add(responses.GET, url, json=with_ours)

    # our reply was written a day after the one the network lists
    assert spec.adapter.find_reply(spec.account, spec.item, TEXT, since=SENT + dt.timedelta(days=1)) is None


def test_a_threads_reply_published_without_a_readable_permalink_is_still_sent(network):
    spec = threads()
    replay_before_post(network, spec)
    network.add(*spec.post, json={"id": "t9"})
    network.add(responses.GET, "https://graph.threads.net/v1.0/t9", status=500, json={"error": {"message": "oops"}})

    result = spec.adapter.reply(spec.account, spec.item, TEXT)

    assert (result.remote_id, result.url) == ("t9", "")
