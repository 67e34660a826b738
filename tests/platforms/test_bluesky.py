"""Bluesky adapter against replayed XRPC responses (shapes from docs.bsky.app and the lexicons)."""

import base64
import datetime as dt
import json

import pytest
import responses
from responses import matchers

from smm.platforms import get_adapter
from smm.platforms.base import (
    AccountContext,
    AuthExpired,
    InboxItem,
    MediaItem,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    Transient,
)
from smm.platforms.bluesky import BlueskyAdapter, new_tid
from tests.platforms.helpers import sent_json

NOW = dt.datetime(2026, 11, 20, 14, 0, 0, tzinfo=dt.UTC)
PDS = "https://bsky.social"
DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
XRPC = f"{PDS}/xrpc"


def jwt(exp: int) -> str:
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'ES256K'})}.{part({'sub': DID, 'exp': exp})}.signature"


def session(access="access-2", refresh="refresh-2"):
    return {
        "did": DID,
        "handle": "brand.bsky.social",
        "email": "brand@example.com",
        "accessJwt": access,
        "refreshJwt": refresh,
        "active": True,
    }


@pytest.fixture
def adapter():
    bluesky = BlueskyAdapter()
    bluesky.now = lambda: NOW
    return bluesky


@pytest.fixture
def account(account_context):
    return account_context(
        "bluesky",
        DID,
        handle="brand.bsky.social",
        base_url=PDS,
        credentials={
            "access_token": "access-1",
            "refresh_token": "refresh-1",
            "did": DID,
            "handle": "brand.bsky.social",
            "app_password": "abcd-efgh-ijkl-mnop",
        },
    )


@pytest.fixture
def attempt():
    return PublishAttempt(idempotency_key="target-7")


def created(rkey):
    return {
        "uri": f"at://{DID}/app.bsky.feed.post/{rkey}",
        "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
    }


def test_registry_and_flags():
    adapter = get_adapter("bluesky")
    assert isinstance(adapter, BlueskyAdapter)
    assert (adapter.connect_kind, adapter.idempotency, adapter.supports_refresh) == ("app_password", "record_key", True)


# --- content rules -----------------------------------------------------------------------


def test_300_graphemes_is_fine_and_301_is_one_over(adapter):
    # given: 300 family emoji (each several code points, one grapheme)
    family = "👨‍👩‍👧"
    assert adapter.validate(PostContent(text="a" * 300)) == []

    # when
    problems = adapter.validate(PostContent(text="a" * 301))

    # then
    assert [p.message for p in problems] == ["This is 1 character over Bluesky's 300-character limit."]
    assert adapter.text_length(family * 2 + "🇯🇵" + "e\u0301") == 4


def test_byte_limit_applies_even_under_the_grapheme_limit(adapter):
    # given: 200 family emoji = 200 graphemes but 18 bytes each
    text = "👨‍👩‍👧" * 200

    # when
    problems = adapter.validate(PostContent(text=text))

    # then
    assert [p.code for p in problems] == ["too_many_bytes"]


def test_every_image_needs_alt_text(adapter):
    # given
    images = [
        MediaItem(mime_type="image/jpeg", size=100, alt_text="A cat"),
        MediaItem(mime_type="image/jpeg", size=100, alt_text="  "),
    ]

    # when
    problems = adapter.validate(PostContent(text="cats", media=images))

    # then
    assert [p.message for p in problems] == ["Bluesky needs alt text on every image."]


def test_images_over_2_mb_and_a_fifth_image_are_refused(adapter):
    images = [MediaItem(mime_type="image/png", size=2_000_001, alt_text="x")] + [
        MediaItem(mime_type="image/png", size=10, alt_text="x") for _ in range(4)
    ]
    messages = [p.message for p in adapter.validate(PostContent(text="x", media=images))]
    assert messages == [
        "Bluesky takes at most 4 images; this post has 5.",
        "Image 1 is 2.0 MB; Bluesky takes images up to 2 MB.",
    ]


