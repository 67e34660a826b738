"""Telling the brand's managers when publishing needs them: an email and an in-app notice.

Sent when a target fails for good, when its outcome is unknown and a person must look,
and when an account needs reconnecting. Callers run these after their transaction
commits (``transaction.on_commit``) so a rollback never tells anyone anything.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from posts.models import Notification, PostTarget
from smm.models import Membership, SocialAccount, Workspace
from smm.roles import Role

logger = logging.getLogger(__name__)

NOTIFIED_ROLES = (Role.OWNER, Role.MANAGER)


def recipients(workspace: Workspace):
    """The workspace's owners and managers (who can fix accounts and retry posts)."""
    return [
        m.user
        for m in Membership.objects.filter(workspace=workspace, role__in=NOTIFIED_ROLES)
        .select_related("user")
        .order_by("user_id")
        if m.user.is_active
    ]


def notify(workspace: Workspace, subject: str, text: str, url: str = "") -> list[Notification]:
    """One in-app notice per recipient, and one email to all of them that have an address."""
    users = recipients(workspace)
    notices = Notification.objects.bulk_create(
        [Notification(workspace=workspace, user=user, text=text[:500], url=url[:500]) for user in users]
    )
    emails = sorted({user.email for user in users if user.email})
    if emails:
        link = f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else (f"\n\n{url}" if url else "")
        try:
            send_mail(f"[SMM] {subject}", f"{text}{link}\n", settings.DEFAULT_FROM_EMAIL, emails)
        except Exception:  # a mail server that is down must not undo the notices
            logger.exception("Could not email %s about: %s", emails, subject)
    return notices


def _post_url(target: PostTarget) -> str:
    try:
        return target.post.get_absolute_url()
    except NoReverseMatch:  # the composer's pages are not wired (yet)
        return ""


def _describe(target: PostTarget) -> str:
    post_text = (target.text or target.post.text or "").strip().replace("\n", " ")
    snippet = f"“{post_text[:60]}{'…' if len(post_text) > 60 else ''}”" if post_text else "A post"
    return f"{snippet} for {target.post.brand.name} on {target.account}"


def target_failed(target_id: int) -> None:
    target = PostTarget.objects.select_related("post__brand__workspace", "account").get(pk=target_id)
    reason = target.error_user_message or target.error_message or "the network refused it"
    notify(
        target.post.workspace,
        f"A post could not be published on {target.account}",
        f"{_describe(target)} could not be published: {reason}",
        _post_url(target),
    )


def target_unknown(target_id: int) -> None:
    target = PostTarget.objects.select_related("post__brand__workspace", "account").get(pk=target_id)
    notify(
        target.post.workspace,
        f"Please check whether a post reached {target.account}",
        f"{_describe(target)}: we could not confirm whether it was published. "
        f"Check the account, then mark it published or retry. ({target.error_message})",
        _post_url(target),
    )


def account_needs_reconnect(account_id: int) -> None:
    account = SocialAccount.objects.select_related("brand__workspace").get(pk=account_id)
    try:
        url = reverse("brand", kwargs={"ws": account.brand.workspace.slug, "brand_id": account.brand_id})
    except NoReverseMatch:
        url = ""
    reason = f" ({account.status_reason})" if account.status_reason else ""
    notify(
        account.brand.workspace,
        f"Reconnect {account} for {account.brand.name}",
        f"{account} of {account.brand.name} needs reconnecting{reason}. "
        "Its scheduled posts wait until it is reconnected.",
        url,
    )


# --- what a member sees: posts/views.py (the notices page) and the menu badge ---------------


def for_member(user, workspace: Workspace):
    """The member's own notices in this workspace, newest first."""
    return Notification.objects.for_workspace(workspace).filter(user=user).order_by("-created_at", "-id")


def unread_count(user, workspace: Workspace) -> int:
    return Notification.objects.for_workspace(workspace).filter(user=user, read_at__isnull=True).count()


def mark_read(notice: Notification) -> None:
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)


def mark_all_read(user, workspace: Workspace) -> int:
    """Marks every unread notice of the member in this workspace read; returns how many."""
    return for_member(user, workspace).filter(read_at__isnull=True).update(read_at=timezone.now())


def nav_badge(request) -> int:
    """The unread count shown beside "Notices" in the menu (named in PostsConfig.nav_entries)."""
    workspace = getattr(request, "workspace", None)
    if workspace is None or not request.user.is_authenticated:
        return 0
    return unread_count(request.user, workspace)
