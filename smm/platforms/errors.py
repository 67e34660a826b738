"""Turning a refused HTTP answer into the error vocabulary: rate-limit headers and the
statuses every REST network means the same way.

Each network still decides what its own 4xx answers mean (a duplicate post, a
validation failure, an unknown record); what is shared is how long to wait after a
429 and the classes (and words) for 401, 429, 408 and 5xx.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

from smm.platforms.base import AuthExpired, PlatformError, RateLimited, Transient


def retry_after(headers, now: dt.datetime) -> float | None:
    """Seconds from the ``Retry-After`` header, which is either a number of seconds or
    an HTTP date (RFC 9110 10.2.3); None when it is absent or unreadable."""
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - now).total_seconds())


def epoch_reset(value: str | None, now: dt.datetime) -> float | None:
    """Seconds until a rate-limit window resets, from a header giving the reset moment
    in epoch seconds (X's ``x-rate-limit-reset``, Bluesky's ``RateLimit-Reset``)."""
    if not value:
        return None
    try:
        return max(0.0, float(value) - now.timestamp())
    except ValueError:
        return None


def standard_error(status: int, message: str, *, label: str, retry_after) -> PlatformError | None:
    """The classes for statuses that mean the same on every REST network: 401 (the
    access was withdrawn), 429 (slow down; ``retry_after()`` is called only then) and
    408/5xx (the network's trouble). None for any other status: the network decides."""
    if status == 401:
        return AuthExpired(
            message,
            user_message=f"{label} no longer accepts SMM's access to this account. Please reconnect it.",
            status=status,
        )
    if status == 429:
        return rate_limited(message, label=label, retry_after=retry_after(), status=status)
    if status >= 500 or status == 408:
        return on_their_side(message, label=label, status=status)
    return None


def rate_limited(message: str, *, label: str, retry_after: float | None, status: int) -> RateLimited:
    return RateLimited(
        message,
        retry_after=retry_after,
        user_message=f"{label} asked us to slow down; we will try again when it allows.",
        status=status,
    )


def on_their_side(message: str, *, label: str, status: int) -> Transient:
    return Transient(message, user_message=f"{label} had a problem on its side; we will retry.", status=status)