def test_tid_record_keys_are_13_sortable_characters():
    earlier = new_tid(NOW, clock_id=5)
    later = new_tid(NOW + dt.timedelta(microseconds=1), clock_id=0)
    assert len(earlier) == 13
    assert earlier < later
    assert set(earlier) <= set("234567abcdefghijklmnopqrstuvwxyz")


# --- connection ----------------------------------------------------------------------------


def test_connect_with_app_password_creates_a_session(adapter, network):
    # given
    refresh_jwt = jwt(int((NOW + dt.timedelta(days=90)).timestamp()))
    network.post(f"{XRPC}/com.atproto.server.createSession", json=session("access-1", refresh_jwt))
    network.get(
        f"{XRPC}/app.bsky.actor.getProfile",
        json={
            "did": DID,
            "handle": "brand.bsky.social",
            "displayName": "The Brand",
            "avatar": "https://cdn.bsky.app/a",
        },
        match=[
            matchers.query_param_matcher({"actor": DID}),
            matchers.header_matcher({"Authorization": "Bearer access-1"}),
        ],
    )

    # when
    connected = adapter.connect_with_password(identifier="@brand.bsky.social", password="abcd-efgh-ijkl-mnop")

    # then
    assert sent_json(network.calls[0]) == {"identifier": "brand.bsky.social", "password": "abcd-efgh-ijkl-mnop"}
    assert connected.remote_id == DID
    assert connected.handle == "@brand.bsky.social"  # written as people write it, like X and Mastodon
    assert connected.display_name == "The Brand"
    assert connected.base_url == PDS
    assert connected.credentials["access_token"] == "access-1"
    assert connected.credentials["refresh_token"] == refresh_jwt
    assert connected.token_expires_at == NOW + dt.timedelta(days=90)


@pytest.mark.parametrize(
    "status,answer",
    [
        (400, {"error": "InvalidRequest", "message": "Profile not found"}),
        (404, {"error": "NotFound", "message": "Not Found"}),
        (429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}),
    ],
)
def test_connecting_works_when_the_profile_lookup_is_refused(adapter, network, status, answer):
    # given: the session is created, but the (cosmetic) profile lookup is refused, as an
    # app view that has not indexed a new account yet does
    network.post(f"{XRPC}/com.atproto.server.createSession", json=session("access-1", "refresh-1"))
    network.get(f"{XRPC}/app.bsky.actor.getProfile", json=answer, status=status)

    # when
    connected = adapter.connect_with_password(identifier="brand.bsky.social", password="abcd-efgh-ijkl-mnop")

    # then: connected by what the session says; the name and picture come with the daily pull
    assert (connected.remote_id, connected.handle, connected.base_url) == (DID, "@brand.bsky.social", PDS)
    assert (connected.display_name, connected.avatar_url) == ("brand.bsky.social", "")
    assert connected.credentials["access_token"] == "access-1"
    assert connected.credentials["app_password"] == "abcd-efgh-ijkl-mnop"


def test_the_account_figures_bring_the_profile_name_and_picture(adapter, network, account):
    network.get(
        f"{XRPC}/app.bsky.actor.getProfile",
        json={
            "did": DID,
            "handle": "brand.bsky.social",
            "displayName": "The Brand",
            "avatar": "https://cdn.bsky.app/img/avatar/plain/did:plc:z72/abc@jpeg",
            "followersCount": 5,
        },
    )
    metrics = adapter.fetch_account_metrics(account)
    assert (metrics.followers, metrics.display_name, metrics.avatar_url) == (
        5,
        "The Brand",
        "https://cdn.bsky.app/img/avatar/plain/did:plc:z72/abc@jpeg",
    )


