"""X video: the v2 chunked upload (initialize, append, finalize, STATUS) replayed with the
shapes docs.x.com documents, streamed from disk segment by segment, resumed after a worker
dies, and the wait for X's processing handed to the engine (``StillProcessing``)."""

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
import requests
from requests_toolbelt.multipart.decoder import MultipartDecoder

from posts.video import make_clip
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
from smm.platforms.video import (
    VIDEO_ASPECT,
    VIDEO_CODEC,
    VIDEO_FRAME_RATE,
    VIDEO_MIXED,
    VIDEO_SIZE,
    VIDEO_TOO_LONG,
    VIDEO_TOO_SHORT,
)
from smm.platforms.x import PROCESSING_LIMIT, XAdapter

NOW = dt.datetime(2026, 12, 7, 12, 0, 0, tzinfo=dt.UTC)
API = "https://api.x.com"
USER_ID = "2244994945"
MEDIA_ID = "1880028106020515840"
NEW_MEDIA_ID = "1880028106020515999"
TWEET_ID = "1445880548472328192"
CHUNK = 4096
INIT_URL = f"{API}/2/media/upload/initialize"
APPEND_RE = re.compile(rf"{re.escape(API)}/2/media/upload/(\d+)/append")


class WorkerKilled(BaseException):
    """What a worker dying mid-request looks like to the adapter: not a PlatformError,
    not even an Exception, nothing it may catch."""


@pytest.fixture
def adapter():
    x = XAdapter(AppCredentials(client_id="x-client", client_secret="x-secret"))
    x.now = lambda: NOW
    x.video_chunk_size = CHUNK
    return x


@pytest.fixture
def account(account_context):
    return account_context(
        "x",
        USER_ID,
        handle="@brand",
        credentials={
            "access_token": "access-1",
            "refresh_token": "refresh-1",
            "expires_at": (NOW + dt.timedelta(hours=1)).isoformat(),
        },
    )


@pytest.fixture
def clip(tmp_path):
    return make_clip(tmp_path / "clip.mp4", seconds=1)


@pytest.fixture
def states():
    """Every state the adapter saved, in order (what the database would hold)."""
    return []


@pytest.fixture
def attempt(states):
    return PublishAttempt(idempotency_key="target-9", save_state=states.append)


def video(path, **fields) -> MediaItem:
    values = {
        "mime_type": "video/mp4",
        "path": str(path),
        "size": os.path.getsize(path),
        "width": 320,
        "height": 568,
        "duration": 1.0,
        "frame_rate": 30.0,
        "container": "mp4",
        "video_codec": "h264",
        "audio_codec": "aac",
        "filename": "clip.mp4",
    }
    values.update(fields)
    return MediaItem(**values)


def content_with(path, text="Our new cold brew, in 60 seconds") -> PostContent:
    return PostContent(text=text, media=[video(path)])


