"""Rate limits of the API: per token, exact under concurrent requests; failed
authentication per client address; both keep the API answering when Redis is down."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import url

pytestmark = pytest.mark.django_db

NOON = 1_800_000_000.0  # a fixed clock: no window boundary falls inside a test


class Clock:
    def __init__(self):
        self.now = NOON

    def __call__(self):
        return self.now


@pytest.fixture
def frozen_clock(monkeypatch):
    from smm import ratelimit

    clock = Clock()
    monkeypatch.setattr(ratelimit, "clock", clock, raising=False)
    return clock


@pytest.fixture
def rate(settings):
    def set_rate(value: str):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": value}}

    return set_rate


def with_token(raw: str, **extra) -> APIClient:
    client = APIClient(**extra)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


# --- per token --------------------------------------------------------------------------------


def test_a_token_over_its_limit_gets_429_with_retry_after(world, token_for, rate, frozen_clock):
    # given a limit of 3 requests a minute
    rate("3/min")
    _, raw = token_for(world["owner"], world["ws"])
    api = with_token(raw)
    # when the token sends a fourth
    answers = [api.get(url("brands/")) for _ in range(4)]
    # then the first three pass and the fourth waits, as JSON with Retry-After
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "detail" in answers[-1].json()
    # and after waiting what Retry-After says, it is served again (and not a second sooner)
    wait = int(answers[-1]["Retry-After"])
    frozen_clock.now += wait - 1
    assert api.get(url("brands/")).status_code == 429
    frozen_clock.now += 1
    assert api.get(url("brands/")).status_code == 200
    # and another token of the same workspace has its own count
    _, other = token_for(world["owner"], world["ws"])
    assert with_token(other).get(url("brands/")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_admit_exactly_the_limit(world, token_for, rate, frozen_clock):
    # given a limit of 5 a minute and a token already in use (no first-use write)
    rate("5/min")
    token, raw = token_for(world["owner"], world["ws"])
    type(token).objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    threads_count = 24
    start = threading.Barrier(threads_count)
    answers: list[int] = []
    lock = threading.Lock()

    def call():
        try:
            start.wait(timeout=30)
            status = with_token(raw).get(url("brands/")).status_code
            with lock:
                answers.append(status)
        finally:
            connections.close_all()

    # when 24 requests arrive at once
    threads = [threading.Thread(target=call) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then exactly 5 are admitted and the rest wait
    assert len(answers) == threads_count
    assert answers.count(200) == 5, answers
    assert answers.count(429) == threads_count - 5


def test_the_api_answers_while_redis_is_down_and_says_so_once_in_the_log(
    world, token_for, redis_down, caplog, monkeypatch
):
    from smm import ratelimit

    # given the cache's Redis unreachable, in a process that has not noticed yet
    monkeypatch.setattr(ratelimit, "outage", ratelimit._CacheOutage())
    _, raw = token_for(world["owner"], world["ws"])
    api = with_token(raw)
    # when a program calls the API several times
    with caplog.at_level(logging.WARNING, logger="smm.ratelimit"):
        answers = [api.get(url("brands/")).status_code for _ in range(3)]
    # then it is answered (limits are not counted meanwhile) and the log says why, once
    assert answers == [200, 200, 200]
    warnings = [r for r in caplog.records if r.name == "smm.ratelimit"]
    assert len(warnings) == 1
    assert "rate limits are not enforced" in warnings[0].getMessage()
    assert "redis-secret-pw" not in caplog.text


# --- failed authentication per address -------------------------------------------------------


def test_repeated_bad_tokens_from_one_address_get_429(world, token_for, settings, frozen_clock):
    # given someone trying tokens from one address
    limit = settings.API_AUTH_FAILURE_LIMIT
    guesser = with_token("smm_dead_beef", REMOTE_ADDR="203.0.113.66")
    # when they have failed the allowed number of times
    for _ in range(limit):
        assert guesser.get(url("brands/")).status_code == 401
    # then further tries are refused without being checked, with Retry-After and JSON
    refused = guesser.get(url("brands/"))
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    # even a real token from that address waits
    _, raw = token_for(world["owner"], world["ws"])
    assert with_token(raw, REMOTE_ADDR="203.0.113.66").get(url("brands/")).status_code == 429
    # while other addresses are not affected
    assert with_token(raw, REMOTE_ADDR="198.51.100.7").get(url("brands/")).status_code == 200


def test_good_tokens_do_not_count_as_failures(world, token_for, settings, frozen_clock):
    _, raw = token_for(world["owner"], world["ws"])
    api = with_token(raw, REMOTE_ADDR="203.0.113.66")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "1000/min"}}
    for _ in range(settings.API_AUTH_FAILURE_LIMIT + 2):
        assert api.get(url("brands/")).status_code == 200


def test_failures_behind_a_trusted_proxy_count_per_visitor(world, token_for, settings, frozen_clock):
    # given the API behind a proxy it trusts, and a guesser behind it
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    guesser = with_token("smm_dead_beef", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for _ in range(settings.API_AUTH_FAILURE_LIMIT):
        guesser.get(url("brands/"))
    assert guesser.get(url("brands/")).status_code == 429
    # then a program behind the same proxy, from its own address, is served
    _, raw = token_for(world["owner"], world["ws"])
    neighbour = with_token(raw, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert neighbour.get(url("brands/")).status_code == 200


def test_a_bad_token_is_still_a_plain_401_while_redis_is_down(redis_down):
    response = with_token("smm_dead_beef").get(url("brands/"))
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]
