"""The Graph API machinery Facebook, Instagram and Threads share: errors, throttling, containers."""

import json

import pytest
import responses

from smm.platforms.base import (
    AccountContext,
    AuthExpired,
    Permanent,
    PublishAttempt,
    RateLimited,
    Transient,
)
from smm.platforms.meta_graph import (
    DEFAULT_RATE_LIMIT_WAIT,
    MetaGraphAdapter,
    graph_error,
    insight_values,
    parse_time,
    retry_after_from_usage,
)
from tests.platforms.helpers import form

BASE = "https://graph.example.test/v1"


class DemoGraphAdapter(MetaGraphAdapter):
    name = "demo"
    label = "Demo"
    graph_base = BASE
    container_poll_attempts = 3


@pytest.fixture
def adapter():
    demo = DemoGraphAdapter()
    demo.sleeps = []
    demo.sleep = demo.sleeps.append  # record instead of waiting
    return demo


def graph_failure(rsps, status, error, headers=None):
    rsps.add(responses.GET, f"{BASE}/thing", json={"error": error}, status=status, headers=headers or {})


# --- error classification -----------------------------------------------------------------


def test_code_190_is_auth_expired(rsps, adapter):
    # given an expired token
    graph_failure(
        rsps,
        400,
        {
            "message": "Error validating access token",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "AbC",
        },
    )
    # when a call is made, then the account needs reconnecting
    with pytest.raises(AuthExpired) as caught:
        adapter.graph("GET", "thing", "tok")
    assert "subcode 463" in caught.value.message
    assert "AbC" in caught.value.message
    assert "reconnect" in caught.value.user_message


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001])
def test_throttle_codes_are_rate_limited_with_the_usage_estimate(rsps, adapter, code):
    # given a throttle whose business-use-case header says 14 minutes
    usage = {"1234": [{"type": "pages", "call_count": 100, "total_time": 20, "estimated_time_to_regain_access": 14}]}
    graph_failure(
        rsps,
        400,
        {"message": "Application request limit reached", "type": "OAuthException", "code": code},
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    # when / then
    with pytest.raises(RateLimited) as caught:
        adapter.graph("GET", "thing", "tok")
    assert caught.value.retry_after == 14 * 60


def test_http_429_without_headers_waits_the_documented_default(rsps, adapter):
    # given a bare 429
    rsps.add(responses.GET, f"{BASE}/thing", body="Too many", status=429)
    # when / then
    with pytest.raises(RateLimited) as caught:
        adapter.graph("GET", "thing", "tok")
    assert caught.value.retry_after == DEFAULT_RATE_LIMIT_WAIT == 300


def test_retry_after_takes_the_longest_estimate_across_headers():
    # given two headers, one malformed and two estimates in the other
    headers = {
        "X-App-Usage": "{not json",
        "X-Business-Use-Case-Usage": json.dumps(
            {"1": [{"estimated_time_to_regain_access": 2}], "2": [{"estimated_time_to_regain_access": 30}]}
        ),
    }
    # when / then
    assert retry_after_from_usage(headers) == 1800
    # and a zero estimate falls back to the default rather than "retry now"
    zero = {"X-Business-Use-Case-Usage": json.dumps({"1": [{"estimated_time_to_regain_access": 0}]})}
    assert retry_after_from_usage(zero) == DEFAULT_RATE_LIMIT_WAIT


def test_506_is_a_permanent_duplicate(rsps, adapter):
    graph_failure(rsps, 400, {"message": "Duplicate status message", "type": "OAuthException", "code": 506})
    with pytest.raises(Permanent) as caught:
        adapter.graph("GET", "thing", "tok")
    assert "same text" in caught.value.user_message
    assert not isinstance(caught.value, Transient)


def test_5xx_and_is_transient_are_transient(rsps, adapter):
    # given a 500 without a body, then a 400 that says it is transient
    rsps.add(responses.GET, f"{BASE}/thing", body="oops", status=500)
    graph_failure(rsps, 400, {"message": "An unexpected error has occurred", "code": 2, "is_transient": True})
    # when / then both are worth retrying
    with pytest.raises(Transient):
        adapter.graph("GET", "thing", "tok")
    with pytest.raises(Transient):
        adapter.graph("GET", "thing", "tok")


def test_other_errors_are_permanent_with_the_network_message(rsps, adapter):
    graph_failure(
        rsps,
        400,
        {
            "message": "(#100) Invalid parameter",
            "type": "OAuthException",
            "code": 100,
            "error_user_msg": "The image URL is not reachable.",
        },
    )
    with pytest.raises(Permanent) as caught:
        adapter.graph("GET", "thing", "tok")
    assert "(#100) Invalid parameter" in caught.value.message
    assert "The image URL is not reachable." in caught.value.user_message
    assert caught.value.status == 400


def test_success_is_not_an_error(rsps, adapter):
    rsps.add(responses.GET, f"{BASE}/thing", json={"id": "1"})
    response = adapter.http.get(f"{BASE}/thing")
    assert graph_error(response) is None


def test_token_goes_in_the_body_of_writes_and_the_query_of_reads(rsps, adapter):
    # given
    rsps.add(responses.POST, f"{BASE}/thing", json={"id": "1"})
    rsps.add(responses.GET, f"{BASE}/thing", json={"id": "1"})
    # when
    adapter.graph("POST", "thing", "tok", data={"message": "hi"})
    adapter.graph("GET", "thing", "tok", params={"fields": "id"})
    # then
    assert "access_token" not in rsps.calls[0].request.url
    assert form(rsps.calls[0]) == {"message": "hi", "access_token": "tok"}
    assert rsps.calls[1].request.params == {"fields": "id", "access_token": "tok"}


# --- containers ------------------------------------------------------------------------------


def test_wait_for_container_polls_until_finished(rsps, adapter):
    # given a container that is processing twice, then finished
    for status in ("IN_PROGRESS", "IN_PROGRESS", "FINISHED"):
        rsps.add(responses.GET, f"{BASE}/c1", json={"status_code": status, "id": "c1"})
    # when
    result = adapter.wait_for_container("tok", "c1")
    # then
    assert result == "FINISHED"
    assert adapter.sleeps == [adapter.container_poll_interval] * 2


def test_wait_for_container_gives_up_as_transient(rsps, adapter):
    for _ in range(3):
        rsps.add(responses.GET, f"{BASE}/c1", json={"status_code": "IN_PROGRESS"})
    with pytest.raises(Transient):
        adapter.wait_for_container("tok", "c1")


def test_wait_for_container_error_is_permanent_with_the_reason(rsps, adapter):
    rsps.add(responses.GET, f"{BASE}/c1", json={"status_code": "ERROR", "status": "Error: image too small"})
    with pytest.raises(Permanent) as caught:
        adapter.wait_for_container("tok", "c1")
    assert "image too small" in caught.value.user_message


def test_publish_container_remembers_the_container_before_publishing(rsps, adapter):
    # given
    saved = []
    attempt = PublishAttempt(idempotency_key="k", save_state=saved.append)
    account = AccountContext(network="demo", credentials={"access_token": "tok"})
    rsps.add(responses.GET, f"{BASE}/c9", json={"status_code": "FINISHED"})
    rsps.add(responses.POST, f"{BASE}/me/publish", json={"id": "m1"})
    rsps.add(
        responses.GET, f"{BASE}/m1", json={"permalink": "https://x.test/p/m1", "timestamp": "2026-03-01T10:00:00+0000"}
    )
    # when
    result = adapter.publish_container(
        account, attempt, create=lambda: "c9", publish_path="me/publish", find_published=lambda: None
    )
    # then the container id was saved before the publish call, and the media id after
    assert saved[0] == {"container_id": "c9"}
    assert saved[-1] == {"container_id": "c9", "media_id": "m1"}
    assert form(rsps.calls[1]) == {"creation_id": "c9", "access_token": "tok"}
    assert result.url == "https://x.test/p/m1"
    assert result.published_at.isoformat() == "2026-03-01T10:00:00+00:00"


def test_insight_values_keeps_missing_metrics_absent():
    payload = {
        "data": [
            {"name": "views", "period": "lifetime", "values": [{"value": 120}]},
            {"name": "followers_count", "total_value": {"value": 7}},
            {"name": "reach", "values": []},
        ]
    }
    assert insight_values(payload) == {"views": 120, "followers_count": 7}


def test_parse_time_reads_graph_offsets():
    assert parse_time("2026-03-01T10:00:00+0000").isoformat() == "2026-03-01T10:00:00+00:00"
    assert parse_time("") is None
    assert parse_time("yesterday") is None
