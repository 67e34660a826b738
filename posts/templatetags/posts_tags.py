"""Template helpers of the posts pages: times in the reader's zone with the brand's beside."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from posts.scheduling import describe

register = template.Library()


@register.filter
def when(value, brand=None):
    """``{{ post.scheduled_at|when:post.brand }}``: the time in the reader's zone, and the
    brand's local time too when that reads differently."""
    if not value:
        return ""
    text, there = describe(value, timezone.get_current_timezone(), brand)
    if there:
        return format_html('{} <small class="muted">({})</small>', text, there)
    return text


STATE_BADGES = {
    "draft": "",
    "pending_approval": "badge-warning",
    "changes_requested": "badge-warning",
    "scheduled": "badge-scheduled",
    "queued": "badge-scheduled",
    "publishing": "badge-scheduled",
    "published": "badge-connected",
    "partially_published": "badge-warning",
    "failed": "badge-needs_reconnect",
    "needs_attention": "badge-needs_reconnect",
    "unknown": "badge-needs_reconnect",
    "cancelled": "badge-disconnected",
}


@register.filter
def state_badge(state):
    return STATE_BADGES.get(str(state), "")