def segments_of(path) -> int:
    return -(-os.path.getsize(path) // CHUNK)


def initialized(media_id=MEDIA_ID, expires=86400):
    return {"data": {"id": media_id, "media_key": f"13_{media_id}", "expires_after_secs": expires}}


def finalized(media_id=MEDIA_ID, processing=None):
    data = {"id": media_id, "media_key": f"13_{media_id}", "size": 1, "expires_after_secs": 86400}
    if processing is not None:
        data["processing_info"] = processing
    return {"data": data}


def posted(text="x"):
    return {"data": {"id": TWEET_ID, "text": text, "edit_history_tweet_ids": [TWEET_ID]}}


def register_upload(network, *, media_id=MEDIA_ID, processing=None):
    network.post(INIT_URL, json=initialized(media_id))
    network.post(re.compile(rf"{re.escape(API)}/2/media/upload/{media_id}/append"), body=b"", status=204)
    network.post(f"{API}/2/media/upload/{media_id}/finalize", json=finalized(media_id, processing))


def calls_to(network, pattern):
    return [call for call in network.calls if re.fullmatch(pattern, call.request.url.split("?")[0])]


def appends(network):
    """(media id, segment index, bytes) of every APPEND sent, checking each body's
    Content-Length is exactly what was sent."""
    sent = []
    for call in network.calls:
        found = APPEND_RE.fullmatch(call.request.url)
        if not found:
            continue
        body = call.request.body
        assert int(call.request.headers["Content-Length"]) == len(body)
        parts = {}
        for part in MultipartDecoder(body, call.request.headers["Content-Type"]).parts:
            disposition = part.headers[b"Content-Disposition"].decode()
            name = re.search(r'name="([^"]+)"', disposition).group(1)
            parts[name] = part.content
        sent.append((found.group(1), int(parts["segment_index"]), parts["media"]))
    return sent


def file_segments(path):
    data = Path(path).read_bytes()  # the test reads its own tiny clip to compare
    return [data[start : start + CHUNK] for start in range(0, len(data), CHUNK)]


# --- rules -----------------------------------------------------------------------------------


def test_a_phone_clip_passes_and_is_not_judged_as_an_image(adapter, clip):
    assert adapter.validate(content_with(clip)) == []


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({"duration": 150.0}, VIDEO_TOO_LONG, "at most 2 min 20 s"),
        ({"duration": 0.2}, VIDEO_TOO_SHORT, "at least 0.5 seconds"),
        ({"video_codec": "hevc"}, VIDEO_CODEC, "HEVC"),
        ({"width": 1200, "height": 300}, VIDEO_ASPECT, "1200x300"),
        ({"frame_rate": 120.0}, VIDEO_FRAME_RATE, "120 frames a second"),
        ({"size": 600_000_000}, VIDEO_SIZE, "512 MB"),
    ],
)
def test_what_x_refuses_is_said_with_its_name(adapter, clip, fields, code, words):
    problems = adapter.validate(PostContent(text="hi", media=[video(clip, **fields)]))
    assert [p.code for p in problems] == [code]
    assert "X" in problems[0].message and words in problems[0].message


def test_a_video_with_an_image_is_refused_before_anything_is_sent(adapter, network, account, attempt, clip):
    content = content_with(clip)
    content.media.append(MediaItem(mime_type="image/png", data=b"\x89PNG", filename="a.png"))
    assert VIDEO_MIXED in [p.code for p in adapter.validate(content)]
    with pytest.raises(Permanent, match="does not mix a video with images"):
        adapter.publish(account, content, attempt)
    assert len(network.calls) == 0


# --- the upload --------------------------------------------------------------------------------


def test_upload_in_segments_streamed_from_disk_then_the_post(adapter, network, account, attempt, states, clip):
    register_upload(network)
    network.post(f"{API}/2/tweets", json=posted())

    result = adapter.publish(account, content_with(clip), attempt)

    assert result.remote_id == TWEET_ID
    [init] = calls_to(network, re.escape(INIT_URL))
    assert json.loads(init.request.body) == {
        "media_type": "video/mp4",
        "total_bytes": os.path.getsize(clip),
        "media_category": "amplify_video",
    }
    assert init.request.headers["Authorization"] == "Bearer access-1"
    sent = appends(network)
    expected = file_segments(clip)
    assert len(expected) == segments_of(clip) >= 5
    assert [(media_id, index) for media_id, index, _ in sent] == [(MEDIA_ID, i) for i in range(len(expected))]
    assert [chunk for _, _, chunk in sent] == expected  # each segment is exactly its bytes
    [tweet] = calls_to(network, re.escape(f"{API}/2/tweets"))
    assert json.loads(tweet.request.body) == {
        "text": "Our new cold brew, in 60 seconds",
        "media": {"media_ids": [MEDIA_ID]},
    }
    # saved after every segment: the media id, its expiry and how far it got
    done = [state["x_video"]["segments_done"] for state in states if state.get("x_video")]
    assert done[: len(expected) + 1] == list(range(len(expected) + 1))
    assert states[0]["x_video"]["expires_at"] == (NOW + dt.timedelta(seconds=86400)).isoformat()
    assert "sent_at" in attempt.state  # the unknown-outcome lookup can still search


