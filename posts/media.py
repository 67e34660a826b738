"""Uploads into the workspace media library: judged by their content (never their name),
size- and pixel-limited (decompression bombs refused before decoding), re-encoded with
metadata (EXIF, GPS, comments) stripped, and given a thumbnail."""

from __future__ import annotations

import io
import os
import re
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from posts.models import MediaAsset
from smm.models import record_event

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 7700 x 5200: more than any network takes
MAX_SIDE = 12_000
THUMBNAIL_SIZE = (480, 480)
LIMITS = f"at most {MAX_SIDE:,} pixels a side and {MAX_PIXELS // 1_000_000} megapixels"

# Pillow format -> (mime type, file extension)
ALLOWED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _safe_stem(name: str) -> str:
    stem = os.path.splitext(os.path.basename(name or ""))[0]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:60]
    return stem or "image"


def inspect_image(data: bytes) -> Image.Image:
    """Open ``data`` as an image we accept, or refuse it in plain words. Reads only the
    header before the size checks, so a bomb is never decoded."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            f"This file is {_megabytes(len(data))}; images can be up to {_megabytes(MAX_UPLOAD_BYTES)}."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(f"This image has more pixels than we accept ({LIMITS}).")
    except (UnidentifiedImageError, OSError):
        raise ValidationError("This file is not an image we can use: upload a JPEG, PNG, GIF or WebP picture.")
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"This is a {image.format or 'unknown'} file; upload a JPEG, PNG, GIF or WebP picture instead."
        )
    width, height = image.size
    if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValidationError(f"This image is {width:,} x {height:,} pixels, more than we accept ({LIMITS}).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError("This image is damaged or incomplete; export it again and upload the new file.")
    return image


def reencode(image: Image.Image) -> tuple[bytes, str, str]:
    """The image's pixels in a fresh file of the same format, without metadata.
    Returns (bytes, mime type, extension)."""
    fmt = image.format
    mime, ext = ALLOWED_FORMATS[fmt]
    out = io.BytesIO()
    animated = getattr(image, "is_animated", False) and fmt in ("GIF", "WEBP")
    if animated:
        frames = []
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            frames.append(image.convert("RGBA"))
            durations.append(image.info.get("duration", 100))
        first = frames[0]
        first.info = {}
        first.save(
            out,
            format=fmt,
            save_all=True,
            append_images=frames[1:],
            duration=durations,
            loop=image.info.get("loop", 0),
            disposal=2,
        )
        return out.getvalue(), mime, ext
    clean = ImageOps.exif_transpose(image)  # keep what the camera meant, then drop the EXIF
    if fmt == "JPEG":
        clean = clean.convert("RGB")
        clean.info = {}
        clean.save(out, format="JPEG", quality=90, optimize=True, exif=b"")
    elif fmt == "PNG":
        clean.info = {}
        clean.save(out, format="PNG", optimize=True)
    elif fmt == "GIF":
        clean.info = {}
        clean.save(out, format="GIF")
    else:
        clean = clean.convert("RGBA" if "A" in clean.getbands() else "RGB")
        clean.info = {}
        clean.save(out, format="WEBP", quality=90, exif=b"")
    return out.getvalue(), mime, ext


def thumbnail(image: Image.Image) -> bytes:
    if getattr(image, "is_animated", False):
        image.seek(0)
    thumb = ImageOps.exif_transpose(image).convert("RGBA")
    thumb.thumbnail(THUMBNAIL_SIZE)
    background = Image.new("RGB", thumb.size, "white")
    background.paste(thumb, mask=thumb.getchannel("A"))
    out = io.BytesIO()
    background.save(out, format="JPEG", quality=82)
    return out.getvalue()


@transaction.atomic
def store_upload(workspace, uploaded, *, alt_text: str = "", user=None) -> MediaAsset:
    """Validate an uploaded file and add it to the workspace's media library."""
    data = uploaded.read(MAX_UPLOAD_BYTES + 1)
    image = inspect_image(data)
    width, height = image.size
    body, mime, ext = reencode(image)
    thumb = thumbnail(image)
    asset = MediaAsset(
        workspace=workspace,
        original_name=os.path.basename(getattr(uploaded, "name", "") or "image")[:255],
        mime_type=mime,
        size=len(body),
        width=width,
        height=height,
        alt_text=alt_text.strip()[:1500],
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    asset.file.save(f"{_safe_stem(asset.original_name)}.{ext}", ContentFile(body), save=False)
    asset.thumbnail.save("thumb.jpg", ContentFile(thumb), save=False)
    asset.save()
    record_event(workspace, user, "media.uploaded", asset, f"Uploaded {asset.original_name}")
    return asset
