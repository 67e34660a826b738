"""Pinterest (API v5) against its documented shapes: OAuth with Basic auth and continuous
refresh tokens, boards with bookmark paging, image Pins by URL (one, or 2-5 as
multiple_image_urls), the lookup after a lost POST /pins, Trial access (code 29), errors
({"code", "message"}) and pin analytics."""

from __future__ import annotations

import base64
import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from smm.platforms.base import (
    AppCredentials,
    AuthExpired,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    Transient,
    UnreadableAnswer,
)
from smm.platforms.pinterest import TRIAL_MESSAGE, PinterestAdapter

API = "https://api.pinterest.com/v5"
BOARD = "549755885175"
PIN = "813744226420795884"


def adapter(boards=None, **limits) -> PinterestAdapter:
    made = PinterestAdapter(AppCredentials(client_id="1484362", client_secret="s3cret"))
    if boards is None:
        boards = [{"id": BOARD, "name": "Summer", "privacy": "PUBLIC"}]
    return made.apply_limits({"boards": boards, **limits})


def image(n: int = 1, alt: str = "") -> MediaItem:
    return MediaItem(
        mime_type="image/jpeg",
        url=f"https://smm.example/media/p{n}.jpg",
        size=1000,
        width=1000,
        height=1500,
        alt_text=alt,
    )


def content(**overrides) -> PostContent:
    values = {
        "text": "Ten picnic ideas for July",
        "media": [image(alt="A picnic basket on grass")],
        "link": "https://shop.example/picnic",
        "options": {"board": BOARD, "title": "Picnic ideas"},
    }
    values.update(overrides)
    return PostContent(**values)


@pytest.fixture
def account(account_context):
    return account_context(
        "pinterest",
        "pinner1",
        credentials={
            "access_token": "pina_old",
            "refresh_token": "pinr_old",
            "expires_at": "2027-01-01T00:00:00+00:00",
        },
    )


def pin_answer(**extra):
    return {
        "id": PIN,
        "created_at": "2026-12-07T20:00:05",
        "board_id": BOARD,
        "title": "Picnic ideas",
        "description": "Ten picnic ideas for July",
        "link": "https://shop.example/picnic",
        **extra,
    }


# --- connection ------------------------------------------------------------------------------


def test_authorization_url_asks_for_the_scopes_comma_separated():
    url = adapter().authorization_url(redirect_uri="https://smm.example/cb", state="st8", code_verifier="v" * 50)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://www.pinterest.com/oauth/"
    assert query["scope"] == ["boards:read,boards:write,pins:read,pins:write,user_accounts:read"]
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["1484362"]
    assert query["state"] == ["st8"]
    assert "code_challenge" not in query  # Pinterest offers no PKCE


def test_exchange_code_uses_basic_auth_reads_the_user_and_every_board(network):
    network.add(
        responses.POST,
        f"{API}/oauth/token",
        json={
            "access_token": "pina_new",
            "refresh_token": "pinr_new",
            "token_type": "bearer",
            "expires_in": 2592000,
            "refresh_token_expires_in": 5184000,
            "scope": "boards:read,pins:write",
        },
    )
    network.add(
        responses.GET,
        f"{API}/user_account",
        json={
            "account_type": "BUSINESS",
            "id": "5174491",
            "username": "picnicco",
            "business_name": "Picnic Co",
            "profile_image": "https://i.pinimg.com/p.jpg",
            "follower_count": 12,
        },
    )
    network.add(
        responses.GET,
        f"{API}/boards",
        json={"items": [{"id": "1", "name": "Summer", "privacy": "PUBLIC"}], "bookmark": "bm2"},
        match=[responses.matchers.query_param_matcher({"page_size": "250"})],
    )
    network.add(
        responses.GET,
        f"{API}/boards",
        json={"items": [{"id": "2", "name": "Secret plans", "privacy": "SECRET"}], "bookmark": None},
        match=[responses.matchers.query_param_matcher({"page_size": "250", "bookmark": "bm2"})],
    )
    before = dt.datetime.now(dt.UTC)
    connected = adapter().exchange_code(code="c0de", redirect_uri="https://smm.example/cb", code_verifier="")

    token_call = network.calls[0]
    expected = "Basic " + base64.b64encode(b"1484362:s3cret").decode()
    assert token_call.request.headers["Authorization"] == expected
    form = parse_qs(token_call.request.body)
    assert form == {
        "grant_type": ["authorization_code"],
        "code": ["c0de"],
        "redirect_uri": ["https://smm.example/cb"],
        "continuous_refresh": ["true"],
    }
    assert network.calls[1].request.headers["Authorization"] == "Bearer pina_new"
    assert connected.remote_id == "5174491"
    assert connected.handle == "picnicco"
    assert connected.display_name == "Picnic Co"
    assert connected.credentials["refresh_token"] == "pinr_new"
    assert before + dt.timedelta(days=29) < connected.token_expires_at < before + dt.timedelta(days=31)
    assert connected.limits == {
        "boards": [
            {"id": "1", "name": "Summer", "privacy": "PUBLIC"},
            {"id": "2", "name": "Secret plans", "privacy": "SECRET"},
        ]
    }


