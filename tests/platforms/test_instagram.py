"""Instagram adapter against the documented request and response shapes."""

from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

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
from smm.platforms.instagram import InstagramAdapter
from tests.platforms.helpers import form, lifetime_insights

G = "https://graph.instagram.com/v23.0"
IMAGE = MediaItem(mime_type="image/jpeg", url="https://cdn.example.com/a.jpg", alt_text="A red bike", size=1000)


@pytest.fixture
def adapter():
    instagram = InstagramAdapter(AppCredentials(client_id="app1", client_secret="secret"))
    instagram.sleep = lambda seconds: None
    return instagram


@pytest.fixture
def account(account_context):
    return account_context("instagram", "1784", credentials={"access_token": "IGtok", "user_id": "1784"})


def finished(rsps, container):
    rsps.add(responses.GET, f"{G}/{container}", json={"status_code": "FINISHED", "id": container})


def permalink(rsps, media_id):
    rsps.add(
        responses.GET,
        f"{G}/{media_id}",
        json={"permalink": f"https://www.instagram.com/p/{media_id}/", "timestamp": "2026-03-01T10:00:00+0000"},
    )


# --- content rules -------------------------------------------------------------------------


def test_media_is_required(adapter):
    problems = adapter.validate(PostContent(text="Hello"))
    assert [p.message for p in problems] == ["Instagram needs at least one image or video."]


def test_caption_exactly_at_limit_passes_and_one_over_fails(adapter):
    # given captions of 2200 and 2201 characters, counted as a person sees them
    at_limit = "é" * 2200
    over = "👨‍👩‍👧" * 2201  # a family emoji is one character to a reader
    # when / then
    assert adapter.validate(PostContent(text=at_limit, media=[IMAGE])) == []
    problems = adapter.validate(PostContent(text=over, media=[IMAGE]))
    assert [p.code for p in problems] == ["too_long"]


def test_cjk_counts_one_per_character(adapter):
    assert adapter.text_length("東京タワー") == 5


def test_thirty_hashtags_pass_and_thirty_four_fail(adapter):
    thirty = " ".join(f"#tag{i}" for i in range(30))
    thirty_four = " ".join(f"#tag{i}" for i in range(34))
    assert adapter.validate(PostContent(text=thirty, media=[IMAGE])) == []
    problems = adapter.validate(PostContent(text=thirty_four, media=[IMAGE]))
    assert [p.message for p in problems] == ["This caption has 34 hashtags; Instagram allows 30."]


def test_mentions_limit_ignores_email_addresses(adapter):
    twenty = " ".join(f"@user{i}" for i in range(20)) + " write to team@example.com"
    twenty_one = " ".join(f"@user{i}" for i in range(21))
    assert adapter.validate(PostContent(text=twenty, media=[IMAGE])) == []
    assert [p.code for p in adapter.validate(PostContent(text=twenty_one, media=[IMAGE]))] == ["mentions"]


def test_gif_too_many_images_and_links_are_refused(adapter):
    # (a PNG or WebP is sent as a JPEG made of it: tests/engine/test_instagram_jpeg.py)
    gif = MediaItem(mime_type="image/gif", url="https://cdn.example.com/a.gif")
    content = PostContent(text="x", media=[gif] + [IMAGE] * 10, link="https://example.com")
    codes = sorted(p.code for p in adapter.validate(content))
    assert codes == ["link", "media_count", "media_type"]


# --- connection ------------------------------------------------------------------------------


def test_authorization_url_carries_state_and_scopes(adapter):
    url = adapter.authorization_url(redirect_uri="https://smm.test/cb", state="s1", code_verifier="v")
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.instagram.com/oauth/authorize"
    assert query["state"] == "s1"
    assert query["client_id"] == "app1"
    assert "instagram_business_content_publish" in query["scope"].split(",")


def test_exchange_code_gets_a_long_lived_token_and_the_profile(rsps, adapter):
    # given
    rsps.add(
        responses.POST,
        "https://api.instagram.com/oauth/access_token",
        json={"data": [{"access_token": "short", "user_id": "1784", "permissions": "instagram_business_basic"}]},
    )
    rsps.add(
        responses.GET,
        "https://graph.instagram.com/access_token",
        json={"access_token": "long", "token_type": "bearer", "expires_in": 5183944},
    )
    rsps.add(responses.GET, f"{G}/me", json={"user_id": "1784", "username": "bikeshop", "name": "Bike Shop"})
    # when
    connected = adapter.exchange_code(code="c0de", redirect_uri="https://smm.test/cb", code_verifier="")
    # then
    assert form(rsps.calls[0]) == {
        "client_id": "app1",
        "client_secret": "secret",
        "grant_type": "authorization_code",
        "redirect_uri": "https://smm.test/cb",
        "code": "c0de",
    }
    assert rsps.calls[1].request.params == {
        "grant_type": "ig_exchange_token",
        "client_secret": "secret",
        "access_token": "short",
    }
    assert connected.remote_id == "1784"
    assert connected.handle == "@bikeshop"
    assert connected.credentials == {"access_token": "long", "user_id": "1784"}
    assert connected.token_expires_at is not None


