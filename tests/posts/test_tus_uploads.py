"""Resumable uploads (tus 1.0) into the media library: create, ask the offset, append,
resume after a cut, refuse a wrong offset, a file over the limit, an expired upload and
another workspace's upload; the last byte turns a video into an asset with what the probe
read and a poster; a PATCH body is read 64 KiB at a time, never whole."""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import io
import os

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from posts import upload_views, uploads
from posts.models import MediaAsset, MediaUpload
from posts.video import make_clip
from smm.models import AuditEvent

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    path = make_clip(tmp_path_factory.mktemp("clips") / "beans.mp4", seconds=1, width=160, height=284)
    with open(path, "rb") as handle:
        return handle.read()


@pytest.fixture
def editor(team):
    client = Client()
    client.force_login(team.editor)
    return client


def metadata(**values) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


def create(client, team, length, **meta):
    url = reverse("posts:uploads", kwargs={"ws": team.workspace.slug})
    extra = {"HTTP_UPLOAD_LENGTH": str(length), **TUS}
    if meta:
        extra["HTTP_UPLOAD_METADATA"] = metadata(**meta)
    return client.post(url, **extra)


def patch(client, location, offset, body):
    return client.patch(
        location,
        data=body,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
    )


def head(client, location):
    return client.head(location, **TUS)


def test_options_says_what_the_server_speaks(editor, team, settings):
    settings.MEDIA_MAX_VIDEO_BYTES = 5_000_000
    response = editor.options(reverse("posts:uploads", kwargs={"ws": team.workspace.slug}))
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {"creation", "termination", "expiration"}
    assert response["Tus-Max-Size"] == "5000000"


def test_a_video_sent_in_two_parts_lands_in_the_library_with_its_probe_and_poster(editor, team, clip):
    # given a new upload of the clip's size
    created = create(editor, team, len(clip), filename="Beans at dawn.mp4", filetype="video/mp4")
    assert created.status_code == 201
    location = created["Location"]
    assert "Upload-Expires" in created
    assert head(editor, location)["Upload-Offset"] == "0"
    # when the first part and then the rest arrive
    half = len(clip) // 2
    first = patch(editor, location, 0, clip[:half])
    assert first.status_code == 204 and first["Upload-Offset"] == str(half)
    assert head(editor, location)["Upload-Offset"] == str(half)
    assert not MediaAsset.objects.exists()
    last = patch(editor, location, half, clip[half:])
    # then the video is in the workspace's library with what the probe read and a poster
    assert last.status_code == 204 and last["Upload-Offset"] == str(len(clip))
    asset = MediaAsset.objects.get()
    assert asset.workspace == team.workspace and asset.uploaded_by == team.editor
    assert (asset.kind, asset.container, asset.video_codec, asset.audio_codec) == ("video", "mp4", "h264", "aac")
    assert (asset.width, asset.height, asset.size) == (160, 284, len(clip))
    assert asset.duration == pytest.approx(1.0, abs=0.15)
    assert asset.frame_rate == pytest.approx(30)
    assert asset.faststart is True
    assert asset.original_name == "Beans at dawn.mp4" and asset.mime_type == "video/mp4"
    assert asset.file.name.endswith(".mp4")
    with asset.file.open("rb") as stored:
        assert stored.read() == clip
    with asset.thumbnail.open("rb") as poster:
        assert Image.open(poster).format == "JPEG"
    # and the partial file is gone, the upload says where the asset is
    upload = MediaUpload.objects.get()
    assert upload.state == "done" and upload.path == ""
    assert not list((uploads.partial_path(upload).parent).glob("*.part"))
    answer = editor.get(location).json()
    assert answer["state"] == "done" and answer["asset"]["id"] == asset.pk
    assert answer["asset"]["kind"] == "video" and answer["asset"]["thumbnail_url"]
    assert AuditEvent.objects.filter(verb="media.uploaded", workspace=team.workspace).count() == 1


class CutStream:
    """A request body that drops after ``cut`` bytes (a network drop mid-PATCH)."""

    def __init__(self, data: bytes, cut: int):
        self.data, self.cut, self.position = data, cut, 0

    def read(self, size=-1):
        if self.position >= self.cut:
            raise OSError("connection reset by peer")
        size = min(size, self.cut - self.position)
        piece = self.data[self.position : self.position + size]
        self.position += len(piece)
        return piece


def raw_patch(team, user, upload, offset, stream, length):
    """A PATCH through the page view whose body is ``stream`` (RequestFactory keeps it)."""
    request = RequestFactory().patch(
        f"/w/{team.workspace.slug}/posts/media/uploads/{upload.uuid}/",
        data=b"",
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
    )
    request.META["CONTENT_LENGTH"] = str(length)
    request.META["CONTENT_TYPE"] = "application/offset+octet-stream"  # (the factory sets it only with a body)
    request._stream = stream
    request.user = user
    return upload_views.upload_detail(request, ws=team.workspace.slug, upload_id=upload.uuid)


