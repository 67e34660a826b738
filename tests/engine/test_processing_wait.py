"""A network still processing a video: the target waits without a worker and without
spending an attempt, the lease is renewed while an upload remembers its chunks, and the
post goes out once the network is done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from posts import publishing
from posts.models import PostTarget, TargetState
from smm.models import AuditEvent
from smm.platforms.base import StillProcessing

pytestmark = pytest.mark.django_db


def fetch(target) -> PostTarget:
    return PostTarget.objects.select_related("post").get(pk=target.pk)


def test_processing_puts_the_target_back_to_wait_and_it_publishes_later(make_target, fake_adapter):
    target = make_target(state=TargetState.QUEUED)

    def uploaded(attempt):
        attempt.remember(media_id="m-1")
        raise StillProcessing("Mastodon is still processing the video", check_after=20, progress=40)

    fake_adapter.publish_script = [uploaded, uploaded, None]

    # first run: uploaded, the network is processing
    assert publishing.publish_target(target.pk) == "processing"
    row = fetch(target)
    assert row.state == TargetState.SCHEDULED
    assert row.attempts == 0  # a wait is not a failed attempt
    assert row.locked_until is None
    assert 15 < (row.due_at - timezone.now()).total_seconds() <= 20
    assert row.publish_state == {"media_id": "m-1"}
    assert row.error_user_message == "Mastodon is still processing the video"

    # second run, still processing: no second history line
    PostTarget.objects.filter(pk=target.pk).update(state=TargetState.QUEUED)
    assert publishing.publish_target(target.pk) == "processing"
    waits = AuditEvent.objects.filter(subject_id=str(target.post_id), verb="post.processing")
    assert waits.count() == 1
    assert "waiting for it to process" in waits.get().message

    # third run: done
    PostTarget.objects.filter(pk=target.pk).update(state=TargetState.QUEUED)
    assert publishing.publish_target(target.pk) == "published"
    row = fetch(target)
    assert row.state == TargetState.PUBLISHED
    assert row.attempts == 1
    assert row.error_kind == "" and row.error_user_message == ""


def test_the_post_page_says_processing_not_error(client, make_target, fake_adapter, engine_world):
    target = make_target(state=TargetState.QUEUED)
    fake_adapter.publish_script = [StillProcessing("X is processing the video (40%)", check_after=30)]
    publishing.publish_target(target.pk)
    client.force_login(engine_world["owner"])
    page = client.get(target.post.get_absolute_url()).content.decode()
    assert "X is processing the video (40%); we check again" in page
    assert 'class="target-error"' not in page


def test_remembering_a_chunk_renews_the_publishing_lease(make_target, fake_adapter, monkeypatch):
    target = make_target(state=TargetState.QUEUED)
    seen = {}
    real_now = timezone.now

    def slow_upload(attempt):
        # the claim set a lease; the upload has been going for 149 s of its 150 when a
        # chunk is remembered
        monkeypatch.setattr(publishing.timezone, "now", lambda: real_now() + dt.timedelta(seconds=149))
        attempt.remember(segment=3)
        monkeypatch.setattr(publishing.timezone, "now", real_now)
        seen["locked_until"] = PostTarget.objects.get(pk=target.pk).locked_until
        return fake_adapter.ok()

    fake_adapter.publish_script = [slow_upload]
    assert publishing.publish_target(target.pk) == "published"
    assert (seen["locked_until"] - timezone.now()).total_seconds() > 60 + 149


def test_remembering_right_after_the_claim_leaves_the_fresh_lease_alone(make_target, fake_adapter):
    # given a target just claimed (its lease set a moment ago)
    target = make_target(state=TargetState.QUEUED)
    seen = {}

    def first_step(attempt):
        seen["claimed"] = PostTarget.objects.get(pk=target.pk).locked_until
        attempt.remember(status_sent_at="2026-12-07T10:00:00+00:00")
        row = PostTarget.objects.get(pk=target.pk)
        seen["after"], seen["state"] = row.locked_until, row.publish_state
        return fake_adapter.ok()

    # when the adapter remembers its first step at once
    fake_adapter.publish_script = [first_step]
    assert publishing.publish_target(target.pk) == "published"
    # then the step is saved and the lease (nearly all of it left) is not rewritten
    assert seen["state"] == {"status_sent_at": "2026-12-07T10:00:00+00:00"}
    assert seen["after"] == seen["claimed"]


def test_remembering_does_not_touch_the_lease_of_a_target_no_longer_publishing(make_target):
    target = make_target(state=TargetState.UNKNOWN, locked_until=None)
    attempt = publishing._attempt(fetch(target))
    attempt.remember(segment=1)
    row = fetch(target)
    assert row.publish_state == {"segment": 1}
    assert row.locked_until is None