def test_refresh_saves_the_new_token(rsps, adapter, account):
    # given
    rsps.add(
        responses.GET,
        "https://graph.instagram.com/refresh_access_token",
        json={"access_token": "fresh", "token_type": "bearer", "expires_in": 5183944},
    )
    # when
    adapter.refresh(account)
    # then
    assert rsps.calls[0].request.params == {"grant_type": "ig_refresh_token", "access_token": "IGtok"}
    assert account.saved[-1]["access_token"] == "fresh"
    assert account.saved[-1]["user_id"] == "1784"
    assert "expires_at" in account.saved[-1]


# --- publishing ------------------------------------------------------------------------------------


def test_image_post_creates_remembers_polls_and_publishes(rsps, adapter, account):
    # given
    saved = []
    attempt = PublishAttempt(idempotency_key="k1", save_state=saved.append)
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "c1"})
    rsps.add(responses.GET, f"{G}/c1", json={"status_code": "IN_PROGRESS"})
    finished(rsps, "c1")
    rsps.add(responses.POST, f"{G}/1784/media_publish", json={"id": "m1"})
    permalink(rsps, "m1")
    # when
    result = adapter.publish(account, PostContent(text="New bikes #spring", media=[IMAGE]), attempt)
    # then
    assert form(rsps.calls[0]) == {
        "image_url": "https://cdn.example.com/a.jpg",
        "caption": "New bikes #spring",
        "alt_text": "A red bike",
        "access_token": "IGtok",
    }
    assert saved[0] == {"container_id": "c1"}
    assert rsps.calls[1].request.params["fields"] == "status_code,status"
    assert form(rsps.calls[3]) == {"creation_id": "c1", "access_token": "IGtok"}
    assert (result.remote_id, result.url) == ("m1", "https://www.instagram.com/p/m1/")


def test_publish_accepted_without_the_media_id_is_unknown_not_retried(rsps, adapter, account):
    # given the container is finished and media_publish answers 200 with no JSON
    attempt = PublishAttempt(idempotency_key="k1", save_state=lambda state: None)
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "c1"})
    finished(rsps, "c1")
    rsps.add(responses.POST, f"{G}/1784/media_publish", status=200, body="", content_type="text/plain")
    # when / then: unknown (resolved by the container's status), not a Transient retry
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, PostContent(text="New bikes", media=[IMAGE]), attempt)


def test_carousel_creates_children_then_parent(rsps, adapter, account):
    # given two images
    second = MediaItem(mime_type="image/jpeg", url="https://cdn.example.com/b.jpg")
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "k1"})
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "k2"})
    finished(rsps, "k1")
    finished(rsps, "k2")
    rsps.add(responses.POST, f"{G}/1784/media", json={"id": "parent"})
    finished(rsps, "parent")
    rsps.add(responses.POST, f"{G}/1784/media_publish", json={"id": "m2"})
    permalink(rsps, "m2")
    # when
    adapter.publish(account, PostContent(text="Two", media=[IMAGE, second]), PublishAttempt("k"))
    # then
    assert form(rsps.calls[0]) == {
        "image_url": "https://cdn.example.com/a.jpg",
        "is_carousel_item": "true",
        "alt_text": "A red bike",
        "access_token": "IGtok",
    }
    assert form(rsps.calls[1]) == {
        "image_url": "https://cdn.example.com/b.jpg",
        "is_carousel_item": "true",
        "access_token": "IGtok",
    }
    assert form(rsps.calls[4]) == {
        "media_type": "CAROUSEL",
        "children": "k1,k2",
        "caption": "Two",
        "access_token": "IGtok",
    }


def test_retry_reuses_the_stored_container(rsps, adapter, account):
    # given an attempt that already created container c1
    attempt = PublishAttempt("k", state={"container_id": "c1"})
    finished(rsps, "c1")
    finished(rsps, "c1")
    rsps.add(responses.POST, f"{G}/1784/media_publish", json={"id": "m1"})
    permalink(rsps, "m1")
    # when
    adapter.publish(account, PostContent(text="x", media=[IMAGE]), attempt)
    # then no new container was made
    assert not any(c.request.url.endswith("/1784/media") for c in rsps.calls)


def test_validation_failure_is_permanent_before_any_request(adapter, account):
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="no image"), PublishAttempt("k"))
    assert caught.value.user_message == "Instagram needs at least one image or video."


def test_expired_token_is_auth_expired(rsps, adapter, account):
    rsps.add(
        responses.POST,
        f"{G}/1784/media",
        status=400,
        json={"error": {"message": "Error validating access token", "type": "OAuthException", "code": 190}},
    )
    with pytest.raises(AuthExpired):
        adapter.publish(account, PostContent(text="x", media=[IMAGE]), PublishAttempt("k"))


def test_publish_quota_throttle_is_rate_limited(rsps, adapter, account):
    rsps.add(
        responses.POST,
        f"{G}/1784/media",
        status=400,
        json={"error": {"message": "Application request limit reached", "code": 4}},
        headers={"X-App-Usage": '{"call_count": 100, "total_time": 20}'},
    )
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, PostContent(text="x", media=[IMAGE]), PublishAttempt("k"))
    assert caught.value.retry_after == 300


