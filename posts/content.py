"""What the engine hands an adapter for one target: its content, the account and the adapter.

``build_content`` turns a target into ``PostContent`` (the target's variant of the text,
the post's images with their bytes, public URL and alt text, the link);
``account_context`` decrypts the account's credentials and saves refreshed ones back
encrypted; ``adapter_for`` builds the network's adapter with the app's OAuth client
and the SSRF guard of the settings.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from posts.models import PostMedia, PostTarget
from smm.models import SocialAccount
from smm.platforms import get_adapter
from smm.platforms.base import AccountContext, Adapter, AppCredentials, MediaItem, Permanent, PostContent
from smm.platforms.http import HttpClient, thread_session


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


def account_context(account: SocialAccount) -> AccountContext:
    """The account as an adapter sees it. Refreshed credentials are stored encrypted at once
    (in their own transaction: a token the network rotated must not be lost with a rollback)."""

    def save_credentials(credentials: dict[str, Any]) -> None:
        account.credentials = credentials
        with transaction.atomic():
            account.save(update_fields=["credentials"])

    return AccountContext(
        network=account.network,
        remote_id=account.remote_id,
        handle=account.handle,
        base_url=account.base_url,
        credentials=dict(account.credentials or {}),
        save_credentials=save_credentials,
    )


def adapter_for(network: str) -> Adapter:
    app = settings.PLATFORM_APPS.get(network) or {}
    return get_adapter(
        network,
        AppCredentials(client_id=app.get("client_id", ""), client_secret=app.get("client_secret", "")),
        # The worker's thread keeps its connections alive between publishes.
        http=HttpClient(allow_private=settings.ALLOW_PRIVATE_OUTBOUND, session=thread_session()),
    )
