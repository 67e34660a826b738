"""Reach estimates: the follower counts of the Bluesky authors of mentions, read from the
public AppView (``app.bsky.actor.getProfiles``, 25 authors a call) and cached a day per
author, then written on their mentions (``Mention.author_followers``). Mastodon and X
mentions carry their author's count already (it comes with the post)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from listening.models import Mention
from smm.accounts import network_adapter
from smm.platforms.base import PlatformError
from smm.platforms.bluesky_public import APPVIEW, BlueskyPublic

log = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600
MAX_AUTHORS = 500  # per run (20 calls); the rest waits for the next run
UNKNOWN = -1  # cached for an author the AppView does not know (deleted, taken down)


def _key(did: str) -> str:
    return f"listening:reach:{did}"


def reader() -> BlueskyPublic:
    base = getattr(settings, "BLUESKY_APPVIEW_URL", "") or APPVIEW
    return BlueskyPublic(http=network_adapter("bluesky", keep_alive=True).http, base=base)


def fill(now: dt.datetime | None = None, *, client: BlueskyPublic | None = None) -> int:
    """Follower counts on the last day's Bluesky mentions that have none; returns the mentions updated."""
    now = now or timezone.now()
    waiting: dict[str, list[int]] = {}
    rows = (
        Mention.objects.filter(
            source=Mention.Source.BLUESKY, author_followers__isnull=True, seen_at__gte=now - dt.timedelta(days=1)
        )
        .exclude(author_id="")
        .values_list("pk", "author_id")[:20_000]
    )
    for pk, did in rows:
        waiting.setdefault(did, []).append(pk)
    authors = list(waiting)
    cached = cache.get_many([_key(did) for did in authors])
    counts = {did: cached[_key(did)] for did in authors if _key(did) in cached}
    missing = [did for did in authors if did not in counts][:MAX_AUTHORS]
    if missing:
        try:
            profiles = (client or reader()).profiles(missing)
        except PlatformError as error:
            log.warning("Reach: Bluesky profiles could not be read (%s)", error.message)
            profiles = {}
            missing = []  # nothing learnt: ask again next time
        fresh = {
            did: (profiles[did].followers if did in profiles and profiles[did].followers is not None else UNKNOWN)
            for did in missing
        }
        cache.set_many({_key(did): value for did, value in fresh.items()}, timeout=CACHE_SECONDS)
        counts.update(fresh)
    updated = 0
    for did, followers in counts.items():
        if followers is None or followers == UNKNOWN:
            continue
        updated += Mention.objects.filter(pk__in=waiting[did]).update(author_followers=followers)
    return updated
