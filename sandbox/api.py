"""The sandbox's Mastodon REST API: the endpoints SMM's Mastodon adapter calls, with
Mastodon's shapes for answers and errors, behind Bearer-token auth and fault injection."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from functools import wraps
from urllib.parse import urlencode

from django.core.files.base import ContentFile
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt

from sandbox import faults as fault_injection
from sandbox.actions import (
    MAX_CHARACTERS,
    MAX_MEDIA,
    POLL_MAX_CHARACTERS,
    POLL_MAX_EXPIRATION,
    POLL_MAX_OPTIONS,
    POLL_MIN_EXPIRATION,
    NewStatus,
    NotFound,
    Refused,
    ValidationFailed,
    post_status,
)
from sandbox.entities import account_json, base_url, media_json, notification_json, status_json
from sandbox.models import SandboxAccount, SandboxMedia, SandboxNotification, SandboxStatus, SandboxToken

logger = logging.getLogger(__name__)

RATE_LIMIT = 300
IMAGE_SIZE_LIMIT = 16 * 1024 * 1024
IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
# A stock Mastodon's video limits (app/models/media_attachment.rb); the fault
# ``video_size_limit`` raises the size for a benchmark's large video.
VIDEO_TYPES = ["video/webm", "video/mp4", "video/quicktime", "video/ogg"]
VIDEO_SIZE_LIMIT = 103809024
VIDEO_FRAME_RATE_LIMIT = 120
VIDEO_MATRIX_LIMIT = 8294400
# How long the sandbox "processes" a video (fault ``video_processing_ms``).
VIDEO_PROCESSING_MS = 2000


def error(message: str, status: int, **headers) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _rate_headers(response, *, remaining: int, reset: dt.datetime) -> None:
    response["X-RateLimit-Limit"] = str(RATE_LIMIT)
    response["X-RateLimit-Remaining"] = str(remaining)
    response["X-RateLimit-Reset"] = reset.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def api_view(methods=("GET",), *, auth=True, stores=False):
    """Wrap an API endpoint: method check, faults, Bearer auth, rate-limit headers.

    ``stores`` marks endpoints that create something: only they can "drop after store".
    """

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return error("Method not allowed", 405)
            faults = fault_injection.active_faults(request)
            dice = fault_injection.Dice(faults)
            if faults.get("latency_ms"):
                time.sleep(float(faults["latency_ms"]) / 1000)
            now = timezone.now()
            if dice.hits("rate_429"):
                retry_after = float(faults.get("retry_after", 30))
                response = error("Too many requests", 429, Retry_After=str(int(round(retry_after))))
                _rate_headers(response, remaining=0, reset=now + dt.timedelta(seconds=retry_after))
                return response
            if dice.hits("rate_503"):
                return error("Service temporarily unavailable", 503)
            if dice.hits("timeout_rate"):
                fault_injection.stall(faults)
                return error("Gateway timeout", 504)
            request.sandbox_account = None
            if auth:
                account = authenticated_account(request)
                if account is None:
                    return error("The access token is invalid", 401)
                request.sandbox_account = account
            else:
                request.sandbox_account = authenticated_account(request)
            response = view(request, *args, **kwargs)
            if stores and response.status_code < 300 and dice.hits("drop_after_store_rate"):
                logger.info("Sandbox fault: dropping the answer to %s after storing", request.path)
                if not fault_injection.drop_connection(request):
                    fault_injection.stall(faults)
                    return error("Gateway timeout", 504)
            _rate_headers(response, remaining=RATE_LIMIT - 1, reset=now + dt.timedelta(minutes=5))
            return response

        return wrapper

    return decorator


def authenticated_account(request) -> SandboxAccount | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    if not token:
        return None
    found = SandboxToken.objects.filter(token=token, revoked_at__isnull=True).select_related("account").first()
    return found.account if found else None


def request_data(request) -> dict:
    """Form, multipart or JSON bodies, as Mastodon accepts all three; list fields
    (``media_ids[]``) come back as lists."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
    data = {}
    for key in request.POST:
        values = request.POST.getlist(key)
        name = key[:-2] if key.endswith("[]") else key
        data[name] = values if key.endswith("[]") else values[-1]
    return data


# --- statuses --------------------------------------------------------------------------


