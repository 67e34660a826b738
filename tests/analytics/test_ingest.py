"""Bulk ingest of post snapshots: every snapshot kept, one "latest" row per target with the
newest figures, None kept as None (PostgreSQL takes a COPY + one upsert, SQLite the ORM;
both must behave the same)."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.collection import ingest_post_metrics
from analytics.models import PostMetricLatest, PostMetricSnapshot
from posts.models import PostTarget, TargetState
from smm.platforms.base import PostMetrics

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def shop(make_workspace, make_brand, make_account):
    ws = make_workspace("Shop")
    brand = make_brand(ws, "Shop")
    return ws, brand, make_account(brand, "instagram", "@shop"), make_account(brand, "mastodon", "@shop@social.example")


def metrics(target, **figures):
    return PostMetrics(remote_id=target.remote_id, **figures)


def test_snapshots_are_kept_and_the_newest_capture_becomes_the_latest_row(shop, publish):
    # given two published posts measured three times, the rows out of order
    ws, brand, insta, masto = shop
    first, second = publish(insta, AT), publish(masto, AT)
    rows = [
        (first.pk, AT + dt.timedelta(hours=6), metrics(first, impressions=600, likes=6, comments=None)),
        (first.pk, AT + dt.timedelta(hours=1), metrics(first, impressions=100, likes=1)),
        (second.pk, AT + dt.timedelta(hours=1), metrics(second, likes=3, shares=2)),
        (first.pk, AT + dt.timedelta(hours=24), metrics(first, impressions=900, likes=9, clicks=4)),
    ]

    # when they are ingested in one call
    stored = ingest_post_metrics(rows)

    # then every snapshot is stored and each target's latest row has its newest figures
    assert stored == 4
    assert PostMetricSnapshot.objects.filter(target=first).count() == 3
    latest = PostMetricLatest.objects.get(target=first)
    assert (latest.captured_at, latest.impressions, latest.likes, latest.clicks) == (
        AT + dt.timedelta(hours=24),
        900,
        9,
        4,
    )
    assert latest.engagements == 13  # likes + clicks; comments, shares, saves not reported
    assert (latest.workspace_id, latest.brand_id, latest.account_id, latest.network) == (
        ws.pk,
        brand.pk,
        insta.pk,
        "instagram",
    )
    assert latest.published_at == AT
    # and: figures a network does not report stay unknown, not zero
    other = PostMetricLatest.objects.get(target=second)
    assert other.impressions is None and other.reach is None
    assert other.engagements == 5


def test_a_late_older_capture_does_not_replace_a_newer_latest_row(shop, publish):
    # given a post whose 24 h figures are stored
    _, _, insta, _ = shop
    target = publish(insta, AT)
    ingest_post_metrics([(target.pk, AT + dt.timedelta(hours=24), metrics(target, impressions=900, likes=9))])

    # when a replayed task brings the 1 h figures afterwards
    ingest_post_metrics([(target.pk, AT + dt.timedelta(hours=1), metrics(target, impressions=100, likes=1))])

    # then the snapshot is kept as history but the latest row keeps the 24 h figures
    assert PostMetricSnapshot.objects.filter(target=target).count() == 2
    latest = PostMetricLatest.objects.get(target=target)
    assert (latest.impressions, latest.likes) == (900, 9)

    # when a newer capture arrives in a later call
    ingest_post_metrics([(target.pk, AT + dt.timedelta(days=3), metrics(target, impressions=1500))])

    # then it replaces the figures, unreported ones becoming unknown again
    latest.refresh_from_db()
    assert (latest.impressions, latest.likes, latest.engagements) == (1500, None, None)


def test_on_equal_capture_times_the_last_row_given_wins(shop, publish):
    _, _, insta, _ = shop
    target = publish(insta, AT)
    moment = AT + dt.timedelta(hours=6)

    ingest_post_metrics([(target.pk, moment, metrics(target, likes=1)), (target.pk, moment, metrics(target, likes=2))])

    assert PostMetricLatest.objects.get(target=target).likes == 2


def test_a_target_not_published_yet_gets_snapshots_but_no_latest_row(shop, publish):
    # given a post published on one account and still scheduled on the other
    _, _, insta, masto = shop
    post = publish(insta, AT).post
    target = PostTarget.objects.create(post=post, account=masto, state=TargetState.SCHEDULED, due_at=AT, remote_id="77")

    ingest_post_metrics([(target.pk, AT, metrics(target, likes=1))])

    assert PostMetricSnapshot.objects.filter(target=target).count() == 1
    assert not PostMetricLatest.objects.filter(target=target).exists()


def test_an_empty_batch_stores_nothing():
    assert ingest_post_metrics([]) == 0
