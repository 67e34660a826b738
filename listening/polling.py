"""Polled sources of listening (beat runs ``listening.tasks.poll_sources`` every minute):

- Mastodon: for each workspace, one connected Mastodon account per instance reads, with
  its own token, the hashtag timeline of every hashtag its active monitors follow, and
  searches the instance for their terms and phrases. Most instances search only the
  account's own posts, favourites and mentions (no full-text search): that is detected
  from the answer (``mastodon_public.search_scope``), said on the listening page, and such
  a search is asked again only once an hour.
- X recent search, only where the workspace said its X API access includes it
  (``ListeningSettings.x_recent_search``; X bills each post read): each active monitor's
  rule as an X query, with the workspace's connected X account's token.

Every post goes through the same matcher as the Jetstream stream (the monitors' words,
exclusions and languages decide), and is stored by ``listening.store`` (each once per
monitor, source and remote id: a Mastodon status read on two instances, by its tag and by
search, is one mention; its remote id is its URI). ``seen_at`` is when it was written, as
its server says, never later than the poll, so a first poll reading an older page does not
make a spike in the current bucket.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from urllib.parse import urlsplit

from django.core.cache import cache
from django.utils import timezone

from inbox.priority import explain_sentiment
from listening import store
from listening.matching import Post, clean_entries, matcher_for
from listening.models import ListeningSettings, Mention, Monitor, PollCursor
from smm.accounts import network_adapter
from smm.models import SocialAccount
from smm.platforms.base import AuthExpired, PlatformError
from smm.platforms.mastodon_public import MastodonPublic, search_scope
from smm.platforms.x_search import XRecentSearch, query_for

log = logging.getLogger(__name__)

LOCK = "listening:poll-lock"
MAX_KEYS = 20  # hashtags + searches per account and poll (Mastodon allows 300 calls / 5 min)
OWN_ONLY_RECHECK = dt.timedelta(hours=1)


def poll_all(now: dt.datetime | None = None) -> dict:
    """One round of every polled source; a second round while one runs does nothing."""
    if not cache.add(LOCK, 1, timeout=300):
        return {"skipped": True}
    try:
        now = now or timezone.now()
        stored = {"mastodon": 0, "x": 0}
        monitors_by_ws: dict[int, list[Monitor]] = defaultdict(list)
        for monitor in Monitor.objects.filter(active=True):
            monitors_by_ws[monitor.workspace_id].append(monitor)
        for workspace_id, monitors in monitors_by_ws.items():
            stored["mastodon"] += poll_mastodon(workspace_id, monitors, now)
            stored["x"] += poll_x(workspace_id, monitors, now)
        return stored
    finally:
        cache.delete(LOCK)


def connected_accounts(workspace_id: int, network: str) -> list[SocialAccount]:
    return list(
        SocialAccount.objects.filter(
            brand__workspace_id=workspace_id, network=network, status=SocialAccount.Status.CONNECTED
        ).order_by("pk")
    )


def mastodon_keys(monitors: list[Monitor]) -> list[tuple[str, str]]:
    """(kind, key) pairs to read: every hashtag, then every term and phrase, once."""
    tags, words = [], []
    for monitor in monitors:
        tags += [t for t in clean_entries(monitor.hashtags, strip="#") if t not in tags]
        words += [w for w in clean_entries([*monitor.terms, *monitor.phrases]) if w not in words]
    keys = [(PollCursor.Kind.TAG, t) for t in tags] + [(PollCursor.Kind.SEARCH, w) for w in words]
    return keys[:MAX_KEYS]


def poll_mastodon(workspace_id: int, monitors: list[Monitor], now: dt.datetime) -> int:
    accounts, hosts = [], set()
    for account in connected_accounts(workspace_id, "mastodon"):
        host = (urlsplit(account.base_url).hostname or "").lower()
        if host and host not in hosts:  # one account per instance reads it
            hosts.add(host)
            accounts.append(account)
    keys = mastodon_keys(monitors)
    if not accounts or not keys:
        return 0
    matcher = matcher_for(monitors)
    workspace_of = {m.pk: m.workspace_id for m in monitors}
    reader = MastodonPublic(http=network_adapter("mastodon", keep_alive=True).http)
    stored = 0
    for account in accounts:
        token = account.context().credentials.get("access_token", "")
        for kind, key in keys:
            cursor, _ = PollCursor.objects.get_or_create(
                workspace_id=workspace_id, account=account, kind=kind, key=key[:600]
            )
            if (
                cursor.state == PollCursor.State.OWN_ONLY
                and cursor.polled_at
                and now - cursor.polled_at < OWN_ONLY_RECHECK
            ):
                continue
            try:
                if kind == PollCursor.Kind.TAG:
                    statuses, newest = reader.tag_timeline(account.base_url, key, token=token, since=cursor.cursor)
                else:
                    statuses, newest = reader.search(account.base_url, key, token=token, since=cursor.cursor)
            except AuthExpired as error:
                account.mark_needs_reconnect(error.user_message)
                _note(cursor, PollCursor.State.REFUSED, error.user_message, now)
                break
            except PlatformError as error:
                state = PollCursor.State.REFUSED if getattr(error, "status", None) in (403, 404, 422) else None
                _note(cursor, state or PollCursor.State.FAILED, error.user_message, now)
                continue
            state, note = PollCursor.State.OK, ""
            if kind == PollCursor.Kind.SEARCH and search_scope(statuses, account.handle) == "own_only":
                proven = cursor.state == PollCursor.State.OK and cursor.found > 0
                if statuses or not proven:
                    state = PollCursor.State.OWN_ONLY
                    note = (
                        f"{urlsplit(account.base_url).hostname} found no one else's post for “{key}”: like most "
                        "Mastodon servers it searches only your own posts, favourites and mentions (no full-text "
                        "search). Its hashtag timelines are read instead; search is tried again every hour."
                    )
            rows = []
            for status in statuses:
                found = matcher.match(
                    Post(
                        status.text,
                        [status.language] if status.language else [],
                        status.author_id,
                        status.author_handle,
                    )
                )
                rows += _mentions(found, workspace_of, status, now)
            stored += len(store.save(rows))
            PollCursor.objects.filter(pk=cursor.pk).update(
                cursor=newest or cursor.cursor,
                state=state,
                note=note[:300],
                polled_at=now,
                found=cursor.found + len(statuses),
            )
    return stored


def _note(cursor: PollCursor, state: str, note: str, now: dt.datetime) -> None:
    PollCursor.objects.filter(pk=cursor.pk).update(state=state, note=(note or "")[:300], polled_at=now)


def _mentions(found, workspace_of, status, now) -> list[Mention]:
    if not found:
        return []
    felt = explain_sentiment(status.text)
    seen = min(status.created_at, now)
    return [
        Mention(
            workspace_id=workspace_of[monitor_id],
            monitor_id=monitor_id,
            source=Mention.Source.MASTODON,
            remote_id=status.uri[:300],
            author_id=status.author_id[:191],
            author_handle=status.author_handle.lstrip("@")[:191],
            author_followers=status.author_followers,
            text=status.text,
            url=status.url[:1000],
            lang=status.language[:16],
            created_at=status.created_at,
            seen_at=seen,
            sentiment=felt.compound,
            sentiment_words=felt.words,
            matched=matched,
        )
        for monitor_id, matched in found.items()
        if monitor_id in workspace_of
    ]


# --- X ------------------------------------------------------------------------------------------


def x_query(monitor: Monitor) -> tuple[str, list[str]]:
    return query_for(
        [*monitor.terms, *monitor.phrases], monitor.hashtags, monitor.handles, monitor.exclusions, monitor.languages
    )


def poll_x(workspace_id: int, monitors: list[Monitor], now: dt.datetime) -> int:
    if not ListeningSettings.objects.filter(workspace_id=workspace_id, x_recent_search=True).exists():
        return 0
    accounts = connected_accounts(workspace_id, "x")
    if not accounts:
        return 0
    account = accounts[0]
    context = account.context()
    reader = XRecentSearch(network_adapter("x", keep_alive=True))
    stored = 0
    for monitor in monitors:
        query, _ = x_query(monitor)
        if not query:
            continue
        cursor, _ = PollCursor.objects.get_or_create(
            workspace_id=workspace_id, account=account, kind=PollCursor.Kind.X_SEARCH, key=str(monitor.pk)
        )
        if cursor.note.startswith("query:") and cursor.note != f"query:{query}"[:300]:
            cursor.cursor = ""  # the rule changed: start from now again, not from the old query's place
        try:
            posts, newest = reader.search(context, query, since_id=cursor.cursor)
        except AuthExpired as error:
            account.mark_needs_reconnect(error.user_message)
            _note(cursor, PollCursor.State.REFUSED, error.user_message, now)
            return stored
        except PlatformError as error:
            refused = getattr(error, "status", None) in (400, 402, 403)
            _note(cursor, PollCursor.State.REFUSED if refused else PollCursor.State.FAILED, error.user_message, now)
            if refused:
                continue
            return stored  # rate limited or X's trouble: the next poll tries again
        matcher = matcher_for([monitor])
        rows = []
        for post in posts:
            found = matcher.match(Post(post.text, [post.lang] if post.lang else [], post.author_id, post.author_handle))
            if not found:
                continue
            felt = explain_sentiment(post.text)
            rows.append(
                Mention(
                    workspace_id=workspace_id,
                    monitor_id=monitor.pk,
                    source=Mention.Source.X,
                    remote_id=post.id,
                    author_id=post.author_id[:191],
                    author_handle=post.author_handle[:191],
                    author_followers=post.author_followers,
                    text=post.text,
                    url=post.url,
                    lang=post.lang[:16],
                    created_at=post.created_at,
                    seen_at=min(post.created_at, now),
                    sentiment=felt.compound,
                    sentiment_words=felt.words,
                    matched=found[monitor.pk],
                )
            )
        stored += len(store.save(rows))
        PollCursor.objects.filter(pk=cursor.pk).update(
            cursor=newest or cursor.cursor,
            state=PollCursor.State.OK,
            note=f"query:{query}"[:300],
            polled_at=now,
            found=cursor.found + len(posts),
        )
    return stored
