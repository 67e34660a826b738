"""The post's history records what the engine did: published, failed, outcome unknown, in
plain words, written in the same transaction as the change (one INSERT, nothing read)."""

from __future__ import annotations

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from posts import publishing
from posts.models import TargetState
from smm.models import AuditEvent
from smm.platforms.base import AuthExpired, OutcomeUnknown, Permanent

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    def run(target_id):
        with django_capture_on_commit_callbacks(execute=True):
            return publishing.publish_target(target_id)

    return run


def history(target) -> list[AuditEvent]:
    entries = AuditEvent.objects.filter(subject_type="posts.post", subject_id=str(target.post_id))
    return list(entries.order_by("created_at", "id"))


def test_a_published_target_leaves_a_history_entry(publish, make_target, fake_adapter, engine_world):
    # given a queued target
    target = make_target(state=TargetState.QUEUED)
    # when the worker publishes it
    assert publish(target.pk) == "published"
    # then the post's history says where it went, in the post's workspace, by nobody in particular
    [entry] = history(target)
    assert entry.message == "Published on Mastodon (@northwind)"
    assert entry.verb == "post.published"
    assert entry.workspace_id == engine_world["ws"].pk
    assert entry.actor is None
    assert entry.data["target"] == target.pk and entry.data["url"].startswith("https://fake.example/")


def test_a_failed_target_leaves_the_user_facing_reason(publish, make_target, fake_adapter):
    fake_adapter.publish_script = [
        Permanent("Validation failed: Text character limit of 500 exceeded", user_message="The text is too long")
    ]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "failed"
    [entry] = history(target)
    assert entry.message == "Failed on Mastodon (@northwind): The text is too long"
    assert entry.verb == "post.failed"
    # the network's raw words stay on the target, not in the plain-words history
    assert "character limit" not in entry.message


def test_an_auth_failure_says_to_reconnect(publish, make_target, fake_adapter):
    fake_adapter.publish_script = [AuthExpired("The access token is invalid")]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "failed"
    [entry] = history(target)
    assert entry.message.startswith("Failed on Mastodon (@northwind): ")
    assert "Reconnect the account" in entry.message


def test_an_unknown_outcome_says_someone_needs_to_look(publish, make_target, fake_adapter):
    try:
        raise requests.ConnectionError("Connection aborted")
    except requests.ConnectionError as cause:
        dropped = OutcomeUnknown("The connection dropped before it answered")
        dropped.__cause__ = cause
    fake_adapter.publish_script = [dropped]
    fake_adapter.lookup_script = [OutcomeUnknown("The idempotency key has expired")]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "unknown"
    [entry] = history(target)
    assert entry.verb == "post.outcome_unknown"
    assert entry.message == "Could not confirm it reached Mastodon (@northwind): someone needs to look"


def test_a_retry_later_is_not_a_history_entry(publish, make_target, fake_adapter):
    from smm.platforms.base import Transient

    fake_adapter.publish_script = [Transient("502 Bad Gateway")]
    target = make_target(state=TargetState.QUEUED)
    assert publish(target.pk) == "retry"
    assert history(target) == []


def test_a_target_lost_to_another_worker_writes_nothing(make_target, fake_adapter):
    # given a target someone cancelled while the network call was in flight
    target = make_target(state=TargetState.CANCELLED)
    # when the late answer is recorded, then it changes nothing and writes no history
    assert publishing.record_published(target, fake_adapter.ok()) == "published-elsewhere"
    assert history(target) == []


def test_the_history_costs_one_insert_and_no_read(publish, make_target, fake_adapter):
    target = make_target(state=TargetState.QUEUED)
    with CaptureQueriesContext(connection) as queries:
        assert publish(target.pk) == "published"
    audit = [q["sql"] for q in queries.captured_queries if "smm_auditevent" in q["sql"]]
    # one statement writes it (on PostgreSQL the one that records the target), none reads it
    assert len(audit) == 1 and 'INSERT INTO "smm_auditevent"' in audit[0]
    assert 'FROM "smm_auditevent"' not in audit[0]