@pytest.mark.django_db
def test_an_account_connected_without_its_profile_gets_it_with_the_daily_pull(
    network, client, make_workspace, make_member, make_brand
):
    from django.urls import reverse
    from django.utils import timezone

    from analytics import collection
    from smm.models import SocialAccount

    # given: an owner connecting Bluesky while the profile lookup answers 404
    workspace = make_workspace("Acme")
    client.force_login(make_member(workspace, "owner", username="olivia"))
    brand = make_brand(workspace, "Acme Coffee")
    network.post(f"{XRPC}/com.atproto.server.createSession", json=session("access-1", "refresh-1"))
    network.get(f"{XRPC}/app.bsky.actor.getProfile", json={"error": "NotFound", "message": "Not Found"}, status=404)

    # when
    start = reverse("connect_start", kwargs={"ws": workspace.slug, "brand_id": brand.pk, "network": "bluesky"})
    page = client.post(start, {"identifier": "brand.bsky.social", "password": "abcd-efgh-ijkl-mnop"}, follow=True)

    # then: connected, named by its handle for now
    assert "Bluesky account @brand.bsky.social is connected to Acme Coffee." in page.content.decode()
    account = SocialAccount.objects.get()
    assert (account.status, account.remote_id, account.display_name) == ("connected", DID, "brand.bsky.social")

    # when: the daily account pull runs and the profile answers by now
    network.replace(
        responses.GET,
        f"{XRPC}/app.bsky.actor.getProfile",
        json={"did": DID, "displayName": "Acme Coffee Roasters", "avatar": "https://cdn.bsky.app/a.jpg"},
    )
    assert collection.pull_account_metrics(account.pk)["status"] == "ok"

    # then: the account shows its name and picture
    account.refresh_from_db()
    assert (account.display_name, account.avatar_url) == ("Acme Coffee Roasters", "https://cdn.bsky.app/a.jpg")

    # and a picture that is not an http(s) URL is not kept
    network.replace(
        responses.GET,
        f"{XRPC}/app.bsky.actor.getProfile",
        json={"did": DID, "displayName": "Acme Coffee Roasters", "avatar": "javascript:alert(1)"},
    )
    collection.pull_account_metrics(account.pk, now=timezone.now() + dt.timedelta(days=1))
    account.refresh_from_db()
    assert (account.display_name, account.avatar_url) == ("Acme Coffee Roasters", "")


def test_a_wrong_app_password_is_explained(adapter, network):
    network.post(
        f"{XRPC}/com.atproto.server.createSession",
        json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
        status=401,
    )
    with pytest.raises(Permanent) as caught:
        adapter.connect_with_password(identifier="brand.bsky.social", password="wrong")
    assert caught.value.message == "Invalid identifier or password"
    assert caught.value.user_message == "Bluesky did not accept that handle and app password."


def test_refresh_uses_the_refresh_token_as_bearer_and_saves(adapter, network, account, saved):
    # given
    network.post(
        f"{XRPC}/com.atproto.server.refreshSession",
        json=session("access-2", "refresh-2"),
        match=[matchers.header_matcher({"Authorization": "Bearer refresh-1"})],
    )

    # when
    adapter.refresh(account)

    # then
    assert saved[-1]["access_token"] == "access-2"
    assert saved[-1]["refresh_token"] == "refresh-2"
    assert saved[-1]["app_password"] == "abcd-efgh-ijkl-mnop"


def test_an_expired_refresh_token_signs_in_again_with_the_app_password(adapter, network, account, saved):
    # given
    network.post(
        f"{XRPC}/com.atproto.server.refreshSession",
        json={"error": "ExpiredToken", "message": "Token has expired"},
        status=400,
    )
    network.post(f"{XRPC}/com.atproto.server.createSession", json=session("access-3", "refresh-3"))

    # when
    adapter.refresh(account)

    # then
    assert sent_json(network.calls[1]) == {"identifier": DID, "password": "abcd-efgh-ijkl-mnop"}
    assert saved[-1]["access_token"] == "access-3"


