"""Threads video: VIDEO containers (single, carousel item, a thread's part) against the
documented flow (create -> status IN_PROGRESS ... FINISHED -> threads_publish), with the
engine coming back while Threads processes (StillProcessing), and the documented
container error codes in a marketer's words."""

from dataclasses import replace

import pytest
import responses

from smm.platforms.base import (
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
from smm.platforms.threads import ThreadsAdapter
from tests.platforms.helpers import form, lifetime_insights

G = "https://graph.threads.net/v1.0"
VIDEO = MediaItem(
    mime_type="video/mp4",
    url="https://smm.test/media/clip.mp4",
    alt_text="Pouring a latte",
    size=8_000_000,
    width=1080,
    height=1920,
    filename="clip.mp4",
    duration=40.0,
    frame_rate=30,
    video_codec="h264",
    audio_codec="aac",
)
IMAGE = MediaItem(mime_type="image/jpeg", url="https://smm.test/media/a.jpg")


@pytest.fixture
def clock():
    return [2_000_000.0]


@pytest.fixture
def adapter(clock):
    threads = ThreadsAdapter(AppCredentials(client_id="th1", client_secret="thsecret"))
    threads.sleep = lambda seconds: None
    threads.clock = lambda: clock[0]
    return threads


@pytest.fixture
def account(account_context):
    return account_context("threads", "77", credentials={"access_token": "THtok", "user_id": "77"})


def status(rsps, container, value, error=""):
    body = {"status": value, "id": container}
    if error:
        body["error_message"] = error
    rsps.add(responses.GET, f"{G}/{container}", json=body)


def published(rsps, media_id="t1"):
    rsps.add(responses.POST, f"{G}/77/threads_publish", json={"id": media_id})
    rsps.add(
        responses.GET,
        f"{G}/{media_id}",
        json={"permalink": f"https://www.threads.net/@cafe/post/{media_id}", "timestamp": "2026-03-01T10:00:00+0000"},
    )


def saving():
    saves: list[dict] = []
    return PublishAttempt("k", save_state=saves.append), saves


def resumed(saves):
    return PublishAttempt("k", state=dict(saves[-1]), save_state=saves.append)


# --- rules ------------------------------------------------------------------------------------------


def test_threads_takes_videos_of_up_to_five_minutes_at_23_to_60_fps(adapter):
    assert adapter.validate(PostContent(text="x", media=[VIDEO])) == []
    too_long = adapter.validate(PostContent(text="x", media=[replace(VIDEO, duration=301.0)]))
    assert [p.code for p in too_long] == ["video_too_long"]
    assert "at most 5 minutes" in too_long[0].message
    slow = adapter.validate(PostContent(text="x", media=[replace(VIDEO, frame_rate=12)]))
    assert [p.message for p in slow] == ["The video has 12 frames a second; Threads needs at least 23."]


def test_a_carousel_mixes_up_to_twenty_images_and_videos(adapter):
    assert adapter.validate(PostContent(text="x", media=[VIDEO, IMAGE] * 10)) == []
    problems = adapter.validate(PostContent(text="x", media=[VIDEO] * 11 + [IMAGE] * 10))
    assert [p.message for p in problems] == ["This post has 21 images and videos; Threads allows 20."]


def test_a_video_needs_a_public_url(adapter):
    problems = adapter.validate(PostContent(text="x", media=[replace(VIDEO, url=None)]))
    assert [p.message for p in problems] == ["The video needs a public URL for Threads."]


# --- publishing ---------------------------------------------------------------------------------------


def test_a_video_waits_for_processing_then_publishes_once(rsps, adapter, account, clock):
    # given
    attempt, saves = saving()
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "c1"})
    status(rsps, "c1", "IN_PROGRESS")
    content = PostContent(text="Latte art, slowly", media=[VIDEO])
    # when the engine first runs it
    with pytest.raises(StillProcessing) as first:
        adapter.publish(account, content, attempt)
    # then a VIDEO container was made from the public URL, remembered; back in about 30 s
    assert form(rsps.calls[0]) == {
        "media_type": "VIDEO",
        "video_url": "https://smm.test/media/clip.mp4",
        "text": "Latte art, slowly",
        "alt_text": "Pouring a latte",
        "access_token": "THtok",
    }
    assert rsps.calls[1].request.params["fields"] == "status,error_message"
    assert saves[0] == {"container_id": "c1"}
    assert first.value.check_after == 30
    # when it comes back a minute later and it is FINISHED
    clock[0] += 60
    status(rsps, "c1", "FINISHED")
    published(rsps)
    result = adapter.publish(account, content, resumed(saves))
    # then
    assert (result.remote_id, result.url) == ("t1", "https://www.threads.net/@cafe/post/t1")
    assert form(rsps.calls[3]) == {"creation_id": "c1", "access_token": "THtok"}
    assert sum(1 for c in rsps.calls if c.request.url.endswith("/77/threads")) == 1


