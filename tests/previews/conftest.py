"""A brand with Mastodon, X, Instagram and LinkedIn accounts, its hashtag groups and
snippets, and a tall image in the media library."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def shop(make_workspace, make_member, make_brand, make_account):
    from posts.models import Snippet

    ws = make_workspace("Acme", approval_policy="none")
    editor = make_member(ws, "editor", username="editor")
    brand = make_brand(ws, "Acme Coffee", time_zone="Europe/Berlin")
    accounts = {
        "mastodon": make_account(
            brand, "mastodon", "@acme@social.example", base_url="https://social.example", display_name="Acme Coffee"
        ),
        "x": make_account(brand, "x", "@acmecoffee", display_name="Acme Coffee"),
        "instagram": make_account(brand, "instagram", "acme.coffee"),
        "linkedin": make_account(brand, "linkedin", "Acme Coffee GmbH"),
    }
    Snippet.objects.create(brand=brand, kind="hashtags", name="Coffee tags", body="#coffee #beans")
    Snippet.objects.create(brand=brand, kind="text", name="Sign-off", body="See you at the shop!")
    other = make_brand(ws, "Other Brand")
    Snippet.objects.create(brand=other, kind="hashtags", name="Not ours", body="#other")

    class Shop:
        pass

    shop = Shop()
    shop.workspace, shop.editor, shop.brand, shop.accounts, shop.other = ws, editor, brand, accounts, other
    return shop


def picture_upload(width: int, height: int) -> SimpleUploadedFile:
    """A striped picture with a dark disc in its middle: the stripes show where a network crops."""
    picture = Image.new("RGB", (width, height), (245, 236, 222))
    draw = ImageDraw.Draw(picture)
    band = max(height // 20, 1)
    for n in range(10):
        draw.rectangle((0, n * 2 * band, width, n * 2 * band + band), fill=(200 - n * 8, 130 - n * 6, 70))
    side = min(width, height) // 5
    draw.ellipse((width // 2 - side, height // 2 - side, width // 2 + side, height // 2 + side), fill=(60, 35, 20))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return SimpleUploadedFile(f"picture-{width}x{height}.png", out.getvalue())


@pytest.fixture
def tall_image(shop, media_root):
    """A 400 x 1000 portrait (2:5): taller than any network shows in its feed."""
    from posts.media import store_upload

    return store_upload(shop.workspace, picture_upload(400, 1000), alt_text="A tall cup", user=shop.editor)
