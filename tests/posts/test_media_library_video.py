"""Videos in the media library page: listed with their poster, duration, size, size in
pixels and codec, and a poster chosen again by time or by uploading a picture."""

from __future__ import annotations

import base64
import html as html_lib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from posts import uploads
from posts.models import MediaAsset
from posts.video import make_clip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def video(team, tmp_path) -> MediaAsset:
    """A 3-second clip, uploaded through the tus path."""
    path = make_clip(tmp_path / "roastery.mp4", seconds=3, width=320, height=180, audio=False)
    with open(path, "rb") as handle:
        body = handle.read()
    headers = {
        "Tus-Resumable": "1.0.0",
        "Upload-Length": str(len(body)),
        "Upload-Metadata": f"filename {base64.b64encode(b'roastery.mp4').decode()}",
    }
    upload = uploads.create(team.workspace, team.editor, headers)
    patch = {"Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": uploads.OCTETS}
    uploads.append(team.workspace, team.editor, upload.uuid, patch, io.BytesIO(body), len(body))
    upload.refresh_from_db()
    return upload.asset


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def poster_bytes(asset) -> bytes:
    asset.refresh_from_db()
    with asset.thumbnail.open("rb") as handle:
        return handle.read()


def test_the_library_lists_a_video_with_its_poster_duration_size_and_codec(team, video):
    page = signed_in(team.editor).get(reverse("posts:media", kwargs={"ws": team.workspace.slug}))
    html = page.content.decode()
    start = html.index(f'id="asset-{video.pk}"')
    card = html[start : html.index("</figure>", start)]
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", card))
    assert "roastery.mp4" in text
    assert "320 × 180" in text and "3.0 s" in text and "H264" in text
    assert f'<img src="{video.thumbnail.url}"' in card
    assert "Change the poster" in text
    # the upload form takes videos through tus
    assert 'data-tus data-mode="library"' in html
    assert reverse("posts:uploads", kwargs={"ws": team.workspace.slug}) in html
    assert "Videos: MP4, MOV or WebM, up to 1.0\xa0GB" in html


def test_a_poster_is_chosen_again_by_time(team, video):
    before = poster_bytes(video)
    old_name = video.thumbnail.name
    url = reverse("posts:media_poster", kwargs={"ws": team.workspace.slug, "media_id": video.pk})
    response = signed_in(team.editor).post(url, {"at": "2.5"}, follow=True)
    assert response.status_code == 200
    assert "New poster for roastery.mp4." in response.content.decode()
    after = poster_bytes(video)
    assert after != before and Image.open(io.BytesIO(after)).format == "JPEG"
    assert not video.thumbnail.storage.exists(old_name)


def test_a_poster_is_uploaded_as_a_picture(team, video):
    out = io.BytesIO()
    Image.new("RGB", (1600, 900), (10, 200, 30)).save(out, format="PNG")
    picture = SimpleUploadedFile("poster.png", out.getvalue(), content_type="image/png")
    url = reverse("posts:media_poster", kwargs={"ws": team.workspace.slug, "media_id": video.pk})
    signed_in(team.editor).post(url, {"poster": picture})
    poster = Image.open(io.BytesIO(poster_bytes(video)))
    assert poster.format == "JPEG" and poster.size == (1280, 720)
    assert poster.getpixel((640, 360))[1] > 150  # the uploaded green, not a frame of the clip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"at": "9"}, "Pick a time between 0 and 3.0 seconds."),
        ({"at": "soon"}, "Give the time of the frame in seconds (e.g. 2.5), or upload a picture."),
        ({"at": "nan"}, "Give the time of the frame in seconds (e.g. 2.5), or upload a picture."),
        (
            {"poster": SimpleUploadedFile("notes.png", b"not a picture", content_type="image/png")},
            "Upload the poster as a JPEG or PNG picture.",
        ),
    ],
)
def test_a_wrong_poster_choice_is_refused_in_words_and_keeps_the_poster(team, video, data, message):
    before = poster_bytes(video)
    url = reverse("posts:media_poster", kwargs={"ws": team.workspace.slug, "media_id": video.pk})
    response = signed_in(team.editor).post(url, data, follow=True)
    assert f"roastery.mp4: {message}" in response.content.decode()
    assert poster_bytes(video) == before


def test_only_writers_of_the_workspace_change_a_poster(team, video, make_workspace, make_member):
    url = reverse("posts:media_poster", kwargs={"ws": team.workspace.slug, "media_id": video.pk})
    assert signed_in(team.client).post(url, {"at": "1"}).status_code == 403
    other = make_workspace("Other")
    stranger = make_member(other, "owner", username="stranger")
    foreign = reverse("posts:media_poster", kwargs={"ws": other.slug, "media_id": video.pk})
    assert signed_in(stranger).post(foreign, {"at": "1"}).status_code == 404
