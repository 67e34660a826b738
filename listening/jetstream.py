"""The Bluesky Jetstream consumer: public posts in, the monitors' mentions out.

Jetstream serves the network's commits as JSON over a websocket
(``/subscribe?wantedCollections=app.bsky.feed.post&cursor=<time_us>``); each event is
``{did, time_us, kind, commit: {operation, collection, rkey, record, cid}}``, and
``identity`` events carry a DID's handle. Delivery is at least once and the cursor is
the event's ``time_us`` (microseconds), so the consumer:

- keeps the ``time_us`` of the last event it handled, and saves it in the same
  transaction as the mentions found up to it (every second, and on a clean stop); a
  consumer killed between two saves starts again from the saved cursor, so nothing
  after it is lost, and what it sees twice is dropped by the mention's unique key;
- asks for a few seconds before its cursor when it (re)connects (another instance's
  clock may differ a little), and skips the (did, rkey) pairs it has already handled;
- reconnects with exponential back-off and jitter (1 s doubling to 60 s);
- counts events, mentions, malformed events and disconnects on its cursor row.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inbox.priority import explain_sentiment
from listening import store
from listening.matching import Matcher, Post, matcher_for
from listening.models import Mention, Monitor, StreamCursor

log = logging.getLogger(__name__)

POST_COLLECTION = "app.bsky.feed.post"
REWIND_US = 5_000_000  # ask for 5 s before the saved cursor on every (re)connect
FLUSH_SECONDS = 1.0
FLUSH_MENTIONS = 500
RELOAD_MONITORS_SECONDS = 30.0
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0
RECENT_KEYS = 200_000  # (did, rkey) pairs remembered against replays
HANDLES_KEPT = 100_000


class Malformed(ValueError):
    """An event that is not the JSON Jetstream documents."""


@dataclass
class Event:
    did: str
    time_us: int
    kind: str
    rkey: str = ""
    text: str = ""
    langs: list[str] = field(default_factory=list)
    created_at: str = ""
    handle: str = ""


def parse(raw: str | bytes) -> Event:
    """One Jetstream message; ``Malformed`` for anything that is not."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise Malformed(f"not JSON: {error}") from None
    if not isinstance(body, dict):
        raise Malformed("not an object")
    did, time_us, kind = body.get("did"), body.get("time_us"), body.get("kind")
    if (
        not isinstance(did, str)
        or not did.startswith("did:")
        or not isinstance(time_us, int)
        or isinstance(time_us, bool)
    ):
        raise Malformed("no did or time_us")
    if kind == "identity":
        identity = body.get("identity")
        handle = identity.get("handle") if isinstance(identity, dict) else None
        return Event(did, time_us, "identity", handle=handle if isinstance(handle, str) else "")
    if kind != "commit":
        return Event(did, time_us, str(kind))
    commit = body.get("commit")
    if not isinstance(commit, dict):
        raise Malformed("commit event without a commit")
    if commit.get("collection") != POST_COLLECTION or commit.get("operation") != "create":
        return Event(did, time_us, "other")
    record, rkey = commit.get("record"), commit.get("rkey")
    if not isinstance(record, dict) or not isinstance(rkey, str) or not rkey:
        raise Malformed("post without a record or rkey")
    text = record.get("text", "")
    langs = record.get("langs") or []
    if not isinstance(text, str) or not isinstance(langs, list):
        raise Malformed("post text or langs of the wrong type")
    created = record.get("createdAt")
    return Event(
        did,
        time_us,
        "post",
        rkey=rkey,
        text=text,
        langs=[lang for lang in langs if isinstance(lang, str)],
        created_at=created if isinstance(created, str) else "",
    )


def subscribe_url(base: str, cursor: int | None) -> str:
    """The endpoint with Jetstream's query: posts only, from ``cursor`` minus the rewind."""
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("wantedCollections", "cursor")]
    query.append(("wantedCollections", POST_COLLECTION))
    if cursor:
        query.append(("cursor", str(max(0, cursor - REWIND_US))))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/subscribe", urlencode(query), ""))


def _when(value: str, fallback: dt.datetime) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return fallback
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    # a client's clock (or a forged date) far in the future is not believed
    return min(parsed, fallback + dt.timedelta(minutes=5))


def at_uri(did: str, rkey: str) -> str:
    return f"at://{did}/{POST_COLLECTION}/{rkey}"


@dataclass
class Counts:
    events: int = 0
    mentions: int = 0
    malformed: int = 0
    disconnects: int = 0

    def take(self) -> Counts:
        taken = Counts(self.events, self.mentions, self.malformed, self.disconnects)
        self.events = self.mentions = self.malformed = self.disconnects = 0
        return taken


