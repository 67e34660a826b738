"""Celery entry points of the publishing engine; the logic lives in posts/publishing.py.

Everything here runs on the dedicated "publish" queue, so metric pulls and inbox
fetches never delay a post. Tasks take ids and are safe to run twice.
"""

from __future__ import annotations

import logging
import random

from celery import shared_task
from celery.signals import task_postrun, worker_ready
from django.db import InterfaceError, OperationalError, close_old_connections

from posts import health, publishing

logger = logging.getLogger(__name__)

DB_RETRIES = 6  # quick tries when the database is briefly away (about a minute in all)


@shared_task(
    name="posts.tasks.dispatch_due",
    ignore_result=True,
    soft_time_limit=50,
    time_limit=60,
)
def dispatch_due() -> int:
    """Beat, every second: claim due targets and enqueue their publish tasks."""
    count = publishing.dispatch_due()
    if count:
        logger.info("Dispatched %d targets", count)
    else:
        logger.debug("Dispatcher tick: nothing due")  # every second: only when asked
    return count


@shared_task(
    name="posts.tasks.sweep_leases",
    ignore_result=True,
    soft_time_limit=110,
    time_limit=120,
)
def sweep_leases() -> dict:
    """Beat, every ~15 s: re-queue lost messages, resolve publishes whose worker died."""
    counts = publishing.sweep()
    if any(counts.values()):
        logger.info("Sweep: %s", counts)
    return counts


@shared_task(
    bind=True,
    name="posts.tasks.publish_target",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # Below the publishing lease (PUBLISH_TIMINGS["lease"], 150 s by default), so a call
    # still in flight is over before the sweeper may look at the target.
    soft_time_limit=90,
    time_limit=120,
    max_retries=DB_RETRIES,
)
def publish_target(self, target_id: int) -> str:
    try:
        outcome = publishing.publish_target(target_id)
    except (OperationalError, InterfaceError) as exc:
        # The database refused or dropped us (restart, "too many clients"). Running the
        # task again is safe: it only acts on a target still queued, and one whose call
        # was in flight is resolved by the sweeper. Without this the post would wait for
        # the queue lease (two minutes) to expire.
        close_old_connections()
        delay = min(2**self.request.retries, 30) + random.uniform(0, 1)
        logger.warning("Target %s: database unavailable (%s); trying again in %.0f s", target_id, exc, delay)
        raise self.retry(exc=exc, countdown=delay)
    logger.info("Target %s: %s", target_id, outcome)
    return outcome


@task_postrun.connect
def _dispatcher_ticked(sender=None, **kwargs):
    # The dispatcher's tick ran to the end: remember when, for the operations page.
    if getattr(sender, "name", None) == dispatch_due.name:
        try:
            health.record_dispatcher_tick()
        except Exception:  # noqa: BLE001 - monitoring must never break the dispatcher
            logger.warning("Could not record the dispatcher tick")


@worker_ready.connect
def _warm_adapters(**kwargs):
    """Import every network adapter before the first post is due: a first import inside
    a publish task (text counting, regexes) would make the first posts of a run late."""
    from smm.platforms import REGISTRY, adapter_class

    for network in REGISTRY:
        try:
            adapter_class(network)
        except Exception:
            logger.exception("Could not load the %s adapter", network)


@shared_task(name="posts.tasks.email_notices", ignore_result=True)
def email_notices(notice_ids: list[int]) -> int:
    """Approval emails (posts/notifications.py), on the default queue: never behind a post."""
    from posts import notifications

    return notifications.email_notices(notice_ids)


@shared_task(name="posts.tasks.run_bulk_import", ignore_result=True, soft_time_limit=1800, time_limit=1860)
def run_bulk_import(job_id: int) -> None:
    """Check (and unless a dry run, import) the rows of a bulk import (posts/bulk.py). Safe
    to run twice: a job another worker holds is left alone, and a row's post is made once."""
    from posts import bulk

    bulk.run(job_id)


# --- video conversions (queue "media": CPU-heavy, one at a time per worker) --------------------


@shared_task(
    name="posts.tasks.transcode_video",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=3 * 3600,
    time_limit=3 * 3600 + 60,
)
def transcode_video(conversion_id: int) -> str:
    """Convert a video to the profile every network takes (posts/transcode.py). Safe to
    run twice: a run takes the conversion only while it is queued (or abandoned)."""
    from posts import transcode

    conversion = transcode.run(conversion_id)
    return "skipped" if conversion is None else conversion.processing


@shared_task(name="posts.tasks.requeue_stuck_conversions", ignore_result=True, soft_time_limit=50, time_limit=60)
def requeue_stuck_conversions() -> int:
    """Beat, every minute: send again conversions nobody has worked on for a while (their
    worker died mid-conversion, or the message was lost)."""
    from posts import transcode

    return len(transcode.requeue_stuck())


@shared_task(name="posts.tasks.delete_expired_uploads", ignore_result=True, soft_time_limit=240, time_limit=300)
def delete_expired_uploads() -> int:
    """Beat, hourly: unfinished resumable uploads past their expiry (24 h) lose their bytes."""
    from posts import uploads

    return uploads.delete_expired()