def test_a_worker_killed_after_a_segment_is_followed_by_one_that_sends_only_the_rest(
    adapter, network, account, clip, states
):
    kill_at = 3
    network.post(INIT_URL, json=initialized())

    def append(request):
        index = int(re.search(rb'name="segment_index"\r\n\r\n(\d+)', request.body).group(1))
        if index == kill_at:
            raise WorkerKilled()
        return (204, {}, b"")

    network.add_callback("POST", APPEND_RE, callback=append)
    first = PublishAttempt(idempotency_key="target-9", save_state=states.append)
    with pytest.raises(WorkerKilled):
        adapter.publish(account, content_with(clip), first)
    saved = json.loads(json.dumps(states[-1]))  # what the database holds
    assert saved["x_video"]["segments_done"] == kill_at
    assert calls_to(network, re.escape(f"{API}/2/tweets")) == []

    network.reset()
    network.post(APPEND_RE, body=b"", status=204)
    network.post(f"{API}/2/media/upload/{MEDIA_ID}/finalize", json=finalized())
    network.post(f"{API}/2/tweets", json=posted())
    fresh = XAdapter(AppCredentials(client_id="x-client"))
    fresh.now = lambda: NOW
    fresh.video_chunk_size = 1024 * 1024  # a changed setting does not change a started upload
    result = fresh.publish(account, content_with(clip), PublishAttempt("target-9", state=saved))

    assert result.remote_id == TWEET_ID
    assert calls_to(network, re.escape(INIT_URL)) == []
    sent = appends(network)
    assert [index for _, index, _ in sent] == list(range(kill_at, segments_of(clip)))
    assert [chunk for _, _, chunk in sent] == file_segments(clip)[kill_at:]
    assert len(calls_to(network, re.escape(f"{API}/2/tweets"))) == 1


def test_a_server_error_mid_upload_is_retried_from_that_segment(adapter, network, account, attempt, clip):
    network.post(INIT_URL, json=initialized())
    answers = iter([(204, {}, b"")] * 2 + [(503, {}, json.dumps({"title": "Service Unavailable"}))])
    network.add_callback("POST", APPEND_RE, callback=lambda request: next(answers))

    with pytest.raises(Transient) as caught:
        adapter.publish(account, content_with(clip), attempt)
    assert caught.value.status == 503
    assert attempt.state["x_video"]["segments_done"] == 2

    network.reset()
    register_upload(network)
    network.post(f"{API}/2/tweets", json=posted())
    adapter.publish(account, content_with(clip), attempt)
    assert [index for _, index, _ in appends(network)] == list(range(2, segments_of(clip)))
    assert calls_to(network, re.escape(INIT_URL)) == []


def test_a_lost_answer_to_a_segment_is_retried_not_looked_up(adapter, network, account, attempt, clip):
    network.post(INIT_URL, json=initialized())
    network.post(APPEND_RE, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(Transient) as caught:
        adapter.publish(account, content_with(clip), attempt)
    assert type(caught.value) is Transient  # not OutcomeUnknown: no post could have been made
    assert "carry on from the last part" in caught.value.user_message
    assert attempt.state["x_video"]["segments_done"] == 0


def test_rate_limited_segment_waits_for_the_reset(adapter, network, account, attempt, clip):
    network.post(INIT_URL, json=initialized())
    network.post(
        APPEND_RE,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        status=429,
        headers={"x-rate-limit-reset": str(int(NOW.timestamp()) + 900)},
    )
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, content_with(clip), attempt)
    assert caught.value.retry_after == 900
    assert attempt.state["x_video"]["segments_done"] == 0


def test_an_expired_token_mid_upload_is_refreshed_and_the_segment_sent_whole_again(
    adapter, network, account, attempt, clip
):
    network.post(INIT_URL, json=initialized())
    answers = iter([(204, {}, b""), (401, {}, json.dumps({"title": "Unauthorized"}))])
    network.add_callback("POST", APPEND_RE, callback=lambda request: next(answers, (204, {}, b"")))
    network.post(f"{API}/2/oauth2/token", json={"access_token": "access-2", "refresh_token": "refresh-2"})
    network.post(f"{API}/2/media/upload/{MEDIA_ID}/finalize", json=finalized())
    network.post(f"{API}/2/tweets", json=posted())

    adapter.publish(account, content_with(clip), attempt)

    sent = appends(network)
    assert [index for _, index, _ in sent] == [0, 1, *range(1, segments_of(clip))]
    assert sent[1][2] == sent[2][2] == file_segments(clip)[1]  # the resend carries the whole segment
    assert account.credentials["access_token"] == "access-2"


