"""The first comment: after the post, its own exactly-once step; its failure never fails the post."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from posts import publishing
from posts.models import FirstCommentStatus, PostStatus, PostTarget, TargetState
from smm.platforms.base import OutcomeUnknown, Permanent, RateLimited, Transient
from tests.threads.conftest import stored_then

pytestmark = pytest.mark.django_db


def due_now(target):
    PostTarget.objects.filter(pk=target.pk).update(first_comment_due=timezone.now() - dt.timedelta(seconds=1))


def test_the_first_comment_goes_out_once_after_the_post(network, thread_target, django_capture_on_commit_callbacks):
    target = thread_target(first_comment="#coffee #roast")

    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publish_target(target.pk) == "published"

    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHED
    assert target.first_comment_status == FirstCommentStatus.PUBLISHED
    assert network.comments == [
        {"id": target.first_comment_remote_id, "post": target.remote_id, "text": "#coffee #roast"}
    ]
    # a sweep afterwards sends nothing more
    publishing.sweep()
    assert network.comment_calls == 1


def test_the_sweeper_sends_a_first_comment_left_waiting(network, thread_target):
    target = thread_target(first_comment="Link in bio")
    assert publishing.publish_target(target.pk) == "published"  # no on_commit here: the sweeper's job
    target.refresh_from_db()
    assert target.first_comment_status == FirstCommentStatus.PENDING

    assert publishing.sweep()["first_comments"] == 1
    target.refresh_from_db()
    assert target.first_comment_status == FirstCommentStatus.PUBLISHED
    assert len(network.comments) == 1


def test_a_refused_comment_is_shown_without_failing_the_post(network, thread_target, client):
    target = thread_target(first_comment="Too spicy")
    network.comment_faults = [Permanent("(#100) Comments are turned off", user_message="Comments are turned off.")]
    publishing.publish_target(target.pk)
    publishing.sweep()

    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHED
    assert target.post.status == PostStatus.PUBLISHED
    assert target.first_comment_status == FirstCommentStatus.FAILED
    client.force_login(target.post.author)
    page = client.get(reverse("posts:detail", kwargs={"ws": target.post.workspace.slug, "post_id": target.post_id}))
    html = page.content.decode()
    assert "The post is live; its first comment failed: Comments are turned off." in html
    assert "Too spicy" in html


def test_a_lost_answer_is_looked_up_before_any_resend(network, thread_target):
    target = thread_target(first_comment="#coffee")
    network.comment_faults = [stored_then(OutcomeUnknown("Connection reset after sending"))]
    publishing.publish_target(target.pk)

    assert publishing.publish_first_comment(target.pk) == "retry"
    target.refresh_from_db()
    assert target.first_comment_status == FirstCommentStatus.PENDING
    assert len(network.comments) == 1

    due_now(target)
    assert publishing.publish_first_comment(target.pk) == "published"
    target.refresh_from_db()
    assert target.first_comment_remote_id == network.comments[0]["id"]
    assert network.comment_calls == 1  # found by the lookup, never sent twice
    assert len(network.comments) == 1


def test_a_sender_that_died_mid_call_is_resolved_by_lookup(network, thread_target):
    target = thread_target(first_comment="#coffee")
    publishing.publish_target(target.pk)
    # the worker claimed it, sent it, and died before recording the answer
    network.comments.append({"id": "c-1", "post": PostTarget.objects.get(pk=target.pk).remote_id, "text": "#coffee"})
    PostTarget.objects.filter(pk=target.pk).update(
        first_comment_status=FirstCommentStatus.SENDING,
        first_comment_sent_at=timezone.now(),
        first_comment_attempts=1,
        first_comment_due=timezone.now() - dt.timedelta(seconds=1),
    )
    publishing.sweep()
    target.refresh_from_db()
    assert target.first_comment_status == FirstCommentStatus.PUBLISHED
    assert target.first_comment_remote_id == "c-1"
    assert network.comment_calls == 0


def test_rate_limited_waits_and_retries_without_a_lookup(network, thread_target):
    target = thread_target(first_comment="#coffee")
    network.comment_faults = [RateLimited("slow down", retry_after=60)]
    publishing.publish_target(target.pk)
    before = timezone.now()
    assert publishing.publish_first_comment(target.pk) == "retry"
    target.refresh_from_db()
    assert target.first_comment_due >= before + dt.timedelta(seconds=60)
    assert target.first_comment_sent_at is None  # refused before processing: nothing to look for
    due_now(target)
    assert publishing.publish_first_comment(target.pk) == "published"
    assert len(network.comments) == 1


def test_transient_failures_are_retried_a_bounded_number_of_times(network, thread_target):
    target = thread_target(first_comment="#coffee")
    network.comment_faults = [Transient("503")] * publishing.FIRST_COMMENT_MAX_ATTEMPTS
    publishing.publish_target(target.pk)
    results = []
    for _ in range(publishing.FIRST_COMMENT_MAX_ATTEMPTS + 2):
        due_now(target)
        results.append(publishing.publish_first_comment(target.pk))
    target.refresh_from_db()
    assert results[: publishing.FIRST_COMMENT_MAX_ATTEMPTS - 1] == ["retry"] * (
        publishing.FIRST_COMMENT_MAX_ATTEMPTS - 1
    )
    assert results[publishing.FIRST_COMMENT_MAX_ATTEMPTS - 1] == "failed"
    assert results[-1] == "skipped"
    assert target.first_comment_status == FirstCommentStatus.FAILED
    assert f"after {publishing.FIRST_COMMENT_MAX_ATTEMPTS} tries" in target.first_comment_error
    assert target.state == TargetState.PUBLISHED


def test_no_first_comment_no_step(network, thread_target):
    target = thread_target()
    publishing.publish_target(target.pk)
    target.refresh_from_db()
    assert target.first_comment_status == ""
    assert publishing.sweep()["first_comments"] == 0


def test_a_part_link_that_is_not_http_is_not_a_link(network, thread_target, client):
    target = thread_target(parts=["Part two"])
    PostTarget.objects.filter(pk=target.pk).update(
        state=TargetState.PUBLISHED,
        publish_state={"thread": [{"id": "1", "url": "javascript:alert(1)", "at": timezone.now().isoformat()}]},
    )
    client.force_login(target.post.author)
    html = client.get(
        reverse("posts:detail", kwargs={"ws": target.post.workspace.slug, "post_id": target.post_id})
    ).content.decode()
    assert "javascript:alert" not in html
    assert html.count('data-testid="thread-part-row"') == 2
