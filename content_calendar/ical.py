"""The iCal (RFC 5545) subscription feed: a workspace's scheduled and published posts as events."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from icalendar import Calendar, Event

from content_calendar.events import first_words, post_url_builder
from posts.models import Post, PostStatus, PostTarget

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
    return (
        Post.objects.for_workspace(workspace)
        .filter(status__in=FEED_STATES, scheduled_at__gte=now - FEED_PAST, scheduled_at__lt=now + FEED_FUTURE)
        .select_related("brand")
        .prefetch_related(Prefetch("targets", queryset=PostTarget.objects.select_related("account").order_by("id")))
        .order_by("scheduled_at", "id")
    )


def build_feed(workspace, *, site_url: str | None = None, now=None) -> bytes:
    site_url = (site_url or settings.SITE_URL).rstrip("/")
    host = site_url.split("://", 1)[-1].split("/", 1)[0] or "smm.local"
    url_for = post_url_builder(workspace)
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
    for post in feed_posts(workspace, now=now):
        accounts = ", ".join(f"{t.account.network_label} {t.account.handle}" for t in post.targets.all())
        event = Event()
        # Stable across refreshes and edits, unique across installations.
        event.add("uid", f"post-{post.pk}-{workspace.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("last-modified", post.updated_at)
        event.add("dtstart", post.scheduled_at.astimezone(UTC))
        event.add("dtend", (post.scheduled_at + EVENT_LENGTH).astimezone(UTC))
        event.add("summary", f"{post.brand.name}: {first_words(post.text, 8)}")
        description = [post.text.strip() or "(no text)", "", f"Status: {post.get_status_display()}"]
        if accounts:
            description.append(f"Accounts: {accounts}")
        event.add("description", "\n".join(description))
        event.add("url", f"{site_url}{url_for(post.pk)}")
        event.add("status", "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a post does not make anyone busy
        event.add("categories", [post.brand.name])
        cal.add_component(event)
    return cal.to_ical()
