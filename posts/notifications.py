"""Telling people what needs them: an in-app notice, and an email.

Publishing: the workspace's owners and managers hear when a target fails for good, when
its outcome is unknown and a person must look, and when an account needs reconnecting.
Callers run these after their transaction commits (``transaction.on_commit``) so a
rollback never tells anyone anything.

Approval: the members who may approve hear that a post waits for them, its author that
it was approved or sent back. These notices are written inside the action's transaction
(a rollback takes them back); their emails go out after commit through a Celery task,
unless the person turned that email off on their profile.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from posts.models import Notification, Post, PostTarget, TargetState
from smm.models import Membership, SocialAccount, UserProfile, Workspace
from smm.roles import Role, role_can

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


def notify(
    workspace: Workspace,
    subject: str,
    text: str,
    url: str = "",
    *,
    kind: str = Notification.Kind.PUBLISHING,
    post: Post | None = None,
) -> list[Notification]:
    """One in-app notice per recipient, and one email to all of them that have an address."""
    users = recipients(workspace)
    notices = Notification.objects.bulk_create(
        [
            Notification(workspace=workspace, user=user, kind=kind, post=post, text=text[:500], url=url[:500])
            for user in users
        ]
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


def _snippet(text: str, empty: str) -> str:
    text = " ".join((text or "").split())
    return f"“{text[:60]}{'…' if len(text) > 60 else ''}”" if text else empty


def _describe(target: PostTarget) -> str:
    return f"{_snippet(target.text or target.post.text, 'A post')} for {target.post.brand.name} on {target.account}"


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
        f"Look at the account, then say on the post's page whether it is there or send it again. "
        f"({target.error_message})",
        _post_url(target),
        kind=Notification.Kind.OUTCOME_UNKNOWN,
        post=target.post,
    )


def outcome_settled(post: Post) -> int:
    """A person said where the post's targets of unknown outcome stand: once none is left,
    the "please check" notices about it are read for everyone (the question is answered;
    who answered it is in the post's history). Returns how many were marked."""
    if post.targets.filter(state=TargetState.UNKNOWN).exists():
        return 0
    return Notification.objects.filter(post=post, kind=Notification.Kind.OUTCOME_UNKNOWN, read_at__isnull=True).update(
        read_at=timezone.now()
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


# --- approval: called by posts.actions inside the transaction that made the change ---------

APPROVER_ROLES = tuple(role for role in Role if role_can(role, "approve_posts"))

# For each approval notice: the email subject's opening, the profile switch that turns the
# email off, and why the person gets it (said in the email's footer).
APPROVAL_EMAILS = {
    Notification.Kind.APPROVAL_REQUESTED: (
        "Waiting for your approval",
        "email_approval_requests",
        "you may approve posts",
    ),
    Notification.Kind.APPROVED: ("Approved", "email_approval_outcomes", "you wrote this post"),
    Notification.Kind.CHANGES_REQUESTED: ("Sent back", "email_approval_outcomes", "you wrote this post"),
}


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else "Someone"


def _planned(post: Post) -> str:
    if post.scheduled_at is None:
        return "now"
    local = post.scheduled_at.astimezone(post.brand.tz)
    return f"{local:%a %d %b %Y %H:%M} ({post.brand.time_zone})"


def _comment(comment: str) -> str:
    comment = " ".join((comment or "").split())
    return f" — comment: {comment[:300]}{'…' if len(comment) > 300 else ''}" if comment else ""


def _tell(post: Post, kind: str, users, text: str) -> list[Notification]:
    """One notice per person; those who want the email get it once the change is committed."""
    users = [user for user in users if user.is_active]
    if not users:
        return []
    switch = APPROVAL_EMAILS[kind][1]
    opted_out = set(UserProfile.objects.filter(user__in=users, **{switch: False}).values_list("user_id", flat=True))
    notices = Notification.objects.bulk_create(
        [
            Notification(
                workspace=post.workspace,
                user=user,
                kind=kind,
                post=post,
                text=text[:500],
                url=post.get_absolute_url(),
                email=Notification.Email.PENDING
                if user.email and user.pk not in opted_out
                else Notification.Email.NONE,
            )
            for user in users
        ]
    )
    to_email = [n.pk for n in notices if n.email == Notification.Email.PENDING]
    if to_email:
        transaction.on_commit(lambda: _hand_to_worker(to_email))
    return notices


def _hand_to_worker(notice_ids: list[int]) -> None:
    from posts.tasks import email_notices

    try:
        email_notices.delay(notice_ids)
    except Exception:  # the broker is away: the change is made and the notices are there
        logger.exception("Could not hand the emails of notices %s to a worker", notice_ids)


def post_submitted(post: Post, actor) -> list[Notification]:
    """Tell every member who may approve (but the person who submitted it) that it waits."""
    approvers = [
        m.user
        for m in Membership.objects.filter(workspace=post.workspace, role__in=APPROVER_ROLES)
        .exclude(user_id__in=[actor.pk, post.author_id or actor.pk])
        .select_related("user")
        .order_by("user_id")
    ]
    text = (
        f"{_name(actor)} asks for your approval: {_snippet(post.text, 'a post')} "
        f"for {post.brand.name}, planned for {_planned(post)}."
    )
    return _tell(post, Notification.Kind.APPROVAL_REQUESTED, approvers, text)


def _author(post: Post, reviewer):
    """The post's author, if still a member and not the reviewer."""
    if post.author_id is None or post.author_id == reviewer.pk:
        return []
    member = Membership.objects.filter(workspace=post.workspace, user_id=post.author_id).select_related("user")
    return [m.user for m in member]


def post_approved(post: Post, approver, comment: str = "") -> list[Notification]:
    text = (
        f"{_name(approver)} approved {_snippet(post.text, 'your post')} for {post.brand.name}; "
        f"it goes out {_planned(post)}.{_comment(comment)}"
    )
    return _tell(post, Notification.Kind.APPROVED, _author(post, approver), text)


def post_sent_back(post: Post, reviewer, comment: str) -> list[Notification]:
    text = f"{_name(reviewer)} sent back {_snippet(post.text, 'your post')} for {post.brand.name}{_comment(comment)}"
    return _tell(post, Notification.Kind.CHANGES_REQUESTED, _author(post, reviewer), text)


def email_notices(notice_ids: list[int]) -> int:
    """Email each pending notice once (posts.tasks.email_notices); returns how many went out.

    Each notice is claimed (pending -> sending) before its email is sent, so a redelivered
    task sends nothing twice; a worker that dies mid-send leaves it "sending", unsent
    rather than sent twice. A failure is logged and leaves the in-app notice as it is."""
    site = settings.SITE_URL.rstrip("/")
    notices = (
        Notification.objects.filter(pk__in=notice_ids, email=Notification.Email.PENDING)
        .select_related("user", "post", "workspace")
        .order_by("pk")
    )
    sent = 0
    connection = None
    for notice in notices:
        claimed = Notification.objects.filter(pk=notice.pk, email=Notification.Email.PENDING).update(
            email=Notification.Email.SENDING
        )
        if not claimed:
            continue
        if not (notice.user.email and notice.user.is_active) or notice.kind not in APPROVAL_EMAILS:
            Notification.objects.filter(pk=notice.pk).update(email=Notification.Email.NONE)
            continue
        opening, _, reason = APPROVAL_EMAILS[notice.kind]
        body = render_to_string(
            "posts/email/notice.txt",
            {
                "notice": notice,
                "name": notice.user.first_name or notice.user.username,
                "link": f"{site}{notice.url}" if notice.url.startswith("/") else notice.url,
                "profile_url": f"{site}{reverse('profile')}",
                "reason": reason,
            },
        )
        subject = f"[SMM] {opening}: {_snippet(notice.post.text if notice.post else '', 'a post')}"
        try:
            connection = connection or get_connection()
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [notice.user.email], connection=connection).send()
        except Exception:
            logger.exception("Could not email notice %s to user %s", notice.pk, notice.user_id)
            Notification.objects.filter(pk=notice.pk).update(email=Notification.Email.FAILED)
            continue
        Notification.objects.filter(pk=notice.pk).update(email=Notification.Email.SENT)
        sent += 1
    return sent


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
