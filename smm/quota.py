"""A network's daily API allowance, counted: YouTube gives one per Google project (this
installation's OAuth client), in buckets (uploads; everything else) that start again at
midnight Pacific time. Adapters report each call's cost through the ``count_quota`` hook
``smm.accounts`` gives them; the operations page shows the day's use and owners get one
email when a bucket passes 80%. Past 80% is a warning on that page (the installation is
still healthy); a bucket used up is an incident, since that network's work waits.

A network takes part by declaring ``quota_limits`` ({bucket: units a day}) and
``quota_timezone`` on its adapter class. What we count is what SMM spent: another app on
the same Google project spends from the same allowance unseen.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)

WARN_AT = 0.8


class ApiQuotaUsage(models.Model):
    """Units one network's API allowance lost on one quota day, per bucket."""

    network = models.CharField(max_length=20)
    bucket = models.CharField(max_length=40)
    day = models.DateField(help_text="The network's quota day (YouTube: a Pacific date)")
    units = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "smm"
        ordering = ["-day", "network", "bucket"]
        constraints = [
            models.UniqueConstraint(fields=["network", "bucket", "day"], name="api_quota_one_row_a_day"),
        ]

    def __str__(self):
        return f"{self.network} {self.bucket} {self.day}: {self.units}"


def _adapter_class(network: str):
    from smm.platforms import adapter_class

    return adapter_class(network)


def quota_day(network: str, now: dt.datetime | None = None) -> dt.date:
    zone = ZoneInfo(getattr(_adapter_class(network), "quota_timezone", "UTC"))
    return (now or timezone.now()).astimezone(zone).date()


def resets_at(network: str, now: dt.datetime | None = None) -> dt.datetime:
    zone = ZoneInfo(getattr(_adapter_class(network), "quota_timezone", "UTC"))
    day = quota_day(network, now) + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(dt.UTC)


def spend(network: str, bucket: str, units: int, now: dt.datetime | None = None) -> None:
    """Add ``units`` to today's row of ``network``'s ``bucket`` (one UPDATE; the row is made
    on the day's first call, a race for it settled by the unique constraint)."""
    if units <= 0:
        return
    day = quota_day(network, now)
    rows = ApiQuotaUsage.objects.filter(network=network, bucket=bucket, day=day)
    if rows.update(units=F("units") + units):
        return
    try:
        with transaction.atomic():
            ApiQuotaUsage.objects.create(network=network, bucket=bucket, day=day, units=units)
    except IntegrityError:
        rows.update(units=F("units") + units)


def counter(network: str):
    """The ``count_quota(bucket, units)`` hook for an adapter of ``network``."""

    def count(bucket: str, units: int) -> None:
        spend(network, bucket, units)

    return count


def usage(now: dt.datetime | None = None) -> list[dict]:
    """Today's use of every counted allowance: one row per network and bucket."""
    from smm.platforms.registry import NETWORKS

    now = now or timezone.now()
    rows = []
    for name, row in NETWORKS.items():
        limits = getattr(row.adapter_class, "quota_limits", None) or {}
        if not limits:
            continue
        day = quota_day(name, now)
        used = dict(ApiQuotaUsage.objects.filter(network=name, day=day).values_list("bucket", "units"))
        for bucket, limit in limits.items():
            units = used.get(bucket, 0)
            rows.append(
                {
                    "network": name,
                    "label": row.label,
                    "bucket": bucket,
                    "used": units,
                    "limit": limit,
                    "percent": round(100 * units / limit) if limit else 0,
                    "day": day,
                    "resets_at": resets_at(name, now),
                }
            )
    return rows


def _bucket_words(row: dict) -> str:
    if row["bucket"] == "videos.insert":
        return f"uploads ({row['used']:,} of {row['limit']:,} a day)"
    return f"API allowance ({row['used']:,} of {row['limit']:,} units a day)"


def _past(row: dict, share: float) -> bool:
    return bool(row["limit"]) and row["used"] >= share * row["limit"]


def warnings(now: dt.datetime | None = None) -> list[str]:
    """Allowances past 80% but not used up: an early warning, nothing waits yet."""
    return [
        f"{row['label']} has used {row['percent']}% of today's {_bucket_words(row)} for this installation; "
        f"it renews at {row['resets_at']:%H:%M} UTC. Past the limit, {row['label']} posts, metrics and "
        "replies wait until then."
        for row in usage(now)
        if _past(row, WARN_AT) and not _past(row, 1)
    ]


def incidents(now: dt.datetime | None = None) -> list[str]:
    """Allowances used up: that network's posts, metrics and replies wait for the renewal."""
    return [
        f"{row['label']} has used all of today's {_bucket_words(row)} for this installation: "
        f"{row['label']} posts, metrics and replies wait until it renews at {row['resets_at']:%H:%M} UTC."
        for row in usage(now)
        if _past(row, 1)
    ]


def alert(now: dt.datetime | None = None) -> list[str]:
    """Email the owners once per network, bucket and day when a bucket passes 80%."""
    from smm.operations import once, owner_emails, send_alert

    sent = []
    for row in usage(now):
        if not _past(row, WARN_AT):
            continue
        if not once(f"quota:{row['network']}:{row['bucket']}:{row['day'].isoformat()}"):
            continue
        send_alert(
            f"{row['label']} allowance {row['percent']}% used today",
            f"SMM has used {row['percent']}% of today's {row['label']} {_bucket_words(row)}. "
            f"It renews at {row['resets_at']:%H:%M} UTC; past the limit, {row['label']} posts, metrics and replies "
            "wait until then. A Google Cloud project's allowance can be raised through YouTube's quota "
            "extension form.",
            owner_emails(),
        )
        sent.append(f"{row['network']}:{row['bucket']}")
    return sent
