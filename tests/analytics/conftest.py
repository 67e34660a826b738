"""Fixtures for analytics: published targets with metrics, built through the real ingest."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from analytics.collection import ingest_post_metrics, upsert_account_snapshots
from analytics.models import AccountDailySnapshot
from posts.models import Post, PostTarget, TargetState
from smm.platforms.base import PostMetrics

_ids = itertools.count(1000)


@pytest.fixture
def publish():
    """publish(account, at, text=...) -> a published PostTarget (as the engine leaves it)."""

    def make(account, at: dt.datetime, text="A post", campaign=None, post=None):
        brand = account.brand
        if post is None:
            post = Post.objects.create(
                workspace=brand.workspace,
                brand=brand,
                text=text,
                scheduled_at=at,
                status="published",
                campaign=campaign,
            )
        remote_id = str(next(_ids))
        return PostTarget.objects.create(
            post=post,
            account=account,
            text=text,
            state=TargetState.PUBLISHED,
            due_at=at,
            published_at=at,
            remote_id=remote_id,
            remote_url=f"https://social.example/@x/{remote_id}",
        )

    return make


@pytest.fixture
def measure():
    """measure(target, at, impressions=..., likes=...) stores a snapshot through the ingest."""

    def record(target, at: dt.datetime, **figures):
        ingest_post_metrics([(target.pk, at, PostMetrics(remote_id=target.remote_id, **figures))])

    return record


@pytest.fixture
def followers():
    def record(account, day: dt.date, count):
        upsert_account_snapshots(
            [
                AccountDailySnapshot(
                    account=account,
                    date=day,
                    captured_at=dt.datetime.combine(day, dt.time(12), dt.UTC),
                    followers=count,
                )
            ]
        )

    return record
