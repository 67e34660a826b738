"""Uploads are judged by their content, limited in size and pixels, re-encoded without
metadata, and served with a content type that matches what they are."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import re_path
from PIL import Image

from posts.media import MAX_UPLOAD_BYTES, store_upload
from tests.posts.test_media import animated_gif

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def workspace(make_workspace):
    return make_workspace("Uploads")


def png_bytes(size=(40, 30), mode="RGB", colour=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour if mode != "1" else 0).save(out, format="PNG", **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretPhone 9"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 22.0, 7.5)
    gps[3] = "E"
    gps[4] = (4.0, 53.0, 2.25)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"home address here")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_html_named_like_a_photo_is_refused(workspace):
    # given an HTML page renamed photo.jpg and sent as image/jpeg
    page = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
    # when it is uploaded, then it is refused by its content
    with pytest.raises(ValidationError, match="not an image"):
        store_upload(workspace, upload("photo.jpg", page))


def test_svg_is_refused_even_as_image_svg(workspace):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValidationError):
        store_upload(workspace, upload("logo.svg", svg, "image/svg+xml"))


def test_a_real_png_named_html_is_stored_as_png(workspace):
    # given a PNG whose name says .html
    asset = store_upload(workspace, upload("evil.html", png_bytes(), "text/html"))
    # then the stored file is named and typed by what it is
    assert asset.mime_type == "image/png"
    assert asset.file.name.endswith(".png")
    assert ".html" not in asset.file.name


def test_decompression_bomb_is_refused_before_decoding(workspace):
    # given a tiny file (a few KB) that claims 13,000 x 13,000 pixels
    bomb = png_bytes(size=(13_000, 13_000), mode="1")
    assert len(bomb) < 200_000
    # then it is refused for its pixel count
    with pytest.raises(ValidationError, match="pixels"):
        store_upload(workspace, upload("bomb.png", bomb, "image/png"))


def test_too_many_pixels_within_the_side_limit_is_refused(workspace):
    bomb = png_bytes(size=(11_000, 11_000), mode="1")
    with pytest.raises(ValidationError, match="pixels"):
        store_upload(workspace, upload("wide.png", bomb, "image/png"))


def test_oversized_file_is_refused(workspace):
    big = b"\x89PNG\r\n\x1a\n" + b"0" * (MAX_UPLOAD_BYTES + 10)
    with pytest.raises(ValidationError, match="MB"):
        store_upload(workspace, upload("big.png", big, "image/png"))


def test_exif_gps_and_comments_are_stripped(workspace):
    # given a phone photo with GPS coordinates, camera model and a comment
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    # when it is uploaded
    asset = store_upload(workspace, upload("holiday.jpg", original))
    # then the stored file has no EXIF (no GPS, no camera), no comment
    with asset.file.open("rb") as handle:
        stored = handle.read()
    image = Image.open(io.BytesIO(stored))
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(0x8825)
    assert b"Exif" not in stored
    assert b"SecretPhone" not in stored
    assert b"home address" not in stored
    assert "comment" not in image.info


def test_png_text_chunks_are_stripped(workspace):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane Secret")
    asset = store_upload(workspace, upload("x.png", png_bytes(pnginfo=info), "image/png"))
    with asset.file.open("rb") as handle:
        assert b"Jane Secret" not in handle.read()


def serve_media(request, path):
    from django.conf import settings
    from django.views.static import serve

    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", serve_media)]


def test_media_is_served_with_its_real_type_and_nosniff(client, workspace, settings):
    # (the DEBUG file server of smm/urls.py, pointed at this test's media folder)
    settings.ROOT_URLCONF = __name__
    asset = store_upload(workspace, upload("evil.html", png_bytes(), "text/html"))
    response = client.get(asset.file.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


# Pillow allocates pixels with malloc, out of tracemalloc's sight (it reports under 1 MB for
# an 850 MB re-encode), so the bound is the peak resident size of a fresh interpreter that
# does nothing else, reset just before the check (Linux: clear_refs 5 resets VmHWM).
MEASURE = """
import json, re, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from posts.media import inspect_image, reencode, thumbnail

def kb(field):
    return int(re.search(field + r":\\s+(\\d+)", open("/proc/self/status").read()).group(1))

data = sys.stdin.buffer.read()
with open("/proc/self/clear_refs", "w") as peak:
    peak.write("5")
before = kb("VmRSS")
try:
    image = inspect_image(data)
    reencode(image)
    thumbnail(image)
    outcome = "stored"
except ValidationError as refused:
    outcome = refused.messages[0]
print(json.dumps({"outcome": outcome, "peak_growth_mb": (kb("VmHWM") - before) / 1024}))
"""


def checked_in_a_fresh_process(data: bytes) -> dict:
    from django.conf import settings

    done = subprocess.run(
        [sys.executable, "-c", MEASURE],
        input=data,
        capture_output=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "smm.settings"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return json.loads(done.stdout)


def test_checking_a_gif_bomb_never_decodes_its_frames():
    # given: 5 KB that decode to 40 frames of 2000 x 2000 pixels (640 MB as RGBA; the old
    # re-encoder peaked at 850 MB)
    bomb = animated_gif(2000, 2000, 40)
    # when it is checked
    measured = checked_in_a_fresh_process(bomb)
    # then it is refused, having held at most a frame or two (one frame is 4 to 16 MB)
    assert measured["outcome"].startswith("This GIF is too large to process")
    assert measured["peak_growth_mb"] < 60, measured


def test_reencoding_a_long_animation_holds_a_few_frames_not_all_of_them():
    # given: 90 frames of 1000 x 1000 pixels, just under the limit of 100 million pixels
    # (all frames at once: 90 MB as palette images, 360 MB as RGBA)
    gif = animated_gif(1000, 1000, 90)
    # when it is re-encoded
    measured = checked_in_a_fresh_process(gif)
    # then it is stored, and memory grew by a few frames' worth (4 MB each as RGBA)
    assert measured["outcome"] == "stored"
    assert measured["peak_growth_mb"] < 80, measured
