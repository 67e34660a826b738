"""Facebook Pages adapter against the documented Graph API request and response shapes."""

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from smm.platforms.base import (
    AppCredentials,
    AuthExpired,
    InboxItem,
    MediaItem,
    NotSupported,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    Transient,
    UnreadableAnswer,
)
from smm.platforms.facebook import FacebookAdapter
from tests.platforms.helpers import form, lifetime_insights

G = "https://graph.facebook.com/v23.0"


@pytest.fixture
def adapter():
    return FacebookAdapter(AppCredentials(client_id="fb1", client_secret="fbsecret"))


@pytest.fixture
def account(account_context):
    return account_context("facebook", "500", credentials={"access_token": "PAGEtok", "page_id": "500"})


# --- content rules ------------------------------------------------------------------------------


def test_text_at_limit_passes_and_one_over_fails(adapter):
    assert adapter.validate(PostContent(text="字" * 63206)) == []
    problems = adapter.validate(PostContent(text="🎉" * 63207))
    assert [p.code for p in problems] == ["too_long"]


def test_hashtags_and_emoji_are_plain_characters(adapter):
    assert adapter.text_length("#launch 🚀") == 9


def test_image_rules(adapter):
    big = MediaItem(mime_type="image/jpeg", url="https://cdn.example.com/a.jpg", size=5 * 1024 * 1024)
    webp = MediaItem(mime_type="image/webp", data=b"x")
    codes = sorted(p.code for p in adapter.validate(PostContent(text="x", media=[big, webp])))
    assert codes == ["media_size", "media_type"]
    assert [p.code for p in adapter.validate(PostContent(text=""))] == ["empty"]


# --- connection ---------------------------------------------------------------------------------


def test_authorization_url(adapter):
    url = adapter.authorization_url(redirect_uri="https://smm.test/cb", state="xyz", code_verifier="")
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    assert f"{parts.netloc}{parts.path}" == "www.facebook.com/v23.0/dialog/oauth"
    assert query["state"] == "xyz"
    assert query["response_type"] == "code"
    assert set(query["scope"].split(",")) == {
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_show_list",
        "pages_manage_engagement",
        "pages_read_user_engagement",
    }


def test_exchange_code_stores_the_page_and_its_token(rsps, adapter):
    # given the code exchange, the long-lived exchange and two pages
    rsps.add(responses.GET, f"{G}/oauth/access_token", json={"access_token": "short", "token_type": "bearer"})
    rsps.add(
        responses.GET,
        f"{G}/oauth/access_token",
        json={"access_token": "longuser", "token_type": "bearer", "expires_in": 5183999},
    )
    rsps.add(
        responses.GET,
        f"{G}/me/accounts",
        json={
            "data": [
                {
                    "id": "500",
                    "name": "Bike Shop",
                    "access_token": "PAGEtok",
                    "picture": {"data": {"url": "https://cdn.example.com/p.jpg"}},
                },
                {"id": "501", "name": "Bike Shop Berlin", "access_token": "PAGE2"},
            ]
        },
    )
    # when
    connected = adapter.exchange_code(code="c0de", redirect_uri="https://smm.test/cb", code_verifier="")
    # then
    assert rsps.calls[0].request.params == {
        "client_id": "fb1",
        "client_secret": "fbsecret",
        "redirect_uri": "https://smm.test/cb",
        "code": "c0de",
    }
    assert rsps.calls[1].request.params == {
        "grant_type": "fb_exchange_token",
        "client_id": "fb1",
        "client_secret": "fbsecret",
        "fb_exchange_token": "short",
    }
    assert rsps.calls[2].request.params["access_token"] == "longuser"
    assert connected.remote_id == "500"
    assert connected.avatar_url == "https://cdn.example.com/p.jpg"
    assert connected.credentials == {
        "access_token": "PAGEtok",
        "page_id": "500",
        "user_access_token": "longuser",
        "other_pages": [{"id": "501", "name": "Bike Shop Berlin"}],
    }


def test_exchange_code_without_pages_is_permanent(rsps, adapter):
    rsps.add(responses.GET, f"{G}/oauth/access_token", json={"access_token": "short"})
    rsps.add(responses.GET, f"{G}/oauth/access_token", json={"access_token": "long", "expires_in": 1})
    rsps.add(responses.GET, f"{G}/me/accounts", json={"data": []})
    with pytest.raises(Permanent) as caught:
        adapter.exchange_code(code="c", redirect_uri="https://smm.test/cb", code_verifier="")
    assert "No Facebook Page" in caught.value.user_message


def test_page_tokens_do_not_refresh(adapter, account):
    # given page tokens from a long-lived user token, which never expire
    assert adapter.supports_refresh is False
    # when / then the base answer applies: reconnecting is the only remedy
    with pytest.raises(NotSupported):
        adapter.refresh(account)


# --- publishing ------------------------------------------------------------------------------------


