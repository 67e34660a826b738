"""What the engine hands an adapter for one target: its content.

``build_content`` turns a target into ``PostContent`` (the target's variant of the text,
the post's images with their bytes, public URL and alt text, the link). The account and
its adapter come from the core (``SocialAccount.context()`` and ``.adapter()``).
"""

from __future__ import annotations

from django.conf import settings

from posts.models import PostMedia, PostTarget
from smm.platforms.base import MediaItem, Permanent, PostContent


def build_content(target: PostTarget) -> PostContent:
    post = target.post
    text = target.text if target.text.strip() else post.text
    media = []
    for row in PostMedia.objects.filter(post=post).select_related("asset").order_by("order", "id"):
        asset = row.asset
        try:
            with asset.file.open("rb") as handle:
                data = handle.read()
        except (FileNotFoundError, OSError, ValueError):
            raise Permanent(
                f"Media file {asset.file.name!r} is missing from storage",
                user_message=f"The image “{asset}” is missing from the media library; attach it again.",
            )
        media.append(
            MediaItem(
                mime_type=asset.mime_type,
                data=data,
                url=_public_url(asset.file.url),
                alt_text=asset.alt_text,
                size=asset.size or len(data),
                width=asset.width or None,
                height=asset.height or None,
                filename=(asset.original_name or asset.file.name.rsplit("/", 1)[-1])[:100],
            )
        )
    return PostContent(text=text, media=media, link=post.link or None)


def _public_url(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL.rstrip('/')}{url}"
