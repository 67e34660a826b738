"""Background work of the listening app."""

from __future__ import annotations

from celery import shared_task

from listening import spikes


@shared_task(name="listening.tasks.check_spikes", ignore_result=True)
def check_spikes() -> int:
    """Spike and crisis alerts for the buckets that just closed (each alert once: see spikes)."""
    return len(spikes.check_all())


@shared_task(name="listening.tasks.poll_sources", ignore_result=True)
def poll_sources() -> dict:
    """Mastodon hashtag timelines and search, and X recent search where allowed (see polling)."""
    from listening import polling

    return polling.poll_all()


@shared_task(name="listening.tasks.fill_reach", ignore_result=True)
def fill_reach() -> int:
    """Follower counts of the new Bluesky mentions' authors (see reach)."""
    from listening import reach

    return reach.fill()


@shared_task(name="listening.tasks.snapshot_competitors", ignore_result=True)
def snapshot_competitors() -> dict:
    """Today's figures of every competitor's public account (see competitors)."""
    from listening import competitors

    return competitors.snapshot_all()
