"""The networks' own post options, as the adapters check and send them: Mastodon visibility,
content warning, sensitive media, language and polls; Bluesky languages and who may reply
(a threadgate record); X reply settings and polls. Request shapes from the networks' docs."""

import datetime as dt

import pytest
from responses import matchers

from smm.platforms.base import MediaItem, Permanent, PostContent, PublishAttempt, Transient
from smm.platforms.bluesky import BlueskyAdapter
from smm.platforms.mastodon import MastodonAdapter
from smm.platforms.x import XAdapter
from tests.platforms.helpers import sent_json

NOW = dt.datetime(2026, 11, 20, 14, 0, 0, tzinfo=dt.UTC)
MASTODON = "https://social.example"
PDS = "https://bsky.social"
DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
X_API = "https://api.x.com"
TWEET_ID = "1445880548472328192"
IMAGE = MediaItem(mime_type="image/png", data=b"png", alt_text="A cup", size=3)


def codes(problems):
    return [p.code for p in problems]


def messages(problems):
    return " ".join(p.message for p in problems)


@pytest.fixture
def mastodon():
    adapter = MastodonAdapter()
    adapter.now = lambda: NOW
    adapter.sleep = lambda seconds: None
    return adapter


@pytest.fixture
def bluesky():
    adapter = BlueskyAdapter()
    adapter.now = lambda: NOW
    return adapter


@pytest.fixture
def x():
    adapter = XAdapter()
    adapter.now = lambda: NOW
    return adapter


@pytest.fixture
def mastodon_account(account_context):
    return account_context(
        "mastodon", "1", handle="@brand@social.example", base_url=MASTODON, credentials={"access_token": "tok"}
    )


@pytest.fixture
def bluesky_account(account_context):
    return account_context(
        "bluesky",
        DID,
        handle="brand.bsky.social",
        base_url=PDS,
        credentials={"access_token": "access-1", "refresh_token": "r", "did": DID, "handle": "brand.bsky.social"},
    )


@pytest.fixture
def x_account(account_context):
    return account_context(
        "x",
        "2244994945",
        handle="@brand",
        credentials={
            "access_token": "access-1",
            "refresh_token": "r",
            "expires_at": (NOW + dt.timedelta(hours=1)).isoformat(),
        },
    )


def mastodon_status(**extra):
    body = {
        "id": "1093",
        "created_at": "2026-11-20T14:00:01.000Z",
        "url": f"{MASTODON}/@brand/1093",
        "uri": f"{MASTODON}/users/brand/statuses/1093",
        "content": "<p>hi</p>",
        "visibility": "public",
    }
    body.update(extra)
    return body


# --- Mastodon ------------------------------------------------------------------------------------


def test_mastodon_sends_visibility_warning_sensitive_language_and_poll(mastodon, mastodon_account, network):
    # given
    network.post(f"{MASTODON}/api/v1/statuses", json=mastodon_status(visibility="unlisted"))
    options = {
        "visibility": "unlisted",
        "spoiler_text": "Coffee spoilers",
        "sensitive": True,
        "language": "DE",
        "poll": {"options": ["Latte", "Flat white", ""], "duration_minutes": 60, "multiple": True},
    }

    # when
    mastodon.publish(mastodon_account, PostContent(text="Which one?", options=options), PublishAttempt("key-1"))

    # then: POST /api/v1/statuses as documented, poll expiry in seconds, empty answers left out
    assert sent_json(network.calls[0]) == {
        "status": "Which one?",
        "visibility": "unlisted",
        "spoiler_text": "Coffee spoilers",
        "sensitive": True,
        "language": "de",
        "poll": {"options": ["Latte", "Flat white"], "expires_in": 3600, "multiple": True},
    }
    assert network.calls[0].request.headers["Idempotency-Key"] == "key-1"


def test_mastodon_without_options_stays_public_and_sends_nothing_else(mastodon, mastodon_account, network):
    network.post(f"{MASTODON}/api/v1/statuses", json=mastodon_status())

    mastodon.publish(mastodon_account, PostContent(text="Plain"), PublishAttempt("key-2"))

    assert sent_json(network.calls[0]) == {"status": "Plain", "visibility": "public"}


