"""The listening dashboard's figures for one brand and period, one definition each:

- volume: mentions per bucket (a day, or an hour for periods of two days or less), per monitor;
- net sentiment = (positive - negative) / (positive + negative), neutral left out
  (Talkwalker's definition), from -100 % to +100 %; None without any opinionated mention;
- share of voice = the brand's mentions / (the brand's + its competitors' monitors'
  mentions) in the period, by mention count;
- top authors: by mentions, with the most negative ones visible;
- top terms: which of the monitors' terms the mentions matched, by count.

A post that matches two of the brand's own monitors counts once per monitor.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q

from inbox.models import NEGATIVE_BELOW, POSITIVE_ABOVE
from listening.models import Mention, Monitor

TOP = 10


@dataclass
class Period:
    start: dt.datetime
    end: dt.datetime

    @property
    def hourly(self) -> bool:
        return self.end - self.start <= dt.timedelta(days=2)


def net_sentiment(positive: int, negative: int) -> float | None:
    if positive + negative == 0:
        return None
    return (positive - negative) / (positive + negative)


def share_of_voice(brand_count: int, competitor_count: int) -> float | None:
    total = brand_count + competitor_count
    return brand_count / total if total else None


def buckets(period: Period) -> list[dt.datetime]:
    step = dt.timedelta(hours=1) if period.hourly else dt.timedelta(days=1)
    if period.hourly:
        first = period.start.replace(minute=0, second=0, microsecond=0)
    else:
        first = period.start.replace(hour=0, minute=0, second=0, microsecond=0)
    out, moment = [], first
    while moment < period.end:
        out.append(moment)
        moment += step
    return out


def dashboard(brand, period: Period) -> dict:
    monitors = list(Monitor.objects.filter(brand=brand))
    mentions = Mention.objects.filter(monitor__brand=brand, seen_at__gte=period.start, seen_at__lt=period.end)
    per_monitor = {
        row["monitor"]: row
        for row in mentions.values("monitor").annotate(
            total=Count("id"),
            positive=Count("id", filter=Q(sentiment__gt=POSITIVE_ABOVE)),
            negative=Count("id", filter=Q(sentiment__lt=NEGATIVE_BELOW)),
        )
    }
    own = [m for m in monitors if m.kind == Monitor.Kind.BRAND]
    rivals = [m for m in monitors if m.kind == Monitor.Kind.COMPETITOR]

    def total(group, key="total"):
        return sum(per_monitor.get(m.pk, {}).get(key, 0) for m in group)

    own_ids = [m.pk for m in own]
    own_mentions = mentions.filter(monitor_id__in=own_ids)
    # volume series: (monitor, bucket) counts, shaped in Python (one small query)
    slots = buckets(period)
    index = {slot: i for i, slot in enumerate(slots)}
    series = {m.pk: [0] * len(slots) for m in monitors}
    for monitor_id, seen in mentions.values_list("monitor_id", "seen_at").iterator(chunk_size=5000):
        slot = seen.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        if not period.hourly:
            slot = slot.replace(hour=0)
        if slot in index and monitor_id in series:
            series[monitor_id][index[slot]] += 1
    peak = max([1, *(max(values) if values else 0 for values in series.values())])

    terms: Counter = Counter()
    for matched in own_mentions.values_list("matched", flat=True).iterator(chunk_size=5000):
        terms.update(matched or [])
    authors = (
        own_mentions.values("author_id", "author_handle")
        .annotate(count=Count("id"), negative=Count("id", filter=Q(sentiment__lt=NEGATIVE_BELOW)))
        .order_by("-count", "author_id")[:TOP]
    )
    rows = []
    for monitor in monitors:
        row = per_monitor.get(monitor.pk, {})
        rows.append(
            {
                "monitor": monitor,
                "total": row.get("total", 0),
                "positive": row.get("positive", 0),
                "negative": row.get("negative", 0),
                "net": net_sentiment(row.get("positive", 0), row.get("negative", 0)),
                "share": share_of_voice(row.get("total", 0), total(rivals) + total(own) - row.get("total", 0))
                if monitor.kind == Monitor.Kind.COMPETITOR
                else None,
                "series": [
                    {"at": slot, "count": count, "height": round(100 * count / peak)}
                    for slot, count in zip(slots, series[monitor.pk], strict=True)
                ],
            }
        )
    return {
        "period": period,
        "monitors": rows,
        "volume": total(own),
        "competitor_volume": total(rivals),
        "net_sentiment": net_sentiment(total(own, "positive"), total(own, "negative")),
        "positive": total(own, "positive"),
        "negative": total(own, "negative"),
        "share_of_voice": share_of_voice(total(own), total(rivals)) if rivals else None,
        "top_terms": terms.most_common(TOP),
        "top_authors": [
            {**row, "label": f"@{row['author_handle']}" if row["author_handle"] else row["author_id"]}
            for row in authors
        ],
        "hourly": period.hourly,
    }