def test_a_server_error_on_finalize_finalizes_again_without_sending_segments_again(
    adapter, network, account, attempt, clip
):
    network.post(INIT_URL, json=initialized())
    network.post(APPEND_RE, body=b"", status=204)
    network.post(f"{API}/2/media/upload/{MEDIA_ID}/finalize", json={"title": "Internal Error"}, status=500)
    with pytest.raises(Transient):
        adapter.publish(account, content_with(clip), attempt)
    assert attempt.state["x_video"]["segments_done"] == segments_of(clip)

    network.reset()
    network.post(f"{API}/2/media/upload/{MEDIA_ID}/finalize", json=finalized())
    network.post(f"{API}/2/tweets", json=posted())
    assert adapter.publish(account, content_with(clip), attempt).remote_id == TWEET_ID
    assert appends(network) == []


def test_an_account_without_media_permission_is_told_so(adapter, network, account, attempt, clip):
    network.post(
        INIT_URL,
        json={"title": "Forbidden", "detail": "You are not permitted to use this endpoint (media.write)"},
        status=403,
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, content_with(clip), attempt)
    assert caught.value.user_message.startswith("X does not allow this for this account")
    assert len(calls_to(network, re.escape(INIT_URL))) == 1


# --- processing ------------------------------------------------------------------------------


def test_processing_is_waited_for_by_the_engine_not_a_worker(adapter, network, account, attempt, clip):
    register_upload(network, processing={"state": "pending", "check_after_secs": 3})
    with pytest.raises(StillProcessing) as caught:
        adapter.publish(account, content_with(clip), attempt)
    assert caught.value.check_after == 3
    assert attempt.state["x_video"]["finalized"] is True

    network.reset()
    status_answers = iter(
        [
            finalized(processing={"state": "in_progress", "check_after_secs": 7, "progress_percent": 40}),
            finalized(processing={"state": "succeeded", "progress_percent": 100}),
        ]
    )
    network.add_callback(
        "GET",
        f"{API}/2/media/upload",
        callback=lambda request: (200, {}, json.dumps(next(status_answers))),
    )
    network.post(f"{API}/2/tweets", json=posted())

    with pytest.raises(StillProcessing) as caught:
        adapter.publish(account, content_with(clip), attempt)
    assert (caught.value.check_after, caught.value.progress) == (7, 40)
    assert "40% done" in caught.value.user_message
    result = adapter.publish(account, content_with(clip), attempt)

    assert result.remote_id == TWEET_ID
    status_calls = calls_to(network, re.escape(f"{API}/2/media/upload"))
    assert [call.request.params for call in status_calls] == [{"command": "STATUS", "media_id": MEDIA_ID}] * 2
    assert appends(network) == [] and calls_to(network, re.escape(INIT_URL)) == []
    [tweet] = calls_to(network, re.escape(f"{API}/2/tweets"))
    assert json.loads(tweet.request.body)["media"] == {"media_ids": [MEDIA_ID]}


def test_processing_failure_is_permanent_in_a_marketers_words(adapter, network, account, attempt, clip):
    failure = {
        "state": "failed",
        "progress_percent": 0,
        "error": {"code": 1, "name": "InvalidMedia", "message": "Unsupported video codec"},
    }
    register_upload(network, processing=failure)
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, content_with(clip), attempt)
    assert caught.value.user_message.startswith("X could not process the video")
    assert "Convert it to MP4 (H.264" in caught.value.user_message
    assert attempt.state["x_video"] == {}  # a later try uploads anew
    assert calls_to(network, re.escape(f"{API}/2/tweets")) == []


def test_processing_that_never_ends_is_given_up(adapter, network, account, attempt, clip):
    register_upload(network, processing={"state": "pending", "check_after_secs": 5})
    with pytest.raises(StillProcessing):
        adapter.publish(account, content_with(clip), attempt)
    network.get(f"{API}/2/media/upload", json=finalized(processing={"state": "in_progress", "check_after_secs": 5}))
    adapter.now = lambda: NOW + PROCESSING_LIMIT + dt.timedelta(seconds=1)
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, content_with(clip), attempt)
    assert "more than 30 minutes" in caught.value.user_message


