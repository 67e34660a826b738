"""The publishing state machine: the legal moves of a target, the moves themselves, and the
post's status derived from its targets (DESIGN.md "Publishing: the invariants", 1 and 7).

``transition`` refuses illegal moves (ALLOWED_TRANSITIONS); ``transition_if`` and
``bulk_transition`` are its compare-and-set forms for code that races with workers;
``refresh_post_status`` derives the post's status from its targets. The engine that drives
targets through these states is posts/publishing.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from posts.models import Post, PostStatus, PostTarget, TargetState

# The only legal moves of a target (DESIGN.md "Publishing: the invariants"). Every change
# of ``PostTarget.state`` goes through ``transition`` (or its compare-and-set forms), which check this.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    TargetState.DRAFT: {TargetState.PENDING_APPROVAL, TargetState.SCHEDULED, TargetState.CANCELLED},
    TargetState.PENDING_APPROVAL: {TargetState.DRAFT, TargetState.SCHEDULED, TargetState.CANCELLED},
    TargetState.SCHEDULED: {
        TargetState.QUEUED,
        TargetState.DRAFT,
        TargetState.PENDING_APPROVAL,
        TargetState.SCHEDULED,
        TargetState.CANCELLED,
    },
    TargetState.QUEUED: {TargetState.PUBLISHING, TargetState.SCHEDULED, TargetState.QUEUED, TargetState.CANCELLED},
    TargetState.PUBLISHING: {
        TargetState.PUBLISHED,
        TargetState.FAILED,
        TargetState.SCHEDULED,  # retry later (rate limited / transient)
        TargetState.QUEUED,  # lease expired before the call was made: safe to re-queue
        TargetState.UNKNOWN,
    },
    TargetState.FAILED: {TargetState.SCHEDULED, TargetState.CANCELLED},  # "retry" by a person
    TargetState.UNKNOWN: {TargetState.PUBLISHED, TargetState.FAILED, TargetState.SCHEDULED},  # resolved by a person
    TargetState.PUBLISHED: set(),
    TargetState.CANCELLED: {TargetState.DRAFT},
}


class IllegalTransition(Exception):
    def __init__(self, target: PostTarget, to: str):
        super().__init__(f"A target cannot go from {target.state} to {to}")
        self.target = target
        self.to = to


def transition(target: PostTarget, to: str, *, save: bool = True, **changes) -> PostTarget:
    """Move ``target`` to state ``to`` (with field ``changes``), refusing illegal moves.

    Callers that race with workers lock the row first (``select_for_update``)."""
    if to not in ALLOWED_TRANSITIONS.get(target.state, set()):
        raise IllegalTransition(target, to)
    target.state = to
    for field, value in changes.items():
        setattr(target, field, value)
    if save:
        target.save(update_fields=["state", "updated_at", *changes.keys()])
    return target


def derive_status(states: list[str], *, has_feedback: bool = False) -> str:
    """A post's status from its targets' states (DESIGN.md invariant 7)."""
    live = [s for s in states if s != TargetState.CANCELLED]
    if not states:
        return PostStatus.DRAFT
    if not live:
        return PostStatus.CANCELLED
    s = set(live)
    if s == {TargetState.PUBLISHED}:
        return PostStatus.PUBLISHED
    if TargetState.UNKNOWN in s:
        return PostStatus.NEEDS_ATTENTION
    if s <= {TargetState.PUBLISHED, TargetState.FAILED}:
        return PostStatus.PARTIALLY_PUBLISHED if TargetState.PUBLISHED in s else PostStatus.FAILED
    if s & {TargetState.QUEUED, TargetState.PUBLISHING} or (TargetState.PUBLISHED in s and s & {TargetState.SCHEDULED}):
        return PostStatus.PUBLISHING
    if TargetState.FAILED in s and TargetState.PUBLISHED in s:
        return PostStatus.PARTIALLY_PUBLISHED
    if TargetState.SCHEDULED in s:
        return PostStatus.SCHEDULED
    if TargetState.PENDING_APPROVAL in s:
        return PostStatus.PENDING_APPROVAL
    if TargetState.FAILED in s:
        return PostStatus.FAILED
    return PostStatus.CHANGES_REQUESTED if has_feedback else PostStatus.DRAFT


def refresh_post_status(post: Post) -> str:
    """Recompute and store the post's status from its targets."""
    # .order_by(): the default ordering of targets joins their accounts, for nothing here
    states = list(post.targets.order_by().values_list("state", flat=True))
    has_feedback = post.status == PostStatus.CHANGES_REQUESTED and set(states) <= {
        TargetState.DRAFT,
        TargetState.CANCELLED,
    }
    status = derive_status(states, has_feedback=has_feedback)
    if status != post.status:
        Post.objects.filter(pk=post.pk).update(status=status)
        post.status = status
    return status