def test_a_patch_cut_short_keeps_what_arrived_and_the_upload_resumes_from_there(editor, team, clip):
    location = create(editor, team, len(clip), filename="beans.mp4")["Location"]
    upload = MediaUpload.objects.get()
    # when the connection drops 100,000 bytes into a PATCH of the whole file
    cut = min(100_000, len(clip) - 10)
    response = raw_patch(team, team.editor, upload, 0, CutStream(clip, cut), len(clip))
    # then the bytes that arrived are kept, and HEAD says where to go on
    assert response.status_code == 204
    assert head(editor, location)["Upload-Offset"] == str(cut)
    # when the client resumes from there
    assert patch(editor, location, cut, clip[cut:]).status_code == 204
    # then the video is whole
    asset = MediaAsset.objects.get()
    with asset.file.open("rb") as stored:
        assert stored.read() == clip


class CountingStream(io.BytesIO):
    """Remembers the largest read the server asked for."""

    largest = 0
    whole = 0

    def read(self, size=-1):
        if size is None or size < 0:
            CountingStream.whole += 1
        CountingStream.largest = max(CountingStream.largest, size if size and size > 0 else len(self.getvalue()))
        return super().read(size)


def test_a_patch_of_a_few_megabytes_is_read_64_kib_at_a_time(editor, team, settings):
    body = os.urandom(3 * 1024 * 1024 + 123)
    create(editor, team, len(body) + 10, filename="big.mp4")
    upload = MediaUpload.objects.get()
    stream = CountingStream(body)
    response = raw_patch(team, team.editor, upload, 0, stream, len(body))
    assert response.status_code == 204 and response["Upload-Offset"] == str(len(body))
    assert CountingStream.whole == 0
    assert 0 < CountingStream.largest <= 64 * 1024
    with open(uploads.partial_path(upload), "rb") as partial:
        assert partial.read() == body


def test_a_wrong_offset_is_a_409_that_says_where_the_upload_is(editor, team):
    location = create(editor, team, 100)["Location"]
    patch(editor, location, 0, b"x" * 40)
    response = patch(editor, location, 10, b"y" * 10)
    assert response.status_code == 409
    assert response["Upload-Offset"] == "40"
    assert "byte 40" in response.content.decode()
    assert head(editor, location)["Upload-Offset"] == "40"


def test_a_file_over_the_limit_is_refused_before_a_byte_is_sent(editor, team, settings):
    settings.MEDIA_MAX_VIDEO_BYTES = 2 * 1024 * 1024
    response = create(editor, team, 3 * 1024 * 1024, filename="long.mp4")
    assert response.status_code == 413
    assert response.content.decode() == (
        "This file is 3.0 MB; videos can be up to 2.0 MB. Use a shorter or smaller video."
    )
    assert not MediaUpload.objects.exists()


def test_bytes_past_the_announced_length_are_refused(editor, team):
    location = create(editor, team, 10)["Location"]
    response = patch(editor, location, 0, b"z" * 11)
    assert response.status_code == 413
    assert head(editor, location)["Upload-Offset"] == "0"


def test_requests_without_the_protocol_header_or_content_type_are_refused(editor, team):
    url = reverse("posts:uploads", kwargs={"ws": team.workspace.slug})
    assert editor.post(url, HTTP_UPLOAD_LENGTH="10").status_code == 400
    assert editor.post(url, HTTP_UPLOAD_LENGTH="10", HTTP_TUS_RESUMABLE="0.2.2").status_code == 412
    location = create(editor, team, 10)["Location"]
    wrong_type = editor.patch(location, data=b"abc", content_type="text/plain", HTTP_UPLOAD_OFFSET="0", **TUS)
    assert wrong_type.status_code == 415


def test_an_expired_upload_is_gone_and_the_beat_task_deletes_its_bytes(editor, team):
    location = create(editor, team, 100)["Location"]
    patch(editor, location, 0, b"a" * 30)
    upload = MediaUpload.objects.get()
    partial = uploads.partial_path(upload)
    assert partial.exists()
    MediaUpload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    # then HEAD and PATCH say it is gone (tus-js-client then starts a new upload)
    assert head(editor, location).status_code == 410
    assert patch(editor, location, 30, b"b" * 10).status_code == 410
    assert editor.get(location).json()["state"] == "expired"
    # and the clean-up removes its bytes and its row, not a fresh upload's
    fresh = create(editor, team, 50)["Location"]
    assert uploads.delete_expired() == 1
    assert not partial.exists()
    assert not MediaUpload.objects.filter(pk=upload.pk).exists()
    assert head(editor, fresh).status_code == 200


def test_terminating_deletes_the_upload_and_its_bytes(editor, team):
    location = create(editor, team, 100)["Location"]
    patch(editor, location, 0, b"a" * 30)
    partial = uploads.partial_path(MediaUpload.objects.get())
    response = editor.delete(location, **TUS)
    assert response.status_code == 204
    assert not partial.exists()
    assert head(editor, location).status_code == 404


