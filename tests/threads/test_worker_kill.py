# ruff: noqa: F811 (the engine's integration fixtures are imported by name)
"""Kill -9 the Celery worker right after part 2 of a thread reached the sandbox: the sweeper
resolves the part in doubt through its own Idempotency-Key, a new worker sends what is left,
and every part is on the network exactly once, as a reply chain. Real beat and worker
processes on PostgreSQL + Redis, the sandbox over HTTP (tests/engine/test_integration.py)."""

from __future__ import annotations

import datetime as dt
import signal
import uuid

import pytest
from django.utils import timezone

from posts import publishing
from posts.models import Post, PostTarget, TargetState
from tests.engine.test_integration import _services, engine, redis_db, sandbox_world, wait_for  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_killing_the_worker_after_part_two_posts_each_part_once(engine, sandbox_world, settings):
    from sandbox.models import SandboxStatus

    # given: a slow network (each answer 1.5 s; the status is stored after the wait) and a 4-part thread
    settings.SANDBOX_FAULTS = {"latency_ms": 1500}
    tag = uuid.uuid4().hex[:8]
    texts = [f"Part {n} of the autumn thread [{tag}]" for n in range(1, 5)]
    due = timezone.now() + dt.timedelta(seconds=1)
    account = sandbox_world["accounts"][0]
    post = Post.objects.create(
        workspace=sandbox_world["ws"], brand=sandbox_world["brand"], text=texts[0], scheduled_at=due
    )
    target = PostTarget.objects.create(
        post=post, account=account, text=texts[0], parts=texts[1:], state=TargetState.SCHEDULED, due_at=due
    )
    publishing.refresh_post_status(post)

    def on_sandbox():
        return SandboxStatus.objects.filter(text__contains=f"[{tag}]").count()

    # when: the worker is killed -9 as soon as part 2 is stored (its answer on the way, part 3 next)
    wait_for(lambda: on_sandbox() >= 2, timeout=60, what="part 2 on the sandbox")
    engine.kill("worker", signal.SIGKILL)
    at_kill = on_sandbox()
    assert at_kill in (2, 3)  # part 3 may be in flight: the sandbox finishes what it received
    assert PostTarget.objects.get(pk=target.pk).state == TargetState.PUBLISHING
    # and a new worker starts
    engine.start_worker()

    # then: the thread is published, every part once, each answering the one before
    wait_for(
        lambda: PostTarget.objects.filter(pk=target.pk, state=TargetState.PUBLISHED).exists(),
        timeout=120,
        what="the thread after the kill",
    )
    statuses = {s.text: s for s in SandboxStatus.objects.filter(text__contains=f"[{tag}]")}
    assert sorted(statuses) == sorted(texts), f"on the sandbox: {sorted(statuses)}"
    assert SandboxStatus.objects.filter(text__contains=f"[{tag}]").count() == 4
    chain = [statuses[text] for text in texts]
    assert chain[0].in_reply_to_id is None
    assert [s.in_reply_to_id for s in chain[1:]] == [s.pk for s in chain[:-1]]
    target.refresh_from_db()
    assert target.remote_id == str(chain[0].pk)
    assert [p["id"] for p in target.publish_state["thread"]] == [str(s.pk) for s in chain]