# --- compare-and-set transitions -------------------------------------------------------


def _check_legal(from_states: Iterable[str], to: str) -> None:
    for state in from_states:
        if to not in ALLOWED_TRANSITIONS.get(state, set()):
            raise IllegalTransition(PostTarget(state=state), to)


def transition_if(target: PostTarget, expected: str | Iterable[str], to: str, **changes) -> bool:
    """Move ``target`` to ``to`` only if its row is still in one of the ``expected`` states.

    One UPDATE ... WHERE state IN (...): two workers (or a worker and the sweeper) racing
    for the same target cannot both win, on PostgreSQL and on SQLite alike. Returns
    whether this caller won; on success the instance carries the new values."""
    expected = [expected] if isinstance(expected, str) else list(expected)
    _check_legal(expected, to)
    now = timezone.now()
    won = PostTarget.objects.filter(pk=target.pk, state__in=expected).update(state=to, updated_at=now, **changes)
    if won:
        target.state = to
        target.updated_at = now
        for field, value in changes.items():
            setattr(target, field, value)
    return bool(won)


def bulk_transition(ids: list[int], expected: str, to: str, **changes) -> list[int]:
    """``transition_if`` for many targets; returns the ids that moved.

    Callers on PostgreSQL hold the rows' locks (FOR UPDATE), so one UPDATE moves them
    all. SQLite has no row locks: each row is moved by its own compare-and-set."""
    _check_legal([expected], to)
    if not ids:
        return []
    now = timezone.now()
    if connection.features.has_select_for_update:
        PostTarget.objects.filter(pk__in=ids, state=expected).update(state=to, updated_at=now, **changes)
        moved = set(PostTarget.objects.filter(pk__in=ids, state=to).order_by().values_list("pk", flat=True))
        return [pk for pk in ids if pk in moved]
    moved = []
    for pk in ids:
        if PostTarget.objects.filter(pk=pk, state=expected).update(state=to, updated_at=now, **changes):
            moved.append(pk)
    return moved


def refresh_posts_status(post_ids: Iterable[int]) -> None:
    """``refresh_post_status`` for many posts in three queries plus one UPDATE per status."""
    post_ids = set(post_ids)
    if not post_ids:
        return
    states: dict[int, list[str]] = defaultdict(list)
    for post_id, state in PostTarget.objects.filter(post_id__in=post_ids).order_by().values_list("post_id", "state"):
        states[post_id].append(state)
    current = dict(Post.objects.filter(pk__in=post_ids).values_list("pk", "status"))
    changes: dict[str, list[int]] = defaultdict(list)
    for post_id, status in current.items():
        has_feedback = status == PostStatus.CHANGES_REQUESTED and set(states[post_id]) <= {
            TargetState.DRAFT,
            TargetState.CANCELLED,
        }
        new = derive_status(states[post_id], has_feedback=has_feedback)
        if new != status:
            changes[new].append(post_id)
    for status, ids in changes.items():
        Post.objects.filter(pk__in=ids).update(status=status)
