"""A video's conversion and subtitles through the API: the media library page's rules
(write_posts, the workspace's own media, the same checks), answers in JSON with field errors,
and safe to repeat."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from posts import transcode
from posts.captions import MAX_CAPTIONS
from posts.models import MediaAsset, MediaCaption
from posts.video import make_clip
from tests.api.conftest import url
from tests.api.test_endpoints import png_bytes
from tests.media import video_asset

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nFresh beans are in!\n"
VTT_NEW = b"WEBVTT\n\n00:00.000 --> 00:01.000\nFresh beans, roasted today!\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def sent(monkeypatch):
    """The conversions handed to the "media" workers (none runs here)."""
    calls = []
    monkeypatch.setattr(transcode, "send", calls.append)
    return calls


@pytest.fixture
def video(world, tmp_path) -> MediaAsset:
    return video_asset(world["ws"], make_clip(tmp_path / "launch.mp4", seconds=1, audio=False))


@pytest.fixture
def image(world) -> MediaAsset:
    from django.core.files.base import ContentFile

    asset = MediaAsset(workspace=world["ws"], original_name="spring.png", kind=MediaAsset.Kind.IMAGE)
    asset.file.save("spring.png", ContentFile(png_bytes()), save=False)
    asset.save()
    return asset


def vtt(data: bytes = VTT) -> SimpleUploadedFile:
    return SimpleUploadedFile("subs.vtt", data, content_type="text/vtt")


def convert_url(asset) -> str:
    return url(f"media/{asset.pk}/convert/")


def caption_url(asset, language: str) -> str:
    return url(f"media/{asset.pk}/captions/{language}/")


# --- converting ------------------------------------------------------------------------------


def test_an_editor_starts_a_conversion_and_asking_again_gives_the_same_one(api, video, sent):
    editor = api("editor")

    # when an editor asks for the conversion of a video
    response = editor.post(convert_url(video))

    # then it is accepted and queued as a new asset whose source is the original
    assert response.status_code == 202
    body = response.json()
    conversion = video.conversions.get()
    assert body["id"] == conversion.pk and body["source"] == video.pk
    assert (body["processing"], body["processing_progress"], body["kind"]) == ("queued", 0, "video")
    assert body["original_name"] == "launch (converted).mp4"
    assert sent == [conversion.pk]

    # and asked again, for the original or for the conversion, the same conversion, sent once
    assert editor.post(convert_url(video)).json()["id"] == conversion.pk
    assert editor.post(convert_url(conversion)).json()["id"] == conversion.pk
    assert video.conversions.count() == 1 and sent == [conversion.pk]


def test_a_ready_conversion_is_answered_with_200_and_a_failed_one_is_tried_again(api, video, sent):
    client = api()
    conversion_id = client.post(convert_url(video)).json()["id"]
    MediaAsset.objects.filter(pk=conversion_id).update(processing="ready", processing_progress=100)
    ready = client.post(convert_url(video))
    assert ready.status_code == 200 and ready.json()["processing"] == "ready"

    MediaAsset.objects.filter(pk=conversion_id).update(processing="failed", processing_error="Unreadable.")
    again = client.post(convert_url(video))
    assert again.status_code == 202
    assert (again.json()["id"], again.json()["processing"], again.json()["processing_error"]) == (
        conversion_id,
        "queued",
        "",
    )
    assert sent == [conversion_id, conversion_id]


def test_an_image_cannot_be_converted(api, image, sent):
    response = api().post(convert_url(image))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Only a video can be converted."]}
    assert sent == []


def test_who_may_convert_and_in_which_workspace(api, world, video, sent):
    # a client may look at the library, not convert
    assert api("client").post(convert_url(video)).status_code == 403
    # another workspace's token: not found, under either workspace's address
    stranger = api(user=world["other_owner"], workspace=world["other"])
    assert stranger.post(convert_url(video)).status_code == 404
    assert stranger.post(url(f"media/{video.pk}/convert/", ws="other")).status_code == 404
    assert not video.conversions.exists() and sent == []


# --- subtitles -------------------------------------------------------------------------------


def test_subtitles_are_added_listed_replaced_and_removed(api, video):
    client = api("editor")

    # when an editor adds Brazilian Portuguese subtitles (the code typed loosely)
    added = client.put(caption_url(video, "pt-br"), {"file": vtt()}, format="multipart")

    # then they are stored under the conventional code and listed with the video
    assert added.status_code == 201
    assert added.json()["language"] == "pt-BR" and added.json()["url"].endswith(".vtt")
    assert client.get(url(f"media/{video.pk}/")).json()["captions"] == ["pt-BR"]

    # when a new file is sent for the same language, it replaces the old one
    replaced = client.put(caption_url(video, "pt-BR"), {"file": vtt(VTT_NEW)}, format="multipart")
    assert replaced.status_code == 200
    caption = MediaCaption.objects.get(asset=video)
    with caption.file.open("rb") as handle:
        assert handle.read() == VTT_NEW

    # when they are removed, they are gone; removing them again is not an error
    assert client.delete(caption_url(video, "pt-BR")).status_code == 204
    assert client.get(url(f"media/{video.pk}/")).json()["captions"] == []
    assert client.delete(caption_url(video, "pt-BR")).status_code == 204


@pytest.mark.parametrize(
    ("language", "data", "field", "words"),
    [
        ("en", b"1\n00:00:00,000 --> 00:00:01,000\nHi\n", "file", "not a WebVTT subtitle file"),
        ("en", "WEBVTT\n\nCafé".encode("latin-1"), "file", "not in UTF-8"),
        ("en", b"WEBVTT\n" + b"x" * 20_001, "file", "Bluesky takes subtitle files up to 20,000 bytes"),
        ("english-language", VTT, "language", "is not a language code"),
    ],
)
def test_refused_subtitles_are_field_errors_in_words(api, video, language, data, field, words):
    response = api().put(caption_url(video, language), {"file": vtt(data)}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()) == [field] and words in response.json()[field][0]
    assert not MediaCaption.objects.exists()


def test_no_file_asks_for_one(api, video):
    response = api().put(caption_url(video, "en"), {"file": "WEBVTT"}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["Choose the subtitle file (.vtt) to upload."]}


def test_an_image_has_no_subtitles_and_a_video_has_at_most_twenty_languages(api, image, video):
    client = api()
    refused = client.put(caption_url(image, "en"), {"file": vtt()}, format="multipart")
    assert refused.status_code == 400
    assert refused.json() == {"non_field_errors": ["Only a video can have subtitles."]}

    languages = ["en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "fi"]
    languages += ["pl", "cs", "tr", "el", "uk", "ja", "ko", "zh", "ar", "he"]
    assert len(languages) == MAX_CAPTIONS
    for language in languages:
        assert client.put(caption_url(video, language), {"file": vtt()}, format="multipart").status_code == 201
    full = client.put(caption_url(video, "hi"), {"file": vtt()}, format="multipart")
    assert full.status_code == 400 and "up to 20 languages" in full.json()["non_field_errors"][0]
    # replacing one of the twenty is still fine
    assert client.put(caption_url(video, "en"), {"file": vtt(VTT_NEW)}, format="multipart").status_code == 200


def test_who_may_change_subtitles_and_in_which_workspace(api, world, video):
    assert api("client").put(caption_url(video, "en"), {"file": vtt()}, format="multipart").status_code == 403
    assert api("client").delete(caption_url(video, "en")).status_code == 403
    stranger = api(user=world["other_owner"], workspace=world["other"])
    assert stranger.put(caption_url(video, "en"), {"file": vtt()}, format="multipart").status_code == 404
    assert stranger.delete(url(f"media/{video.pk}/captions/en/", ws="other")).status_code == 404
    assert not MediaCaption.objects.exists()


def test_a_bad_language_code_in_a_delete_is_a_field_error(api, video):
    response = api().delete(caption_url(video, "english-language"))
    assert response.status_code == 400 and "is not a language code" in response.json()["language"][0]
