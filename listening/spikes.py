"""Spike and crisis alerts: a bucket of mentions far above its monitor's rolling baseline.

For each active monitor and each window (10 minutes and 1 hour: LISTENING_SPIKE_WINDOWS) the bucket that has just
closed is compared with the buckets before it (24 hours of 10-minute buckets, 7 days of
hourly ones): it is a spike when its count passes mean + k x standard deviation of the
baseline (k is the monitor's ``alert_deviations``, 3 by default) and is at least the
monitor's ``alert_min_count`` (so 3 posts after a silent week are not a crisis). The
standard deviation is taken as at least 1, for the same reason. Two series are checked:
every mention (volume) and the negative ones only (the crisis alert). Buckets are aligned
on the clock (UTC) and counted on ``seen_at``, when the stream delivered the post; the
counts are kept per bucket as mentions are stored (``listening.store``).

Each spike is stored once (unique per monitor, series, window and bucket); its email goes
to the workspace's owners and managers with the posts behind it and the link to the
alert page, where one click pauses the brand's publishing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from listening import store
from listening.models import MentionBucket, Monitor, SpikeAlert

log = logging.getLogger(__name__)

MIN_STDDEV = 1.0


@dataclass(frozen=True)
class Verdict:
    count: int
    mean: float
    stddev: float
    threshold: float

    @property
    def spike(self) -> bool:
        return self.count > self.threshold


def judge(baseline: list[int], current: int, *, deviations: float, min_count: int) -> Verdict:
    """Is ``current`` a spike against ``baseline`` (the counts of the buckets before it)?"""
    if baseline:
        mean = sum(baseline) / len(baseline)
        stddev = math.sqrt(sum((x - mean) ** 2 for x in baseline) / len(baseline))
    else:
        mean = stddev = 0.0
    threshold = max(mean + deviations * max(stddev, MIN_STDDEV), min_count - 0.5)
    return Verdict(current, round(mean, 3), round(stddev, 3), round(threshold, 3))


bucket_start = store.bucket_start


def check_monitor(monitor: Monitor, now: dt.datetime) -> list[SpikeAlert]:
    """New alerts for the buckets of ``monitor`` that closed last (none twice).

    Reads the monitor's bucket counts (``MentionBucket``, kept when mentions are stored):
    one small query of about 320 rows, where it used to read a week of mentions."""
    found = []
    windows = settings.LISTENING_SPIKE_WINDOWS
    spans = {}
    for minutes in windows:
        end = bucket_start(now, minutes)
        baseline_buckets = settings.LISTENING_BASELINE_HOURS.get(minutes, 24) * 60 // minutes
        spans[minutes] = (end - dt.timedelta(minutes=minutes * (baseline_buckets + 1)), end, baseline_buckets + 1)
    reach = Q()
    for minutes, (start, end, _) in spans.items():
        reach |= Q(minutes=minutes, start__gte=start, start__lt=end)
    stored = {}
    for minutes, start, total, negative in MentionBucket.objects.filter(reach, monitor=monitor).values_list(
        "minutes", "start", "total", "negative"
    ):
        stored[(minutes, start)] = (total, negative)
    for minutes, (start, end, size) in spans.items():
        slots = [start + dt.timedelta(minutes=minutes * i) for i in range(size)]
        volume = [stored.get((minutes, slot), (0, 0))[0] for slot in slots]
        negative = [stored.get((minutes, slot), (0, 0))[1] for slot in slots]
        for name, counts in ((SpikeAlert.Series.VOLUME, volume), (SpikeAlert.Series.NEGATIVE, negative)):
            verdict = judge(
                counts[:-1], counts[-1], deviations=monitor.alert_deviations, min_count=monitor.alert_min_count
            )
            if not verdict.spike:
                continue
            alert = _record(monitor, name, minutes, end - dt.timedelta(minutes=minutes), verdict)
            if alert:
                found.append(alert)
    return found


def _record(monitor, name, minutes, start, verdict) -> SpikeAlert | None:
    try:
        with transaction.atomic():
            return SpikeAlert.objects.create(
                workspace_id=monitor.workspace_id,
                monitor=monitor,
                series=name,
                window_minutes=minutes,
                bucket_start=start,
                count=verdict.count,
                baseline_mean=verdict.mean,
                baseline_stddev=verdict.stddev,
                threshold=verdict.threshold,
            )
    except IntegrityError:  # found already (a second check of the same bucket)
        return None


def check_all(now: dt.datetime | None = None) -> list[int]:
    """Every active monitor's closed buckets; emails each new alert. Returns the new ids."""
    now = now or timezone.now()
    new = []
    if now.minute == 0 and now.second < 30:  # once an hour: drop buckets no baseline reads
        store.prune(now)
    for monitor in Monitor.objects.filter(active=True).select_related("brand", "workspace"):
        for alert in check_monitor(monitor, now):
            new.append(alert.pk)
            email(alert)
    return new


def email(alert: SpikeAlert) -> None:
    from smm import operations

    monitor = alert.monitor
    recipients = sorted(
        {
            m.user.email
            for m in monitor.workspace.memberships.filter(role__in=["owner", "manager"]).select_related("user")
            if m.user.email and m.user.is_active
        }
    )
    posts = list(alert.mentions()[:5])
    site = settings.SITE_URL.rstrip("/")
    what = "negative mentions" if alert.series == SpikeAlert.Series.NEGATIVE else "mentions"
    lines = [
        f"{alert.count} {what} of “{monitor.name}” ({monitor.brand.name}) between "
        f"{alert.bucket_start:%Y-%m-%d %H:%M} and {alert.bucket_end:%H:%M} UTC; "
        f"usual: {alert.baseline_mean:.1f} ± {alert.baseline_stddev:.1f}, alert above {alert.threshold:.1f}.",
        "",
        "The posts behind it:",
        *[f"- {m.author_label}: {m.text[:200]} ({m.url})" for m in posts],
        "",
        f"See them all, and pause {monitor.brand.name}'s publishing in one click: {site}{alert.get_absolute_url()}",
    ]
    kind = "Crisis" if alert.series == SpikeAlert.Series.NEGATIVE else "Spike"
    subject = f"{kind} alert: {monitor.name} ({alert.count} {what} in {alert.window_minutes} min)"
    operations.send_alert(subject, "\n".join(lines), recipients)
    SpikeAlert.objects.filter(pk=alert.pk).update(emailed_at=timezone.now())