def test_expired_access_token_is_refreshed_once_and_the_call_repeated(adapter, network, account, saved):
    # given: the first call says ExpiredToken, the refreshed one succeeds
    network.get(
        f"{XRPC}/app.bsky.actor.getProfile",
        json={"error": "ExpiredToken", "message": "Token has expired"},
        status=400,
        match=[matchers.header_matcher({"Authorization": "Bearer access-1"})],
    )
    network.post(f"{XRPC}/com.atproto.server.refreshSession", json=session("access-2", "refresh-2"))
    network.get(
        f"{XRPC}/app.bsky.actor.getProfile",
        json={"did": DID, "handle": "brand.bsky.social", "followersCount": 5, "followsCount": 1, "postsCount": 9},
        match=[matchers.header_matcher({"Authorization": "Bearer access-2"})],
    )

    # when
    metrics = adapter.fetch_account_metrics(account)

    # then
    assert metrics.followers == 5
    assert len(network.calls) == 3
    assert saved[-1]["access_token"] == "access-2"


def test_still_expired_after_refresh_is_auth_expired(adapter, network, account):
    # given: the token keeps being refused, and the refresh itself works
    network.get(
        f"{XRPC}/app.bsky.actor.getProfile",
        json={"error": "ExpiredToken", "message": "Token has expired"},
        status=400,
    )
    network.post(f"{XRPC}/com.atproto.server.refreshSession", json=session())

    # when / then: one refresh, one repeat, then give up
    with pytest.raises(AuthExpired):
        adapter.fetch_account_metrics(account)
    assert [call.request.url.split("/xrpc/")[1].split("?")[0] for call in network.calls] == [
        "app.bsky.actor.getProfile",
        "com.atproto.server.refreshSession",
        "app.bsky.actor.getProfile",
    ]


def test_refresh_without_app_password_and_dead_refresh_token_is_auth_expired(adapter, network):
    account = AccountContext(network="bluesky", remote_id=DID, credentials={"refresh_token": "r", "did": DID})
    network.post(
        f"{XRPC}/com.atproto.server.refreshSession",
        json={"error": "ExpiredToken", "message": "Token has expired"},
        status=400,
    )
    with pytest.raises(AuthExpired):
        adapter.refresh(account)


# --- publishing ------------------------------------------------------------------------------


def test_text_post_chooses_and_remembers_the_record_key_before_creating(adapter, network, account, saved):
    # given
    remembered_before_create = []
    attempt = PublishAttempt(idempotency_key="t", save_state=lambda state: remembered_before_create.append(state))

    def reply_created(request):
        # the key must already be saved when the create arrives
        assert remembered_before_create and remembered_before_create[-1]["rkey"] == json.loads(request.body)["rkey"]
        return 200, {}, json.dumps(created(json.loads(request.body)["rkey"]))

    network.add_callback("POST", f"{XRPC}/com.atproto.repo.createRecord", callback=reply_created)

    # when
    result = adapter.publish(account, PostContent(text="Hello Bluesky"), attempt)

    # then
    body = sent_json(network.calls[0])
    rkey = attempt.state["rkey"]
    assert body == {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": rkey,
        "record": {"$type": "app.bsky.feed.post", "text": "Hello Bluesky", "createdAt": "2026-11-20T14:00:00.000Z"},
    }
    assert network.calls[0].request.headers["Authorization"] == "Bearer access-1"
    assert result.remote_id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert result.url == f"https://bsky.app/profile/brand.bsky.social/post/{rkey}"
    assert result.published_at == NOW


