"""A short code -> what the redirect needs, from the cache first (so a slow or absent
database does not stop visitors whose link was seen recently), the database second."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

CACHE_TTL = 3600  # changes replace or delete the entry themselves (see remember, forget)
MISSING_TTL = 60  # an unknown code is asked of the database at most once a minute
MISSING = {"missing": True}
# Each process also keeps what it resolved for a few seconds: most visits then cost no round
# trip at all. A pause or a re-point reaches the other processes within this time.
LOCAL_TTL = 5.0
LOCAL_MAX = 10_000
_local: dict[str, tuple[float, dict]] = {}


def _key(code: str) -> str:
    return f"links:code:{code}"


class Unavailable(Exception):
    """Neither the cache nor the database could say where the code leads."""


def entry_for(code: str) -> dict | None:
    now = time.monotonic()
    held = _local.get(code)
    if held is not None and held[0] > now:
        entry = held[1]
        return None if entry.get("missing") else entry
    entry = _shared(code)
    if len(_local) >= LOCAL_MAX:
        _local.clear()
    _local[code] = (now + LOCAL_TTL, entry or MISSING)
    return entry


def _shared(code: str) -> dict | None:
    try:
        entry = cache.get(_key(code))
    except Exception:  # noqa: BLE001 - the database can still answer
        logger.warning("Cache unreachable while resolving a short link")
        entry = None
    if entry is not None:
        return None if entry.get("missing") else entry
    try:
        entry = _from_database(code)
    except Exception as error:
        logger.warning("Short link %s could not be resolved: %s", code, type(error).__name__)
        raise Unavailable from error
    try:
        cache.set(_key(code), entry or MISSING, CACHE_TTL if entry else MISSING_TTL)
    except Exception:  # noqa: BLE001 - already said by the get above, or the next visit reads again
        logger.debug("Short link %s not cached", code)
    return entry


def _from_database(code: str) -> dict | None:
    from links.models import TrackedLink

    link = TrackedLink.objects.select_related("workspace", "brand").filter(code=code).first()
    return None if link is None else _entry(link)


def remember(link) -> None:
    """A new or changed link: its entry written ahead, so its first visit reads no row."""
    _local.pop(link.code, None)
    try:
        cache.set(_key(link.code), _entry(link), CACHE_TTL)
    except Exception:  # noqa: BLE001 - the first visit reads the database instead
        logger.warning("Cache unreachable: short link %s is read from the database at its first visit", link.code)
        forget([link.code])


def _entry(link) -> dict:
    from links.utm import policy_for

    return {
        "id": link.pk,
        "ws": link.workspace_id,
        "brand": link.brand_id,
        "dest": link.destination,
        "paused": link.paused,
        # a brand that opted out of tracking: its links still lead on, uncounted
        "track": policy_for(link.workspace, link.brand).short_links,
    }


def forget(codes) -> None:
    """After a change (pause, re-point, a brand's opt-out): the next visit reads the database."""
    for code in codes:
        _local.pop(code, None)
    keys = [_key(code) for code in codes]
    if not keys:
        return
    try:
        cache.delete_many(keys)
    except Exception:  # noqa: BLE001
        logger.error(
            "Cache unreachable: %d short link(s) may lead to their old place (or count clicks after an opt-out) "
            "for up to an hour",
            len(keys),
        )