def test_a_file_that_is_not_a_video_is_refused_in_plain_words(editor, team):
    body = b"this is a text file, not a video " * 100
    location = create(editor, team, len(body), filename="notes.mp4")["Location"]
    assert patch(editor, location, 0, body).status_code == 204
    answer = editor.get(location).json()
    assert answer["state"] == "failed"
    assert answer["error"] == "This file is not a video we can read: upload an MP4, MOV or WebM video."
    assert "not a video" in head(editor, location)["Upload-Error"]
    assert not MediaAsset.objects.exists()
    upload = MediaUpload.objects.get()
    assert upload.path == "" and not list(uploads.partial_path(upload).parent.glob("*.part"))


def test_an_image_sent_by_tus_goes_through_the_image_path(editor, team):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="PNG")
    body = out.getvalue()
    location = create(editor, team, len(body), filename="beans.png", alt_text="Beans")["Location"]
    patch(editor, location, 0, body)
    asset = MediaAsset.objects.get()
    assert (asset.kind, asset.mime_type, asset.width, asset.height, asset.alt_text) == (
        "image",
        "image/png",
        64,
        48,
        "Beans",
    )
    assert editor.get(location).json()["asset"]["kind"] == "image"


def test_another_workspace_never_sees_an_upload(editor, team, make_workspace, make_member):
    location = create(editor, team, 100)["Location"]
    other = make_workspace("Other")
    stranger = Client()
    stranger.force_login(make_member(other, "owner", username="stranger"))
    upload = MediaUpload.objects.get()
    foreign = reverse("posts:upload", kwargs={"ws": other.slug, "upload_id": upload.uuid})
    assert head(stranger, foreign).status_code == 404
    assert patch(stranger, foreign, 0, b"x" * 10).status_code == 404
    assert stranger.delete(foreign, **TUS).status_code == 404
    assert stranger.get(foreign).status_code == 404
    # and through this workspace's address a non-member is a 404 too
    assert head(stranger, location).status_code == 404
    assert MediaUpload.objects.get().offset == 0


def test_visitors_and_clients_cannot_upload(team):
    url = reverse("posts:uploads", kwargs={"ws": team.workspace.slug})
    anonymous = Client().post(url, HTTP_UPLOAD_LENGTH="10", **TUS)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    client_role = Client()
    client_role.force_login(team.client)
    assert client_role.post(url, HTTP_UPLOAD_LENGTH="10", **TUS).status_code == 403
    assert not MediaUpload.objects.exists()


def test_the_pages_endpoints_need_the_csrf_token(team):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(team.editor)
    browser.get(reverse("posts:media", kwargs={"ws": team.workspace.slug}))
    token = browser.cookies["csrftoken"].value
    url = reverse("posts:uploads", kwargs={"ws": team.workspace.slug})
    assert browser.post(url, HTTP_UPLOAD_LENGTH="10", **TUS).status_code == 403
    created = browser.post(url, HTTP_UPLOAD_LENGTH="10", HTTP_X_CSRFTOKEN=token, **TUS)
    assert created.status_code == 201
    location = created["Location"]
    no_token = browser.patch(
        location, data=b"x" * 10, content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET="0", **TUS
    )
    assert no_token.status_code == 403
    with_token = browser.patch(
        location,
        data=b"x" * 10,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        HTTP_X_CSRFTOKEN=token,
        **TUS,
    )
    assert with_token.status_code == 204


def test_a_second_patch_while_one_is_sending_is_told_to_wait(editor, team):
    location = create(editor, team, 100)["Location"]
    upload = MediaUpload.objects.get()
    # given: another request holds the partial file (it is streaming its body)
    with open(uploads.partial_path(upload), "r+b") as busy:
        fcntl.flock(busy.fileno(), fcntl.LOCK_EX)
        response = patch(editor, location, 0, b"x" * 10)
    # then: 423, which tus clients retry, and nothing was written
    assert response.status_code == 423
    assert head(editor, location)["Upload-Offset"] == "0"
    assert patch(editor, location, 0, b"x" * 10).status_code == 204


def test_bytes_a_dead_request_wrote_but_never_recorded_are_cut_back(editor, team):
    location = create(editor, team, 30)["Location"]
    patch(editor, location, 0, b"a" * 10)
    upload = MediaUpload.objects.get()
    # given: a request that wrote 15 more bytes and died before recording them
    with open(uploads.partial_path(upload), "ab") as partial:
        partial.write(b"?" * 15)
    # when: the client resumes from the recorded offset
    assert head(editor, location)["Upload-Offset"] == "10"
    assert patch(editor, location, 10, b"b" * 5).status_code == 204
    # then: the file holds what was acknowledged, nothing of the dead request
    with open(uploads.partial_path(upload), "rb") as partial:
        assert partial.read() == b"a" * 10 + b"b" * 5
