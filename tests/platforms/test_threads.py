"""Threads adapter against the documented request and response shapes."""

from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from smm.platforms.base import (
    AppCredentials,
    AuthExpired,
    InboxItem,
    MediaItem,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    Transient,
)
from smm.platforms.threads import ThreadsAdapter, count_links, threads_length
from tests.platforms.helpers import form, lifetime_insights

G = "https://graph.threads.net/v1.0"
IMAGE = MediaItem(mime_type="image/jpeg", url="https://cdn.example.com/a.jpg", alt_text="Latte art")


@pytest.fixture
def adapter():
    threads = ThreadsAdapter(AppCredentials(client_id="th1", client_secret="thsecret"))
    threads.sleep = lambda seconds: None
    return threads


@pytest.fixture
def account(account_context):
    return account_context("threads", "77", credentials={"access_token": "THtok", "user_id": "77"})


def container_ok(rsps, container):
    rsps.add(responses.GET, f"{G}/{container}", json={"status": "FINISHED", "id": container})


def media(rsps, media_id):
    rsps.add(
        responses.GET,
        f"{G}/{media_id}",
        json={"permalink": f"https://www.threads.net/@cafe/post/{media_id}", "timestamp": "2026-03-01T10:00:00+0000"},
    )


# --- content rules ------------------------------------------------------------------------------


def test_emoji_count_their_utf8_bytes_and_cjk_counts_one():
    # given: "Emojis are counted as the number of UTF-8 bytes"
    assert threads_length("☕") == 3
    assert threads_length("😀") == 4
    assert threads_length("👍🏽") == 8  # base + skin tone, one grapheme
    assert threads_length("東京") == 2
    assert threads_length("abc") == 3


def test_exactly_500_passes_and_501_fails(adapter):
    assert adapter.validate(PostContent(text="a" * 500)) == []
    assert adapter.validate(PostContent(text="a" * 496 + "😀")) == []  # 496 + 4
    problems = adapter.validate(PostContent(text="a" * 497 + "😀"))
    assert [p.code for p in problems] == ["too_long"]


def test_five_links_pass_and_six_fail(adapter):
    five = " ".join(f"https://site{i}.example.com" for i in range(5))
    assert count_links(five) == 5
    assert adapter.validate(PostContent(text=five)) == []
    # the attached link counts unless it repeats one from the text
    assert adapter.validate(PostContent(text=five, link="https://site0.example.com")) == []
    problems = adapter.validate(PostContent(text=five, link="https://other.example.com"))
    assert [p.message for p in problems] == ["This post has 6 links; Threads allows 5."]


def test_hashtags_do_not_change_the_count(adapter):
    assert adapter.text_length("#coffee time") == 12


def test_empty_post_and_image_without_url_are_refused(adapter):
    assert [p.code for p in adapter.validate(PostContent(text="  "))] == ["empty"]
    no_url = MediaItem(mime_type="image/jpeg", data=b"...")
    assert [p.code for p in adapter.validate(PostContent(text="x", media=[no_url]))] == ["media_url"]


# --- connection -------------------------------------------------------------------------------------


def test_authorization_url_has_state_and_all_scopes(adapter):
    url = adapter.authorization_url(redirect_uri="https://smm.test/cb", state="st8", code_verifier="")
    query = dict(parse_qsl(urlsplit(url).query))
    assert url.startswith("https://threads.net/oauth/authorize?")
    assert query["state"] == "st8"
    assert query["scope"].split(",") == [
        "threads_basic",
        "threads_content_publish",
        "threads_manage_insights",
        "threads_read_replies",
        "threads_manage_replies",
    ]


def test_exchange_code_makes_a_long_lived_token(rsps, adapter):
    rsps.add(responses.POST, "https://graph.threads.net/oauth/access_token", json={"access_token": "s", "user_id": 77})
    rsps.add(
        responses.GET,
        "https://graph.threads.net/access_token",
        json={"access_token": "L", "token_type": "bearer", "expires_in": 5184000},
    )
    rsps.add(responses.GET, f"{G}/me", json={"id": "77", "username": "cafe", "name": "Café"})
    connected = adapter.exchange_code(code="abc", redirect_uri="https://smm.test/cb", code_verifier="")
    assert form(rsps.calls[0])["grant_type"] == "authorization_code"
    assert rsps.calls[1].request.params == {
        "grant_type": "th_exchange_token",
        "client_secret": "thsecret",
        "access_token": "s",
    }
    assert (connected.remote_id, connected.handle) == ("77", "@cafe")
    assert connected.credentials == {"access_token": "L", "user_id": "77"}


