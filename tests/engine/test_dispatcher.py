"""The dispatcher claims due targets of unpaused brands on connected accounts, once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from posts import publishing
from posts.models import PostStatus, PostTarget, TargetState
from smm.models import SocialAccount


@pytest.fixture
def enqueued(monkeypatch):
    """Records the ids the dispatcher hands to Celery (after commit), thread-safely."""
    sent: list[int] = []
    lock = threading.Lock()

    def record(ids):
        with lock:
            sent.extend(ids)

    monkeypatch.setattr(publishing, "enqueue_publish", record)
    return sent


@pytest.mark.django_db
def test_claims_only_due_targets_of_live_brands_and_connected_accounts(
    make_target, make_brand, make_account, engine_world, enqueued, django_capture_on_commit_callbacks
):
    # given one due target, one in the future, one of a paused brand, one on an account
    # that needs reconnecting, one already queued and one in draft
    due = make_target(due_in=-5)
    future = make_target(due_in=60)
    paused_brand = make_brand(engine_world["ws"], "Paused Brand", paused=True)
    paused = make_target(account=make_account(paused_brand, handle="@paused"))
    broken = make_target(
        account=make_account(engine_world["brand"], handle="@broken", status=SocialAccount.Status.NEEDS_RECONNECT)
    )
    queued = make_target(state=TargetState.QUEUED)
    draft = make_target(state=TargetState.DRAFT)

    # when the dispatcher runs
    with django_capture_on_commit_callbacks(execute=True):
        count = publishing.dispatch_due()

    # then only the due one is queued, with a lease, and its task is sent after commit
    assert count == 1
    assert enqueued == [due.pk]
    due.refresh_from_db()
    assert due.state == TargetState.QUEUED
    assert due.queued_at is not None and due.locked_until > timezone.now()
    assert due.post.__class__.objects.get(pk=due.post_id).status == PostStatus.PUBLISHING
    for other, state in [
        (future, TargetState.SCHEDULED),
        (paused, TargetState.SCHEDULED),
        (broken, TargetState.SCHEDULED),
        (queued, TargetState.QUEUED),
        (draft, TargetState.DRAFT),
    ]:
        assert PostTarget.objects.get(pk=other.pk).state == state


@pytest.mark.django_db
def test_nothing_is_sent_when_the_transaction_rolls_back(make_target, enqueued, django_capture_on_commit_callbacks):
    # given a due target; when the dispatcher's transaction is rolled back
    make_target()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publishing.claim_batch()
    # then the tasks are only sent by an on-commit hook, never before commit
    assert enqueued == []
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_dispatches_in_bounded_batches_until_none_is_due(make_target, enqueued, django_capture_on_commit_callbacks):
    # given 7 due targets and batches of 3
    targets = [make_target(due_in=-i) for i in range(7)]
    # when the dispatcher runs
    with django_capture_on_commit_callbacks(execute=True):
        count = publishing.dispatch_due(batch_size=3)
    # then all are claimed across three batches, oldest first, each once
    assert count == 7
    assert sorted(enqueued) == sorted(t.pk for t in targets)
    assert enqueued[0] == targets[-1].pk
    assert set(PostTarget.objects.values_list("state", flat=True)) == {TargetState.QUEUED}


@pytest.mark.django_db
def test_a_second_run_claims_nothing_more(make_target, enqueued, django_capture_on_commit_callbacks):
    make_target()
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.dispatch_due() == 1
        assert publishing.dispatch_due() == 0
    assert len(enqueued) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)")
def test_two_concurrent_dispatchers_never_claim_the_same_target(make_target, enqueued):
    # given 300 due targets
    ids = {make_target(due_in=-1).pk for _ in range(300)}
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def dispatcher():
        try:
            barrier.wait(timeout=10)
            # small batches so the two interleave many times
            publishing.dispatch_due(batch_size=20)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    # when two dispatchers, each on its own connection, run at the same time
    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every target was claimed exactly once
    assert not errors
    assert sorted(enqueued) == sorted(ids)
    assert len(enqueued) == len(set(enqueued))
    assert set(PostTarget.objects.values_list("state", flat=True)) == {TargetState.QUEUED}
