"""Uploads into the workspace media library: judged by their content (never their name),
size- and pixel-limited (decompression bombs refused before decoding, all frames of an
animation counted), re-encoded with metadata (EXIF, GPS, comments) stripped, and given a
thumbnail."""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import GifImagePlugin, Image, ImageOps, UnidentifiedImageError

from posts.models import MediaAsset
from smm.media import STORED_FORMATS
from smm.models import record_event

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 7700 x 5200: more than any network takes
MAX_SIDE = 12_000
# X takes 350 frames. However small, every frame costs a decode and an encode.
MAX_FRAMES = 1_000
THUMBNAIL_SIZE = (480, 480)

# Pillow format -> (mime type, file extension)
ALLOWED_FORMATS = STORED_FORMATS  # what the app serves is what an upload may become
# Formats stored with all their frames, and what a person calls such a file. (An animated
# PNG keeps its first frame only, so only that one is decoded.)
ANIMATIONS = {"GIF": "GIF", "WEBP": "animated WebP"}


DAMAGED = "This image is damaged or incomplete; export it again and upload the new file."


def _pixel_limit() -> int:
    return min(MAX_PIXELS, settings.MEDIA_MAX_DECODED_PIXELS)


def _limits() -> str:
    return f"at most {MAX_SIDE:,} pixels a side and {_pixel_limit() / 1_000_000:g} megapixels"


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
        raise ValidationError(f"This image has more pixels than we accept ({_limits()}).")
    except (UnidentifiedImageError, OSError):
        raise ValidationError("This file is not an image we can use: upload a JPEG, PNG, GIF or WebP picture.")
    if image.format not in ALLOWED_FORMATS:
        raise ValidationError(
            f"This is a {image.format or 'unknown'} file; upload a JPEG, PNG, GIF or WebP picture instead."
        )
    width, height = image.size
    if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > _pixel_limit():
        raise ValidationError(f"This image is {width:,} x {height:,} pixels, more than we accept ({_limits()}).")
    with _decoding():
        _refuse_long_animation(image, data)
        image.load()
    return image


@contextlib.contextmanager
def _decoding():
    """Whatever Pillow raises on a damaged file (while counting frames, decoding or
    re-encoding one), and its bomb warning, as the refusal a person reads."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(f"This image has more pixels than we accept ({_limits()}).")
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, struct.error):
        raise ValidationError(DAMAGED)


def _is_animation(image: Image.Image) -> bool:
    return image.format in ANIMATIONS and getattr(image, "is_animated", False)


def _refuse_long_animation(image: Image.Image, data: bytes) -> None:
    """Every frame of an animation is decoded onto the whole canvas, so what it costs is
    width x height x frames, whatever its size on disk (a 5 KB GIF can be 160 million
    pixels). Both come from the file's structure, before decoding: a GIF's blocks are
    walked (its frames may be larger than its header says), a WebP's header says them."""
    if not _is_animation(image):
        return
    name = ANIMATIONS[image.format]
    if image.format == "GIF":
        width, height, frames = gif_canvas_and_frames(data)
    else:
        (width, height), frames = image.size, image.n_frames
    if frames > MAX_FRAMES:  # (a GIF is counted only that far)
        raise ValidationError(
            f"This {name} has more than {MAX_FRAMES:,} frames; we take up to {MAX_FRAMES:,}. Use fewer frames."
        )
    limit = settings.MEDIA_MAX_DECODED_PIXELS
    if width * height * frames > limit:
        fit = limit // (width * height)
        hint = f"at this size, up to {fit:,} frames" if fit > 1 else "at this size, only a still image"
        raise ValidationError(
            f"This {name} is too large to process: {width:,}×{height:,} pixels × {frames:,} frames. "
            f"Use fewer frames or a smaller size ({hint})."
        )


def gif_canvas_and_frames(data: bytes) -> tuple[int, int, int]:
    """Walk a GIF's blocks without decoding, as Pillow reads them: the canvas its frames are
    decoded onto (Pillow grows it to fit a frame larger than the header says) and how many
    frames there are, counted up to MAX_FRAMES + 1. About 0.1 s per million blocks."""
    view = memoryview(data)
    end = len(view)
    if end < 13:
        raise ValidationError(DAMAGED)
    width, height = int.from_bytes(view[6:8], "little"), int.from_bytes(view[8:10], "little")
    pos = 13 + _colour_table_size(view[10])
    frames = 0
    while pos < end and frames <= MAX_FRAMES:
        tag = view[pos]
        if tag == 0x3B:  # trailer
            break
        if tag == 0x21:  # extension: label, then data sub-blocks
            pos = _after_sub_blocks(view, pos + 2)
        elif tag == 0x2C:  # image descriptor: x, y, width, height, flags
            if pos + 10 > end:
                break
            x, y, w, h = (int.from_bytes(view[pos + at : pos + at + 2], "little") for at in (1, 3, 5, 7))
            frames += 1
            width, height = max(width, x + w), max(height, y + h)
            # then its colour table, the LZW code size byte and the image data sub-blocks
            pos = _after_sub_blocks(view, pos + 10 + _colour_table_size(view[pos + 9]) + 1)
        else:
            pos += 1  # Pillow skips a stray byte too
    return width, height, frames


