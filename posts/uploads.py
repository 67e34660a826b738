"""Resumable uploads into the media library: the tus 1.0 protocol, for videos up to
``settings.MEDIA_MAX_VIDEO_BYTES`` (1 GB by default) and, through the same door, images.

Why tus: it is a small, documented, widely implemented protocol for exactly this (create an
upload, ask how much arrived, append from there, give up), and its browser client,
``tus-js-client`` (npm, maintained by the protocol's authors), splits a file into chunks,
shows progress and resumes after a network drop or a closed tab (it keeps each file's upload
URL in localStorage under a fingerprint). The Python tus *server* packages (django-tus,
tusd's Python ports) are unmaintained, and the server side is a few hundred lines, so it is
ours: this module speaks the protocol, and two thin views serve it, one for the pages
(session + CSRF, posts/upload_views.py) and one for the REST API (token,
api/views/uploads.py).

Served: core (HEAD, PATCH, OPTIONS) and the extensions creation (POST), termination
(DELETE) and expiration (an unfinished upload is deleted 24 hours after it began; the
Upload-Expires header says when). Not served: creation-with-upload, creation-defer-length,
concatenation, checksum.

Memory: a PATCH body is read and written in pieces of ``PIECE`` bytes (64 KiB), never
whole. The upload's row is locked (SELECT ... FOR UPDATE) to check the offset and to record
it; while the body streams in, the partial file's lock (flock) keeps a second PATCH of the
same upload out, so two PATCHes never write at once, and no database transaction stays
open while a client sends (see ``append``). The file is cut back to the recorded offset
before appending, so bytes written by a request that died before recording them are never
counted twice. When the last byte arrives the file is probed (posts/video.py): a
video becomes a MediaAsset with everything the probe read and a poster frame; an image goes
through the image path (posts/media.py); anything else is refused in plain words, kept on
the upload (GET answers it, HEAD too in ``Upload-Error``), and its bytes deleted.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import fcntl
import io
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import av
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from PIL import Image, UnidentifiedImageError

from posts.media import ALLOWED_FORMATS, store_upload
from posts.models import MediaAsset, MediaUpload
from posts.video import NotAVideo, poster_frame, probe
from smm.models import record_event

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
PIECE = 64 * 1024  # bytes read from the request and written at a time
OCTETS = "application/offset+octet-stream"
METHODS = "POST, GET, HEAD, PATCH, DELETE, OPTIONS"
EXTENSIONS_BY_CONTAINER = {"mp4": "mp4", "mov": "mov", "webm": "webm"}
POSTER_TYPES = {"JPEG", "PNG"}


class TusError(Exception):
    """A refusal: its HTTP status and a sentence for the person uploading."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Answer:
    """A framework-free HTTP answer (both views turn it into a Django response)."""

    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"


def as_response(answer: Answer) -> HttpResponse:
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers.items():
        response[name] = value
    return response


def request_headers(request) -> dict:
    """The tus headers of a Django (or DRF) request, and its Content-Type."""
    names = ("Tus-Resumable", "Upload-Length", "Upload-Offset", "Upload-Metadata", "Upload-Defer-Length")
    headers = {name: request.headers[name] for name in names if name in request.headers}
    headers["Content-Type"] = request.META.get("CONTENT_TYPE", "")
    return headers


def content_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def max_bytes() -> int:
    return int(settings.MEDIA_MAX_VIDEO_BYTES)


def _megabytes(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    return f"{size / 1024**2:.1f} MB"


def _base_headers() -> dict:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}


def refusal(error: TusError) -> Answer:
    headers = _base_headers()
    if error.status == 412:
        headers["Tus-Version"] = TUS_VERSION
    return Answer(error.status, headers, error.message.encode())


def options() -> Answer:
    """OPTIONS: what this server speaks (needs no Tus-Resumable header)."""
    headers = _base_headers()
    headers.update(
        {
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(max_bytes()),
            "Allow": METHODS,
        }
    )
    return Answer(204, headers)


def check_version(headers) -> None:
    """An unsupported version is a 412 (the protocol says so); no version at all is not a
    tus request: 400."""
    if not headers.get("Tus-Resumable"):
        raise TusError(400, f"This is a tus upload address: send the header Tus-Resumable: {TUS_VERSION}.")
    if headers.get("Tus-Resumable") != TUS_VERSION:
        raise TusError(412, f"This server speaks tus {TUS_VERSION}; send the header Tus-Resumable: {TUS_VERSION}.")