def test_facets_use_utf8_byte_offsets_for_links_mentions_and_tags(adapter, network, account, attempt):
    # given: multi-byte characters before each facet
    text = "✨ café @alice.bsky.social → https://example.com/spring #春"
    network.get(
        f"{XRPC}/com.atproto.identity.resolveHandle",
        json={"did": "did:plc:alice"},
        match=[matchers.query_param_matcher({"handle": "alice.bsky.social"})],
    )
    network.post(f"{XRPC}/com.atproto.repo.createRecord", json=created("3l"))

    # when
    adapter.publish(account, PostContent(text=text), attempt)

    # then
    record = sent_json(network.calls[-1])["record"]
    encoded = text.encode("utf-8")
    facets = record["facets"]
    assert [encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets] == [
        "@alice.bsky.social",
        "https://example.com/spring",
        "#春",
    ]
    assert facets[0]["features"] == [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"}]
    assert facets[0]["index"] == {"byteStart": 10, "byteEnd": 28}
    assert facets[1]["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/spring"}]
    assert facets[2]["features"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": "春"}]


def test_an_unknown_handle_stays_plain_text(adapter, network, account, attempt):
    network.get(
        f"{XRPC}/com.atproto.identity.resolveHandle",
        json={"error": "InvalidRequest", "message": "Unable to resolve handle"},
        status=400,
    )
    network.post(f"{XRPC}/com.atproto.repo.createRecord", json=created("3l"))
    adapter.publish(account, PostContent(text="hi @nobody.example"), attempt)
    assert "facets" not in sent_json(network.calls[-1])["record"]


def test_image_post_uploads_raw_bytes_and_sends_alt_text(adapter, network, account, attempt):
    # given
    blob = {
        "$type": "blob",
        "ref": {"$link": "bafkreibabalobzn6cd366ukcsjycp4yymjymgfxcv6xczmlgpemzkz3cfa"},
        "mimeType": "image/jpeg",
        "size": 760898,
    }
    network.post(f"{XRPC}/com.atproto.repo.uploadBlob", json={"blob": blob})
    network.post(f"{XRPC}/com.atproto.repo.createRecord", json=created("3l"))
    image = MediaItem(
        mime_type="image/jpeg", data=b"\xff\xd8jpeg-bytes", alt_text="Team photo at the booth", width=1200, height=800
    )

    # when
    adapter.publish(account, PostContent(text="At the fair", media=[image]), attempt)

    # then: the blob is the raw body with its own content type
    upload = network.calls[0].request
    assert upload.body == b"\xff\xd8jpeg-bytes"
    assert upload.headers["Content-Type"] == "image/jpeg"
    assert sent_json(network.calls[1])["record"]["embed"] == {
        "$type": "app.bsky.embed.images",
        "images": [{"alt": "Team photo at the booth", "image": blob, "aspectRatio": {"width": 1200, "height": 800}}],
    }


def test_link_post_embeds_an_external_card(adapter, network, account, attempt):
    # given
    network.post(f"{XRPC}/com.atproto.repo.createRecord", json=created("3l"))

    # when
    adapter.publish(account, PostContent(text="Spring sale is on", link="https://shop.example/sale"), attempt)

    # then
    record = sent_json(network.calls[0])["record"]
    assert record["text"] == "Spring sale is on"
    assert record["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {"uri": "https://shop.example/sale", "title": "https://shop.example/sale", "description": ""},
    }


def test_a_retry_after_the_record_landed_does_not_create_again(adapter, network, account):
    # given: the previous attempt chose rkey 3kabc and its record exists
    attempt = PublishAttempt(idempotency_key="t", state={"rkey": "3kabc"})
    network.get(
        f"{XRPC}/com.atproto.repo.getRecord",
        json={
            **created("3kabc"),
            "value": {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2026-11-20T13:59:00.000Z"},
        },
        match=[matchers.query_param_matcher({"repo": DID, "collection": "app.bsky.feed.post", "rkey": "3kabc"})],
    )

    # when
    result = adapter.publish(account, PostContent(text="hi"), attempt)

    # then
    assert len(network.calls) == 1
    assert result.remote_id == f"at://{DID}/app.bsky.feed.post/3kabc"
    assert result.published_at == dt.datetime(2026, 11, 20, 13, 59, tzinfo=dt.UTC)


def test_a_retry_before_the_record_landed_reuses_the_same_key(adapter, network, account):
    attempt = PublishAttempt(idempotency_key="t", state={"rkey": "3kabc"})
    network.get(
        f"{XRPC}/com.atproto.repo.getRecord",
        json={"error": "RecordNotFound", "message": "Could not locate record: at://..."},
        status=400,
    )
    network.post(f"{XRPC}/com.atproto.repo.createRecord", json=created("3kabc"))
    adapter.publish(account, PostContent(text="hi"), attempt)
    assert sent_json(network.calls[1])["rkey"] == "3kabc"


# --- errors ----------------------------------------------------------------------------------


def test_rate_limit_reads_the_epoch_reset(adapter, network, account, attempt):
    # given: the window resets 120 s after now
    network.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        status=429,
        headers={
            "RateLimit-Limit": "5000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(int(NOW.timestamp()) + 120),
            "RateLimit-Policy": "5000;w=3600",
        },
    )

    # when
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, PostContent(text="hi"), attempt)

    # then
    assert caught.value.retry_after == 120