def test_meta_s_five_minutes_of_waiting_then_a_plain_refusal(rsps, adapter, account, clock):
    attempt = PublishAttempt("k", state={"container_id": "c1", "processing_since": clock[0] - 4 * 60})
    status(rsps, "c1", "IN_PROGRESS")
    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), attempt)
    assert waiting.value.check_after == 60
    clock[0] += 2 * 60
    status(rsps, "c1", "IN_PROGRESS")
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), attempt)
    assert "Threads was still processing the video after 5 minutes" in caught.value.user_message


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("INVALID_DURATION", "Threads, which takes videos of up to 5 minutes"),
        ("INVALID_FRAME_RATE", "Threads takes videos of 23 to 60 frames a second"),
        ("INVALID_ASPEC_RATIO", "Threads does not take the video's shape"),
        ("FAILED_DOWNLOADING_VIDEO", "could not download the video from this site"),
        ("INVALID_BIT_RATE", "bitrate is too high"),
        ("FAILED_PROCESSING_AUDIO", "could not process the video's sound"),
        ("UNKNOWN", "Threads could not process the media. If it is a video, convert it to MP4 (H.264)"),
    ],
)
def test_container_error_codes_become_plain_words(rsps, adapter, account, code, words):
    attempt = PublishAttempt("k", state={"container_id": "c1"})
    status(rsps, "c1", "ERROR", code)
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), attempt)
    assert words in caught.value.user_message
    assert attempt.state["container_id"] is None


def test_an_expired_container_is_replaced_by_a_fresh_one(rsps, adapter, account):
    attempt = PublishAttempt("k", state={"container_id": "old"})
    status(rsps, "old", "EXPIRED")
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "c2"})
    status(rsps, "c2", "FINISHED")
    published(rsps, "t2")
    assert adapter.publish(account, PostContent(text="x", media=[VIDEO]), attempt).remote_id == "t2"


def test_a_carousel_item_video_waits_then_the_carousel_publishes(rsps, adapter, account):
    # given
    attempt, saves = saving()
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "i1"})
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "i2"})
    status(rsps, "i1", "FINISHED")
    status(rsps, "i2", "IN_PROGRESS")
    content = PostContent(text="Menu", media=[IMAGE, VIDEO])
    with pytest.raises(StillProcessing):
        adapter.publish(account, content, attempt)
    assert form(rsps.calls[0]) == {
        "media_type": "IMAGE",
        "image_url": "https://smm.test/media/a.jpg",
        "is_carousel_item": "true",
        "access_token": "THtok",
    }
    assert form(rsps.calls[1]) == {
        "media_type": "VIDEO",
        "video_url": "https://smm.test/media/clip.mp4",
        "is_carousel_item": "true",
        "alt_text": "Pouring a latte",
        "access_token": "THtok",
    }
    assert saves[-1]["children"] == ["i1", "i2"]
    # when the engine comes back and both items are done
    status(rsps, "i1", "FINISHED")
    status(rsps, "i2", "FINISHED")
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "car"})
    status(rsps, "car", "FINISHED")
    published(rsps, "t3")
    result = adapter.publish(account, content, resumed(saves))
    # then
    parent = [c for c in rsps.calls if c.request.url.endswith("/77/threads")][-1]
    assert form(parent) == {"media_type": "CAROUSEL", "children": "i1,i2", "text": "Menu", "access_token": "THtok"}
    assert result.remote_id == "t3"


def test_a_thread_part_with_video_answers_the_part_before(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/77/threads", json={"id": "c9"})
    status(rsps, "c9", "IN_PROGRESS")
    with pytest.raises(StillProcessing):
        adapter.publish(account, PostContent(text="Part 2", media=[VIDEO], in_reply_to="t1"), PublishAttempt("k"))
    assert form(rsps.calls[0])["reply_to_id"] == "t1"


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_throttles_are_rate_limited(rsps, adapter, account, code):
    rsps.add(responses.POST, f"{G}/77/threads", status=400, json={"error": {"message": "Slow down", "code": code}})
    with pytest.raises(RateLimited):
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), PublishAttempt("k"))


def test_a_server_error_is_transient(rsps, adapter, account):
    rsps.add(responses.POST, f"{G}/77/threads", status=500, json={"error": {"message": "Oops", "code": 1}})
    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="x", media=[VIDEO]), PublishAttempt("k"))


def test_a_lost_publish_answer_is_looked_up_through_the_container(rsps, adapter, account):
    attempt = PublishAttempt("k", state={"container_id": "c1"})
    status(rsps, "c1", "FINISHED")
    rsps.add(responses.POST, f"{G}/77/threads_publish", status=200, body="", content_type="text/plain")
    content = PostContent(text="Latte art", media=[VIDEO])
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, content, attempt)
    status(rsps, "c1", "PUBLISHED")
    rsps.add(
        responses.GET,
        f"{G}/77/threads",
        json={"data": [{"id": "t5", "text": "Latte art", "permalink": "https://www.threads.net/@cafe/post/t5"}]},
    )
    assert adapter.lookup_published(account, content, attempt).remote_id == "t5"


def test_a_video_post_reports_its_views_as_video_views(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/t1/insights", json=lifetime_insights(views=800, likes=12))
    rsps.add(responses.GET, f"{G}/t1", json={"media_type": "VIDEO", "id": "t1"})
    metrics = adapter.fetch_post_metrics(account, ["t1"])["t1"]
    assert (metrics.video_views, metrics.impressions) == (800, 800)
