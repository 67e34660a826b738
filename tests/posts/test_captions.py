"""A video's subtitles (WebVTT) in the media library: added and removed beside the poster
form, checked (WebVTT, UTF-8, <= 20,000 bytes, a language code), one file per language,
handed to adapters as (language, path), listed by the API."""

from __future__ import annotations

import html as html_lib
import os
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from posts.captions import check_webvtt
from posts.content import video_item
from posts.models import MediaAsset, MediaCaption, normalize_language
from posts.video import make_clip
from tests.media import video_asset

pytestmark = pytest.mark.django_db

VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nFresh beans are in!\n"
VTT_PT = "WEBVTT\n\n00:00.000 --> 00:01.000\nGrãos frescos chegaram!\n".encode()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def video(team, tmp_path) -> MediaAsset:
    return video_asset(team.workspace, make_clip(tmp_path / "roastery.mp4", seconds=1, audio=False))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def captions_url(team, asset) -> str:
    return reverse("posts:media_captions", kwargs={"ws": team.workspace.slug, "media_id": asset.pk})


def vtt(data: bytes = VTT, name: str = "subs.vtt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/vtt")


def card_text(html: str, asset) -> str:
    start = html.index(f'id="asset-{asset.pk}"')
    card = html[start : html.index("</figure>", start)]
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card)))


def read(caption) -> bytes:
    with caption.file.open("rb") as handle:
        return handle.read()


# --- the checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("en", "en"), ("PT-br", "pt-BR"), ("pt_BR", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419")],
)
def test_language_codes_are_written_by_convention(typed, kept):
    assert normalize_language(typed) == kept


@pytest.mark.parametrize("typed", ["", "English", "e", "en-", "en--US", "123", "en US"])
def test_what_is_not_a_language_code_is_refused_in_words(typed):
    with pytest.raises(ValidationError) as refused:
        normalize_language(typed)
    assert "language" in refused.value.messages[0]


def test_a_webvtt_file_is_taken_and_a_byte_order_mark_dropped():
    assert check_webvtt(VTT) == VTT
    assert check_webvtt(b"\xef\xbb\xbf" + VTT) == VTT
    assert check_webvtt(b"WEBVTT - Kind: captions\n\n") == b"WEBVTT - Kind: captions\n\n"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"1\n00:00:00,000 --> 00:00:01,000\nHi\n", "first line must be “WEBVTT”"),
        (b"WEBVTTX\n", "first line must be “WEBVTT”"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\nGrüße\n".encode("latin-1"), "not in UTF-8"),
        (b"WEBVTT\n" + b"a" * 19_994, "20,001 bytes; Bluesky takes subtitle files up to 20,000 bytes"),
    ],
)
def test_what_is_not_webvtt_in_utf8_within_20000_bytes_is_refused(data, words):
    with pytest.raises(ValidationError) as refused:
        check_webvtt(data)
    assert words in refused.value.messages[0]


def test_exactly_20000_bytes_is_taken():
    data = b"WEBVTT\n" + b"a" * 19_993
    assert len(data) == 20_000 and check_webvtt(data) == data


def test_one_file_per_language_per_video_in_the_database(video):
    MediaCaption.objects.create(asset=video, language="en", file=ContentFile(VTT, "en.vtt"))
    with pytest.raises(IntegrityError), transaction.atomic():
        MediaCaption.objects.create(asset=video, language="en", file=ContentFile(VTT, "en.vtt"))


# --- the media library --------------------------------------------------------------------------


def test_an_editor_adds_subtitles_beside_the_poster_and_sees_them_listed(team, video):
    client = signed_in(team.editor)
    response = client.post(captions_url(team, video), {"language": "pt-br", "captions": vtt(VTT_PT)}, follow=True)

    assert response.status_code == 200
    [caption] = video.captions.all()
    assert caption.language == "pt-BR" and read(caption) == VTT_PT
    html = response.content.decode()
    assert "Added the pt-BR subtitles of roastery.mp4." in html_lib.unescape(html)
    text = card_text(html, video)
    assert "Subtitles (pt-BR)" in text and "pt-BR.vtt" in text
    assert "Sent with the video to Bluesky" in text
    assert response.redirect_chain[-1][0].endswith(f"#asset-{video.pk}")