def test_text_post(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/500/feed", json={"id": "500_9001"})
    result = adapter.publish(account, PostContent(text="Spring sale starts today"), PublishAttempt("k"))
    assert form(rsps.calls[0]) == {"message": "Spring sale starts today", "access_token": "PAGEtok"}
    assert result.remote_id == "500_9001"
    assert result.url == "https://www.facebook.com/500_9001"


def test_link_post(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/500/feed", json={"id": "500_9002"})
    adapter.publish(account, PostContent(text="Read more", link="https://shop.example.com/sale"), PublishAttempt("k"))
    assert form(rsps.calls[0]) == {
        "message": "Read more",
        "link": "https://shop.example.com/sale",
        "access_token": "PAGEtok",
    }


def test_photo_from_url_with_link_in_the_caption(rsps, adapter, account):
    # given a public image and a link (a photo post cannot carry a link card)
    image = MediaItem(mime_type="image/jpeg", url="https://cdn.example.com/a.jpg", alt_text="ignored by Facebook")
    rsps.add(responses.POST, f"{G}/500/photos", json={"id": "77", "post_id": "500_9003"})
    # when
    result = adapter.publish(
        account, PostContent(text="New bikes", media=[image], link="https://shop.example.com"), PublishAttempt("k")
    )
    # then
    assert form(rsps.calls[0]) == {
        "caption": "New bikes\n\nhttps://shop.example.com",
        "url": "https://cdn.example.com/a.jpg",
        "access_token": "PAGEtok",
    }
    assert result.remote_id == "500_9003"


@pytest.mark.parametrize(
    "answer",
    [
        {"body": "<html>OK</html>", "content_type": "text/html"},
        {"json": {"success": True}},
    ],
    ids=["not-json", "no-id"],
)
def test_a_feed_post_accepted_without_its_id_is_unknown_not_retried(rsps, adapter, account, answer):
    # given Facebook takes the post but its answer does not say which post it made
    rsps.add(responses.POST, f"{G}/500/feed", status=200, **answer)
    # when / then: an unknown outcome (looked up among the Page's posts), never a
    # Transient that would send the same post again
    with pytest.raises(UnreadableAnswer):
        adapter.publish(account, PostContent(text="Spring sale starts today"), PublishAttempt("k"))


def test_a_published_photo_accepted_without_its_id_is_unknown_not_retried(rsps, adapter, account):
    image = MediaItem(mime_type="image/jpeg", url="https://cdn.example.com/a.jpg")
    rsps.add(responses.POST, f"{G}/500/photos", status=200, body="", content_type="text/plain")
    with pytest.raises(UnreadableAnswer):
        adapter.publish(account, PostContent(text="New bikes", media=[image]), PublishAttempt("k"))


def test_photo_from_bytes_is_multipart_source(rsps, adapter, account):
    image = MediaItem(mime_type="image/png", data=b"\x89PNG...", filename="bike.png")
    rsps.add(responses.POST, f"{G}/500/photos", json={"id": "78", "post_id": "500_9004"})
    adapter.publish(account, PostContent(text="Hi", media=[image]), PublishAttempt("k"))
    body = rsps.calls[0].request.body
    assert b'name="source"; filename="bike.png"' in body
    assert b"\x89PNG..." in body
    assert b'name="caption"' in body and b'name="access_token"' in body


def test_several_photos_become_one_post_with_attached_media(rsps, adapter, account):
    first = MediaItem(mime_type="image/jpeg", url="https://cdn.example.com/1.jpg")
    second = MediaItem(mime_type="image/jpeg", url="https://cdn.example.com/2.jpg")
    rsps.add(responses.POST, f"{G}/500/photos", json={"id": "p1"})
    rsps.add(responses.POST, f"{G}/500/photos", json={"id": "p2"})
    rsps.add(responses.POST, f"{G}/500/feed", json={"id": "500_9005"})
    adapter.publish(account, PostContent(text="Two", media=[first, second]), PublishAttempt("k"))
    assert form(rsps.calls[0]) == {
        "published": "false",
        "url": "https://cdn.example.com/1.jpg",
        "access_token": "PAGEtok",
    }
    assert form(rsps.calls[2]) == {
        "message": "Two",
        "attached_media[0]": json.dumps({"media_fbid": "p1"}),
        "attached_media[1]": json.dumps({"media_fbid": "p2"}),
        "access_token": "PAGEtok",
    }


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (
            400,
            {
                "message": "Error validating access token: Session has expired",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
            },
            AuthExpired,
        ),
        (400, {"message": "Page request limit reached", "type": "OAuthException", "code": 32}, RateLimited),
        (500, {"message": "An unknown error occurred", "type": "OAuthException", "code": 1}, Transient),
        (400, {"message": "Duplicate status message", "type": "OAuthException", "code": 506}, Permanent),
        (
            403,
            {"message": "(#200) Requires pages_manage_posts permission", "type": "OAuthException", "code": 200},
            Permanent,
        ),
    ],
)
def test_errors_map_to_the_vocabulary(rsps, adapter, account, status, error, expected):
    rsps.add(responses.POST, f"{G}/500/feed", status=status, json={"error": error})
    with pytest.raises(expected):
        adapter.publish(account, PostContent(text="x"), PublishAttempt("k"))


