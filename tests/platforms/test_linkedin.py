"""LinkedIn adapter against the documented Posts, Images, statistics and comments shapes."""

from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import responses

from smm.platforms.base import (
    AccountContext,
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
from smm.platforms.linkedin import (
    DEFAULT_RATE_LIMIT_WAIT,
    LINKEDIN_VERSION,
    LinkedInAdapter,
    escape_commentary,
)
from tests.platforms.helpers import sent_json

API = "https://api.linkedin.com"
ORG = "urn:li:organization:2414183"
POST = "urn:li:share:7141138937766391808"
DISTRIBUTION = {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []}


@pytest.fixture
def adapter():
    return LinkedInAdapter(AppCredentials(client_id="li1", client_secret="lisecret"))


@pytest.fixture
def account(account_context):
    return account_context("linkedin", ORG, credentials={"access_token": "LItok", "author_urn": ORG})


def created(rsps, urn=POST):
    rsps.add(responses.POST, f"{API}/rest/posts", status=201, headers={"x-restli-id": urn})


def body_for(commentary, **extra):
    return {
        "author": ORG,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": DISTRIBUTION,
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        **extra,
    }


# --- content rules ----------------------------------------------------------------------------


def test_commentary_at_limit_passes_and_one_over_fails(adapter):
    assert adapter.validate(PostContent(text="a" * 3000)) == []
    problems = adapter.validate(PostContent(text="日本" * 1500 + "😀"))
    assert [p.code for p in problems] == ["too_long"]


def test_emoji_sequences_count_as_one(adapter):
    assert adapter.text_length("🇩🇪👩‍💻") == 2


def test_images_need_bytes_and_a_known_type(adapter):
    url_only = MediaItem(mime_type="image/jpeg", url="https://cdn.example.com/a.jpg")
    webp = MediaItem(mime_type="image/webp", data=b"x")
    codes = sorted(p.code for p in adapter.validate(PostContent(text="x", media=[url_only, webp])))
    assert codes == ["media_missing", "media_type"]


def test_reserved_characters_are_escaped_and_hashtags_kept():
    # given text with parentheses (which LinkedIn would otherwise cut at) and hashtags
    text = "Launch (today) #spring_sale @ 50% *off*"
    # when / then
    assert escape_commentary(text) == "Launch \\(today\\) {hashtag|\\#|spring\\_sale} \\@ 50% \\*off\\*"


# --- connection ----------------------------------------------------------------------------------


def test_authorization_url(adapter):
    url = adapter.authorization_url(redirect_uri="https://smm.test/cb", state="s1", code_verifier="")
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    assert f"{parts.netloc}{parts.path}" == "www.linkedin.com/oauth/v2/authorization"
    assert query["state"] == "s1"
    assert {"w_member_social", "w_organization_social", "r_organization_social"} <= set(query["scope"].split(" "))


def test_exchange_code_picks_the_administered_organization(rsps, adapter):
    rsps.add(
        responses.POST,
        "https://www.linkedin.com/oauth/v2/accessToken",
        json={"access_token": "LItok", "expires_in": 5184000, "scope": "w_member_social"},
    )
    rsps.add(
        responses.GET, f"{API}/v2/userinfo", json={"sub": "abc123", "name": "Ana Lopez", "picture": "https://x/p.jpg"}
    )
    rsps.add(
        responses.GET,
        f"{API}/rest/organizationAcls",
        json={"elements": [{"organization": ORG, "role": "ADMINISTRATOR", "state": "APPROVED"}]},
    )
    connected = adapter.exchange_code(code="c0de", redirect_uri="https://smm.test/cb", code_verifier="")
    assert {k: v[0] for k, v in parse_qs(rsps.calls[0].request.body).items()} == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": "https://smm.test/cb",
        "client_id": "li1",
        "client_secret": "lisecret",
    }
    assert connected.remote_id == ORG
    assert connected.credentials["person_urn"] == "urn:li:person:abc123"
    assert "refresh_token" not in connected.credentials


def test_refresh_with_a_stored_refresh_token_saves_new_tokens(rsps, adapter, account):
    # given a partner app that received a refresh token; LinkedIn's answer omits a new one
    account.credentials["refresh_token"] = "R1"
    rsps.add(
        responses.POST,
        "https://www.linkedin.com/oauth/v2/accessToken",
        json={"access_token": "fresh", "expires_in": 5184000},
    )
    # when
    adapter.refresh(account)
    # then the stored refresh token is kept
    assert {k: v[0] for k, v in parse_qs(rsps.calls[0].request.body).items()} == {
        "grant_type": "refresh_token",
        "refresh_token": "R1",
        "client_id": "li1",
        "client_secret": "lisecret",
    }
    assert account.saved[-1]["access_token"] == "fresh"
    assert account.saved[-1]["refresh_token"] == "R1"


