"""The composer judges attached media as publishing will: a video on what its probe read,
per network, and an image is never "missing" for a network that uploads files."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from posts.models import MediaAsset
from posts.validation import check_target, media_items
from posts.video import make_clip, probe

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand(make_workspace, make_brand):
    return make_brand(make_workspace("Clips"), "Clips")


def video_asset(workspace, tmp_path, **clip):
    path = make_clip(tmp_path / "clip.mp4", **clip)
    found = probe(path)
    asset = MediaAsset(
        workspace=workspace,
        kind=MediaAsset.Kind.VIDEO,
        mime_type=found.mime_type,
        size=found.size,
        width=found.width,
        height=found.height,
        duration_ms=found.duration_ms,
        frame_rate=found.frame_rate,
        container=found.container,
        video_codec=found.video_codec,
        audio_codec=found.audio_codec,
        pixel_format=found.pixel_format,
        original_name="clip.mp4",
    )
    with open(path, "rb") as handle:
        asset.file.save("clip.mp4", ContentFile(handle.read()), save=True)
    return asset


def test_an_image_for_linkedin_is_not_reported_missing(brand, make_account):
    linkedin = make_account(brand, "linkedin", "@clips")
    image = MediaAsset(workspace=brand.workspace, mime_type="image/jpeg", size=2000, width=10, height=10)
    image.file.save("photo.jpg", ContentFile(b"\xff\xd8\xff" + b"0" * 100), save=True)
    check = check_target(linkedin, "Our new mug", media_items([image]))
    assert [p.message for p in check.problems] == []


def test_a_short_clip_is_refused_by_linkedin_in_words_and_taken_by_x(brand, make_account, tmp_path):
    asset = video_asset(brand.workspace, tmp_path, seconds=1, audio=False)
    media = media_items([asset])
    assert media[0].is_video and media[0].path and media[0].duration == pytest.approx(1.0, abs=0.05)

    linkedin = check_target(make_account(brand, "linkedin", "@clips"), "Watch this", media)
    messages = [p.message for p in linkedin.problems]
    assert "The video is 1 second long; a LinkedIn video must last at least 3 seconds." in messages

    x = check_target(make_account(brand, "x", "@clips_x"), "Watch this", media)
    assert x.problems == []
