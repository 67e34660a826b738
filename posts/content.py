"""What the engine hands an adapter for one target: its content.

``build_content`` turns a target into ``PostContent`` (the target's variant of the text,
the post's images with their bytes, public URL and alt text, the link; for a network
that takes only JPEG, a JPEG made of each PNG or WebP). The account and
its adapter come from the core (``SocialAccount.context()`` and ``.adapter()``).
"""

from __future__ import annotations

import os

from django.conf import settings
from PIL import Image

from posts.link_hooks import rewrite_links
from posts.models import PostMedia, PostTarget
from smm.media import jpeg_copy
from smm.platforms import get_adapter
from smm.platforms.base import MediaItem, Permanent, PostContent


def build_content(target: PostTarget) -> PostContent:
    post = target.post
    text = target.text if target.text.strip() else post.text
    # Instagram takes only JPEG: a PNG or WebP goes out as a JPEG made of it (kept beside it).
    # the account's own server limits (a Mastodon instance's video limits), as the composer checks
    adapter = get_adapter(target.account.network).apply_limits(getattr(target.account, "limits", None))
    to_jpeg = getattr(adapter, "converts_to_jpeg", ())
    options = dict(target.options or {})
    media = []
    # The claim (posts/publishing.py) says whether the post has media at all: no query then.
    rows = (
        PostMedia.objects.filter(post=post).select_related("asset").order_by("order", "id")
        if getattr(post, "media_rows_exist", True)
        else ()
    )
    for row in rows:
        asset = row.asset
        if asset.is_video:
            media.append(video_for(adapter, asset, options))
            continue
        name, mime_type = asset.file.name, asset.mime_type
        filename = (asset.original_name or name.rsplit("/", 1)[-1])[:100]
        try:
            with asset.file.open("rb") as handle:
                data = handle.read()
        except (FileNotFoundError, OSError, ValueError):
            raise Permanent(
                f"Media file {asset.file.name!r} is missing from storage",
                user_message=f"The image “{asset}” is missing from the media library; attach it again.",
            )
        size = asset.size or len(data)
        if mime_type in to_jpeg:
            try:
                name, data = jpeg_copy(name, asset.file.storage)
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
                raise Permanent(
                    f"Media file {name!r} could not be converted to JPEG: {exc}",
                    user_message=f"The image “{asset}” could not be converted to a JPEG; upload it as a JPEG.",
                )
            mime_type, size = "image/jpeg", len(data)
            filename = f"{filename.rsplit('.', 1)[0][:95]}.jpg"
        media.append(
            MediaItem(
                mime_type=mime_type,
                data=data,
                url=_public_url(asset.file.storage.url(name)),
                alt_text=asset.alt_text,
                size=size,
                width=asset.width or None,
                height=asset.height or None,
                filename=filename,
            )
        )
    text, link = rewrite_links(target, text, post.link or None)  # UTM and short links (links app)
    return PostContent(text=text, media=media, link=link, options=options)


def video_for(adapter, asset, options: dict) -> MediaItem:
    """The video a target sends: the original, unless the network would refuse it only
    for reasons a conversion cures (type, codec, frame rate, dimensions); then the
    newest finished conversion (posts/transcode.py), or a Permanent failure that says how
    to convert it when there is none. A video refused for what a conversion does not cure
    (length, size) goes as it is: the adapter's own checks refuse it in words."""
    from smm.platforms.video import CURABLE  # (not posts.transcode: PyAV has no place in a publish worker)

    if asset.processing != asset.Processing.READY:
        raise Permanent(
            f"Video {asset.pk} is {asset.processing}, not ready",
            user_message=f"The video “{asset}” is still being converted (or its conversion failed); "
            "wait until the media library shows it ready, then send the post again.",
        )
    item = video_item(asset)
    problems = adapter.video_problems(PostContent(text="", media=[item], options=options))
    if not problems or any(p.code not in CURABLE for p in problems):
        return item
    conversion = (  # the newest finished conversion (posts/transcode.py makes them)
        asset.conversions.filter(processing=asset.Processing.READY)
        .exclude(file="")
        .order_by("-created_at", "-id")
        .first()
    )
    if conversion is not None:
        return video_item(conversion)
    why = " ".join(p.message for p in problems)
    raise Permanent(
        f"{adapter.label} would refuse video {asset.pk} and it has no conversion: {why}",
        user_message=f"{why} Convert it: in the media library choose “Convert for every network” on "
        f"“{asset}” (or “Convert it” in the composer's checks), then send the post again.",
    )


def video_item(asset) -> MediaItem:
    """A video as adapters take it: the file's path on disk (never its bytes: adapters
    stream it), its public URL for networks that fetch it, and what the probe read."""
    try:
        path = asset.file.path
    except NotImplementedError:  # a storage without local files: not supported for video
        path = None
    if not path or not os.path.exists(path):
        raise Permanent(
            f"Video file {asset.file.name!r} is missing from storage",
            user_message=f"The video “{asset}” is missing from the media library; attach it again.",
        )
    thumbnail_path = thumbnail_url = None
    if asset.thumbnail:
        try:
            thumbnail_path = asset.thumbnail.path
        except NotImplementedError:
            thumbnail_path = None
        thumbnail_url = _public_url(asset.thumbnail.storage.url(asset.thumbnail.name))
    return MediaItem(
        mime_type=asset.mime_type,
        url=_public_url(asset.file.storage.url(asset.file.name)),
        alt_text=asset.alt_text,
        size=asset.size or os.path.getsize(path),
        width=asset.width or None,
        height=asset.height or None,
        filename=(asset.original_name or asset.file.name.rsplit("/", 1)[-1])[:100],
        path=path,
        duration=asset.duration,
        frame_rate=asset.frame_rate,
        container=asset.container,
        video_codec=asset.video_codec,
        audio_codec=asset.audio_codec,
        pixel_format=asset.pixel_format,
        bitrate=asset.bitrate,
        thumbnail_path=thumbnail_path,
        thumbnail_url=thumbnail_url,
        captions=video_captions(asset),
    )


def video_captions(asset) -> list[tuple[str, str]]:
    """(language, local path) of the video's subtitle files. A converted copy keeps its
    original's timing, so it takes the original's subtitles when it has none of its own.
    A file missing from storage is left out (the video still goes, without it)."""
    captions = list(asset.captions.all())
    if not captions and asset.source_id:
        captions = list(asset.source.captions.all()) if asset.source else []
    found = []
    for caption in captions:
        try:
            path = caption.file.path
        except NotImplementedError:  # a storage without local files
            continue
        if os.path.exists(path):
            found.append((caption.language, path))
    return found


def _public_url(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL.rstrip('/')}{url}"
