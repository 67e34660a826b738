"""Turning what a network delivered (polled or pushed) into InboxItem rows, once.

``ingest(account, items)`` is the one way items enter the inbox. It is idempotent:
an item already stored for the account (same network id) is left exactly as it is,
and a concurrent insert of the same item is absorbed by the unique constraint.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from inbox import priority
from inbox.models import InboxItem, InboxKeyword, InboxReply, Kind
from posts.models import PostTarget
from smm.models import SocialAccount
from smm.network_urls import http_url
from smm.platforms.base import InboxItem as NetworkItem
from smm.webhooks import emit

log = logging.getLogger(__name__)

KINDS = set(Kind.values)
# What an inbox.item_created webhook tells about the item (none of INTERNAL_FIELDS).
WEBHOOK_FIELDS = ("id", "kind", "remote_id", "author_handle", "text", "url", "created_at")


def workspace_keywords(workspace_id: int) -> list[priority.Keyword]:
    return [
        priority.Keyword(word, weight)
        for word, weight in InboxKeyword.objects.filter(workspace_id=workspace_id).values_list("word", "weight")
    ]


def ingest(account: SocialAccount, items: list[NetworkItem], *, source: str = "poll", keywords=None) -> int:
    """Store the items not seen before for ``account``; returns how many were new."""
    if not items:
        return 0
    # One item may come twice in one delivery (a webhook batch, overlapping pages).
    unique: dict[str, NetworkItem] = {}
    for item in items:
        if item.remote_id:
            unique.setdefault(str(item.remote_id), item)
    existing = set(
        InboxItem.objects.filter(account=account, remote_id__in=list(unique)).values_list("remote_id", flat=True)
    )
    fresh = [item for remote_id, item in unique.items() if remote_id not in existing]
    if not fresh:
        return 0

    workspace_id = account.brand.workspace_id
    if keywords is None:
        keywords = workspace_keywords(workspace_id)
    now = timezone.now()
    targets = _post_targets(account, {item.post_remote_id for item in fresh if item.post_remote_id})
    threads = _known_threads(account, {item.parent_remote_id for item in fresh if item.parent_remote_id})
    # Items of this very batch can answer one another.
    for item in fresh:
        threads.setdefault(str(item.remote_id), _thread_key(item, threads, targets))

    rows = []
    for item in fresh:
        felt = priority.explain_sentiment(item.text)
        compound = felt.compound
        scored = priority.score(
            text=item.text,
            compound=compound,
            keywords=keywords,
            followers=item.author_followers,
            kind=item.kind,
            created_at=item.created_at,
            answered=False,
            now=now,
        )
        target = targets.get(item.post_remote_id)
        if target is None and item.parent_remote_id:
            target = threads.get(("target", item.parent_remote_id))
        rows.append(
            InboxItem(
                workspace_id=workspace_id,
                account=account,
                kind=item.kind if item.kind in KINDS else Kind.COMMENT,
                remote_id=str(item.remote_id)[:191],
                author_handle=(item.author_handle or "")[:191],
                author_name=(item.author_name or "")[:191],
                author_avatar=http_url(item.author_avatar, max_length=500),
                author_followers=item.author_followers if (item.author_followers or 0) >= 0 else None,
                text=item.text or "",
                created_at=item.created_at,
                url=http_url(item.url, max_length=1000),
                post_target_id=target,
                parent_remote_id=(item.parent_remote_id or "")[:191],
                thread_key=_thread_key(item, threads, targets)[:191],
                sentiment=compound,
                sentiment_words=felt.words,
                priority=scored.total,
                priority_reasons=scored.factors,
                source=source,
                ingested_at=now,
                updated_at=now,
            )
        )
    with transaction.atomic():
        InboxItem.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        # ignore_conflicts leaves no ids: the rows this call created carry its ``now``.
        # The payload leaves the app for the workspace's integration URL: what arrived,
        # never the team's internal fields.
        created = InboxItem.objects.filter(
            account=account, remote_id__in=[row.remote_id for row in rows], ingested_at=now
        ).values(*WEBHOOK_FIELDS)
        for item in created:
            emit(
                account.brand.workspace,
                "inbox.item_created",
                {
                    "item": dict(item),
                    "account": {"id": account.pk, "network": account.network, "handle": account.handle},
                },
            )
    return len(rows)


def _post_targets(account: SocialAccount, remote_ids: set[str]) -> dict[str, int]:
    """Our posts on this account, by their network id."""
    if not remote_ids:
        return {}
    return dict(
        PostTarget.objects.filter(account=account, remote_id__in=list(remote_ids)).values_list("remote_id", "id")
    )


def _known_threads(account: SocialAccount, parent_ids: set[str]) -> dict:
    """For parents we already hold (items, or replies we sent): their thread key and post."""
    found: dict = {}
    if not parent_ids:
        return found
    for remote_id, thread_key, target_id in InboxItem.objects.filter(
        account=account, remote_id__in=list(parent_ids)
    ).values_list("remote_id", "thread_key", "post_target_id"):
        found[remote_id] = thread_key
        if target_id:
            found[("target", remote_id)] = target_id
    # Someone answering one of our replies continues the thread of the item we answered.
    for remote_id, thread_key, target_id in InboxReply.objects.filter(
        item__account=account, remote_id__in=list(parent_ids)
    ).values_list("remote_id", "item__thread_key", "item__post_target_id"):
        found[remote_id] = thread_key
        if target_id:
            found[("target", remote_id)] = target_id
    return found


def _thread_key(item: NetworkItem, threads: dict, targets: dict[str, int]) -> str:
    if item.conversation_id:
        return f"c:{item.conversation_id}"
    if item.parent_remote_id and item.parent_remote_id in threads:
        return threads[item.parent_remote_id]
    if item.post_remote_id:
        return f"p:{item.post_remote_id}"
    if item.parent_remote_id:
        return f"i:{item.parent_remote_id}"
    return f"i:{item.remote_id}"