@api_view(["POST"], stores=True)
def statuses(request):
    data = request_data(request)
    media_ids = data.get("media_ids") or []
    if isinstance(media_ids, str):
        media_ids = [media_ids]
    new = NewStatus(
        text=str(data.get("status") or ""),
        visibility=str(data.get("visibility") or SandboxStatus.Visibility.PUBLIC),
        in_reply_to_id=str(data["in_reply_to_id"]) if data.get("in_reply_to_id") else None,
        media_ids=tuple(str(m) for m in media_ids),
        spoiler_text=str(data.get("spoiler_text") or ""),
        sensitive=_boolean(data.get("sensitive")),
        language=str(data.get("language") or "").strip().lower(),
        poll=_poll(data),
    )
    try:
        status, _created = post_status(request.sandbox_account, new, request.headers.get("Idempotency-Key", ""))
    except (ValidationFailed, Refused) as exc:
        return error(str(exc), 422)
    except NotFound as exc:
        return error(str(exc), 404)
    return JsonResponse(status_json(status, request))


def _boolean(value) -> bool:
    """Rails' reading of a boolean parameter: "true", "1", "on" and true are true."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "on", "t")
    return bool(value)


def _poll(data: dict) -> dict | None:
    """The poll of a status request: ``poll`` as a JSON object, or the form fields
    ``poll[options][]``, ``poll[expires_in]``, ``poll[multiple]``."""
    poll = data.get("poll")
    if not isinstance(poll, dict):
        if "poll[options]" not in data and "poll[expires_in]" not in data:
            return None
        poll = {
            "options": data.get("poll[options]") or [],
            "expires_in": data.get("poll[expires_in]"),
            "multiple": data.get("poll[multiple]"),
        }
    options = poll.get("options")
    if isinstance(options, str):
        options = [options]
    return {"options": options, "expires_in": poll.get("expires_in"), "multiple": _boolean(poll.get("multiple"))}


def _visible_statuses(viewer):
    visible = Q(visibility__in=[SandboxStatus.Visibility.PUBLIC, SandboxStatus.Visibility.UNLISTED])
    if viewer is not None:
        visible |= Q(account=viewer)
    return SandboxStatus.objects.filter(visible).select_related("account", "in_reply_to")


@api_view(auth=False)
def status_detail(request, status_id):
    status = _visible_statuses(request.sandbox_account).filter(pk=status_id).first()
    if status is None:
        return error("Record not found", 404)
    return JsonResponse(status_json(status, request))


# --- media -----------------------------------------------------------------------------


@api_view(["POST"])
def media_upload(request):
    """``POST /api/v2/media`` (and v1). Images are processed at once (200 with a URL).
    A video is streamed to disk by Django's upload handlers (never held in memory), checked
    as Mastodon checks it (type, size, matrix, frame rate), then "processed" for a while:
    202 with ``url`` null, and ``GET /api/v1/media/:id`` says 206 until it is done."""
    faults = fault_injection.active_faults(request)
    upload = request.FILES.get("file")
    if upload is None:
        return error("Validation failed: File can't be blank", 422)
    mime_type = upload.content_type or "application/octet-stream"
    if mime_type in VIDEO_TYPES:
        return _video_upload(request, upload, mime_type, faults)
    if mime_type not in IMAGE_TYPES:
        return error("Validation failed: File content type is invalid", 422)
    if upload.size > IMAGE_SIZE_LIMIT:
        return error("Validation failed: File file size must be less than 16 MB", 422)
    width = height = None
    try:
        from PIL import Image

        with Image.open(upload) as image:
            width, height = image.size
        upload.seek(0)
    except Exception:
        return error("Validation failed: File could not be processed", 422)
    media = SandboxMedia.objects.create(
        account=request.sandbox_account,
        file=upload,
        mime_type=mime_type,
        description=str(request_data(request).get("description") or "")[:1500],
        width=width,
        height=height,
    )
    # Images are processed at once: 200 with a URL (202 would mean "poll /api/v1/media/:id").
    return JsonResponse(media_json(media, request))


def video_size_limit(faults: dict) -> int:
    return int(faults.get("video_size_limit") or VIDEO_SIZE_LIMIT)


def _video_upload(request, upload, mime_type: str, faults: dict):
    from posts.video import NotAVideo, poster_frame, probe

    if faults.get("upload_delay_ms"):
        # A slow upload, for tests that must catch one in flight (the body is read by the
        # middleware already: the client waits for the answer instead).
        time.sleep(float(faults["upload_delay_ms"]) / 1000)
    limit = video_size_limit(faults)
    if upload.size > limit:
        return error(f"Validation failed: File file size must be less than {limit // (1024 * 1024)} MB", 422)
    media = SandboxMedia(
        account=request.sandbox_account,
        mime_type=mime_type,
        description=str(request_data(request).get("description") or "")[:1500],
    )
    media.file.save(upload.name or "video.mp4", upload, save=False)  # moved or copied, never read whole
    try:
        found = probe(media.file.path)
    except NotAVideo:
        media.file.delete(save=False)
        return error("Validation failed: File could not be processed", 422)
    # Mastodon's DimensionsValidationError, with its words.
    refusal = None
    if found.width * found.height > VIDEO_MATRIX_LIMIT:
        refusal = f"{found.width}x{found.height} videos are not supported"
    elif found.frame_rate and found.frame_rate > VIDEO_FRAME_RATE_LIMIT:
        refusal = f"{found.frame_rate:.0f}fps videos are not supported"
    if refusal:
        media.file.delete(save=False)
        return error(refusal, 422)
    media.width, media.height = found.width, found.height
    media.duration, media.frame_rate = found.duration, found.frame_rate
    poster = request.FILES.get("thumbnail")
    if poster is not None:
        media.preview.save("poster.jpg", poster, save=False)
    else:
        try:
            media.preview.save("poster.jpg", ContentFile(poster_frame(media.file.path)), save=False)
        except Exception:
            logger.info("Sandbox: no poster frame for %s", media.file.name)
    processing = float(faults.get("video_processing_ms", VIDEO_PROCESSING_MS)) / 1000
    media.ready_at = timezone.now() + dt.timedelta(seconds=processing)
    media.save()
    return JsonResponse(media_json(media, request), status=200 if media.processed else 202)


@api_view()
def media_detail(request, media_id):
    media = SandboxMedia.objects.filter(pk=media_id, account=request.sandbox_account).first()
    if media is None:
        return error("Record not found", 404)
    # As Mastodon: 206 (Partial Content) while the media is being processed, 200 when done.
    return JsonResponse(media_json(media, request), status=200 if media.processed else 206)


# --- accounts --------------------------------------------------------------------------


@api_view()
def verify_credentials(request):
    return JsonResponse(account_json(request.sandbox_account, base_url(request), with_source=True))


@api_view(auth=False)
def account_detail(request, account_id):
    account = SandboxAccount.objects.filter(pk=account_id).first()
    if account is None:
        return error("Record not found", 404)
    return JsonResponse(account_json(account, base_url(request)))


@api_view(auth=False)
def account_statuses(request, account_id):
    account = SandboxAccount.objects.filter(pk=account_id).first()
    if account is None:
        return error("Record not found", 404)
    rows = _visible_statuses(request.sandbox_account).filter(account=account)
    if request.GET.get("exclude_replies") in ("true", "1"):
        rows = rows.filter(in_reply_to__isnull=True)
    page, link = _page(request, rows)
    response = JsonResponse([status_json(s, request) for s in page], safe=False)
    if link:
        response["Link"] = link
    return response


# --- notifications ---------------------------------------------------------------------


@api_view()
def notifications(request):
    rows = SandboxNotification.objects.filter(account=request.sandbox_account).select_related(
        "from_account", "status", "status__account", "status__in_reply_to"
    )
    types = request.GET.getlist("types[]") or request.GET.getlist("types")
    if types:
        rows = rows.filter(type__in=types)
    excluded = request.GET.getlist("exclude_types[]") or request.GET.getlist("exclude_types")
    if excluded:
        rows = rows.filter(~Q(type__in=excluded))
    page, link = _page(request, rows)
    response = JsonResponse([notification_json(n, request) for n in page], safe=False)
    if link:
        response["Link"] = link
    return response


def _page(request, rows, *, default=20, maximum=40):
    """Mastodon paging: newest first; max_id (older than), since_id (newer than, newest
    page), min_id (the page immediately newer than). Link header for next/prev."""
    if rows.model is SandboxNotification:
        default, maximum = 40, 80
    try:
        limit = max(1, min(int(request.GET.get("limit", default)), maximum))
    except ValueError:
        limit = default
    params = request.GET
    if params.get("max_id"):
        rows = rows.filter(pk__lt=_int(params["max_id"]))
    if params.get("since_id"):
        rows = rows.filter(pk__gt=_int(params["since_id"]))
    if params.get("min_id"):
        page = list(rows.filter(pk__gt=_int(params["min_id"])).order_by("id")[:limit])
        page.reverse()
    else:
        page = list(rows.order_by("-id")[:limit])
    if not page:
        return page, ""
    here = request.build_absolute_uri(request.path)
    kept = [(k, v) for k in params for v in params.getlist(k) if k not in ("max_id", "min_id", "since_id")]
    next_link = f"{here}?{urlencode(kept + [('max_id', page[-1].pk)])}"
    prev_link = f"{here}?{urlencode(kept + [('min_id', page[0].pk)])}"
    return page, f'<{next_link}>; rel="next", <{prev_link}>; rel="prev"'


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- instance --------------------------------------------------------------------------


STATUS_LIMITS = {
    "max_characters": MAX_CHARACTERS,
    "max_media_attachments": MAX_MEDIA,
    "characters_reserved_per_url": 23,
}
MEDIA_LIMITS = {
    "supported_mime_types": IMAGE_TYPES + VIDEO_TYPES,
    "description_limit": 1500,
    "image_size_limit": IMAGE_SIZE_LIMIT,
    "image_matrix_limit": 33177600,
    "video_size_limit": VIDEO_SIZE_LIMIT,
    "video_frame_rate_limit": VIDEO_FRAME_RATE_LIMIT,
    "video_matrix_limit": VIDEO_MATRIX_LIMIT,
}


def media_limits(request) -> dict:
    return {**MEDIA_LIMITS, "video_size_limit": video_size_limit(fault_injection.active_faults(request))}


POLL_LIMITS = {
    "max_options": POLL_MAX_OPTIONS,
    "max_characters_per_option": POLL_MAX_CHARACTERS,
    "min_expiration": POLL_MIN_EXPIRATION,
    "max_expiration": POLL_MAX_EXPIRATION,
}
TITLE = "Sandbox network (demo)"
DESCRIPTION = "A small Mastodon-compatible network served by SMM for the demo, tests and benchmarks."
VERSION = "4.3.0 (compatible; SMM sandbox)"


@api_view(auth=False)
def instance_v1(request):
    """``GET /api/v1/instance``: the older Instance entity (deprecated by Mastodon 4.0, still
    read by many clients): ``uri``, ``urls.streaming_api``, ``stats``, a thumbnail URL string."""
    base = base_url(request)
    return JsonResponse(
        {
            "uri": request.get_host(),
            "title": TITLE,
            "short_description": DESCRIPTION,
            "description": DESCRIPTION,
            "email": "",
            "version": VERSION,
            "urls": {"streaming_api": None},
            "stats": {
                "user_count": SandboxAccount.objects.count(),
                "status_count": SandboxStatus.objects.count(),
                "domain_count": 0,
            },
            "thumbnail": f"{base}/avatars/sandbox.svg",
            "languages": ["en"],
            "registrations": False,
            "approval_required": False,
            "invites_enabled": False,
            "configuration": {
                "accounts": {"max_featured_tags": 10},
                "statuses": dict(STATUS_LIMITS),
                "media_attachments": media_limits(request),
                "polls": dict(POLL_LIMITS),
            },
            "contact_account": None,
            "rules": [],
        }
    )


@api_view(auth=False)
def instance(request):
    """``GET /api/v2/instance``: the Instance entity of Mastodon 4."""
    base = base_url(request)
    return JsonResponse(
        {
            "domain": request.get_host(),
            "title": TITLE,
            "version": VERSION,
            "source_url": "",
            "description": DESCRIPTION,
            "usage": {"users": {"active_month": SandboxAccount.objects.count()}},
            "thumbnail": {"url": f"{base}/avatars/sandbox.svg"},
            "languages": ["en"],
            "configuration": {
                "urls": {"streaming": None},
                "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                "statuses": dict(STATUS_LIMITS),
                "media_attachments": media_limits(request),
                "polls": dict(POLL_LIMITS),
                "translation": {"enabled": False},
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": "", "account": None},
            "rules": [],
            "api_versions": {"mastodon": 2},
        }
    )


def avatar(request, username):
    """A generated avatar: the account's initials on its colour (no uploads needed)."""
    account = SandboxAccount.objects.filter(username=username).first()
    initials, colour = (account.initials, account.colour) if account else ("S", "#4f46e5")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
        f'<rect width="96" height="96" rx="18" fill="{colour}"/>'
        '<text x="48" y="60" font-family="system-ui,sans-serif" font-size="38" font-weight="600" '
        f'text-anchor="middle" fill="#fff">{escape(initials)}</text></svg>'
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "max-age=3600"
    return response
