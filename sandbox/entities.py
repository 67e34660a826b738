"""Mastodon's documented JSON shapes (Status, Account, MediaAttachment, Notification) and
the plain-text-to-HTML rendering of status content."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from sandbox.models import SandboxAccount, SandboxMedia, SandboxNotification, SandboxStatus

URL_RE = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
# As Mastodon's own: a domain is any run of word characters, dots and dashes ending in a
# word character, so "@sam@localhost" and "@sam@127.0.0.1" are whole mentions too.
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]+)(?:@([\w.-]*\w))?")
HASHTAG_RE = re.compile(r"(?<![\w#/])#(\w+)")


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def base_url(request) -> str:
    """This server's sandbox root as its clients reach it, e.g. http://127.0.0.1:8000/sandbox."""
    return request.build_absolute_uri(reverse("sandbox:timeline")).rstrip("/")


def mentioned_usernames(text: str) -> list[str]:
    return [m.group(1) for m in MENTION_RE.finditer(text)]


def content_html(text: str, base: str) -> str:
    """Plain text as Mastodon renders it: paragraphs, <br>, linked URLs, mentions, tags."""
    paragraphs = [p for p in re.split(r"\n{2,}", text.strip()) if p]
    return "".join(f"<p>{_linkify(p, base).replace(chr(10), '<br />')}</p>" for p in paragraphs)


def _linkify(text: str, base: str) -> str:
    pieces = []
    position = 0
    tokens = sorted(
        [(m.start(), m.end(), "url", m) for m in URL_RE.finditer(text)]
        + [(m.start(), m.end(), "mention", m) for m in MENTION_RE.finditer(text)]
        + [(m.start(), m.end(), "tag", m) for m in HASHTAG_RE.finditer(text)],
        key=lambda t: t[0],
    )
    for start, end, kind, match in tokens:
        if start < position:
            continue  # inside a URL already linked
        pieces.append(escape(text[position:start]))
        value = match.group(0)
        if kind == "url":
            shown = re.sub(r"^https?://(www\.)?", "", value)
            shown = shown if len(shown) <= 30 else shown[:30] + "…"
            pieces.append(f'<a href="{escape(value)}" rel="nofollow noopener" target="_blank">{escape(shown)}</a>')
        elif kind == "mention":
            pieces.append(
                f'<span class="h-card"><a href="{escape(base)}/@{escape(match.group(1))}" '
                f'class="u-url mention">@<span>{escape(match.group(1))}</span></a></span>'
            )
        else:
            pieces.append(
                f'<a href="{escape(base)}/tags/{escape(match.group(1))}" class="mention hashtag" '
                f'rel="tag">#<span>{escape(match.group(1))}</span></a>'
            )
        position = end
    pieces.append(escape(text[position:]))
    return "".join(pieces)


def account_json(account: SandboxAccount, base: str, *, with_source: bool = False) -> dict:
    avatar = f"{base}/avatars/{account.username}.svg"
    last = account.statuses.order_by("-created_at").values_list("created_at", flat=True).first()
    data = {
        "id": str(account.pk),
        "username": account.username,
        "acct": account.username,
        "display_name": account.display_name,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": iso(account.created_at),
        "note": f"<p>{escape(account.note)}</p>" if account.note else "",
        "url": f"{base}/@{account.username}",
        "uri": f"{base}/users/{account.username}",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": "",
        "header_static": "",
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.statuses.count(),
        "last_status_at": last.date().isoformat() if last else None,
        "emojis": [],
        "fields": [],
    }
    if with_source:
        data["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": "en",
            "note": account.note,
            "fields": [],
            "follow_requests_count": 0,
        }
    return data


def media_json(media: SandboxMedia, request) -> dict:
    """Mastodon's MediaAttachment. A video being processed has ``url`` null (as Mastodon's
    serializer gives it) and its poster as ``preview_url``."""
    processed = media.processed
    url = request.build_absolute_uri(media.file.url) if media.file and processed else None
    preview = request.build_absolute_uri(media.preview.url) if media.preview else url
    meta = {}
    if media.width and media.height:
        original = {
            "width": media.width,
            "height": media.height,
            "size": f"{media.width}x{media.height}",
            "aspect": round(media.width / media.height, 4),
        }
        if media.is_video:
            if media.frame_rate:
                original["frame_rate"] = f"{round(media.frame_rate)}/1"
            if media.duration is not None:
                original["duration"] = round(media.duration, 3)
        meta = {"original": original, "small": original}
    if media.mime_type.startswith("image/"):
        kind = "image"
    elif media.is_video:
        kind = "video"
    else:
        kind = "unknown"
    return {
        "id": str(media.pk),
        "type": kind,
        "url": url,
        "preview_url": preview,
        "remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description or None,
        "blurhash": None,
    }


def status_json(status: SandboxStatus, request) -> dict:
    base = base_url(request)
    account = status.account
    parent = status.in_reply_to
    mentions = []
    for username in dict.fromkeys(mentioned_usernames(status.text)):
        mentioned = SandboxAccount.objects.filter(username=username).first()
        if mentioned:
            mentions.append(
                {
                    "id": str(mentioned.pk),
                    "username": mentioned.username,
                    "acct": mentioned.username,
                    "url": f"{base}/@{mentioned.username}",
                }
            )
    return {
        "id": str(status.pk),
        "created_at": iso(status.created_at),
        "edited_at": None,
        "in_reply_to_id": str(parent.pk) if parent else None,
        "in_reply_to_account_id": str(parent.account_id) if parent else None,
        "sensitive": status.sensitive,
        "spoiler_text": status.spoiler_text,
        "visibility": status.visibility,
        "language": status.language or None,
        "uri": f"{base}/users/{account.username}/statuses/{status.pk}",
        "url": f"{base}/@{account.username}/{status.pk}",
        "replies_count": status.replies_count,
        "reblogs_count": status.reblogs_count,
        "favourites_count": status.favourites_count,
        "quotes_count": 0,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "content": content_html(status.text, base),
        "text": status.text,
        "reblog": None,
        "application": {"name": "SMM", "website": None},
        "account": account_json(account, base),
        "media_attachments": [media_json(m, request) for m in status.media_attachments.all()],
        "mentions": mentions,
        "tags": [
            {"name": tag.lower(), "url": f"{base}/tags/{tag.lower()}"}
            for tag in dict.fromkeys(HASHTAG_RE.findall(status.text))
        ],
        "emojis": [],
        "card": None,
        "poll": poll_json(status),
    }


def poll_json(status: SandboxStatus) -> dict | None:
    """Mastodon's Poll entity (its id is the status's own here: one poll per status)."""
    if not status.poll_options:
        return None
    votes = sum(int(o.get("votes_count") or 0) for o in status.poll_options)
    expires = status.poll_expires_at
    return {
        "id": str(status.pk),
        "expires_at": iso(expires) if expires else None,
        "expired": bool(expires and expires <= timezone.now()),
        "multiple": status.poll_multiple,
        "votes_count": votes,
        "voters_count": votes if not status.poll_multiple else None,
        "options": [{"title": o.get("title", ""), "votes_count": o.get("votes_count", 0)} for o in status.poll_options],
        "emojis": [],
        "voted": False,
        "own_votes": [],
    }


def notification_json(notification: SandboxNotification, request) -> dict:
    data = {
        "id": str(notification.pk),
        "type": notification.type,
        "created_at": iso(notification.created_at),
        "group_key": f"ungrouped-{notification.pk}",
        "account": account_json(notification.from_account, base_url(request)),
    }
    if notification.status_id:
        data["status"] = status_json(notification.status, request)
    return data