def test_refused_code_is_auth_expired(network):
    network.add(responses.POST, f"{API}/oauth/token", status=400, json={"code": 1, "message": "Invalid code"})
    with pytest.raises(AuthExpired) as caught:
        adapter().exchange_code(code="bad", redirect_uri="https://smm.example/cb", code_verifier="")
    assert "reconnect" in caught.value.user_message


def test_refresh_stores_the_newest_refresh_token(network, account):
    network.add(
        responses.POST,
        f"{API}/oauth/token",
        json={"access_token": "pina_2", "refresh_token": "pinr_2", "expires_in": 2592000},
    )
    adapter().refresh(account)
    form = parse_qs(network.calls[0].request.body)
    assert form == {"grant_type": ["refresh_token"], "refresh_token": ["pinr_old"], "continuous_refresh": ["true"]}
    assert account.saved[-1]["access_token"] == "pina_2"
    assert account.saved[-1]["refresh_token"] == "pinr_2"
    assert account.saved[-1]["expires_at"] > "2026"


def test_refresh_without_a_new_refresh_token_keeps_the_old_one(network, account):
    network.add(responses.POST, f"{API}/oauth/token", json={"access_token": "pina_2", "expires_in": 60})
    adapter().refresh(account)
    assert account.saved[-1]["refresh_token"] == "pinr_old"


def test_a_revoked_refresh_token_is_auth_expired(network, account):
    network.add(responses.POST, f"{API}/oauth/token", status=401, json={"code": 2, "message": "Authentication failed."})
    with pytest.raises(AuthExpired):
        adapter().refresh(account)
    assert account.saved == []


# --- publishing images -----------------------------------------------------------------------


def test_one_image_pin_by_url_with_title_link_and_alt_text(network, account):
    network.add(responses.POST, f"{API}/pins", status=201, json=pin_answer())
    attempt = PublishAttempt("k1")
    result = adapter().publish(account, content(), attempt)

    sent = json.loads(network.calls[0].request.body)
    assert sent == {
        "board_id": BOARD,
        "title": "Picnic ideas",
        "description": "Ten picnic ideas for July",
        "link": "https://shop.example/picnic",
        "alt_text": "A picnic basket on grass",
        "media_source": {"source_type": "image_url", "url": "https://smm.example/media/p1.jpg"},
    }
    assert network.calls[0].request.headers["Authorization"] == "Bearer pina_old"
    assert result.remote_id == PIN
    assert result.url == f"https://www.pinterest.com/pin/{PIN}/"
    assert result.published_at == dt.datetime(2026, 12, 7, 20, 0, 5, tzinfo=dt.UTC)
    assert attempt.state["pin_id"] == PIN


