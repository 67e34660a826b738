"""Uploaded media under MEDIA_URL, served by the app in every mode (DEBUG or not).

Thumbnails in the pages and the public image URLs that Instagram and Threads fetch both
point here. A reverse proxy may serve MEDIA_ROOT at MEDIA_URL itself instead (faster);
this view is what makes a bare gunicorn deployment work.

Only regular files inside MEDIA_ROOT are served (``..`` and absolute names are refused),
with the type of the file as posts/media.py stored it: it re-encodes every upload and
names it with the extension of its real format, so the extension is the type. Anything
else is sent as a download, never rendered. File names are random, so a file never
changes under its URL and may be cached for a long time."""

from __future__ import annotations

import functools
import io
import os
import tempfile

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.views.decorators.http import require_safe
from PIL import Image, ImageOps

CACHE_FOR = 365 * 24 * 3600

# The formats an upload is stored in (posts/media.py re-encodes into one of these): Pillow's
# format name -> (type, extension). The core owns the table because it serves the files.
STORED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}


@functools.cache
def _types_by_extension() -> dict[str, str]:
    types = {ext: mime for mime, ext in STORED_FORMATS.values()}
    types.setdefault("jpeg", "image/jpeg")
    return types


def content_type(name: str) -> str | None:
    """The image type a stored name stands for, or None (not one of ours: a download)."""
    ext = os.path.splitext(name)[1].lstrip(".").lower()
    return _types_by_extension().get(ext)


def media_path(name: str) -> str:
    """The file's path inside MEDIA_ROOT; Http404 for anything outside it or not a file."""
    root = os.path.realpath(settings.MEDIA_ROOT)
    if not name or "\x00" in name or "\\" in name:
        raise Http404("No such file")
    try:
        path = safe_join(root, name)
    except (SuspiciousFileOperation, ValueError):
        raise Http404("No such file") from None
    real = os.path.realpath(path)  # a symbolic link must not lead outside MEDIA_ROOT either
    if not real.startswith(root + os.sep) or not os.path.isfile(real):
        raise Http404("No such file")
    return real


@require_safe
def serve_media(request, name: str):
    path = media_path(name)
    mime = content_type(path)
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 (FileResponse closes it when the response is done)
        content_type=mime or "application/octet-stream",
        as_attachment=mime is None,
        filename=os.path.basename(path),
    )
    if mime:
        response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"public, max-age={CACHE_FOR}, immutable"
    return response


# --- a JPEG of a stored image, for networks that take nothing else (Instagram) -----------

JPEG_QUALITY = 90


def jpeg_name(name: str) -> str:
    """Where the JPEG of the stored image ``name`` lives: beside it ("a/cup.png" ->
    "a/cup.png.jpg"), so two originals never share one, and served like any upload."""
    return f"{name}.jpg"


def jpeg_bytes(data: bytes) -> bytes:
    """``data`` (a stored image: PNG, WebP, GIF...) as a JPEG: the first frame, turned the
    way its EXIF orientation says, transparency flattened onto white, quality 90."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        upright = ImageOps.exif_transpose(image)
        if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
            rgba = upright.convert("RGBA")
            flat = Image.new("RGB", rgba.size, "white")
            flat.paste(rgba, mask=rgba.getchannel("A"))
        else:
            flat = upright.convert("RGB")
    out = io.BytesIO()
    flat.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def jpeg_copy(name: str, storage=None) -> tuple[str, bytes]:
    """The JPEG of the stored image ``name`` (its storage name and bytes), made the first
    time it is asked for and kept beside the original, which stays as it is. On a local
    disk it appears whole or not at all (written aside, then renamed), so a network that
    fetches it while a second worker converts the same image never reads half a file."""
    storage = storage or default_storage
    target = jpeg_name(name)
    if storage.exists(target):
        with storage.open(target, "rb") as handle:
            return target, handle.read()
    with storage.open(name, "rb") as handle:
        data = jpeg_bytes(handle.read())
    try:
        path = storage.path(target)
    except NotImplementedError:  # a remote storage: its save is its own
        return storage.save(target, ContentFile(data)), data
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return target, data
