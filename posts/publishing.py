"""The publishing state machine: every change of a target's state goes through here.

``transition`` refuses illegal moves (ALLOWED_TRANSITIONS); ``refresh_post_status``
derives the post's status from its targets. The dispatcher, sweeper and publish task
build on these.
"""

from __future__ import annotations

from django.db import transaction

from posts.models import ALLOWED_TRANSITIONS, Post, PostStatus, PostTarget, TargetState


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
    if s & {TargetState.QUEUED, TargetState.PUBLISHING} or (
        TargetState.PUBLISHED in s and s & {TargetState.SCHEDULED}
    ):
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
    states = list(post.targets.values_list("state", flat=True))
    has_feedback = (
        post.status == PostStatus.CHANGES_REQUESTED and set(states) <= {TargetState.DRAFT, TargetState.CANCELLED}
    )
    status = derive_status(states, has_feedback=has_feedback)
    if status != post.status:
        Post.objects.filter(pk=post.pk).update(status=status)
        post.status = status
    return status


__all__ = ["IllegalTransition", "transition", "derive_status", "refresh_post_status", "transaction"]