# --- expiry ----------------------------------------------------------------------------------


def test_an_expired_media_id_starts_a_new_upload(adapter, network, account, clip):
    stale = {
        "id": MEDIA_ID,
        "media_key": f"13_{MEDIA_ID}",
        "path": str(clip),
        "total_bytes": os.path.getsize(clip),
        "chunk_size": CHUNK,
        "segments_done": 2,
        "expires_at": (NOW - dt.timedelta(minutes=1)).isoformat(),
    }
    attempt = PublishAttempt("target-9", state={"x_video": stale})
    register_upload(network, media_id=NEW_MEDIA_ID)
    network.post(f"{API}/2/tweets", json=posted())

    adapter.publish(account, content_with(clip), attempt)

    assert {media_id for media_id, _, _ in appends(network)} == {NEW_MEDIA_ID}
    assert [index for _, index, _ in appends(network)] == list(range(segments_of(clip)))
    [tweet] = calls_to(network, re.escape(f"{API}/2/tweets"))
    assert json.loads(tweet.request.body)["media"] == {"media_ids": [NEW_MEDIA_ID]}


def test_x_saying_the_media_id_is_gone_mid_upload_starts_again_once(adapter, network, account, attempt, clip):
    network.post(
        f"{API}/2/media/upload/{MEDIA_ID}/append",
        json={"errors": [{"message": "The media_id has expired."}], "title": "Bad Request"},
        status=400,
    )
    register_upload(network, media_id=NEW_MEDIA_ID)
    network.post(f"{API}/2/tweets", json=posted())
    state = {
        "id": MEDIA_ID,
        "path": str(clip),
        "total_bytes": os.path.getsize(clip),
        "chunk_size": CHUNK,
        "segments_done": 1,
        "expires_at": (NOW + dt.timedelta(days=1)).isoformat(),
    }
    attempt.state["x_video"] = state

    adapter.publish(account, content_with(clip), attempt)

    sent = appends(network)
    assert sent[0][:2] == (MEDIA_ID, 1)  # carried on where it was, and X said the id is gone
    assert [index for media_id, index, _ in sent[1:] if media_id == NEW_MEDIA_ID] == list(range(segments_of(clip)))
    assert len(calls_to(network, re.escape(INIT_URL))) == 1
    [tweet] = calls_to(network, re.escape(f"{API}/2/tweets"))
    assert json.loads(tweet.request.body)["media"] == {"media_ids": [NEW_MEDIA_ID]}


def test_a_post_refused_for_an_invalid_media_id_uploads_again_and_posts_once(adapter, network, account, attempt, clip):
    register_upload(network)
    tweets = iter(
        [
            (400, {}, json.dumps({"errors": [{"message": "Your media IDs are invalid."}], "title": "Invalid Request"})),
            (201, {}, json.dumps(posted())),
        ]
    )
    network.add_callback("POST", f"{API}/2/tweets", callback=lambda request: next(tweets))
    network.post(INIT_URL, json=initialized(NEW_MEDIA_ID))
    network.post(f"{API}/2/media/upload/{NEW_MEDIA_ID}/append", body=b"", status=204)
    network.post(f"{API}/2/media/upload/{NEW_MEDIA_ID}/finalize", json=finalized(NEW_MEDIA_ID))

    result = adapter.publish(account, content_with(clip), attempt)

    assert result.remote_id == TWEET_ID
    first, second = calls_to(network, re.escape(f"{API}/2/tweets"))
    assert json.loads(second.request.body)["media"] == {"media_ids": [NEW_MEDIA_ID]}


def test_a_refused_video_says_why_in_a_marketers_words(adapter, network, account, attempt, clip):
    network.post(
        INIT_URL,
        json={"errors": [{"message": "Video duration is too long"}], "title": "Invalid Request"},
        status=400,
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, content_with(clip), attempt)
    assert caught.value.user_message.startswith("X refused the video: it is longer than X allows")
    assert len(calls_to(network, re.escape(INIT_URL))) == 1  # a refusal is not an expiry: no second try


# --- after the post --------------------------------------------------------------------------


