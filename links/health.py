"""The click log's health for the operations page and its JSON: clicks lost (redirected but
not stored), clicks waiting in the buffer, and when the drain last ran."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from links import clicks
from links.models import ClickLoss
from smm import operations

DRAIN_STALE = 60


def report(now: dt.datetime, workspace=None, *, cache_down: bool = False) -> dict:
    since = now.date() - dt.timedelta(days=7)
    losses = ClickLoss.objects.filter(day__gte=since)
    if workspace is not None:
        losses = losses.for_workspace(workspace)
    lost = sum(row.count for row in losses)
    waiting = clicks.backlog()
    last = operations.read_signal("ops:links:drain") if settings.CLICK_BUFFER_URL else None
    age = (now - last).total_seconds() if last else None
    incidents = []
    if lost:
        incidents.append(
            f"{lost} click(s) on short links in the last 7 days could not be stored (the visitors were "
            "redirected; the click buffer and the database did not answer)."
        )
    if waiting and (age is None or age > DRAIN_STALE) and not cache_down:
        incidents.append(f"{waiting} click(s) wait in the buffer and the click drain has not run for over a minute.")
    return {
        "incidents": incidents,
        "clicks": {
            "lost_7_days": lost,
            "buffered": waiting,
            "drain_age_seconds": age,
            "unsaved_in_process": clicks.pending_losses(),
        },
    }


def as_json(report: dict) -> dict:
    return {"clicks": report["clicks"]}
