"""The sandbox's public pages: the timeline, a profile, a thread, as a small network shows them."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe

from sandbox.entities import base_url, content_html
from sandbox.models import SandboxAccount, SandboxMedia, SandboxStatus

PUBLIC = [SandboxStatus.Visibility.PUBLIC, SandboxStatus.Visibility.UNLISTED]
PAGE_SIZE = 30


def _public():
    return SandboxStatus.objects.filter(visibility__in=PUBLIC).select_related("account")


def _decorate(statuses, base: str):
    for status in statuses:
        status.html = mark_safe(content_html(status.text, base))  # escaped while rendered
    return statuses


def _threads(request, top_level, depth=3):
    """Top-level statuses with their public replies nested beneath (a few levels deep)."""
    base = base_url(request)
    media = Prefetch("media_attachments", queryset=SandboxMedia.objects.order_by("id"))
    top = _decorate(list(top_level.prefetch_related(media)), base)
    level = top
    for _ in range(depth):
        ids = [s.pk for s in level]
        replies = _decorate(
            list(_public().filter(in_reply_to_id__in=ids).order_by("created_at", "id").prefetch_related(media)),
            base,
        )
        by_parent: dict[int, list] = {}
        for reply in replies:
            by_parent.setdefault(reply.in_reply_to_id, []).append(reply)
        for status in level:
            status.thread = by_parent.get(status.pk, [])
        level = replies
    for status in level:
        status.thread = []
    return top


def timeline(request):
    # As Mastodon's public timeline: "quiet public" (unlisted) statuses show on profiles only.
    top = _public().filter(in_reply_to__isnull=True, visibility=SandboxStatus.Visibility.PUBLIC)
    statuses = _threads(request, top.order_by("-created_at", "-id")[:PAGE_SIZE])
    context = {
        "statuses": statuses,
        "accounts": SandboxAccount.objects.filter(is_audience=False).order_by("username")[:20],
        "audience_count": SandboxAccount.objects.filter(is_audience=True).count(),
        "status_count": _public().count(),
        "profile": None,
    }
    return render(request, "sandbox/timeline.html", context)


def profile(request, username):
    account = get_object_or_404(SandboxAccount, username=username)
    statuses = _threads(
        request, _public().filter(account=account, in_reply_to__isnull=True).order_by("-created_at", "-id")[:PAGE_SIZE]
    )
    context = {
        "statuses": statuses,
        "profile": account,
        "profile_status_count": account.statuses.count(),
        "accounts": SandboxAccount.objects.filter(is_audience=False).order_by("username")[:20],
        "audience_count": SandboxAccount.objects.filter(is_audience=True).count(),
        "status_count": _public().count(),
    }
    return render(request, "sandbox/timeline.html", context)


def status_page(request, username, status_id):
    status = _public().filter(pk=status_id, account__username=username).first()
    if status is None:
        raise Http404("No such post")
    root = status
    while root.in_reply_to_id and root.in_reply_to and root.in_reply_to.visibility in PUBLIC:
        root = root.in_reply_to
    statuses = _threads(request, _public().filter(pk=root.pk), depth=6)
    context = {
        "statuses": statuses,
        "profile": status.account,
        "profile_status_count": status.account.statuses.count(),
        "focus": status.pk,
        "accounts": SandboxAccount.objects.filter(is_audience=False).order_by("username")[:20],
        "audience_count": SandboxAccount.objects.filter(is_audience=True).count(),
        "status_count": _public().count(),
    }
    return render(request, "sandbox/timeline.html", context)
