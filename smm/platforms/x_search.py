"""X recent search (``GET /2/tweets/search/recent``) for listening, with the X adapter's
token handling (refresh when expired or refused) and error vocabulary.

The endpoint covers the last 7 days; ``max_results`` 10-100; ``since_id`` for polling;
``next_token`` for the following page; queries up to 512 characters (4,096 on
Enterprise). X bills each post returned (pay-per-use credits), so a first poll reads one
page only, and ``query_for`` keeps the query inside the limit.

Query syntax (X's operators): words are ANDed, ``OR`` between alternatives, "quoted
phrases", ``#hashtag``, ``@handle`` and ``from:handle``, ``-`` excludes, ``lang:xx`` (one
language per operator), ``-is:retweet`` leaves reposts out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from smm.platforms.base import AccountContext, parse_iso
from smm.platforms.x import XAdapter

MAX_QUERY = 512
PAGE = 100
MAX_PAGES = 3


@dataclass
class XPost:
    id: str
    text: str
    lang: str
    created_at: dt.datetime
    author_id: str
    author_handle: str
    author_followers: int | None

    @property
    def url(self) -> str:
        return f"https://x.com/{self.author_handle or 'i/web'}/status/{self.id}"


def _quoted(value: str) -> str:
    value = value.replace('"', "").strip()
    return f'"{value}"' if " " in value or "-" in value else value


def query_for(terms, hashtags, handles, exclusions, languages) -> tuple[str, list[str]]:
    """The monitor's rule as an X query, and what was left out to stay within 512
    characters (named on the monitor page)."""
    alternatives = [_quoted(t) for t in terms if t.strip()]
    alternatives += [f"#{tag.lstrip('#')}" for tag in hashtags if tag.strip("# ")]
    for handle in handles:
        name = handle.lstrip("@").strip()
        if name and not name.startswith("did:") and "." not in name:
            alternatives += [f"@{name}", f"from:{name}"]
    suffix = [f"-{_quoted(e)}" for e in exclusions if e.strip()]
    langs = [lang.split("-")[0].lower() for lang in languages if lang.strip()]
    if langs:
        suffix.append(f"lang:{langs[0]}" if len(langs) == 1 else "(" + " OR ".join(f"lang:{x}" for x in langs) + ")")
    suffix.append("-is:retweet")
    tail = " ".join(suffix)
    kept, left_out = [], []
    for alternative in alternatives:
        candidate = kept + [alternative]
        body = candidate[0] if len(candidate) == 1 else "(" + " OR ".join(candidate) + ")"
        if len(f"{body} {tail}") <= MAX_QUERY:
            kept = candidate
        else:
            left_out.append(alternative)
    if not kept:
        return "", left_out
    body = kept[0] if len(kept) == 1 else "(" + " OR ".join(kept) + ")"
    return f"{body} {tail}", left_out


class XRecentSearch:
    def __init__(self, adapter: XAdapter | None = None, *, http=None):
        self.adapter = adapter or XAdapter(http=http)

    def search(self, account: AccountContext, query: str, *, since_id: str = "") -> tuple[list[XPost], str]:
        """(posts oldest first, the newest id) matching ``query`` after ``since_id``."""
        found: list[XPost] = []
        newest = since_id
        token = ""
        for _ in range(MAX_PAGES):
            params = {
                "query": query,
                "max_results": str(PAGE),
                "tweet.fields": "created_at,lang,author_id",
                "expansions": "author_id",
                "user.fields": "username,public_metrics",
            }
            if since_id:
                params["since_id"] = since_id
            if token:
                params["next_token"] = token
            body = self.adapter._call(account, "GET", "/2/tweets/search/recent", params=params)
            users = {
                str(u.get("id")): u
                for u in ((body.get("includes") or {}).get("users") or [])
                if isinstance(u, dict) and u.get("id")
            }
            for tweet in body.get("data") or []:
                if not isinstance(tweet, dict) or not tweet.get("id"):
                    continue
                user = users.get(str(tweet.get("author_id")), {})
                metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"), dict) else {}
                followers = metrics.get("followers_count")
                try:
                    created = parse_iso(tweet.get("created_at") or "")
                except (TypeError, ValueError):
                    created = dt.datetime.now(dt.UTC)
                found.append(
                    XPost(
                        id=str(tweet["id"]),
                        text=str(tweet.get("text") or ""),
                        lang=str(tweet.get("lang") or ""),
                        created_at=created,
                        author_id=str(tweet.get("author_id") or ""),
                        author_handle=str(user.get("username") or ""),
                        author_followers=followers if isinstance(followers, int) else None,
                    )
                )
            meta = body.get("meta") or {}
            if meta.get("newest_id"):
                newest = max(newest, str(meta["newest_id"]), key=lambda v: (len(v), v)) if newest else meta["newest_id"]
            token = meta.get("next_token") or ""
            if not since_id or not token:
                break
        found.sort(key=lambda p: (len(p.id), p.id))
        return found, newest
