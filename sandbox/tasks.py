"""Periodic work of the sandbox network (demo only)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.cache import cache


@shared_task
def simulate_audience() -> dict:
    """One minute of simulated audience. A cache lock keeps two beats from overlapping."""
    from sandbox.simulator import simulate

    if not cache.add("sandbox:audience-lock", 1, timeout=55):
        return {"skipped": True}
    try:
        outcome = simulate(seed=getattr(settings, "SANDBOX_AUDIENCE_SEED", 2026))
    finally:
        cache.delete("sandbox:audience-lock")
    return {
        "favourites": outcome.favourites,
        "reblogs": outcome.reblogs,
        "replies": outcome.replies,
        "follows": outcome.follows,
    }