def test_refresh_without_a_refresh_token_asks_to_reconnect(adapter, account):
    with pytest.raises(AuthExpired) as caught:
        adapter.refresh(account)
    assert "reconnect" in caught.value.user_message


# --- publishing ----------------------------------------------------------------------------------------


def test_text_post_sends_headers_and_body(rsps, adapter, account):
    # given
    created(rsps)
    attempt = PublishAttempt("k")
    # when
    result = adapter.publish(account, PostContent(text="Hello (world) #news"), attempt)
    # then
    request = rsps.calls[0].request
    assert request.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert request.headers["Authorization"] == "Bearer LItok"
    assert sent_json(rsps.calls[0]) == body_for("Hello \\(world\\) {hashtag|\\#|news}")
    assert result.remote_id == POST
    assert result.url == f"https://www.linkedin.com/feed/update/{POST}/"
    assert attempt.state == {"post_urn": POST}


def test_link_post_is_an_article(rsps, adapter, account):
    created(rsps)
    adapter.publish(account, PostContent(text="Read", link="https://blog.example.com/post"), PublishAttempt("k"))
    assert sent_json(rsps.calls[0]) == body_for(
        "Read", content={"article": {"source": "https://blog.example.com/post", "title": "blog.example.com"}}
    )


def test_image_post_initializes_uploads_and_attaches(rsps, adapter, account):
    # given
    image = MediaItem(mime_type="image/png", data=b"\x89PNG", alt_text="Our team")
    rsps.add(
        responses.POST,
        f"{API}/rest/images?action=initializeUpload",
        json={
            "value": {
                "uploadUrlExpiresAt": 1,
                "uploadUrl": "https://www.linkedin.com/dms-uploads/x",
                "image": "urn:li:image:C4E",
            }
        },
    )
    rsps.add(responses.PUT, "https://www.linkedin.com/dms-uploads/x", status=201)
    created(rsps)
    # when
    adapter.publish(account, PostContent(text="Team day", media=[image]), PublishAttempt("k"))
    # then
    assert sent_json(rsps.calls[0]) == {"initializeUploadRequest": {"owner": ORG}}
    assert rsps.calls[1].request.body == b"\x89PNG"
    assert rsps.calls[1].request.headers["Content-Type"] == "image/png"
    assert sent_json(rsps.calls[2]) == body_for(
        "Team day", content={"media": {"id": "urn:li:image:C4E", "altText": "Our team"}}
    )


def test_expired_token_is_auth_expired(rsps, adapter, account):
    rsps.add(
        responses.POST,
        f"{API}/rest/posts",
        status=401,
        json={
            "status": 401,
            "serviceErrorCode": 65601,
            "code": "EXPIRED_ACCESS_TOKEN",
            "message": "The token used in the request has expired",
        },
    )
    with pytest.raises(AuthExpired) as caught:
        adapter.publish(account, PostContent(text="x"), PublishAttempt("k"))
    assert "EXPIRED_ACCESS_TOKEN" in caught.value.message


def test_429_without_headers_waits_the_default(rsps, adapter, account):
    rsps.add(responses.POST, f"{API}/rest/posts", status=429, json={"status": 429, "message": "Too Many Requests"})
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, PostContent(text="x"), PublishAttempt("k"))
    assert caught.value.retry_after == DEFAULT_RATE_LIMIT_WAIT == 900


def test_500_is_transient(rsps, adapter, account):
    rsps.add(responses.POST, f"{API}/rest/posts", status=500, json={"status": 500, "message": "Internal Server Error"})
    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="x"), PublishAttempt("k"))


