"""The sandbox takes video as Mastodon does: the upload is answered 202 with ``url`` null,
GET /api/v1/media/:id says 206 while it "processes" and 200 after, a status naming it before
then is refused (422), and the timeline plays it."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from posts.video import make_clip, poster_frame
from sandbox.actions import NOT_READY, VIDEO_WITH_IMAGES
from sandbox.models import SandboxMedia, SandboxStatus


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory):
    path = make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4", seconds=1)
    with open(path, "rb") as fh:
        return fh.read()


def upload(api, token, data: bytes, *, name="clip.mp4", mime="video/mp4", **fields):
    body = {"file": SimpleUploadedFile(name, data, content_type=mime), **fields}
    return api(token).post_form("/api/v2/media", body)


def processing_takes(settings, ms: float) -> None:
    settings.SANDBOX_FAULTS = {**(settings.SANDBOX_FAULTS or {}), "video_processing_ms": ms}


def finish_processing(media_id) -> None:
    """Time passes for the sandbox's processing (the row's ready moment moves to the past)."""
    SandboxMedia.objects.filter(pk=media_id).update(ready_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_video_is_processed_after_the_upload(sandbox_account, api, clip_bytes, settings):
    # given
    sandbox_account("acmecoffee")
    processing_takes(settings, 60_000)

    # when: a client uploads a video
    answer = upload(api, "token-acmecoffee", clip_bytes, description="A bar crossing")

    # then: accepted, still processing: 202, no URL yet, a poster already
    assert answer.status_code == 202
    media = answer.json()
    assert media["type"] == "video" and media["url"] is None
    assert media["preview_url"].endswith(".jpg")
    assert media["meta"]["original"]["width"] == 320 and media["meta"]["original"]["height"] == 568
    assert media["description"] == "A bar crossing"
    stored = SandboxMedia.objects.get(pk=media["id"])
    assert stored.file.size == len(clip_bytes)

    # when it is asked about while processing, and after
    during = api("token-acmecoffee").get(f"/api/v1/media/{media['id']}")
    finish_processing(media["id"])
    after = api("token-acmecoffee").get(f"/api/v1/media/{media['id']}")

    # then: 206, then 200 with the video's URL
    assert during.status_code == 206 and during.json()["url"] is None
    assert after.status_code == 200 and after.json()["url"].endswith(".mp4")


def test_a_status_naming_unfinished_video_is_refused_until_it_is_done(sandbox_account, api, clip_bytes, settings):
    sandbox_account("acmecoffee")
    processing_takes(settings, 60_000)
    media_id = upload(api, "token-acmecoffee", clip_bytes).json()["id"]
    client = api("token-acmecoffee")

    refused = client.post_json(
        "/api/v1/statuses", {"status": "Watch", "media_ids": [media_id]}, {"Idempotency-Key": "k1"}
    )

    assert refused.status_code == 422
    assert refused.json() == {"error": NOT_READY}
    assert not SandboxStatus.objects.exists()

    # once processed, the same request (same key: a refusal spends no key) is posted
    finish_processing(media_id)
    posted = client.post_json(
        "/api/v1/statuses", {"status": "Watch", "media_ids": [media_id]}, {"Idempotency-Key": "k1"}
    )

    assert posted.status_code == 200
    (attachment,) = posted.json()["media_attachments"]
    assert attachment["type"] == "video" and attachment["url"].endswith(".mp4")


def test_a_video_does_not_go_with_images(sandbox_account, api, clip_bytes, png_bytes, settings):
    sandbox_account("acmecoffee")
    processing_takes(settings, 0)
    video_id = upload(api, "token-acmecoffee", clip_bytes).json()["id"]
    image_id = upload(api, "token-acmecoffee", png_bytes, name="a.png", mime="image/png").json()["id"]

    answer = api("token-acmecoffee").post_json(
        "/api/v1/statuses", {"status": "Both", "media_ids": [video_id, image_id]}
    )

    assert answer.status_code == 422 and answer.json() == {"error": VIDEO_WITH_IMAGES}


def test_a_video_processed_at_once_is_answered_200(sandbox_account, api, clip_bytes, settings):
    sandbox_account("acmecoffee")
    processing_takes(settings, 0)

    answer = upload(api, "token-acmecoffee", clip_bytes)

    assert answer.status_code == 200 and answer.json()["url"].endswith(".mp4")


def test_the_poster_sent_as_thumbnail_is_kept(sandbox_account, api, clip_bytes, settings, tmp_path):
    sandbox_account("acmecoffee")
    clip = tmp_path / "c.mp4"
    clip.write_bytes(clip_bytes)
    poster = poster_frame(str(clip), at=0.5)

    answer = upload(
        api, "token-acmecoffee", clip_bytes, thumbnail=SimpleUploadedFile("p.jpg", poster, content_type="image/jpeg")
    )

    stored = SandboxMedia.objects.get(pk=answer.json()["id"])
    assert stored.preview.read() == poster


def test_too_large_and_unsupported_videos_are_refused_in_mastodons_words(sandbox_account, api, clip_bytes, settings):
    sandbox_account("acmecoffee")
    settings.SANDBOX_FAULTS = {"video_size_limit": 1024 * 1024}

    too_big = upload(api, "token-acmecoffee", clip_bytes + b"\0" * (1024 * 1024))
    not_video = upload(api, "token-acmecoffee", b"not a video at all", name="x.mp4")

    assert too_big.status_code == 422 and "File file size must be less than 1 MB" in too_big.json()["error"]
    assert not_video.status_code == 422
    assert not SandboxMedia.objects.exists()


def test_over_the_matrix_or_frame_rate_is_refused(sandbox_account, api, tmp_path):
    sandbox_account("acmecoffee")
    wide = make_clip(tmp_path / "wide.mp4", seconds=0.1, width=4096, height=2160, fps=10, audio=False)
    fast = make_clip(tmp_path / "fast.mp4", seconds=0.1, width=64, height=64, fps=240, audio=False)

    answers = [upload(api, "token-acmecoffee", Path(path).read_bytes()) for path in (wide, fast)]

    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json() == {"error": "4096x2160 videos are not supported"}
    assert answers[1].json() == {"error": "240fps videos are not supported"}


def test_the_instance_announces_its_video_limits(api, sandbox_account, settings):
    settings.SANDBOX_FAULTS = {"video_size_limit": 400_000_000}

    media = api(None).get("/api/v2/instance").json()["configuration"]["media_attachments"]

    assert "video/mp4" in media["supported_mime_types"] and "image/png" in media["supported_mime_types"]
    assert (media["video_size_limit"], media["video_frame_rate_limit"], media["video_matrix_limit"]) == (
        400_000_000,
        120,
        8294400,
    )


def test_the_timeline_plays_the_video_with_its_poster(sandbox_account, api, clip_bytes, client, settings):
    sandbox_account("acmecoffee")
    processing_takes(settings, 0)
    media_id = upload(api, "token-acmecoffee", clip_bytes, description="A bar crossing").json()["id"]
    api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "Watch this", "media_ids": [media_id]})
    stored = SandboxMedia.objects.get(pk=media_id)

    page = client.get("/sandbox/").content.decode()

    assert '<video controls preload="none" playsinline' in page
    assert f'src="{stored.file.url}"' in page and f'poster="{stored.preview.url}"' in page
    assert 'aria-label="A bar crossing"' in page


def test_a_slow_upload_knob_delays_the_answer(sandbox_account, api, clip_bytes, settings):
    # The knob ``upload_delay_ms`` keeps a video upload in flight: the worker-kill test relies on it.
    sandbox_account("acmecoffee")
    settings.SANDBOX_FAULTS = {"upload_delay_ms": 600}

    started = time.monotonic()
    answer = upload(api, "token-acmecoffee", clip_bytes)
    took = time.monotonic() - started

    assert answer.status_code == 202, answer.content
    assert took >= 0.6


@pytest.mark.django_db(transaction=True)
def test_the_mastodon_adapter_publishes_a_video_to_the_sandbox_over_http(live_server, settings, tmp_path):
    # given: a sandbox account, and a video whose processing takes a moment
    from sandbox.models import SandboxAccount
    from smm.platforms.base import AccountContext, MediaItem, PostContent, PublishAttempt, StillProcessing
    from smm.platforms.mastodon import MastodonAdapter

    settings.SANDBOX_FAULTS = {"video_processing_ms": 400}
    remote = SandboxAccount.objects.create(username="acmecoffee")
    token = remote.issue_token().token
    base = f"{live_server.url}/sandbox"
    path = make_clip(tmp_path / "clip.mp4", seconds=1)
    adapter = MastodonAdapter().apply_limits(MastodonAdapter().instance_limits(base))
    account = AccountContext(
        network="mastodon", remote_id=str(remote.pk), base_url=base, credentials={"access_token": token}
    )
    item = MediaItem(
        mime_type="video/mp4",
        path=path,
        width=320,
        height=568,
        duration=1.0,
        frame_rate=30.0,
        filename="clip.mp4",
        alt_text="A bar",
    )
    attempt = PublishAttempt(idempotency_key="video-key")
    content = PostContent(text="Watch our new video", media=[item])

    # when: the engine's loop, without the engine (each StillProcessing is a later call)
    waits = 0
    deadline = time.monotonic() + 20
    while True:
        try:
            result = adapter.publish(account, content, attempt)
            break
        except StillProcessing as wait:
            waits += 1
            assert time.monotonic() < deadline, "the sandbox never finished processing"
            time.sleep(min(wait.check_after, 0.2))

    # then: it waited at least once, and one status carries the one video
    assert waits >= 1
    status = SandboxStatus.objects.get(pk=result.remote_id)
    (media,) = status.media_attachments.all()
    assert media.is_video and media.description == "A bar"
    assert SandboxMedia.objects.count() == 1
    assert media.file.size == Path(path).stat().st_size


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_timeline_video_plays_in_a_browser(
    page, live_server, screenshot, sandbox_account, api, clip_bytes, settings
):
    from playwright.sync_api import expect

    # given: a status with a processed video (its poster made by the sandbox)
    sandbox_account("acmecoffee", display_name="Acme Coffee")
    processing_takes(settings, 0)
    media_id = upload(api, "token-acmecoffee", clip_bytes, description="A bar crossing").json()["id"]
    api("token-acmecoffee").post_json("/api/v1/statuses", {"status": "Cold brew, in motion", "media_ids": [media_id]})

    # when a person opens the timeline and plays it
    page.goto(f"{live_server.url}/sandbox/")
    player = page.get_by_test_id("video").first
    expect(player).to_be_visible()
    expect(player).to_have_attribute("poster", SandboxMedia.objects.get(pk=media_id).preview.url)
    screenshot("sandbox-timeline-video-poster")
    player.evaluate("video => { video.muted = true; return video.play(); }")

    # then the browser decodes it and time runs
    page.wait_for_function(
        "() => { const v = document.querySelector('[data-testid=video]'); return v && v.currentTime > 0.3; }",
        timeout=15_000,
    )
    assert player.evaluate("video => video.duration") == pytest.approx(1.0, abs=0.1)
    assert player.evaluate("video => [video.videoWidth, video.videoHeight]") == [320, 568]
    screenshot("sandbox-timeline-video-playing")
