"""Spike and crisis alerts: the rule on hand-made series, the closed-bucket check on stored
mentions (once per bucket), the email with the posts behind it, the operations page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from listening import spikes, store
from listening.models import Mention, MentionBucket, Monitor, SpikeAlert
from listening.spikes import bucket_start, judge

pytestmark = pytest.mark.django_db


# --- the rule ------------------------------------------------------------------------------------


def test_a_bucket_far_above_a_steady_baseline_is_a_spike():
    baseline = [10, 12, 9, 11, 10, 8, 12, 10]  # mean 10.25, sigma ~1.3
    assert not judge(baseline, 13, deviations=3, min_count=5).spike
    verdict = judge(baseline, 15, deviations=3, min_count=5)
    assert verdict.spike and verdict.mean == 10.25 and 14 < verdict.threshold < 15


def test_more_deviations_need_a_bigger_jump():
    baseline = [4, 6, 5, 5, 3, 7, 5, 5]
    assert judge(baseline, 8, deviations=1.5, min_count=1).spike
    assert not judge(baseline, 8, deviations=3, min_count=1).spike


def test_a_silent_baseline_needs_the_minimum_count():
    # sigma 0 is taken as 1, and a handful after a silent week is not a crisis
    assert not judge([0] * 24, 3, deviations=3, min_count=5).spike
    assert judge([0] * 24, 5, deviations=3, min_count=5).spike
    assert not judge([], 4, deviations=3, min_count=5).spike


def test_a_noisy_baseline_raises_the_bar():
    noisy = [0, 20, 2, 18, 1, 25, 0, 22]
    assert not judge(noisy, 30, deviations=3, min_count=5).spike
    assert judge(noisy, 45, deviations=3, min_count=5).spike


def test_buckets_are_aligned_on_the_clock():
    moment = dt.datetime(2026, 12, 7, 17, 38, 12, tzinfo=dt.UTC)
    assert bucket_start(moment, 10) == dt.datetime(2026, 12, 7, 17, 30, tzinfo=dt.UTC)
    assert bucket_start(moment, 60) == dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)


# --- on stored mentions ------------------------------------------------------------------------


@pytest.fixture
def world(make_workspace, make_member, make_brand):
    ws = make_workspace("Acme")
    owner = make_member(ws, "owner", username="olive", email="olive@example.com")
    make_member(ws, "manager", username="max", email="max@example.com")
    make_member(ws, "editor", username="eddie", email="eddie@example.com")
    brand = make_brand(ws, "Acme Coffee")
    monitor = Monitor.objects.create(workspace=ws, brand=brand, name="Acme", terms=["acme"])
    return {"ws": ws, "owner": owner, "brand": brand, "monitor": monitor}


def add(monitor, at, count, *, sentiment=0.5, text="acme is nice"):
    store.save(
        Mention(
            workspace_id=monitor.workspace_id,
            monitor=monitor,
            source="bluesky",
            remote_id=f"at://did:plc:x/app.bsky.feed.post/{at.timestamp()}-{i}-{sentiment}",
            text=text,
            created_at=at,
            seen_at=at + dt.timedelta(seconds=i % 500),
            sentiment=sentiment,
        )
        for i in range(count)
    )


NOW = dt.datetime(2026, 12, 7, 12, 0, 40, tzinfo=dt.UTC)  # 40 s after 11:50-12:00 closed


def test_a_spike_in_the_last_ten_minutes_alerts_once_and_emails_owners_and_managers(world):
    # given: 2 mentions per 10 minutes for a day, then 25 (20 of them angry) in 11:50-12:00
    monitor = world["monitor"]
    spike_at = dt.datetime(2026, 12, 7, 11, 50, tzinfo=dt.UTC)
    for k in range(24 * 6):  # the baseline: the day before the bucket
        add(monitor, spike_at - dt.timedelta(hours=24) + dt.timedelta(minutes=10 * k), 2)
    add(monitor, spike_at, 5)
    add(monitor, spike_at, 20, sentiment=-0.7, text="acme is awful, my order is lost")

    # when
    new = spikes.check_all(NOW)

    # then: a volume and a crisis (negative) alert for that bucket; the hour 11:00-12:00 too
    alerts = {(a.series, a.window_minutes): a for a in SpikeAlert.objects.filter(pk__in=new)}
    assert set(alerts) == {("volume", 10), ("negative", 10), ("volume", 60), ("negative", 60)}
    crisis = alerts[("negative", 10)]
    assert crisis.bucket_start == spike_at and crisis.count == 20 and crisis.baseline_mean == 0
    assert alerts[("volume", 10)].count == 25 and alerts[("volume", 10)].baseline_mean == 2
    # one email each, to owners and managers, with the posts and the link to the crisis switch
    assert len(mail.outbox) == 4
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects[0] == "[SMM] Crisis alert: Acme (20 negative mentions in 10 min)"
    message = next(m for m in mail.outbox if m.subject == subjects[0])
    assert sorted(message.to) == ["max@example.com", "olive@example.com"]
    assert "acme is awful, my order is lost" in message.body
    assert f"/w/{world['ws'].slug}/listening/alerts/" in message.body
    # and a second check of the same buckets adds nothing
    assert spikes.check_all(NOW + dt.timedelta(seconds=30)) == []
    assert len(mail.outbox) == 4


def test_a_steady_stream_raises_nothing(world):
    monitor = world["monitor"]
    start = NOW.replace(second=0) - dt.timedelta(hours=24)
    for k in range(24 * 6):
        add(monitor, start + dt.timedelta(minutes=10 * k), 3 + k % 2)
    assert spikes.check_all(NOW) == []
    assert mail.outbox == []


def test_only_the_closed_bucket_counts_not_the_one_still_filling(world):
    monitor = world["monitor"]
    add(monitor, NOW.replace(second=0), 40)  # 12:00:00-12:00:40, still open
    assert spikes.check_all(NOW) == []
    # a minute after 12:10 the bucket has closed: now it alerts
    assert spikes.check_all(dt.datetime(2026, 12, 7, 12, 10, 30, tzinfo=dt.UTC))


def test_the_operations_page_lists_the_alert_with_its_link(world, client):
    monitor = world["monitor"]
    alert = SpikeAlert.objects.create(
        workspace=world["ws"],
        monitor=monitor,
        series="negative",
        window_minutes=10,
        bucket_start=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10),
        count=20,
        baseline_mean=1.5,
        baseline_stddev=1,
        threshold=4.5,
    )
    client.force_login(world["owner"])
    page = client.get(f"/w/{world['ws'].slug}/operations/").content.decode()
    assert "20 negative mentions of “Acme” (Acme Coffee)" in page
    assert alert.get_absolute_url() in page


def test_the_alert_page_shows_the_posts_and_pauses_the_brand_in_one_click(world, client):
    monitor = world["monitor"]
    spike_at = dt.datetime(2026, 12, 7, 11, 50, tzinfo=dt.UTC)
    add(monitor, spike_at, 3, sentiment=-0.8, text="acme burnt my beans")
    add(monitor, spike_at, 2, sentiment=0.8, text="acme is lovely")
    alert = SpikeAlert.objects.create(
        workspace=world["ws"],
        monitor=monitor,
        series="negative",
        window_minutes=10,
        bucket_start=spike_at,
        count=3,
        baseline_mean=0,
        baseline_stddev=0,
        threshold=2.5,
    )
    client.force_login(world["owner"])
    page = client.get(alert.get_absolute_url()).content.decode()
    assert page.count("acme burnt my beans") == 3 and "acme is lovely" not in page
    assert 'data-testid="crisis-pause"' in page
    client.post(f"/w/{world['ws'].slug}/brands/{world['brand'].pk}/pause/")
    world["brand"].refresh_from_db()
    assert world["brand"].paused
    assert 'data-testid="brand-paused"' in client.get(alert.get_absolute_url()).content.decode()


def test_another_workspaces_alert_is_not_found(world, client, make_workspace, make_member):
    other = make_workspace("Other")
    stranger = make_member(other, "owner", username="stranger")
    alert = SpikeAlert.objects.create(
        workspace=world["ws"],
        monitor=world["monitor"],
        series="volume",
        window_minutes=10,
        bucket_start=NOW,
        count=9,
        baseline_mean=1,
        baseline_stddev=1,
        threshold=4,
    )
    client.force_login(stranger)
    assert client.get(f"/w/{other.slug}/listening/alerts/{alert.pk}/").status_code == 404


def test_buckets_count_each_mention_once_and_can_be_rebuilt(world):
    monitor = world["monitor"]
    at = dt.datetime(2026, 12, 7, 11, 52, tzinfo=dt.UTC)
    add(monitor, at, 4)
    add(monitor, at, 4)  # the same posts again (a replay): nothing more
    add(monitor, at, 2, sentiment=-0.6, text="acme awful")
    ten = MentionBucket.objects.get(monitor=monitor, minutes=10)
    hour = MentionBucket.objects.get(monitor=monitor, minutes=60)
    assert (ten.start, ten.total, ten.negative) == (dt.datetime(2026, 12, 7, 11, 50, tzinfo=dt.UTC), 6, 2)
    assert (hour.start, hour.total, hour.negative) == (dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.UTC), 6, 2)
    MentionBucket.objects.all().delete()
    store.rebuild([monitor.pk], since=at - dt.timedelta(days=1))
    assert MentionBucket.objects.get(monitor=monitor, minutes=10).total == 6