def test_mastodon_lookup_resends_the_same_options_with_the_same_key(mastodon, mastodon_account, network):
    # given: an earlier attempt sent the status and the answer was lost
    network.post(f"{MASTODON}/api/v1/statuses", json=mastodon_status(visibility="private"))
    attempt = PublishAttempt("key-3", state={"status_sent_at": NOW.isoformat(), "media_ids": []})
    content = PostContent(text="Followers first", options={"visibility": "private"})

    # when
    found = mastodon.lookup_published(mastodon_account, content, attempt)

    # then: the same request (so the server answers with the status it made), not another post
    assert found.remote_id == "1093"
    assert sent_json(network.calls[0]) == {"status": "Followers first", "visibility": "private"}
    assert network.calls[0].request.headers["Idempotency-Key"] == "key-3"


def test_mastodon_refuses_a_poll_with_images_before_sending(mastodon):
    content = PostContent(text="Vote", media=[IMAGE], options={"poll": {"options": ["A", "B"], "duration_minutes": 60}})

    problems = mastodon.validate(content)

    assert "poll_media" in codes(problems)
    assert "Mastodon does not take a poll and images in one post" in messages(problems)


def test_mastodon_422_for_a_poll_with_media_is_permanent_in_plain_words(mastodon, mastodon_account, network):
    # given: the server refuses (as Mastodon's PostStatusService does for a poll with media)
    network.post(f"{MASTODON}/api/v1/statuses", json={"error": "Cannot attach files to a post with a poll"}, status=422)
    network.post(f"{MASTODON}/api/v2/media", json={"id": "55", "url": f"{MASTODON}/m/55.png"})
    content = PostContent(text="Vote", media=[IMAGE], options={"poll": {"options": ["A", "B"]}})

    # when / then
    with pytest.raises(Permanent) as refused:
        mastodon.publish(mastodon_account, content, PublishAttempt("key-4"))
    assert refused.value.user_message == "Mastodon refused the post: Cannot attach files to a post with a poll"


@pytest.mark.parametrize(
    ("options", "code", "words"),
    [
        ({"visibility": "everyone"}, "choice", "choose Public, Quiet public, Followers only"),
        ({"language": "english"}, "language", "use two letters"),
        ({"poll": {"options": ["Only one"]}}, "poll_too_few", "at least two answers"),
        ({"poll": {"options": ["a", "b", "c", "d", "e"]}}, "poll_many", "at most 4 answers; this one has 5"),
        ({"poll": {"options": ["a" * 51, "b"]}}, "poll_option_long", "Poll answer 1 is 51 characters"),
        ({"poll": {"options": ["Yes", "yes"]}}, "poll_same", "Two poll answers are the same"),
        ({"poll": {"options": ["a", "b"], "duration_minutes": 2}}, "poll_duration", "5 minutes to 30 days"),
    ],
)
def test_mastodon_option_problems_in_plain_words(mastodon, options, code, words):
    problems = mastodon.validate(PostContent(text="Hi", options=options))

    assert code in codes(problems)
    assert words in messages(problems)
    assert all(p.field == "options" for p in problems)


def test_mastodon_counts_the_content_warning_against_the_limit(mastodon):
    text = "a" * 490

    assert mastodon.validate(PostContent(text=text, options={"spoiler_text": "short"})) == []
    problems = mastodon.validate(PostContent(text=text, options={"spoiler_text": "x" * 15}))

    assert codes(problems) == ["too_long"]
    assert "5 characters over Mastodon's 500-character limit (the warning counts too)" in messages(problems)


def test_an_instance_may_announce_other_poll_limits(mastodon):
    mastodon.apply_limits({"max_poll_options": 6, "max_poll_option_length": 100})

    content = PostContent(text="Hi", options={"poll": {"options": ["a" * 90, "b", "c", "d", "e", "f"]}})

    assert mastodon.validate(content) == []


# --- Bluesky -------------------------------------------------------------------------------------


