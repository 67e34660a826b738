"""Uploads are judged by their content, limited in size and pixels, and stored without
metadata."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from posts.media import store_upload

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
