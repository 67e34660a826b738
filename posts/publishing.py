"""The publishing engine: it drives targets through the state machine of posts/states.py.

DESIGN.md "Publishing: the invariants"; the Celery wrappers are in posts/tasks.py, which
imports this module (never the other way: publish tasks are sent by name).

- ``dispatch_due``: claims due targets with SELECT ... FOR UPDATE SKIP LOCKED in bounded
  batches, marks them queued with a lease, and enqueues one publish task each after commit.
- ``publish_target``: accepts only a queued target, takes the publishing lease, calls the
  adapter with the target's idempotency key, and records the result atomically; errors are
  retried (Retry-After, capped exponential backoff with jitter), failed, or resolved.
- ``sweep``: re-queues targets whose queued lease expired (broker lost the message) and
  resolves those whose publishing lease expired (worker died mid-call) through the
  adapter's ``lookup_published``: published, certainly not sent (retry), or unknown.

The composer's contract: set a target to SCHEDULED with ``due_at`` (the scheduled time, or
now for "publish now"); the dispatcher does the rest.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import random
import time
from collections.abc import Iterable
from typing import NamedTuple
from zoneinfo import ZoneInfo

import psycopg
import requests
from django.conf import settings
from django.db import transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Case, F, Value, When
from django.utils import timezone

from posts import events
from posts.models import FirstCommentStatus, Post, PostMedia, PostStatus, PostTarget, TargetState
from posts.states import (
    ALLOWED_TRANSITIONS,
    bulk_transition,
    derive_status,
    refresh_post_status,
    refresh_posts_status,
    transition_if,
)
from smm.celery import app as celery_app
from smm.models import AuditEvent, Brand, SocialAccount, Workspace
from smm.models_api import WebhookEndpoint
from smm.network_urls import http_url
from smm.platforms.base import (
    AuthExpired,
    OutcomeUnknown,
    Permanent,
    PlatformError,
    PostContent,
    PublishAttempt,
    PublishResult,
    RateLimited,
    StillProcessing,
    Transient,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 200  # targets claimed per dispatcher transaction
# Seconds one dispatcher run may spend claiming batches. A run that stops early leaves
# the rest to the next tick, whose message waits behind every publish task already
# queued (same queue, FIFO): a 5 s budget made a 2,000-post burst wait ~30 s for its
# second half. Well under the task's soft time limit (50 s).
DISPATCH_BUDGET = 30.0
SWEEP_BATCH = 500
MAX_ATTEMPTS = 8  # transient failures before a target fails for good
MAX_RATE_LIMITED_ATTEMPTS = 16  # a network that never stops saying "slow down"
BACKOFF_CAP = 30 * 60  # seconds
# Tries at resolving an unknown outcome before asking a person. Looking up is safe to
# repeat (the idempotency key, the stored record key or container), and a flaky network
# can lose several answers in a row: a 40 % loss rate loses five in a row about once in
# a hundred posts, so five tries asked people about posts that were fine.
MAX_LOOKUPS = 12
PUBLISH_TASK = "posts.tasks.publish_target"
_DEFAULT_TIMINGS = {"lease": 150, "queue_lease": 120, "sweep": 15, "retry_base": 30, "retry_cap": BACKOFF_CAP}


def timing(key: str) -> int:
    """Seconds for ``lease`` (publishing), ``queue_lease``, ``sweep``, ``retry_base`` or ``retry_cap``."""
    return int((getattr(settings, "PUBLISH_TIMINGS", None) or {}).get(key, _DEFAULT_TIMINGS[key]))


# --- retry timing ----------------------------------------------------------------------


def retry_delay(attempts: int, *, base: float | None = None, cap: float | None = None) -> float:
    """Capped exponential backoff with jitter: base * 2^(attempts-1), capped, times 1-1.25.

    With the default 30 s base: ~30 s, 1 min, 2 min, 4 min, 8 min, 16 min, 30 min."""
    base = timing("retry_base") if base is None else base
    cap = timing("retry_cap") if cap is None else cap
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * random.uniform(1.0, 1.25)


def rate_limit_delay(retry_after: float | None, attempts: int) -> float:
    """What the network asked for, plus a little jitter so a crowd does not return at once."""
    if retry_after is None or retry_after < 0:
        return retry_delay(attempts)
    return retry_after + random.uniform(0, min(5.0, 0.5 + 0.1 * retry_after))


# --- dispatcher --------------------------------------------------------------------------


def dispatch_due(*, batch_size: int = BATCH_SIZE, budget: float = DISPATCH_BUDGET) -> int:
    """Claim every due target (in batches, within ``budget`` seconds); returns how many."""
    started = time.monotonic()
    total = 0
    while True:
        claimed = claim_batch(batch_size)
        total += len(claimed)
        if len(claimed) < batch_size or time.monotonic() - started > budget:
            return total


def claim_batch(batch_size: int = BATCH_SIZE) -> list[int]:
    """One transaction: lock up to ``batch_size`` due targets (skipping rows another
    dispatcher holds), mark them queued with a lease, enqueue their tasks after commit."""
    now = timezone.now()
    with transaction.atomic():
        _skip_too_late(now, batch_size)
        ids = list(
            PostTarget.objects.due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        moved = bulk_transition(
            ids,
            TargetState.SCHEDULED,
            TargetState.QUEUED,
            queued_at=now,
            locked_until=now + dt.timedelta(seconds=timing("queue_lease")),
        )
        if moved:
            refresh_posts_status(PostTarget.objects.filter(pk__in=moved).order_by().values_list("post_id", flat=True))
            transaction.on_commit(lambda: enqueue_publish(moved))
    return moved


def _skip_too_late(now, batch_size: int) -> None:
    """Due targets whose post may not go out this late (``Post.publish_by`` passed: a
    repeating post's occurrence after downtime or a pause) are cancelled, with a history
    line saying why, instead of being sent late. One query when there are none."""
    late = list(
        PostTarget.objects.due(now)
        .filter(post__publish_by__lt=now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("post__brand", "account")
        .order_by("due_at", "pk")[:batch_size]
    )
    if not late:
        return
    message = "Skipped: it was due at {due} and could not be sent in time (a repeating post does not go out late)."
    moved = set(
        bulk_transition(
            [t.pk for t in late],
            TargetState.SCHEDULED,
            TargetState.CANCELLED,
            error_kind="late",
            error_user_message="Not sent: its time passed while SMM could not send it.",
        )
    )
    for target in late:
        if target.pk in moved:
            due = timezone.localtime(target.due_at, _zone_for(target.post)).strftime("%a %d %b %Y %H:%M")
            _write_history(target, "target.skipped_late", f"{_where(target)}: " + message.format(due=due))
    refresh_posts_status({t.post_id for t in late if t.pk in moved})


def _zone_for(post):
    try:
        return ZoneInfo(post.brand.time_zone)
    except Exception:  # noqa: BLE001 - a bad zone name must not stop the dispatcher
        return dt.UTC


ENQUEUE_PIPELINE = 50  # messages sent to the broker per round trip


def enqueue_publish(ids: Iterable[int]) -> None:
    """Send one publish task per target. A message that cannot be sent is not lost: the
    target stays queued and the sweeper sends it again when its lease expires. Sent by
    name: the task module imports the engine, not the other way round."""
    # One broker connection for the whole batch, and the messages go out in pipelines of
    # ENQUEUE_PIPELINE (one round trip each; on Redis kombu batches them): a message sent
    # alone cost the dispatcher ~0.15 ms more CPU. A failed pipeline may have delivered
    # some of its messages: a duplicate message is harmless (only a queued target is taken).
    with celery_app.producer_or_acquire() as producer:
        pending = list(ids)
        while pending:
            chunk, pending = pending[:ENQUEUE_PIPELINE], pending[ENQUEUE_PIPELINE:]
            try:
                with producer.batch(max_size=ENQUEUE_PIPELINE):
                    for pk in chunk:
                        celery_app.send_task(PUBLISH_TASK, (pk,), producer=producer, ignore_result=True)
            except Exception:
                logger.exception(
                    "Could not enqueue publish tasks for targets %s; the sweeper will retry", ", ".join(map(str, chunk))
                )


# --- the publish task ------------------------------------------------------------------


def publish_target(target_id: int) -> str:
    """Publish one queued target. Safe to run twice: only a QUEUED target is taken."""
    now = timezone.now()
    target = _claim(target_id, now)
    if target is not None:
        if target.post.status != PostStatus.PUBLISHING:
            with transaction.atomic():
                _lock_post(target.post)
                refresh_post_status(target.post)
        return _perform(target)
    # Not claimed: not queued any more (another run took it), or held (paused brand,
    # disconnected account): the locked path below tells which and acts on it.
    with transaction.atomic():
        target = (
            PostTarget.objects.select_for_update(of=("self",))
            .select_related("post__brand__workspace", "post__workspace", "account")
            .filter(pk=target_id)
            .order_by()  # one row by its key: no ORDER BY over the joined account
            .first()
        )
        if target is None or target.state != TargetState.QUEUED:
            return "skipped"
        if target.post.brand.paused or target.account.status != SocialAccount.Status.CONNECTED:
            # Paused or disconnected since it was claimed: back to waiting, untouched.
            transition_if(target, TargetState.QUEUED, TargetState.SCHEDULED, locked_until=None, queued_at=None)
            refresh_post_status(target.post)
            return "held"
        if not transition_if(
            target,
            TargetState.QUEUED,
            TargetState.PUBLISHING,
            attempts=target.attempts + 1,
            locked_until=now + dt.timedelta(seconds=timing("lease")),
        ):
            return "skipped"
        if target.post.status != PostStatus.PUBLISHING:
            # queued -> publishing never changes what derive_status says (both count as
            # "publishing"), and the claim already stored that; only a post whose stored
            # status is out of date needs the recount.
            refresh_post_status(target.post)
    return _perform(target)


# The claim in one statement (autocommit): queued -> publishing with the lease, only if the
# row is still queued, its brand not paused and its account connected; the UPDATE locks the
# row, so two runs cannot both win. It returns the target with its post, brand, workspace
# and account, which the rest of the publish needs: one round trip instead of a locking
# SELECT with five joins, the UPDATE and the transaction's BEGIN and COMMIT.
assert TargetState.PUBLISHING in ALLOWED_TRANSITIONS[TargetState.QUEUED]
_CLAIM_MODELS = (("t", PostTarget), ("p", Post), ("b", Brand), ("w", Workspace), ("a", SocialAccount))


@functools.cache
def _claim_sql() -> tuple[str, tuple]:
    target, post, brand, workspace, account = (model._meta for _, model in _CLAIM_MODELS)
    media = PostMedia._meta
    select = ", ".join(
        f'{alias}."{field.column}"' for alias, model in _CLAIM_MODELS for field in model._meta.concrete_fields
    )
    # Names from the models' metadata, values as parameters.
    sql = f"""
        WITH claimed AS (
            UPDATE "{target.db_table}" AS t
               SET "state" = %(to)s, "updated_at" = %(now)s, "attempts" = t."attempts" + 1,
                   "locked_until" = %(lease)s
              FROM "{post.db_table}" AS p, "{brand.db_table}" AS b, "{account.db_table}" AS a
             WHERE t."id" = %(id)s AND t."state" = %(from)s
               AND p."id" = t."post_id" AND b."id" = p."brand_id" AND NOT b."paused"
               AND a."id" = t."account_id" AND a."status" = %(connected)s
         RETURNING t.*
        )
        SELECT {select},
               EXISTS (SELECT 1 FROM "{media.db_table}" AS m WHERE m."post_id" = t."post_id")
          FROM claimed AS t
          JOIN "{post.db_table}" AS p ON p."id" = t."post_id"
          JOIN "{brand.db_table}" AS b ON b."id" = p."brand_id"
          JOIN "{workspace.db_table}" AS w ON w."id" = p."workspace_id"
          JOIN "{account.db_table}" AS a ON a."id" = t."account_id"
    """  # noqa: S608
    return sql, tuple((model, model._meta.concrete_fields) for _, model in _CLAIM_MODELS)


def _server_bound_cursor(connection) -> CursorWrapper:
    """A cursor that sends the values apart from the statement (psycopg's own binding, not
    the client-side binding Django's cursors use): psycopg then prepares a statement it
    has run a few times (``prepare_threshold``, 5 by default; a DATABASE_URL option), so
    PostgreSQL parses and plans the engine's hot statements once per connection instead
    of once per publish. Wrapped as Django wraps its own (execute wrappers and the query
    log see it)."""
    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def _from_row(model, fields, values, connection):
    """A model instance from raw column values, converted as the ORM converts them
    (JSON decoded, encrypted fields decrypted)."""
    converted = []
    for field, value in zip(fields, values, strict=True):
        col = field.get_col(model._meta.db_table)
        for converter in connection.ops.get_db_converters(col) + field.get_db_converters(connection):
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def _claim(target_id: int, now) -> PostTarget | None:
    """Take a queued target in one statement (PostgreSQL); None if it was not taken. Other
    databases (SQLite in development) take it with the locked path of ``publish_target``."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return None
    sql, layout = _claim_sql()
    params = {
        "id": target_id,
        "from": TargetState.QUEUED,
        "to": TargetState.PUBLISHING,
        "now": now,
        "lease": now + dt.timedelta(seconds=timing("lease")),
        "connected": SocialAccount.Status.CONNECTED,
    }
    with _server_bound_cursor(connection) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for model, fields in layout:
        objects.append(_from_row(model, fields, row[start : start + len(fields)], connection))
        start += len(fields)
    target, post, brand, workspace, account = objects
    brand.workspace = workspace if brand.workspace_id == workspace.pk else brand.workspace
    post.brand, post.workspace = brand, workspace
    target.post, target.account = post, account
    # build_content reads the post's media only when there are some (most posts: none).
    post.media_rows_exist = row[start]
    return target


@functools.cache
def _save_state_sql(renew: bool) -> str:
    target = PostTarget._meta
    lease = ', "locked_until" = CASE WHEN "state" = %s THEN %s ELSE "locked_until" END' if renew else ""
    return f'UPDATE "{target.db_table}" SET "publish_state" = %s::jsonb{lease} WHERE "id" = %s'  # noqa: S608


def _attempt(target: PostTarget) -> PublishAttempt:
    lease_until = target.locked_until  # as the claim (or the sweeper) set it

    def save_state(state: dict) -> None:
        # One UPDATE, committed on its own before the adapter's next step (autocommit):
        # the same guarantee as an atomic block, without its BEGIN/COMMIT round trips.
        # A long upload remembers each chunk as it goes: that also renews the publishing
        # lease, so the sweeper never takes a target whose worker is still sending it.
        # A lease with 90 % of its time left is not renewed: the first step of most
        # publishes comes milliseconds after the claim, and leaving the indexed column
        # alone lets PostgreSQL update the row in place (HOT).
        nonlocal lease_until
        seconds = timing("lease")
        now = timezone.now()
        renew = lease_until is None or (lease_until - now).total_seconds() < 0.9 * seconds
        lease = now + dt.timedelta(seconds=seconds)
        connection = transaction.get_connection()
        if connection.vendor == "postgresql":
            # Written by hand: the ORM's compilation of this CASE cost more CPU than the
            # round trip (one per publish, before the network call).
            params = (
                [json.dumps(state), TargetState.PUBLISHING, lease, target.pk]
                if renew
                else [json.dumps(state), target.pk]
            )
            with _server_bound_cursor(connection) as cursor:
                cursor.execute(_save_state_sql(renew), params)
        elif renew:
            PostTarget.objects.filter(pk=target.pk).update(
                publish_state=state,
                locked_until=Case(When(state=TargetState.PUBLISHING, then=Value(lease)), default=F("locked_until")),
            )
        else:
            PostTarget.objects.filter(pk=target.pk).update(publish_state=state)
        if renew:
            lease_until = lease
        target.publish_state = state

    return PublishAttempt(
        idempotency_key=str(target.idempotency_key),
        state=dict(target.publish_state or {}),
        save_state=save_state,
    )


def _perform(target: PostTarget) -> str:
    from posts.content import build_content

    try:
        adapter = target.account.adapter()
        content = build_content(target)
    except Permanent as exc:
        return _fail(target, exc, "permanent")
    except Exception as exc:  # nothing was sent yet: safe to retry
        logger.exception("Could not prepare target %s", target.pk)
        return _retry_or_fail(target, Transient(f"Could not prepare the post: {exc}"), "transient")
    return _send(target, adapter, target.account.context(), content, _attempt(target))


def _send(target: PostTarget, adapter, account, content: PostContent, attempt: PublishAttempt) -> str:
    """Send the target (every part of a thread still to go), then record it; errors are
    classified here. Called again by ``resolve`` when a lookup found a part and more remain."""
    refreshed = False
    while True:
        try:
            result = publish_thread(
                adapter, account, content, attempt, thread_parts(target, adapter), on_part=_part_history(target)
            )
        except AuthExpired as exc:
            if adapter.supports_refresh and not refreshed:
                refreshed = True
                try:
                    adapter.refresh(account)
                    continue
                except PlatformError as refresh_exc:
                    logger.info("Refreshing %s failed: %s", target.account, refresh_exc)
            return _auth_failed(target, exc)
        except StillProcessing as exc:
            return _wait_for_network(target, exc)
        except OutcomeUnknown as exc:
            if isinstance(exc.__cause__, requests.Timeout):
                # The network may still be working on it: let it settle before looking.
                return _defer_lookup(target, exc, settle=min(60, timing("lease")))
            return resolve(target, adapter, account, content, attempt, evidence=exc.message)
        except RateLimited as exc:
            delay = rate_limit_delay(exc.retry_after, target.attempts)
            return _retry_or_fail(target, exc, "rate_limited", delay=delay, max_attempts=MAX_RATE_LIMITED_ATTEMPTS)
        except Transient as exc:
            return _retry_or_fail(target, exc, "transient")
        except Permanent as exc:
            return _fail(target, exc, "permanent")
        except Exception as exc:
            # A bug or a parse failure after the request went out: never blindly retried.
            logger.exception("Unexpected error publishing target %s", target.pk)
            return resolve(target, adapter, account, content, attempt, evidence=f"Unexpected error: {exc!r}")
        return record_published(target, result)


def record_published(target: PostTarget, result: PublishResult) -> str:
    with transaction.atomic():
        if transaction.get_connection().vendor == "postgresql":
            won = _record_in_one_statement(target, result)
            if won is None:
                return "published-elsewhere"
            if won.siblings:
                _store_derived_status(target.post)
            else:
                target.post.status = PostStatus.PUBLISHED  # stored by the statement
            if won.webhooks:
                events.target_published(target)
            _first_comment_next(target)
            return "published"
        won = transition_if(
            target,
            [TargetState.PUBLISHING, TargetState.UNKNOWN],
            TargetState.PUBLISHED,
            remote_id=str(result.remote_id)[:255],
            remote_url=http_url(result.url, max_length=1000),
            published_at=result.published_at or timezone.now(),
            locked_until=None,
            error_kind="",
            error_message="",
            error_user_message="",
        )
        if not won:
            current = PostTarget.objects.filter(pk=target.pk).order_by().values_list("state", flat=True).first()
            logger.warning("Target %s was published (%s) but is now %s", target.pk, result.remote_id, current)
            return "published-elsewhere"
        refresh_post_status(target.post)
        events.target_published(target)
        _write_history(target, "post.published", f"Published on {_where(target)}", url=target.remote_url)
        _first_comment_next(target)
    return "published"


def _first_comment_next(target: PostTarget) -> None:
    if target.first_comment.strip() and not target.first_comment_status:
        # Its own step, after the post: its failure never fails the post.
        PostTarget.objects.filter(pk=target.pk).update(
            first_comment_status=FirstCommentStatus.PENDING, first_comment_due=timezone.now()
        )
        target.first_comment_status = FirstCommentStatus.PENDING
        transaction.on_commit(lambda: _first_comment_soon(target.pk))


class _Recorded(NamedTuple):
    siblings: bool  # the post has other targets (its status was left to derive)
    webhooks: bool  # the workspace has an active webhook endpoint


def _lock_post(post: Post) -> None:
    """Lock the post's row for the rest of the transaction and read its status afresh.

    Whoever changes a target's state and then derives the post's status takes this lock
    first, before the target's row (the order posts/actions.py takes them in, so no
    deadlock). Under READ COMMITTED each statement after it sees every sibling target
    committed before the lock was granted: two targets finishing at the same instant can
    no longer each read the other as still publishing and leave the post "Publishing".
    (SQLite serialises writers; the lock is a no-op there.)"""
    status = Post.objects.select_for_update(no_key=True).filter(pk=post.pk).values_list("status", flat=True).first()
    if status is not None:
        post.status = status


@functools.cache
def _derived_status_sql() -> str:
    post, target = Post._meta, PostTarget._meta
    return f"""
        SELECT p."status", ARRAY(SELECT t."state" FROM "{target.db_table}" AS t WHERE t."post_id" = p."id")
          FROM "{post.db_table}" AS p WHERE p."id" = %s
    """  # noqa: S608


def _store_derived_status(post: Post) -> None:
    """The post's status from its targets' states read now, stored if it changed. The
    caller holds the post's lock (taken by the record statement), so this read, a new
    statement, sees every sibling that finished before it."""
    with _server_bound_cursor(transaction.get_connection()) as cursor:
        cursor.execute(_derived_status_sql(), [post.pk])
        current, states = cursor.fetchone()
    status = derive_status(states)  # a target was just published: never "changes requested"
    if status != current:
        Post.objects.filter(pk=post.pk).update(status=status)
    post.status = status


@functools.cache
def _record_sql() -> str:
    target, audit, hooks, post = PostTarget._meta, AuditEvent._meta, WebhookEndpoint._meta, Post._meta
    # Names from the models' metadata, values as parameters. The post's row is locked
    # first (the sub-select runs before the target's row is updated), see _lock_post.
    return f"""
        WITH post AS (
            SELECT "id" FROM "{post.db_table}" WHERE "id" = %(post_id_int)s FOR NO KEY UPDATE
        ), won AS (
            UPDATE "{target.db_table}"
               SET "state" = %(to)s, "updated_at" = %(now)s, "remote_id" = %(remote_id)s,
                   "remote_url" = %(remote_url)s, "published_at" = %(published_at)s, "locked_until" = NULL,
                   "error_kind" = '', "error_message" = '', "error_user_message" = ''
             WHERE "id" = %(id)s AND "state" = ANY(%(expected)s) AND "post_id" = (SELECT "id" FROM post)
         RETURNING "id"
        ), alone AS (
            UPDATE "{post.db_table}" SET "status" = %(published)s
             WHERE "id" = %(post_id_int)s AND "status" <> %(published)s AND EXISTS (SELECT 1 FROM won)
               AND NOT EXISTS (SELECT 1 FROM "{target.db_table}" WHERE "post_id" = %(post_id_int)s AND "id" <> %(id)s)
        ), history AS (
            INSERT INTO "{audit.db_table}"
                   ("workspace_id", "actor_id", "verb", "subject_type", "subject_id", "message", "data", "created_at")
            SELECT %(workspace_id)s, NULL, 'post.published', 'posts.post', %(post_id)s, %(message)s,
                   %(data)s::jsonb, %(now)s
              FROM won
        )
        SELECT EXISTS (SELECT 1 FROM won),
               EXISTS (SELECT 1 FROM "{target.db_table}" WHERE "post_id" = %(post_id_int)s AND "id" <> %(id)s),
               EXISTS (SELECT 1 FROM "{hooks.db_table}" WHERE "workspace_id" = %(workspace_id)s AND "active")
    """  # noqa: S608


def _record_in_one_statement(target: PostTarget, result: PublishResult) -> _Recorded | None:
    """publishing/unknown -> published with the remote id, URL and time, and the history
    line, in one statement (the same compare-and-set as ``transition_if``), the post's row
    locked first; a post with no other target is marked published in it too. It also says
    whether the post has other targets (then the caller derives its status, under the
    lock) and whether the workspace has a webhook endpoint at all. None if another run
    recorded the target first."""
    assert TargetState.PUBLISHED in ALLOWED_TRANSITIONS[TargetState.PUBLISHING]
    assert TargetState.PUBLISHED in ALLOWED_TRANSITIONS[TargetState.UNKNOWN]
    now = timezone.now()
    changes = {
        "remote_id": str(result.remote_id)[:255],
        "remote_url": http_url(result.url, max_length=1000),
        "published_at": result.published_at or now,
    }
    message = f"Published on {_where(target)}"[:500]
    with _server_bound_cursor(transaction.get_connection()) as cursor:
        cursor.execute(
            _record_sql(),
            {
                **changes,
                "to": TargetState.PUBLISHED,
                "published": PostStatus.PUBLISHED,
                "now": now,
                "id": target.pk,
                "expected": [str(TargetState.PUBLISHING), str(TargetState.UNKNOWN)],
                "workspace_id": target.post.workspace_id,
                "post_id": str(target.post_id),
                "post_id_int": target.post_id,
                "message": message,
                "data": json.dumps({"target": target.pk, "url": changes["remote_url"]}),
            },
        )
        won, siblings, webhooks = cursor.fetchone()
    if not won:
        current = PostTarget.objects.filter(pk=target.pk).order_by().values_list("state", flat=True).first()
        logger.warning("Target %s was published (%s) but is now %s", target.pk, result.remote_id, current)
        return None
    target.state, target.updated_at, target.locked_until = TargetState.PUBLISHED, now, None
    target.error_kind = target.error_message = target.error_user_message = ""
    for name, value in changes.items():
        setattr(target, name, value)
    return _Recorded(siblings=siblings, webhooks=webhooks)


def _first_comment_soon(target_id: int) -> None:
    try:
        publish_first_comment(target_id)
    except Exception:  # the sweeper tries again; the post itself is recorded
        logger.exception("First comment of target %s could not be sent now", target_id)


def _where(target: PostTarget) -> str:
    return f"{target.account.network_label} ({target.account.handle})"


def _write_history(target: PostTarget, verb: str, message: str, **data) -> None:
    """A line of the post's history (posts.views reads them), written by no person, in the
    transaction that made the change: one INSERT, nothing read (the post's workspace id is
    on the row already)."""
    AuditEvent.objects.create(
        workspace_id=target.post.workspace_id,
        verb=verb,
        subject_type="posts.post",
        subject_id=str(target.post_id),
        message=message[:500],
        data={"target": target.pk, **data},
    )


def _wait_for_network(target: PostTarget, exc: StillProcessing) -> str:
    """The network is still processing what we uploaded (a video): back to waiting, due
    again after ``check_after`` seconds. No worker waits meanwhile, and the wait is not a
    failed attempt (the claim counted one: it is given back). A history line says so once."""
    due = timezone.now() + dt.timedelta(seconds=exc.check_after)
    first_wait = target.error_kind != "processing"
    with transaction.atomic():
        _lock_post(target.post)
        won = transition_if(
            target,
            TargetState.PUBLISHING,
            TargetState.SCHEDULED,
            due_at=due,
            attempts=max(0, target.attempts - 1),
            locked_until=None,
            queued_at=None,
            error_kind="processing",
            error_message=exc.message[:5000],
            error_user_message=exc.user_message[:1000],
        )
        if won:
            refresh_post_status(target.post)
            if first_wait:
                _write_history(target, "post.processing", f"Uploaded to {_where(target)}; waiting for it to process")
    return "processing" if won else "lost-lease"


def _retry_or_fail(
    target: PostTarget,
    exc: PlatformError,
    kind: str,
    *,
    delay: float | None = None,
    max_attempts: int = MAX_ATTEMPTS,
    expected: str = TargetState.PUBLISHING,
) -> str:
    if target.attempts >= max_attempts:
        return _fail(target, exc, kind, note=f" We tried {target.attempts} times.", expected=expected)
    if delay is None:
        delay = retry_delay(target.attempts)
    due = timezone.now() + dt.timedelta(seconds=delay)
    with transaction.atomic():
        _lock_post(target.post)
        won = transition_if(
            target,
            expected,
            TargetState.SCHEDULED,
            due_at=due,
            locked_until=None,
            queued_at=None,
            error_kind=kind,
            error_message=exc.message[:5000],
            error_user_message=exc.user_message[:1000],
        )
        if won:
            refresh_post_status(target.post)
    return "retry" if won else "lost-lease"


def _fail(
    target: PostTarget, exc: PlatformError, kind: str, *, note: str = "", expected: str = TargetState.PUBLISHING
) -> str:
    from posts import notifications

    user_message = exc.user_message
    if user_message == exc.message:
        user_message = f"{target.account.network_label} refused the post: {exc.message}"
    with transaction.atomic():
        _lock_post(target.post)
        won = transition_if(
            target,
            expected,
            TargetState.FAILED,
            locked_until=None,
            error_kind=kind,
            error_message=exc.message[:5000],
            error_user_message=(user_message + note)[:1000],
        )
        if won:
            refresh_post_status(target.post)
            events.target_failed(target)
            _write_history(target, "post.failed", f"Failed on {_where(target)}: {target.error_user_message}", kind=kind)
            transaction.on_commit(lambda: notifications.target_failed(target.pk))
    return "failed" if won else "lost-lease"


def _auth_failed(target: PostTarget, exc: PlatformError) -> str:
    from posts import notifications

    account = target.account
    label = account.network_label
    with transaction.atomic():
        locked = SocialAccount.objects.select_for_update().get(pk=account.pk)
        newly = locked.status == SocialAccount.Status.CONNECTED
        if newly:
            locked.mark_needs_reconnect(f"{label} refused our access: {exc.message}"[:300])
            events.account_needs_reconnect(locked)
            transaction.on_commit(lambda: notifications.account_needs_reconnect(account.pk))
    plain = PlatformError(
        exc.message,
        user_message=f"{label} no longer accepts SMM's access to {account.handle}. "
        "Reconnect the account, then retry this post.",
    )
    return _fail(target, plain, "auth")


def _mark_unknown(target: PostTarget, evidence: str, expected: str = TargetState.PUBLISHING) -> str:
    from posts import notifications

    with transaction.atomic():
        _lock_post(target.post)
        won = transition_if(
            target,
            expected,
            TargetState.UNKNOWN,
            locked_until=None,
            error_kind="unknown",
            error_message=evidence[:5000],
            error_user_message=(
                f"We could not confirm whether this post reached {target.account.network_label}. "
                f"Look at {target.account.handle}: if the post is there, choose “It is on "
                f"{target.account.network_label}”; if it is not, “It is not there: send it again”."
            ),
        )
        if won:
            refresh_post_status(target.post)
            _write_history(
                target, "post.outcome_unknown", f"Could not confirm it reached {_where(target)}: someone needs to look"
            )
            transaction.on_commit(lambda: notifications.target_unknown(target.pk))
    return "unknown" if won else "lost-lease"


def _defer_lookup(target: PostTarget, exc: PlatformError, *, settle: float) -> str:
    """Keep the target publishing with a short lease; the sweeper resolves it after."""
    lookups = int((target.publish_state or {}).get("lookups", 0))
    if lookups >= MAX_LOOKUPS:
        return _mark_unknown(target, f"{exc.message} (after {lookups} tries at finding out)")
    state = {**(target.publish_state or {}), "lookups": lookups + 1}
    # Wait a little longer after each lost answer (up to three times the first wait).
    settle *= min(lookups + 1, 3)
    updated = PostTarget.objects.filter(pk=target.pk, state=TargetState.PUBLISHING).update(
        locked_until=timezone.now() + dt.timedelta(seconds=settle),
        publish_state=state,
        error_kind="unknown",
        error_message=exc.message[:5000],
        updated_at=timezone.now(),
    )
    target.publish_state = state
    return "resolving" if updated else "lost-lease"


def resolve(target, adapter, account, content, attempt: PublishAttempt, *, evidence: str, retry_now=False) -> str:
    """Decide an unknown outcome through the network: published, certainly not sent
    (back to scheduled), or unknown for a person with the evidence kept."""
    try:
        result = lookup_thread(
            adapter, account, content, attempt, thread_parts(target, adapter), on_part=_part_history(target)
        )
    except OutcomeUnknown as exc:
        if isinstance(exc.__cause__, requests.RequestException):
            # The lookup's own answer was lost: try again shortly.
            return _defer_lookup(target, exc, settle=max(1, timing("sweep")))
        return _mark_unknown(target, f"{evidence}. Lookup: {exc.message}")
    except (RateLimited, Transient) as exc:
        return _defer_lookup(target, exc, settle=max(1, timing("sweep")))
    except Exception as exc:
        logger.exception("Lookup failed for target %s", target.pk)
        return _mark_unknown(target, f"{evidence}. Lookup failed: {exc}")
    if result is MORE_PARTS:
        # The part whose answer was lost is on the network: send the rest now.
        return _send(target, adapter, account, content, attempt)
    if result is not None:
        return record_published(target, result)
    not_sent = Transient(
        f"{evidence}; the network confirms nothing was published",
        user_message="The last attempt did not reach the network; we will try again.",
    )
    return _retry_or_fail(target, not_sent, "transient", delay=0 if retry_now else None)


# --- sweeper -----------------------------------------------------------------------------


def sweep() -> dict[str, int]:
    """Recover targets whose lease expired. Returns counts for the logs."""
    return {"requeued": requeue_expired(), "resolved": resolve_expired(), "first_comments": first_comments_due()}


def requeue_expired() -> int:
    """Queued targets whose task never ran (broker lost it, worker died before starting)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            PostTarget.objects.filter(state=TargetState.QUEUED, locked_until__lt=now)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("locked_until")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        moved = bulk_transition(
            ids,
            TargetState.QUEUED,
            TargetState.QUEUED,
            locked_until=now + dt.timedelta(seconds=timing("queue_lease")),
        )
        if moved:
            logger.warning("Re-queueing %d targets whose queued lease expired", len(moved))
            transaction.on_commit(lambda: enqueue_publish(moved))
    return len(moved)


def resolve_expired() -> int:
    """Publishing targets whose lease expired: the call may have been in flight."""
    from posts.content import build_content

    now = timezone.now()
    count = 0
    candidates = list(
        PostTarget.objects.filter(state=TargetState.PUBLISHING, locked_until__lt=now)
        .order_by("locked_until")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in candidates:
        with transaction.atomic():
            target = (
                PostTarget.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("post__brand__workspace", "account")
                .filter(pk=pk, state=TargetState.PUBLISHING, locked_until__lt=now)
                .order_by()
                .first()
            )
            if target is None:
                continue
            # Take the lease so a second sweeper leaves it alone while we look.
            lease = timezone.now() + dt.timedelta(seconds=timing("lease"))
            if not PostTarget.objects.filter(pk=pk, state=TargetState.PUBLISHING, locked_until__lt=now).update(
                locked_until=lease
            ):
                continue
            target.locked_until = lease
        count += 1
        try:
            adapter = target.account.adapter()
            content = build_content(target)
        except Exception as exc:
            _mark_unknown(target, f"The worker stopped while publishing, and the post cannot be rebuilt: {exc}")
            continue
        resolve(
            target,
            adapter,
            target.account.context(),
            content,
            _attempt(target),
            evidence="The worker stopped while publishing (its lease expired)",
            retry_now=True,
        )
    return count


# --- threads: a post of several parts, each its own exactly-once step ------------------------
#
# Part 1 is the target's text, sent with the target's own attempt (idempotency key, record
# key, container: whatever the adapter keeps). Part n > 1 is a reply to part n-1 with an
# attempt of its own: the key "<target key>:<n>" and its adapter state kept under
# publish_state["parts"]["<n>"]. Each part sent is recorded in publish_state["thread"]
# (remote id, URL, time) before the next one starts, so a retry resumes at the first part
# not recorded, and a lost answer is resolved by looking up that part alone.

# Options that belong to the thread's first post only (a poll, who may reply).
ROOT_ONLY_OPTIONS = ("poll", "reply", "reply_settings")
MORE_PARTS = object()  # lookup_thread: the part was found and more remain to be sent


def thread_parts(target: PostTarget, adapter) -> list[str]:
    """The parts after the first, for a network that publishes threads; else none."""
    if not getattr(adapter, "supports_threads", False):
        return []
    return [part for part in (target.parts or []) if isinstance(part, str) and part.strip()]


def thread_progress(state: dict | None) -> list[dict]:
    """The parts already on the network, in order: [{"id", "url", "at"}, ...]."""
    done = (state or {}).get("thread")
    return list(done) if isinstance(done, list) else []


def _part_content(content: PostContent, text: str, parent_id: str) -> PostContent:
    options = {key: value for key, value in (content.options or {}).items() if key not in ROOT_ONLY_OPTIONS}
    return PostContent(text=text, in_reply_to=parent_id, options=options)


def _part_attempt(attempt: PublishAttempt, number: int) -> PublishAttempt:
    key = str(number)

    def save(state: dict) -> None:
        parts = dict(attempt.state.get("parts") or {})
        parts[key] = state
        attempt.remember(parts=parts)

    own = (attempt.state.get("parts") or {}).get(key) or {}
    return PublishAttempt(idempotency_key=f"{attempt.idempotency_key}:{number}", state=dict(own), save_state=save)


def _record_part(attempt: PublishAttempt, result: PublishResult) -> list[dict]:
    at = result.published_at or timezone.now()
    done = [
        *thread_progress(attempt.state),
        {"id": str(result.remote_id), "url": result.url or "", "at": at.isoformat()},
    ]
    attempt.remember(thread=done)
    return done


def _first_result(done: list[dict]) -> PublishResult:
    first = done[0]
    return PublishResult(
        remote_id=first["id"], url=first.get("url") or "", published_at=dt.datetime.fromisoformat(first["at"])
    )


def publish_thread(
    adapter, account, content: PostContent, attempt: PublishAttempt, parts: list[str], *, on_part=None
) -> PublishResult:
    """Publish the post, then each further part as a reply to the one before; the result
    is the first part (the post's remote id and link). Parts already recorded are skipped.
    ``on_part(number, total, result)`` hears of each further part once it is recorded."""
    if not parts:
        return adapter.publish(account, content, attempt)
    total = len(parts) + 1
    done = thread_progress(attempt.state)
    if not done:
        done = _record_part(attempt, adapter.publish(account, content, attempt))
    while len(done) < total:
        number = len(done) + 1
        try:
            result = adapter.publish(
                account, _part_content(content, parts[number - 2], done[-1]["id"]), _part_attempt(attempt, number)
            )
        except PlatformError as exc:
            if not isinstance(exc, OutcomeUnknown):
                before = "Part 1" if number == 2 else f"Parts 1–{number - 1}"
                exc.user_message = (
                    f"{before} of the thread {'is' if number == 2 else 'are'} on {adapter.label}; "
                    f"part {number} of {total}: {exc.user_message}"
                )
            raise
        done = _record_part(attempt, result)
        if on_part is not None:
            on_part(number, total, result)
    return _first_result(done)


def _part_history(target: PostTarget):
    """A history line per further part of a thread (the post page's live view shows it)."""

    def note(number: int, total: int, result: PublishResult) -> None:
        _write_history(
            target, "post.thread_part", f"Part {number} of {total} published on {_where(target)}", url=result.url
        )

    return note


def lookup_thread(adapter, account, content: PostContent, attempt: PublishAttempt, parts: list[str], *, on_part=None):
    """After a lost answer: look up only the part that was being sent. None: it is not
    there (a retry resumes with it); MORE_PARTS: it is there and more remain; else the
    thread's first part (all are out)."""
    if not parts:
        return adapter.lookup_published(account, content, attempt)
    total = len(parts) + 1
    done = thread_progress(attempt.state)
    if len(done) >= total:
        return _first_result(done)
    if not done:
        found = adapter.lookup_published(account, content, attempt)
    else:
        number = len(done) + 1
        part = _part_content(content, parts[number - 2], done[-1]["id"])
        found = adapter.lookup_published(account, part, _part_attempt(attempt, number))
    if found is None:
        return None
    done = _record_part(attempt, found)
    if on_part is not None and len(done) > 1:
        on_part(len(done), total, found)
    return _first_result(done) if len(done) >= total else MORE_PARTS


# --- the first comment: after the post, its own step -------------------------------------------

FIRST_COMMENT_MAX_ATTEMPTS = 5
# First comments one sweep sends (each a network call): the rest wait for the next sweep,
# so a backlog never holds up the sweeper's own work (expired leases).
FIRST_COMMENT_BATCH = 20


def first_comments_due(limit: int = FIRST_COMMENT_BATCH) -> int:
    """First comments waiting (or whose sender died mid-call): each tried once now."""
    now = timezone.now()
    ids = list(
        PostTarget.objects.filter(
            first_comment_status__in=[FirstCommentStatus.PENDING, FirstCommentStatus.SENDING],
            first_comment_due__lte=now,
            state=TargetState.PUBLISHED,
        )
        .order_by("first_comment_due")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        try:
            publish_first_comment(pk)
        except Exception:
            logger.exception("First comment of target %s failed unexpectedly", pk)
    return len(ids)


def publish_first_comment(target_id: int) -> str:
    """Send the target's first comment once. Before any re-send after an attempt that may
    have reached the network, the post's comments are searched for ours (never twice)."""
    now = timezone.now()
    with transaction.atomic():
        target = (
            PostTarget.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("post__workspace", "account")
            .filter(pk=target_id, state=TargetState.PUBLISHED)
            .order_by()
            .first()
        )
        if target is None or not target.first_comment.strip() or not target.remote_id:
            return "skipped"
        due = target.first_comment_due
        waiting = target.first_comment_status == FirstCommentStatus.PENDING and (due is None or due <= now)
        stale = target.first_comment_status == FirstCommentStatus.SENDING and due is not None and due < now
        if not (waiting or stale):
            return "skipped"
        earlier = target.first_comment_sent_at  # an attempt before may have reached the network
        changes = {
            "first_comment_status": FirstCommentStatus.SENDING,
            "first_comment_due": now + dt.timedelta(seconds=timing("lease")),
            "first_comment_attempts": target.first_comment_attempts + 1,
            "first_comment_sent_at": earlier or now,
        }
        PostTarget.objects.filter(pk=target.pk).update(**changes)
        for name, value in changes.items():
            setattr(target, name, value)
    adapter = target.account.adapter()
    account = target.account.context()
    text = target.first_comment
    try:
        if earlier is not None:
            found = adapter.find_comment(account, target.remote_id, text, since=earlier)
            if found is not None:
                return _comment_done(target, found)
        result = adapter.comment_on_post(account, target.remote_id, text)
    except RateLimited as exc:
        # Refused before it was processed: the next try need not look for it first.
        return _comment_retry(target, exc, rate_limit_delay(exc.retry_after, target.first_comment_attempts), earlier)
    except OutcomeUnknown as exc:
        return _comment_retry(target, exc, retry_delay(target.first_comment_attempts), target.first_comment_sent_at)
    except Transient as exc:
        return _comment_retry(target, exc, retry_delay(target.first_comment_attempts), target.first_comment_sent_at)
    except PlatformError as exc:
        return _comment_end(target, FirstCommentStatus.FAILED, exc.user_message)
    except Exception as exc:
        logger.exception("Unexpected error sending the first comment of target %s", target.pk)
        error = OutcomeUnknown(f"Unexpected error: {exc!r}")
        return _comment_retry(target, error, retry_delay(target.first_comment_attempts), target.first_comment_sent_at)
    return _comment_done(target, result)


def _comment_done(target: PostTarget, result: PublishResult) -> str:
    with transaction.atomic():
        updated = PostTarget.objects.filter(pk=target.pk, first_comment_status=FirstCommentStatus.SENDING).update(
            first_comment_status=FirstCommentStatus.PUBLISHED,
            first_comment_due=None,
            first_comment_remote_id=str(result.remote_id)[:255],
            first_comment_url=http_url(result.url, max_length=1000),
            first_comment_error="",
        )
        if updated:
            _write_history(target, "post.first_comment", f"First comment published on {_where(target)}")
    return "published" if updated else "lost-lease"


def _comment_retry(target: PostTarget, exc: PlatformError, delay: float, sent_at) -> str:
    if target.first_comment_attempts >= FIRST_COMMENT_MAX_ATTEMPTS:
        status = FirstCommentStatus.UNKNOWN if isinstance(exc, OutcomeUnknown) else FirstCommentStatus.FAILED
        note = f" (after {target.first_comment_attempts} tries)"
        if status == FirstCommentStatus.UNKNOWN:
            note += f"; look under the post on {target.account.network_label}"
        return _comment_end(target, status, exc.user_message + note)
    PostTarget.objects.filter(pk=target.pk, first_comment_status=FirstCommentStatus.SENDING).update(
        first_comment_status=FirstCommentStatus.PENDING,
        first_comment_due=timezone.now() + dt.timedelta(seconds=delay),
        first_comment_sent_at=sent_at,
        first_comment_error=f"{exc.user_message} We will try again."[:1000],
    )
    return "retry"


def _comment_end(target: PostTarget, status: str, reason: str) -> str:
    with transaction.atomic():
        updated = PostTarget.objects.filter(pk=target.pk, first_comment_status=FirstCommentStatus.SENDING).update(
            first_comment_status=status, first_comment_due=None, first_comment_error=reason[:1000]
        )
        if updated:
            _write_history(
                target,
                "post.first_comment_failed",
                f"The post is live on {_where(target)}; its first comment failed: {reason}",
            )
    return str(status) if updated else "lost-lease"


__all__ = [
    "dispatch_due",
    "enqueue_publish",
    "publish_target",
    "record_published",
    "resolve",
    "sweep",
    "retry_delay",
    "rate_limit_delay",
]
