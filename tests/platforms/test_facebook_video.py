"""Facebook Pages video: feed videos (graph-video /{page}/videos with file_url) and Reels
(video_reels start -> bytes streamed to rupload -> finish -> published), against the
documented shapes: the video id remembered at once, status asked before anything is done
again, the upload resumed at the byte Meta says it has, processing waited for by the engine."""

import os
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import responses

from posts.video import make_clip
from smm.platforms.base import (
    AppCredentials,
    MediaItem,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    StillProcessing,
    Transient,
    UnreadableAnswer,
)
from smm.platforms.facebook import FacebookAdapter
from tests.platforms.helpers import form

G = "https://graph.facebook.com/v23.0"
GV = "https://graph-video.facebook.com/v23.0"
RUPLOAD = "https://rupload.facebook.com/video-upload/v23.0"
REEL = {"kind": "reel"}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clips") / "reel.mp4", seconds=1)


@pytest.fixture
def video(clip):
    return MediaItem(
        mime_type="video/mp4",
        url="https://smm.test/media/reel.mp4",
        size=os.path.getsize(clip),
        width=320,
        height=568,
        filename="reel.mp4",
        path=clip,
        duration=12.0,  # as the probe would say of a real Reel; the file itself is a tiny clip
        frame_rate=30,
        video_codec="h264",
        audio_codec="aac",
    )


@pytest.fixture
def clock():
    return [3_000_000.0]


@pytest.fixture
def adapter(clock):
    facebook = FacebookAdapter(AppCredentials(client_id="fb1", client_secret="fbsecret"))
    facebook.clock = lambda: clock[0]
    return facebook


@pytest.fixture
def account(account_context):
    return account_context("facebook", "500", credentials={"access_token": "PAGEtok", "page_id": "500"})


def saving():
    saves: list[dict] = []
    return PublishAttempt("k", save_state=saves.append), saves


def resumed(saves):
    return PublishAttempt("k", state=dict(saves[-1]), save_state=saves.append)


def video_status(rsps, video_id, *, video="processing", uploading=None, processing=None, publishing=None, link=""):
    status = {"video_status": video}
    for name, phase in (
        ("uploading_phase", uploading),
        ("processing_phase", processing),
        ("publishing_phase", publishing),
    ):
        if phase is not None:
            status[name] = phase
    body = {"status": status, "id": video_id}
    if link:
        body["permalink_url"] = link
    rsps.add(responses.GET, f"{G}/{video_id}", json=body)