def parse_metadata(header: str) -> dict:
    """``Upload-Metadata``: comma-separated "key base64value" pairs (the value may be absent)."""
    metadata = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        if not re.fullmatch(r"[!-~]+", key) or key in metadata:
            raise TusError(400, "The upload's metadata is malformed (Upload-Metadata).")
        try:
            metadata[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise TusError(400, f"The metadata {key!r} is not base64 text (Upload-Metadata).") from None
        if "\x00" in metadata[key]:
            raise TusError(400, f"The metadata {key!r} holds a NUL byte.")
    return metadata


def _length(value) -> int:
    if value is None or not re.fullmatch(r"\d{1,19}", str(value)):
        raise TusError(400, "Say how large the file is, in bytes (Upload-Length).")
    return int(value)


def partial_path(upload: MediaUpload) -> Path:
    return Path(settings.MEDIA_ROOT) / upload.path


def create(workspace, user, headers) -> MediaUpload:
    """POST (creation): a new, empty upload of the announced length."""
    check_version(headers)
    if headers.get("Upload-Defer-Length"):
        raise TusError(400, "Say the file's size when the upload begins (Upload-Defer-Length is not supported).")
    length = _length(headers.get("Upload-Length"))
    if length == 0:
        raise TusError(400, "This file is empty.")
    limit = max_bytes()
    if length > limit:
        raise TusError(
            413,
            f"This file is {_megabytes(length)}; videos can be up to {_megabytes(limit)}. "
            "Use a shorter or smaller video.",
        )
    metadata = parse_metadata(headers.get("Upload-Metadata", ""))
    name = os.path.basename(metadata.get("filename") or metadata.get("name") or "")[:255]
    upload = MediaUpload(
        workspace=workspace,
        user=user if getattr(user, "is_authenticated", False) else None,
        length=length,
        original_name=name,
        metadata=metadata,
    )
    upload.path = f"uploads/{workspace.pk}/{upload.uuid.hex}.part"
    target = partial_path(upload)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch()
    upload.save()
    return upload


def find(workspace, upload_id, *, lock: bool = False) -> MediaUpload:
    rows = MediaUpload.objects.for_workspace(workspace)
    if lock:
        rows = rows.select_for_update()
    upload = rows.filter(uuid=upload_id).first()
    if upload is None:
        raise TusError(404, "No such upload.")
    return upload


def _expired(upload: MediaUpload) -> bool:
    return upload.state == MediaUpload.State.RECEIVING and upload.expires_at <= timezone.now()


def head(workspace, upload_id, headers) -> Answer:
    """HEAD: how many bytes arrived (where the client resumes)."""
    check_version(headers)
    upload = find(workspace, upload_id)
    if _expired(upload):
        raise TusError(410, "This upload expired; start it again.")
    return Answer(200, _state_headers(upload))


def _state_headers(upload: MediaUpload) -> dict:
    headers = _base_headers()
    headers["Upload-Offset"] = str(upload.offset)
    headers["Upload-Length"] = str(upload.length)
    if upload.state == MediaUpload.State.RECEIVING:
        headers["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    elif upload.state == MediaUpload.State.FAILED:
        headers["Upload-Error"] = quote(upload.error, safe=" ,.:;()'/-+")
    if upload.asset_id:
        headers["Upload-Asset"] = str(upload.asset_id)
    return headers


def append(workspace, user, upload_id, headers, stream, content_length: int | None) -> Answer:
    """PATCH: write the body at ``Upload-Offset``, piece by piece; finish at the last byte.

    The row is locked (SELECT ... FOR UPDATE) to check the offset and again to record it and
    finish; while the body streams in, the partial file's own lock (flock) keeps a second
    PATCH of the same upload out (423, which tus clients retry). No database transaction is
    held open while a client sends: an 8 MB chunk over a slow line takes seconds, and in the
    embedded run SQLite would stop every other write (web, worker, beat) for as long."""
    check_version(headers)
    content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if content_type != OCTETS:
        raise TusError(415, f"Send the file's bytes as {OCTETS}.")
    offset_header = headers.get("Upload-Offset")
    if offset_header is None or not re.fullmatch(r"\d{1,19}", offset_header):
        raise TusError(400, "Say where these bytes go (Upload-Offset).")
    upload = find(workspace, upload_id)
    path = partial_path(upload)
    if upload.state != MediaUpload.State.RECEIVING or not upload.path:
        raise TusError(409, "This upload is already complete.")
    try:
        handle = open(path, "r+b")  # noqa: SIM115 (closed by the "with handle" below)
    except FileNotFoundError:
        raise TusError(404, "No such upload.") from None
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TusError(423, "Another request is sending bytes of this upload; try again in a moment.") from None
        with transaction.atomic():
            upload = find(workspace, upload_id, lock=True)
            _check_appendable(upload)
            if int(offset_header) != upload.offset:
                answer = refusal(TusError(409, f"The upload is at byte {upload.offset}, not {offset_header}."))
                answer.headers["Upload-Offset"] = str(upload.offset)
                return answer
            offset, remaining = upload.offset, upload.length - upload.offset
            if content_length is not None and content_length > remaining:
                raise TusError(413, f"These bytes go past the file's announced size ({upload.length} bytes).")
        written = _write(handle, offset, stream, remaining, content_length)
        with transaction.atomic():
            upload = find(workspace, upload_id, lock=True)  # (a DELETE meanwhile: 404)
            _check_appendable(upload)
            if upload.offset != offset:  # cannot happen while we hold the file's lock
                raise TusError(409, f"The upload is at byte {upload.offset}, not {offset}.")
            upload.offset = offset + written
            upload.save(update_fields=["offset"])
            if upload.offset == upload.length:
                finish(upload, user)
    return Answer(204, _state_headers(upload))


def _check_appendable(upload: MediaUpload) -> None:
    if _expired(upload):
        raise TusError(410, "This upload expired; start it again.")
    if upload.state != MediaUpload.State.RECEIVING:
        raise TusError(409, "This upload is already complete.")


def _write(handle, offset: int, stream, remaining: int, content_length: int | None) -> int:
    """Write up to ``remaining`` bytes of ``stream`` at ``offset`` of the open partial file;
    returns how many were written. A request cut short (network drop) keeps what arrived:
    the client resumes from there."""
    wanted = remaining if content_length is None else min(remaining, content_length)
    written = 0
    handle.truncate(offset)  # bytes past the recorded offset were never acknowledged
    handle.seek(offset)
    while written < wanted:
        try:
            piece = stream.read(min(PIECE, wanted - written))
        except OSError as exc:  # the client went away mid-body (UnreadablePostError is one)
            logger.info("Upload body cut short after %d bytes: %s", written, exc.__class__.__name__)
            break
        if not piece:
            break
        handle.write(piece)
        written += len(piece)
    handle.flush()
    os.fsync(handle.fileno())
    return written


def terminate(workspace, upload_id, headers) -> Answer:
    """DELETE (termination): forget the upload and its bytes (a finished asset stays)."""
    check_version(headers)
    with transaction.atomic():
        upload = find(workspace, upload_id, lock=True)
        _delete_partial(upload)
        upload.delete()
    return Answer(204, _base_headers())


def status(workspace, upload_id) -> dict:
    """GET: the upload as the pages' script needs it after the last byte (JSON)."""
    upload = find(workspace, upload_id)
    asset = upload.asset
    return {
        "id": str(upload.uuid),
        "state": "expired" if _expired(upload) else upload.state,
        "offset": upload.offset,
        "length": upload.length,
        "name": upload.original_name,
        "error": upload.error,
        "asset": describe_asset(asset) if asset is not None else None,
    }


def describe_asset(asset: MediaAsset) -> dict:
    return {
        "id": asset.pk,
        "kind": asset.kind,
        "name": asset.original_name,
        "thumbnail_url": asset.thumbnail.url if asset.thumbnail else "",
        "duration": asset.duration,
        "size": asset.size,
        "width": asset.width,
        "height": asset.height,
        "video_codec": asset.video_codec,
        "alt_text": asset.alt_text,
    }


# --- the last byte: into the media library ---------------------------------------------------


class _OnDisk(File):
    """The finished partial file: Django's file storage moves it into place (a rename on the
    same disk) instead of copying it, as it does for a large form upload."""

    def temporary_file_path(self):
        return self.file.name


def _is_image(path: Path) -> bool:
    try:
        with Image.open(path) as image:
            return image.format in ALLOWED_FORMATS
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return False
    except Exception:  # a damaged header is the image path's to explain, if it is one
        return False


def finish(upload: MediaUpload, user) -> None:
    """All bytes are here: make the asset, or say why not (and delete the bytes)."""
    path = partial_path(upload)
    try:
        if _is_image(path):
            with open(path, "rb") as handle:
                asset = store_upload(
                    upload.workspace,
                    File(handle, name=upload.original_name or "image"),
                    alt_text=upload.metadata.get("alt_text", ""),
                    user=user,
                )
            _delete_partial(upload)
        else:
            asset = _store_video(upload, path, user)
    except (NotAVideo, ValidationError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        _fail(upload, message)
        return
    except (av.FFmpegError, OSError) as exc:
        logger.warning("Upload %s could not be read: %s", upload.uuid, exc.__class__.__name__)
        _fail(upload, "We could not read this video: it may be damaged. Export it again and upload the new file.")
        return
    upload.asset = asset
    upload.state = MediaUpload.State.DONE
    upload.path = ""
    upload.save(update_fields=["asset", "state", "path"])


def _fail(upload: MediaUpload, message: str) -> None:
    _delete_partial(upload)
    upload.state = MediaUpload.State.FAILED
    upload.error = message[:500]
    upload.path = ""
    upload.save(update_fields=["state", "error", "path"])


def _store_video(upload: MediaUpload, path: Path, user) -> MediaAsset:
    return store_video_file(
        upload.workspace,
        path,
        name=upload.original_name or "video",
        user=user,
        alt_text=(upload.metadata.get("alt_text") or "").strip()[:1500],
    )


def store_video_file(workspace, path, *, name: str, user=None, alt_text: str = "") -> MediaAsset:
    """A video file on local disk into the workspace's media library: probed (``NotAVideo``
    in plain words when it is not one), its poster frame made, the file MOVED into media
    storage (a rename on the same disk, never a copy in memory). For finished uploads and the
    demo's generated clip."""
    path = Path(path)
    found = probe(path)
    poster = poster_frame(path)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", os.path.splitext(name)[0]).strip("-")[:60] or "video"
    ext = EXTENSIONS_BY_CONTAINER.get(found.container, found.container or "video")
    asset = MediaAsset(
        workspace=workspace,
        original_name=name,
        alt_text=alt_text,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    found.apply_to(asset)
    with open(path, "rb") as handle:
        asset.file.save(f"{stem}.{ext}", _OnDisk(handle, name=str(path)), save=False)
    asset.thumbnail.save("poster.jpg", ContentFile(poster), save=False)
    asset.save()
    record_event(workspace, user, "media.uploaded", asset, f"Uploaded {asset.original_name}")
    return asset


def _delete_partial(upload: MediaUpload) -> None:
    if upload.path:
        with contextlib.suppress(FileNotFoundError):
            partial_path(upload).unlink()


def delete_expired(now=None) -> int:
    """Unfinished uploads past their expiry: their bytes and rows. Returns how many."""
    now = now or timezone.now()
    count = 0
    stale = MediaUpload.objects.filter(state=MediaUpload.State.RECEIVING, expires_at__lte=now)
    for upload_id in stale.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            upload = MediaUpload.objects.select_for_update(skip_locked=True).filter(pk=upload_id).first()
            if upload is None:
                continue
            _delete_partial(upload)
            upload.delete()
            count += 1
    # finished or refused uploads keep no bytes; their rows go after a week
    MediaUpload.objects.exclude(state=MediaUpload.State.RECEIVING).filter(
        created_at__lte=now - dt.timedelta(days=7)
    ).delete()
    return count


# --- a video's poster ------------------------------------------------------------------------


def poster_at(asset: MediaAsset, seconds: float) -> None:
    """Choose the video's poster frame by time."""
    if not asset.is_video:
        raise ValidationError("Only a video has a poster frame.")
    if asset.duration is not None and not 0 <= seconds <= asset.duration:
        raise ValidationError(f"Pick a time between 0 and {asset.duration:.1f} seconds.")
    try:
        jpeg = poster_frame(asset.file.path, at=seconds)
    except (NotAVideo, av.FFmpegError, OSError):
        raise ValidationError("We could not read a picture at that time; try another.") from None
    _replace_poster(asset, jpeg)


def poster_upload(asset: MediaAsset, uploaded) -> None:
    """Use an uploaded JPEG or PNG as the video's poster (fitted, metadata dropped)."""
    if not asset.is_video:
        raise ValidationError("Only a video has a poster frame.")
    if uploaded.size > 10 * 1024 * 1024:
        raise ValidationError("A poster can be up to 10 MB.")
    try:
        with Image.open(uploaded) as image:
            if image.format not in POSTER_TYPES:
                raise ValidationError("Upload the poster as a JPEG or PNG picture.")
            if image.width * image.height > 40_000_000:
                raise ValidationError("This picture has more pixels than we accept for a poster.")
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError("Upload the poster as a JPEG or PNG picture.") from None
    picture.thumbnail((1280, 1280))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True)
    _replace_poster(asset, out.getvalue())


def _replace_poster(asset: MediaAsset, jpeg: bytes) -> None:
    old = asset.thumbnail.name if asset.thumbnail else ""
    asset.thumbnail.save("poster.jpg", ContentFile(jpeg), save=False)
    asset.save(update_fields=["thumbnail"])
    if old and old != asset.thumbnail.name:
        with contextlib.suppress(FileNotFoundError):
            asset.thumbnail.storage.delete(old)
