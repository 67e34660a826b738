"""Evergreen categories: posts that recycle into the brand's free posting slots.

Each tick, each active category of a brand that is not paused may fill the brand's next
free posting slot (``posts.scheduling.next_free_slot``) within ``EVERGREEN_AHEAD_DAYS``
with a copy of its longest-rested post (never recycled first, then the oldest recycle),
provided that, on every network the copy goes to:

- no post of the category is within the network's gap (``min_gap_hours``, or the
  network's own value in ``network_rules``) of that slot, and
- the same text (spaces and case aside) was not posted or planned on an account of that
  network of the brand within the network's duplicate window (``duplicate_days``, or its
  own): X refuses duplicates outright; followers notice them everywhere.

A post that cannot go anywhere yet is passed over for the next one. The copy is made
by ``posts.actions.duplicate`` and scheduled by ``schedule_post`` as the entry's adder:
approval, audit and network options apply as for any post.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from posts import actions as post_actions
from posts.models import Post, PostTarget
from posts.scheduling import LIVE_TARGET_STATES, next_free_slot
from recurring.models import Category, EvergreenCopy, EvergreenEntry
from smm.models import Membership, SocialAccount, record_event

logger = logging.getLogger(__name__)


def _normalised(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def ahead() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "EVERGREEN_AHEAD_DAYS", 3))


@transaction.atomic
def add_entry(category: Category, post: Post, actor, *, membership=None) -> EvergreenEntry:
    membership = membership or Membership.objects.filter(workspace=category.workspace, user=actor).first()
    if membership is None or not membership.can("schedule_posts"):
        raise PermissionDenied("Your role cannot put posts in an evergreen category.")
    if post.workspace_id != category.workspace_id or post.brand_id != category.brand_id:
        raise ValidationError({"category": [f"{category} belongs to another brand than this post."]})
    if not post.targets.exists():
        raise ValidationError({"category": ["This post has no account to go to."]})
    entry, created = EvergreenEntry.objects.get_or_create(category=category, post=post, defaults={"added_by": actor})
    if not created:
        raise ValidationError({"category": [f"This post is in {category} already."]})
    record_event(category.workspace, actor, "evergreen.added", post, f"Added to evergreen category {category}")
    return entry


def _networks(post: Post) -> dict[str, list[PostTarget]]:
    by_network: dict[str, list[PostTarget]] = {}
    for target in post.targets.select_related("account").exclude(account__status=SocialAccount.Status.DISCONNECTED):
        by_network.setdefault(target.account.network, []).append(target)
    return by_network


def refusal(entry: EvergreenEntry, when: dt.datetime) -> str:
    """Why the entry cannot take the slot at ``when`` ("" when it can)."""
    category = entry.category
    networks = _networks(entry.post)
    if not networks:
        return "none of its accounts is connected"
    for network, targets in networks.items():
        gap_hours, days = category.gap_hours(network), category.duplicate_days_on(network)
        gap, window = dt.timedelta(hours=gap_hours), dt.timedelta(days=days)
        near = EvergreenCopy.objects.filter(
            entry__category=category,
            scheduled_at__gt=when - gap,
            scheduled_at__lt=when + gap,
        )
        if any(network in copy.networks for copy in near):  # JSON contains: checked in Python too (SQLite)
            return f"another post of {category} goes to {network} within {gap_hours} h"
        others = PostTarget.objects.filter(
            account__brand=category.brand,
            account__network=network,
            state__in=LIVE_TARGET_STATES,
            due_at__gte=when - window,
            due_at__lte=when + window,
        ).select_related("post")
        texts = {_normalised(t.text or entry.post.text) for t in targets}
        for other in others:
            if _normalised(other.text or other.post.text) in texts:
                return f"the same text goes to {network} within {days} days (post #{other.post_id})"
    return ""


def recycle_category(category: Category, now: dt.datetime | None = None) -> Post | None:
    """Fill the brand's next free slot (if near enough) with the first entry that may go
    there. Returns the scheduled copy, or None."""
    now = now or timezone.now()
    with transaction.atomic():
        category = (
            Category.objects.select_for_update(of=("self",)).select_related("brand", "workspace").get(pk=category.pk)
        )
        if not category.active or category.brand.paused:
            return None
        when = next_free_slot(category.brand, now)
        if when is None or when > now + ahead():
            return None
        entries = category.entries.select_related("post", "added_by").order_by(
            "last_recycled_at", "added_at", "pk"
        )  # never recycled (NULL) first on PostgreSQL and SQLite alike
        for entry in sorted(entries, key=lambda e: (e.last_recycled_at is not None, e.last_recycled_at or now, e.pk)):
            why = refusal(entry, when)
            if why:
                logger.debug("Evergreen %s: post %s passed over: %s", category.pk, entry.post_id, why)
                continue
            membership = Membership.objects.filter(workspace=category.workspace, user=entry.added_by).first()
            if membership is None or not membership.can("schedule_posts"):
                continue
            try:
                with transaction.atomic():
                    copy = post_actions.duplicate(entry.post, entry.added_by, membership)
                    copy = post_actions.schedule_post(copy, when, entry.added_by, membership)
                    EvergreenCopy.objects.create(
                        entry=entry, post=copy, networks=sorted(_networks(copy)), scheduled_at=when
                    )
            except (ValidationError, PermissionDenied, IntegrityError) as error:
                logger.info("Evergreen %s: post %s could not be recycled: %s", category.pk, entry.post_id, error)
                continue
            entry.last_recycled_at = when
            entry.times_recycled += 1
            entry.save(update_fields=["last_recycled_at", "times_recycled"])
            record_event(
                category.workspace,
                None,
                "evergreen.recycled",
                copy,
                f"Recycled from {category} (post #{entry.post_id})",
            )
            return copy
    return None


def recycle_all(now: dt.datetime | None = None) -> int:
    done = 0
    for pk in Category.objects.filter(active=True, brand__paused=False).values_list("pk", flat=True):
        try:
            done += recycle_category(Category(pk=pk), now) is not None
        except Exception:
            logger.exception("Could not recycle evergreen category %s", pk)
    return done
