"""Reading public Mastodon: hashtag timelines, status search, and a public account's figures
(listening and competitor tracking). The HTTP rules are the adapter's: the same client
(timeouts, SSRF guard) and the same error vocabulary (``MastodonAdapter._raise_for_status``).

- ``GET /api/v1/timelines/tag/:hashtag`` (public on most instances; a token helps where
  the instance hides its timelines from visitors): newest first, at most 40; ``min_id``
  returns the page right after the cursor, so a burst is read in order without a gap.
- ``GET /api/v2/search?q=&type=statuses`` with the account's token: statuses are found by
  their text only where the instance runs full-text search (Elasticsearch) and only among
  posts whose authors opted in; elsewhere it answers with the account's own posts,
  favourites and mentions. ``search_scope`` tells the two apart from the answer (there is no
  flag for it in the instance's description): any status by someone else means full text.
- ``GET /api/v1/accounts/lookup?acct=`` and ``/api/v1/accounts/:id/statuses``: a
  competitor's followers, posts count and recent public posts with their counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from smm.platforms.base import AppCredentials, Transient, parse_iso
from smm.platforms.mastodon import MastodonAdapter, _full_handle, _max_id, html_to_text

PAGE = 40
MAX_PAGES = 5  # 200 posts per poll of one tag; the rest waits for the next poll


@dataclass
class PublicStatus:
    id: str
    uri: str
    url: str
    text: str
    language: str
    created_at: dt.datetime
    author_id: str
    author_handle: str
    author_followers: int | None
    favourites: int
    reblogs: int
    replies: int

    @property
    def engagement(self) -> int:
        return self.favourites + self.reblogs + self.replies


@dataclass
class PublicAccount:
    id: str
    handle: str
    followers: int | None
    posts_count: int | None


class MastodonPublic:
    def __init__(self, *, http=None):
        self.adapter = MastodonAdapter(AppCredentials(), http=http)

    def _get(self, base_url: str, path: str, *, token: str = "", params=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        base = base_url.rstrip("/")
        if "://" not in base:
            base = f"https://{base}"
        response = self.adapter._send("GET", f"{base}{path}", headers=headers, params=params or {})
        try:
            return response.json()
        except ValueError:
            raise Transient(f"{urlsplit(base).hostname} answered {path} with something that is not JSON") from None

    def _pages(self, base_url, path, *, token, params, since, pick):
        """Pages newer than ``since`` (all of them, oldest page first, up to MAX_PAGES);
        without ``since``, only the newest page (a first poll does not read history)."""
        found: list[PublicStatus] = []
        cursor = since
        for _ in range(MAX_PAGES):
            query = [*params, ("limit", str(PAGE))]
            if cursor:
                query.append(("min_id", cursor))
            body = self._get(base_url, path, token=token, params=query)
            statuses = [_status(s, base_url) for s in pick(body) if isinstance(s, dict) and s.get("id")]
            if not statuses:
                break
            found.extend(statuses)
            for status in statuses:
                cursor = _max_id(cursor, status.id)
            if not since or len(statuses) < PAGE:
                break
        found.sort(key=lambda s: (len(s.id), s.id))
        return found, cursor

    def tag_timeline(self, base_url: str, tag: str, *, token: str = "", since: str = ""):
        """(statuses oldest first, the newest id) of the hashtag's timeline after ``since``."""
        path = f"/api/v1/timelines/tag/{quote(tag.lstrip('#'), safe='')}"
        return self._pages(base_url, path, token=token, params=[], since=since, pick=_as_list)

    def search(self, base_url: str, query: str, *, token: str, since: str = ""):
        """(statuses oldest first, the newest id) the instance's search finds for ``query``."""
        params = [("q", query), ("type", "statuses")]
        return self._pages(base_url, "/api/v2/search", token=token, params=params, since=since, pick=_statuses)

    def lookup(self, base_url: str, acct: str) -> PublicAccount:
        body = self._get(base_url, "/api/v1/accounts/lookup", params={"acct": acct.lstrip("@")})
        return PublicAccount(
            id=str(body.get("id") or ""),
            handle=_full_handle(str(body.get("acct") or acct), base_url),
            followers=_int(body.get("followers_count")),
            posts_count=_int(body.get("statuses_count")),
        )

    def recent_posts(self, base_url: str, account_id: str, *, limit: int = PAGE) -> list[PublicStatus]:
        """The account's latest public posts, boosts and replies left out."""
        params = [("limit", str(limit)), ("exclude_replies", "true"), ("exclude_reblogs", "true")]
        body = self._get(base_url, f"/api/v1/accounts/{quote(account_id, safe='')}/statuses", params=params)
        return [_status(s, base_url) for s in _as_list(body) if isinstance(s, dict) and s.get("id")]


def search_scope(statuses: list[PublicStatus], own_handle: str) -> str:
    """ "full_text" when the search found someone else's post, else "own_only" (the
    instance searched only the account's own posts, favourites and mentions, or found nothing)."""
    own = own_handle.lstrip("@").lower()
    return "full_text" if any(s.author_handle.lstrip("@").lower() != own for s in statuses) else "own_only"


def _as_list(body) -> list:
    return body if isinstance(body, list) else []


def _statuses(body) -> list:
    found = body.get("statuses") if isinstance(body, dict) else None
    return found if isinstance(found, list) else []


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _status(status: dict, base_url: str) -> PublicStatus:
    author = status.get("account") if isinstance(status.get("account"), dict) else {}
    try:
        created = parse_iso(status.get("created_at") or "")
    except (TypeError, ValueError):
        created = None
    return PublicStatus(
        id=str(status["id"]),
        uri=str(status.get("uri") or status.get("url") or status["id"]),
        url=str(status.get("url") or status.get("uri") or ""),
        text=html_to_text(str(status.get("content") or "")),
        language=str(status.get("language") or ""),
        created_at=created or dt.datetime.now(dt.UTC),
        author_id=str(author.get("url") or author.get("uri") or author.get("id") or ""),
        author_handle=_full_handle(str(author.get("acct") or ""), base_url) if author.get("acct") else "",
        author_followers=_int(author.get("followers_count")),
        favourites=_int(status.get("favourites_count")) or 0,
        reblogs=_int(status.get("reblogs_count")) or 0,
        replies=_int(status.get("replies_count")) or 0,
    )