def test_three_images_go_as_multiple_image_urls(network, account):
    network.add(responses.POST, f"{API}/pins", status=201, json=pin_answer())
    adapter().publish(account, content(media=[image(1), image(2), image(3)], link=None), PublishAttempt("k"))
    source = json.loads(network.calls[0].request.body)["media_source"]
    assert source["source_type"] == "multiple_image_urls"
    assert [i["url"] for i in source["items"]] == [f"https://smm.example/media/p{n}.jpg" for n in (1, 2, 3)]
    assert source["items"][0]["title"] == "Picnic ideas"


def test_the_only_board_is_used_when_none_is_chosen(network, account):
    network.add(responses.POST, f"{API}/pins", status=201, json=pin_answer())
    adapter().publish(account, content(options={}), PublishAttempt("k"))
    assert json.loads(network.calls[0].request.body)["board_id"] == BOARD


def test_a_published_pin_is_never_sent_again(network, account):
    attempt = PublishAttempt("k", state={"pin_id": PIN})
    assert adapter().publish(account, content(), attempt).remote_id == PIN
    assert len(network.calls) == 0


def test_a_post_with_its_own_text_and_options_publishes_once(network, account):
    network.add(responses.POST, f"{API}/pins", status=201, json=pin_answer(title="Pin title", description="Pin text"))
    made = adapter(boards=[{"id": "7", "name": "A"}, {"id": BOARD, "name": "B"}])
    post = content(text="Pin text", options={"board": BOARD, "title": "Pin title"})
    attempt = PublishAttempt("k")
    first = made.publish(account, post, attempt)
    second = made.publish(account, post, attempt)  # the engine retrying after a recorded success
    assert first.remote_id == second.remote_id == PIN
    assert len(network.calls) == 1
    sent = json.loads(network.calls[0].request.body)
    assert (sent["board_id"], sent["title"], sent["description"]) == (BOARD, "Pin title", "Pin text")


def test_answer_that_is_not_json_is_unreadable(network, account):
    network.add(responses.POST, f"{API}/pins", status=201, body="<html>ok</html>")
    with pytest.raises(UnreadableAnswer):
        adapter().publish(account, content(), PublishAttempt("k"))


def test_answer_without_id_is_unreadable(network, account):
    network.add(responses.POST, f"{API}/pins", status=201, json={"board_id": BOARD})
    with pytest.raises(UnreadableAnswer):
        adapter().publish(account, content(), PublishAttempt("k"))


# --- content rules and options -----------------------------------------------------------------


def codes(problems):
    return {p.code for p in problems}


def test_rules_title_board_link_media():
    made = adapter(boards=[{"id": "1", "name": "A"}, {"id": "2", "name": "B"}])
    assert codes(made.validate(content(options={"board": "1", "title": "x" * 101}))) == {"title_long"}
    assert codes(made.validate(content(options={}))) == {"board_missing"}
    assert codes(made.validate(content(options={"board": "9"}))) == {"board_unknown"}
    assert codes(made.validate(content(options={"board": "1"}, link="https://a.example/" + "x" * 2040))) == {
        "link_long"
    }
    assert "media_required" in codes(made.validate(content(options={"board": "1"}, media=[])))
    six = [image(n) for n in range(6)]
    assert "media_count" in codes(made.validate(content(options={"board": "1"}, media=six)))
    assert made.validate(content(options={"board": "1"}, text="x" * 800)) == []
    assert "too_long" in codes(made.validate(content(options={"board": "1"}, text="x" * 801)))


def test_clean_options_keeps_board_and_title_only():
    assert PinterestAdapter.clean_options({"board": " 12 ", "title": " Hi ", "visibility": "public"}) == {
        "board": "12",
        "title": "Hi",
    }
    assert PinterestAdapter.clean_options({"board": "", "title": None}) == {}


def test_board_choices_from_the_accounts_limits():
    made = adapter(boards=[{"id": "1", "name": "Summer"}, {"id": "2", "name": ""}, {"name": "no id"}])
    assert made.board_choices() == [("1", "Summer"), ("2", "2")]


# --- trial access ------------------------------------------------------------------------------

TRIAL = {
    "code": 29,
    "message": "Apps with Trial access may not create Pins in production https://api.pinterest.com - "
    "use API Sandbox https://api-sandbox.pinterest.com instead.",
}


