"""Uploads are judged by their content, limited in size and pixels, and stored without
metadata."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import GifImagePlugin, Image
from rest_framework.test import APIClient

from posts.media import store_upload
from posts.models import MediaAsset
from smm.models_api import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def image_bytes(fmt="PNG", size=(64, 48), **save):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=fmt, **save)
    return out.getvalue()


def upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_png_is_stored_with_a_thumbnail_and_alt_text(team):
    asset = store_upload(team.workspace, upload("beans.png", image_bytes()), alt_text="Coffee beans", user=team.editor)
    assert (asset.mime_type, asset.width, asset.height, asset.alt_text) == ("image/png", 64, 48, "Coffee beans")
    assert asset.file.name.endswith(".png")
    assert asset.thumbnail.name.endswith(".jpg")
    with Image.open(asset.thumbnail.path) as thumb:
        assert thumb.format == "JPEG"


def test_the_type_comes_from_the_content_not_the_name(team):
    # given: a PNG named .jpg
    asset = store_upload(team.workspace, upload("photo.jpg", image_bytes("PNG")))
    # then: it is a PNG, and stored as one
    assert asset.mime_type == "image/png"
    assert asset.file.name.endswith("photo.png")


@pytest.mark.parametrize(
    "name,data",
    [
        ("innocent.jpg", b"<html><script>alert(1)</script></html>"),
        ("vector.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("doc.jpg", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"),
    ],
)
def test_a_non_image_with_an_image_name_is_refused(team, name, data):
    with pytest.raises(ValidationError) as refused:
        store_upload(team.workspace, upload(name, data))
    assert refused.value.messages == ["This file is not an image we can use: upload a JPEG, PNG, GIF or WebP picture."]


def test_an_image_format_we_do_not_take_is_refused(team):
    with pytest.raises(ValidationError, match="This is a BMP file"):
        store_upload(team.workspace, upload("old.png", image_bytes("BMP")))


def bomb_png(width, height):
    """A tiny PNG whose header claims ``width`` x ``height`` pixels."""
    raw = image_bytes("PNG", (1, 1))
    ihdr_start = raw.index(b"IHDR")
    body = bytearray(raw[ihdr_start + 4 : ihdr_start + 17])
    body[0:8] = struct.pack(">II", width, height)
    chunk = b"IHDR" + bytes(body)
    return raw[:ihdr_start] + chunk + struct.pack(">I", zlib.crc32(chunk)) + raw[ihdr_start + 21 :]


def test_a_decompression_bomb_is_refused_before_decoding(team):
    # given: a few hundred bytes that claim 50,000 x 50,000 pixels (2.5 gigapixels)
    data = bomb_png(50_000, 50_000)
    assert len(data) < 200
    # when / then
    with pytest.raises(ValidationError) as refused:
        store_upload(team.workspace, upload("bomb.png", data))
    assert refused.value.messages == [
        "This image has more pixels than we accept (at most 12,000 pixels a side and 40 megapixels)."
    ]


def test_an_image_just_over_the_pixel_limit_is_refused(team):
    with pytest.raises(ValidationError, match="9,000 x 6,000 pixels, more than we accept"):
        store_upload(team.workspace, upload("big.png", bomb_png(9_000, 6_000)))


def test_exif_and_gps_are_stripped(team):
    # given: a JPEG carrying the camera's make and a GPS position
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPSInfo
    data = image_bytes("JPEG", exif=exif)
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif()[0x010F] == "SpyCam"
    # when
    asset = store_upload(team.workspace, upload("holiday.jpg", data))
    # then
    with Image.open(asset.file.path) as stored:
        assert dict(stored.getexif()) == {}
        assert "exif" not in stored.info
    assert asset.mime_type == "image/jpeg"


def test_a_file_over_the_size_limit_is_refused(team, monkeypatch):
    monkeypatch.setattr("posts.media.MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(ValidationError, match="images can be up to"):
        store_upload(team.workspace, upload("big.png", image_bytes(size=(300, 300)) + b"\0" * 2000))


def animated_gif(width, height, frames):
    """A GIF of ``frames`` frames of ``width`` x ``height`` pixels that is tiny on disk: the first
    frame is one flat colour, each later frame changes a single pixel (as an editor's delta
    frames do). Pillow decodes every frame onto the whole canvas."""
    palette = [250, 250, 250, 200, 30, 30]
    first = Image.new("P", (width, height), 0)
    first.putpalette(palette)
    first.putpixel((0, 0), 1)
    out = io.BytesIO()
    first.save(out, format="GIF", loop=0, duration=100, optimize=False)
    dot = Image.new("P", (1, 1), 1)
    dot.putpalette(palette)
    blocks = [out.getvalue()[:-1]]  # without the trailer
    for index in range(1, frames):
        blocks += GifImagePlugin.getdata(dot, offset=(index % width, index % height), duration=100, disposal=1)
    return b"".join(blocks) + b";"


def test_a_small_gif_that_is_huge_once_decoded_is_refused_with_its_size(team):
    # given: a few KB that decode to 40 frames of 2000 x 2000 pixels (160 million pixels, 640 MB as RGBA)
    data = animated_gif(2000, 2000, 40)
    assert len(data) < 40_000
    # when / then
    with pytest.raises(ValidationError) as refused:
        store_upload(team.workspace, upload("party.gif", data, "image/gif"))
    assert refused.value.messages == [
        "This GIF is too large to process: 2,000×2,000 pixels × 40 frames. Use fewer frames or a smaller"
        " size (at this size, up to 25 frames)."
    ]
    assert MediaAsset.objects.count() == 0


def test_the_decoded_size_limit_is_a_setting(team, settings):
    settings.MEDIA_MAX_DECODED_PIXELS = 1_000_000
    # 200 x 200 x 25 frames is exactly one million pixels: taken
    asset = store_upload(team.workspace, upload("ok.gif", animated_gif(200, 200, 25), "image/gif"))
    assert asset.mime_type == "image/gif"
    # one frame more is not
    with pytest.raises(ValidationError, match="200×200 pixels × 26 frames"):
        store_upload(team.workspace, upload("long.gif", animated_gif(200, 200, 26), "image/gif"))


def test_a_gif_whose_later_frames_are_larger_than_its_header_says_is_counted_at_its_real_size(team):
    # given: a header of 100 x 100, then frames of 6000 x 6000 (Pillow grows the canvas to
    # fit them): 360 million pixels once decoded, in a few hundred KB
    head = io.BytesIO()
    Image.new("P", (100, 100), 0).save(head, format="GIF", loop=0, duration=100)
    big = Image.new("P", (6000, 6000), 0)
    big.putpalette([250, 250, 250, 200, 30, 30])
    frame = b"".join(GifImagePlugin.getdata(big, duration=100))
    data = head.getvalue()[:-1] + frame * 9 + b";"
    # when / then
    with pytest.raises(ValidationError) as refused:
        store_upload(team.workspace, upload("sneaky.gif", data, "image/gif"))
    assert refused.value.messages[0].startswith("This GIF is too large to process: 6,000×6,000 pixels × 10 frames.")


@pytest.mark.parametrize("cut", [0.5, 0.8, 0.95])
def test_a_cut_off_animated_gif_is_refused_as_damaged(team, cut):
    data = animated_gif(300, 200, 12)
    with pytest.raises(ValidationError) as refused:
        store_upload(team.workspace, upload("cut.gif", data[: int(len(data) * cut)], "image/gif"))
    assert refused.value.messages == ["This image is damaged or incomplete; export it again and upload the new file."]


def test_a_gif_with_more_frames_than_we_take_is_refused(team):
    # tiny frames, so the pixel count is small, but each frame costs work to re-encode
    with pytest.raises(ValidationError) as refused:
        store_upload(team.workspace, upload("flipbook.gif", animated_gif(8, 8, 1_001), "image/gif"))
    assert refused.value.messages == ["This GIF has more than 1,000 frames; we take up to 1,000. Use fewer frames."]


def gif_of(frames, durations, **save):
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, **save)
    return out.getvalue()


def test_an_animated_gif_keeps_its_frames_timing_and_transparency_but_not_its_comment(team):
    # given: a sticker of three frames (red, green, blue) with a transparent corner, each with
    # its own timing, and a comment
    frames = []
    for colour in ((220, 20, 20, 255), (20, 200, 20, 255), (20, 20, 220, 255)):
        frame = Image.new("RGBA", (60, 40), colour)
        frame.paste((0, 0, 0, 0), (0, 0, 10, 10))
        frames.append(frame)
    data = gif_of(frames, [100, 250, 400], loop=0, disposal=2, comment=b"made at 12 Secret Street")
    # when
    asset = store_upload(team.workspace, upload("traffic.gif", data, "image/gif"))
    # then
    with asset.file.open("rb") as handle:
        stored = handle.read()
    assert b"Secret Street" not in stored
    image = Image.open(io.BytesIO(stored))
    assert (image.format, image.n_frames, image.size, asset.width, asset.height) == ("GIF", 3, (60, 40), 60, 40)
    seen = []
    for index in range(3):
        image.seek(index)
        rgba = image.convert("RGBA")
        seen.append((image.info["duration"], rgba.getpixel((30, 20)), rgba.getpixel((2, 2))[3]))
    assert seen == [
        (100, (220, 20, 20, 255), 0),
        (250, (20, 200, 20, 255), 0),
        (400, (20, 20, 220, 255), 0),
    ]
    assert image.info["loop"] == 0


def test_an_animated_webp_keeps_its_frames_and_timing(team):
    frames = [Image.new("RGB", (50, 30), colour) for colour in ((220, 20, 20), (20, 200, 20), (20, 20, 220))]
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], duration=[100, 200, 300], lossless=True)
    asset = store_upload(team.workspace, upload("lights.webp", out.getvalue(), "image/webp"))
    image = Image.open(asset.file.path)
    assert (asset.mime_type, image.n_frames) == ("image/webp", 3)
    seen = []
    for index in range(3):
        image.seek(index)
        red, green, blue = image.convert("RGB").getpixel((25, 15))
        seen.append((image.info["duration"], max((red, "red"), (green, "green"), (blue, "blue"))[1]))
    assert seen == [(100, "red"), (200, "green"), (300, "blue")]


def test_an_animated_webp_too_large_once_decoded_is_refused(team, settings):
    settings.MEDIA_MAX_DECODED_PIXELS = 10_000
    frames = [Image.new("RGB", (50, 30), (10 * i, 0, 0)) for i in range(8)]
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], duration=100)
    with pytest.raises(ValidationError) as refused:
        store_upload(team.workspace, upload("lights.webp", out.getvalue(), "image/webp"))
    assert refused.value.messages == [
        "This animated WebP is too large to process: 50×30 pixels × 8 frames. Use fewer frames or a"
        " smaller size (at this size, up to 6 frames)."
    ]


def test_the_composer_says_why_a_gif_was_refused_and_keeps_the_post(client, team):
    # given: an editor writing a post who attaches the oversized GIF
    client.force_login(team.editor, backend="django.contrib.auth.backends.ModelBackend")
    data = {
        "brand": team.brand.pk,
        "accounts": [team.mastodon.pk],
        "text": "Party time at the shop",
        "action": "draft",
        "upload": upload("party.gif", animated_gif(2000, 2000, 40), "image/gif"),
    }
    # when
    response = client.post(reverse("posts:new", kwargs={"ws": team.workspace.slug}), data)
    # then: the form comes back with the reason next to the upload and the text still there
    html = response.content.decode()
    assert response.status_code == 200
    assert "This GIF is too large to process: 2,000×2,000 pixels × 40 frames." in html
    assert "Party time at the shop" in html
    assert MediaAsset.objects.count() == 0


def test_the_api_refuses_the_gif_with_a_field_error(team):
    _, raw = ApiToken.issue(team.workspace, team.editor, "uploads", "editor")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api.post(
        f"/api/v1/workspaces/{team.workspace.slug}/media/",
        {"file": upload("party.gif", animated_gif(2000, 2000, 40), "image/gif")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["file"] == [
        "This GIF is too large to process: 2,000×2,000 pixels × 40 frames. Use fewer frames or a smaller"
        " size (at this size, up to 25 frames)."
    ]