def test_bluesky_sends_languages_and_writes_a_threadgate_with_the_post_key(bluesky, bluesky_account, network):
    # given
    network.post(
        f"{PDS}/xrpc/com.atproto.repo.createRecord", json={"uri": f"at://{DID}/app.bsky.feed.post/3kx", "cid": "bafy"}
    )
    network.post(
        f"{PDS}/xrpc/com.atproto.repo.putRecord",
        json={"uri": f"at://{DID}/app.bsky.feed.threadgate/3kx", "cid": "bafz"},
    )
    attempt = PublishAttempt("t-1")
    content = PostContent(text="Hallo", options={"langs": "de, EN", "reply": "followers"})

    # when
    result = bluesky.publish(bluesky_account, content, attempt)

    # then: the post carries langs; the gate has the same record key and points at the post
    post = sent_json(network.calls[0])
    rkey = attempt.state["rkey"]
    assert post["record"]["langs"] == ["de", "en"]
    gate = sent_json(network.calls[1])
    assert gate["collection"] == "app.bsky.feed.threadgate"
    assert gate["rkey"] == rkey
    assert gate["record"]["post"] == result.remote_id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert gate["record"]["allow"] == [{"$type": "app.bsky.feed.threadgate#followerRule"}]
    assert gate["record"]["$type"] == "app.bsky.feed.threadgate"


@pytest.mark.parametrize(
    ("rule", "allow"),
    [
        ("nobody", []),
        ("mentioned", [{"$type": "app.bsky.feed.threadgate#mentionRule"}]),
        ("following", [{"$type": "app.bsky.feed.threadgate#followingRule"}]),
    ],
)
def test_bluesky_reply_rules(bluesky, bluesky_account, network, rule, allow):
    network.post(f"{PDS}/xrpc/com.atproto.repo.createRecord", json={"uri": "at://x", "cid": "c"})
    network.post(f"{PDS}/xrpc/com.atproto.repo.putRecord", json={"uri": "at://g", "cid": "c"})

    bluesky.publish(bluesky_account, PostContent(text="Hi", options={"reply": rule}), PublishAttempt("t"))

    assert sent_json(network.calls[1])["record"]["allow"] == allow


def test_bluesky_everybody_may_reply_means_no_threadgate(bluesky, bluesky_account, rsps):
    rsps.post(f"{PDS}/xrpc/com.atproto.repo.createRecord", json={"uri": "at://x", "cid": "c"})

    bluesky.publish(bluesky_account, PostContent(text="Hi", options={"reply": "everybody"}), PublishAttempt("t"))

    assert len(rsps.calls) == 1  # strict mock: a putRecord would have failed the test
    assert "langs" not in sent_json(rsps.calls[0])["record"]


def test_bluesky_retry_after_a_lost_gate_finds_the_post_and_writes_the_gate_only(bluesky, bluesky_account, network):
    # given: the post landed (rkey remembered), the threadgate call failed on their side
    attempt = PublishAttempt("t", state={"rkey": "3kabc"})
    network.get(
        f"{PDS}/xrpc/com.atproto.repo.getRecord",
        json={
            "uri": f"at://{DID}/app.bsky.feed.post/3kabc",
            "cid": "c",
            "value": {"text": "Hi", "createdAt": "2026-11-20T13:59:00.000Z"},
        },
    )
    network.post(f"{PDS}/xrpc/com.atproto.repo.putRecord", json={"uri": "at://g", "cid": "c"})

    # when
    result = bluesky.publish(bluesky_account, PostContent(text="Hi", options={"reply": "nobody"}), attempt)

    # then: no second createRecord; the gate is (re)put with the post's key
    urls = [call.request.url for call in network.calls]
    assert not any("createRecord" in u for u in urls)
    assert sent_json(network.calls[1])["rkey"] == "3kabc"
    assert result.remote_id.endswith("/3kabc")


def test_bluesky_gate_failing_on_their_side_is_retried_later_without_posting_twice(bluesky, bluesky_account, network):
    network.post(f"{PDS}/xrpc/com.atproto.repo.createRecord", json={"uri": "at://x", "cid": "c"})
    network.post(f"{PDS}/xrpc/com.atproto.repo.putRecord", json={"error": "InternalServerError"}, status=502)
    attempt = PublishAttempt("t")

    with pytest.raises(Transient):
        bluesky.publish(bluesky_account, PostContent(text="Hi", options={"reply": "nobody"}), attempt)

    assert attempt.state["rkey"]  # the retry looks the post up by this key first