def test_a_second_file_in_the_same_language_replaces_the_first(team, video):
    client = signed_in(team.editor)
    client.post(captions_url(team, video), {"language": "en", "captions": vtt()})
    old_path = video.captions.get().file.path
    new = b"WEBVTT\n\n00:00.000 --> 00:01.000\nFresh beans, now roasted!\n"

    response = client.post(captions_url(team, video), {"language": "EN", "captions": vtt(new)}, follow=True)

    assert "Replaced the en subtitles" in html_lib.unescape(response.content.decode())
    [caption] = video.captions.all()
    assert read(caption) == new
    assert not os.path.exists(old_path)


def test_a_refusal_shows_the_library_again_with_the_message_and_the_language_typed(team, video):
    srt = b"1\n00:00:00,000 --> 00:00:01,000\nFresh beans\n"
    response = signed_in(team.editor).post(captions_url(team, video), {"language": "pt-BR", "captions": vtt(srt)})

    assert response.status_code == 400
    html = response.content.decode()
    start = html.index(f'id="asset-{video.pk}"')
    card = html[start : html.index("</figure>", start)]
    assert 'value="pt-BR"' in card and 'aria-invalid="true"' in card
    assert "This is not a WebVTT subtitle file (.vtt)" in html_lib.unescape(card)
    assert '<details class="poster-choice caption-choice" data-testid="captions" open>' in card
    assert not video.captions.exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"language": "", "captions": "file"}, "Say which language"),
        ({"language": "Portuguese", "captions": "file"}, "is not a language code"),
        ({"language": "en"}, "Choose the subtitle file"),
        ({"language": "en", "captions": "big"}, "Bluesky takes subtitle files up to 20,000 bytes"),
    ],
)
def test_missing_or_wrong_fields_are_refused_in_words(team, video, data, words):
    if data.get("captions") == "file":
        data["captions"] = vtt()
    elif data.get("captions") == "big":
        data["captions"] = vtt(b"WEBVTT\n" + b"a" * 30_000)
    response = signed_in(team.editor).post(captions_url(team, video), data)
    assert response.status_code == 400
    assert words in html_lib.unescape(response.content.decode())
    assert not video.captions.exists()


def test_an_image_gets_no_subtitles(team, video):
    image = MediaAsset.objects.create(workspace=team.workspace, original_name="beans.png", mime_type="image/png")
    response = signed_in(team.editor).post(
        captions_url(team, image), {"language": "en", "captions": vtt()}, follow=True
    )
    assert "beans.png: Only a video can have subtitles." in html_lib.unescape(response.content.decode())
    assert not MediaCaption.objects.exists()


def test_subtitles_are_removed_and_their_file_with_them(team, video):
    client = signed_in(team.editor)
    client.post(captions_url(team, video), {"language": "en", "captions": vtt()})
    caption = video.captions.get()
    path = caption.file.path

    response = client.post(captions_url(team, video), {"remove": str(caption.pk)}, follow=True)

    assert "Removed the en subtitles of roastery.mp4." in html_lib.unescape(response.content.decode())
    assert not video.captions.exists() and not os.path.exists(path)


def test_a_client_may_not_add_or_remove_subtitles(team, video):
    caption = MediaCaption.objects.create(asset=video, language="en", file=ContentFile(VTT, "en.vtt"))
    client = signed_in(team.client)
    assert client.post(captions_url(team, video), {"language": "fr", "captions": vtt()}).status_code == 403
    assert client.post(captions_url(team, video), {"remove": str(caption.pk)}).status_code == 403
    assert list(video.captions.values_list("language", flat=True)) == ["en"]
    # and the page shows them no form
    page = client.get(reverse("posts:media", kwargs={"ws": team.workspace.slug})).content.decode()
    assert 'data-testid="captions"' not in page