def test_trial_access_is_said_plainly_and_remembered_on_the_account(network, account):
    network.add(responses.POST, f"{API}/pins", status=403, json=TRIAL)
    with pytest.raises(Permanent) as caught:
        adapter().publish(account, content(), PublishAttempt("k"))
    assert caught.value.user_message == TRIAL_MESSAGE
    assert account.saved[-1]["trial_access_seen"]
    assert account.saved[-1]["access_token"] == "pina_old"  # nothing else changed

    # The daily pull carries it into the account's limits: the composer says it before the next post.
    network.add(responses.GET, f"{API}/boards", json={"items": [{"id": BOARD, "name": "Summer"}]})
    limits = adapter().account_limits(account)
    assert limits["trial_access"] is True
    problems = adapter(**limits).validate(content())
    assert [p.message for p in problems] == [TRIAL_MESSAGE]


def test_a_successful_pin_clears_the_trial_mark(network, account):
    account.credentials["trial_access_seen"] = "2026-12-01T00:00:00+00:00"
    network.add(responses.POST, f"{API}/pins", status=201, json=pin_answer())
    adapter(trial_access=True).publish(account, content(), PublishAttempt("k"))  # Pinterest decides, not us
    assert account.saved[-1]["trial_access_seen"] is None
    network.add(responses.GET, f"{API}/boards", json={"items": []})
    assert "trial_access" not in adapter().account_limits(account)


# --- errors ------------------------------------------------------------------------------------


def test_429_is_rate_limited_with_a_wait(network, account):
    network.add(
        responses.POST,
        f"{API}/pins",
        status=429,
        json={"code": 8, "message": "Rate limit exceeded"},
        headers={"Retry-After": "30"},
    )
    with pytest.raises(RateLimited) as caught:
        adapter().publish(account, content(), PublishAttempt("k"))
    assert caught.value.retry_after == 30
    assert "slow down" in caught.value.user_message


def test_429_without_retry_after_waits_a_minute(network, account):
    network.add(responses.GET, f"{API}/user_account", status=429, json={"code": 8, "message": "Rate limited"})
    with pytest.raises(RateLimited) as caught:
        adapter().fetch_account_metrics(account)
    assert caught.value.retry_after == 60


def test_429_with_a_reset_header_waits_that_long(network, account):
    network.add(
        responses.GET,
        f"{API}/user_account",
        status=429,
        json={"code": 8, "message": "Rate limited"},
        headers={"X-RateLimit-Reset": "42"},
    )
    with pytest.raises(RateLimited) as caught:
        adapter().fetch_account_metrics(account)
    assert caught.value.retry_after == 42


def test_401_refreshes_once_and_sends_again(network, account):
    network.add(responses.POST, f"{API}/pins", status=401, json={"code": 2, "message": "Authentication failed."})
    network.add(responses.POST, f"{API}/oauth/token", json={"access_token": "pina_2", "refresh_token": "pinr_2"})
    network.add(responses.POST, f"{API}/pins", status=201, json=pin_answer())
    result = adapter().publish(account, content(), PublishAttempt("k"))
    assert result.remote_id == PIN
    assert [c.request.url.split("/v5")[1] for c in network.calls] == ["/pins", "/oauth/token", "/pins"]
    assert network.calls[2].request.headers["Authorization"] == "Bearer pina_2"
    assert account.saved[-1]["refresh_token"] == "pinr_2"


def test_401_after_a_failed_refresh_is_auth_expired(network, account):
    network.add(responses.POST, f"{API}/pins", status=401, json={"code": 2, "message": "Authentication failed."})
    network.add(responses.POST, f"{API}/oauth/token", status=400, json={"code": 1, "message": "invalid_grant"})
    with pytest.raises(AuthExpired) as caught:
        adapter().publish(account, content(), PublishAttempt("k"))
    assert "reconnect" in caught.value.user_message
    assert len(network.calls) == 2


