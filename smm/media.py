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
import os

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

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
