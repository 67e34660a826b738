"""Background work of the links app."""

from __future__ import annotations

from celery import shared_task

from links import clicks
from smm import operations

DRAIN_SIGNAL = "ops:links:drain"


@shared_task(name="links.tasks.drain_clicks", ignore_result=True)
def drain_clicks() -> int:
    """Buffered clicks into the database (safe to run twice at once: see clicks.drain)."""
    written = clicks.drain()
    operations.record_signal(DRAIN_SIGNAL)
    return written