def test_server_error_is_transient(adapter, network, account, attempt):
    network.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        json={"error": "InternalServerError", "message": "Internal Server Error"},
        status=500,
    )
    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="hi"), attempt)


def test_invalid_record_is_permanent_with_the_networks_words(adapter, network, account, attempt):
    network.post(
        f"{XRPC}/com.atproto.repo.createRecord",
        json={
            "error": "InvalidRequest",
            "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes",
        },
        status=400,
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x" * 400), attempt)
    assert caught.value.message.endswith("must not be longer than 300 graphemes")
    assert caught.value.user_message.startswith("Bluesky refused the post:")


def test_a_blob_over_the_limit_is_permanent(adapter, network, account, attempt):
    network.post(
        f"{XRPC}/com.atproto.repo.uploadBlob",
        json={"error": "BlobTooLarge", "message": "This file is too large. It is 2.5MB but the maximum size is 2MB."},
        status=400,
    )
    image = MediaItem(mime_type="image/png", data=b"x", alt_text="x")
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="hi", media=[image]), attempt)
    assert caught.value.user_message == "An image is too large for Bluesky (2 MB at most)."


# --- lookup after an unknown outcome ---------------------------------------------------------


def test_lookup_finds_the_record_by_its_key(adapter, network, account):
    attempt = PublishAttempt(idempotency_key="t", state={"rkey": "3kabc"})
    network.get(
        f"{XRPC}/com.atproto.repo.getRecord",
        json={**created("3kabc"), "value": {"text": "hi", "createdAt": "2026-11-20T13:59:00.000Z"}},
    )
    result = adapter.lookup_published(account, PostContent(text="hi"), attempt)
    assert result.url == "https://bsky.app/profile/brand.bsky.social/post/3kabc"


def test_lookup_record_not_found_is_none(adapter, network, account):
    attempt = PublishAttempt(idempotency_key="t", state={"rkey": "3kabc"})
    network.get(
        f"{XRPC}/com.atproto.repo.getRecord",
        json={"error": "RecordNotFound", "message": "Could not locate record"},
        status=400,
    )
    assert adapter.lookup_published(account, PostContent(text="hi"), attempt) is None


def test_lookup_without_a_chosen_key_is_none(adapter, network, account):
    assert adapter.lookup_published(account, PostContent(text="hi"), PublishAttempt(idempotency_key="t")) is None
    assert len(network.calls) == 0


# --- metrics ---------------------------------------------------------------------------------


def test_post_metrics_have_no_impressions(adapter, network, account):
    # given
    uri = f"at://{DID}/app.bsky.feed.post/3kabc"
    network.get(
        f"{XRPC}/app.bsky.feed.getPosts",
        json={
            "posts": [
                {
                    "uri": uri,
                    "cid": "bafy",
                    "author": {"did": DID},
                    "record": {},
                    "likeCount": 12,
                    "repostCount": 3,
                    "replyCount": 4,
                    "quoteCount": 1,
                    "indexedAt": "2026-11-20T13:59:01.000Z",
                }
            ]
        },
        match=[matchers.query_param_matcher({"uris": uri})],
    )

    # when
    metrics = adapter.fetch_post_metrics(account, [uri])

    # then
    figures = metrics[uri]
    assert (figures.likes, figures.shares, figures.comments) == (12, 4, 4)
    assert figures.impressions is None
    assert figures.reach is None


def test_post_metrics_are_asked_25_at_a_time(adapter, network, account):
    uris = [f"at://{DID}/app.bsky.feed.post/{i}" for i in range(30)]
    network.get(f"{XRPC}/app.bsky.feed.getPosts", json={"posts": []})
    adapter.fetch_post_metrics(account, uris)
    assert [call.request.url.count("uris=") for call in network.calls] == [25, 5]


