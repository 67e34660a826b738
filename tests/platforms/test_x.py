"""X adapter against replayed API v2 responses (shapes from docs.x.com)."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from responses import matchers

from smm.platforms import get_adapter
from smm.platforms.base import (
    AppCredentials,
    AuthExpired,
    InboxItem,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    Transient,
)
from smm.platforms.x import XAdapter, pkce_challenge, snowflake_time

NOW = dt.datetime(2026, 11, 20, 14, 0, 0, tzinfo=dt.UTC)
API = "https://api.x.com"
USER_ID = "2244994945"
TWEET_ID = "1445880548472328192"


@pytest.fixture
def adapter():
    x = XAdapter(AppCredentials(client_id="x-client", client_secret="x-secret"))
    x.now = lambda: NOW
    return x


@pytest.fixture
def account(account_context):
    return account_context(
        "x",
        USER_ID,
        handle="@brand",
        credentials={
            "access_token": "access-1",
            "refresh_token": "refresh-1",
            "expires_at": (NOW + dt.timedelta(hours=1)).isoformat(),
        },
    )


@pytest.fixture
def attempt():
    return PublishAttempt(idempotency_key="target-9")


def created(text="Hello X", tweet_id=TWEET_ID):
    return {"data": {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}}


def body_of(call):
    return json.loads(call.request.body)


def test_registry_and_flags():
    adapter = get_adapter("x")
    assert isinstance(adapter, XAdapter)
    assert (adapter.idempotency, adapter.supports_refresh, adapter.connect_kind) == ("recent_posts", True, "oauth2")


# --- content rules -------------------------------------------------------------------------


def test_280_weighted_characters_is_fine_and_281_is_one_over(adapter):
    assert adapter.validate(PostContent(text="a" * 280)) == []
    [problem] = adapter.validate(PostContent(text="a" * 281))
    assert problem.message.startswith("This is 1 character over X's 280-character limit")


def test_cjk_and_emoji_weigh_two_and_urls_23(adapter):
    # given: 140 CJK characters weigh exactly 280
    assert adapter.validate(PostContent(text="日" * 140)) == []
    assert len(adapter.validate(PostContent(text="日" * 140 + "a"))) == 1
    # emoji ZWJ family and a flag are one emoji each (2), a combining accent is folded by NFC
    assert adapter.text_length("👨‍👩‍👧‍👦") == 2
    assert adapter.text_length("🇯🇵") == 2
    assert adapter.text_length("e\u0301") == 1
    assert adapter.text_length("https://example.com/" + "x" * 200) == 23


def test_a_link_is_appended_and_counted(adapter):
    # given: 257 + 2 newlines + 23 = 282 (a made-up TLD such as .example would not be a link for X)
    problems = adapter.validate(PostContent(text="a" * 257, link="https://shop.example.com/sale"))
    assert problems[0].message.startswith("This is 2 characters over")


def test_a_gif_must_be_alone(adapter):
    media = [MediaItem(mime_type="image/gif", size=10), MediaItem(mime_type="image/png", size=10)]
    assert [p.code for p in adapter.validate(PostContent(text="x", media=media))] == ["gif_mix"]


# --- connection ----------------------------------------------------------------------------


def test_authorization_url_uses_pkce_s256_and_offline_access(adapter):
    url = adapter.authorization_url(redirect_uri="https://smm.example/cb", state="s", code_verifier="v" * 50)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://x.com/i/oauth2/authorize"
    assert query["code_challenge"] == [pkce_challenge("v" * 50)]
    assert query["code_challenge_method"] == ["S256"]
    assert "offline.access" in query["scope"][0].split()


def test_exchange_code_sends_the_verifier_with_basic_auth(adapter, network):
    # given
    network.post(
        f"{API}/2/oauth2/token",
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "access-1",
            "scope": "tweet.read tweet.write users.read media.write offline.access",
            "refresh_token": "refresh-1",
        },
    )
    network.get(
        f"{API}/2/users/me",
        json={
            "data": {"id": USER_ID, "name": "The Brand", "username": "brand", "profile_image_url": "https://pbs/a.jpg"}
        },
        match=[matchers.header_matcher({"Authorization": "Bearer access-1"})],
    )

    # when
    connected = adapter.exchange_code(code="c0de", redirect_uri="https://smm.example/cb", code_verifier="ver")

    # then
    token_request = network.calls[0].request
    assert parse_qs(token_request.body) == {
        "grant_type": ["authorization_code"],
        "code": ["c0de"],
        "redirect_uri": ["https://smm.example/cb"],
        "code_verifier": ["ver"],
        "client_id": ["x-client"],
    }
    assert token_request.headers["Authorization"].startswith("Basic ")
    assert connected.handle == "@brand"
    assert connected.credentials["refresh_token"] == "refresh-1"
    assert connected.token_expires_at == NOW + dt.timedelta(hours=2)


def test_refresh_saves_the_rotated_tokens(adapter, network, account, saved):
    # given
    network.post(
        f"{API}/2/oauth2/token",
        json={"token_type": "bearer", "expires_in": 7200, "access_token": "access-2", "refresh_token": "refresh-2"},
    )

    # when
    adapter.refresh(account)

    # then
    assert parse_qs(network.calls[0].request.body) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-1"],
        "client_id": ["x-client"],
    }
    assert saved[-1]["access_token"] == "access-2"
    assert saved[-1]["refresh_token"] == "refresh-2"


def test_refresh_never_replaces_a_refresh_token_with_nothing(adapter, network, account, saved):
    network.post(f"{API}/2/oauth2/token", json={"token_type": "bearer", "expires_in": 7200, "access_token": "a2"})
    adapter.refresh(account)
    assert saved[-1]["refresh_token"] == "refresh-1"


def test_a_revoked_refresh_token_is_auth_expired(adapter, network, account):
    network.post(
        f"{API}/2/oauth2/token",
        json={"error": "invalid_request", "error_description": "Value passed for the token was invalid."},
        status=400,
    )
    with pytest.raises(AuthExpired) as caught:
        adapter.refresh(account)
    assert caught.value.message == "Value passed for the token was invalid."


def test_an_expired_token_is_refreshed_before_the_call(adapter, network, account):
    # given: the stored access token ran out ten minutes ago
    account.credentials["expires_at"] = (NOW - dt.timedelta(minutes=10)).isoformat()
    network.post(f"{API}/2/oauth2/token", json={"expires_in": 7200, "access_token": "access-2", "refresh_token": "r2"})
    network.get(
        f"{API}/2/users/me",
        json={"data": {"id": USER_ID, "public_metrics": {"followers_count": 1}}},
        match=[matchers.header_matcher({"Authorization": "Bearer access-2"})],
    )

    # when / then
    assert adapter.fetch_account_metrics(account).followers == 1


# --- publishing ------------------------------------------------------------------------------


def test_text_post(adapter, network, account, attempt):
    # given
    network.post(f"{API}/2/tweets", json=created(), status=201)

    # when
    result = adapter.publish(account, PostContent(text="Hello X"), attempt)

    # then
    request = network.calls[0].request
    assert body_of(network.calls[0]) == {"text": "Hello X"}
    assert request.headers["Authorization"] == "Bearer access-1"
    assert result.remote_id == TWEET_ID
    assert result.url == f"https://x.com/brand/status/{TWEET_ID}"
    assert result.published_at == snowflake_time(TWEET_ID)
    assert attempt.state["sent_at"] == NOW.isoformat()


def test_snowflake_time_reads_the_creation_moment():
    assert snowflake_time("1445880548472328192") == dt.datetime(2021, 10, 6, 22, 36, 0, 574000, tzinfo=dt.UTC)


def test_image_post_uploads_multipart_then_sets_alt_text(adapter, network, account, attempt):
    # given
    network.post(
        f"{API}/2/media/upload",
        json={
            "data": {
                "id": "1880028106020515840",
                "media_key": "3_1880028106020515840",
                "size": 1024,
                "expires_after_secs": 86400,
                "image": {"image_type": "image/png", "w": 800, "h": 600},
            }
        },
    )
    network.post(
        f"{API}/2/media/metadata",
        json={"data": {"associated_metadata": {"alt_text": {"text": "Our new logo"}}, "id": "1880028106020515840"}},
    )
    network.post(f"{API}/2/tweets", json=created(), status=201)
    image = MediaItem(mime_type="image/png", data=b"\x89PNG-logo", alt_text="Our new logo", filename="logo.png")

    # when
    adapter.publish(account, PostContent(text="New look", media=[image]), attempt)

    # then
    upload = network.calls[0].request
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="media"; filename="logo.png"' in upload.body
    assert b"\x89PNG-logo" in upload.body
    assert b'name="media_category"\r\n\r\ntweet_image' in upload.body
    assert body_of(network.calls[1]) == {
        "id": "1880028106020515840",
        "metadata": {"alt_text": {"text": "Our new logo"}},
    }
    assert body_of(network.calls[2]) == {"text": "New look", "media": {"media_ids": ["1880028106020515840"]}}


def test_link_post_appends_the_link(adapter, network, account, attempt):
    network.post(f"{API}/2/tweets", json=created(), status=201)
    adapter.publish(account, PostContent(text="Sale!", link="https://shop.example/sale"), attempt)
    assert body_of(network.calls[0]) == {"text": "Sale!\n\nhttps://shop.example/sale"}


# --- errors ----------------------------------------------------------------------------------


def test_401_refreshes_once_then_is_auth_expired(adapter, network, account, attempt):
    # given: the token is refused even after a successful refresh
    unauthorized = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
    network.post(f"{API}/2/tweets", json=unauthorized, status=401)
    network.post(f"{API}/2/oauth2/token", json={"expires_in": 7200, "access_token": "access-2", "refresh_token": "r2"})

    # when
    with pytest.raises(AuthExpired):
        adapter.publish(account, PostContent(text="hi"), attempt)

    # then: tweet, refresh, tweet — no more
    assert [call.request.url for call in network.calls] == [
        f"{API}/2/tweets",
        f"{API}/2/oauth2/token",
        f"{API}/2/tweets",
    ]
    assert network.calls[2].request.headers["Authorization"] == "Bearer access-2"


def test_rate_limit_reads_the_epoch_reset(adapter, network, account, attempt):
    network.post(
        f"{API}/2/tweets",
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
        status=429,
        headers={
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(NOW.timestamp()) + 600),
        },
    )
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, PostContent(text="hi"), attempt)
    assert caught.value.retry_after == 600


def test_rate_limit_falls_back_to_retry_after(adapter, network, account, attempt):
    network.post(f"{API}/2/tweets", json={"title": "Too Many Requests"}, status=429, headers={"Retry-After": "42"})
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, PostContent(text="hi"), attempt)
    assert caught.value.retry_after == 42


def test_server_error_is_transient(adapter, network, account, attempt):
    network.post(f"{API}/2/tweets", json={"title": "Service Unavailable", "status": 503}, status=503)
    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="hi"), attempt)


def test_duplicate_content_is_permanent_in_plain_words(adapter, network, account, attempt):
    # given
    detail = "You are not allowed to create a Tweet with duplicate content."
    network.post(
        f"{API}/2/tweets",
        json={"detail": detail, "type": "about:blank", "title": "Forbidden", "status": 403},
        status=403,
    )

    # when
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="hi"), attempt)

    # then
    assert caught.value.message == detail
    assert caught.value.user_message == "X refused this post because the account already posted the same text."


def test_invalid_request_is_permanent(adapter, network, account, attempt):
    network.post(
        f"{API}/2/tweets",
        json={
            "errors": [{"parameters": {"text": ["x" * 300]}, "message": "Your Tweet text is too long."}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
        status=400,
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x" * 300), attempt)
    assert caught.value.message == "One or more parameters to your request was invalid."
    assert caught.value.status == 400


# --- lookup after an unknown outcome -----------------------------------------------------------


def timeline(*tweets, next_token=None):
    meta = {"result_count": len(tweets)}
    if tweets:
        meta.update(newest_id=tweets[0]["id"], oldest_id=tweets[-1]["id"])
    if next_token:
        meta["next_token"] = next_token
    return {"data": list(tweets), "meta": meta} if tweets else {"meta": meta}


def test_lookup_matches_the_text_with_links_expanded(adapter, network, account):
    # given: X gives the link back as t.co, escapes "&", and appends a media link
    sent_at = NOW - dt.timedelta(minutes=5)
    attempt = PublishAttempt(idempotency_key="t", state={"sent_at": sent_at.isoformat()})
    tweet = {
        "id": TWEET_ID,
        "created_at": "2026-11-20T13:55:01.000Z",
        "text": "Q&amp;A tonight https://t.co/abc123 https://t.co/media9",
        "entities": {
            "urls": [
                {"start": 16, "end": 39, "url": "https://t.co/abc123", "expanded_url": "https://shop.example/qa"},
                {
                    "start": 40,
                    "end": 63,
                    "url": "https://t.co/media9",
                    "expanded_url": "https://x.com/brand/status/1/photo/1",
                    "media_key": "3_1",
                },
            ]
        },
    }
    network.get(
        f"{API}/2/users/{USER_ID}/tweets",
        json=timeline({"id": "1", "text": "something else"}, tweet),
        match=[
            matchers.query_param_matcher(
                {
                    "max_results": "100",
                    "start_time": "2026-11-20T13:54:00Z",
                    "tweet.fields": "created_at,entities,text",
                }
            )
        ],
    )

    # when
    result = adapter.lookup_published(account, PostContent(text="Q&A tonight https://shop.example/qa"), attempt)

    # then
    assert result.remote_id == TWEET_ID


def test_lookup_is_none_when_the_list_covers_the_window(adapter, network, account):
    attempt = PublishAttempt(idempotency_key="t", state={"sent_at": (NOW - dt.timedelta(minutes=5)).isoformat()})
    network.get(f"{API}/2/users/{USER_ID}/tweets", json=timeline({"id": "1", "text": "other"}))
    assert adapter.lookup_published(account, PostContent(text="hi"), attempt) is None


def test_lookup_too_soon_after_sending_is_unknown(adapter, network, account):
    attempt = PublishAttempt(idempotency_key="t", state={"sent_at": (NOW - dt.timedelta(seconds=5)).isoformat()})
    network.get(f"{API}/2/users/{USER_ID}/tweets", json=timeline())
    with pytest.raises(OutcomeUnknown):
        adapter.lookup_published(account, PostContent(text="hi"), attempt)


def test_lookup_with_more_posts_than_it_reads_is_unknown(adapter, network, account):
    attempt = PublishAttempt(idempotency_key="t", state={"sent_at": (NOW - dt.timedelta(minutes=5)).isoformat()})
    network.get(f"{API}/2/users/{USER_ID}/tweets", json=timeline({"id": "1", "text": "x"}, next_token="more"))
    with pytest.raises(OutcomeUnknown):
        adapter.lookup_published(account, PostContent(text="hi"), attempt)
    assert len(network.calls) == 3


def test_lookup_when_nothing_was_sent_is_none(adapter, network, account):
    assert adapter.lookup_published(account, PostContent(text="hi"), PublishAttempt(idempotency_key="t")) is None
    assert len(network.calls) == 0


# --- metrics ---------------------------------------------------------------------------------


def test_post_metrics_with_impressions_and_clicks(adapter, network, account):
    # given
    network.get(
        f"{API}/2/tweets",
        json={
            "data": [
                {
                    "id": TWEET_ID,
                    "text": "Hello X",
                    "edit_history_tweet_ids": [TWEET_ID],
                    "public_metrics": {
                        "retweet_count": 4,
                        "reply_count": 2,
                        "like_count": 30,
                        "quote_count": 1,
                        "bookmark_count": 3,
                        "impression_count": 1500,
                    },
                    "non_public_metrics": {"impression_count": 1510, "url_link_clicks": 17, "user_profile_clicks": 2},
                }
            ]
        },
        match=[
            matchers.query_param_matcher(
                {
                    "ids": TWEET_ID,
                    "tweet.fields": "public_metrics,non_public_metrics,attachments",
                    "expansions": "attachments.media_keys",
                    "media.fields": "type,public_metrics",
                }
            )
        ],
    )

    # when
    figures = adapter.fetch_post_metrics(account, [TWEET_ID])[TWEET_ID]

    # then
    assert (figures.impressions, figures.likes, figures.comments, figures.shares) == (1510, 30, 2, 5)
    assert (figures.saves, figures.clicks, figures.reach) == (3, 17, None)


def test_old_posts_fall_back_to_public_metrics_and_accept_repost_count(adapter, network, account):
    network.get(
        f"{API}/2/tweets",
        json={"title": "Forbidden", "detail": "Sorry, non-public metrics are only available for 30 days"},
        status=403,
        match=[
            matchers.query_param_matcher(
                {
                    "ids": "1",
                    "tweet.fields": "public_metrics,non_public_metrics,attachments",
                    "expansions": "attachments.media_keys",
                    "media.fields": "type,public_metrics",
                }
            )
        ],
    )
    network.get(
        f"{API}/2/tweets",
        json={"data": [{"id": "1", "text": "x", "public_metrics": {"repost_count": 6, "like_count": 1}}]},
        match=[
            matchers.query_param_matcher(
                {
                    "ids": "1",
                    "tweet.fields": "public_metrics,attachments",
                    "expansions": "attachments.media_keys",
                    "media.fields": "type,public_metrics",
                }
            )
        ],
    )
    figures = adapter.fetch_post_metrics(account, ["1"])["1"]
    assert (figures.shares, figures.impressions, figures.clicks) == (6, None, None)


def test_account_metrics(adapter, network, account):
    network.get(
        f"{API}/2/users/me",
        json={
            "data": {
                "id": USER_ID,
                "username": "brand",
                "public_metrics": {
                    "followers_count": 5120,
                    "following_count": 80,
                    "tweet_count": 900,
                    "listed_count": 4,
                },
            }
        },
    )
    metrics = adapter.fetch_account_metrics(account)
    assert (metrics.followers, metrics.following, metrics.posts_count) == (5120, 80, 900)


# --- inbox ------------------------------------------------------------------------------------


def test_inbox_reads_mentions_since_the_cursor(adapter, network, account):
    # given
    network.get(
        f"{API}/2/users/{USER_ID}/mentions",
        json={
            "data": [
                {
                    "id": "1460323737035677698",
                    "text": "@brand love it &amp; more",
                    "created_at": "2026-11-20T13:10:00.000Z",
                    "author_id": "99",
                    "conversation_id": "1460000000000000000",
                    "in_reply_to_user_id": USER_ID,
                    "referenced_tweets": [{"type": "replied_to", "id": "1460000000000000000"}],
                },
                {
                    "id": "1460323737035677697",
                    "text": "cc @brand",
                    "created_at": "2026-11-20T13:05:00.000Z",
                    "author_id": "99",
                    "conversation_id": "1460323737035677697",
                },
            ],
            "includes": {
                "users": [
                    {
                        "id": "99",
                        "name": "Alice",
                        "username": "alice",
                        "profile_image_url": "https://pbs/alice.jpg",
                        "public_metrics": {"followers_count": 321},
                    }
                ]
            },
            "meta": {"newest_id": "1460323737035677698", "oldest_id": "1460323737035677697", "result_count": 2},
        },
        match=[
            matchers.query_param_matcher(
                {
                    "max_results": "100",
                    "since_id": "1460000000000000001",
                    "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets",
                    "expansions": "author_id",
                    "user.fields": "username,name,profile_image_url,public_metrics",
                }
            )
        ],
    )

    # when
    page = adapter.fetch_inbox(account, cursor="1460000000000000001")

    # then
    assert page.cursor == "1460323737035677698"
    assert [(item.kind, item.text) for item in page.items] == [
        ("mention", "cc @brand"),
        ("reply", "@brand love it & more"),
    ]
    reply = page.items[1]
    assert reply.post_remote_id == "1460000000000000000"
    assert reply.author_handle == "@alice"
    assert reply.author_followers == 321
    assert reply.url == "https://x.com/alice/status/1460323737035677698"


def test_empty_inbox_keeps_the_cursor(adapter, network, account):
    network.get(f"{API}/2/users/{USER_ID}/mentions", json={"meta": {"result_count": 0}})
    assert adapter.fetch_inbox(account, cursor="5").cursor == "5"


def test_reply(adapter, network, account):
    network.post(f"{API}/2/tweets", json=created("Thanks!", "1460323737035677700"), status=201)
    item = InboxItem(
        remote_id="1460323737035677698", kind="reply", text="love it", created_at=NOW, author_handle="@alice"
    )
    result = adapter.reply(account, item, "Thanks!")
    assert body_of(network.calls[0]) == {"text": "Thanks!", "reply": {"in_reply_to_tweet_id": "1460323737035677698"}}
    assert result.remote_id == "1460323737035677700"
