"""A thread through the engine: each part its own exactly-once step, resumed where it stopped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from posts import publishing
from posts.models import PostTarget, TargetState
from smm.models import AuditEvent
from smm.platforms.base import Permanent, RateLimited, Transient
from tests.threads.conftest import WorkerDied

pytestmark = pytest.mark.django_db

PARTS = ["Part two", "Part three"]


def requeue(target):
    """What the dispatcher does when the retry is due: scheduled -> queued."""
    PostTarget.objects.filter(pk=target.pk).update(
        state=TargetState.QUEUED, locked_until=timezone.now() + dt.timedelta(seconds=120)
    )


def test_a_three_part_thread_goes_out_as_a_reply_chain(network, thread_target):
    target = thread_target(parts=PARTS)

    assert publishing.publish_target(target.pk) == "published"

    assert network.chain() == [("Part one", None), ("Part two", "Part one"), ("Part three", "Part two")]
    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHED
    first = network.posts[str(target.idempotency_key)]
    assert target.remote_id == first["id"]  # the post's id and link are the first part's
    assert [part["id"] for part in target.publish_state["thread"]] == network.order
    # each part has its own key: the target's key for part 1, then "<key>:<n>"
    assert set(network.posts) == {
        str(target.idempotency_key),
        f"{target.idempotency_key}:2",
        f"{target.idempotency_key}:3",
    }


def test_a_transient_failure_at_part_three_resumes_at_part_three(network, thread_target):
    target = thread_target(parts=PARTS)
    network.faults["Part three"] = [Transient("502 Bad Gateway")]

    assert publishing.publish_target(target.pk) == "retry"
    target.refresh_from_db()
    assert target.state == TargetState.SCHEDULED
    assert "Parts 1–2 of the thread are on Fakenet; part 3 of 3" in target.error_user_message
    assert len(target.publish_state["thread"]) == 2

    requeue(target)
    assert publishing.publish_target(target.pk) == "published"

    assert network.sends == ["Part one", "Part two", "Part three", "Part three"]  # 1 and 2 never again
    assert [text for text, _ in network.chain()] == ["Part one", "Part two", "Part three"]
    assert network.chain()[2] == ("Part three", "Part two")


def test_rate_limited_at_part_two_waits_what_the_network_said_then_resumes(network, thread_target):
    target = thread_target(parts=PARTS)
    network.faults["Part two"] = [RateLimited("Too many requests", retry_after=120)]

    before = timezone.now()
    assert publishing.publish_target(target.pk) == "retry"
    target.refresh_from_db()
    assert target.error_kind == "rate_limited"
    assert target.due_at >= before + dt.timedelta(seconds=120)

    requeue(target)
    assert publishing.publish_target(target.pk) == "published"
    assert network.sends.count("Part one") == 1
    assert len(network.order) == 3


def test_a_lost_answer_at_part_two_is_found_by_lookup_and_part_three_goes_once(network, thread_target):
    target = thread_target(parts=PARTS)
    network.faults["Part two"] = ["lost"]  # stored by the network, answer lost

    assert publishing.publish_target(target.pk) == "published"

    assert network.lookups == ["Part two"]  # only the part in doubt is looked up
    assert network.sends == ["Part one", "Part two", "Part three"]
    assert network.chain() == [("Part one", None), ("Part two", "Part one"), ("Part three", "Part two")]
    # the post's history says so, once per part
    history = list(
        AuditEvent.objects.filter(subject_id=str(target.post_id)).order_by("pk").values_list("message", flat=True)
    )
    assert history == [
        "Part 2 of 3 published on Mastodon (@northwind)",
        "Part 3 of 3 published on Mastodon (@northwind)",
        "Published on Mastodon (@northwind)",
    ]


def test_worker_dies_after_part_two_was_sent_the_sweeper_resumes_without_reposting(network, thread_target):
    target = thread_target(parts=PARTS)
    network.faults["Part two"] = ["died"]

    with pytest.raises(WorkerDied):
        publishing.publish_target(target.pk)
    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHING  # the lease is still held by the dead worker
    assert len(target.publish_state["thread"]) == 1

    PostTarget.objects.filter(pk=target.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    publishing.sweep()

    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHED
    assert network.lookups == ["Part two"]
    assert network.sends == ["Part one", "Part two", "Part three"]  # part 2 found, not posted again
    assert network.chain() == [("Part one", None), ("Part two", "Part one"), ("Part three", "Part two")]


def test_a_part_that_never_reached_the_network_is_sent_again_on_resume(network, thread_target):
    target = thread_target(parts=PARTS)
    network.faults["Part three"] = ["not-sent"]

    assert publishing.publish_target(target.pk) == "retry"  # lookup: not there, so a retry
    target.refresh_from_db()
    assert target.state == TargetState.SCHEDULED
    requeue(target)
    assert publishing.publish_target(target.pk) == "published"
    assert network.chain() == [("Part one", None), ("Part two", "Part one"), ("Part three", "Part two")]


def test_a_refused_part_fails_the_target_saying_which_parts_are_live(network, thread_target):
    target = thread_target(parts=PARTS)
    network.faults["Part two"] = [Permanent("Text too long")]

    assert publishing.publish_target(target.pk) == "failed"
    target.refresh_from_db()
    assert target.state == TargetState.FAILED
    assert target.error_user_message.startswith("Part 1 of the thread is on Fakenet; part 2 of 3: Text too long")
    assert [text for text, _ in network.chain()] == ["Part one"]


def test_a_network_without_threads_publishes_the_first_part_only(network, thread_target):
    network.supports_threads = False
    target = thread_target(parts=PARTS)
    assert publishing.publish_target(target.pk) == "published"
    assert network.chain() == [("Part one", None)]
    target.refresh_from_db()
    assert "thread" not in target.publish_state


def test_a_single_post_is_untouched_by_threads(network, thread_target):
    target = thread_target()
    assert publishing.publish_target(target.pk) == "published"
    target.refresh_from_db()
    assert network.chain() == [("Part one", None)]
    assert "thread" not in target.publish_state and "parts" not in target.publish_state