def test_refresh_uses_th_refresh_token(rsps, adapter, account):
    rsps.add(
        responses.GET,
        "https://graph.threads.net/refresh_access_token",
        json={"access_token": "new", "token_type": "bearer", "expires_in": 5184000},
    )
    adapter.refresh(account)
    assert rsps.calls[0].request.params == {"grant_type": "th_refresh_token", "access_token": "THtok"}
    assert account.saved[-1]["access_token"] == "new"


def test_refresh_of_an_expired_token_is_auth_expired(rsps, adapter, account):
    rsps.add(
        responses.GET,
        "https://graph.threads.net/refresh_access_token",
        status=400,
        json={"error": {"message": "Session has expired", "type": "OAuthException", "code": 190}},
    )
    with pytest.raises(AuthExpired):
        adapter.refresh(account)
    assert account.saved == []


# --- publishing ---------------------------------------------------------------------------------------


def test_text_post_with_link_card(rsps, adapter, account):
    # given
    saved = []
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "c1"})
    container_ok(rsps, "c1")
    rsps.add(responses.POST, f"{G}/77/threads_publish", json={"id": "t1"})
    media(rsps, "t1")
    # when
    result = adapter.publish(
        account,
        PostContent(text="Open today ☕", link="https://cafe.example.com/menu"),
        PublishAttempt("k", save_state=saved.append),
    )
    # then
    assert form(rsps.calls[0]) == {
        "media_type": "TEXT",
        "text": "Open today ☕",
        "link_attachment": "https://cafe.example.com/menu",
        "access_token": "THtok",
    }
    assert saved[0] == {"container_id": "c1"}
    assert rsps.calls[1].request.params["fields"] == "status,error_message"
    assert form(rsps.calls[2]) == {"creation_id": "c1", "access_token": "THtok"}
    assert result.url == "https://www.threads.net/@cafe/post/t1"


def test_image_post(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "c2"})
    container_ok(rsps, "c2")
    rsps.add(responses.POST, f"{G}/77/threads_publish", json={"id": "t2"})
    media(rsps, "t2")
    adapter.publish(account, PostContent(text="Latte", media=[IMAGE]), PublishAttempt("k"))
    assert form(rsps.calls[0]) == {
        "media_type": "IMAGE",
        "image_url": "https://cdn.example.com/a.jpg",
        "text": "Latte",
        "alt_text": "Latte art",
        "access_token": "THtok",
    }


def test_link_limit_error_from_threads_is_permanent(rsps, adapter, account):
    rsps.add(
        responses.POST,
        f"{G}/77/threads",
        status=400,
        json={"error": {"message": "THREADS_API__LINK_LIMIT_EXCEEDED", "type": "THApiException", "code": 100}},
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x"), PublishAttempt("k"))
    assert "LINK_LIMIT" in caught.value.message


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (401, {"message": "Invalid OAuth access token", "code": 190}, AuthExpired),
        (400, {"message": "User request limit reached", "code": 17}, RateLimited),
        (503, {"message": "Service unavailable", "code": 2}, Transient),
        (400, {"message": "Duplicate post", "code": 506}, Permanent),
    ],
)
def test_errors_map_to_the_vocabulary(rsps, adapter, account, status, error, expected):
    rsps.add(responses.POST, f"{G}/77/threads", status=status, json={"error": error})
    with pytest.raises(expected):
        adapter.publish(account, PostContent(text="x"), PublishAttempt("k"))


def test_throttle_retry_after_is_the_default_without_usage_headers(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/77/threads", status=400, json={"error": {"message": "limit", "code": 4}})
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, PostContent(text="x"), PublishAttempt("k"))
    assert caught.value.retry_after == 300