class Consumer:
    """One Jetstream connection's worth of listening; ``run`` until ``stop`` is set.

    ``on_event(n)`` is called after each event (tests use it to stop, or to die the way
    a killed process does: by raising, without the final save)."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "jetstream",
        stop: threading.Event | None = None,
        on_event: Callable[[int], None] | None = None,
        flush_seconds: float = FLUSH_SECONDS,
        backoff_first: float = BACKOFF_FIRST,
        backoff_max: float = BACKOFF_MAX,
    ):
        self.url = url
        self.name = name
        self.stop = stop or threading.Event()
        self.on_event = on_event
        self.flush_seconds = flush_seconds
        self.backoff_first = backoff_first
        self.backoff_max = backoff_max
        self.counts = Counts()
        self.total = Counts()  # since start, for the command's log and the tests
        self.cursor: int | None = None
        self.saved_cursor: int | None = None
        self.pending: list[Mention] = []
        self.recent: OrderedDict[tuple[str, str], None] = OrderedDict()
        self.handles: OrderedDict[str, str] = OrderedDict()
        self.matcher: Matcher = Matcher([])
        self.monitors: dict[int, int] = {}  # monitor id -> workspace id
        self._loaded_at = 0.0
        self._flushed_at = time.monotonic()

    # --- state ------------------------------------------------------------------------------

    def load(self) -> None:
        row, _ = StreamCursor.objects.get_or_create(name=self.name)
        self.cursor = self.saved_cursor = row.cursor
        self.reload_monitors()

    def reload_monitors(self) -> None:
        monitors = list(Monitor.objects.filter(active=True))
        self.matcher = matcher_for(monitors)
        self.monitors = {m.pk: m.workspace_id for m in monitors}
        self._loaded_at = time.monotonic()

    def flush(self, *, connected: bool | None = None) -> None:
        """The mentions found and the cursor they reach, in one transaction."""
        counts = self.counts.take()
        rows, self.pending = self.pending, []
        now = timezone.now()
        with transaction.atomic():
            if rows:
                store.save(rows)
            changes = {
                "cursor": self.cursor,
                "events": F("events") + counts.events,
                "mentions": F("mentions") + counts.mentions,
                "malformed": F("malformed") + counts.malformed,
                "disconnects": F("disconnects") + counts.disconnects,
                "updated_at": now,
            }
            if connected is not None:
                changes["connected_at"] = now if connected else None
            StreamCursor.objects.filter(name=self.name).update(**changes)
        self.saved_cursor = self.cursor
        self._flushed_at = time.monotonic()

    # --- one event ------------------------------------------------------------------------------

    def handle(self, raw: str | bytes) -> None:
        self.counts.events += 1
        self.total.events += 1
        try:
            event = parse(raw)
        except Malformed as error:
            self.counts.malformed += 1
            self.total.malformed += 1
            if self.total.malformed <= 10 or self.total.malformed % 1000 == 0:
                log.warning("Jetstream: malformed event skipped (%s); %d so far", error, self.total.malformed)
            return
        if self.cursor is None or event.time_us > self.cursor:
            self.cursor = event.time_us
        if event.kind == "identity":
            if event.handle:
                self.handles[event.did] = event.handle
                if len(self.handles) > HANDLES_KEPT:
                    self.handles.popitem(last=False)
            return
        if event.kind != "post":
            return
        key = (event.did, event.rkey)
        if key in self.recent:
            return
        self.recent[key] = None
        if len(self.recent) > RECENT_KEYS:
            self.recent.popitem(last=False)
        handle = self.handles.get(event.did, "")
        found = self.matcher.match(Post(event.text, event.langs, event.did, handle))
        if found:
            self._keep(event, handle, found)

    def _keep(self, event: Event, handle: str, found: dict[int, list[str]]) -> None:
        felt = explain_sentiment(event.text)
        seen = dt.datetime.fromtimestamp(event.time_us / 1_000_000, tz=dt.UTC)
        profile = f"https://bsky.app/profile/{handle or event.did}/post/{event.rkey}"
        for monitor_id, matched in found.items():
            workspace_id = self.monitors.get(monitor_id)
            if workspace_id is None:
                continue
            self.pending.append(
                Mention(
                    workspace_id=workspace_id,
                    monitor_id=monitor_id,
                    source=Mention.Source.BLUESKY,
                    remote_id=at_uri(event.did, event.rkey)[:300],
                    author_id=event.did[:191],
                    author_handle=handle[:191],
                    text=event.text,
                    url=profile[:1000],
                    lang=(event.langs[0] if event.langs else "")[:16],
                    created_at=_when(event.created_at, seen),
                    seen_at=seen,
                    sentiment=felt.compound,
                    sentiment_words=felt.words,
                    matched=matched,
                )
            )
            self.counts.mentions += 1
            self.total.mentions += 1

    # --- the connection ------------------------------------------------------------------------

    def run(self) -> Counts:
        from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException
        from websockets.sync.client import connect

        self.load()
        backoff = self.backoff_first
        while not self.stop.is_set():
            url = subscribe_url(self.url, self.cursor)
            received = False
            try:
                with connect(url, open_timeout=10, close_timeout=2, max_size=2**21) as websocket:
                    log.info("Jetstream: connected to %s", urlsplit(url)._replace(query="").geturl())
                    self.flush(connected=True)
                    received = self._receive(websocket)
            except (OSError, TimeoutError, InvalidHandshake, WebSocketException) as error:
                if isinstance(error, InvalidURI):
                    raise
                log.warning("Jetstream: connection lost (%s)", type(error).__name__)
            if self.stop.is_set():
                break
            self.counts.disconnects += 1
            self.total.disconnects += 1
            self.flush(connected=False)
            if received:
                backoff = self.backoff_first
            delay = min(backoff, self.backoff_max) * random.uniform(0.8, 1.2)
            backoff = min(backoff * 2, self.backoff_max)
            self.stop.wait(delay)
        self.flush(connected=False)
        return self.total

    def _receive(self, websocket) -> bool:
        received = False
        while not self.stop.is_set():
            try:
                raw = websocket.recv(timeout=0.5)
            except TimeoutError:
                raw = None
            if raw is not None:
                received = True
                self.handle(raw)
                if self.on_event:
                    self.on_event(self.total.events)
            if len(self.pending) >= FLUSH_MENTIONS or time.monotonic() - self._flushed_at >= self.flush_seconds:
                self.flush()
            if time.monotonic() - self._loaded_at >= RELOAD_MONITORS_SECONDS:
                self.reload_monitors()
        return received
