"""Two targets of one post finishing at the same instant, each on its own connection: the
post's derived status must end where its targets are (PostgreSQL, READ COMMITTED).

Without a lock on the post, each transaction reads the other target as still publishing
(neither has committed), both derive "publishing", and the post stays "Publishing"
although both are out. The tests hold each transaction open after its own write until
the other one has written too (or is waiting for a lock), so that interleaving happens
on every run, not by chance."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from posts import publishing
from posts.models import Post, PostStatus, PostTarget, TargetState
from smm.platforms.base import Permanent, PublishResult

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"),
]

BOUND = 20.0  # seconds any wait below may take before the test fails


@pytest.fixture
def two_publishing_targets(engine_world, make_account):
    """One post on two accounts, both targets publishing (their network calls in flight)."""
    world = engine_world
    second = make_account(world["brand"], handle="@northwind_two", base_url="https://mastodon.example")
    now = timezone.now()
    post = Post.objects.create(
        workspace=world["ws"], brand=world["brand"], author=world["editor"], text="Both at once", scheduled_at=now
    )
    targets = [
        PostTarget.objects.create(
            post=post,
            account=account,
            state=TargetState.PUBLISHING,
            due_at=now,
            attempts=1,
            locked_until=now + timezone.timedelta(seconds=150),
        )
        for account in (world["account"], second)
    ]
    Post.objects.filter(pk=post.pk).update(status=PostStatus.PUBLISHING)
    return post, targets


def _admin_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )


def _run_side_by_side(jobs, marker: str):
    """Run each job in its own thread and connection, released together. A job's
    transaction, once its statement containing ``marker`` has run, waits until the other
    job has run that statement too or is waiting for a row lock (then it may go on)."""
    start = threading.Barrier(len(jobs))
    written = [threading.Event() for _ in jobs]
    pids: list[int | None] = [None] * len(jobs)
    errors: list[BaseException] = []
    results: list = [None] * len(jobs)
    watcher = _admin_connection()
    watcher_lock = threading.Lock()

    def other_is_blocked(other: int) -> bool:
        with watcher_lock:
            row = watcher.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pids[other],)
            ).fetchone()
        return row is not None and row[0] == "Lock"

    def wait_for_the_other(me: int) -> None:
        other = 1 - me
        deadline = timezone.now() + timezone.timedelta(seconds=BOUND)
        while not written[other].wait(timeout=0.01):
            if pids[other] is not None and other_is_blocked(other):
                return
            if timezone.now() > deadline:
                raise AssertionError("the other transaction neither wrote nor waited for a lock in time")

    def run(me: int, job) -> None:
        def hold_after_marker(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if marker in sql and not written[me].is_set():
                written[me].set()
                wait_for_the_other(me)
            return result

        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids[me] = cursor.fetchone()[0]
            start.wait(timeout=BOUND)
            with connection.execute_wrapper(hold_after_marker):
                results[me] = job()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
            written[me].set()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=BOUND * 2)
    finally:
        watcher.close()
    assert not any(thread.is_alive() for thread in threads), "a transaction never finished"
    assert not errors, errors
    return results


def _loaded(target: PostTarget) -> PostTarget:
    # as the claim hands it to the engine: with its post, workspace and account
    return PostTarget.objects.select_related("post__workspace", "post__brand", "account").get(pk=target.pk)


def _result(n: int) -> PublishResult:
    return PublishResult(
        remote_id=f"11000{n}", url=f"https://mastodon.example/@northwind/11000{n}", published_at=timezone.now()
    )


def test_two_targets_recorded_at_the_same_instant_leave_the_post_published(two_publishing_targets):
    # given a post whose two targets are both publishing
    post, targets = two_publishing_targets
    first, second = (_loaded(t) for t in targets)

    # when both are recorded as published at the same instant, each in its own transaction
    outcomes = _run_side_by_side(
        [
            lambda: publishing.record_published(first, _result(1)),
            lambda: publishing.record_published(second, _result(2)),
        ],
        marker="post.published",
    )

    # then both are published, and so is the post: not left "Publishing"
    assert outcomes == ["published", "published"]
    assert set(PostTarget.objects.filter(post=post).values_list("state", flat=True)) == {TargetState.PUBLISHED}
    assert Post.objects.get(pk=post.pk).status == PostStatus.PUBLISHED


def test_one_target_published_and_its_sibling_failed_at_once_leave_the_post_partially_published(
    two_publishing_targets,
):
    # given a post whose two targets are both publishing
    post, targets = two_publishing_targets
    first, second = (_loaded(t) for t in targets)

    def fail_second():
        with transaction.atomic():
            return publishing._fail(
                second, Permanent("Text too long", user_message="The text is too long."), "permanent"
            )

    # when one is recorded as published while the other fails, at the same instant
    outcomes = _run_side_by_side(
        [lambda: publishing.record_published(first, _result(1)), fail_second],
        marker='"state" =',  # each one's own write of its target's state
    )

    # then the post says what happened to both: partially published
    assert outcomes == ["published", "failed"]
    assert Post.objects.get(pk=post.pk).status == PostStatus.PARTIALLY_PUBLISHED
