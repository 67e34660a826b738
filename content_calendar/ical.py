"""The iCal (RFC 5545) subscription feed: a workspace's scheduled and published posts as events."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from content_calendar.events import HELD_LABEL, STATUS_LABELS, first_words, held_reason, post_url_builder
from posts.models import HELD_STATUSES, Post, PostStatus, PostTarget
from smm.models import Brand
from smm.platforms import registry

FEED_STATES = [
    PostStatus.SCHEDULED,
    PostStatus.PUBLISHING,
    PostStatus.PUBLISHED,
    PostStatus.PARTIALLY_PUBLISHED,
]
# Calendar apps poll the whole feed: keep it to what a planner looks at.
FEED_PAST = timedelta(days=90)
FEED_FUTURE = timedelta(days=400)
EVENT_LENGTH = timedelta(minutes=15)


def feed_posts(workspace, now=None):
    now = now or timezone.now()
    return Post.objects.for_workspace(workspace).filter(
        status__in=FEED_STATES, scheduled_at__gte=now - FEED_PAST, scheduled_at__lt=now + FEED_FUTURE
    )


def build_feed(workspace, *, site_url: str | None = None, now=None) -> bytes:
    """The calendar in three queries (posts, their accounts, the brands), from plain rows."""
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    host = site_url.split("://", 1)[-1].split("/", 1)[0] or "smm.local"
    url_for = post_url_builder(workspace)
    posts = feed_posts(workspace, now=now)
    accounts: dict[int, list[str]] = {}
    for post_id, network, handle in (
        PostTarget.objects.filter(post__in=posts.values("id"))
        .order_by("post_id", "id")
        .values_list("post_id", "account__network", "account__handle")
    ):
        accounts.setdefault(post_id, []).append(f"{registry.label(network)} {handle}")
    brands, paused = {}, set()
    for pk, name, is_paused in Brand.objects.for_workspace(workspace).values_list("pk", "name", "paused"):
        brands[pk] = name
        if is_paused:
            paused.add(pk)
    cal = Calendar()
    cal.add("prodid", "-//SMM//Content calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{workspace.name} · posts")
    cal.add("x-wr-caldesc", f"Scheduled and published posts of {workspace.name}")
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    stamp = now or timezone.now()
    rows = posts.order_by("scheduled_at", "id").values_list(
        "id", "brand_id", "text", "status", "scheduled_at", "updated_at"
    )
    for pk, brand_id, text, status, scheduled_at, updated_at in rows:
        event = Event()
        # Stable across refreshes and edits, unique across installations.
        event.add("uid", f"post-{pk}-{workspace.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("last-modified", updated_at)
        event.add("dtstart", scheduled_at.astimezone(UTC))
        event.add("dtend", (scheduled_at + EVENT_LENGTH).astimezone(UTC))
        held = status in HELD_STATUSES and brand_id in paused
        summary = f"{brands[brand_id]}: {first_words(text, 8)}"
        event.add("summary", f"{HELD_LABEL} · {summary}" if held else summary)
        shown = f"{HELD_LABEL} ({held_reason(brands[brand_id])})" if held else STATUS_LABELS.get(status, status)
        description = [text.strip() or "(no text)", "", f"Status: {shown}"]
        if accounts.get(pk):
            description.append(f"Accounts: {', '.join(accounts[pk])}")
        event.add("description", "\n".join(description))
        event.add("url", f"{site_url}{url_for(pk)}")
        event.add("status", "TENTATIVE" if held else "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a post does not make anyone busy
        event.add("categories", [brands[brand_id]])
        cal.add_component(event)
    return cal.to_ical()