def test_page_throttle_reads_the_business_use_case_estimate(rsps, adapter, account):
    usage = {
        "500": [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 5,
                "total_time": 9,
                "estimated_time_to_regain_access": 7,
            }
        ]
    }
    rsps.add(
        responses.POST,
        f"{G}/500/feed",
        status=400,
        json={"error": {"message": "Page request limit reached", "code": 80001}},
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, PostContent(text="x"), PublishAttempt("k"))
    assert caught.value.retry_after == 420


def test_invalid_content_is_refused_before_sending(adapter, account):
    with pytest.raises(Permanent):
        adapter.publish(account, PostContent(text=""), PublishAttempt("k"))


# --- unknown outcome -------------------------------------------------------------------------------------


def test_lookup_matches_the_message_among_recent_posts(rsps, adapter, account):
    rsps.add(
        responses.GET,
        f"{G}/500/posts",
        json={
            "data": [
                {"id": "500_1", "message": "Something else", "created_time": "2026-03-01T09:00:00+0000"},
                {"id": "500_2", "message": "Spring sale starts today", "created_time": "2026-03-01T10:00:00+0000"},
            ]
        },
    )
    found = adapter.lookup_published(account, PostContent(text="Spring sale starts today"), PublishAttempt("k"))
    assert rsps.calls[0].request.params["limit"] == "25"
    assert found.remote_id == "500_2"
    assert found.published_at.isoformat() == "2026-03-01T10:00:00+00:00"


def test_lookup_without_a_match_says_not_published(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/500/posts", json={"data": [{"id": "500_1", "message": "Other"}]})
    assert adapter.lookup_published(account, PostContent(text="Mine"), PublishAttempt("k")) is None


# --- metrics, inbox, reply ---------------------------------------------------------------------------------


def test_post_metrics_combine_fields_and_insights(rsps, adapter, account):
    # given summaries without a "shares" field, and views/reach/clicks insights
    rsps.add(
        responses.GET,
        f"{G}/500_2",
        json={
            "id": "500_2",
            "comments": {"data": [], "summary": {"total_count": 5}},
            "reactions": {"data": [], "summary": {"total_count": 42}},
        },
    )
    rsps.add(
        responses.GET,
        f"{G}/500_2/insights",
        json=lifetime_insights(post_media_view=1000, post_total_media_view_unique=800, post_clicks=31),
    )
    # when
    metrics = adapter.fetch_post_metrics(account, ["500_2"])["500_2"]
    # then
    assert "comments.limit(0).summary(total_count)" in rsps.calls[0].request.params["fields"]
    assert (metrics.impressions, metrics.reach, metrics.clicks, metrics.likes, metrics.comments) == (
        1000,
        800,
        31,
        42,
        5,
    )
    assert metrics.shares is None  # not reported, not invented


def test_post_metrics_survive_unavailable_insights(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/500_2", json={"shares": {"count": 3}})
    rsps.add(
        responses.GET,
        f"{G}/500_2/insights",
        status=400,
        json={"error": {"message": "(#100) The value must be a valid insights metric", "code": 100}},
    )
    metrics = adapter.fetch_post_metrics(account, ["500_2"])["500_2"]
    assert metrics.shares == 3
    assert metrics.impressions is None and metrics.likes is None


def test_account_followers(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/500", json={"followers_count": 2048, "id": "500"})
    assert adapter.fetch_account_metrics(account).followers == 2048
    assert rsps.calls[0].request.params["fields"] == "followers_count"


def test_inbox_reads_comments_of_recent_posts(rsps, adapter, account):
    rsps.add(
        responses.GET,
        f"{G}/500/posts",
        json={"data": [{"id": "500_2", "permalink_url": "https://www.facebook.com/500_2"}]},
    )
    rsps.add(
        responses.GET,
        f"{G}/500_2/comments",
        json={
            "data": [
                {
                    "id": "500_2_c2",
                    "message": "Thanks!",
                    "created_time": "2026-03-02T10:00:00+0000",
                    "from": {"id": "500", "name": "Bike Shop"},
                },
                {
                    "id": "500_2_c1",
                    "message": "Do you ship to Köln?",
                    "created_time": "2026-03-02T09:00:00+0000",
                    "from": {"id": "42", "name": "Jana"},
                },
            ]
        },
    )
    page = adapter.fetch_inbox(account)
    assert rsps.calls[1].request.params["filter"] == "stream"
    assert [(i.remote_id, i.text, i.author_name, i.post_remote_id) for i in page.items] == [
        ("500_2_c1", "Do you ship to Köln?", "Jana", "500_2")
    ]
    assert page.cursor == "2026-03-02T09:00:00+00:00"


def test_reply_comments_on_the_comment(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/500_2_c1/comments", json={"id": "500_2_c3"})
    item = InboxItem(remote_id="500_2_c1", kind="comment", text="?", created_at=None, author_handle="42")
    result = adapter.reply(account, item, "Yes, we do!")
    assert form(rsps.calls[0]) == {"message": "Yes, we do!", "access_token": "PAGEtok"}
    assert result.remote_id == "500_2_c3"
