"""The demo's seed: a lived-in plan for the coming week, made through the composer's actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from posts import actions
from posts.models import Post, PostStatus, TargetState
from recurring.models import Series, SeriesOccurrence

pytestmark = pytest.mark.django_db


def test_every_workspace_gets_a_week_ahead_a_draft_and_acme_an_approval_for_its_client():
    # when the demo is seeded (twice: it is idempotent)
    started = timezone.now()
    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("seed_demo", "--no-history", verbosity=0)

    now = timezone.now()
    repeating = SeriesOccurrence.objects.filter(post__isnull=False).values_list("post_id", flat=True)
    for slug in ("northwind", "acme-coffee", "globex-outdoor"):
        posts = Post.objects.filter(workspace__slug=slug).exclude(pk__in=repeating)
        scheduled = posts.filter(status=PostStatus.SCHEDULED)
        # then the calendar's coming week is planned, one post due minutes after seeding
        assert scheduled.count() >= 6, slug
        assert all(started < post.scheduled_at < now + dt.timedelta(days=8) for post in scheduled)
        assert scheduled.filter(scheduled_at__lt=now + dt.timedelta(minutes=5)).count() == 1
        assert all(
            target.state == TargetState.SCHEDULED and target.due_at == post.scheduled_at
            for post in scheduled
            for target in post.targets.all()
        )
        assert posts.filter(status=PostStatus.DRAFT).count() == 1
        # and each brand has posting slots for "Add to queue"
        for post in scheduled:
            assert post.brand.posting_slots.count() == 6

    # and in Acme Coffee the editor's post waits for the client, who can approve it
    waiting = Post.objects.get(workspace__slug="acme-coffee", status=PostStatus.PENDING_APPROVAL)
    client = get_user_model().objects.get(username="acme-client")
    actions.approve(waiting, client)
    waiting.refresh_from_db()
    assert waiting.status == PostStatus.SCHEDULED and waiting.approved_by == client


def test_acme_coffee_has_one_repeating_post_planned_ahead():
    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("seed_demo", "--no-history", verbosity=0)
    series = Series.objects.get(workspace__slug="acme-coffee")
    assert series.text.startswith("Brew tip of the week")
    planned = Post.objects.filter(pk__in=series.occurrences.exclude(post=None).values("post_id"))
    # Tuesdays and Fridays at 08:30 in the brand's zone, the next two weeks planned
    assert planned.count() >= 3
    assert all(p.status == PostStatus.SCHEDULED for p in planned)
    for post in planned:
        local = post.scheduled_at.astimezone(post.brand.tz)
        assert (local.strftime("%a"), local.hour, local.minute) in {("Tue", 8, 30), ("Fri", 8, 30)}
    assert not Series.objects.exclude(workspace__slug="acme-coffee").exists()


def test_acme_coffee_listens_for_its_brand_and_a_competitor():
    from listening.models import Monitor

    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("seed_demo", "--no-history", verbosity=0)
    monitors = Monitor.objects.filter(workspace__slug="acme-coffee")
    assert sorted(monitors.values_list("kind", flat=True)) == ["brand", "competitor"]
    brand = monitors.get(kind="brand")
    assert brand.name in brand.terms and brand.active


def test_the_demo_has_a_generated_video_and_a_video_post_due_soon(db):
    from django.core.management import call_command

    from posts.models import MediaAsset, Post, PostStatus

    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("seed_demo", "--no-history", verbosity=0)  # a re-run adds no second one
    videos = MediaAsset.objects.filter(workspace__slug="northwind", kind=MediaAsset.Kind.VIDEO)
    assert videos.count() == 1
    video = videos.get()
    assert video.video_codec == "h264" and video.duration == pytest.approx(6.0, abs=0.1)
    assert (video.width, video.height) == (540, 960) and video.thumbnail
    post = Post.objects.get(media=video)
    assert post.status == PostStatus.SCHEDULED
    assert post.targets.get().account.network == "mastodon"


def test_acme_coffee_watches_a_competitor_on_the_sandbox(db):
    from listening.competitors import comparison, mastodon_server
    from listening.models import Competitor

    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("seed_demo", "--no-history", verbosity=0)
    rival = Competitor.objects.get(workspace__slug="acme-coffee")
    assert rival.name == "Bean There" and rival.snapshots.count() == 30
    # its handle names the sandbox's server, so the snapshot task reads it there
    base, user = mastodon_server(rival.handle, rival.workspace_id)
    assert base.endswith("/sandbox") and user == "beanthere"
    assert comparison(rival.brand)  # the page has a line to draw
