"""Reading public Bluesky from the AppView (no login): profiles (followers, posts count) and
an author's recent posts with their counts, for listening's reach and competitor figures.

- ``app.bsky.actor.getProfiles?actors=..&actors=..``: up to 25 actors (DIDs or handles)
  per call; answers ``{"profiles": [{did, handle, followersCount, postsCount, ...}]}``
  (actors it cannot find are left out);
- ``app.bsky.actor.getProfile?actor=``: one profile;
- ``app.bsky.feed.getAuthorFeed?actor=&limit=&filter=posts_no_replies``: ``{"feed":
  [{"post": {uri, author, record: {createdAt}, likeCount, repostCount, replyCount}, "reason"?}]}``
  (an item with a ``reason`` is a repost by the author: left out).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from smm.platforms.base import Permanent, Transient, parse_iso
from smm.platforms.errors import retry_after, standard_error

APPVIEW = "https://public.api.bsky.app"
BATCH = 25


@dataclass
class Profile:
    did: str
    handle: str
    followers: int | None
    posts_count: int | None


@dataclass
class FeedPost:
    uri: str
    created_at: dt.datetime | None
    likes: int
    reposts: int
    replies: int

    @property
    def engagement(self) -> int:
        return self.likes + self.reposts + self.replies


class BlueskyPublic:
    def __init__(self, *, http=None, base: str = APPVIEW):
        from smm.platforms.http import HttpClient

        self.http = http or HttpClient(allow_private=False)
        self.base = base.rstrip("/")

    def _get(self, method: str, params) -> dict:
        response = self.http.request("GET", f"{self.base}/xrpc/{method}", params=params)
        status = response.status_code
        if status >= 400:
            try:
                body = response.json()
                message = str(body.get("message") or body.get("error") or f"HTTP {status}")
            except (ValueError, AttributeError):
                message = f"HTTP {status}"
            error = standard_error(
                status,
                message,
                label="Bluesky",
                retry_after=lambda: retry_after(response.headers, dt.datetime.now(dt.UTC)),
            )
            if error is not None:
                raise error
            raise Permanent(message, user_message=f"Bluesky refused the request: {message}", status=status)
        try:
            body = response.json()
        except ValueError:
            raise Transient(f"Bluesky answered {method} with something that is not JSON") from None
        if not isinstance(body, dict):
            raise Transient(f"Bluesky answered {method} with something that is not a JSON object")
        return body

    def profiles(self, actors: list[str]) -> dict[str, Profile]:
        """Profiles by DID (and by handle) for ``actors``, BATCH per call."""
        found: dict[str, Profile] = {}
        actors = list(dict.fromkeys(a for a in actors if a))
        for start in range(0, len(actors), BATCH):
            chunk = actors[start : start + BATCH]
            body = self._get("app.bsky.actor.getProfiles", [("actors", actor) for actor in chunk])
            for raw in body.get("profiles") or []:
                if not isinstance(raw, dict) or not raw.get("did"):
                    continue
                profile = _profile(raw)
                found[profile.did] = profile
                if profile.handle:
                    found[profile.handle.lower()] = profile
        return found

    def profile(self, actor: str) -> Profile:
        return _profile(self._get("app.bsky.actor.getProfile", {"actor": actor}))

    def recent_posts(self, actor: str, *, limit: int = 50) -> list[FeedPost]:
        body = self._get(
            "app.bsky.feed.getAuthorFeed", {"actor": actor, "limit": str(limit), "filter": "posts_no_replies"}
        )
        posts = []
        for item in body.get("feed") or []:
            if not isinstance(item, dict) or item.get("reason") or not isinstance(item.get("post"), dict):
                continue
            post = item["post"]
            record = post.get("record") if isinstance(post.get("record"), dict) else {}
            try:
                created = parse_iso(record.get("createdAt") or post.get("indexedAt") or "")
            except (TypeError, ValueError):
                created = None
            posts.append(
                FeedPost(
                    uri=str(post.get("uri") or ""),
                    created_at=created,
                    likes=_count(post.get("likeCount")),
                    reposts=_count(post.get("repostCount")),
                    replies=_count(post.get("replyCount")),
                )
            )
        return posts


def _count(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _profile(raw: dict) -> Profile:
    followers, posts = raw.get("followersCount"), raw.get("postsCount")
    return Profile(
        did=str(raw.get("did") or ""),
        handle=str(raw.get("handle") or ""),
        followers=followers if isinstance(followers, int) else None,
        posts_count=posts if isinstance(posts, int) else None,
    )
