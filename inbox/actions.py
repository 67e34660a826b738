"""The named state changes of the inbox: reply, assign, done, snooze, note, re-score.

Each is atomic and records an audit event; a reply is stored first and sent by a task
after commit, which claims it with a conditional UPDATE so it goes out once even if the
task runs twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inbox import priority
from inbox.ingest import workspace_keywords
from inbox.models import InboxItem, InboxNote, InboxReply, Status
from smm.models import Membership, SocialAccount, record_event
from smm.network_urls import http_url
from smm.platforms.base import (
    AuthExpired,
    OutcomeUnknown,
    PlatformError,
    PublishResult,
    RateLimited,
    Transient,
    UnreadableAnswer,
)
from smm.platforms.base import InboxItem as NetworkItem
from smm.platforms.token_refresh import call_refreshing_once

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


def send_reply(reply_id: int) -> str:
    """Send one queued reply through the account's adapter. Safe to run twice: only a
    queued reply is claimed. One whose outcome is unknown (an answer without the reply's
    id, a lost answer, a sender that died mid-send) is looked up on the network and, if
    not found there, left to a person: never sent again on its own (DESIGN.md, invariant 5)."""
    now = timezone.now()
    claimed = InboxReply.objects.filter(pk=reply_id, state=InboxReply.State.QUEUED).update(
        state=InboxReply.State.SENDING, locked_until=now + SEND_LEASE
    )
    if not claimed:
        return "not claimed"
    reply = _reply_for_sending(reply_id)
    adapter = reply.item.account.adapter()
    context = reply.item.account.context()
    try:
        # A refused token is refreshed once and the reply sent again: the network answers
        # 401 before it writes anything, so the refused request stored no reply.
        result = call_refreshing_once(
            adapter, context, lambda: adapter.reply(context, _network_item(reply.item), reply.text)
        )
    except UnreadableAnswer as exc:
        # The network took it; which reply it made is what we do not know.
        return _resolve(reply, adapter, evidence=exc.message)
    except OutcomeUnknown as exc:
        if adapter.idempotency == "idempotency_key":
            # Adapters answer with a key derived from the item and the text (Mastodon):
            # the network dedupes on it, so sending again is safe.
            return _requeue(reply_id, exc)
        return _resolve(reply, adapter, evidence=exc.message)
    except (RateLimited, Transient) as exc:
        return _requeue(reply_id, exc)
    except AuthExpired as exc:
        return _auth_failed(reply, exc)
    except PlatformError as exc:
        InboxReply.objects.filter(pk=reply_id, state=InboxReply.State.SENDING).update(
            state=InboxReply.State.FAILED, locked_until=None, error_message=exc.user_message[:1000]
        )
        return "failed"
    except Exception as exc:
        # A bug or an answer we could not read, after the request went out.
        log.exception("Unexpected error sending inbox reply %s", reply_id)
        return _resolve(reply, adapter, evidence=f"Unexpected error: {exc!r}")
    return _record_sent(reply, result)


def resolve_stalled_reply(reply_id: int) -> str:
    """A reply whose sender stopped mid-send (its lease expired): it may be on the network.
    Looked up there; not found, a person decides. The claim (a fresh lease) keeps two
    sweeps from looking at once."""
    now = timezone.now()
    claimed = InboxReply.objects.filter(pk=reply_id, state=InboxReply.State.SENDING, locked_until__lt=now).update(
        locked_until=now + SEND_LEASE
    )
    if not claimed:
        return "not claimed"
    reply = _reply_for_sending(reply_id)
    adapter = reply.item.account.adapter()
    return _resolve(reply, adapter, evidence="The sender stopped while sending (its lease expired)")


def _auth_failed(reply: InboxReply, exc: AuthExpired) -> str:
    """The network refused our access and a refresh did not bring it back (or its tokens
    cannot be refreshed): the reply failed, certainly not sent, and the account asks for
    reconnecting. Once reconnected, "Try again" sends it."""
    account = reply.item.account
    label = account.network_label
    with transaction.atomic():
        SocialAccount.objects.filter(pk=account.pk, status=SocialAccount.Status.CONNECTED).update(
            status=SocialAccount.Status.NEEDS_RECONNECT, status_reason=exc.user_message[:300]
        )
        InboxReply.objects.filter(pk=reply.pk, state=InboxReply.State.SENDING).update(
            state=InboxReply.State.FAILED,
            locked_until=None,
            error_message=f"{label} no longer accepts SMM's access to {account.handle}. "
            "Reconnect the account, then press Try again.",
        )
    log.info("Inbox reply %s: %s refused our access to account %s", reply.pk, label, account.pk)
    return "failed"


def _reply_for_sending(reply_id: int) -> InboxReply:
    return InboxReply.objects.select_related("item__account__brand", "item__post_target").get(pk=reply_id)


def _resolve(reply: InboxReply, adapter, *, evidence: str) -> str:
    item = reply.item
    try:
        context = item.account.context()
        found = call_refreshing_once(
            adapter,
            context,
            lambda: adapter.find_reply(context, _network_item(item), reply.text, since=reply.created_at),
        )
    except Exception as exc:  # OutcomeUnknown (it cannot tell), or the lookup itself failed
        log.warning("Inbox reply %s: looking for it on the network failed: %r", reply.pk, exc)
        found = None
    if found is not None:
        return _record_sent(reply, found)
    label = item.account.network_label
    InboxReply.objects.filter(pk=reply.pk, state=InboxReply.State.SENDING).update(
        state=InboxReply.State.UNKNOWN,
        locked_until=None,
        error_message=f"We could not confirm this reply was sent. Check on {label} whether it is there.",
    )
    log.warning("Inbox reply %s: outcome unknown, left to a person (%s)", reply.pk, evidence)
    return "unknown"


# The network's own answer (or the reply found there) settles a reply still sending, and one
# the sweeper left "not confirmed" while a slow answer was on its way: a person asked to
# decide about a reply that is sent could send it a second time.
ON_ITS_WAY = (InboxReply.State.SENDING, InboxReply.State.UNKNOWN)


def _record_sent(reply: InboxReply, result, *, expected=ON_ITS_WAY) -> str:
    now = timezone.now()
    sent_at = result.published_at or now
    with transaction.atomic():
        won = InboxReply.objects.filter(pk=reply.pk, state__in=expected).update(
            state=InboxReply.State.SENT,
            locked_until=None,
            remote_id=(result.remote_id or "")[:191],
            url=http_url(result.url, max_length=1000),
            sent_at=sent_at,
            error_message="",
        )
        if not won:
            return "lost"
        InboxItem.objects.filter(pk=reply.item_id, first_response_at__isnull=True).update(
            first_response_at=sent_at, responded_by=reply.author_id, updated_at=now
        )
        rescore(InboxItem.objects.filter(pk=reply.item_id))
    return "sent"


def _requeue(reply_id: int, exc: PlatformError) -> str:
    # Back in the queue; the sweeper (resend_queued_replies) picks it up again.
    InboxReply.objects.filter(pk=reply_id, state=InboxReply.State.SENDING).update(
        state=InboxReply.State.QUEUED, locked_until=None, error_message=exc.user_message[:1000]
    )
    return type(exc).__name__


def retry_reply(reply: InboxReply) -> None:
    """A reply the network refused (failed): certainly not sent, so sending it again is safe."""
    if reply.state != InboxReply.State.FAILED:
        return
    InboxReply.objects.filter(pk=reply.pk, state=InboxReply.State.FAILED).update(state=InboxReply.State.QUEUED)
    from inbox.tasks import send_reply as task

    transaction.on_commit(lambda: task.delay(reply.pk))


def confirm_reply_sent(reply: InboxReply, by) -> bool:
    """A person found the unconfirmed reply on the network: it counts as sent (when it was
    written, the best time we know), audited. False if it was not unconfirmed any more."""
    item = reply.item
    confirmed = PublishResult(remote_id=reply.remote_id, url=reply.url, published_at=reply.created_at)
    with transaction.atomic():
        if _record_sent(reply, confirmed, expected=(InboxReply.State.UNKNOWN,)) != "sent":
            return False
        label = item.account.network_label
        record_event(
            item.workspace, by, "inbox.reply_confirmed", item, f"Found the reply to {item.author_label} on {label}"
        )
    return True


def send_reply_again(reply: InboxReply, by) -> bool:
    """A person looked on the network and the unconfirmed reply is not there: it is sent
    again (audited). False if it was not unconfirmed any more."""
    item = reply.item
    with transaction.atomic():
        moved = InboxReply.objects.filter(pk=reply.pk, state=InboxReply.State.UNKNOWN).update(
            state=InboxReply.State.QUEUED, error_message=""
        )
        if not moved:
            return False
        label = item.account.network_label
        record_event(
            item.workspace,
            by,
            "inbox.reply_sent_again",
            item,
            f"Reply to {item.author_label} not on {label}: sent again",
        )
        from inbox.tasks import send_reply as task

        transaction.on_commit(lambda: task.delay(reply.pk))
    return True


NOT_ASSIGNABLE = "That person cannot answer this workspace's inbox."


def assign(item: InboxItem, assignee, by):
    """Give ``item`` to ``assignee`` (a user or a user's id; None unassigns) and return the
    user. Only a member of the item's workspace whose role answers the inbox can have it:
    anyone else is refused with a ValidationError on "assignee"."""
    if assignee is not None:
        membership = (
            Membership.objects.for_workspace(item.workspace).filter(user=assignee).select_related("user").first()
        )
        if membership is None or not membership.can("reply_inbox"):
            raise ValidationError({"assignee": NOT_ASSIGNABLE})
        assignee = membership.user
    with transaction.atomic():
        item.assignee = assignee
        item.updated_at = timezone.now()
        item.save(update_fields=["assignee", "updated_at"])
        message = f"Assigned to {assignee.get_username()}" if assignee else "Unassigned"
        record_event(item.workspace, by, "inbox.assign", item, message)
    return assignee


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
    """Recompute priority and reasons (waiting time changes them); an item scored before
    the sentiment's words were kept gets them too (its score stays as it was)."""
    now = now or timezone.now()
    keywords_by_workspace: dict[int, list] = {}
    changed = []
    for item in items.only(
        "id",
        "workspace_id",
        "text",
        "sentiment",
        "sentiment_words",
        "author_followers",
        "kind",
        "created_at",
        "first_response_at",
    ).iterator(chunk_size=1000):
        if item.sentiment_words is None:
            item.sentiment_words = priority.explain_sentiment(item.text).words
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
        item.priority, item.priority_reasons = scored.total, scored.factors
        changed.append(item)
    InboxItem.objects.bulk_update(changed, ["priority", "priority_reasons", "sentiment_words"], batch_size=500)
    return len(changed)