class Received:
    """What rupload received: each upload's headers and bytes."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.uploads = []

    def __call__(self, request):
        data = request.body  # responses has read the streamed body by now
        if not isinstance(data, bytes):
            data = b"".join(iter(lambda: request.body.read(4096), b""))
        self.uploads.append((dict(request.headers), data))
        status, body = self.answers.pop(0)
        return status, {}, body


class PieceByPiece:
    """An HTTP client that reads a streamed body in 8 KiB reads before sending it on."""

    def __init__(self, http):
        self.http = http
        self.reads = 0

    def request(self, method, url, data=None, **kwargs):
        if hasattr(data, "read"):
            pieces = []
            while piece := data.read(8192):
                self.reads += 1
                pieces.append(piece)
            data = b"".join(pieces)
        return self.http.request(method, url, data=data, **kwargs)


def rupload(rsps, video_id, *answers):
    received = Received(answers or [(200, '{"success": true}')])
    rsps.add_callback(responses.POST, f"{RUPLOAD}/{video_id}", callback=received)
    return received


def started(rsps, video_id="r1"):
    rsps.add(
        responses.POST,
        f"{G}/500/video_reels",
        json={"video_id": video_id, "upload_url": f"{RUPLOAD}/{video_id}"},
    )


def finished(rsps):
    rsps.add(responses.POST, f"{G}/500/video_reels", json={"success": True})


# --- rules ----------------------------------------------------------------------------------------


def test_reel_rules_are_three_to_ninety_seconds_at_24_to_60_fps(adapter, video):
    assert adapter.validate(PostContent(text="x", media=[video], options=REEL)) == []
    long = adapter.validate(PostContent(text="x", media=[replace(video, duration=120.0)], options=REEL))
    assert [p.code for p in long] == ["video_too_long"]
    assert long[0].message.endswith("Facebook Reel can be at most 1 min 30 s.")
    short = adapter.validate(PostContent(text="x", media=[replace(video, duration=2.0)], options=REEL))
    assert [p.code for p in short] == ["video_too_short"]
    slow = adapter.validate(PostContent(text="x", media=[replace(video, frame_rate=20)], options=REEL))
    assert [p.code for p in slow] == ["video_frame_rate"]


def test_a_feed_video_may_be_long_but_needs_a_public_url(adapter, video):
    assert adapter.validate(PostContent(text="x", media=[replace(video, duration=1800.0, frame_rate=20)])) == []
    problems = adapter.validate(PostContent(text="x", media=[replace(video, url=None)]))
    assert [p.message for p in problems] == ["The video needs a public URL for Facebook."]
    # a Reel's bytes are sent from disk: no public URL needed
    assert adapter.validate(PostContent(text="x", media=[replace(video, url=None)], options=REEL)) == []


def test_a_reel_needs_a_video_and_video_does_not_mix_with_photos(adapter, video):
    photo = MediaItem(mime_type="image/jpeg", url="https://smm.test/a.jpg", size=10)
    assert [p.message for p in adapter.validate(PostContent(text="x", media=[photo], options=REEL))] == [
        "A Facebook Reel needs a video: attach one, or post it to the feed."
    ]
    assert [p.code for p in adapter.validate(PostContent(text="x", media=[video, photo]))] == ["video_mixed"]


def test_options_are_the_kind_of_post(adapter):
    assert FacebookAdapter.clean_options({"kind": "feed"}) == {}
    assert FacebookAdapter.clean_options({"kind": " Reel ", "visibility": "public"}) == {"kind": "reel"}
    problems = adapter.validate(PostContent(text="x", options={"kind": "story"}))
    assert [p.code for p in problems] == ["choice"]


# --- feed video ------------------------------------------------------------------------------------


def test_a_feed_video_is_fetched_by_meta_then_waited_for_until_ready(rsps, adapter, account, video, clock):
    # given
    attempt, saves = saving()
    rsps.add(responses.POST, f"{GV}/500/videos", json={"id": "v1"})
    video_status(rsps, "v1", video="processing", processing={"status": "in_progress"})
    content = PostContent(text="Our new roastery", media=[video], link="https://acme.test")
    # when
    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, content, attempt)
    # then Meta was given the public URL and the text; the video id is remembered
    assert form(rsps.calls[0]) == {
        "file_url": "https://smm.test/media/reel.mp4",
        "description": "Our new roastery\n\nhttps://acme.test",
        "access_token": "PAGEtok",
    }
    assert saves[0] == {"video_id": "v1"}
    assert waiting.value.check_after == 30
    # when the engine comes back and the video is ready
    clock[0] += 30
    video_status(rsps, "v1", video="ready", link="/acme/videos/v1/")
    result = adapter.publish(account, content, resumed(saves))
    # then it is the same video, posted once
    assert (result.remote_id, result.url) == ("v1", "https://www.facebook.com/acme/videos/v1/")
    assert sum(1 for c in rsps.calls if c.request.method == "POST") == 1


def test_a_feed_video_whose_answer_was_lost_is_found_among_the_page_videos(rsps, adapter, account, video):
    attempt = PublishAttempt("k")
    rsps.add(responses.POST, f"{GV}/500/videos", status=200, body="", content_type="text/plain")
    content = PostContent(text="Our new roastery", media=[video])
    with pytest.raises(UnreadableAnswer):
        adapter.publish(account, content, attempt)
    rsps.add(
        responses.GET,
        f"{G}/500/videos",
        json={"data": [{"id": "v7", "description": "Our new roastery", "created_time": "2026-03-01T10:00:00+0000"}]},
    )
    found = adapter.lookup_published(account, content, attempt)
    assert found.remote_id == "v7"
    assert attempt.state["video_id"] == "v7"


def test_a_feed_video_meta_could_not_process_is_permanent_in_plain_words(rsps, adapter, account, video):
    attempt = PublishAttempt("k", state={"video_id": "v1"})
    video_status(
        rsps,
        "v1",
        video="error",
        processing={"status": "error", "errors": [{"code": 1363008, "message": "Unsupported video format"}]},
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[video]), attempt)
    assert caught.value.user_message == (
        "Facebook could not process the video (Unsupported video format). Convert it to MP4 (H.264 with AAC sound) "
        "and try again."
    )
    assert attempt.state["video_id"] is None


# --- Reels -----------------------------------------------------------------------------------------


def test_a_reel_starts_uploads_the_bytes_finishes_and_waits_until_published(rsps, adapter, account, video, clip, clock):
    # given
    attempt, saves = saving()
    started(rsps)
    received = rupload(rsps, "r1")
    finished(rsps)
    video_status(rsps, "r1", video="upload_complete", publishing={"status": "in_progress"})
    content = PostContent(text="Behind the counter", media=[video], options=REEL)
    # when the engine first runs it
    with pytest.raises(StillProcessing):
        adapter.publish(account, content, attempt)
    # then: start (the video id remembered before anything else) ...
    assert form(rsps.calls[0]) == {"upload_phase": "start", "access_token": "PAGEtok"}
    assert saves[0]["reel_id"] == "r1"
    # ... the whole file streamed to rupload with Meta's headers ...
    headers, data = received.uploads[0]
    assert data == Path(clip).read_bytes()
    assert headers["Authorization"] == "OAuth PAGEtok"
    assert (headers["offset"], headers["file_size"]) == ("0", str(len(data)))
    assert headers["Content-Length"] == str(len(data))
    # ... and finish, publishing it with the text
    assert form(rsps.calls[2]) == {
        "upload_phase": "finish",
        "video_id": "r1",
        "video_state": "PUBLISHED",
        "description": "Behind the counter",
        "access_token": "PAGEtok",
    }
    assert saves[-1]["reel_finished"] is True
    # when the engine comes back and Meta has published it
    clock[0] += 30
    video_status(rsps, "r1", video="ready", publishing={"status": "complete", "publish_status": "published"})
    result = adapter.publish(account, content, resumed(saves))
    # then nothing was sent again
    assert (result.remote_id, result.url) == ("r1", "https://www.facebook.com/reel/r1")
    assert sum(1 for c in rsps.calls if c.request.method == "POST") == 3


def test_a_reel_upload_resumes_at_the_byte_meta_has_after_a_worker_death(rsps, adapter, account, video, clip):
    # given a worker died mid-upload: the state has the video, Meta has 4096 bytes
    attempt, saves = saving()
    attempt.state.update(reel_id="r1", reel_upload_url=f"{RUPLOAD}/r1", reel_sent=20000)
    video_status(rsps, "r1", video="uploading", uploading={"status": "in_progress", "bytes_transferred": 4096})
    received = rupload(rsps, "r1")
    finished(rsps)
    video_status(rsps, "r1", video="ready", publishing={"status": "complete"})
    # when
    result = adapter.publish(account, PostContent(text="x", media=[video], options=REEL), attempt)
    # then only the rest went up, from byte 4096, and no new Reel was started
    whole = Path(clip).read_bytes()
    headers, data = received.uploads[0]
    assert headers["offset"] == "4096"
    assert headers["file_size"] == str(len(whole))
    assert headers["Content-Length"] == str(len(whole) - 4096)
    assert data == whole[4096:]
    graph_posts = [c for c in rsps.calls if c.request.method == "POST" and c.request.url.startswith(G)]
    assert [form(c)["upload_phase"] for c in graph_posts] == ["finish"]
    assert result.remote_id == "r1"


def test_a_long_upload_remembers_its_progress_as_it_streams(rsps, adapter, account, video, clip):
    # given a small heartbeat so the tiny clip counts as a long upload, and a transport
    # that reads the body piece by piece as http.client does when it streams a file
    adapter.upload_heartbeat_bytes = 4 * 1024
    adapter.http = PieceByPiece(adapter.http)
    attempt, saves = saving()
    started(rsps)
    rupload(rsps, "r1")
    finished(rsps)
    video_status(rsps, "r1", video="ready", publishing={"status": "complete"})
    # when
    adapter.publish(account, PostContent(text="x", media=[video], options=REEL), attempt)
    # then progress was saved (renewing the lease) while the bytes streamed
    sent = [state["reel_sent"] for state in saves if "reel_sent" in state]
    total = os.path.getsize(clip)
    assert total > 16 * 1024  # several heartbeats' worth
    assert len(sent) >= total // (4 * 1024) - 1
    assert sent == sorted(sent) and sent[-1] == total


def test_a_server_error_mid_upload_is_transient_and_the_next_run_resumes(rsps, adapter, account, video, clip):
    # given rupload fails after the start
    attempt, saves = saving()
    started(rsps)
    rupload(rsps, "r1", (503, '{"debug_info": {"retriable": true, "type": "ServerError", "message": "Try again"}}'))
    content = PostContent(text="x", media=[video], options=REEL)
    with pytest.raises(Transient):
        adapter.publish(account, content, attempt)
    assert saves[-1]["reel_id"] == "r1"
    # when the engine retries: Meta says 1000 bytes arrived
    video_status(rsps, "r1", video="uploading", uploading={"status": "in_progress", "bytes_transferred": 1000})
    received = rupload(rsps, "r1")
    finished(rsps)
    video_status(rsps, "r1", video="ready", publishing={"status": "complete"})
    adapter.publish(account, content, resumed(saves))
    # then the rest went up, once
    assert received.uploads[0][0]["offset"] == "1000"
    assert len(received.uploads[0][1]) == os.path.getsize(clip) - 1000


def test_a_connection_cut_mid_upload_is_transient_not_an_unknown_post(rsps, adapter, account, video):
    started(rsps)
    rsps.add(responses.POST, f"{RUPLOAD}/r1", body=requests.ConnectionError("Connection reset by peer"))
    with pytest.raises(Transient) as caught:
        adapter.publish(account, PostContent(text="x", media=[video], options=REEL), PublishAttempt("k"))
    assert type(caught.value) is Transient
    assert caught.value.user_message == "The upload to Facebook was cut off; we will resume it where it stopped."


def test_an_upload_refused_by_rupload_is_permanent(rsps, adapter, account, video):
    started(rsps)
    rupload(
        rsps,
        "r1",
        (400, '{"debug_info": {"retriable": false, "type": "ParameterValidationError", "message": "Bad file"}}'),
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[video], options=REEL), PublishAttempt("k"))
    assert caught.value.user_message == "Facebook refused the video upload: Bad file"


def test_a_finished_upload_is_not_sent_again(rsps, adapter, account, video):
    attempt = PublishAttempt("k", state={"reel_id": "r1", "reel_upload_url": f"{RUPLOAD}/r1"})
    video_status(rsps, "r1", video="upload_complete", uploading={"status": "complete", "bytes_transferred": 5})
    finished(rsps)
    video_status(rsps, "r1", video="processing", publishing={"status": "in_progress"})
    with pytest.raises(StillProcessing):
        adapter.publish(account, PostContent(text="x", media=[video], options=REEL), attempt)
    assert [c.request.url.split("?")[0] for c in rsps.calls if c.request.method == "POST"] == [f"{G}/500/video_reels"]


def test_a_reel_meta_already_publishes_is_not_finished_twice(rsps, adapter, account, video):
    # given the finish call's answer was lost, but Meta took it
    attempt = PublishAttempt("k", state={"reel_id": "r1"})
    video_status(rsps, "r1", video="processing", uploading={"status": "complete"}, publishing={"status": "in_progress"})
    video_status(rsps, "r1", video="processing", uploading={"status": "complete"}, publishing={"status": "in_progress"})
    with pytest.raises(StillProcessing):
        adapter.publish(account, PostContent(text="x", media=[video], options=REEL), attempt)
    assert not [c for c in rsps.calls if c.request.method == "POST"]


def test_a_reel_meta_no_longer_knows_is_started_again(rsps, adapter, account, video):
    attempt = PublishAttempt("k", state={"reel_id": "gone"})
    rsps.add(
        responses.GET,
        f"{G}/gone",
        status=400,
        json={"error": {"message": "Unsupported get request. Object does not exist", "code": 100, "error_subcode": 33}},
    )
    started(rsps, "r2")
    rupload(rsps, "r2")
    finished(rsps)
    video_status(rsps, "r2", video="ready", publishing={"status": "complete"})
    assert adapter.publish(account, PostContent(text="x", media=[video], options=REEL), attempt).remote_id == "r2"


def test_a_reel_that_fails_processing_says_why(rsps, adapter, account, video):
    attempt = PublishAttempt("k", state={"reel_id": "r1", "reel_finished": True})
    video_status(
        rsps,
        "r1",
        video="error",
        processing={"status": "error", "errors": [{"message": "Video is too short"}]},
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[video], options=REEL), attempt)
    assert "Facebook could not process the video (Video is too short)" in caught.value.user_message
    assert attempt.state["reel_id"] is None


def test_waiting_for_a_reel_gives_up_after_twenty_minutes(rsps, adapter, account, video, clock):
    attempt = PublishAttempt(
        "k", state={"reel_id": "r1", "reel_finished": True, "processing_since": clock[0] - 21 * 60}
    )
    video_status(rsps, "r1", video="processing", publishing={"status": "in_progress"})
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, PostContent(text="x", media=[video], options=REEL), attempt)
    assert "Facebook was still processing the Reel after 20 minutes" in caught.value.user_message


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_throttles_on_starting_a_reel_are_rate_limited(rsps, adapter, account, video, code):
    rsps.add(
        responses.POST,
        f"{G}/500/video_reels",
        status=400,
        json={"error": {"message": "Limit reached", "code": code}},
    )
    with pytest.raises(RateLimited):
        adapter.publish(account, PostContent(text="x", media=[video], options=REEL), PublishAttempt("k"))


def test_a_missing_file_is_permanent_before_any_request(adapter, account, video):
    with pytest.raises(Permanent) as caught:
        adapter.publish(
            account,
            PostContent(text="x", media=[replace(video, path="/nowhere.mp4")], options=REEL),
            PublishAttempt("k"),
        )
    assert "missing from the media library" in caught.value.user_message


# --- unknown outcome, links and metrics ----------------------------------------------------------------


def test_lookup_of_a_reel_reads_its_status(rsps, adapter, account, video):
    content = PostContent(text="x", media=[video], options=REEL)
    assert adapter.lookup_published(account, content, PublishAttempt("k")) is None  # never started
    attempt = PublishAttempt("k", state={"reel_id": "r1", "reel_finished": True})
    video_status(rsps, "r1", video="processing", publishing={"status": "not_started"})
    assert adapter.lookup_published(account, content, attempt) is None
    video_status(rsps, "r1", video="ready", publishing={"status": "complete"}, link="https://www.facebook.com/reel/r1")
    found = adapter.lookup_published(account, content, attempt)
    assert (found.remote_id, found.url) == ("r1", "https://www.facebook.com/reel/r1")


def test_reel_and_video_links_give_the_video_id(account):
    assert FacebookAdapter.remote_id_from_url("https://www.facebook.com/reel/123456", account) == "123456"
    assert FacebookAdapter.remote_id_from_url("https://www.facebook.com/acme/videos/987/", account) == "987"


def test_reel_metrics_read_plays_into_video_views(rsps, adapter, account):
    rsps.add(
        responses.GET,
        f"{G}/r1",
        json={"views": 10, "reactions": {"summary": {"total_count": 7}}, "comments": {"summary": {"total_count": 2}}},
    )
    rsps.add(
        responses.GET,
        f"{G}/r1/video_insights",
        json={
            "data": [
                {"name": "blue_reels_play_count", "period": "lifetime", "values": [{"value": 5400}]},
                {"name": "post_impressions_unique", "period": "lifetime", "values": [{"value": 3100}]},
            ]
        },
    )
    metrics = adapter.fetch_post_metrics(account, ["r1"])["r1"]
    assert rsps.calls[0].request.params["fields"].startswith("views,")
    assert (metrics.video_views, metrics.reach, metrics.likes, metrics.comments) == (5400, 3100, 7, 2)
    assert metrics.shares is None


def test_feed_video_metrics_fall_back_to_the_public_view_count(rsps, adapter, account):
    rsps.add(responses.GET, f"{G}/v1", json={"views": 321})
    rsps.add(
        responses.GET,
        f"{G}/v1/video_insights",
        status=400,
        json={"error": {"message": "(#100) Insights unavailable", "code": 100}},
    )
    assert adapter.fetch_post_metrics(account, ["v1"])["v1"].video_views == 321
