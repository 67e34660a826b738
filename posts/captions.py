"""Subtitles of a video in the media library: WebVTT files, one per language
(posts.models.MediaCaption). Checked here so the page and any later caller refuse the same
things in the same words. Sent where a network takes them (Bluesky, smm/platforms/bluesky.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from posts.models import MediaAsset, MediaCaption, normalize_language

# Bluesky's limits (app.bsky.embed.video lexicon): a caption file up to 20,000 bytes,
# up to 20 caption files on a video. We keep to them for every network.
MAX_CAPTION_BYTES = 20_000
MAX_CAPTIONS = 20

_BOM = b"\xef\xbb\xbf"


def check_webvtt(data: bytes) -> bytes:
    """The file's bytes as we keep them (a leading byte-order mark dropped), or a
    ValidationError in plain words: WebVTT, UTF-8, within Bluesky's 20,000 bytes."""
    if len(data) > MAX_CAPTION_BYTES:
        raise _too_big(len(data))
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            "This subtitle file is not in UTF-8 text. Save it as UTF-8 (most subtitle editors offer it) and try again.",
            code="file",
        ) from None
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if not first_line.startswith("WEBVTT") or first_line[6:7] not in ("", " ", "\t"):
        raise ValidationError(
            "This is not a WebVTT subtitle file (.vtt): its first line must be “WEBVTT”. "
            "Convert SRT or other subtitles to WebVTT and try again.",
            code="file",
        )
    return data


def _too_big(size: int) -> ValidationError:
    return ValidationError(
        f"This subtitle file is {size:,} bytes; Bluesky takes subtitle files up to "
        f"{MAX_CAPTION_BYTES:,} bytes. Split it or remove styling and try again.",
        code="file",
    )


def add_caption(asset: MediaAsset, language: str, uploaded) -> tuple[MediaCaption, bool]:
    """Store ``uploaded`` (an UploadedFile) as the video's subtitles in ``language``; a file
    for a language the video has already replaces it. Returns (caption, replaced).

    Each refusal's ``code`` says what it is about ("not_video", "language", "file",
    "too_many"), so the API can put it under its field."""
    if not asset.is_video:
        raise ValidationError("Only a video can have subtitles.", code="not_video")
    try:
        language = normalize_language(language)
    except ValidationError as error:
        raise ValidationError(error.messages[0], code="language") from None
    if uploaded is None:
        raise ValidationError("Choose the subtitle file (.vtt) to upload.", code="file")
    if uploaded.size is not None and uploaded.size > MAX_CAPTION_BYTES:
        raise _too_big(uploaded.size)  # without reading a big file
    data = check_webvtt(uploaded.read(MAX_CAPTION_BYTES + 1))
    with transaction.atomic():
        existing = MediaCaption.objects.select_for_update().filter(asset=asset, language=language).first()
        if existing is None and MediaCaption.objects.filter(asset=asset).count() >= MAX_CAPTIONS:
            raise ValidationError(
                f"A video can have subtitles in up to {MAX_CAPTIONS} languages (Bluesky's limit). Remove one first.",
                code="too_many",
            )
        old_name = existing.file.name if existing else None
        caption = existing or MediaCaption(asset=asset, language=language)
        caption.file.save(f"{language}.vtt", ContentFile(data), save=False)
        caption.save()
    if old_name:
        caption.file.storage.delete(old_name)
    return caption, existing is not None


def remove_caption(caption: MediaCaption) -> None:
    name = caption.file.name
    storage = caption.file.storage
    caption.delete()
    if name:
        storage.delete(name)