# --- inbox ------------------------------------------------------------------------------------


def notification(uri_rkey, reason, indexed_at, text, reply=None, reason_subject=None):
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": indexed_at}
    if reply:
        record["reply"] = reply
    body = {
        "uri": f"at://did:plc:alice/app.bsky.feed.post/{uri_rkey}",
        "cid": "bafyalice",
        "author": {
            "did": "did:plc:alice",
            "handle": "alice.bsky.social",
            "displayName": "Alice",
            "avatar": "https://cdn.bsky.app/alice",
        },
        "reason": reason,
        "record": record,
        "isRead": False,
        "indexedAt": indexed_at,
        "labels": [],
    }
    if reason_subject:
        body["reasonSubject"] = reason_subject
    return body


def test_inbox_reads_mentions_replies_and_quotes_newer_than_the_cursor(adapter, network, account):
    # given: newest first, the last one already seen
    ours = f"at://{DID}/app.bsky.feed.post/3kours"
    network.get(
        f"{XRPC}/app.bsky.notification.listNotifications",
        json={
            "cursor": "next-page",
            "notifications": [
                notification("3q", "quote", "2026-11-20T13:03:00.000Z", "Look at this", reason_subject=ours),
                notification(
                    "3r",
                    "reply",
                    "2026-11-20T13:02:00.000Z",
                    "Great post!",
                    reply={"root": {"uri": ours, "cid": "c"}, "parent": {"uri": ours, "cid": "c"}},
                ),
                notification("3m", "mention", "2026-11-20T13:01:00.000Z", "hey @brand.bsky.social"),
                notification("3old", "mention", "2026-11-20T12:00:00.000Z", "seen before"),
            ],
        },
        match=[matchers.query_param_matcher({"limit": "50", "reasons": ["mention", "reply", "quote"]})],
    )

    # when
    page = adapter.fetch_inbox(account, cursor="2026-11-20T12:00:00.000Z")

    # then
    assert page.cursor == "2026-11-20T13:03:00.000Z"
    assert [(item.text, item.kind) for item in page.items] == [
        ("hey @brand.bsky.social", "mention"),
        ("Great post!", "reply"),
        ("Look at this", "mention"),
    ]
    mention, reply, quote = page.items
    assert reply.post_remote_id == ours
    assert reply.parent_remote_id == ours
    assert quote.post_remote_id == ours
    assert mention.author_handle == "@alice.bsky.social"
    assert mention.url == "https://bsky.app/profile/alice.bsky.social/post/3m"
    assert len(network.calls) == 1  # reached what was seen: no second page


def test_reply_names_root_and_parent(adapter, network, account):
    # given: answering a reply whose thread starts at our post
    ours = {"uri": f"at://{DID}/app.bsky.feed.post/3kours", "cid": "bafyroot"}
    parent_uri = "at://did:plc:alice/app.bsky.feed.post/3r"
    network.get(
        f"{XRPC}/app.bsky.feed.getPosts",
        json={
            "posts": [
                {
                    "uri": parent_uri,
                    "cid": "bafyparent",
                    "author": {"did": "did:plc:alice"},
                    "record": {"text": "Great post!", "reply": {"root": ours, "parent": ours}},
                }
            ]
        },
    )
    network.post(f"{XRPC}/com.atproto.repo.createRecord", json=created("3reply"))
    item = InboxItem(
        remote_id=parent_uri, kind="reply", text="Great post!", created_at=NOW, author_handle="@alice.bsky.social"
    )

    # when
    result = adapter.reply(account, item, "Thanks!")

    # then
    record = sent_json(network.calls[1])["record"]
    assert record["text"] == "Thanks!"
    assert record["reply"] == {"root": ours, "parent": {"uri": parent_uri, "cid": "bafyparent"}}
    assert result.remote_id.startswith(f"at://{DID}/app.bsky.feed.post/")
