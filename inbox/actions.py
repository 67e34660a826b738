"""The named state changes of the inbox: reply, assign, done, snooze, note, re-score.

Each is atomic and records an audit event; a reply is stored first and sent by a task
after commit, which claims it with a conditional UPDATE so it goes out once even if the
task runs twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inbox import priority
from inbox.ingest import workspace_keywords
from inbox.models import InboxItem, InboxNote, InboxReply, Status
from posts.content import account_context, adapter_for
from smm.models import record_event
from smm.platforms.base import InboxItem as NetworkItem
from smm.platforms.base import OutcomeUnknown, PlatformError, RateLimited, Transient

log = logging.getLogger(__name__)

SEND_LEASE = dt.timedelta(minutes=5)


class InboxError(Exception):
    """A request the inbox refuses, in words for the person who made it."""


def queue_reply(item: InboxItem, user, text: str) -> InboxReply:
    text = (text or "").strip()
    if not text:
        raise InboxError("Write a reply first.")
    with transaction.atomic():
        reply = InboxReply.objects.create(item=item, author=user, text=text)
        record_event(item.workspace, user, "inbox.reply", item, f"Replied to {item.author_label}")
        from inbox.tasks import send_reply

        transaction.on_commit(lambda: send_reply.delay(reply.pk))
    return reply


def _network_item(item: InboxItem) -> NetworkItem:
    return NetworkItem(
        remote_id=item.remote_id,
        kind=item.kind,
        text=item.text,
        created_at=item.created_at,
        author_handle=item.author_handle,
        author_name=item.author_name,
        url=item.url,
        post_remote_id=item.post_target.remote_id if item.post_target_id else "",
        parent_remote_id=item.parent_remote_id,
    )


def send_reply(reply_id: int, *, adapter=None) -> str:
    """Send one stored reply through the account's adapter. Safe to run twice: only a
    queued reply (or one whose sender died, lease expired) is claimed; a sent one is
    left alone."""
    now = timezone.now()
    claimed = (
        InboxReply.objects.filter(pk=reply_id)
        .filter(Q(state=InboxReply.State.QUEUED) | Q(state=InboxReply.State.SENDING, locked_until__lt=now))
        .update(state=InboxReply.State.SENDING, locked_until=now + SEND_LEASE)
    )
    if not claimed:
        return "not claimed"
    reply = InboxReply.objects.select_related("item__account__brand", "item__post_target").get(pk=reply_id)
    item = reply.item
    adapter = adapter or adapter_for(item.account.network)
    try:
        # Adapters answer with an idempotency key derived from the item and the text
        # (Mastodon), so a send whose answer was lost is not posted twice on retry.
        result = adapter.reply(account_context(item.account), _network_item(item), reply.text)
    except OutcomeUnknown as exc:
        if adapter.idempotency == "idempotency_key":
            # The network dedupes on the key: sending again is safe.
            return _requeue(reply_id, exc)
        InboxReply.objects.filter(pk=reply_id).update(
            state=InboxReply.State.FAILED,
            locked_until=None,
            error_message="We could not tell whether this reply went out. Check on the network before retrying.",
        )
        return "unknown"
    except (RateLimited, Transient) as exc:
        return _requeue(reply_id, exc)
    except PlatformError as exc:
        InboxReply.objects.filter(pk=reply_id).update(
            state=InboxReply.State.FAILED, locked_until=None, error_message=exc.user_message[:1000]
        )
        return "failed"
    with transaction.atomic():
        InboxReply.objects.filter(pk=reply_id).update(
            state=InboxReply.State.SENT,
            locked_until=None,
            remote_id=result.remote_id[:191],
            url=(result.url or "")[:1000],
            sent_at=result.published_at or now,
            error_message="",
        )
        sent_at = result.published_at or now
        InboxItem.objects.filter(pk=item.pk, first_response_at__isnull=True).update(
            first_response_at=sent_at, responded_by=reply.author_id, updated_at=now
        )
        rescore(InboxItem.objects.filter(pk=item.pk))
    return "sent"


def _requeue(reply_id: int, exc: PlatformError) -> str:
    # Back in the queue; the sweeper (resend_queued_replies) picks it up again.
    InboxReply.objects.filter(pk=reply_id).update(
        state=InboxReply.State.QUEUED, locked_until=None, error_message=exc.user_message[:1000]
    )
    return type(exc).__name__


def retry_reply(reply: InboxReply) -> None:
    if reply.state != InboxReply.State.FAILED:
        return
    InboxReply.objects.filter(pk=reply.pk, state=InboxReply.State.FAILED).update(state=InboxReply.State.QUEUED)
    from inbox.tasks import send_reply as task

    transaction.on_commit(lambda: task.delay(reply.pk))


def assign(item: InboxItem, assignee, by) -> None:
    with transaction.atomic():
        item.assignee = assignee
        item.updated_at = timezone.now()
        item.save(update_fields=["assignee", "updated_at"])
        message = f"Assigned to {assignee.get_username()}" if assignee else "Unassigned"
        record_event(item.workspace, by, "inbox.assign", item, message)


def set_status(item: InboxItem, status: str, by, *, snoozed_until=None) -> None:
    if status == Status.SNOOZED:
        if snoozed_until is None or snoozed_until <= timezone.now():
            raise InboxError("Choose a time in the future to snooze until.")
    else:
        snoozed_until = None
    with transaction.atomic():
        item.status = status
        item.snoozed_until = snoozed_until
        item.updated_at = timezone.now()
        item.save(update_fields=["status", "snoozed_until", "updated_at"])
        record_event(item.workspace, by, f"inbox.{status}", item, f"Marked {item.get_status_display().lower()}")


def add_note(item: InboxItem, author, text: str) -> InboxNote:
    text = (text or "").strip()
    if not text:
        raise InboxError("A note needs some text.")
    return InboxNote.objects.create(item=item, author=author, text=text)


def rescore(items, *, now=None) -> int:
    """Recompute priority and reasons (waiting time changes them)."""
    now = now or timezone.now()
    keywords_by_workspace: dict[int, list] = {}
    changed = []
    for item in items.only(
        "id", "workspace_id", "text", "sentiment", "author_followers", "kind", "created_at", "first_response_at"
    ).iterator(chunk_size=1000):
        keywords = keywords_by_workspace.get(item.workspace_id)
        if keywords is None:
            keywords = keywords_by_workspace[item.workspace_id] = workspace_keywords(item.workspace_id)
        scored = priority.score(
            text=item.text,
            compound=item.sentiment,
            keywords=keywords,
            followers=item.author_followers,
            kind=item.kind,
            created_at=item.created_at,
            answered=item.first_response_at is not None,
            now=now,
        )
        item.priority, item.priority_reasons = scored.total, scored.reasons
        changed.append(item)
    InboxItem.objects.bulk_update(changed, ["priority", "priority_reasons"], batch_size=500)
    return len(changed)