def test_server_error_is_transient(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/1784/media", status=500, json={"error": {"message": "Please retry", "code": 1}})
    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="x", media=[IMAGE]), PublishAttempt("k"))


def test_duplicate_is_permanent(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/1784/media", status=400, json={"error": {"message": "Duplicate", "code": 506}})
    with pytest.raises(Permanent):
        adapter.publish(account, PostContent(text="x", media=[IMAGE]), PublishAttempt("k"))


# --- unknown outcome -------------------------------------------------------------------------------


def test_lookup_without_container_says_not_published(adapter, account):
    assert adapter.lookup_published(account, PostContent(text="x"), PublishAttempt("k")) is None


def test_lookup_of_a_finished_container_says_not_published(rsps, adapter, account):
    finished(rsps, "c1")
    attempt = PublishAttempt("k", state={"container_id": "c1"})
    assert adapter.lookup_published(account, PostContent(text="x"), attempt) is None


def test_lookup_of_a_published_container_finds_the_media(rsps, adapter, account):
    # given
    rsps.add(responses.GET, f"{G}/c1", json={"status_code": "PUBLISHED"})
    rsps.add(
        responses.GET,
        f"{G}/1784/media",
        json={
            "data": [
                {"id": "m0", "caption": "older", "permalink": "https://www.instagram.com/p/m0/"},
                {
                    "id": "m1",
                    "caption": "New bikes ",
                    "permalink": "https://www.instagram.com/p/m1/",
                    "timestamp": "2026-03-01T10:00:00+0000",
                },
            ]
        },
    )
    # when
    found = adapter.lookup_published(
        account, PostContent(text="New bikes"), PublishAttempt("k", state={"container_id": "c1"})
    )
    # then
    assert found.remote_id == "m1"
    assert found.url == "https://www.instagram.com/p/m1/"


def test_lookup_of_a_published_container_without_a_match_stays_unknown(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/c1", json={"status_code": "PUBLISHED"})
    rsps.add(responses.GET, f"{G}/1784/media", json={"data": []})
    with pytest.raises(OutcomeUnknown):
        adapter.lookup_published(account, PostContent(text="x"), PublishAttempt("k", state={"container_id": "c1"}))


# --- metrics and inbox ------------------------------------------------------------------------------


def test_post_metrics_map_views_and_leave_clicks_unreported(rsps, adapter, account):
    # given an answer without "shares" (not reported for this media)
    rsps.add(
        responses.GET,
        f"{G}/m1/insights",
        json=lifetime_insights(views=900, reach=700, likes=50, comments=4, saved=3),
    )
    rsps.add(responses.GET, f"{G}/m1", json={"media_type": "IMAGE", "media_product_type": "FEED", "id": "m1"})
    # when
    metrics = adapter.fetch_post_metrics(account, ["m1"])["m1"]
    # then
    assert rsps.calls[0].request.params["metric"] == "views,reach,likes,comments,shares,saved,total_interactions"
    assert (metrics.impressions, metrics.reach, metrics.likes, metrics.comments, metrics.saves) == (900, 700, 50, 4, 3)
    assert metrics.shares is None
    assert metrics.clicks is None
    assert metrics.video_views is None  # an image's views are not video views


def test_account_metrics_read_follower_totals(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/1784", json={"followers_count": 1200, "follows_count": 80, "media_count": 45})
    metrics = adapter.fetch_account_metrics(account)
    assert (metrics.followers, metrics.following, metrics.posts_count) == (1200, 80, 45)


def test_inbox_returns_comments_newer_than_the_cursor(rsps, adapter, account):
    # given one post with an old and a new comment
    rsps.add(
        responses.GET, f"{G}/1784/media", json={"data": [{"id": "m1", "permalink": "https://www.instagram.com/p/m1/"}]}
    )
    rsps.add(
        responses.GET,
        f"{G}/m1/comments",
        json={
            "data": [
                {"id": "cm2", "text": "Love it 😍", "timestamp": "2026-03-02T09:00:00+0000", "username": "ana"},
                {"id": "cm1", "text": "old", "timestamp": "2026-02-01T09:00:00+0000", "username": "bo"},
            ]
        },
    )
    # when
    page = adapter.fetch_inbox(account, cursor="2026-03-01T00:00:00+00:00")
    # then
    assert [(i.remote_id, i.text, i.author_handle, i.post_remote_id) for i in page.items] == [
        ("cm2", "Love it 😍", "ana", "m1")
    ]
    assert page.cursor == "2026-03-02T09:00:00+00:00"


def test_reply_posts_to_the_comment_replies_edge(rsps, adapter, account):
    # given
    rsps.add(responses.POST, f"{G}/cm2/replies", json={"id": "r1"})
    item = InboxItem(remote_id="cm2", kind="comment", text="Love it", created_at=None, author_handle="ana")
    # when
    result = adapter.reply(account, item, "Thank you!")
    # then
    assert form(rsps.calls[0]) == {"message": "Thank you!", "access_token": "IGtok"}
    assert result.remote_id == "r1"
