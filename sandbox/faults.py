"""Fault injection for the sandbox API: latency, 429, 503, timeouts, dropped answers.

Faults come from three places, later ones winning key by key:

1. ``settings.SANDBOX_FAULTS`` (read at request time, so ``settings`` fixtures work);
2. the ``SandboxFaults`` row, set at runtime by ``manage.py sandbox_faults`` or
   ``POST /sandbox/admin/faults`` (a benchmark can switch faults on a running server);
3. the request's ``X-Sandbox-Faults`` header, a JSON object with the same keys.

Keys: ``latency_ms`` (added to every API answer), ``rate_429``, ``rate_503``,
``timeout_rate``, ``drop_after_store_rate`` (shares between 0 and 1), ``retry_after``
(seconds announced with a 429, default 30), ``timeout_ms`` (how long a "timeout" stalls
before answering 504, default 30000: past the adapters' 20 s read timeout), and ``seed``
(makes the sequence of random draws repeatable within one server process); for video,
``video_processing_ms`` (default 2000), ``upload_delay_ms`` and ``video_size_limit``.

"Drop after store" stores the status, then closes the client's connection without an
answer: the client sees "connection closed without response", exactly what a crash
between commit and reply looks like. When the server's socket cannot be found (a WSGI
server other than runserver/live_server/gunicorn), it falls back to stalling for
``timeout_ms`` and answering 504, which a client with a shorter read timeout sees as a
timeout.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)

KEYS = {
    "latency_ms": float,
    "rate_429": float,
    "rate_503": float,
    "timeout_rate": float,
    "drop_after_store_rate": float,
    "retry_after": float,
    "timeout_ms": float,
    "seed": int,
    # Video knobs (not faults, but what a running server does, switched the same way):
    # how long a video "processes" after its upload, how long a video upload takes to answer, and the
    # largest video taken (bytes; a benchmark's 300 MB video is over Mastodon's 99 MB).
    "video_processing_ms": float,
    "upload_delay_ms": float,
    "video_size_limit": int,
}

_lock = threading.Lock()
_rngs: dict[object, random.Random] = {}


class FaultError(ValueError):
    pass


def clean(raw: dict) -> dict:
    """Keep known keys with numeric values; refuse anything else in plain words."""
    if not isinstance(raw, dict):
        raise FaultError("Faults must be a JSON object")
    cleaned = {}
    for key, value in raw.items():
        if key not in KEYS:
            raise FaultError(f"Unknown fault {key!r}; known: {', '.join(sorted(KEYS))}")
        if value is None:
            continue
        try:
            cleaned[key] = KEYS[key](value)
        except (TypeError, ValueError):
            raise FaultError(f"Fault {key!r} must be a number, not {value!r}") from None
    return cleaned


def active_faults(request) -> dict:
    from sandbox.models import SandboxFaults

    faults = dict(getattr(settings, "SANDBOX_FAULTS", {}) or {})
    faults.update(SandboxFaults.current())
    header = request.headers.get("X-Sandbox-Faults")
    if header:
        try:
            faults.update(clean(json.loads(header)))
        except (ValueError, FaultError) as exc:
            logger.warning("Ignoring malformed X-Sandbox-Faults header: %s", exc)
    return faults


class Dice:
    """The random draws of one request. With a seed, the sequence of draws across
    requests in one process is repeatable."""

    def __init__(self, faults: dict):
        self.faults = faults
        seed = faults.get("seed")
        with _lock:
            if seed is None:
                self.rng = random.Random()
            else:
                self.rng = _rngs.setdefault(seed, random.Random(seed))

    def hits(self, key: str) -> bool:
        rate = float(self.faults.get(key) or 0)
        if rate <= 0:
            return False
        if rate >= 1:
            return True
        with _lock:
            return self.rng.random() < rate


def drop_connection(request) -> bool:
    """Close the client's socket so it gets no answer at all. True when done."""
    sock = find_socket(request.META)
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        return False
    return True


def find_socket(environ) -> socket.socket | None:
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        return sock
    # runserver / live_server: wsgi.input is a LimitedStream over the handler's rfile,
    # a BufferedReader over a SocketIO that holds the socket.
    obj = environ.get("wsgi.input")
    for _ in range(6):
        if obj is None:
            return None
        if isinstance(obj, socket.socket):
            return obj
        if isinstance(getattr(obj, "_sock", None), socket.socket):
            return obj._sock
        if hasattr(obj, "raw"):
            obj = obj.raw
        elif hasattr(getattr(obj, "_read", None), "__self__"):
            obj = obj._read.__self__
        elif hasattr(obj, "stream"):
            obj = obj.stream
        else:
            return None
    return None


def stall(faults: dict) -> None:
    time.sleep(float(faults.get("timeout_ms", 30000)) / 1000)
