"""The API's resumable uploads (tus 1.0 with a token) and its media library's video fields."""

from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from posts.models import MediaAsset, MediaUpload
from posts.video import make_clip

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    path = make_clip(tmp_path_factory.mktemp("clips") / "api.mp4", seconds=1, width=320, height=180)
    with open(path, "rb") as handle:
        return handle.read()


def uploads_url(slug="acme"):
    return f"/api/v1/workspaces/{slug}/media/uploads/"


def create(client, length, slug="acme", name="launch.mp4"):
    meta = f"filename {base64.b64encode(name.encode()).decode()}"
    return client.post(uploads_url(slug), HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=meta, **TUS)


def patch(client, location, offset, body):
    return client.generic(
        "PATCH",
        location,
        data=body,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
    )


def test_a_token_uploads_a_video_in_chunks_and_reads_it_back_with_its_video_fields(api, world, clip):
    client = api()
    # given an upload created through the API
    created = create(client, len(clip))
    assert created.status_code == 201
    location = created["Location"]
    assert location.startswith("http://testserver/api/v1/workspaces/acme/media/uploads/")
    # when the file goes in three chunks, resuming from what HEAD says
    third = len(clip) // 3
    assert patch(client, location, 0, clip[:third]).status_code == 204
    offset = int(client.head(location, **TUS)["Upload-Offset"])
    assert offset == third
    assert patch(client, location, offset, clip[offset : 2 * third]).status_code == 204
    assert patch(client, location, 0, clip[:10]).status_code == 409
    done = patch(client, location, 2 * third, clip[2 * third :])
    assert done.status_code == 204 and done["Upload-Offset"] == str(len(clip))
    # then the upload names the asset, and the media library shows it as a video
    outcome = client.get(location).json()
    assert outcome["state"] == "done"
    asset_id = outcome["asset"]["id"]
    item = client.get(f"/api/v1/workspaces/acme/media/{asset_id}/").json()
    assert item["kind"] == "video"
    assert item["duration"] == pytest.approx(1.0, abs=0.15)
    assert item["frame_rate"] == pytest.approx(30)
    assert (item["container"], item["video_codec"], item["audio_codec"]) == ("mp4", "h264", "aac")
    assert (item["width"], item["height"], item["size"]) == (320, 180, len(clip))
    assert item["faststart"] is True and item["processing"] == "ready" and item["source"] is None
    assert "/media/" in item["thumbnail_url"] and item["thumbnail_url"].endswith(".jpg")
    assert item["original_name"] == "launch.mp4"
    listed = client.get("/api/v1/workspaces/acme/media/").json()["results"]
    assert [row["kind"] for row in listed] == ["video"]


def test_an_image_in_the_library_has_blank_video_fields(api, world):
    MediaAsset.objects.create(workspace=world["ws"], file="media/x.png", mime_type="image/png", width=4, height=3)
    row = api().get("/api/v1/workspaces/acme/media/").json()["results"][0]
    assert (row["kind"], row["duration"], row["video_codec"], row["frame_rate"]) == ("image", None, "", None)


def test_the_api_refuses_over_the_limit_other_workspaces_and_roles_without_the_right(api, world, settings):
    settings.MEDIA_MAX_VIDEO_BYTES = 1000
    owner = api()
    over = create(owner, 1001)
    assert over.status_code == 413
    assert "videos can be up to" in over.content.decode()
    location = create(owner, 500)["Location"]
    upload = MediaUpload.objects.get()
    # another workspace's token: its own workspace in the URL, or ours: 404 either way
    stranger = api(user=world["other_owner"], workspace=world["other"])
    assert stranger.head(f"{uploads_url('other')}{upload.uuid}/", **TUS).status_code == 404
    assert stranger.head(location, **TUS).status_code == 404
    assert patch(stranger, location, 0, b"x" * 10).status_code == 404
    # a client (read and approve) may not upload; no credentials: 401
    assert create(api(role="client"), 10).status_code == 403
    assert create(APIClient(), 10).status_code == 401
    assert MediaUpload.objects.get().offset == 0


def test_terminate_and_options_through_the_api(api):
    client = api()
    options = client.options(uploads_url())
    assert options.status_code == 204 and options["Tus-Version"] == "1.0.0"
    location = create(client, 100)["Location"]
    assert client.delete(location, **TUS).status_code == 204
    assert not MediaUpload.objects.exists()
    assert client.head(location, **TUS).status_code == 404


def test_the_schema_documents_the_upload_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/workspaces/{ws}/media/uploads/"]
    detail = paths["/api/v1/workspaces/{ws}/media/uploads/{upload_id}/"]
    assert {"get", "patch", "delete"} <= set(detail)
    assert "HEAD" in detail["get"]["description"] or "HEAD" in detail["patch"]["description"]
