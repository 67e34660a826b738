"""Uploaded images are served at MEDIA_URL in every mode (thumbnails in the pages, public
image URLs that Instagram and Threads fetch), with their real type and nothing else."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from posts.media import store_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def _upload(team, fmt="PNG", name="beans.png"):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format=fmt)
    return store_upload(team.workspace, SimpleUploadedFile(name, out.getvalue()), user=team.owner)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@override_settings(DEBUG=False)
def test_an_upload_and_its_thumbnail_are_served_with_their_real_type_in_production(client, team):
    # given: a PNG and its JPEG thumbnail stored by the media library
    asset = _upload(team)
    # when: anyone (a network fetching the public URL: no session) asks for them
    response = client.get(asset.file.url)
    thumb = client.get(asset.thumbnail.url)
    # then: the bytes on disk, typed as stored, never sniffed, shown inline, cached long
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    assert "max-age=31536000" in response["Cache-Control"]
    assert _body(response) == asset.file.open("rb").read()
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_the_type_follows_the_reencoded_format_not_the_uploaded_name(client, team):
    # given: a WebP picture uploaded under a .jpg name (stored as .webp by posts/media.py)
    asset = _upload(team, fmt="WEBP", name="holiday.jpg")
    # then: it is served as what it is
    response = client.get(asset.file.url)
    assert response["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(_body(response))).format == "WEBP"


def test_a_head_request_is_answered_without_a_body(client, team):
    asset = _upload(team)
    response = client.head(asset.file.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_a_file_that_is_not_there_is_404(client, team):
    _upload(team)
    assert client.get("/media/media/1/nothing-here.png").status_code == 404
    assert client.get("/media/media/").status_code == 404  # a directory is not a file


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/media/../../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/..%2fsecret.txt",
        "/media/%2Fetc/passwd",
    ],
)
def test_names_outside_the_media_folder_are_refused(client, media_root, path):
    # given: a file next to (not inside) MEDIA_ROOT
    (media_root / "media").mkdir(exist_ok=True)
    (media_root / "secret.txt").write_text("not for the web")
    # when: a path tries to climb out of the media folder
    response = client.get(path)
    # then: nothing is found
    assert response.status_code == 404
    assert b"not for the web" not in response.content


def test_a_symbolic_link_out_of_the_media_folder_is_refused(client, media_root):
    (media_root / "media").mkdir(exist_ok=True)
    (media_root / "secret.png").write_bytes(b"not for the web")
    (media_root / "media" / "link.png").symlink_to(media_root / "secret.png")
    assert client.get("/media/link.png").status_code == 404


def test_a_file_of_another_kind_is_only_ever_a_download(client, media_root):
    # given: something under MEDIA_ROOT that the media library did not write
    (media_root / "media").mkdir(exist_ok=True)
    (media_root / "media" / "page.html").write_text("<script>alert(1)</script>")
    response = client.get("/media/page.html")
    # then: the browser is told to save it, not render it
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
