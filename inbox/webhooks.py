"""Meta (Facebook Page / Instagram) webhooks: the subscription handshake and signed deliveries.

Meta signs each delivery with ``X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret,
raw body)>``. The signature is checked in constant time over the exact bytes received,
before anything is parsed; a missing or wrong one is refused (403), logged, and
nothing of it is stored. Accepted changes are ingested like polled items, so a
delivery repeated by Meta (or also seen by polling) is stored once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from inbox.ingest import ingest
from smm.models import SocialAccount
from smm.platforms.base import InboxItem as NetworkItem

log = logging.getLogger(__name__)

NETWORK_OF_OBJECT = {"page": "facebook", "instagram": "instagram"}


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def _time(value) -> dt.datetime:
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC)


def _facebook_item(change: dict, page_id: str) -> NetworkItem | None:
    field, value = change.get("field"), change.get("value") or {}
    author = value.get("from") or {}
    if str(author.get("id") or "") == page_id:
        return None  # the Page's own comment
    if field == "feed" and value.get("item") == "comment" and value.get("verb") == "add":
        kind = "comment"
    elif field == "mention" and value.get("verb", "add") == "add":
        kind = "mention"
    else:
        return None
    remote_id = str(value.get("comment_id") or value.get("post_id") or "")
    if not remote_id:
        return None
    post_id = str(value.get("post_id") or "")
    parent = str(value.get("parent_id") or "")
    return NetworkItem(
        remote_id=remote_id,
        kind=kind,
        text=value.get("message", ""),
        created_at=_time(value.get("created_time")),
        author_handle=str(author.get("id") or ""),
        author_name=author.get("name", ""),
        url=value.get("permalink_url") or (f"https://www.facebook.com/{remote_id}" if remote_id else ""),
        post_remote_id=post_id if kind == "comment" else "",
        parent_remote_id=parent if parent and parent != post_id else "",
        conversation_id=post_id if kind == "comment" else "",
    )


def _instagram_item(change: dict, entry_time) -> NetworkItem | None:
    field, value = change.get("field"), change.get("value") or {}
    if field in ("comments", "live_comments"):
        author = value.get("from") or {}
        media = value.get("media") or {}
        remote_id = str(value.get("id") or "")
        if not remote_id:
            return None
        return NetworkItem(
            remote_id=remote_id,
            kind="comment",
            text=value.get("text", ""),
            created_at=_time(value.get("timestamp") or entry_time),
            author_handle=author.get("username", "") or str(author.get("id") or ""),
            post_remote_id=str(media.get("id") or ""),
            parent_remote_id=str(value.get("parent_id") or ""),
            conversation_id=str(media.get("id") or ""),
        )
    if field == "mentions":
        remote_id = str(value.get("comment_id") or value.get("media_id") or "")
        if not remote_id:
            return None
        # Meta sends only ids for mentions; the text is read on Instagram.
        return NetworkItem(
            remote_id=remote_id,
            kind="mention",
            text=value.get("text", ""),
            created_at=_time(entry_time),
            author_handle=(value.get("from") or {}).get("username", ""),
        )
    return None


def parse_delivery(payload: dict) -> list[tuple[str, str, NetworkItem]]:
    """(network, account remote id, item) for every change we understand."""
    network = NETWORK_OF_OBJECT.get(payload.get("object", ""))
    if network is None:
        return []
    found = []
    for entry in payload.get("entry") or []:
        account_id = str(entry.get("id") or "")
        for change in entry.get("changes") or []:
            if network == "facebook":
                item = _facebook_item(change, account_id)
            else:
                item = _instagram_item(change, entry.get("time"))
            if item is not None:
                found.append((network, account_id, item))
    return found


def ingest_delivery(payload: dict) -> int:
    by_account: dict[tuple[str, str], list[NetworkItem]] = {}
    for network, account_id, item in parse_delivery(payload):
        by_account.setdefault((network, account_id), []).append(item)
    new = 0
    for (network, account_id), items in by_account.items():
        # The same Page may be connected in several workspaces: each gets its copy.
        accounts = SocialAccount.objects.active().filter(network=network, remote_id=account_id).select_related("brand")
        for account in accounts:
            new += ingest(account, items, source="webhook")
    return new


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request):
    if request.method == "GET":
        token = settings.META_WEBHOOK_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if request.GET.get("hub.mode") == "subscribe" and token and hmac.compare_digest(given.encode(), token.encode()):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        log.warning("Meta webhook verification refused (mode=%r)", request.GET.get("hub.mode"))
        return HttpResponseForbidden("Verification token mismatch")

    body = request.body
    if not signature_ok(settings.META_APP_SECRET, body, request.headers.get("X-Hub-Signature-256")):
        log.warning(
            "Meta webhook refused: %s signature from %s (%d bytes)",
            "missing" if not request.headers.get("X-Hub-Signature-256") else "bad",
            request.META.get("REMOTE_ADDR", "?"),
            len(body),
        )
        return HttpResponseForbidden("Bad signature")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse("Not JSON", status=400)
    new = ingest_delivery(payload if isinstance(payload, dict) else {})
    return HttpResponse(f"ok ({new} new)", content_type="text/plain")
