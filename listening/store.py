"""Storing mentions, one way for every source (the Jetstream consumer, the Mastodon and X
pollers): each (monitor, source, remote id) once, and the monitor's bucket counts
(``MentionBucket``: 10-minute and hourly, total and negative) raised by the mentions that
were new, in the same transaction, so the spike check reads a few rows.

New is decided before inserting: the rows whose key is already stored are dropped (a
replay, a post read on two instances), the rest inserted with ``ON CONFLICT DO NOTHING``
as a guard. Two writers storing the same post for the same monitor at the same instant
could count it twice in a bucket; the sources are apart (one Jetstream consumer, one
polling task at a time, each on its own source), so they do not.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction

from inbox.models import NEGATIVE_BELOW
from listening.models import Mention, MentionBucket

KEEP_DAYS = 8  # the longest baseline (7 days of hourly buckets) and a day to spare


def windows() -> list[int]:
    return sorted({*settings.LISTENING_SPIKE_WINDOWS, 10, 60})


def bucket_start(moment: dt.datetime, minutes: int) -> dt.datetime:
    """The start of the clock-aligned (UTC) bucket of ``minutes`` that holds ``moment``."""
    epoch = int(moment.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % (minutes * 60), tz=dt.UTC)


def save(rows: Iterable[Mention]) -> list[Mention]:
    """Store the mentions not stored yet and count them in their buckets; returns them."""
    rows = list(rows)
    if not rows:
        return []
    with transaction.atomic():
        wanted: dict[tuple[int, str, str], Mention] = {}
        for row in rows:
            wanted.setdefault((row.monitor_id, row.source, row.remote_id), row)
        stored = set(
            Mention.objects.filter(
                monitor_id__in={key[0] for key in wanted},
                remote_id__in={key[2] for key in wanted},
            ).values_list("monitor_id", "source", "remote_id")
        )
        new = [row for key, row in wanted.items() if key not in stored]
        if not new:
            return []
        Mention.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        count(new)
    return new


def count(mentions: Iterable[Mention], *, sign: int = 1) -> None:
    """Add (or, with ``sign`` -1, take away) the mentions to their monitors' buckets."""
    totals: Counter = Counter()
    negatives: Counter = Counter()
    for mention in mentions:
        for minutes in windows():
            key = (mention.monitor_id, minutes, bucket_start(mention.seen_at, minutes))
            totals[key] += 1
            if mention.sentiment < NEGATIVE_BELOW:
                negatives[key] += 1
    if not totals:
        return
    table = MentionBucket._meta.db_table
    values = [(m, w, s, sign * n, sign * negatives[(m, w, s)]) for (m, w, s), n in sorted(totals.items())]
    placeholders = ", ".join(["(%s, %s, %s, %s, %s)"] * len(values))
    # the table name is the model's own; every value is a parameter
    sql = (
        f"INSERT INTO {table} (monitor_id, minutes, start, total, negative) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT (monitor_id, minutes, start) DO UPDATE SET "
        f"total = {table}.total + EXCLUDED.total, negative = {table}.negative + EXCLUDED.negative"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [part for value in values for part in value])


def rebuild(monitor_ids: Iterable[int] | None = None, *, since: dt.datetime | None = None) -> int:
    """Count the buckets again from the stored mentions (after an import written straight
    to the table, and by the migration that made buckets). Returns the buckets written."""
    from django.utils import timezone

    since = since or timezone.now() - dt.timedelta(days=KEEP_DAYS)
    mentions = Mention.objects.filter(seen_at__gte=bucket_start(since, 60))
    buckets = MentionBucket.objects.filter(start__gte=bucket_start(since, 60))
    if monitor_ids is not None:
        monitor_ids = list(monitor_ids)
        mentions = mentions.filter(monitor_id__in=monitor_ids)
        buckets = buckets.filter(monitor_id__in=monitor_ids)
    totals: Counter = Counter()
    negatives: Counter = Counter()
    for monitor_id, seen, sentiment in mentions.values_list("monitor_id", "seen_at", "sentiment").iterator(
        chunk_size=5000
    ):
        for minutes in windows():
            key = (monitor_id, minutes, bucket_start(seen, minutes))
            totals[key] += 1
            if sentiment < NEGATIVE_BELOW:
                negatives[key] += 1
    with transaction.atomic():
        buckets.delete()
        MentionBucket.objects.bulk_create(
            [
                MentionBucket(monitor_id=m, minutes=w, start=s, total=n, negative=negatives[(m, w, s)])
                for (m, w, s), n in totals.items()
            ],
            batch_size=1000,
        )
    return len(totals)


def prune(now: dt.datetime) -> int:
    """Buckets older than any baseline reads."""
    deleted, _ = MentionBucket.objects.filter(start__lt=now - dt.timedelta(days=KEEP_DAYS)).delete()
    return deleted
