"""Who clicked, counted without keeping who: classification of a visit (preview crawler,
bot, device class, country), the visitor hash, and the click store.

The store never holds up a redirect. A click goes to the first place that answers:
1. the buffer, a Redis list (``CLICK_BUFFER_URL``, default ``REDIS_URL``), drained into the
   database in batches by ``links.tasks.drain_clicks``;
2. else the database directly, under a short statement timeout;
3. else it is counted as lost (per workspace and day, ``ClickLoss``) and logged: the visitor
   is redirected all the same, and the operations page shows the loss.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from links.models import Click, ClickLoss, Device, TrackedLink

logger = logging.getLogger(__name__)

BUFFER_KEY = "links:clicks"
DRAINING_PREFIX = "links:clicks:draining:"
DRAIN_BATCH = 500
# A draining list whose drain died (worker killed, database down) is taken over after this.
ORPHAN_AFTER = 60
DIRECT_STATEMENT_TIMEOUT_MS = 300
BUFFER_TIMEOUT = 0.25  # seconds: connect and each command

# Link previews of the networks and chat apps: redirected (the preview must work) but not
# a click. Matched as lower-case substrings of the User-Agent.
PREVIEW_AGENTS = (
    "facebookexternalhit",
    "facebookcatalog",
    "meta-externalagent",
    "twitterbot",
    "linkedinbot",
    "slackbot",
    "slack-imgproxy",
    "discordbot",
    "telegrambot",
    "whatsapp",
    "http.rb/",  # Mastodon's link-card fetcher ("http.rb/5.1.1 (Mastodon/4.2.0; ...)")
    "mastodon/",
    "cardyb",  # Bluesky's card service
    "pinterestbot",
    "redditbot",
    "skypeuripreview",
    "iframely",
    "embedly",
)


def is_preview(user_agent: str) -> bool:
    lowered = user_agent.lower()
    return any(token in lowered for token in PREVIEW_AGENTS)


@functools.lru_cache(maxsize=4096)
def classify(user_agent: str) -> tuple[str, bool]:
    """(device class, is a bot) from the User-Agent: bots by the maintained crawler list
    (crawler-user-agents) and ua-parser's spider rules, devices by ua-parser's rules."""
    if not user_agent.strip():
        return Device.OTHER, True  # a script; browsers always send one
    from crawleruseragents import is_crawler

    if is_crawler(user_agent):
        return Device.BOT, True
    import ua_parser

    result = ua_parser.parse(user_agent)
    device = (result.device.family if result.device else "") or ""
    os_family = (result.os.family if result.os else "") or ""
    if device == "Spider":
        return Device.BOT, True
    lowered = user_agent.lower()
    if device in ("iPad", "Kindle") or "tablet" in lowered or (os_family == "Android" and "mobile" not in lowered):
        return Device.TABLET, False
    if os_family in ("iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS") or "mobile" in lowered:
        return Device.MOBILE, False
    if os_family in ("Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "FreeBSD", "Debian"):
        return Device.DESKTOP, False
    return Device.OTHER, False


def referrer_host(referrer: str) -> str:
    try:
        return (urlsplit(referrer).hostname or "")[:255]
    except ValueError:
        return ""


@functools.lru_cache(maxsize=4)
def _day_key(day: dt.date) -> bytes:
    """The day's salt: from a secret and the date, so it changes at midnight UTC and the
    hashes of two days cannot be joined."""
    secret = (settings.LINKS_VISITOR_SECRET or settings.SECRET_KEY).encode()
    return hmac.new(secret, f"links-visitor:{day.isoformat()}".encode(), hashlib.sha256).digest()


def visitor_hash(address: str, user_agent: str, day: dt.date) -> str:
    """Stands for one visitor on one day; the address itself is never kept."""
    return hmac.new(_day_key(day), f"{address}|{user_agent}".encode(), hashlib.sha256).hexdigest()[:32]


_geo_reader = None
_geo_lock = threading.Lock()


def country(address: str) -> str:
    """ISO country code from a local MaxMind database (GEOIP_COUNTRY_DB), else ""."""
    path = settings.GEOIP_COUNTRY_DB
    if not path or not address:
        return ""
    global _geo_reader
    try:
        if _geo_reader is None:
            with _geo_lock:
                if _geo_reader is None:
                    import maxminddb

                    _geo_reader = maxminddb.open_database(path)
        found = _geo_reader.get(address) or {}
        return str((found.get("country") or found.get("registered_country") or {}).get("iso_code") or "")[:2]
    except Exception:  # noqa: BLE001 - no country is better than no redirect
        _say_now_and_then("geoip", "GeoIP lookup failed (GEOIP_COUNTRY_DB=%s): clicks have no country", path)
        return ""


# --- the store ------------------------------------------------------------------------------

_buffer_client: tuple = ("", None)  # (url, client)
# After a failure the buffer is left alone this long (clicks go to the database): during an
# outage a visitor does not wait for a connection attempt each time.
BUFFER_RETRY_AFTER = 5.0
_buffer_down_until = 0.0
_losses: Counter = Counter()  # (workspace id, day) -> clicks not yet written to ClickLoss
_losses_lock = threading.Lock()


def buffer():
    """The Redis client of the click buffer, or None when there is none (embedded run)."""
    global _buffer_client
    url = settings.CLICK_BUFFER_URL
    if not url:
        return None
    if _buffer_client[0] != url:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # No retry with back-off (redis-py's default sleeps): a visitor is waiting.
        client = redis.Redis.from_url(
            url, socket_timeout=BUFFER_TIMEOUT, socket_connect_timeout=BUFFER_TIMEOUT, retry=Retry(NoBackoff(), 0)
        )
        _buffer_client = (url, client)
    return _buffer_client[1]


def record(event: dict) -> str:
    """Keep one click: "buffered", "stored", or "lost" (counted). Never raises."""
    global _buffer_down_until
    client = buffer()
    if client is not None and time.monotonic() >= _buffer_down_until:
        try:
            client.rpush(BUFFER_KEY, json.dumps(event, separators=(",", ":")))
            _flush_losses(client)
            return "buffered"
        except Exception as error:  # noqa: BLE001
            _buffer_down_until = time.monotonic() + BUFFER_RETRY_AFTER
            _say_now_and_then(
                "buffer", "Click buffer unreachable (%s); writing clicks to the database", type(error).__name__
            )
    try:
        _store_direct(event)
    except Exception as error:  # noqa: BLE001
        _note_loss(event, error)
        return "lost"
    _flush_losses(None)
    return "stored"


def _store_direct(event: dict) -> None:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Bounded, and without waiting for the WAL flush: a visitor is waiting (a database
            # crash could forget the last fraction of a second of these clicks).
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SET LOCAL statement_timeout = {DIRECT_STATEMENT_TIMEOUT_MS}; SET LOCAL synchronous_commit = off"
                )
        store([event])


def _note_loss(event: dict, error: Exception) -> None:
    day = event["at"][:10]
    with _losses_lock:
        _losses[(event["ws"], day)] += 1
        waiting = sum(_losses.values())
    _say_now_and_then(
        "lost",
        "Click on link %s lost: neither the click buffer nor the database answered (%s); "
        "%d lost click(s) not yet counted in the database",
        event["link"],
        type(error).__name__,
        waiting,
    )


_said: dict[str, float] = {}
SAY_EVERY = 10.0  # seconds: an outage is one line now and then, not one per visitor


def _say_now_and_then(topic: str, message: str, *args) -> None:
    now = time.monotonic()
    if now - _said.get(topic, -SAY_EVERY) >= SAY_EVERY:
        _said[topic] = now
        logger.warning(message, *args)


def _flush_losses(client) -> None:
    """Counted losses go to the database as soon as a store answers again (through the
    buffer when there is one: the drain adds them to ClickLoss)."""
    if not _losses:
        return
    with _losses_lock:
        pending = dict(_losses)
        _losses.clear()
    try:
        for (workspace_id, day), count in pending.items():
            if client is not None:
                client.rpush(BUFFER_KEY, json.dumps({"lost": count, "ws": workspace_id, "day": day}))
            else:
                add_losses(workspace_id, day, count)
    except Exception:  # noqa: BLE001 - keep them for the next try
        with _losses_lock:
            _losses.update(pending)


def pending_losses() -> int:
    """Lost clicks this process counted but could not write yet."""
    return sum(_losses.values())


def add_losses(workspace_id: int, day: str, count: int) -> None:
    day_value = dt.date.fromisoformat(day)
    updated = ClickLoss.objects.filter(workspace_id=workspace_id, day=day_value).update(count=F("count") + count)
    if not updated:
        from django.db import IntegrityError

        try:
            with transaction.atomic():
                ClickLoss.objects.create(workspace_id=workspace_id, day=day_value, count=count)
        except IntegrityError:
            ClickLoss.objects.filter(workspace_id=workspace_id, day=day_value).update(count=F("count") + count)


def store(events: list[dict]) -> int:
    """Write clicks (and counted losses) to the database; a click id already stored is
    skipped, so a batch can be written twice. Returns the clicks written."""
    clicks = []
    for event in events:
        if "lost" in event:
            add_losses(event["ws"], event["day"], int(event["lost"]))
            continue
        device, is_bot = classify(event.get("ua") or "")
        clicks.append(
            Click(
                link_id=event["link"],
                at=dt.datetime.fromisoformat(event["at"]),
                click_id=event["cid"],
                referrer_host=event.get("ref") or "",
                country=event.get("cc") or "",
                device=device,
                is_bot=is_bot,
                visitor=event.get("v") or "",
            )
        )
    if not clicks:
        return 0
    # A link deleted since the click: its clicks go with it.
    alive = set(TrackedLink.objects.filter(pk__in={c.link_id for c in clicks}).values_list("pk", flat=True))
    clicks = [c for c in clicks if c.link_id in alive]
    Click.objects.bulk_create(clicks, batch_size=DRAIN_BATCH, ignore_conflicts=True)
    return len(clicks)


def drain(max_seconds: float = 20.0) -> int:
    """Move buffered clicks into the database. The buffer list is renamed to a draining
    list first (atomic: a click pushed meanwhile starts a new buffer), written in batches,
    each batch removed only after it is stored. A draining list left behind by a drain
    that died is taken over after ORPHAN_AFTER seconds. Safe to run twice at once."""
    client = buffer()
    if client is None:
        return 0
    import redis

    started = time.monotonic()
    claimed = []
    for key in client.scan_iter(match=f"{DRAINING_PREFIX}*", count=1000):
        name = key.decode() if isinstance(key, bytes) else key
        try:
            since = float(name[len(DRAINING_PREFIX) :].split(":", 1)[0])
        except ValueError:
            continue
        if time.time() - since > ORPHAN_AFTER:
            mine = f"{DRAINING_PREFIX}{time.time():.3f}:{uuid.uuid4().hex}"
            try:
                client.rename(name, mine)
                claimed.append(mine)
            except redis.ResponseError:
                pass  # another drain took it
    mine = f"{DRAINING_PREFIX}{time.time():.3f}:{uuid.uuid4().hex}"
    try:
        client.rename(BUFFER_KEY, mine)
        claimed.append(mine)
    except redis.ResponseError:
        pass  # nothing buffered
    written = 0
    for key in claimed:
        while time.monotonic() - started < max_seconds:
            raw = client.lrange(key, 0, DRAIN_BATCH - 1)
            if not raw:
                break
            events = []
            for item in raw:
                try:
                    events.append(json.loads(item))
                except ValueError:
                    logger.error("Unreadable click in the buffer dropped: %r", item[:200])
            written += store(events)
            client.ltrim(key, len(raw), -1)
    return written


def backlog() -> int | None:
    """Clicks waiting in the buffer (None: no buffer, or it does not answer)."""
    client = buffer()
    if client is None:
        return None
    try:
        total = client.llen(BUFFER_KEY)
        for key in client.scan_iter(match=f"{DRAINING_PREFIX}*", count=1000):
            total += client.llen(key)
        return total
    except Exception:  # noqa: BLE001
        return None


def event_for(link: dict, request, click_id: str, now: dt.datetime | None = None) -> dict:
    """What the buffer keeps of a visit. The address is used here (country, hash) and
    dropped; the User-Agent travels to the drain for classification and is not stored."""
    from smm.proxies import client_address

    now = now or timezone.now()
    address = client_address(request) or ""
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:512]
    return {
        "link": link["id"],
        "ws": link["ws"],
        "at": now.isoformat(),
        "cid": click_id,
        "ref": referrer_host(request.META.get("HTTP_REFERER", "")),
        "cc": country(address),
        "ua": user_agent,
        "v": visitor_hash(address, user_agent, now.date()),
    }


def note_loss(workspace_id: int, error: Exception) -> None:
    """A click that could not even be described (a bug): counted, like a store failure."""
    _note_loss({"ws": workspace_id, "link": "?", "at": timezone.now().isoformat()}, error)


def recent_losses(workspace, days: int = 7) -> int:
    since = timezone.now().date() - dt.timedelta(days=days)
    rows = ClickLoss.objects.for_workspace(workspace).filter(day__gte=since)
    return sum(row.count for row in rows)