def test_lookup_finds_the_post_of_a_published_container(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/c1", json={"status": "PUBLISHED"})
    rsps.add(
        responses.GET,
        f"{G}/77/threads",
        json={"data": [{"id": "t9", "text": "Open today", "permalink": "https://www.threads.net/@cafe/post/t9"}]},
    )
    found = adapter.lookup_published(
        account, PostContent(text="Open today"), PublishAttempt("k", state={"container_id": "c1"})
    )
    assert found.remote_id == "t9"


def test_lookup_of_an_unpublished_container_is_none(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/c1", json={"status": "EXPIRED"})
    assert (
        adapter.lookup_published(account, PostContent(text="x"), PublishAttempt("k", state={"container_id": "c1"}))
        is None
    )


def test_expired_container_is_replaced_on_retry(rsps, adapter, account):
    # given a stored container that expired (never published)
    attempt = PublishAttempt("k", state={"container_id": "old"})
    rsps.add(responses.GET, f"{G}/old", json={"status": "EXPIRED"})
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "new"})
    container_ok(rsps, "new")
    rsps.add(responses.POST, f"{G}/77/threads_publish", json={"id": "t3"})
    media(rsps, "t3")
    # when
    adapter.publish(account, PostContent(text="x"), attempt)
    # then
    assert attempt.state["container_id"] == "new"
    assert form(rsps.calls[3])["creation_id"] == "new"


# --- metrics, inbox, reply -------------------------------------------------------------------------------


def test_post_metrics(rsps, adapter, account):
    rsps.add(
        responses.GET,
        f"{G}/t1/insights",
        json=lifetime_insights(views=300, likes=20, replies=2, reposts=3, quotes=1),
    )
    rsps.add(responses.GET, f"{G}/t1", json={"media_type": "TEXT_POST", "id": "t1"})
    metrics = adapter.fetch_post_metrics(account, ["t1"])["t1"]
    assert rsps.calls[0].request.params["metric"] == "views,likes,replies,reposts,quotes"
    assert (metrics.impressions, metrics.likes, metrics.comments, metrics.shares) == (300, 20, 2, 4)
    assert metrics.reach is None and metrics.saves is None and metrics.clicks is None
    assert metrics.video_views is None  # a text post has no video views


def test_account_followers(rsps, adapter, account):
    rsps.add(
        responses.GET,
        f"{G}/77/threads_insights",
        json={"data": [{"name": "followers_count", "total_value": {"value": 512}}]},
    )
    assert adapter.fetch_account_metrics(account).followers == 512


def test_inbox_reads_replies_and_skips_our_own(rsps, adapter, account):
    rsps.add(
        responses.GET,
        f"{G}/77/threads",
        json={"data": [{"id": "t1", "permalink": "https://www.threads.net/@cafe/post/t1"}]},
    )
    rsps.add(
        responses.GET,
        f"{G}/t1/replies",
        json={
            "data": [
                {
                    "id": "r1",
                    "text": "What time?",
                    "username": "ana",
                    "timestamp": "2026-03-02T08:00:00+0000",
                    "replied_to": {"id": "t1"},
                    "is_reply_owned_by_me": False,
                },
                {
                    "id": "r2",
                    "text": "9am!",
                    "username": "cafe",
                    "timestamp": "2026-03-02T09:00:00+0000",
                    "replied_to": {"id": "r1"},
                    "is_reply_owned_by_me": True,
                },
            ]
        },
    )
    page = adapter.fetch_inbox(account)
    assert [(i.remote_id, i.kind, i.author_handle, i.parent_remote_id) for i in page.items] == [
        ("r1", "reply", "ana", "t1")
    ]
    assert page.cursor == "2026-03-02T08:00:00+00:00"


def test_reply_is_a_container_with_reply_to_id(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "rc"})
    container_ok(rsps, "rc")
    rsps.add(responses.POST, f"{G}/77/threads_publish", json={"id": "t5"})
    media(rsps, "t5")
    item = InboxItem(remote_id="r1", kind="reply", text="What time?", created_at=None, author_handle="ana")
    result = adapter.reply(account, item, "9am!")
    assert form(rsps.calls[0]) == {"media_type": "TEXT", "text": "9am!", "reply_to_id": "r1", "access_token": "THtok"}
    assert result.remote_id == "t5"
