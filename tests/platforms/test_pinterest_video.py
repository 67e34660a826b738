"""Pinterest video Pins against the documented flow: POST /media registers a video, the
file goes to the returned S3 URL as a multipart form (every upload parameter, ``file``
last, streamed from disk), GET /media/{id} until ``succeeded`` (StillProcessing meanwhile),
then POST /pins with media_source video_id. A worker that dies keeps the media id, and the
media's status tells whether the file has to be sent again."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
import responses

from posts.video import make_clip
from smm.platforms.base import (
    AppCredentials,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PostContent,
    PublishAttempt,
    StillProcessing,
    Transient,
)
from smm.platforms.pinterest import NOT_PROCESSED, PinterestAdapter

API = "https://api.pinterest.com/v5"
S3 = "https://pinterest-media-upload.s3-accelerate.amazonaws.com/"
BOARD = "549755885175"
PIN = "813744226420795884"
MEDIA = "5264578546486"
MEDIA_2 = "5264578546999"
PARAMS = {
    "x-amz-date": "20261207T200000Z",
    "x-amz-signature": "0bb1a7f5",
    "x-amz-security-token": "IQoJb3Jp",
    "x-amz-algorithm": "AWS4-HMAC-SHA256",
    "key": "uploads/2c/3f/55/2:video:5264578546486",
    "policy": "eyJleHBpcmF0aW9uIjo=",
    "x-amz-credential": "ASIA/20261207/us-east-1/s3/aws4_request",
    "Content-Type": "multipart/form-data",
}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("pi") / "clip.mp4"
    make_clip(path, seconds=5, width=320, height=568)
    return path


@pytest.fixture
def video(clip):
    return MediaItem(
        mime_type="video/mp4",
        path=str(clip),
        url="https://smm.example/media/clip.mp4",
        size=clip.stat().st_size,
        width=320,
        height=568,
        duration=5.0,
        frame_rate=30,
        filename="clip.mp4",
        thumbnail_url="https://smm.example/media/clip-poster.jpg",
        alt_text="A picnic in the park",
    )


@pytest.fixture
def account(account_context):
    return account_context("pinterest", "pinner1", credentials={"access_token": "pina_t", "refresh_token": "pinr_t"})


def adapter() -> PinterestAdapter:
    made = PinterestAdapter(AppCredentials(client_id="1", client_secret="s"))
    return made.apply_limits({"boards": [{"id": BOARD, "name": "Summer"}]})


def post(video) -> PostContent:
    return PostContent(
        text="Our summer picnic, in 5 seconds",
        media=[video],
        link="https://shop.example/picnic",
        options={"board": BOARD, "title": "Summer picnic"},
    )


def register(network, media_id=MEDIA):
    network.add(
        responses.POST,
        f"{API}/media",
        json={"media_id": media_id, "media_type": "video", "upload_url": S3, "upload_parameters": PARAMS},
    )


def media_status(network, status, media_id=MEDIA):
    network.add(
        responses.GET, f"{API}/media/{media_id}", json={"media_id": media_id, "media_type": "video", "status": status}
    )


def pin(network):
    network.add(
        responses.POST,
        f"{API}/pins",
        status=201,
        json={
            "id": PIN,
            "created_at": "2026-12-07T20:01:00",
            "board_id": BOARD,
            "title": "Summer picnic",
            "description": "Our summer picnic, in 5 seconds",
            "link": "https://shop.example/picnic",
        },
    )


def calls(network):
    return [(c.request.method, c.request.url.split("?")[0]) for c in network.calls]


def test_upload_to_s3_then_wait_then_pin(network, account, video, clip):
    register(network)
    network.add(responses.POST, S3, status=204)
    media_status(network, "processing")
    attempt = PublishAttempt("k")
    with pytest.raises(StillProcessing) as caught:
        adapter().publish(account, post(video), attempt)
    assert caught.value.check_after == 10
    assert json.loads(network.calls[0].request.body) == {"media_type": "video"}

    upload = network.calls[1].request
    assert "Authorization" not in upload.headers  # S3 gets the signed fields, never our token
    body = upload.body.read() if hasattr(upload.body, "read") else upload.body
    size = clip.stat().st_size
    assert int(upload.headers["Content-Length"]) == len(body) > size
    boundary = upload.headers["Content-Type"].split("boundary=")[1].encode()
    parts = body.split(b"--" + boundary)[1:-1]
    names = [p.split(b'name="')[1].split(b'"')[0].decode() for p in parts]
    assert names == [*PARAMS, "file"]  # every parameter, in Pinterest's order, the file last
    assert parts[-1].split(b"\r\n\r\n", 1)[1][:-2] == clip.read_bytes()
    assert attempt.state["pi_video"]["media_id"] == MEDIA and attempt.state["pi_video"]["uploaded"]

    # The engine calls again: only the status is asked, then the Pin is created.
    network.calls.reset()
    media_status(network, "succeeded")
    pin(network)
    result = adapter().publish(account, post(video), attempt)
    assert result.remote_id == PIN
    assert calls(network) == [("GET", f"{API}/media/{MEDIA}"), ("POST", f"{API}/pins")]
    sent = json.loads(network.calls[1].request.body)
    assert sent["media_source"] == {
        "source_type": "video_id",
        "media_id": MEDIA,
        "cover_image_url": "https://smm.example/media/clip-poster.jpg",
    }
    assert (sent["board_id"], sent["title"], sent["link"]) == (BOARD, "Summer picnic", "https://shop.example/picnic")
    assert sent["description"] == "Our summer picnic, in 5 seconds"


def test_without_a_poster_the_first_frame_is_the_cover(network, account, video):
    video.thumbnail_url = None
    register(network)
    network.add(responses.POST, S3, status=204)
    media_status(network, "succeeded")
    pin(network)
    adapter().publish(account, post(video), PublishAttempt("k"))
    source = json.loads(network.calls[-1].request.body)["media_source"]
    assert source == {"source_type": "video_id", "media_id": MEDIA, "cover_image_key_frame_time": 0}


def test_worker_died_after_s3_took_the_file_does_not_upload_again(network, account, video):
    # Registered and sent, but the worker died before remembering that S3 answered.
    attempt = PublishAttempt(
        "k", state={"pi_video": {"media_id": MEDIA, "size": video.size, "file": video.path, "uploaded": False}}
    )
    media_status(network, "processing")
    media_status(network, "succeeded")
    pin(network)
    assert adapter().publish(account, post(video), attempt).remote_id == PIN
    assert ("POST", f"{API}/media") not in calls(network)
    assert ("POST", S3) not in calls(network)


def test_worker_died_before_the_file_reached_s3_registers_again(network, account, video):
    attempt = PublishAttempt(
        "k", state={"pi_video": {"media_id": MEDIA, "size": video.size, "file": video.path, "uploaded": False}}
    )
    media_status(network, "registered")
    register(network, MEDIA_2)
    network.add(responses.POST, S3, status=204)
    media_status(network, "succeeded", MEDIA_2)
    pin(network)
    assert adapter().publish(account, post(video), attempt).remote_id == PIN
    assert json.loads(network.calls[-1].request.body)["media_source"]["media_id"] == MEDIA_2
    assert calls(network).count(("POST", S3)) == 1


def test_processing_failed_is_said_plainly_and_the_next_try_uploads_afresh(network, account, video):
    register(network)
    network.add(responses.POST, S3, status=204)
    media_status(network, "failed")
    attempt = PublishAttempt("k")
    with pytest.raises(Permanent) as caught:
        adapter().publish(account, post(video), attempt)
    assert caught.value.user_message == NOT_PROCESSED
    assert attempt.state["pi_video"] is None
    assert "pin_sent_at" not in attempt.state  # no Pin was asked for


def test_s3_5xx_is_transient_and_forgotten(network, account, video):
    register(network)
    network.add(responses.POST, S3, status=503, body="<Error><Code>ServiceUnavailable</Code></Error>")
    attempt = PublishAttempt("k")
    with pytest.raises(Transient) as caught:
        adapter().publish(account, post(video), attempt)
    assert "send it again" in caught.value.user_message
    assert attempt.state["pi_video"] is None


def test_expired_upload_url_is_renewed_once(network, account, video):
    register(network)
    network.add(
        responses.POST,
        S3,
        status=403,
        body="<Error><Code>AccessDenied</Code><Message>Invalid according to Policy: Policy expired.</Message></Error>",
    )
    register(network, MEDIA_2)
    network.add(responses.POST, S3, status=204)
    media_status(network, "processing", MEDIA_2)
    attempt = PublishAttempt("k")
    with pytest.raises(StillProcessing):
        adapter().publish(account, post(video), attempt)
    assert attempt.state["pi_video"]["media_id"] == MEDIA_2


def test_s3_refusing_the_file_as_too_large(network, account, video):
    register(network)
    network.add(responses.POST, S3, status=400, body="<Error><Code>EntityTooLarge</Code></Error>")
    with pytest.raises(Permanent) as caught:
        adapter().publish(account, post(video), PublishAttempt("k"))
    assert "too large" in caught.value.user_message


def test_lost_answer_of_the_upload_is_transient_and_the_status_decides_next(network, account, video):
    register(network)
    network.add(responses.POST, S3, body=requests.exceptions.ConnectionError("Connection reset by peer"))
    attempt = PublishAttempt("k")
    with pytest.raises(Transient) as caught:
        adapter().publish(account, post(video), attempt)
    assert not isinstance(caught.value, OutcomeUnknown)  # nothing is published before POST /pins
    assert attempt.state["pi_video"] == {"media_id": MEDIA, "size": video.size, "file": video.path, "uploaded": False}


def test_gives_up_after_thirty_minutes_of_processing(network, account, video):
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)).isoformat()
    state = {"media_id": MEDIA, "size": video.size, "file": video.path, "uploaded": True, "processing_since": long_ago}
    attempt = PublishAttempt("k", state={"pi_video": state})
    media_status(network, "processing")
    with pytest.raises(Permanent) as caught:
        adapter().publish(account, post(video), attempt)
    assert "30 minutes" in caught.value.user_message
    assert attempt.state["pi_video"] is None


def test_later_checks_are_spaced_out(network, account, video):
    six_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=6)).isoformat()
    state = {"media_id": MEDIA, "size": video.size, "file": video.path, "uploaded": True, "processing_since": six_ago}
    media_status(network, "processing")
    with pytest.raises(StillProcessing) as caught:
        adapter().publish(account, post(video), PublishAttempt("k", state={"pi_video": state}))
    assert caught.value.check_after == 30


def test_lost_pin_answer_after_a_video_is_found_on_the_board(network, account, video):
    state = {"media_id": MEDIA, "size": video.size, "file": video.path, "uploaded": True}
    attempt = PublishAttempt("k", state={"pi_video": state})
    media_status(network, "succeeded")
    network.add(responses.POST, f"{API}/pins", body=requests.exceptions.ReadTimeout("timed out"))
    with pytest.raises(OutcomeUnknown):
        adapter().publish(account, post(video), attempt)
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)).replace(tzinfo=None).isoformat(timespec="seconds")
    network.add(
        responses.GET,
        f"{API}/boards/{BOARD}/pins",
        json={
            "items": [
                {
                    "id": PIN,
                    "created_at": soon,
                    "title": "Summer picnic",
                    "description": "Our summer picnic, in 5 seconds",
                    "link": "https://shop.example/picnic",
                }
            ]
        },
    )
    assert adapter().lookup_published(account, post(video), attempt).remote_id == PIN


def test_video_rules_in_the_composer(video):
    made = adapter()
    assert made.validate(post(video)) == []
    video.duration = 3.0
    assert {p.code for p in made.validate(post(video))} == {"video_too_short"}
    video.duration = 5.0
    video.width, video.height = 1920, 800  # 2.4:1, wider than 1.91:1
    assert {p.code for p in made.validate(post(video))} == {"video_aspect"}
    video.width, video.height = 320, 568
    mixed = post(video)
    mixed.media.append(MediaItem(mime_type="image/jpeg", url="https://smm.example/p.jpg", size=10))
    assert "video_mixed" in {p.code for p in made.validate(mixed)}


# --- on the wire -----------------------------------------------------------------------------


def test_the_upload_streams_over_a_real_connection_with_an_exact_length(tmp_path, monkeypatch, account):
    """Through a real socket (127.0.0.1): the S3 form arrives with a Content-Length equal to
    what arrives, not chunked, every upload parameter before the file, and the file is sent
    as it is read (the lease is renewed while it streams), never read whole first."""
    import http.server
    import os
    import re

    from requests_toolbelt.multipart.decoder import MultipartDecoder

    from smm.platforms import pinterest as pinterest_module
    from tests.loopback_server import LoopbackServer

    path = tmp_path / "big.mp4"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    received = {}
    saved_states = []

    class FakePinterest(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status, body=None):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            return self._answer(200, {"media_id": MEDIA, "status": "succeeded"})

        def do_POST(self):
            length = int(self.headers["Content-Length"])
            body = self.rfile.read(length)
            if self.path == "/v5/media":
                upload_url = f"http://127.0.0.1:{self.server.server_address[1]}/s3/"
                return self._answer(
                    201,
                    {"media_id": MEDIA, "media_type": "video", "upload_url": upload_url, "upload_parameters": PARAMS},
                )
            if self.path == "/s3/":
                names, contents = [], {}
                for part in MultipartDecoder(body, self.headers["Content-Type"]).parts:
                    name = re.search(r'name="([^"]+)"', part.headers[b"Content-Disposition"].decode()).group(1)
                    names.append(name)
                    contents[name] = part.content
                received.update(
                    names=names,
                    file=contents["file"],
                    length=length,
                    chunked=self.headers.get("Transfer-Encoding"),
                    auth=self.headers.get("Authorization"),
                )
                return self._answer(204)
            if self.path == "/v5/pins":
                return self._answer(201, {"id": PIN, "created_at": "2026-12-07T20:00:00"})
            return self._answer(404, {"code": 404, "message": "Not found"})

    with LoopbackServer(FakePinterest) as server:
        monkeypatch.setattr(pinterest_module, "API", f"http://127.0.0.1:{server.port}/v5")
        monkeypatch.setattr(pinterest_module, "VIDEO_UPLOAD_RENEW_EVERY", 0.0)
        item = MediaItem(
            mime_type="video/mp4", path=str(path), size=path.stat().st_size, width=320, height=568, duration=5.0
        )
        attempt = PublishAttempt("k", save_state=saved_states.append)
        result = adapter().publish(account, post(item), attempt)

    assert result.remote_id == PIN
    assert received["names"] == [*PARAMS, "file"]
    assert received["file"] == path.read_bytes()
    assert received["chunked"] is None and received["auth"] is None
    sent = [state["pi_video_sent"] for state in saved_states if "pi_video_sent" in state]
    total = path.stat().st_size
    # remembered as it streamed (bytes of the form sent so far): many growing counts,
    # the first a small part of the file, the last the whole form (the file and its fields)
    assert len(sent) > 10 and sent == sorted(sent)
    assert sent[0] < total // 4
    assert sent[-1] > total


def test_lost_answer_to_the_registration_is_a_plain_retry(network, account, video):
    network.add(responses.POST, f"{API}/media", body=requests.exceptions.ReadTimeout("timed out"))
    attempt = PublishAttempt("k")
    with pytest.raises(Transient) as caught:
        adapter().publish(account, post(video), attempt)
    assert not isinstance(caught.value, OutcomeUnknown)  # an unused media id only expires
    assert "pi_video" not in attempt.state and "pin_sent_at" not in attempt.state


def test_lost_answer_to_the_status_keeps_the_upload(network, account, video):
    state = {"media_id": MEDIA, "size": video.size, "file": video.path, "uploaded": True}
    attempt = PublishAttempt("k", state={"pi_video": dict(state)})
    network.add(responses.GET, f"{API}/media/{MEDIA}", body=requests.exceptions.ReadTimeout("timed out"))
    with pytest.raises(Transient):
        adapter().publish(account, post(video), attempt)
    assert attempt.state["pi_video"]["media_id"] == MEDIA and attempt.state["pi_video"]["uploaded"]
    assert [c.request.method for c in network.calls] == ["GET"]  # nothing sent again