def test_duplicate_is_permanent_and_names_the_original(rsps, adapter, account):
    rsps.add(
        responses.POST,
        f"{API}/rest/posts",
        status=422,
        json={
            "errorDetailType": "com.linkedin.common.error.BadRequest",
            "message": "com.linkedin.content.common.exception.BadRequestResponseException: "
            f"Content is a duplicate of {POST}",
            "errorDetails": {
                "inputErrors": [{"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}]
            },
            "status": 422,
        },
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x"), PublishAttempt("k"))
    assert caught.value.duplicate_of == POST
    assert "same text" in caught.value.user_message


def test_too_long_is_refused_before_sending(adapter, account):
    with pytest.raises(Permanent):
        adapter.publish(account, PostContent(text="a" * 3001), PublishAttempt("k"))


# --- unknown outcome ----------------------------------------------------------------------------------------


def test_lookup_matches_the_escaped_commentary(rsps, adapter, account):
    rsps.add(
        responses.GET,
        f"{API}/rest/posts",
        json={"elements": [{"id": POST, "commentary": "Hello \\(world\\)", "publishedAt": 1772359200000}]},
    )
    found = adapter.lookup_published(account, PostContent(text="Hello (world)"), PublishAttempt("k"))
    assert "author=urn%3Ali%3Aorganization%3A2414183" in rsps.calls[0].request.url
    assert found.remote_id == POST
    assert found.published_at.year == 2026


def test_lookup_without_a_match_is_none(rsps, adapter, account):
    rsps.add(responses.GET, f"{API}/rest/posts", json={"elements": []})
    assert adapter.lookup_published(account, PostContent(text="x"), PublishAttempt("k")) is None


def test_lookup_that_may_not_list_posts_stays_unknown(rsps, adapter, account):
    rsps.add(responses.GET, f"{API}/rest/posts", status=403, json={"status": 403, "message": "Not enough permissions"})
    with pytest.raises(OutcomeUnknown):
        adapter.lookup_published(account, PostContent(text="x"), PublishAttempt("k"))


# --- metrics, inbox, reply -------------------------------------------------------------------------------------


def test_organization_post_metrics(rsps, adapter, account):
    # given one share reported and one ugcPost the network left out
    ugc = "urn:li:ugcPost:6843"
    rsps.add(
        responses.GET,
        f"{API}/rest/organizationalEntityShareStatistics",
        json={
            "elements": [
                {
                    "organizationalEntity": ORG,
                    "share": POST,
                    "totalShareStatistics": {
                        "uniqueImpressionsCount": 900,
                        "shareCount": 4,
                        "engagement": 0.05,
                        "clickCount": 30,
                        "likeCount": 12,
                        "impressionCount": 1500,
                        "commentCount": 3,
                    },
                }
            ]
        },
    )
    # (a ugcPost is also asked for its video views; this one has no video)
    rsps.add(responses.GET, f"{API}/rest/videoAnalytics", json={"elements": []})
    # when
    metrics = adapter.fetch_post_metrics(account, [POST, ugc])
    # then
    url = rsps.calls[0].request.url
    assert "shares=List(urn%3Ali%3Ashare%3A7141138937766391808)" in url
    assert "ugcPosts=List(urn%3Ali%3AugcPost%3A6843)" in url
    got = metrics[POST]
    assert (got.impressions, got.reach, got.clicks, got.likes, got.comments, got.shares) == (1500, 900, 30, 12, 3, 4)
    assert metrics[ugc].impressions is None and metrics[ugc].likes is None and metrics[ugc].video_views is None


def test_member_posts_report_nothing(adapter):
    member = AccountContext(network="linkedin", credentials={"access_token": "t", "author_urn": "urn:li:person:abc"})
    metrics = adapter.fetch_post_metrics(member, [POST])[POST]
    assert metrics.impressions is None and metrics.likes is None


def test_organization_followers(rsps, adapter, account):
    rsps.add(
        responses.GET, f"{API}/rest/networkSizes/urn%3Ali%3Aorganization%3A2414183", json={"firstDegreeSize": 219145}
    )
    assert adapter.fetch_account_metrics(account).followers == 219145


def test_inbox_reads_comments_newer_than_the_cursor(rsps, adapter, account):
    rsps.add(responses.GET, f"{API}/rest/posts", json={"elements": [{"id": POST}]})
    rsps.add(
        responses.GET,
        f"{API}/rest/socialActions/urn%3Ali%3Ashare%3A7141138937766391808/comments",
        json={
            "elements": [
                {
                    "id": "111",
                    "commentUrn": f"urn:li:comment:({POST},111)",
                    "actor": "urn:li:person:p1",
                    "message": {"text": "Congrats!"},
                    "created": {"time": 1772359200000},
                    "object": POST,
                },
                {"id": "110", "actor": "urn:li:person:p2", "message": {"text": "old"}, "created": {"time": 1000}},
                {"id": "112", "actor": ORG, "message": {"text": "Thanks"}, "created": {"time": 1772359300000}},
            ]
        },
    )
    page = adapter.fetch_inbox(account, cursor="5000")
    assert [(i.remote_id, i.text, i.author_handle) for i in page.items] == [
        (f"urn:li:comment:({POST},111)", "Congrats!", "urn:li:person:p1")
    ]
    assert page.cursor == "1772359200000"


def test_reply_is_a_nested_comment(rsps, adapter, account):
    comment = f"urn:li:comment:({POST},111)"
    rsps.add(
        responses.POST,
        f"{API}/rest/socialActions/urn%3Ali%3Acomment%3A%28urn%3Ali%3Ashare%3A7141138937766391808%2C111%29/comments",
        status=201,
        headers={"x-restli-id": "222"},
    )
    item = InboxItem(
        remote_id=comment, kind="comment", text="Congrats!", created_at=None, author_handle="p1", post_remote_id=POST
    )
    result = adapter.reply(account, item, "Thank you!")
    assert sent_json(rsps.calls[0]) == {
        "actor": ORG,
        "object": POST,
        "message": {"text": "Thank you!"},
        "parentComment": comment,
    }
    assert result.remote_id == "222"
