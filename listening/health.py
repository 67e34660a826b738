"""Listening on the operations page: the stream consumers' state and the recent spike alerts
(each an incident with its link, so the posts and the crisis switch are one click away)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from listening.models import SpikeAlert, StreamCursor

ALERTS_SHOWN_HOURS = 24
STREAM_STALE = 120  # seconds without a save: the consumer is not running


def report(now: dt.datetime, workspace=None, *, cache_down: bool = False) -> dict:
    alerts = SpikeAlert.objects.filter(created_at__gte=now - dt.timedelta(hours=ALERTS_SHOWN_HOURS))
    if workspace is not None:
        alerts = alerts.for_workspace(workspace)
    alerts = list(alerts.select_related("monitor", "monitor__brand", "workspace")[:20])
    site = settings.SITE_URL.rstrip("/")
    incidents = [
        f"Listening: {alert.count} {'negative mentions' if alert.series == 'negative' else 'mentions'} of "
        f"“{alert.monitor.name}” ({alert.monitor.brand.name}) in {alert.window_minutes} min from "
        f"{alert.bucket_start:%H:%M} UTC, usual {alert.baseline_mean:.1f}. Posts and crisis switch: "
        f"{site}{alert.get_absolute_url()}"
        for alert in alerts
    ]
    streams = []
    for row in StreamCursor.objects.all():
        age = (now - row.updated_at).total_seconds()
        streams.append(
            {
                "name": row.name,
                "cursor": row.cursor,
                "connected": bool(row.connected_at) and age <= STREAM_STALE,
                "saved_age_seconds": round(age),
                "events": row.events,
                "mentions": row.mentions,
                "malformed": row.malformed,
                "disconnects": row.disconnects,
            }
        )
    return {"incidents": incidents, "listening": {"streams": streams, "alerts_24h": len(alerts)}}


def as_json(report: dict) -> dict:
    return {"listening": report.get("listening", {})}
