"""Mastodon video against replayed API answers (docs.joinmastodon.org/methods/media):
POST /api/v2/media answers 202 while the server processes the video, GET /api/v1/media/:id
answers 206 until it is done and 200 after; the status then names the media id."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
import requests
from requests_toolbelt import MultipartEncoderMonitor

from posts.video import make_clip, poster_frame
from smm.platforms.base import (
    AccountContext,
    AppCredentials,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    StillProcessing,
    Transient,
)
from smm.platforms.mastodon import VIDEO_PROCESSING_LIMIT, MastodonAdapter
from smm.platforms.video import VIDEO_COUNT, VIDEO_FRAME_RATE, VIDEO_MIXED, VIDEO_SIZE, VIDEO_TYPE

NOW = dt.datetime(2026, 12, 7, 14, 0, 0, tzinfo=dt.UTC)
BASE = "https://social.example"
TOKEN = "mastodon-token"
MEDIA = f"{BASE}/api/v2/media"
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"


def media_json(media_id="22348641", *, processed=False):
    """The MediaAttachment entity as the docs show it (url null while processing)."""
    return {
        "id": media_id,
        "type": "video",
        "url": f"{BASE}/system/media_attachments/files/{media_id}/original/clip.mp4" if processed else None,
        "preview_url": f"{BASE}/system/media_attachments/files/{media_id}/small/clip.png",
        "remote_url": None,
        "meta": {"original": {"width": 320, "height": 568, "frame_rate": "30/1", "duration": 1.0}},
        "description": "A bar crossing the screen",
        "blurhash": None,
    }


def status_json(status_id="109372843234390310", media_id="22348641"):
    return {
        "id": status_id,
        "created_at": "2026-12-07T14:00:01.000Z",
        "url": f"{BASE}/@brand/{status_id}",
        "uri": f"{BASE}/users/brand/statuses/{status_id}",
        "content": "<p>Our new cold brew</p>",
        "media_attachments": [media_json(media_id, processed=True)],
    }


@pytest.fixture
def clock():
    return {"now": NOW}


@pytest.fixture
def adapter(clock):
    mastodon = MastodonAdapter(AppCredentials(client_id="cid", client_secret="csecret"))
    # What the adapter hands to requests as each body: a video must be a stream with a
    # length (sent piece by piece with an exact Content-Length), never bytes in memory.
    mastodon.bodies = []
    send = mastodon.http.request

    def recording(method, url, **kwargs):
        mastodon.bodies.append((url, kwargs.get("data"), kwargs.get("files")))
        return send(method, url, **kwargs)

    mastodon.http.request = recording

    def no_sleeping(seconds):
        raise AssertionError("a video wait must not sleep in the worker")

    mastodon.sleep = no_sleeping
    mastodon.now = lambda: clock["now"]
    return mastodon


@pytest.fixture
def account():
    return AccountContext(network="mastodon", remote_id="1", base_url=BASE, credentials={"access_token": TOKEN})


@pytest.fixture
def attempt(saved):
    return PublishAttempt(idempotency_key="target-7-key", save_state=saved.append)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    path = make_clip(folder / "clip.mp4", seconds=1)
    poster = folder / "poster.jpg"
    poster.write_bytes(poster_frame(path))
    return {"path": str(path), "poster": str(poster)}


def video(clip, **changes) -> MediaItem:
    fields = {
        "mime_type": "video/mp4",
        "path": clip["path"],
        "size": os.path.getsize(clip["path"]),
        "width": 320,
        "height": 568,
        "duration": 1.0,
        "frame_rate": 30.0,
        "video_codec": "h264",
        "audio_codec": "aac",
        "filename": "clip.mp4",
        "alt_text": "A bar crossing the screen",
        "thumbnail_path": clip["poster"],
    }
    fields.update(changes)
    return MediaItem(**fields)


def video_post(clip, **changes) -> PostContent:
    return PostContent(text="Our new cold brew", media=[video(clip, **changes)])


def multipart_parts(request) -> dict:
    """The multipart body the adapter sent, read back into {name: (filename, bytes, type)}
    (``responses`` reads the stream to the end; what was sent is in ``request.body``)."""
    from requests_toolbelt.multipart.decoder import MultipartDecoder

    raw = request.body if isinstance(request.body, bytes) else request.body.read()
    assert int(request.headers["Content-Length"]) == len(raw)
    parts = {}
    for part in MultipartDecoder(raw, request.headers["Content-Type"]).parts:
        disposition = part.headers[b"Content-Disposition"].decode()
        name = disposition.split('name="')[1].split('"')[0]
        filename = disposition.split('filename="')[1].split('"')[0] if "filename=" in disposition else None
        parts[name] = (filename, part.content, part.headers.get(b"Content-Type", b"").decode())
    return parts


def calls_to(network, url):
    return [call for call in network.calls if call.request.url.split("?")[0] == url]


# --- the documented flow ---------------------------------------------------------------------


def test_a_video_is_streamed_then_waited_for_then_posted_once(adapter, account, attempt, network, clip, saved):
    # given: the server takes the upload (202: processing), says 206 once, then 200
    network.post(MEDIA, json=media_json(), status=202)
    network.get(f"{BASE}/api/v1/media/22348641", json=media_json(), status=206)
    content = video_post(clip)

    # when: the first publish uploads it
    with pytest.raises(StillProcessing) as first:
        adapter.publish(account, content, attempt)

    # then: the file went as a multipart stream (file, alt text as description, poster as
    # thumbnail)...
    (url, body, files), *_ = adapter.bodies
    assert url == MEDIA and isinstance(body, MultipartEncoderMonitor) and files is None
    parts = multipart_parts(network.calls[0].request)
    with open(clip["path"], "rb") as fh:
        assert parts["file"] == ("clip.mp4", fh.read(), "video/mp4")
    assert parts["description"][1] == b"A bar crossing the screen"
    with open(clip["poster"], "rb") as fh:
        assert parts["thumbnail"] == ("poster.jpg", fh.read(), "image/jpeg")
    assert network.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"
    # ...the media id is saved before we wait, and the engine is told to check in ~5 s
    assert saved[-1]["video_media_id"] == "22348641" and saved[-1]["video_ready"] is False
    assert 1 <= first.value.check_after <= 10
    assert "processing" in first.value.user_message

    # when: the engine calls again while the server is still at it (206)
    with pytest.raises(StillProcessing):
        adapter.publish(account, content, attempt)

    # and again once it is done (200)
    network.replace("GET", f"{BASE}/api/v1/media/22348641", json=media_json(processed=True), status=200)
    network.post(f"{BASE}/api/v1/statuses", json=status_json())
    result = adapter.publish(account, content, attempt)

    # then: one upload, the status names the video, with the target's Idempotency-Key
    assert len(calls_to(network, MEDIA)) == 1
    status_call = calls_to(network, f"{BASE}/api/v1/statuses")[0].request
    assert json.loads(status_call.body)["media_ids"] == ["22348641"]
    assert status_call.headers["Idempotency-Key"] == "target-7-key"
    assert result.remote_id == "109372843234390310"
    assert result.url == f"{BASE}/@brand/109372843234390310"


def test_a_long_upload_renews_the_lease_as_it_goes(adapter, account, attempt, network, clip, saved, monkeypatch):
    # given: renewing on every piece read (a real upload renews every few seconds)
    from smm.platforms import mastodon

    monkeypatch.setattr(mastodon, "VIDEO_UPLOAD_RENEW_EVERY", 0)
    network.post(MEDIA, json=media_json(), status=202)

    with pytest.raises(StillProcessing):
        adapter.publish(account, video_post(clip), attempt)

    # then: the bytes sent were remembered (each save renews the lease) while it went
    # (``responses`` reads the body in one go; requests reads it piece by piece)
    sent = [state["video_upload_sent"] for state in saved if "video_media_id" not in state]
    assert sent and sent == sorted(sent)
    assert sent[-1] == int(network.calls[0].request.headers["Content-Length"]) > os.path.getsize(clip["path"])


def test_a_video_processed_at_once_is_posted_in_the_same_call(adapter, account, attempt, network, clip):
    network.post(MEDIA, json=media_json(processed=True), status=200)
    network.post(f"{BASE}/api/v1/statuses", json=status_json())

    result = adapter.publish(account, video_post(clip, thumbnail_path=None, alt_text=""), attempt)

    assert result.remote_id == "109372843234390310"
    parts = multipart_parts(calls_to(network, MEDIA)[0].request)
    assert set(parts) == {"file"}  # no poster, no alt text: neither field is sent
    assert attempt.state["media_ids"] == ["22348641"]


def test_not_finished_processing_is_a_wait_not_a_failure(adapter, account, attempt, network, clip):
    # given: the media said 200, yet the status is refused as "not finished processing"
    network.post(MEDIA, json=media_json(processed=True), status=200)
    network.post(f"{BASE}/api/v1/statuses", json={"error": NOT_READY}, status=422)
    content = video_post(clip)

    # when
    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, content, attempt)

    # then: waiting, and the status counts as never sent (the key is unspent)
    assert "still processing" in waiting.value.user_message
    assert not attempt.state["status_sent_at"]
    assert adapter.lookup_published(account, content, attempt) is None

    # when: next time the media is checked again and the status goes
    network.get(f"{BASE}/api/v1/media/22348641", json=media_json(processed=True), status=200)
    network.replace("POST", f"{BASE}/api/v1/statuses", json=status_json())
    result = adapter.publish(account, content, attempt)

    assert result.remote_id == "109372843234390310"
    assert len(calls_to(network, MEDIA)) == 1
    assert len(calls_to(network, f"{BASE}/api/v1/media/22348641")) == 1


def test_media_never_ready_for_the_status_stops_after_the_limit(adapter, account, network, saved, clock):
    # given: an image post whose status Mastodon keeps refusing as "not finished processing"
    attempt = PublishAttempt(idempotency_key="k", state={"media_ids": ["5"]}, save_state=saved.append)
    network.post(f"{BASE}/api/v1/statuses", json={"error": NOT_READY}, status=422)
    image = PostContent(text="Beans", media=[MediaItem(mime_type="image/png", data=b"png", filename="b.png")])

    # when it is tried again and again: a wait each time, up to the limit
    with pytest.raises(StillProcessing):
        adapter.publish(account, image, attempt)
    clock["now"] = NOW + VIDEO_PROCESSING_LIMIT - dt.timedelta(minutes=1)
    with pytest.raises(StillProcessing):
        adapter.publish(account, image, attempt)
    clock["now"] = NOW + VIDEO_PROCESSING_LIMIT + dt.timedelta(minutes=1)

    # then: it stops waiting, in words
    with pytest.raises(Permanent) as stopped:
        adapter.publish(account, image, attempt)
    assert "in over 30 minutes" in stopped.value.user_message


# --- resuming: never upload twice ---------------------------------------------------------------


def test_a_requeued_target_resumes_from_the_saved_media_id(adapter, account, network, clip, saved):
    # given: a worker uploaded the video, saved its id and died
    attempt = PublishAttempt(
        idempotency_key="target-7-key",
        state={"video_media_id": "22348641", "video_uploaded_at": NOW.isoformat(), "video_ready": False},
        save_state=saved.append,
    )
    network.get(f"{BASE}/api/v1/media/22348641", json=media_json(processed=True), status=200)
    network.post(f"{BASE}/api/v1/statuses", json=status_json())

    # when: another worker publishes the target
    result = adapter.publish(account, video_post(clip), attempt)

    # then: no second upload
    assert result.remote_id == "109372843234390310"
    assert calls_to(network, MEDIA) == []


def test_media_the_server_lost_is_uploaded_again(adapter, account, network, clip, saved):
    # given: the saved media id is gone on the server (expired or deleted: 404)
    attempt = PublishAttempt(
        idempotency_key="target-7-key",
        state={"video_media_id": "111", "video_uploaded_at": NOW.isoformat(), "video_ready": False},
        save_state=saved.append,
    )
    network.get(f"{BASE}/api/v1/media/111", json={"error": "Record not found"}, status=404)
    network.post(MEDIA, json=media_json("222"), status=202)

    # when
    with pytest.raises(StillProcessing):
        adapter.publish(account, video_post(clip), attempt)

    # then: uploaded once more, and the new id replaces the lost one
    assert len(calls_to(network, MEDIA)) == 1
    assert attempt.state["video_media_id"] == "222"


def test_a_lost_status_answer_is_resolved_with_the_same_key_and_video(adapter, account, network, clip, saved):
    # given: the status call for a processed video went out and its answer was lost
    attempt = PublishAttempt(
        idempotency_key="target-7-key",
        state={
            "video_media_id": "22348641",
            "video_ready": True,
            "media_ids": ["22348641"],
            "status_sent_at": (NOW - dt.timedelta(minutes=3)).isoformat(),
        },
        save_state=saved.append,
    )
    network.post(f"{BASE}/api/v1/statuses", json=status_json())

    # when
    found = adapter.lookup_published(account, video_post(clip), attempt)

    # then: the same status (key and video) is asked for; Mastodon answers with the one it made
    request = calls_to(network, f"{BASE}/api/v1/statuses")[0].request
    assert request.headers["Idempotency-Key"] == "target-7-key"
    assert json.loads(request.body)["media_ids"] == ["22348641"]
    assert found.remote_id == "109372843234390310"
    assert calls_to(network, MEDIA) == []


# --- errors in a marketer's words ---------------------------------------------------------------


def test_too_large_for_the_server_is_permanent_and_says_so(adapter, account, attempt, network, clip):
    network.post(MEDIA, body="<html><body><h1>413 Request Entity Too Large</h1></body></html>", status=413)

    with pytest.raises(Permanent) as refused:
        adapter.publish(account, video_post(clip), attempt)

    assert "larger than social.example takes" in refused.value.user_message
    assert "video_media_id" not in attempt.state


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ("4096x2304 videos are not supported", "does not take 4096x2304 videos"),
        ("240fps videos are not supported", "at 240 frames a second"),
        ("Validation failed: File content type is invalid", "Convert it to MP4 (H.264"),
        ("Validation failed: File file size must be less than 99 MB", "larger than social.example takes"),
    ],
)
def test_refused_uploads_say_why(adapter, account, attempt, network, clip, answer, words):
    network.post(MEDIA, json={"error": answer}, status=422)

    with pytest.raises(Permanent) as refused:
        adapter.publish(account, video_post(clip), attempt)

    assert words in refused.value.user_message


def test_processing_that_failed_is_permanent(adapter, account, network, clip, saved):
    # Mastodon answers a media whose processing failed with 422 (Api::V1::MediaController#check_processing)
    state = {"video_media_id": "9", "video_uploaded_at": NOW.isoformat()}
    attempt = PublishAttempt(idempotency_key="k", state=state, save_state=saved.append)
    network.get(f"{BASE}/api/v1/media/9", json={"error": "Error processing thumbnail for uploaded media"}, status=422)

    with pytest.raises(Permanent) as failed:
        adapter.publish(account, video_post(clip), attempt)

    assert failed.value.user_message.startswith("Mastodon could not process the video")
    assert "MP4 (H.264" in failed.value.user_message


def test_a_converter_failure_on_upload_is_permanent(adapter, account, attempt, network, clip):
    network.post(MEDIA, json={"error": "Error processing thumbnail for uploaded media"}, status=500)

    with pytest.raises(Permanent) as failed:
        adapter.publish(account, video_post(clip), attempt)

    assert "could not process the video" in failed.value.user_message


def test_processing_without_end_gives_up_after_the_limit(adapter, account, network, clip, saved, clock):
    state = {"video_media_id": "9", "video_uploaded_at": NOW.isoformat()}
    attempt = PublishAttempt(idempotency_key="k", state=state, save_state=saved.append)
    network.get(f"{BASE}/api/v1/media/9", json=media_json("9"), status=206)
    clock["now"] = NOW + VIDEO_PROCESSING_LIMIT - dt.timedelta(minutes=1)
    with pytest.raises(StillProcessing):
        adapter.publish(account, video_post(clip), attempt)

    clock["now"] = NOW + VIDEO_PROCESSING_LIMIT + dt.timedelta(minutes=1)
    with pytest.raises(Permanent) as stopped:
        adapter.publish(account, video_post(clip), attempt)

    assert "over 30 minutes" in stopped.value.user_message


def test_rate_limited_upload(adapter, account, attempt, network, clip):
    reset = (NOW + dt.timedelta(minutes=12)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    network.post(MEDIA, json={"error": "Too many requests"}, status=429, headers={"X-RateLimit-Reset": reset})

    with pytest.raises(RateLimited) as limited:
        adapter.publish(account, video_post(clip), attempt)

    assert limited.value.retry_after == pytest.approx(720)


def test_a_server_error_on_upload_is_retried_from_scratch(adapter, account, attempt, network, clip):
    network.post(MEDIA, json={"error": "Service unavailable"}, status=503)

    with pytest.raises(Transient) as failed:
        adapter.publish(account, video_post(clip), attempt)

    assert not isinstance(failed.value, OutcomeUnknown)
    assert "video_media_id" not in attempt.state


def test_a_connection_dropped_mid_upload_leaves_nothing_posted(adapter, account, attempt, network, clip):
    # given: the connection resets while the body is being sent
    network.post(MEDIA, body=requests.ConnectionError("Connection reset by peer"))

    # when
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, video_post(clip), attempt)

    # then: no status was sent, so the lookup says "not published" and a retry uploads again
    assert adapter.lookup_published(account, video_post(clip), attempt) is None
    assert calls_to(network, f"{BASE}/api/v1/statuses") == []


# --- rules, read live from the instance -------------------------------------------------------


def test_video_limits_are_read_from_the_instance(adapter, network, clip):
    network.get(
        f"{BASE}/api/v2/instance",
        json={
            "configuration": {
                "media_attachments": {
                    "supported_mime_types": ["image/jpeg", "video/mp4"],
                    "image_size_limit": 16777216,
                    "video_size_limit": 41943040,
                    "video_frame_rate_limit": 60,
                    "video_matrix_limit": 2304000,
                }
            }
        },
    )

    limits = adapter.instance_limits(BASE)
    adapter.apply_limits(limits)

    assert limits["max_video_bytes"] == 41943040
    assert (limits["max_video_fps"], limits["max_video_pixels"], limits["video_types"]) == (60, 2304000, ["video/mp4"])
    problems = adapter.validate(
        video_post(clip, size=50_000_000, frame_rate=120.0, mime_type="video/quicktime", width=1920, height=1080)
    )
    codes = {p.code for p in problems}
    assert {VIDEO_SIZE, VIDEO_FRAME_RATE, VIDEO_TYPE} <= codes
    assert any("Mastodon's limit is 41.9 MB" in p.message for p in problems)


def test_stock_instance_defaults_and_one_video_without_images(adapter, clip):
    # the documented defaults: 99 MB (Rails units), 120 fps, 3840x2160
    assert adapter.video_rules.max_bytes == 103_809_024
    assert adapter.validate(video_post(clip)) == []
    assert {p.code for p in adapter.validate(video_post(clip, size=110_000_000))} == {VIDEO_SIZE}

    image = MediaItem(mime_type="image/png", data=b"png", filename="a.png")
    mixed = PostContent(text="Both", media=[video(clip), image])
    assert VIDEO_MIXED in {p.code for p in adapter.validate(mixed)}
    two = PostContent(text="Two", media=[video(clip), video(clip)])
    assert VIDEO_COUNT in {p.code for p in adapter.validate(two)}
    # the video does not count as an image: four images and no video is still fine
    assert adapter.validate(PostContent(text="Four", media=[image] * 4)) == []


def test_a_video_the_instance_refuses_is_not_uploaded(adapter, account, attempt, network, clip):
    with pytest.raises(Permanent) as refused:
        adapter.publish(account, video_post(clip, size=200_000_000), attempt)

    assert "limit is 104 MB" in refused.value.user_message
    assert len(network.calls) == 0
