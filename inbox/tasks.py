"""Inbox background work: polling each account, sending replies, re-scoring, waking snoozes.

Tasks take ids, re-read the rows and are safe to run twice. Polls of different
accounts run independently: one account being rate limited or down never delays
another, and a per-account cache lock keeps two polls of one account from overlapping.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from celery import shared_task
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inbox import actions
from inbox.ingest import ingest, workspace_keywords
from inbox.models import InboxCursor, InboxItem, InboxReply, Status
from smm.models import SocialAccount
from smm.platforms import adapter_class
from smm.platforms.base import AuthExpired, NotSupported, PlatformError, RateLimited
from smm.platforms.token_refresh import call_refreshing_once

log = logging.getLogger(__name__)

POLL_EVERY = dt.timedelta(seconds=60)
# Back-off after failures: 1, 2, 4 ... minutes, at most an hour.
BACKOFF_BASE = 60
BACKOFF_MAX = 3600
# Pages read per poll: a burst larger than this continues on the next poll.
MAX_PAGES = 5
LOCK_SECONDS = 300


def _lock_key(account_id: int) -> str:
    return f"inbox:poll:{account_id}"


def pollable_accounts():
    return SocialAccount.objects.active().filter(network__in=_inbox_networks())


def _inbox_networks() -> list[str]:
    from smm.platforms import registry

    networks = []
    for network in registry.NETWORKS:
        try:
            if adapter_class(network).supports_inbox:
                networks.append(network)
        except (ImportError, AttributeError):  # an adapter still being written
            continue
    return networks


@shared_task
def poll_due_accounts() -> int:
    """Beat tick: enqueue one poll per account that is due. The claim (moving
    ``next_poll_at`` forward with a conditional UPDATE) keeps a slow worker from
    receiving the same account twice from consecutive ticks."""
    now = timezone.now()
    accounts = list(pollable_accounts().values_list("id", flat=True))
    have = set(InboxCursor.objects.filter(account_id__in=accounts).values_list("account_id", flat=True))
    InboxCursor.objects.bulk_create(
        [InboxCursor(account_id=account_id) for account_id in accounts if account_id not in have],
        ignore_conflicts=True,
    )
    due = InboxCursor.objects.filter(account_id__in=accounts).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )
    queued = 0
    for cursor in due.only("id", "account_id", "next_poll_at"):
        claimed = InboxCursor.objects.filter(pk=cursor.pk, next_poll_at=cursor.next_poll_at).update(
            next_poll_at=now + POLL_EVERY
        )
        if claimed:
            poll_account.delay(cursor.account_id)
            queued += 1
    return queued


def backoff_seconds(failures: int, retry_after: float | None = None) -> float:
    if retry_after:
        return max(float(retry_after), 1.0)
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** max(0, failures - 1))


@shared_task
def poll_account(account_id: int, *, now=None) -> str:
    """Fetch what is new for one account since its cursor and ingest it."""
    token = secrets.token_hex(8)
    if not cache.add(_lock_key(account_id), token, LOCK_SECONDS):
        return "busy"
    try:
        return _poll(account_id, now=now)
    finally:
        if cache.get(_lock_key(account_id)) == token:
            cache.delete(_lock_key(account_id))


def _poll(account_id: int, *, now=None) -> str:
    account = SocialAccount.objects.select_related("brand").filter(pk=account_id).first()
    if account is None or account.status != SocialAccount.Status.CONNECTED:
        return "skipped"
    cursor, _ = InboxCursor.objects.get_or_create(account=account)
    now = now or timezone.now()
    adapter = account.adapter()
    context = account.context()
    keywords = workspace_keywords(account.brand.workspace_id)
    new: list[int] = []
    try:
        # Pages read before a refused token stay stored (and counted); the poll carries on from the cursor.
        call_refreshing_once(adapter, context, lambda: _read_pages(account, adapter, context, cursor, keywords, new))
    except RateLimited as exc:
        return _failed(cursor, now, exc, retry_after=exc.retry_after)
    except AuthExpired as exc:
        account.mark_needs_reconnect(exc.user_message)
        return _failed(cursor, now, exc)
    except NotSupported as exc:
        cursor.next_poll_at = now + dt.timedelta(days=1)
        cursor.last_error = exc.user_message[:500]
        cursor.save(update_fields=["next_poll_at", "last_error"])
        return "not supported"
    except PlatformError as exc:
        return _failed(cursor, now, exc)
    cursor.failures = 0
    cursor.last_error = ""
    cursor.last_polled_at = now
    cursor.next_poll_at = now + POLL_EVERY
    cursor.save(update_fields=["failures", "last_error", "last_polled_at", "next_poll_at"])
    return f"{sum(new)} new"


def _read_pages(account, adapter, context, cursor: InboxCursor, keywords, new: list[int]) -> None:
    """Read up to MAX_PAGES from the cursor, storing each page and the cursor as it goes; the
    count of new items of each page is added to ``new``."""
    for _ in range(MAX_PAGES):
        page = adapter.fetch_inbox(context, cursor.cursor)
        with transaction.atomic():
            new.append(ingest(account, page.items, source="poll", keywords=keywords))
            moved = bool(page.cursor) and page.cursor != cursor.cursor
            if page.cursor:
                cursor.cursor = page.cursor[:500]
            cursor.save(update_fields=["cursor"])
        if not page.items or not moved:
            break


def _failed(cursor: InboxCursor, now, exc: PlatformError, retry_after: float | None = None) -> str:
    cursor.failures += 1
    cursor.last_error = (exc.user_message or str(exc))[:500]
    cursor.next_poll_at = now + dt.timedelta(seconds=backoff_seconds(cursor.failures, retry_after))
    cursor.save(update_fields=["failures", "last_error", "next_poll_at"])
    log.warning("inbox poll of account %s failed (%s): %s", cursor.account_id, type(exc).__name__, exc)
    return type(exc).__name__


@shared_task
def send_reply(reply_id: int) -> str:
    return actions.send_reply(reply_id)


@shared_task
def rescore_open_items() -> int:
    """Waiting time counts toward priority, so unanswered open items are re-scored."""
    # Waiting points stop growing after a while; older items only need their label
    # refreshed now and then, so the last week is enough.
    since = timezone.now() - dt.timedelta(days=7)
    return actions.rescore(
        InboxItem.objects.filter(status=Status.OPEN, first_response_at__isnull=True, created_at__gte=since)
    )


@shared_task
def resolve_stalled_reply(reply_id: int) -> str:
    return actions.resolve_stalled_reply(reply_id)


@shared_task
def resend_queued_replies() -> int:
    """Sweeper: replies left queued (broker lost the message, network said "later") are
    sent; the claim in send_reply keeps it once. Replies stuck sending (the worker died
    mid-send) may be on the network: they are looked up there, never simply re-sent."""
    now = timezone.now()
    queued = list(
        InboxReply.objects.filter(
            state=InboxReply.State.QUEUED, created_at__lt=now - dt.timedelta(seconds=30)
        ).values_list("id", flat=True)[:200]
    )
    stalled = list(
        InboxReply.objects.filter(state=InboxReply.State.SENDING, locked_until__lt=now).values_list("id", flat=True)[
            :200
        ]
    )
    for reply_id in queued:
        send_reply.delay(reply_id)
    for reply_id in stalled:
        resolve_stalled_reply.delay(reply_id)
    return len(queued) + len(stalled)


@shared_task
def wake_snoozed() -> int:
    return InboxItem.objects.wake_snoozed()


@shared_task
def process_inbound_webhook(hook_id: int) -> str:
    from inbox import webhooks

    return webhooks.process(hook_id)


@shared_task
def process_pending_webhooks() -> int:
    from inbox import webhooks

    return webhooks.process_pending()
