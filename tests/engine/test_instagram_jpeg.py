"""Instagram takes only JPEG: a PNG or WebP from the media library goes out as a JPEG made
of it (transparency on white, turned upright), kept beside the original and served at a
public URL that Instagram fetches; the composer no longer refuses the PNG."""

from __future__ import annotations

import io
import os
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from posts import publishing
from posts.content import build_content
from posts.media import store_upload
from posts.models import PostMedia, TargetState
from posts.validation import check_target, media_items
from smm.media import jpeg_bytes, jpeg_copy
from smm.platforms.base import AppCredentials, MediaItem, PostContent
from smm.platforms.instagram import InstagramAdapter

pytestmark = pytest.mark.django_db

G = "https://graph.instagram.com/v23.0"
SITE = "https://smm.example"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = SITE
    return tmp_path / "media"


def png_with_a_hole() -> bytes:
    """A 40 x 20 red PNG whose left half is see-through."""
    image = Image.new("RGBA", (40, 20), (220, 30, 30, 255))
    image.paste((0, 0, 0, 0), (0, 0, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def instagram(engine_world, make_account, use_adapter):
    account = make_account(
        engine_world["brand"],
        network="instagram",
        handle="@northwind",
        remote_id="1784",
        credentials={"access_token": "IGtok", "user_id": "1784"},
    )
    adapter = InstagramAdapter(AppCredentials(client_id="app1", client_secret="secret"))
    adapter.sleep = lambda seconds: None
    use_adapter(adapter)
    return account


def upload(engine_world, data: bytes, name: str):
    return store_upload(engine_world["ws"], SimpleUploadedFile(name, data), alt_text="A red mug")


def test_a_png_published_to_instagram_is_fetched_as_a_jpeg(
    client, engine_world, instagram, make_target, django_capture_on_commit_callbacks
):
    # given a queued Instagram post with a PNG from the media library
    asset = upload(engine_world, png_with_a_hole(), "mug.png")
    original = asset.file.open("rb").read()
    target = make_target(state=TargetState.QUEUED, account=instagram, text="New mugs")
    PostMedia.objects.create(post=target.post, asset=asset)

    # when the worker publishes it (Instagram's container calls replayed)
    with responses.RequestsMock() as network:
        network.add(responses.POST, f"{G}/1784/media", json={"id": "c1"})
        network.add(responses.GET, f"{G}/c1", json={"status_code": "FINISHED", "id": "c1"})
        network.add(responses.POST, f"{G}/1784/media_publish", json={"id": "m1"})
        network.add(
            responses.GET,
            f"{G}/m1",
            json={"permalink": "https://www.instagram.com/p/m1/", "timestamp": "2026-03-01T10:00:00+0000"},
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert publishing.publish_target(target.pk) == "published"
        sent = dict(parse_qsl(network.calls[0].request.body))

    # then Instagram was told to fetch a JPEG from our public media URL
    assert sent["caption"] == "New mugs" and sent["alt_text"] == "A red mug"
    image_url = sent["image_url"]
    assert image_url.startswith(f"{SITE}/media/") and image_url.endswith(".png.jpg")
    # and that URL serves a real JPEG, the see-through half white, the rest red
    response = client.get(urlsplit(image_url).path)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert served.format == "JPEG" and served.size == (40, 20)
    assert all(channel > 245 for channel in served.convert("RGB").getpixel((5, 10)))
    red, green, blue = served.convert("RGB").getpixel((30, 10))
    assert red > 200 and green < 60 and blue < 60
    # and the library keeps the PNG as it was
    asset.refresh_from_db()
    assert asset.mime_type == "image/png" and asset.file.open("rb").read() == original


def test_the_jpeg_is_made_once_and_reused(engine_world, instagram, make_target, media_root, monkeypatch):
    asset = upload(engine_world, png_with_a_hole(), "mug.png")
    target = make_target(account=instagram)
    PostMedia.objects.create(post=target.post, asset=asset)

    [first] = build_content(target).media
    path = os.path.join(media_root, asset.file.name + ".jpg")
    made = os.stat(path).st_mtime_ns
    # a second publish (another Instagram account, a retry) converts nothing
    monkeypatch.setattr("smm.media.jpeg_bytes", lambda data: pytest.fail("converted twice"))
    [again] = build_content(target).media

    assert (first.mime_type, first.url, first.filename) == ("image/jpeg", again.url, "mug.jpg")
    assert first.data == again.data and first.size == len(first.data)
    assert os.stat(path).st_mtime_ns == made
    assert not [name for name in os.listdir(os.path.dirname(path)) if name.endswith(".part")]


def test_other_networks_get_the_png_itself(engine_world, make_target):
    asset = upload(engine_world, png_with_a_hole(), "mug.png")
    target = make_target()  # the world's Mastodon account
    PostMedia.objects.create(post=target.post, asset=asset)
    [item] = build_content(target).media
    assert item.mime_type == "image/png" and item.url.endswith(".png")


def test_a_webp_becomes_a_jpeg_too(engine_world, instagram, make_target):
    out = io.BytesIO()
    Image.new("RGB", (30, 30), (10, 120, 200)).save(out, format="WEBP")
    asset = upload(engine_world, out.getvalue(), "sky.webp")
    target = make_target(account=instagram)
    PostMedia.objects.create(post=target.post, asset=asset)
    [item] = build_content(target).media
    assert item.mime_type == "image/jpeg" and Image.open(io.BytesIO(item.data)).format == "JPEG"


def test_the_conversion_turns_the_picture_the_way_its_exif_says():
    # given a 40 x 20 PNG whose EXIF says "rotate 90° clockwise to view"
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (0, 128, 0)).save(out, format="PNG", exif=exif)
    # when it is converted
    converted = Image.open(io.BytesIO(jpeg_bytes(out.getvalue())))
    # then the JPEG stands upright
    assert converted.format == "JPEG" and converted.size == (20, 40)


def test_a_damaged_image_fails_the_target_with_plain_words(engine_world, instagram, make_target, media_root):
    asset = upload(engine_world, png_with_a_hole(), "mug.png")
    with open(os.path.join(media_root, asset.file.name), "wb") as broken:
        broken.write(b"\x89PNG\r\n\x1a\n not really")
    target = make_target(account=instagram)
    PostMedia.objects.create(post=target.post, asset=asset)
    with pytest.raises(Exception, match="could not be converted") as caught:
        build_content(target)
    assert "upload it as a JPEG" in caught.value.user_message


def test_jpeg_copy_keeps_the_original_name_free(media_root):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("media/a/cup.png", ContentFile(png_with_a_hole()))
    target, data = jpeg_copy(name)
    assert target == f"{name}.jpg"
    assert default_storage.open(name).read() == png_with_a_hole()
    assert Image.open(io.BytesIO(data)).format == "JPEG"


# --- the composer's check --------------------------------------------------------------


def test_the_composer_no_longer_refuses_a_png_or_webp_for_instagram(engine_world, instagram):
    asset = upload(engine_world, png_with_a_hole(), "mug.png")
    check = check_target(instagram, "New mugs", media_items([asset]))
    assert check.problems == []


def test_a_gif_is_still_refused_for_instagram():
    adapter = InstagramAdapter()
    gif = MediaItem(mime_type="image/gif", url="https://cdn.example.com/a.gif", size=10)
    problems = adapter.validate(PostContent(text="x", media=[gif]))
    assert [p.message for p in problems] == ["Image 1 must be a JPEG, PNG or WebP for Instagram."]


def test_the_composer_says_the_png_goes_to_instagram_as_a_jpeg(client, engine_world, instagram):
    from django.urls import reverse

    asset = upload(engine_world, png_with_a_hole(), "mug.png")
    assert check_target(instagram, "New mugs", media_items([asset])).notes == [
        "PNG images are sent to Instagram as JPEG (transparent parts become white)."
    ]
    client.force_login(engine_world["owner"])
    response = client.post(
        reverse("posts:check", kwargs={"ws": engine_world["ws"].slug}),
        {"brand": engine_world["brand"].pk, "accounts": [instagram.pk], "media": [asset.pk], "text": "New mugs"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "PNG images are sent to Instagram as JPEG" in body
    assert "must be a JPEG" not in body
