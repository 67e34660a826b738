"""A Jetstream-like stream of the sandbox network, so listening runs end to end here.

Served by ``manage.py sandbox_jetstream`` as its own small websocket server (Django runs
under WSGI here, which has no websockets): ``ws://127.0.0.1:<port>/subscribe`` with
Jetstream's query (``wantedCollections``, ``cursor`` in microseconds). Each public status
of the sandbox becomes a Jetstream commit event (``app.bsky.feed.post`` create) with the
status's time as ``time_us``; an author's first post on a connection is preceded by an
``identity`` event carrying a handle. Without a cursor the stream starts live, as
Jetstream does; with one it replays from there, then follows new statuses.

``chatter`` writes audience posts that talk about the terms of the installation's
monitors (some glad, some angry), so the demo's listening dashboard has something to show.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import threading
from urllib.parse import parse_qs, urlsplit

from django.db import close_old_connections

from sandbox.models import SandboxAccount, SandboxStatus

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
BATCH = 500


def did_of(account_id: int) -> str:
    return f"did:plc:sandbox{account_id:016d}"


def handle_of(username: str) -> str:
    return f"{username}.sandbox.localhost"


def time_us(moment) -> int:
    return int(moment.timestamp() * 1_000_000)


def event_for(status: SandboxStatus) -> dict:
    return {
        "did": did_of(status.account_id),
        "time_us": time_us(status.created_at),
        "kind": "commit",
        "commit": {
            "rev": f"sbx{status.pk}",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": f"sbx{status.pk}",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": status.text,
                "langs": [status.language] if status.language else [],
                "createdAt": status.created_at.isoformat().replace("+00:00", "Z"),
            },
            "cid": f"sbxcid{status.pk}",
        },
    }


def identity_for(account: SandboxAccount, moment) -> dict:
    did = did_of(account.pk)
    return {
        "did": did,
        "time_us": time_us(moment),
        "kind": "identity",
        "identity": {"did": did, "handle": handle_of(account.username), "seq": 0, "time": moment.isoformat()},
    }


def statuses_after(*, after_id: int | None, since_us: int | None):
    rows = SandboxStatus.objects.filter(visibility=SandboxStatus.Visibility.PUBLIC).select_related("account")
    if after_id is not None:
        rows = rows.filter(pk__gt=after_id)
    if since_us is not None:
        rows = rows.filter(created_at__gte=dt.datetime.fromtimestamp(since_us / 1_000_000, tz=dt.UTC))
    return list(rows.order_by("pk")[:BATCH])


def serve_connection(websocket, stop: threading.Event) -> None:
    """One subscriber: replay from its cursor (or start live), then follow."""
    from websockets.exceptions import ConnectionClosed

    query = {k: v[0] for k, v in parse_qs(urlsplit(websocket.request.path).query).items()}
    wanted = query.get("wantedCollections", "app.bsky.feed.post")
    try:
        cursor = int(query["cursor"]) if "cursor" in query else None
    except ValueError:
        websocket.close(1008, "cursor must be an integer (microseconds)")
        return
    known: set[int] = set()
    try:
        if cursor is None:
            last = SandboxStatus.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            since = None
        else:
            last, since = None, cursor
        while not stop.is_set():
            rows = statuses_after(after_id=last, since_us=since)
            since = None
            for status in rows:
                last = status.pk
                if "app.bsky.feed.post" not in wanted:
                    continue
                if status.account_id not in known:
                    known.add(status.account_id)
                    websocket.send(json.dumps(identity_for(status.account, status.created_at)))
                websocket.send(json.dumps(event_for(status)))
            if last is None:
                last = 0
            if len(rows) < BATCH:
                close_old_connections()
                stop.wait(POLL_SECONDS)
    except ConnectionClosed:
        pass
    finally:
        close_old_connections()


GLAD = [
    "Just tried {term} and honestly it is great, love it!",
    "Big thanks to {term} for the quick help today.",
    "{term} never disappoints, best in town.",
    "Anyone else excited about the new {term}?",
]
ANGRY = [
    "Really disappointed with {term}, terrible service today.",
    "{term} got my order wrong again. Awful.",
    "Is {term} down? Nothing works and nobody answers. Frustrating.",
]
NEUTRAL = ["Walking past {term} on my way to work.", "Does {term} open on Sundays?"]


def chatter(rng: random.Random, *, angry_share: float = 0.2) -> SandboxStatus | None:
    """One audience post about a term some monitor listens for (none without monitors)."""
    from django.apps import apps

    from sandbox.actions import NewStatus, post_status
    from sandbox.simulator import audience

    if not apps.is_installed("listening"):
        return None
    monitor_model = apps.get_model("listening", "Monitor")
    terms = sorted(
        {term for terms in monitor_model.objects.filter(active=True).values_list("terms", flat=True) for term in terms}
    )
    people = audience()
    if not terms or not people:
        return None
    roll = rng.random()
    texts = ANGRY if roll < angry_share else NEUTRAL if roll < angry_share + 0.2 else GLAD
    text = rng.choice(texts).format(term=rng.choice(terms))
    status, _ = post_status(rng.choice(people), NewStatus(text=text, language="en"))
    return status