def test_a_5xx_while_refreshing_is_transient_not_a_reconnect(network, account):
    network.add(responses.GET, f"{API}/user_account", status=401, json={"code": 2, "message": "Authentication failed."})
    network.add(responses.POST, f"{API}/oauth/token", status=503, json={"code": 0, "message": "Unavailable"})
    with pytest.raises(Transient) as caught:
        adapter().fetch_account_metrics(account)
    assert not isinstance(caught.value, AuthExpired)


def test_missing_scope_is_auth_expired_without_a_refresh(network, account):
    network.add(
        responses.POST,
        f"{API}/pins",
        status=401,
        json={"code": 3, "message": "Your token does not have sufficient permissions to perform this operation."},
    )
    with pytest.raises(AuthExpired) as caught:
        adapter().publish(account, content(), PublishAttempt("k"))
    assert "permission" in caught.value.user_message
    assert len(network.calls) == 1


def test_5xx_is_transient_and_a_retry_looks_before_posting_again(network, account):
    network.add(responses.POST, f"{API}/pins", status=503, json={"code": 0, "message": "Service unavailable"})
    attempt = PublishAttempt("k")
    with pytest.raises(Transient):
        adapter().publish(account, content(), attempt)
    assert attempt.state["pin_sent_at"]
    # The 503 had in fact created it: the retry finds it on the board and does not post again.
    network.add(responses.GET, f"{API}/boards/{BOARD}/pins", json={"items": [pin_answer(created_at=_soon())]})
    result = adapter().publish(account, content(), attempt)
    assert result.remote_id == PIN
    assert [c.request.method for c in network.calls] == ["POST", "GET"]


def test_board_gone_is_permanent_in_words(network, account):
    network.add(responses.POST, f"{API}/pins", status=404, json={"code": 40, "message": "Board not found."})
    with pytest.raises(Permanent) as caught:
        adapter().publish(account, content(), PublishAttempt("k"))
    assert "choose another board" in caught.value.user_message


def test_bad_request_says_pinterests_words(network, account):
    network.add(responses.POST, f"{API}/pins", status=400, json={"code": 1, "message": "Invalid image url."})
    with pytest.raises(Permanent) as caught:
        adapter().publish(account, content(), PublishAttempt("k"))
    assert caught.value.user_message == "Pinterest refused the request: Invalid image url."


# --- lost answers ------------------------------------------------------------------------------


def _soon() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)).replace(tzinfo=None).isoformat(timespec="seconds")


def test_lost_answer_then_lookup_finds_the_pin_on_the_board(network, account):
    network.add(responses.POST, f"{API}/pins", body=requests.exceptions.ReadTimeout("read timed out"))
    attempt = PublishAttempt("k")
    with pytest.raises(OutcomeUnknown):
        adapter().publish(account, content(), attempt)
    older = pin_answer(id="1", created_at="2026-01-01T00:00:00")  # the same words, months ago
    other = pin_answer(id="2", title="Another", created_at=_soon())
    network.add(
        responses.GET,
        f"{API}/boards/{BOARD}/pins",
        json={"items": [other, older, pin_answer(created_at=_soon())], "bookmark": None},
    )
    found = adapter().lookup_published(account, content(), attempt)
    assert found.remote_id == PIN
    assert attempt.state["pin_id"] == PIN


def test_lookup_says_none_when_the_pin_is_not_there(network, account):
    attempt = PublishAttempt("k", state={"pin_sent_at": dt.datetime.now(dt.UTC).isoformat(), "pin_board": BOARD})
    network.add(responses.GET, f"{API}/boards/{BOARD}/pins", json={"items": [pin_answer(id="2", title="Other")]})
    assert adapter().lookup_published(account, content(), attempt) is None


def test_lookup_before_anything_was_sent_asks_nobody(network, account):
    assert adapter().lookup_published(account, content(), PublishAttempt("k")) is None
    assert len(network.calls) == 0


def test_lookup_that_cannot_list_is_unknown(network, account):
    attempt = PublishAttempt("k", state={"pin_sent_at": dt.datetime.now(dt.UTC).isoformat(), "pin_board": BOARD})
    network.add(responses.GET, f"{API}/boards/{BOARD}/pins", status=500, json={"code": 0, "message": "oops"})
    with pytest.raises(OutcomeUnknown):
        adapter().lookup_published(account, content(), attempt)


