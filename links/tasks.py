"""Background work of the links app."""

from __future__ import annotations

import logging

from celery import shared_task

from links import clicks
from smm import operations

logger = logging.getLogger(__name__)

DRAIN_SIGNAL = "ops:links:drain"


@shared_task(name="links.tasks.drain_clicks", ignore_result=True)
def drain_clicks() -> int:
    """Buffered clicks into the database (safe to run twice at once: see clicks.drain)."""
    written = clicks.drain()
    operations.record_signal(DRAIN_SIGNAL)
    return written


GA4_LOCK = "links:ga4:pull:{}"


@shared_task(name="links.tasks.ga4_pull_due", ignore_result=True)
def ga4_pull_due() -> int:
    """Hourly from beat: each GA4 connection due (daily, or its rate limit's wait over) is
    pulled in a task of its own. Never raises out of beat."""
    from links import ga4

    try:
        ids = list(ga4.due().values_list("pk", flat=True))
        for connection_id in ids:
            ga4_pull.delay(connection_id)
    except Exception:  # noqa: BLE001 - the next hour tries again
        logger.exception("GA4 pulls could not be sent")
        return 0
    return len(ids)


@shared_task(name="links.tasks.ga4_pull", ignore_result=True)
def ga4_pull(connection_id: int) -> bool:
    """One connection's pull (safe to run twice: a lock, and a re-pull replaces the same days).
    Google's refusals are stored on the connection in words; nothing is raised."""
    from django.core.cache import cache

    from links import ga4
    from links.models import Ga4Connection

    lock = GA4_LOCK.format(connection_id)
    if not cache.add(lock, 1, timeout=15 * 60):
        return False
    try:
        connection = Ga4Connection.objects.select_related("workspace").filter(pk=connection_id, enabled=True).first()
        if connection is None:
            return False
        return ga4.pull(connection)
    except Exception:  # noqa: BLE001 - a bug here must not stop the other workspaces' pulls
        logger.exception("GA4 pull of connection %s failed", connection_id)
        return False
    finally:
        cache.delete(lock)
