"""TikTok connection, composer options and metrics against the documented shapes of Login
Kit (authorize, /v2/oauth/token/), creator_info and the Display API (/v2/user/info/,
/v2/video/query/)."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from smm.platforms.base import (
    AppCredentials,
    AuthExpired,
    MediaItem,
    PostContent,
    RateLimited,
    Transient,
)
from smm.platforms.tiktok import PRIVACY, TikTokAdapter, plan_chunks
from tests.platforms.helpers import form

API = "https://open.tiktokapis.com"
TOKEN = f"{API}/v2/oauth/token/"
USER_INFO = f"{API}/v2/user/info/"
CREATOR = f"{API}/v2/post/publish/creator_info/query/"
QUERY = f"{API}/v2/video/query/"


def ok(data: dict) -> dict:
    return {"data": data, "error": {"code": "ok", "message": "", "log_id": "20261207"}}


def refused(code: str) -> dict:
    return {"data": {}, "error": {"code": code, "message": code.replace("_", " "), "log_id": "20261207"}}


def tokens(access="act.1", refresh="rft.1", **kw) -> dict:
    return {
        "access_token": access,
        "expires_in": 7200,
        "open_id": "open-1",
        "refresh_expires_in": 15552000,
        "refresh_token": refresh,
        "scope": "user.info.basic,video.publish,video.list",
        "token_type": "Bearer",
        **kw,
    }


def creator(options=("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"), **kw) -> dict:
    data = {
        "creator_avatar_url": "https://p16.tiktokcdn.com/a.jpeg",
        "creator_username": "brewco",
        "creator_nickname": "Brew Co",
        "privacy_level_options": list(options),
        "comment_disabled": False,
        "duet_disabled": False,
        "stitch_disabled": True,
        "max_video_post_duration_sec": 180,
    }
    data.update(kw)
    return ok(data)


@pytest.fixture
def adapter():
    return TikTokAdapter(AppCredentials(client_id="ttkey", client_secret="ttsecret"))


@pytest.fixture
def account(account_context):
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    return account_context(
        "tiktok",
        "open-1",
        handle="@brewco",
        credentials={
            "access_token": "act.1",
            "refresh_token": "rft.1",
            "username": "brewco",
            "access_expires_at": future,
        },
    )


# --- connection -------------------------------------------------------------------------------


def test_the_authorize_url_asks_for_posting_and_reading_with_the_client_key(adapter):
    url = adapter.authorization_url(redirect_uri="https://smm.example/cb/tiktok/", state="st8", code_verifier="v" * 50)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.tiktok.com/v2/auth/authorize/"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["client_key"] == "ttkey"
    assert query["response_type"] == "code" and query["state"] == "st8"
    assert query["redirect_uri"] == "https://smm.example/cb/tiktok/"
    assert set(query["scope"].split(",")) >= {"user.info.basic", "video.publish", "video.list", "user.info.stats"}
    assert "client_secret" not in query


def test_connecting_stores_tokens_the_connection_expiry_and_the_creator_info(network, adapter):
    network.add(responses.POST, TOKEN, json=tokens())
    network.add(
        responses.GET,
        USER_INFO,
        json=ok(
            {
                "user": {
                    "open_id": "open-1",
                    "union_id": "u-1",
                    "avatar_url": "https://p16.tiktokcdn.com/me.jpeg",
                    "display_name": "Brew Co",
                    "username": "brewco",
                }
            }
        ),
    )
    network.add(responses.POST, CREATOR, json=creator(options=("SELF_ONLY",)))
    before = dt.datetime.now(dt.UTC)
    connected = adapter.exchange_code(code="c0de", redirect_uri="https://smm.example/cb/", code_verifier="v")
    sent = form(network.calls[0])
    assert sent == {
        "client_key": "ttkey",
        "client_secret": "ttsecret",
        "code": "c0de",
        "grant_type": "authorization_code",
        "redirect_uri": "https://smm.example/cb/",
    }
    assert network.calls[1].request.headers["Authorization"] == "Bearer act.1"
    assert connected.remote_id == "open-1"
    assert connected.handle == "@brewco" and connected.display_name == "Brew Co"
    assert connected.avatar_url == "https://p16.tiktokcdn.com/me.jpeg"
    creds = connected.credentials
    assert (creds["access_token"], creds["refresh_token"], creds["username"]) == ("act.1", "rft.1", "brewco")
    # the connection lasts as long as the refresh token (180 days), the access token two hours
    expiry = connected.token_expires_at
    assert dt.timedelta(days=179) < expiry - before < dt.timedelta(days=181)
    access = dt.datetime.fromisoformat(creds["access_expires_at"])
    assert dt.timedelta(minutes=119) < access - before <= dt.timedelta(minutes=121)
    # the creator info is cached on the account, an unaudited app said plainly
    cached = connected.limits["tiktok_creator"]
    assert cached["privacy_level_options"] == ["SELF_ONLY"] and cached["private_only"] is True
    assert "only as “Only me”" in TikTokAdapter.account_notice(connected.limits)


def test_connecting_without_posting_permission_still_connects(network, adapter):
    network.add(responses.POST, TOKEN, json=tokens())
    network.add(responses.GET, USER_INFO, json=ok({"user": {"open_id": "open-1", "display_name": "Brew Co"}}))
    network.add(responses.POST, CREATOR, status=401, json=refused("scope_not_authorized"))
    connected = adapter.exchange_code(code="c", redirect_uri="https://smm.example/cb/", code_verifier="v")
    assert connected.limits == {}
    assert connected.handle == "Brew Co"  # no username scope: the display name stands in


def test_a_refused_code_needs_connecting_again(network, adapter):
    network.add(
        responses.POST,
        TOKEN,
        status=400,
        json={"error": "invalid_grant", "error_description": "Authorization code is expired.", "log_id": "x"},
    )
    with pytest.raises(AuthExpired) as refused_code:
        adapter.exchange_code(code="old", redirect_uri="https://smm.example/cb/", code_verifier="v")
    assert "reconnect" in refused_code.value.user_message.lower()


def test_a_token_endpoint_outage_is_transient(network, adapter, account):
    network.add(responses.POST, TOKEN, status=503, json={"error": "server_error", "error_description": "busy"})
    with pytest.raises(Transient):
        adapter.refresh(account)


def test_refresh_stores_the_rotated_refresh_token_at_once(network, adapter, account):
    network.add(responses.POST, TOKEN, json=tokens(access="act.2", refresh="rft.2"))
    adapter.refresh(account)
    assert form(network.calls[0]) == {
        "client_key": "ttkey",
        "client_secret": "ttsecret",
        "grant_type": "refresh_token",
        "refresh_token": "rft.1",
    }
    saved = account.saved[-1]
    assert (saved["access_token"], saved["refresh_token"]) == ("act.2", "rft.2")
    assert saved["username"] == "brewco"  # the rest of the credentials kept
    assert dt.datetime.fromisoformat(saved["expires_at"]) > dt.datetime.now(dt.UTC) + dt.timedelta(days=179)


def test_a_refresh_answer_without_a_refresh_token_keeps_the_old_one(network, adapter, account):
    network.add(responses.POST, TOKEN, json=tokens(access="act.2", refresh=""))
    adapter.refresh(account)
    assert account.saved[-1]["refresh_token"] == "rft.1"


def test_a_revoked_refresh_token_needs_reconnecting(network, adapter, account):
    network.add(
        responses.POST,
        TOKEN,
        json={"error": "invalid_grant", "error_description": "Refresh token is revoked.", "log_id": "x"},
    )
    with pytest.raises(AuthExpired):
        adapter.refresh(account)
    assert account.saved == []


def test_an_access_token_about_to_end_is_refreshed_before_the_call(network, adapter, account):
    account.credentials["access_expires_at"] = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)).isoformat()
    network.add(responses.POST, TOKEN, json=tokens(access="act.2", refresh="rft.2"))
    network.add(responses.GET, USER_INFO, json=ok({"user": {"follower_count": 5}}))
    adapter.fetch_account_metrics(account)
    assert network.calls[0].request.url == TOKEN
    assert network.calls[1].request.headers["Authorization"] == "Bearer act.2"


# --- composer options -------------------------------------------------------------------------


def video_item(duration=30.0) -> MediaItem:
    return MediaItem(
        mime_type="video/mp4", path="/tmp/x.mp4", size=1000, width=1080, height=1920, duration=duration, frame_rate=30
    )


def codes(adapter, **options) -> set[str]:
    content = PostContent(text="Hello", media=[video_item()], options=options)
    return {p.code for p in adapter.option_problems(content)}


def test_options_are_cleaned_with_every_interaction_off_unless_chosen():
    assert TikTokAdapter.clean_options({}) == {}
    assert TikTokAdapter.clean_options(
        {"privacy_level": " self_only ", "allow_comment": "on", "allow_duet": "", "photo_title": "  T  ", "x": 1}
    ) == {"privacy_level": "SELF_ONLY", "allow_comment": True, "photo_title": "T"}


def test_privacy_must_be_chosen_and_be_one_tiktok_knows(adapter):
    assert "privacy" in codes(adapter)
    assert "choice" in codes(adapter, privacy_level="FRIENDS_ONLY")
    assert codes(adapter, privacy_level="PUBLIC_TO_EVERYONE") == set()


def test_the_composer_offers_exactly_the_creators_privacy_levels(adapter):
    limits = creator(options=("MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"))["data"]
    limits = {"tiktok_creator": {**limits, "private_only": False}}
    assert TikTokAdapter.privacy_choices(limits) == [("MUTUAL_FOLLOW_FRIENDS", "Friends"), ("SELF_ONLY", "Only me")]
    assert TikTokAdapter.privacy_choices({}) == list(PRIVACY.items())  # not read yet: all four
    adapter.apply_limits(limits)
    assert "privacy_not_offered" in codes(adapter, privacy_level="PUBLIC_TO_EVERYONE")
    assert codes(adapter, privacy_level="MUTUAL_FOLLOW_FRIENDS") == set()


def test_an_unaudited_app_says_only_me_in_the_composer(adapter):
    adapter.apply_limits({"tiktok_creator": {"privacy_level_options": ["SELF_ONLY"], "private_only": True}})
    content = PostContent(text="Hi", media=[video_item()], options={"privacy_level": "PUBLIC_TO_EVERYONE"})
    [problem] = adapter.option_problems(content)
    assert problem.code == "private_only"
    assert "until SMM's TikTok app passes TikTok's review" in problem.message
    assert codes(adapter, privacy_level="SELF_ONLY") == set()


def test_interactions_the_creator_turned_off_cannot_be_allowed(adapter):
    adapter.apply_limits({"tiktok_creator": {"stitch_disabled": True, "comment_disabled": False}})
    assert codes(adapter, privacy_level="SELF_ONLY", allow_stitch=True) == {"interaction_disabled"}
    assert codes(adapter, privacy_level="SELF_ONLY", allow_comment=True, allow_duet=True) == set()


def test_duets_and_stitches_are_for_videos_and_branded_content_is_never_private(adapter):
    photo = MediaItem(mime_type="image/jpeg", data=b"x", url="https://smm.example/p.jpg", size=10)
    content = PostContent(text="Hi", media=[photo], options={"privacy_level": "SELF_ONLY", "allow_duet": True})
    assert {p.code for p in adapter.option_problems(content)} == {"interaction_photo"}
    assert "branded_private" in codes(adapter, privacy_level="SELF_ONLY", brand_content=True)
    long_title = "x" * 91
    assert "photo_title_long" in codes(adapter, privacy_level="SELF_ONLY", photo_title=long_title)


def test_the_creators_longest_video_is_the_composers_limit(adapter):
    adapter.apply_limits({"tiktok_creator": {"max_video_post_duration_sec": 180}})
    content = PostContent(text="Hi", media=[video_item(duration=200)], options={"privacy_level": "SELF_ONLY"})
    problems = [p for p in adapter.validate(content) if p.code == "video_too_long"]
    assert problems and "at most 3 minutes" in problems[0].message
    # an account without creator info is held to the API's 10 minutes
    fresh = TikTokAdapter().apply_limits({})
    assert not [p for p in fresh.validate(content) if p.code == "video_too_long"]


def test_caption_counts_emoji_as_two_and_media_are_required(adapter):
    content = PostContent(text="☕" * 2000, options={"privacy_level": "SELF_ONLY"})  # 2,000 BMP chars
    assert not [p for p in adapter.validate(content) if p.code == "too_long"]
    content = PostContent(text="😀" * 1101, options={"privacy_level": "SELF_ONLY"})  # 2,202 UTF-16 units
    found = {p.code for p in adapter.validate(content)}
    assert {"too_long", "media_required"} <= found


def test_account_limits_are_the_creator_info_read_now(network, adapter, account):
    network.add(responses.POST, CREATOR, json=creator())
    limits = adapter.account_limits(account)
    assert limits["tiktok_creator"]["privacy_level_options"] == [
        "PUBLIC_TO_EVERYONE",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    ]
    assert limits["tiktok_creator"]["stitch_disabled"] is True
    assert limits["tiktok_creator"]["max_video_post_duration_sec"] == 180
    assert limits["tiktok_creator"]["private_only"] is False
    assert json.loads(network.calls[0].request.body) == {}


def test_a_creator_who_may_not_post_now_is_said_plainly(network, adapter, account):
    network.add(responses.POST, CREATOR, status=403, json=refused("spam_risk_too_many_posts"))
    with pytest.raises(RateLimited) as limited:
        adapter.account_limits(account)
    assert limited.value.retry_after == 24 * 3600


# --- metrics -----------------------------------------------------------------------------------


def test_post_metrics_come_from_video_query_twenty_at_a_time(network, adapter, account):
    ids = [str(7300000000000000000 + n) for n in range(25)]

    def query(request):
        wanted = json.loads(request.body)["filters"]["video_ids"]
        videos = [
            {"id": vid, "view_count": 1000 + n, "like_count": 50, "comment_count": 4, "share_count": 2}
            for n, vid in enumerate(wanted)
        ]
        return 200, {}, json.dumps(ok({"videos": videos, "cursor": 0, "has_more": False}))

    network.add_callback(responses.POST, QUERY, callback=query)
    result = adapter.fetch_post_metrics(account, [*ids, "v_pub_file~v2-1.1"])
    calls = [c for c in network.calls if c.request.url.startswith(QUERY)]
    assert [len(json.loads(c.request.body)["filters"]["video_ids"]) for c in calls] == [20, 5]
    assert "fields=id%2Cview_count" in calls[0].request.url or "fields=id,view_count" in calls[0].request.url
    first = result[ids[0]]
    assert (first.video_views, first.likes, first.comments, first.shares) == (1000, 50, 4, 2)
    assert first.impressions is None and first.saves is None  # TikTok does not say them
    assert result["v_pub_file~v2-1.1"].video_views is None  # a private post's publish id: no figures


def test_a_rate_limited_metrics_pull_waits(network, adapter, account):
    network.add(responses.POST, QUERY, status=429, json=refused("rate_limit_exceeded"))
    with pytest.raises(RateLimited):
        adapter.fetch_post_metrics(account, ["7300000000000000001"])


def test_account_metrics_are_followers_and_the_profile(network, adapter, account):
    network.add(
        responses.GET,
        USER_INFO,
        json=ok(
            {
                "user": {
                    "open_id": "open-1",
                    "display_name": "Brew Co",
                    "avatar_url": "https://p16.tiktokcdn.com/me2.jpeg",
                    "follower_count": 1234,
                    "following_count": 56,
                    "video_count": 78,
                }
            }
        ),
    )
    figures = adapter.fetch_account_metrics(account)
    assert (figures.followers, figures.following, figures.posts_count) == (1234, 56, 78)
    assert figures.display_name == "Brew Co" and figures.avatar_url == "https://p16.tiktokcdn.com/me2.jpeg"
    query = parse_qs(urlsplit(network.calls[0].request.url).query)
    assert "follower_count" in query["fields"][0]


def test_a_revoked_token_on_metrics_needs_reconnecting(network, adapter, account):
    network.add(responses.GET, USER_INFO, status=401, json=refused("access_token_invalid"))
    network.add(responses.POST, TOKEN, json={"error": "invalid_grant", "error_description": "revoked", "log_id": "x"})
    with pytest.raises(AuthExpired):
        adapter.fetch_account_metrics(account)


# --- links and flags ---------------------------------------------------------------------------


def test_a_pasted_link_gives_the_video_id(account):
    assert TikTokAdapter.remote_id_from_url("https://www.tiktok.com/@brewco/video/7312345678901234567", account) == (
        "7312345678901234567"
    )
    assert TikTokAdapter.remote_id_from_url("https://www.tiktok.com/@brewco/photo/7312345678901234568?x=1", account)
    assert TikTokAdapter.remote_id_from_url("https://evil.example/@brewco/video/1", account) is None
    assert TikTokAdapter.remote_id_from_url("https://www.tiktok.com/@brewco", account) is None


def test_capabilities_are_honest():
    assert TikTokAdapter.supports_inbox is False and TikTokAdapter.supports_reply is False
    assert TikTokAdapter.supports_refresh is True and TikTokAdapter.connect_kind == "oauth2"
    assert TikTokAdapter.media_required is True


def test_the_default_chunk_size_keeps_big_files_within_the_rules():
    plan = plan_chunks(4 * 1024 * 1024 * 1024)
    assert plan.total_chunk_count <= 1000 and plan.chunk_size <= 64_000_000
