"""Collection: the rising-interval schedule, batching per account, per-account back-off
and locking, against replayed Mastodon API responses."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from django.core.cache import cache

from analytics import collection, tasks
from analytics.models import (
    AccountDailySnapshot,
    AccountPullState,
    MetricPullPlan,
    PostMetricLatest,
    PostMetricSnapshot,
)
from smm import accounts

pytestmark = pytest.mark.django_db

BASE = "https://social.example"
T0 = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.UTC)


def status(remote_id, likes=3, replies=1, reblogs=2):
    return {
        "id": remote_id,
        "created_at": "2026-03-04T12:00:00.000Z",
        "url": f"{BASE}/@shop/{remote_id}",
        "content": "<p>hello</p>",
        "favourites_count": likes,
        "replies_count": replies,
        "reblogs_count": reblogs,
        "account": {"id": "1", "username": "shop", "acct": "shop"},
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(make_workspace, make_brand, make_account):
    ws = make_workspace("Shop", time_zone="Europe/Paris")
    brand = make_brand(ws, "Shop", time_zone="Europe/Paris")
    a = make_account(brand, "mastodon", "@shop@social.example", base_url=BASE)
    b = make_account(brand, "mastodon", "@other@other.example", base_url="https://other.example")
    return ws, brand, a, b


@pytest.fixture
def network():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_published_targets_are_measured_at_rising_intervals_then_never_again(shop, publish, network):
    # given a target published at T0
    _, _, account, _ = shop
    target = publish(account, T0)
    network.get(f"{BASE}/api/v1/statuses/{target.remote_id}", json=status(target.remote_id, likes=5))

    # when the beat plans it
    assert collection.plan_new_targets(now=T0 + dt.timedelta(minutes=1)) == 1
    assert collection.plan_new_targets(now=T0 + dt.timedelta(minutes=2)) == 0  # safe to run twice
    plan = MetricPullPlan.objects.get(target=target)
    assert plan.next_pull_at == T0 + dt.timedelta(hours=1)

    # then nothing is due before the first hour
    assert collection.accounts_due(T0 + dt.timedelta(minutes=59)) == []
    # and at each checkpoint the account is due, pulled, and moved to the next checkpoint
    expected_next = [
        (dt.timedelta(hours=1, minutes=3), dt.timedelta(hours=6)),
        (dt.timedelta(hours=6, minutes=1), dt.timedelta(hours=24)),
        (dt.timedelta(hours=30), dt.timedelta(days=3)),  # a late pull still waits for 3 d
        (dt.timedelta(days=3), dt.timedelta(days=7)),
        (dt.timedelta(days=7, hours=2), dt.timedelta(days=30)),
        (dt.timedelta(days=30, minutes=5), None),
    ]
    for pulled_after, next_offset in expected_next:
        now = T0 + pulled_after
        assert collection.accounts_due(now) == [account.pk]
        result = collection.pull_post_metrics(account.pk, now=now)
        assert result == {"status": "ok", "measured": 1}
        plan.refresh_from_db()
        assert plan.next_pull_at == (None if next_offset is None else T0 + next_offset)
    assert collection.accounts_due(T0 + dt.timedelta(days=90)) == []
    assert PostMetricSnapshot.objects.filter(target=target).count() == 6
    # Mastodon reports likes, replies and reblogs but no impressions: None, not 0
    latest = PostMetricLatest.objects.get(target=target)
    assert (latest.likes, latest.comments, latest.shares, latest.impressions, latest.clicks) == (5, 1, 2, None, None)
    assert latest.engagements == 8


def test_one_adapter_call_per_account_for_many_posts(shop, publish, network, monkeypatch):
    # given three due targets of one account
    _, _, account, _ = shop
    targets = [publish(account, T0) for _ in range(3)]
    for t in targets:
        network.get(f"{BASE}/api/v1/statuses/{t.remote_id}", json=status(t.remote_id))
    collection.plan_new_targets(now=T0)
    calls = []
    real = accounts.adapter_for

    def spying_adapter(account):
        adapter = real(account)
        original = adapter.fetch_post_metrics

        def fetch(ctx, remote_ids):
            calls.append(list(remote_ids))
            return original(ctx, remote_ids)

        adapter.fetch_post_metrics = fetch
        return adapter

    monkeypatch.setattr(accounts, "adapter_for", spying_adapter)

    # when the account is pulled
    collection.pull_post_metrics(account.pk, now=T0 + dt.timedelta(hours=1))

    # then the adapter was asked once, for all three remote ids
    assert len(calls) == 1
    assert sorted(calls[0]) == sorted(t.remote_id for t in targets)
    assert PostMetricLatest.objects.count() == 3


def test_a_rate_limited_account_backs_off_without_delaying_the_others(shop, publish, network):
    # given two accounts with due targets; the first one's instance says "slow down"
    _, _, limited, fine = shop
    t1 = publish(limited, T0)
    t2 = publish(fine, T0)
    network.get(
        f"{BASE}/api/v1/statuses/{t1.remote_id}",
        status=429,
        json={"error": "Too many requests"},
        headers={"Retry-After": "600"},
    )
    network.get(f"https://other.example/api/v1/statuses/{t2.remote_id}", json=status(t2.remote_id))
    collection.plan_new_targets(now=T0)
    now = T0 + dt.timedelta(hours=1)

    # when both are pulled
    limited_result = collection.pull_post_metrics(limited.pk, now=now)
    fine_result = collection.pull_post_metrics(fine.pk, now=now)

    # then the limited one waits what the network asked, the other one is measured
    assert limited_result["status"] == "backing_off"
    assert AccountPullState.objects.get(account=limited).backoff_until == now + dt.timedelta(seconds=600)
    assert fine_result == {"status": "ok", "measured": 1}
    assert collection.accounts_due(now + dt.timedelta(minutes=5)) == []  # fine is done, limited waits
    assert MetricPullPlan.objects.get(target=t1).next_pull_at == T0 + dt.timedelta(hours=1)  # still due
    # and after the wait it is due again and measured
    network.replace(responses.GET, f"{BASE}/api/v1/statuses/{t1.remote_id}", json=status(t1.remote_id))
    later = now + dt.timedelta(minutes=11)
    assert collection.accounts_due(later) == [limited.pk]
    assert collection.pull_post_metrics(limited.pk, now=later) == {"status": "ok", "measured": 1}
    state = AccountPullState.objects.get(account=limited)
    assert (state.failures, state.backoff_until) == (0, None)


def test_server_errors_back_off_exponentially(shop, publish, network):
    _, _, account, _ = shop
    target = publish(account, T0)
    network.get(f"{BASE}/api/v1/statuses/{target.remote_id}", status=503, json={"error": "down"})
    collection.plan_new_targets(now=T0)
    now = T0 + dt.timedelta(hours=1)

    first = collection.pull_post_metrics(account.pk, now=now)
    second = collection.pull_post_metrics(account.pk, now=first["until"])

    # 5 minutes (+ up to 10% jitter), then 10 minutes (+ jitter)
    assert dt.timedelta(minutes=5) <= first["until"] - now <= dt.timedelta(minutes=5.5)
    assert dt.timedelta(minutes=10) <= second["until"] - first["until"] <= dt.timedelta(minutes=11)


def test_never_two_pulls_of_the_same_account_at_once(shop, publish, network):
    # given a pull of the account already running (its lock is held)
    _, _, account, _ = shop
    publish(account, T0)
    collection.plan_new_targets(now=T0)
    with collection.account_lock(account.pk) as acquired:
        assert acquired
        # when another worker tries the same account
        result = collection.pull_post_metrics(account.pk, now=T0 + dt.timedelta(hours=2))
    # then it gives up without calling the network
    assert result == {"status": "locked"}
    assert len(network.calls) == 0


def test_an_expired_token_marks_the_account_for_reconnection(shop, publish, network):
    _, _, account, _ = shop
    target = publish(account, T0)
    network.get(f"{BASE}/api/v1/statuses/{target.remote_id}", status=401, json={"error": "The access token is invalid"})
    collection.plan_new_targets(now=T0)

    assert collection.pull_post_metrics(account.pk, now=T0 + dt.timedelta(hours=1))["status"] == "auth_expired"

    account.refresh_from_db()
    assert account.status == "needs_reconnect"
    assert collection.accounts_due(T0 + dt.timedelta(hours=2)) == []


def test_account_metrics_are_taken_once_a_day_in_the_workspace_time_zone(shop, network):
    # given the account's instance answering verify_credentials
    _, _, account, other = shop
    other.status = "paused"
    other.save()
    network.get(
        f"{BASE}/api/v1/accounts/verify_credentials",
        json={"id": "1", "username": "shop", "acct": "shop", "followers_count": 1234, "following_count": 5,
              "statuses_count": 99},
    )  # fmt: skip
    # 23:30 UTC on 4 March is already 5 March in Paris
    now = dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.UTC)

    assert collection.accounts_needing_daily_snapshot(now) == [account.pk]
    result = collection.pull_account_metrics(account.pk, now=now)
    assert result == {"status": "ok", "date": dt.date(2026, 3, 5)}
    # pulled again the same day: one row, updated in place
    collection.pull_account_metrics(account.pk, now=now + dt.timedelta(minutes=30))

    snapshot = AccountDailySnapshot.objects.get(account=account)
    assert (snapshot.date, snapshot.followers, snapshot.impressions) == (dt.date(2026, 3, 5), 1234, None)
    assert collection.accounts_needing_daily_snapshot(now + dt.timedelta(hours=1)) == []


def test_the_daily_pull_keeps_the_instance_limits_up_to_date(shop, network):
    # given: an account connected with the stock limits, whose admin has since raised them
    _, _, account, _ = shop
    network.get(
        f"{BASE}/api/v1/accounts/verify_credentials",
        json={"id": "1", "username": "shop", "acct": "shop", "followers_count": 10},
    )
    network.get(
        f"{BASE}/api/v2/instance",
        json={"domain": "social.example", "configuration": {"statuses": {"max_characters": 5000}}},
    )
    now = dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC)

    # when
    assert collection.pull_account_metrics(account.pk, now=now)["status"] == "ok"

    # then
    account.refresh_from_db()
    assert account.limits == {"max_text_length": 5000}


def test_limits_stay_as_they_were_when_the_instance_does_not_answer(shop, network):
    _, _, account, _ = shop
    account.limits = {"max_text_length": 1000}
    account.save()
    network.get(
        f"{BASE}/api/v1/accounts/verify_credentials",
        json={"id": "1", "username": "shop", "acct": "shop", "followers_count": 10},
    )
    network.get(f"{BASE}/api/v2/instance", json={"error": "Bad gateway"}, status=502)

    result = collection.pull_account_metrics(account.pk, now=dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC))

    # the figures are taken all the same; the limits are kept
    assert result["status"] == "ok"
    account.refresh_from_db()
    assert account.limits == {"max_text_length": 1000}


def test_the_beat_tick_enqueues_one_pull_per_due_account(shop, publish, monkeypatch):
    _, _, a, b = shop
    publish(a, T0 - dt.timedelta(hours=2))
    publish(a, T0 - dt.timedelta(hours=2))
    publish(b, T0 - dt.timedelta(minutes=5))  # not due yet
    queued = []
    monkeypatch.setattr(tasks.pull_post_metrics, "delay", lambda account_id: queued.append(account_id))
    monkeypatch.setattr(collection.timezone, "now", lambda: T0)

    tasks.schedule_post_metric_pulls()

    assert queued == [a.pk]
