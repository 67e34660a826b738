"""What the adapter is handed: the variant's text, images with alt text, the link, the account."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from posts.content import build_content
from posts.models import MediaAsset, PostMedia
from smm.models import SocialAccount
from smm.platforms.base import Permanent

pytestmark = pytest.mark.django_db


def test_content_uses_the_variant_media_and_link(make_target, engine_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://smm.example"
    target = make_target(text="Written once")
    target.text = "Mastodon variant"
    target.post.link = "https://northwind.example/roast"
    target.post.save()
    asset = MediaAsset(workspace=engine_world["ws"], mime_type="image/png", alt_text="A cup", width=10, height=8)
    asset.file.save("cup.png", ContentFile(b"\x89PNG fake bytes"), save=True)
    PostMedia.objects.create(post=target.post, asset=asset)

    content = build_content(target)

    assert content.text == "Mastodon variant"
    assert content.link == "https://northwind.example/roast"
    [item] = content.media
    assert (item.mime_type, item.alt_text, item.data) == ("image/png", "A cup", b"\x89PNG fake bytes")
    assert item.url.startswith("https://smm.example/media/")
    assert (item.width, item.height) == (10, 8)


def test_a_target_without_a_variant_uses_the_posts_text(make_target):
    target = make_target(text="Written once")
    target.text = "  "
    assert build_content(target).text == "Written once"


def test_a_missing_image_is_a_permanent_error(make_target, engine_world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    target = make_target()
    asset = MediaAsset.objects.create(workspace=engine_world["ws"], file="media/gone.png", mime_type="image/png")
    PostMedia.objects.create(post=target.post, asset=asset)
    with pytest.raises(Permanent, match="missing"):
        build_content(target)


def test_refreshed_credentials_are_saved_encrypted(engine_world):
    account = engine_world["account"]
    context = account.context()
    assert context.credentials == {"access_token": "secret-token-value"}
    context.update_credentials({"access_token": "renewed-token-value", "refresh_token": ""})
    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.credentials == {"access_token": "renewed-token-value"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM smm_socialaccount WHERE id = %s", [account.pk])
        [raw] = cursor.fetchone()
    assert "renewed-token-value" not in raw and raw.startswith("gAAAA")  # a Fernet token, not plaintext