def test_bluesky_gate_refused_for_good_keeps_the_published_post(bluesky, bluesky_account, network):
    network.post(
        f"{PDS}/xrpc/com.atproto.repo.createRecord", json={"uri": f"at://{DID}/app.bsky.feed.post/k", "cid": "c"}
    )
    network.post(
        f"{PDS}/xrpc/com.atproto.repo.putRecord",
        json={"error": "InvalidRequest", "message": "Invalid threadgate"},
        status=400,
    )

    result = bluesky.publish(bluesky_account, PostContent(text="Hi", options={"reply": "nobody"}), PublishAttempt("t"))

    assert result.remote_id.startswith(f"at://{DID}/app.bsky.feed.post/")


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"langs": ["en", "de", "fr", "es"]}, "at most 3 languages"),
        ({"langs": ["english"]}, "“english” is not a language code Bluesky knows"),
        ({"reply": "friends"}, "Bluesky does not know “friends” as who may reply"),
    ],
)
def test_bluesky_option_problems(bluesky, options, words):
    assert words in messages(bluesky.validate(PostContent(text="Hi", options=options)))


# --- X -------------------------------------------------------------------------------------------


def test_x_sends_reply_settings_and_poll(x, x_account, network):
    network.post(f"{X_API}/2/tweets", json={"data": {"id": TWEET_ID, "text": "Vote"}}, status=201)
    options = {"reply_settings": "mentionedUsers", "poll": {"options": ["Yes", "No"], "duration_minutes": 1440}}

    x.publish(x_account, PostContent(text="Vote", options=options), PublishAttempt("t"))

    assert sent_json(network.calls[0]) == {
        "text": "Vote",
        "reply_settings": "mentionedUsers",
        "poll": {"options": ["Yes", "No"], "duration_minutes": 1440},
    }


def test_x_everyone_may_reply_is_the_default_and_not_sent(x, x_account, network):
    network.post(
        f"{X_API}/2/tweets",
        json={"data": {"id": TWEET_ID, "text": "Hi"}},
        status=201,
        match=[matchers.json_params_matcher({"text": "Hi"})],
    )

    x.publish(x_account, PostContent(text="Hi", options={"reply_settings": "everyone"}), PublishAttempt("t"))

    assert len(network.calls) == 1


def test_x_refuses_a_poll_with_images_and_long_answers(x):
    content = PostContent(
        text="Vote", media=[IMAGE], options={"poll": {"options": ["a" * 26, "b"], "duration_minutes": 20000}}
    )

    problems = x.validate(content)

    assert {"poll_media", "poll_option_long", "poll_duration"} <= set(codes(problems))
    assert "Poll answer 1 is 26 characters; X takes up to 25." in messages(problems)
    assert "X polls run from 5 minutes to 7 days." in messages(problems)


def test_x_api_refusal_of_a_poll_is_permanent(x, x_account, network):
    network.post(
        f"{X_API}/2/tweets",
        json={
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
            "status": 400,
            "errors": [{"message": "$.poll.duration_minutes: must be at most 10080"}],
        },
        status=400,
    )

    with pytest.raises(Permanent):
        x.publish(x_account, PostContent(text="Vote", options={"poll": {"options": ["a", "b"]}}), PublishAttempt("t"))


def test_unknown_options_are_dropped_by_each_network():
    assert MastodonAdapter().clean_options({"reply": "nobody", "visibility": "private"}) == {"visibility": "private"}
    assert BlueskyAdapter().clean_options({"visibility": "private", "reply": "nobody"}) == {"reply": "nobody"}
    assert XAdapter().clean_options({"sensitive": True, "reply_settings": "following"}) == {
        "reply_settings": "following"
    }


def test_mastodon_reads_the_instances_poll_limits(mastodon, network):
    network.get(
        f"{MASTODON}/api/v2/instance",
        json={
            "domain": "social.example",
            "configuration": {
                "statuses": {"max_characters": 1000, "max_media_attachments": 4, "characters_reserved_per_url": 23},
                "polls": {
                    "max_options": 8,
                    "max_characters_per_option": 100,
                    "min_expiration": 300,
                    "max_expiration": 2629746,
                },
            },
        },
    )

    limits = mastodon.instance_limits(MASTODON)

    assert (limits["max_poll_options"], limits["max_poll_option_length"]) == (8, 100)
    assert limits["max_text_length"] == 1000


def test_mastodon_a_poll_needs_its_question(mastodon):
    problems = mastodon.validate(PostContent(text="", options={"poll": {"options": ["A", "B"]}}))

    assert codes(problems) == ["empty"]
