"""Background work of the listening app."""

from __future__ import annotations

from celery import shared_task

from listening import spikes


@shared_task(name="listening.tasks.check_spikes", ignore_result=True)
def check_spikes() -> int:
    """Spike and crisis alerts for the buckets that just closed (each alert once: see spikes)."""
    return len(spikes.check_all())