def test_remote_id_from_url():
    assert PinterestAdapter.remote_id_from_url(f"https://www.pinterest.com/pin/{PIN}/", None) == PIN
    assert PinterestAdapter.remote_id_from_url(f"https://de.pinterest.de/pin/{PIN}", None) == PIN
    assert PinterestAdapter.remote_id_from_url(f"https://evil.example/pin/{PIN}/", None) is None
    assert PinterestAdapter.remote_id_from_url("https://www.pinterest.com/picnicco/", None) is None


# --- metrics -----------------------------------------------------------------------------------


def test_pin_analytics_into_metrics(network, account):
    network.add(
        responses.GET,
        f"{API}/pins/{PIN}/analytics",
        json={
            "all": {
                "daily_metrics": [{"date": "2026-12-06", "data_status": "READY", "metrics": {"IMPRESSION": 40}}],
                "summary_metrics": {
                    "IMPRESSION": 120,
                    "SAVE": 7,
                    "PIN_CLICK": 10,
                    "OUTBOUND_CLICK": 4,
                    "TOTAL_COMMENTS": 2,
                    "VIDEO_MRC_VIEW": 55,
                },
            }
        },
    )
    network.add(responses.GET, f"{API}/pins/404/analytics", status=404, json={"code": 50, "message": "Pin not found."})
    metrics = adapter().fetch_post_metrics(account, [PIN, "404"])
    query = parse_qs(urlsplit(network.calls[0].request.url).query)
    assert query["metric_types"] == ["IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,TOTAL_COMMENTS,VIDEO_MRC_VIEW"]
    start, end = dt.date.fromisoformat(query["start_date"][0]), dt.date.fromisoformat(query["end_date"][0])
    assert (end - start).days == 89
    got = metrics[PIN]
    assert (got.impressions, got.saves, got.clicks, got.comments, got.video_views) == (120, 7, 14, 2, 55)
    assert got.likes is None and got.shares is None
    assert metrics["404"].impressions is None


def test_daily_metrics_are_summed_when_no_summary(network, account):
    network.add(
        responses.GET,
        f"{API}/pins/{PIN}/analytics",
        json={
            "all": {
                "daily_metrics": [
                    {"date": "2026-12-05", "data_status": "READY", "metrics": {"IMPRESSION": 3, "SAVE": 1}},
                    {"date": "2026-12-06", "data_status": "READY", "metrics": {"IMPRESSION": 4}},
                    {"date": "2026-12-07", "data_status": "PROCESSING", "metrics": {"IMPRESSION": 99}},
                ]
            }
        },
    )
    got = adapter().fetch_post_metrics(account, [PIN])[PIN]
    assert (got.impressions, got.saves, got.video_views) == (7, 1, None)


def test_rate_limit_on_metrics_is_raised_when_nothing_was_read(network, account):
    network.add(responses.GET, f"{API}/pins/{PIN}/analytics", status=429, json={"code": 8, "message": "slow"})
    with pytest.raises(RateLimited):
        adapter().fetch_post_metrics(account, [PIN])


def test_followers_from_user_account(network, account):
    network.add(
        responses.GET,
        f"{API}/user_account",
        json={
            "username": "picnicco",
            "business_name": "Picnic Co",
            "profile_image": "https://i.pinimg.com/p.jpg",
            "follower_count": 321,
            "following_count": 5,
            "pin_count": 44,
            "monthly_views": 9000,
        },
    )
    figures = adapter().fetch_account_metrics(account)
    assert (figures.followers, figures.following, figures.posts_count) == (321, 5, 44)
    assert figures.impressions is None  # monthly_views is a 30-day total, not a day's figure
    assert figures.display_name == "Picnic Co"


def test_capabilities_are_honest():
    made = adapter()
    assert made.supports_inbox is False and made.supports_reply is False
    assert made.supports_refresh is True and made.connect_kind == "oauth2"