def test_a_video_post_found_after_a_lost_answer(adapter, network, account, attempt, clip):
    register_upload(network)
    network.post(f"{API}/2/tweets", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, content_with(clip), attempt)

    text = "Our new cold brew, in 60 seconds"
    network.get(
        f"{API}/2/users/{USER_ID}/tweets",
        json={
            "data": [
                {
                    "id": TWEET_ID,
                    "text": f"{text} https://t.co/abc",
                    "entities": {"urls": [{"url": "https://t.co/abc", "media_key": f"13_{MEDIA_ID}"}]},
                }
            ]
        },
    )
    found = adapter.lookup_published(account, content_with(clip, text=text), attempt)
    assert found is not None and found.remote_id == TWEET_ID


def test_video_views_come_with_the_post_figures(adapter, network, account):
    network.get(
        f"{API}/2/tweets",
        json={
            "data": [
                {
                    "id": TWEET_ID,
                    "text": "clip",
                    "attachments": {"media_keys": [f"13_{MEDIA_ID}"]},
                    "public_metrics": {"like_count": 4, "retweet_count": 1, "reply_count": 0, "quote_count": 0},
                    "non_public_metrics": {"impression_count": 900},
                },
                {"id": "2", "text": "no video", "public_metrics": {"like_count": 1}},
            ],
            "includes": {
                "media": [{"media_key": f"13_{MEDIA_ID}", "type": "video", "public_metrics": {"view_count": 345}}]
            },
        },
    )
    figures = adapter.fetch_post_metrics(account, [TWEET_ID, "2"])
    assert (figures[TWEET_ID].video_views, figures[TWEET_ID].impressions) == (345, 900)
    assert figures["2"].video_views is None  # no video: not reported, never zero
    params = network.calls[0].request.params
    assert params["expansions"] == "attachments.media_keys" and params["media.fields"] == "type,public_metrics"


# --- on the wire -----------------------------------------------------------------------------


def test_segments_stream_from_disk_with_exact_lengths_on_a_real_connection(tmp_path, monkeypatch, account, attempt):
    """Through a real socket (127.0.0.1): each APPEND has a Content-Length equal to what
    arrives, is not sent chunked, and the file is read in small pieces, never a whole
    segment (let alone the whole file) at once."""
    import http.server

    from smm.platforms import x as x_module
    from smm.platforms.video import FileRange
    from tests.loopback_server import LoopbackServer

    segment = 512 * 1024
    path = tmp_path / "big.mp4"
    path.write_bytes(os.urandom(3 * segment + 1000))
    received = []

    class FakeX(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status, body=None):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers["Content-Length"])
            body = self.rfile.read(length)
            if self.path == "/2/media/upload/initialize":
                return self._answer(200, initialized())
            if self.path.endswith("/append"):
                parts = {}
                for part in MultipartDecoder(body, self.headers["Content-Type"]).parts:
                    name = re.search(r'name="([^"]+)"', part.headers[b"Content-Disposition"].decode()).group(1)
                    parts[name] = part.content
                received.append(
                    (int(parts["segment_index"]), parts["media"], length, self.headers.get("Transfer-Encoding"))
                )
                return self._answer(204)
            if self.path.endswith("/finalize"):
                return self._answer(200, finalized())
            if self.path == "/2/tweets":
                return self._answer(201, posted())
            return self._answer(404, {"title": "Not Found"})

    reads = []

    class CountedRange(FileRange):
        def read(self, size=-1):
            chunk = super().read(size)
            reads.append(len(chunk))
            return chunk

    monkeypatch.setattr(x_module, "FileRange", CountedRange)
    with LoopbackServer(FakeX) as server:
        monkeypatch.setattr(x_module, "API", f"http://127.0.0.1:{server.port}")
        adapter = XAdapter(AppCredentials(client_id="x-client"))
        adapter.now = lambda: NOW
        adapter.video_chunk_size = segment
        result = adapter.publish(account, PostContent(text="wire", media=[video(path)]), attempt)

    assert result.remote_id == TWEET_ID
    data = path.read_bytes()
    assert [index for index, *_ in received] == [0, 1, 2, 3]
    assert b"".join(media for _, media, _, _ in received) == data
    assert all(chunked is None for *_, chunked in received)
    assert sum(reads) == len(data)
    assert max(reads) <= 64 * 1024 < segment