def _colour_table_size(flags: int) -> int:
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _after_sub_blocks(view: memoryview, pos: int) -> int:
    end = len(view)
    while pos < end:
        size = view[pos]
        pos += size + 1
        if not size:
            break
    return pos


def reencode(image: Image.Image) -> tuple[bytes, str, str]:
    """The image's pixels in a fresh file of the same format, without metadata.
    Returns (bytes, mime type, extension)."""
    with _decoding():
        return _reencode(image)


def _reencode(image: Image.Image) -> tuple[bytes, str, str]:
    fmt = image.format
    mime, ext = ALLOWED_FORMATS[fmt]
    out = io.BytesIO()
    if _is_animation(image):
        # One decoded frame at a time: the whole animation is never held, however long.
        (_write_gif if fmt == "GIF" else _write_webp)(image, out)
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


def _write_gif(image: Image.Image, out: io.BytesIO) -> None:
    """Write ``image``'s frames as they decode, each one whole with its own palette over a
    cleared canvas (disposal 2), keeping their timing, transparency and looping and nothing
    else. Pillow's own multi-frame writer keeps every frame until the end (to crop each to
    what changed), so it is used one frame at a time, through its documented frame API."""
    loop = image.info.get("loop", 0)
    for index in range(image.n_frames):
        image.seek(index)
        duration = image.info.get("duration", 100)
        frame, transparency = _palette_frame(image)
        if index == 0:
            header, _ = GifImagePlugin.getheader(frame, info={"loop": loop})
            out.writelines(header)
        params = {"duration": duration, "disposal": 2, "include_color_table": True}
        if transparency is not None:
            params["transparency"] = transparency
        out.writelines(GifImagePlugin.getdata(frame, **params))
    out.write(b";")


def _palette_frame(image: Image.Image) -> tuple[Image.Image, int | None]:
    """The current frame as a palette image (what a GIF frame is) and its transparent index."""
    if image.mode == "P":
        frame = image.copy()
        transparency = image.info.get("transparency")
        if not isinstance(transparency, int):
            transparency = None
    else:
        rgba = image.convert("RGBA")
        alpha = rgba.getchannel("A")
        frame = _fewest_colours(rgba.convert("RGB"))
        transparency = None
        if alpha.getextrema()[0] < 128:
            # GIF transparency is all or nothing: one more palette entry for the see-through
            # pixels (at most 255 are in use, so it is free)
            palette = frame.getpalette() or []
            transparency = len(palette) // 3
            frame.putpalette([*palette, 0, 0, 0])
            frame.paste(transparency, mask=alpha.point(lambda a: 255 if a < 128 else 0, "1"))
    frame.info = {}
    return frame, transparency


def _fewest_colours(rgb: Image.Image) -> Image.Image:
    """At most 255 colours: the frame's own when it has no more (as a GIF frame decoded to
    RGB has), exactly; otherwise the nearest 255 (octree: a few times faster than median
    cut for the same look)."""
    counted = rgb.getcolors(255)
    if counted is None:
        return rgb.quantize(255, method=Image.Quantize.FASTOCTREE)
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for _, colour in counted for value in colour])
    return rgb.quantize(palette=palette, dither=Image.Dither.NONE)


def _write_webp(image: Image.Image, out: io.BytesIO) -> None:
    """Pillow's WebP writer encodes the frames of the image it saves one by one (libwebp
    keeps the encoded result, not the frames); a frame's timing is known once it is
    decoded, so a first pass reads them, one frame at a time too."""
    durations = []
    for index in range(image.n_frames):
        image.seek(index)
        image.load()
        durations.append(image.info.get("duration", 100))
    image.seek(0)
    image.save(
        out,
        format="WEBP",
        save_all=True,
        duration=durations,
        loop=image.info.get("loop", 0),
        exif=b"",
        xmp=b"",
        icc_profile=b"",
    )


def thumbnail(image: Image.Image) -> bytes:
    with _decoding():
        return _thumbnail(image)


def _thumbnail(image: Image.Image) -> bytes:
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
