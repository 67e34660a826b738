"""The sweeper: lost messages are sent again, dead workers' publishes are resolved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from posts import publishing
from posts.models import PostTarget, TargetState
from smm.platforms.base import OutcomeUnknown

pytestmark = pytest.mark.django_db


@pytest.fixture
def sweep(django_capture_on_commit_callbacks, monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(publishing, "enqueue_publish", lambda ids: sent.extend(ids))

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return publishing.sweep()

    run.sent = sent
    return run


def ago(seconds: float):
    return timezone.now() - dt.timedelta(seconds=seconds)


def test_a_queued_target_whose_message_was_lost_is_sent_again(make_target, sweep):
    # given a queued target whose lease expired (the broker lost its message) and one still within its lease
    lost = make_target(state=TargetState.QUEUED, locked_until=ago(5), queued_at=ago(200))
    waiting = make_target(state=TargetState.QUEUED, locked_until=timezone.now() + dt.timedelta(seconds=60))
    # when the sweeper runs
    counts = sweep()
    # then only the lost one is sent again, with a new lease, still queued
    assert counts == {"requeued": 1, "resolved": 0, "first_comments": 0}
    assert sweep.sent == [lost.pk]
    row = PostTarget.objects.get(pk=lost.pk)
    assert row.state == TargetState.QUEUED and row.locked_until > timezone.now()
    assert PostTarget.objects.get(pk=waiting.pk).locked_until == waiting.locked_until


def test_a_dead_workers_publish_that_went_out_is_recorded(make_target, fake_adapter, sweep):
    # given a target whose worker died mid-call, and a network that has the post
    found = fake_adapter.ok()
    fake_adapter.lookup_script = [found]
    target = make_target(state=TargetState.PUBLISHING, locked_until=ago(1), attempts=1)
    # when the sweeper runs
    assert sweep()["resolved"] == 1
    # then the post is recorded as published, without sending it again
    row = PostTarget.objects.get(pk=target.pk)
    assert (row.state, row.remote_id, row.attempts) == (TargetState.PUBLISHED, found.remote_id, 1)
    assert fake_adapter.calls == ["lookup"]


def test_a_dead_workers_publish_that_never_went_out_is_retried_now(make_target, fake_adapter, sweep):
    fake_adapter.lookup_script = [None]
    target = make_target(state=TargetState.PUBLISHING, locked_until=ago(1), attempts=1)
    sweep()
    row = PostTarget.objects.get(pk=target.pk)
    assert row.state == TargetState.SCHEDULED
    assert row.due_at <= timezone.now()
    assert fake_adapter.calls == ["lookup"]


def test_an_undecidable_publish_goes_to_a_person(make_target, fake_adapter, sweep):
    fake_adapter.lookup_script = [OutcomeUnknown("cannot tell whether the post went out")]
    target = make_target(state=TargetState.PUBLISHING, locked_until=ago(1), attempts=1)
    sweep()
    row = PostTarget.objects.get(pk=target.pk)
    assert row.state == TargetState.UNKNOWN
    assert "lease expired" in row.error_message and "cannot tell" in row.error_message


def test_a_publish_in_flight_is_left_alone(make_target, fake_adapter, sweep):
    target = make_target(state=TargetState.PUBLISHING, locked_until=timezone.now() + dt.timedelta(seconds=30))
    assert sweep() == {"requeued": 0, "resolved": 0, "first_comments": 0}
    assert PostTarget.objects.get(pk=target.pk).state == TargetState.PUBLISHING
    assert fake_adapter.calls == []


def test_lookups_give_up_after_a_few_tries(make_target, fake_adapter, sweep):
    from tests.engine.test_publish_task import _dropped

    fake_adapter.lookup_script = [_dropped()]
    target = make_target(
        state=TargetState.PUBLISHING, locked_until=ago(1), attempts=1, publish_state={"lookups": publishing.MAX_LOOKUPS}
    )
    sweep()
    assert PostTarget.objects.get(pk=target.pk).state == TargetState.UNKNOWN
