"""Sliding-window counters in the cache (Redis in CI and production), shared by the API's
throttles and the password reset limits. Counting fails open: while the cache is
unreachable the request is answered and the log says, once a minute, that limits are not
enforced."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

clock = time.time  # the windows' clock (tests freeze it so no window boundary falls inside one)

EPSILON = 1e-9  # the weighted count is a float: exactly at the limit must fit
OUTAGE_LOG_EVERY = 60.0  # seconds between warnings while the cache stays unreachable


class _CacheOutage:
    """Process-local record of a cache outage, so that a burst of requests logs one line."""

    def __init__(self):
        self._lock = threading.Lock()
        self._since: float | None = None
        self._logged_at = 0.0
        self._unlogged = 0

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            new = self._since is None
            if new:
                self._since = now
            if not new and now - self._logged_at < OUTAGE_LOG_EVERY:
                self._unlogged += 1
                return
            unlogged, self._unlogged, self._logged_at = self._unlogged, 0, now
        # The error's class and text name the host and the refusal; never the URL (password).
        logger.warning(
            "Cache unreachable (%s: %s): API rate limits are not enforced until it is back%s",
            type(error).__name__,
            error,
            f" ({unlogged} more failed counts since the last line)" if unlogged else "",
        )

    def recovered(self) -> None:
        if self._since is None:
            return
        with self._lock:
            was_down, self._since, self._unlogged = self._since is not None, None, 0
        if was_down:
            logger.warning("Cache reachable again: API rate limits are enforced again")


outage = _CacheOutage()


# --- counting -------------------------------------------------------------------------------------
# Each count is one atomic increment: Redis INCR (with its expiry in the same transaction),
# elsewhere cache.add + cache.incr under a process lock (the file cache's incr is a read and
# a write; the embedded run has one web process, so the lock is enough there).

_local_lock = threading.Lock()


def _count(key: str, ttl: int, delta: int = 1, also_read: str | None = None) -> tuple[int, int]:
    """Add ``delta`` to the counter at ``key`` and return it, with the counter at
    ``also_read`` (0 when absent), in one round trip on Redis."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full_key, write=True)
        pipe = client.pipeline(transaction=True)
        pipe.incr(full_key, delta)
        pipe.expire(full_key, ttl)
        if also_read:
            pipe.get(backend.make_and_validate_key(also_read))
        results = pipe.execute()
        return int(results[0]), int(results[2] or 0) if also_read else 0
    with _local_lock:
        backend.add(key, 0, timeout=ttl)
        try:
            value = backend.incr(key, delta)
        except ValueError:  # expired between add and incr
            backend.set(key, delta, timeout=ttl)
            value = delta
    return value, int(backend.get(also_read) or 0) if also_read else 0


def _read(keys: list[str]) -> dict[str, int]:
    return {key: int(value) for key, value in caches["default"].get_many(keys).items()}


@dataclass
class Decision:
    allowed: bool
    retry_after: float | None = None


class SlidingWindow:
    """At most ``limit`` events in any ``seconds``, approximated with two fixed windows: the
    current one's count plus the previous one's weighted by how much of it still overlaps
    the last ``seconds``. No burst of twice the limit across a window boundary, one counter
    per window, and a refused event is taken back so it does not count."""

    def __init__(self, key: str, limit: int, seconds: int):
        self.key, self.limit, self.seconds = key, limit, seconds

    def _state(self, now: float):
        index = int(now // self.seconds)
        elapsed = now - index * self.seconds
        current, previous = f"{self.key}:{index}", f"{self.key}:{index - 1}"
        overlap = 1 - elapsed / self.seconds
        return current, previous, elapsed, overlap

    def _retry_after(self, current_count: int, previous_count: int, elapsed: float) -> float:
        """Seconds until one more event fits, if nothing else arrives meanwhile."""
        room = self.limit - current_count - 1
        if room >= 0:
            # Still in this window, once the previous one's weight has decayed enough.
            wait = self.seconds * (1 - room / previous_count) - elapsed if previous_count else 0
        else:
            # In the next one, where this window's count is the decaying previous one.
            decay = 1 - (self.limit - 1) / current_count if current_count else 1
            wait = self.seconds - elapsed + self.seconds * decay
        return max(1.0, wait)

    def hit(self) -> Decision:
        """Count one event if it fits; refuse it (uncounted) with a wait if it does not."""
        current, previous, elapsed, overlap = self._state(clock())
        ttl = 2 * self.seconds + 1
        try:
            count, previous_count = _count(current, ttl, also_read=previous)
            if count + previous_count * overlap <= self.limit + EPSILON:
                outage.recovered()
                return Decision(True)
            _count(current, ttl, delta=-1)
        except Exception as error:  # noqa: BLE001 - any cache failure: answer, uncounted
            outage.failed(error)
            return Decision(True)
        outage.recovered()
        return Decision(False, self._retry_after(count - 1, previous_count, elapsed))

    def exceeded(self) -> float | None:
        """Seconds to wait when the window is full, else None (counts nothing)."""
        current, previous, elapsed, overlap = self._state(clock())
        try:
            counts = _read([current, previous])
        except Exception as error:  # noqa: BLE001
            outage.failed(error)
            return None
        outage.recovered()
        current_count, previous_count = counts.get(current, 0), counts.get(previous, 0)
        if current_count + 1 + previous_count * overlap <= self.limit + EPSILON:
            return None
        return self._retry_after(current_count, previous_count, elapsed)

    def record(self) -> None:
        """Count one event, whether or not it fits."""
        current, _, _, _ = self._state(clock())
        try:
            _count(current, ttl=2 * self.seconds + 1)
        except Exception as error:  # noqa: BLE001
            outage.failed(error)
            return
        outage.recovered()