def test_another_workspaces_video_and_subtitles_are_out_of_reach(team, video, make_workspace, make_member, tmp_path):
    caption = MediaCaption.objects.create(asset=video, language="en", file=ContentFile(VTT, "en.vtt"))
    other = make_workspace("Rival")
    stranger = make_member(other, "owner", username="stranger")
    theirs = video_asset(other, make_clip(tmp_path / "theirs.mp4", seconds=1, audio=False))
    client = signed_in(stranger)

    # their slug, our video's id: not found
    url = reverse("posts:media_captions", kwargs={"ws": other.slug, "media_id": video.pk})
    assert client.post(url, {"language": "fr", "captions": vtt()}).status_code == 404
    assert client.post(url, {"remove": str(caption.pk)}).status_code == 404
    # their own video, our caption's id: nothing of ours is removed
    url = reverse("posts:media_captions", kwargs={"ws": other.slug, "media_id": theirs.pk})
    client.post(url, {"remove": str(caption.pk)})
    assert MediaCaption.objects.filter(pk=caption.pk).exists()
    assert MediaCaption.objects.for_workspace(other).count() == 0
    assert list(MediaCaption.objects.for_workspace(team.workspace)) == [caption]


# --- adapters and the API ----------------------------------------------------------------------------


def test_the_video_item_carries_each_language_and_its_file_path(team, video):
    en = MediaCaption.objects.create(asset=video, language="en", file=ContentFile(VTT, "en.vtt"))
    pt = MediaCaption.objects.create(asset=video, language="pt-BR", file=ContentFile(VTT_PT, "pt.vtt"))

    item = video_item(video)

    assert item.captions == [("en", en.file.path), ("pt-BR", pt.file.path)]
    with open(item.captions[1][1], "rb") as handle:
        assert handle.read() == VTT_PT


def test_a_converted_copy_takes_its_originals_subtitles(team, video, tmp_path):
    en = MediaCaption.objects.create(asset=video, language="en", file=ContentFile(VTT, "en.vtt"))
    copy = video_asset(team.workspace, make_clip(tmp_path / "copy.mp4", seconds=1, audio=False))
    copy.source = video
    copy.save(update_fields=["source"])

    assert video_item(copy).captions == [("en", en.file.path)]


def test_a_subtitle_file_missing_from_storage_is_left_out(team, video):
    caption = MediaCaption.objects.create(asset=video, language="en", file=ContentFile(VTT, "en.vtt"))
    os.remove(caption.file.path)
    assert video_item(video).captions == []


def test_the_api_lists_a_videos_subtitle_languages(team, video):
    MediaCaption.objects.create(asset=video, language="pt-BR", file=ContentFile(VTT_PT, "pt.vtt"))
    MediaCaption.objects.create(asset=video, language="en", file=ContentFile(VTT, "en.vtt"))
    client = signed_in(team.editor)

    detail = client.get(f"/api/v1/workspaces/{team.workspace.slug}/media/{video.pk}/")

    assert detail.status_code == 200
    assert detail.json()["captions"] == ["en", "pt-BR"]
    listing = client.get(f"/api/v1/workspaces/{team.workspace.slug}/media/").json()
    rows = listing["results"] if isinstance(listing, dict) else listing
    assert [row["captions"] for row in rows if row["id"] == video.pk] == [["en", "pt-BR"]]


def test_a_twenty_first_language_is_refused_but_replacing_one_still_works(team, video):
    for n in range(20):
        MediaCaption.objects.create(asset=video, language="a" + chr(97 + n), file=ContentFile(VTT, "a.vtt"))
    client = signed_in(team.editor)

    refused = client.post(captions_url(team, video), {"language": "en", "captions": vtt()})
    replaced = client.post(captions_url(team, video), {"language": "aa", "captions": vtt(VTT_PT)})

    assert refused.status_code == 400
    assert "subtitles in up to 20 languages (Bluesky's limit)" in html_lib.unescape(refused.content.decode())
    assert replaced.status_code == 302
    assert video.captions.count() == 20 and read(video.captions.get(language="aa")) == VTT_PT


def test_a_refusal_for_a_video_on_another_page_is_said_on_top(team, video):
    for n in range(48):  # 48 a page: the video moves to page 2
        MediaAsset.objects.create(workspace=team.workspace, original_name=f"p{n}.png", mime_type="image/png")
    response = signed_in(team.editor).post(captions_url(team, video), {"language": "en", "captions": vtt(b"nope")})
    assert response.status_code == 400
    assert "roastery.mp4: This is not a WebVTT subtitle file" in html_lib.unescape(response.content.decode())
