"""Mastodon adapter against replayed Mastodon API responses (shapes from docs.joinmastodon.org)."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from smm.platforms import get_adapter
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
from smm.platforms.mastodon import MastodonAdapter, html_to_text, pkce_challenge

NOW = dt.datetime(2026, 11, 20, 14, 0, 0, tzinfo=dt.UTC)
BASE = "https://social.example"
TOKEN = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"


def status_json(status_id="109372843234390310", text="Hello from SMM", **extra):
    body = {
        "id": status_id,
        "created_at": "2026-11-20T14:00:01.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"{BASE}/users/brand/statuses/{status_id}",
        "url": f"{BASE}/@brand/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "content": f"<p>{text}</p>",
        "account": {"id": "1", "username": "brand", "acct": "brand", "display_name": "Brand"},
        "media_attachments": [],
        "mentions": [],
        "tags": [],
    }
    body.update(extra)
    return body


@pytest.fixture
def adapter():
    mastodon = MastodonAdapter(AppCredentials(client_id="cid", client_secret="csecret"))
    mastodon.sleep = lambda seconds: None
    mastodon.now = lambda: NOW
    return mastodon


@pytest.fixture
def account():
    return AccountContext(
        network="mastodon",
        remote_id="1",
        handle="@brand@social.example",
        base_url=BASE,
        credentials={"access_token": TOKEN},
    )


@pytest.fixture
def attempt(saved):
    return PublishAttempt(idempotency_key="target-42-key", save_state=saved.append)


def test_registry_builds_the_mastodon_adapter():
    # given / when
    adapter = get_adapter("mastodon")

    # then
    assert isinstance(adapter, MastodonAdapter)
    assert adapter.connect_kind == "oauth2_instance"
    assert adapter.idempotency == "idempotency_key"


# --- content rules -----------------------------------------------------------------------


def test_exactly_500_characters_is_fine_and_501_is_one_over(adapter):
    # given
    at_limit = PostContent(text="a" * 500)
    one_over = PostContent(text="a" * 501)

    # when / then
    assert adapter.validate(at_limit) == []
    [problem] = adapter.validate(one_over)
    assert problem.message == "This is 1 character over Mastodon's 500-character limit."
    assert problem.field == "text"


def test_a_url_counts_23_and_a_mention_only_its_local_part(adapter):
    # given: a long URL and a remote mention
    text = "Read https://example.com/" + "x" * 100 + " with @alice@mastodon.social"

    # when
    length = adapter.text_length(text)

    # then: "Read " 5 + 23 + " with " 6 + "@alice" 6
    assert length == 40


def test_emoji_sequences_count_as_one_character_each(adapter):
    # given: a family (ZWJ sequence), a flag, and e + combining accent
    text = "👨‍👩‍👧‍👦🇫🇷e\u0301"

    # when / then
    assert adapter.text_length(text) == 3


def test_a_link_is_appended_to_the_text_and_counted(adapter):
    # given: 480 characters plus a link that Mastodon adds at the end
    content = PostContent(text="a" * 480, link="https://example.com/launch")

    # when
    problems = adapter.validate(content)

    # then: 480 + 2 newlines + 23 = 505
    assert [p.message for p in problems] == ["This is 5 characters over Mastodon's 500-character limit."]


def test_too_many_or_too_big_images_are_explained(adapter):
    # given
    images = [MediaItem(mime_type="image/png", size=1000) for _ in range(4)]
    images.append(MediaItem(mime_type="image/png", size=17 * 1024 * 1024))

    # when
    messages = [p.message for p in adapter.validate(PostContent(text="hi", media=images))]

    # then
    assert messages == [
        "Mastodon takes at most 4 images; this post has 5.",
        "Image 5 is 17 MB; Mastodon takes images up to 16 MB.",
    ]


# GET /api/v2/instance of an instance that allows longer posts (shape per the Mastodon docs)
LONG_POST_INSTANCE = {
    "domain": "social.example",
    "configuration": {
        "statuses": {"max_characters": 1000, "max_media_attachments": 6, "characters_reserved_per_url": 23},
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "video/mp4"],
            "image_size_limit": 10485760,
        },
    },
}
LONG_POST_LIMITS = {
    "max_text_length": 1000,
    "max_images": 6,
    "characters_reserved_per_url": 23,
    "max_image_bytes": 10485760,
    "image_types": ["image/jpeg", "image/png"],
    "video_types": ["video/mp4"],
}


def test_instance_limits_are_read_live(adapter, network):
    # given: an instance that allows longer posts
    network.get(f"{BASE}/api/v2/instance", json=LONG_POST_INSTANCE)

    # when
    adapter.apply_limits(adapter.instance_limits(BASE))

    # then
    assert adapter.max_text_length == 1000
    assert adapter.max_images == 6
    assert adapter.image_types == ("image/jpeg", "image/png")
    assert adapter.validate(PostContent(text="a" * 1000)) == []


# --- connection ----------------------------------------------------------------------------


def test_register_app_posts_name_redirect_and_scopes(adapter, network):
    # given
    network.post(
        f"{BASE}/api/v1/apps",
        json={
            "id": "563419",
            "name": "SMM",
            "website": None,
            "redirect_uri": "https://smm.example/connect/mastodon/callback",
            "client_id": "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM",
            "client_secret": "ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw",
        },
    )

    # when
    app = adapter.register_app(BASE + "/", "https://smm.example/connect/mastodon/callback")

    # then
    assert app.client_id == "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM"
    sent = parse_qs(network.calls[0].request.body)
    assert sent == {
        "client_name": ["SMM"],
        "redirect_uris": ["https://smm.example/connect/mastodon/callback"],
        "scopes": ["write:statuses write:media read:statuses read:notifications read:accounts"],
    }


def test_pkce_challenge_matches_rfc_7636_example():
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_authorization_url_points_at_the_instance_with_pkce(adapter):
    # when
    url = adapter.authorization_url(
        redirect_uri="https://smm.example/cb", state="st4te", code_verifier="v" * 43, base_url="social.example"
    )

    # then
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/oauth/authorize"
    assert query["client_id"] == ["cid"]
    assert query["code_challenge"] == [pkce_challenge("v" * 43)]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] == ["st4te"]
    assert query["response_type"] == ["code"]


def test_exchange_code_sends_the_verifier_and_reads_the_account(adapter, network):
    # given
    network.get(f"{BASE}/api/v2/instance", json=LONG_POST_INSTANCE)
    network.post(
        f"{BASE}/oauth/token",
        json={"access_token": TOKEN, "token_type": "Bearer", "scope": "read write", "created_at": 1573979017},
    )
    network.get(
        f"{BASE}/api/v1/accounts/verify_credentials",
        json={
            "id": "14715",
            "username": "brand",
            "acct": "brand",
            "display_name": "The Brand",
            "avatar": f"{BASE}/avatars/original/missing.png",
            "followers_count": 12,
        },
        match=[matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"})],
    )

    # when
    connected = adapter.exchange_code(
        code="c0de", redirect_uri="https://smm.example/cb", code_verifier="ver", base_url=BASE
    )

    # then
    sent = parse_qs(network.calls[0].request.body)
    assert sent["grant_type"] == ["authorization_code"]
    assert sent["code_verifier"] == ["ver"]
    assert sent["client_secret"] == ["csecret"]
    assert connected.remote_id == "14715"
    assert connected.handle == "@brand@social.example"
    assert connected.credentials == {"access_token": TOKEN}
    # the instance's own limits come with the account, for the composer
    assert connected.limits == LONG_POST_LIMITS


def test_an_instance_that_hides_its_limits_still_connects(adapter, network):
    # given: token and account fine, the instance endpoint down
    network.post(f"{BASE}/oauth/token", json={"access_token": TOKEN, "token_type": "Bearer"})
    network.get(f"{BASE}/api/v1/accounts/verify_credentials", json={"id": "14715", "username": "brand"})
    network.get(f"{BASE}/api/v2/instance", json={"error": "Service Unavailable"}, status=503)

    # when
    connected = adapter.exchange_code(
        code="c0de", redirect_uri="https://smm.example/cb", code_verifier="v", base_url=BASE
    )

    # then: connected, with the stock limits (none stored)
    assert connected.remote_id == "14715"
    assert connected.limits == {}


def test_an_instance_answering_html_still_connects_with_the_stock_limits(adapter, network):
    # given: a proxy in front of the instance answers its description with a web page
    network.post(f"{BASE}/oauth/token", json={"access_token": TOKEN, "token_type": "Bearer"})
    network.get(f"{BASE}/api/v1/accounts/verify_credentials", json={"id": "14715", "username": "brand"})
    network.get(f"{BASE}/api/v2/instance", body="<html>Welcome</html>", content_type="text/html")

    # when
    connected = adapter.exchange_code(
        code="c0de", redirect_uri="https://smm.example/cb", code_verifier="v", base_url=BASE
    )

    # then
    assert connected.remote_id == "14715"
    assert connected.limits == {}


def test_limits_of_one_account_change_what_validation_allows(network):
    # given: two adapters, one with an account's stored instance limits
    stock = MastodonAdapter(AppCredentials(client_id="cid", client_secret="csecret"))
    roomy = MastodonAdapter(AppCredentials(client_id="cid", client_secret="csecret")).apply_limits(LONG_POST_LIMITS)
    text = PostContent(text="a" * 800)

    # then
    assert [p.message for p in stock.validate(text)] == ["This is 300 characters over Mastodon's 500-character limit."]
    assert roomy.validate(text) == []
    assert roomy.max_text_length == 1000 and stock.max_text_length == 500


def test_mastodon_tokens_are_not_refreshable(adapter, account):
    with pytest.raises(Permanent):
        adapter.refresh(account)


# --- publishing ------------------------------------------------------------------------------


def test_text_post_sends_the_idempotency_key(adapter, network, account, attempt, saved):
    # given
    network.post(f"{BASE}/api/v1/statuses", json=status_json())

    # when
    result = adapter.publish(account, PostContent(text="Hello from SMM"), attempt)

    # then
    request = network.calls[0].request
    assert request.headers["Idempotency-Key"] == "target-42-key"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.body) == {"status": "Hello from SMM", "visibility": "public"}
    assert result.remote_id == "109372843234390310"
    assert result.url == f"{BASE}/@brand/109372843234390310"
    assert result.published_at == dt.datetime(2026, 11, 20, 14, 0, 1, tzinfo=dt.UTC)
    # the send time is remembered before the call, for a later lookup, in one save
    assert saved == [{"media_ids": [], "status_sent_at": NOW.isoformat()}]


def test_image_post_uploads_with_alt_text_and_waits_for_processing(adapter, network, account, attempt):
    # given: the upload is accepted (202, url null), then processing (206), then ready (200)
    attachment = {
        "id": "22348641",
        "type": "image",
        "url": None,
        "preview_url": f"{BASE}/media/small/photo.png",
        "description": "A red bicycle against a wall",
        "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
    }
    network.post(f"{BASE}/api/v2/media", json=attachment, status=202)
    network.get(f"{BASE}/api/v1/media/22348641", json=attachment, status=206)
    network.get(f"{BASE}/api/v1/media/22348641", json={**attachment, "url": f"{BASE}/media/photo.png"}, status=200)
    network.post(f"{BASE}/api/v1/statuses", json=status_json(media_attachments=[attachment]))
    image = MediaItem(
        mime_type="image/png", data=b"\x89PNG-bytes", alt_text="A red bicycle against a wall", filename="bike.png"
    )

    # when
    adapter.publish(account, PostContent(text="New colours", media=[image]), attempt)

    # then: multipart with the file and its description
    upload = network.calls[0].request
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="bike.png"' in upload.body
    assert b"Content-Type: image/png" in upload.body
    assert b"\x89PNG-bytes" in upload.body
    assert b'name="description"\r\n\r\nA red bicycle against a wall' in upload.body
    assert [call.request.method for call in network.calls] == ["POST", "GET", "GET", "POST"]
    assert json.loads(network.calls[-1].request.body) == {
        "status": "New colours",
        "visibility": "public",
        "media_ids": ["22348641"],
    }
    assert attempt.state["media_ids"] == ["22348641"]


def test_a_retry_reuses_the_uploaded_media(adapter, network, account, saved):
    # given: a previous attempt uploaded the image, then the status call failed
    attempt = PublishAttempt(idempotency_key="k", state={"media_ids": ["22348641"]}, save_state=saved.append)
    network.post(f"{BASE}/api/v1/statuses", json=status_json())
    image = MediaItem(mime_type="image/png", data=b"png", alt_text="alt")

    # when
    adapter.publish(account, PostContent(text="again", media=[image]), attempt)

    # then: no second upload
    assert [call.request.url for call in network.calls] == [f"{BASE}/api/v1/statuses"]
    assert json.loads(network.calls[0].request.body)["media_ids"] == ["22348641"]


def test_link_post_puts_the_link_at_the_end_of_the_text(adapter, network, account, attempt):
    # given
    network.post(f"{BASE}/api/v1/statuses", json=status_json())

    # when
    adapter.publish(account, PostContent(text="Our spring sale", link="https://shop.example/sale"), attempt)

    # then
    assert json.loads(network.calls[0].request.body)["status"] == "Our spring sale\n\nhttps://shop.example/sale"


# --- errors ----------------------------------------------------------------------------------


def test_invalid_token_is_auth_expired(adapter, network, account, attempt):
    # given
    network.post(f"{BASE}/api/v1/statuses", json={"error": "The access token is invalid"}, status=401)

    # when
    with pytest.raises(AuthExpired) as caught:
        adapter.publish(account, PostContent(text="hi"), attempt)

    # then
    assert caught.value.message == "The access token is invalid"
    assert "reconnect" in caught.value.user_message


def test_rate_limit_waits_until_the_iso_reset_time(adapter, network, account, attempt):
    # given: reset 90 seconds after "now", written as an ISO-8601 timestamp
    network.post(
        f"{BASE}/api/v1/statuses",
        json={"error": "Too many requests"},
        status=429,
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "2026-11-20T14:01:30.123456Z",
        },
    )

    # when
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, PostContent(text="hi"), attempt)

    # then
    assert caught.value.retry_after == pytest.approx(90.123456)


def test_server_error_is_transient(adapter, network, account, attempt):
    # given
    network.post(f"{BASE}/api/v1/statuses", body="<html>502 Bad Gateway</html>", status=502)

    # when / then
    with pytest.raises(Transient) as caught:
        adapter.publish(account, PostContent(text="hi"), attempt)
    assert not isinstance(caught.value, OutcomeUnknown)


def test_validation_error_is_permanent_with_the_networks_words(adapter, network, account, attempt):
    # given
    network.post(
        f"{BASE}/api/v1/statuses",
        json={"error": "Validation failed: Text character limit of 500 exceeded"},
        status=422,
    )

    # when
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x" * 600), attempt)

    # then
    assert caught.value.message == "Validation failed: Text character limit of 500 exceeded"
    assert caught.value.user_message == "Mastodon refused the post: Text character limit of 500 exceeded"
    assert caught.value.status == 422


def test_a_timeout_after_sending_is_an_unknown_outcome(adapter, network, account, attempt):
    # given
    import requests

    network.post(f"{BASE}/api/v1/statuses", body=requests.ReadTimeout("read timed out"))

    # when / then
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, PostContent(text="hi"), attempt)


# --- lookup after an unknown outcome -----------------------------------------------------------


def test_lookup_resends_with_the_same_key_and_gets_the_existing_status(adapter, network, account, saved):
    # given: the first send happened 10 minutes ago and its answer was lost
    sent_at = (NOW - dt.timedelta(minutes=10)).isoformat()
    attempt = PublishAttempt(idempotency_key="target-42-key", state={"status_sent_at": sent_at, "media_ids": []})
    network.post(
        f"{BASE}/api/v1/statuses",
        json=status_json(),
        match=[matchers.header_matcher({"Idempotency-Key": "target-42-key"})],
    )

    # when
    result = adapter.lookup_published(account, PostContent(text="Hello from SMM"), attempt)

    # then
    assert result.remote_id == "109372843234390310"
    assert json.loads(network.calls[0].request.body) == {"status": "Hello from SMM", "visibility": "public"}


def test_lookup_when_nothing_was_sent_is_none(adapter, network, account):
    # given: the attempt died before the status call
    attempt = PublishAttempt(idempotency_key="k")

    # when / then
    assert adapter.lookup_published(account, PostContent(text="hi"), attempt) is None
    assert len(network.calls) == 0


def test_lookup_after_the_key_expired_asks_a_person(adapter, network, account):
    # given: sent two hours ago; Mastodon forgot the key after one
    sent_at = (NOW - dt.timedelta(hours=2)).isoformat()
    attempt = PublishAttempt(idempotency_key="k", state={"status_sent_at": sent_at})

    # when / then: no second post risked
    with pytest.raises(OutcomeUnknown):
        adapter.lookup_published(account, PostContent(text="hi"), attempt)
    assert len(network.calls) == 0


# --- metrics ---------------------------------------------------------------------------------


def test_post_metrics_have_no_impressions(adapter, network, account):
    # given
    network.get(
        f"{BASE}/api/v1/statuses/111",
        json=status_json("111", favourites_count=7, reblogs_count=3, replies_count=2, quotes_count=1),
    )
    network.get(f"{BASE}/api/v1/statuses/222", json={"error": "Record not found"}, status=404)

    # when
    metrics = adapter.fetch_post_metrics(account, ["111", "222"])

    # then: the deleted post is left out; unreported figures are None, not 0
    assert list(metrics) == ["111"]
    figures = metrics["111"]
    assert (figures.likes, figures.shares, figures.comments) == (7, 4, 2)
    assert figures.impressions is None
    assert figures.reach is None
    assert figures.clicks is None


def test_account_metrics(adapter, network, account):
    # given
    network.get(
        f"{BASE}/api/v1/accounts/verify_credentials",
        json={"id": "1", "username": "brand", "followers_count": 318, "following_count": 40, "statuses_count": 77},
    )

    # when
    metrics = adapter.fetch_account_metrics(account)

    # then
    assert (metrics.followers, metrics.following, metrics.posts_count) == (318, 40, 77)
    assert metrics.impressions is None


# --- inbox -------------------------------------------------------------------------------------


def notification(notification_id, status_id, *, reply_to=None, visibility="public", content="<p>hi</p>"):
    return {
        "id": notification_id,
        "type": "mention",
        "created_at": "2026-11-20T13:00:00.000Z",
        "account": {"id": "9", "username": "alice", "acct": "alice@other.example"},
        "status": {
            **status_json(status_id),
            "in_reply_to_id": reply_to,
            "in_reply_to_account_id": "1" if reply_to else None,
            "visibility": visibility,
            "content": content,
            "created_at": f"2026-11-20T13:00:0{int(notification_id) % 10}.000Z",
            "url": f"https://other.example/@alice/{status_id}",
            "account": {
                "id": "9",
                "username": "alice",
                "acct": "alice@other.example",
                "display_name": "Alice",
                "avatar": "https://other.example/a.png",
                "followers_count": 1200,
            },
        },
    }


def test_inbox_reads_mentions_after_the_cursor(adapter, network, account):
    # given: a reply to our post, a plain mention and a direct message, newest first
    network.get(
        f"{BASE}/api/v1/notifications",
        json=[
            notification("103", "503", visibility="direct", content='<p><span class="h-card">@brand</span> psst</p>'),
            notification("102", "502", content="<p>Love this!<br>Really &amp; truly</p><p>Second</p>"),
            notification("101", "501", reply_to="400"),
        ],
        match=[matchers.query_param_matcher({"types[]": "mention", "limit": "40", "min_id": "100"})],
    )

    # when
    page = adapter.fetch_inbox(account, cursor="100")

    # then
    assert page.cursor == "103"
    assert [(item.remote_id, item.kind) for item in page.items] == [("501", "reply"), ("502", "mention"), ("503", "dm")]
    reply, mention, dm = page.items
    assert reply.post_remote_id == "400"
    assert reply.parent_remote_id == "400"
    assert mention.text == "Love this!\nReally & truly\n\nSecond"
    assert mention.author_handle == "@alice@other.example"
    assert mention.author_followers == 1200
    assert dm.text == "@brand psst"


def test_a_local_author_gets_the_whole_address_like_a_remote_one(adapter, network, account):
    # given a mention from a user of our own instance: Mastodon's acct has no domain then
    local = notification("104", "504")
    local["status"]["account"] = {**local["status"]["account"], "acct": "bob", "username": "bob"}
    network.get(f"{BASE}/api/v1/notifications", json=[local])

    # when
    [item] = adapter.fetch_inbox(account, cursor="100").items

    # then
    assert item.author_handle == "@bob@social.example"


def test_empty_inbox_keeps_the_cursor(adapter, network, account):
    # given
    network.get(f"{BASE}/api/v1/notifications", json=[])

    # when / then
    assert adapter.fetch_inbox(account, cursor="100").cursor == "100"


def test_reply_mentions_the_author_and_answers_in_thread(adapter, network, account):
    # given
    network.post(f"{BASE}/api/v1/statuses", json=status_json("900", in_reply_to_id="502"))
    item = InboxItem(
        remote_id="502",
        kind="mention",
        text="Love this!",
        created_at=NOW,
        author_handle="@alice@other.example",
    )

    # when
    result = adapter.reply(account, item, "Thank you!")

    # then
    request = network.calls[0].request
    assert json.loads(request.body) == {
        "status": "@alice@other.example Thank you!",
        "in_reply_to_id": "502",
        "visibility": "public",
    }
    assert len(request.headers["Idempotency-Key"]) == 64
    assert result.remote_id == "900"


@pytest.mark.parametrize(
    ("author", "written", "sent"),
    [
        # a neighbour on our instance, greeted by the short form: not mentioned twice
        ("@bob@social.example", "@bob thanks, fixed!", "@bob thanks, fixed!"),
        ("@bob@social.example", "Thanks @BOB@social.example.", "Thanks @BOB@social.example."),
        # someone elsewhere: "@alice" would be a different, local alice, so the full handle goes first
        ("@alice@other.example", "@alice thanks!", "@alice@other.example @alice thanks!"),
        # "@bobby" is not "@bob"
        ("@bob@social.example", "cc @bobby", "@bob@social.example cc @bobby"),
    ],
)
def test_a_reply_mentions_the_author_once(adapter, network, account, author, written, sent):
    network.post(f"{BASE}/api/v1/statuses", json=status_json("901", in_reply_to_id="502"))
    item = InboxItem(remote_id="502", kind="mention", text="hi", created_at=NOW, author_handle=author)

    adapter.reply(account, item, written)

    assert json.loads(network.calls[0].request.body)["status"] == sent


def test_html_to_text_keeps_paragraphs_and_breaks():
    assert html_to_text("<p>a<br />b</p><p>c &lt;3</p>") == "a\nb\n\nc <3"


@responses.activate
def test_no_request_escapes_unregistered():
    # given: nothing registered
    adapter = MastodonAdapter()
    account = AccountContext(network="mastodon", base_url=BASE, credentials={"access_token": TOKEN})

    # when / then: responses refuses the call, which reads as "nothing was sent"
    with pytest.raises(Transient):
        adapter.fetch_account_metrics(account)
