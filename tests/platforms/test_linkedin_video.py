"""LinkedIn video against the documented Videos API flow: initializeUpload, a PUT of each
part (its ETag kept), finalizeUpload with the ETags in order, the video's status, then the
post with ``content.media``. Uploads resume from the saved part after a worker dies."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
import responses

from posts.video import make_clip, probe
from smm.platforms.base import (
    AppCredentials,
    AuthExpired,
    MediaItem,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    StillProcessing,
    Transient,
)
from smm.platforms.linkedin import LINKEDIN_VERSION, LinkedInAdapter
from smm.platforms.video import FileRange

API = "https://api.linkedin.com"
ORG = "urn:li:organization:2414183"
VIDEO = "urn:li:video:C5505AQH-oV1qvnFtKA"
VIDEO_2 = "urn:li:video:D5F10AQHbDQoINyWqUg"
POST = "urn:li:ugcPost:7141138937766391808"
UPLOADS = "https://www.linkedin.com/dms-uploads/sp/v2"
INIT = f"{API}/rest/videos?action=initializeUpload"
FINALIZE = f"{API}/rest/videos?action=finalizeUpload"


class WorkerDied(BaseException):
    """What a killed worker looks like to the code it was running: it stops, mid-flow."""


@pytest.fixture
def replay():
    """The replayed network; nothing leaves the machine. Tests assert the calls they expect."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("li") / "clip.mp4"
    make_clip(path, seconds=4, bitrate=400_000)  # a few hundred KB: over LinkedIn's 75 KB floor
    return path


@pytest.fixture
def video(clip):
    found = probe(clip)
    return MediaItem(
        mime_type=found.mime_type,
        path=str(clip),
        size=found.size,
        width=found.width,
        height=found.height,
        duration=found.duration,
        frame_rate=found.frame_rate,
        container=found.container,
        video_codec=found.video_codec,
        audio_codec=found.audio_codec,
        filename="clip.mp4",
    )


@pytest.fixture
def adapter():
    return LinkedInAdapter(AppCredentials(client_id="li1", client_secret="lisecret"))


@pytest.fixture
def account(account_context):
    return account_context("linkedin", ORG, credentials={"access_token": "LItok", "author_urn": ORG})


class Attempt:
    """A PublishAttempt whose saved states are kept (what the database would hold), and
    which can make the worker die once a given number of parts is saved."""

    def __init__(self, state=None, die_after_parts=None):
        self.saved: list[dict] = []
        self.die_after_parts = die_after_parts
        self.attempt = PublishAttempt(idempotency_key="k-1", state=dict(state or {}), save_state=self.save)

    def save(self, state):
        self.saved.append(json.loads(json.dumps(state)))  # what a JSON column keeps
        upload = state.get("li_video") or {}
        if self.die_after_parts is not None and len(upload.get("etags") or []) == self.die_after_parts:
            raise WorkerDied()

    @property
    def last(self) -> dict:
        return self.saved[-1]


def parts_of(size: int, count: int, base: str = UPLOADS) -> list[dict]:
    step = -(-size // count)
    return [
        {"uploadUrl": f"{base}/part{n}?token=t{n}", "firstByte": start, "lastByte": min(start + step, size) - 1}
        for n, start in enumerate(range(0, size, step), start=1)
    ]


class FakeLinkedIn:
    """The Videos API and the upload host, replayed: answers what the docs show and
    records every part it is sent (bytes, Content-Length, headers)."""

    def __init__(self, replay, size: int, *, parts: int = 4):
        self.replay = replay
        self.size = size
        self.parts = parts
        self.received: list[dict] = []
        # part number -> what to answer, in turn: a status, or an exception (a lost answer)
        self.put_status: dict[int, list] = {}
        self.statuses: list[str] = ["AVAILABLE"]
        self.inits: list[dict] = []
        self.init_answers = [(VIDEO, UPLOADS)]
        replay.add_callback(responses.POST, INIT, callback=self._init)
        replay.add_callback(responses.PUT, re.compile(r"https://[^/]+/dms-uploads/.*"), callback=self._put)
        replay.add(responses.POST, FINALIZE, status=200, body="")
        replay.add_callback(responses.GET, re.compile(rf"{API}/rest/videos/.*"), callback=self._status)
        replay.add(responses.POST, f"{API}/rest/posts", status=201, headers={"x-restli-id": POST})

    def _init(self, request):
        self.inits.append(json.loads(request.body))
        urn, base = self.init_answers[min(len(self.inits), len(self.init_answers)) - 1]
        value = {
            "uploadUrlsExpireAt": int((dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).timestamp() * 1000),
            "video": urn,
            "uploadInstructions": parts_of(self.size, self.parts, base),
            "uploadToken": "",
        }
        return 200, {}, json.dumps({"value": value})

    def _put(self, request):
        number = int(re.search(r"/part(\d+)", request.url).group(1))
        body = request.body
        data = body.read() if hasattr(body, "read") else body
        self.received.append(
            {
                "url": request.url,
                "part": number,
                "data": data,
                "length": int(request.headers["Content-Length"]),
                "headers": dict(request.headers),
            }
        )
        queued = self.put_status.get(number)
        status = queued.pop(0) if queued else 201
        if isinstance(status, Exception):
            return status
        if status >= 400:
            return status, {}, json.dumps({"message": f"HTTP {status}", "status": status})
        return status, {"ETag": f'"etag-{urlsplit(request.url).path.rsplit("/", 1)[-1]}"'}, ""

    def _status(self, request):
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        urn = request.url.rsplit("/", 1)[-1]
        return 200, {}, json.dumps({"owner": ORG, "id": urn, "status": status, "duration": 4000})

    def calls_to(self, method: str, prefix: str) -> list:
        return [c for c in self.replay.calls if c.request.method == method and c.request.url.startswith(prefix)]

    @property
    def posts(self) -> list:
        return self.calls_to("POST", f"{API}/rest/posts")

    @property
    def finalizes(self) -> list[dict]:
        return [json.loads(c.request.body) for c in self.calls_to("POST", FINALIZE)]


def video_post(video, text="Our new cold brew, in 4 seconds") -> PostContent:
    return PostContent(text=text, media=[video])


# --- content rules ------------------------------------------------------------------------------


def test_a_video_within_linkedins_rules_passes(adapter, video):
    assert adapter.validate(video_post(video)) == []


def test_each_broken_video_rule_is_said_in_words(adapter, video, tmp_path):
    tiny = tmp_path / "tiny.mp4"
    tiny.write_bytes(b"\0" * 50_000)

    def one(**changes):
        item = MediaItem(**{**video.__dict__, **changes})
        return [(p.code, p.message) for p in adapter.validate(PostContent(text="x", media=[item]))]

    assert one(duration=2.0) == [
        ("video_too_short", "The video is 2 seconds long; a LinkedIn video must last at least 3 seconds.")
    ]
    assert one(duration=31 * 60.0)[0][0] == "video_too_long"
    assert "at most 30 minutes" in one(duration=31 * 60.0)[0][1]
    assert one(width=300, height=900)[0][0] == "video_aspect"  # 1:3 is taller than 1:2.4
    assert one(mime_type="video/quicktime")[0][0] == "video_type"
    assert one(size=600_000_000)[0][0] == "video_size"
    assert one(path=str(tiny), size=None) == [
        ("video_size", "The video is 49 KB; LinkedIn takes videos of 75 KB or more.")
    ]
    assert one(path=None)[0] == ("media_missing", "The video has no file to upload to LinkedIn.")


def test_a_video_and_images_do_not_mix_and_one_video_per_post(adapter, video):
    image = MediaItem(mime_type="image/jpeg", data=b"jpeg")
    assert [p.code for p in adapter.validate(PostContent(text="x", media=[video, image]))] == ["video_mixed"]
    assert [p.code for p in adapter.validate(PostContent(text="x", media=[video, video]))] == ["video_count"]


# --- the upload -----------------------------------------------------------------------------------


def test_a_video_is_uploaded_in_its_parts_finalized_and_posted(replay, adapter, account, video, clip, monkeypatch):
    # (every part body is a FileRange: read from disk as it is sent, never the file in memory)
    bodies = []

    class SpyRange(FileRange):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bodies.append((self.start, self.length))

    monkeypatch.setattr("smm.platforms.linkedin.FileRange", SpyRange)
    # given LinkedIn asks for the video in four parts and has processed it by the time we ask
    size = clip.stat().st_size
    network = FakeLinkedIn(replay, size)
    attempt = Attempt()
    # when
    result = adapter.publish(account, video_post(video), attempt.attempt)
    # then: the upload was declared for the author, with the file's size
    assert network.inits == [
        {
            "initializeUploadRequest": {
                "owner": ORG,
                "fileSizeBytes": size,
                "uploadCaptions": False,
                "uploadThumbnail": False,
            }
        }
    ]
    init = replay.calls[0].request
    assert init.headers["LinkedIn-Version"] == LINKEDIN_VERSION
    assert init.headers["X-Restli-Protocol-Version"] == "2.0.0"
    # each part went once, streamed from disk with its exact length, and they make the file
    whole = clip.read_bytes()
    assert [p["part"] for p in network.received] == [1, 2, 3, 4]
    for part, instruction in zip(network.received, parts_of(size, 4), strict=True):
        first, last = instruction["firstByte"], instruction["lastByte"]
        assert part["length"] == last - first + 1 == len(part["data"])
        assert part["data"] == whole[first : last + 1]
        assert part["headers"]["Content-Type"] == "application/octet-stream"
        assert part["headers"]["Authorization"] == "Bearer LItok"  # LinkedIn's own upload host
    assert b"".join(p["data"] for p in network.received) == whole
    assert bodies == [(p["firstByte"], p["lastByte"] - p["firstByte"] + 1) for p in parts_of(size, 4)]
    # finalized with the ETags (quotes stripped) in order
    assert network.finalizes == [
        {
            "finalizeUploadRequest": {
                "video": VIDEO,
                "uploadToken": "",
                "uploadedPartIds": ["etag-part1", "etag-part2", "etag-part3", "etag-part4"],
            }
        }
    ]
    # the video's status was read, then one post carries it
    status_call = network.calls_to("GET", f"{API}/rest/videos/")[0]
    assert status_call.request.url == f"{API}/rest/videos/{quote(VIDEO, safe='')}"
    assert len(network.posts) == 1
    body = json.loads(network.posts[0].request.body)
    assert body["content"] == {"media": {"id": VIDEO}}
    assert body["author"] == ORG and body["commentary"] == "Our new cold brew, in 4 seconds"
    assert result.remote_id == POST
    assert result.url == f"https://www.linkedin.com/feed/update/{POST}/"
    assert attempt.last["post_urn"] == POST


def test_each_part_is_remembered_as_it_completes(replay, adapter, account, video, clip):
    network = FakeLinkedIn(replay, clip.stat().st_size)
    attempt = Attempt()
    adapter.publish(account, video_post(video), attempt.attempt)
    etags_saved = [len(s["li_video"]["etags"]) for s in attempt.saved if s.get("li_video")]
    # one save after the init, one after each part, then around the finalize
    assert etags_saved[:5] == [0, 1, 2, 3, 4]
    assert len(network.received) == 4


def test_a_worker_killed_after_part_2_of_4_resumes_with_parts_3_and_4_and_posts_once(
    replay, adapter, account, video, clip
):
    # given the worker dies right after part 2 is saved
    size = clip.stat().st_size
    network = FakeLinkedIn(replay, size)
    first = Attempt(die_after_parts=2)
    with pytest.raises(WorkerDied):
        adapter.publish(account, video_post(video), first.attempt)
    assert [p["part"] for p in network.received] == [1, 2]
    saved = first.last
    assert saved["li_video"]["etags"] == ["etag-part1", "etag-part2"]
    # when a new worker runs the target again with what the database kept
    network.received.clear()
    second = Attempt(state=saved)
    result = LinkedInAdapter(AppCredentials()).publish(account, video_post(video), second.attempt)
    # then only parts 3 and 4 are sent, the upload is not declared again, one post goes out
    whole = clip.read_bytes()
    assert [p["part"] for p in network.received] == [3, 4]
    for part, instruction in zip(network.received, parts_of(size, 4)[2:], strict=True):
        assert part["data"] == whole[instruction["firstByte"] : instruction["lastByte"] + 1]
    assert len(network.inits) == 1
    assert network.finalizes[0]["finalizeUploadRequest"]["uploadedPartIds"] == [
        "etag-part1",
        "etag-part2",
        "etag-part3",
        "etag-part4",
    ]
    assert len(network.posts) == 1
    assert result.remote_id == POST


def test_a_5xx_mid_part_is_transient_and_the_retry_continues_at_that_part(replay, adapter, account, video, clip):
    # given part 3 fails with LinkedIn's 503 once
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.put_status[3] = [503]
    attempt = Attempt()
    # when
    with pytest.raises(Transient) as failed:
        adapter.publish(account, video_post(video), attempt.attempt)
    # then the person reads what happened, and parts 1-2 stay done
    assert not isinstance(failed.value, StillProcessing)
    assert "part 3 of 4" in failed.value.user_message
    assert attempt.last["li_video"]["etags"] == ["etag-part1", "etag-part2"]
    # when the engine retries
    network.received.clear()
    retry = Attempt(state=attempt.last)
    adapter.publish(account, video_post(video), retry.attempt)
    # then part 3 and 4 only, one post
    assert [p["part"] for p in network.received] == [3, 4]
    assert len(network.posts) == 1


def test_a_timeout_on_a_part_is_retried_not_a_question_for_a_person(replay, adapter, account, video, clip):
    # given the answer to part 2 never comes (the part may or may not have arrived)
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.put_status[2] = [requests.ReadTimeout("read timed out")]
    attempt = Attempt()
    # when
    with pytest.raises(Transient) as failed:
        adapter.publish(account, video_post(video), attempt.attempt)
    # then nothing is published yet, so it is a plain retry (sending part 2 again is harmless)
    assert type(failed.value) is Transient
    assert "carry on where we stopped" in failed.value.user_message
    assert attempt.last["li_video"]["etags"] == ["etag-part1"]
    assert network.posts == []


def test_expired_upload_urls_start_a_new_upload(replay, adapter, account, video, clip):
    # given the first upload's URLs are refused (403) from part 1
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.init_answers = [(VIDEO, "https://www.linkedin.com/old/dms-uploads"), (VIDEO_2, UPLOADS)]
    replay.add(responses.PUT, re.compile(r"https://www\.linkedin\.com/old/dms-uploads/.*"), status=403)
    attempt = Attempt()
    # when
    adapter.publish(account, video_post(video), attempt.attempt)
    # then a second upload is declared and sent whole, and its video is the one posted
    assert len(network.inits) == 2
    assert [p["part"] for p in network.received] == [1, 2, 3, 4]
    assert all(p["url"].startswith(UPLOADS) for p in network.received)
    assert network.finalizes[0]["finalizeUploadRequest"]["video"] == VIDEO_2
    assert json.loads(network.posts[0].request.body)["content"]["media"]["id"] == VIDEO_2


def test_upload_urls_past_their_expiry_are_renewed_before_sending(replay, adapter, account, video, clip):
    # given a saved upload with two parts done whose URLs expired an hour ago
    size = clip.stat().st_size
    network = FakeLinkedIn(replay, size)
    network.init_answers = [(VIDEO_2, UPLOADS)]
    old_base = "https://www.linkedin.com/old/dms-uploads"
    old = [[p["uploadUrl"], p["firstByte"], p["lastByte"]] for p in parts_of(size, 4, old_base)]
    expired = int((dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).timestamp() * 1000)
    state = {
        "li_video": {
            "urn": VIDEO,
            "token": "",
            "parts": old,
            "etags": ["a", "b"],
            "size": size,
            "owner": ORG,
            "expires_at": expired,
            "finalized": False,
        }
    }
    # when
    adapter.publish(account, video_post(video), Attempt(state=state).attempt)
    # then nothing went to the old URLs; the new upload is sent whole
    assert len(network.inits) == 1
    assert [p["url"].startswith(UPLOADS) for p in network.received] == [True] * 4
    assert network.finalizes[0]["finalizeUploadRequest"]["video"] == VIDEO_2


def test_another_file_on_the_same_target_is_uploaded_afresh(replay, adapter, account, video, clip):
    # given a saved upload of a file of another size (the video was replaced)
    network = FakeLinkedIn(replay, clip.stat().st_size)
    state = {"li_video": {"urn": "urn:li:video:old", "parts": [], "etags": [], "size": 1, "owner": ORG}}
    adapter.publish(account, video_post(video), Attempt(state=state).attempt)
    assert len(network.inits) == 1 and len(network.received) == 4


def test_upload_urls_elsewhere_get_no_token(replay, adapter, account, video, clip):
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.init_answers = [(VIDEO, "https://uploads.example-cdn.net/dms-uploads")]
    adapter.publish(account, video_post(video), Attempt().attempt)
    assert len(network.received) == 4
    assert all("Authorization" not in p["headers"] for p in network.received)


# --- processing ---------------------------------------------------------------------------------


def test_processing_waits_without_a_worker_then_posts_on_the_next_call(replay, adapter, account, video, clip):
    # given LinkedIn is still processing after the upload, and done on the next look
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.statuses = ["PROCESSING", "AVAILABLE"]
    attempt = Attempt()
    # when
    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, video_post(video), attempt.attempt)
    # then the engine is told to look again in about ten seconds; the upload is done
    assert waiting.value.check_after == 10
    assert waiting.value.user_message == "LinkedIn is processing the video"
    upload = attempt.last["li_video"]
    assert upload["finalized"] and upload["processing_since"]
    assert network.posts == []
    # when the engine calls again
    before = len(replay.calls)
    result = adapter.publish(account, video_post(video), Attempt(state=attempt.last).attempt)
    # then: one status read, one post, nothing uploaded again
    again = [(c.request.method, c.request.url.split("?")[0]) for c in replay.calls[before:]]
    assert again == [("GET", f"{API}/rest/videos/{quote(VIDEO, safe='')}"), ("POST", f"{API}/rest/posts")]
    assert len(network.received) == 4 and len(network.inits) == 1 and len(network.finalizes) == 1
    assert result.remote_id == POST


def test_waiting_upload_after_finalize_is_still_processing(replay, adapter, account, video, clip):
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.statuses = ["WAITING_UPLOAD"]
    with pytest.raises(StillProcessing):
        adapter.publish(account, video_post(video), Attempt().attempt)
    assert network.posts == []


def test_processing_failed_is_permanent_in_plain_words_and_forgets_the_upload(replay, adapter, account, video, clip):
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.statuses = ["PROCESSING_FAILED"]
    attempt = Attempt()
    with pytest.raises(Permanent) as failed:
        adapter.publish(account, video_post(video), attempt.attempt)
    assert failed.value.user_message == (
        "LinkedIn could not process the video. Convert it to MP4 (H.264 with AAC sound) and try again."
    )
    assert attempt.last["li_video"] is None  # sending it again uploads afresh
    assert network.posts == []


def test_processing_for_over_an_hour_gives_up(replay, adapter, account, video, clip):
    size = clip.stat().st_size
    network = FakeLinkedIn(replay, size)
    network.statuses = ["PROCESSING"]
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)).isoformat()
    state = {
        "li_video": {
            "urn": VIDEO,
            "token": "",
            "parts": [],
            "etags": [],
            "size": size,
            "owner": ORG,
            "finalized": True,
            "processing_since": since,
        }
    }
    with pytest.raises(Permanent) as failed:
        adapter.publish(account, video_post(video), Attempt(state=state).attempt)
    assert "over an hour" in failed.value.user_message
    assert network.received == [] and network.posts == []


def test_a_long_wait_is_checked_less_often(replay, adapter, account, video, clip):
    size = clip.stat().st_size
    network = FakeLinkedIn(replay, size)
    network.statuses = ["PROCESSING"]
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).isoformat()
    state = {"li_video": {"urn": VIDEO, "size": size, "owner": ORG, "finalized": True, "processing_since": since}}
    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, video_post(video), Attempt(state=state).attempt)
    assert waiting.value.check_after == 30


def test_a_finalize_whose_answer_was_lost_is_not_sent_again(replay, adapter, account, video, clip):
    # given every part went and the finalize was sent, but its answer never came
    size = clip.stat().st_size
    network = FakeLinkedIn(replay, size)
    network.statuses = ["PROCESSING", "AVAILABLE"]
    parts = [[p["uploadUrl"], p["firstByte"], p["lastByte"]] for p in parts_of(size, 4)]
    state = {
        "li_video": {
            "urn": VIDEO,
            "token": "",
            "parts": parts,
            "etags": ["a", "b", "c", "d"],
            "size": size,
            "owner": ORG,
            "finalized": False,
            "finalize_sent": True,
        }
    }
    # when
    adapter.publish(account, video_post(video), Attempt(state=state).attempt)
    # then LinkedIn's status said it was finalized: no second finalize, no part, one post
    assert network.finalizes == [] and network.received == []
    assert len(network.posts) == 1


def test_a_post_refused_with_media_asset_processing_failed(replay, adapter, account, video, clip):
    network = FakeLinkedIn(replay, clip.stat().st_size)
    replay.replace(
        responses.POST,
        f"{API}/rest/posts",
        status=400,
        json={"message": "Error: MEDIA_ASSET_PROCESSING_FAILED for urn:li:video:C5505AQH", "status": 400},
    )
    attempt = Attempt()
    with pytest.raises(Permanent) as failed:
        adapter.publish(account, video_post(video), attempt.attempt)
    assert type(failed.value) is Permanent
    assert "could not process the video" in failed.value.user_message
    assert attempt.last["li_video"] is None
    assert len(network.posts) == 1


# --- errors -----------------------------------------------------------------------------------------


def test_an_expired_token_on_initialize_is_auth_expired(replay, adapter, account, video):
    replay.add(responses.POST, INIT, status=401, json={"message": "Invalid access token", "status": 401})
    with pytest.raises(AuthExpired):
        adapter.publish(account, video_post(video), Attempt().attempt)


def test_a_rate_limit_on_a_part_keeps_the_parts_done(replay, adapter, account, video, clip):
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.put_status[2] = [429]
    attempt = Attempt()
    with pytest.raises(RateLimited) as limited:
        adapter.publish(account, video_post(video), attempt.attempt)
    assert limited.value.retry_after == 900.0  # LinkedIn sends no Retry-After
    assert attempt.last["li_video"]["etags"] == ["etag-part1"]


def test_an_expired_token_on_a_part_asks_to_reconnect_and_keeps_the_parts_done(replay, adapter, account, video, clip):
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.put_status[3] = [401]
    attempt = Attempt()
    with pytest.raises(AuthExpired) as expired:
        adapter.publish(account, video_post(video), attempt.attempt)
    assert "reconnect" in expired.value.user_message
    assert attempt.last["li_video"]["etags"] == ["etag-part1", "etag-part2"]


def test_a_5xx_on_finalize_is_retried_without_sending_a_part_again(replay, adapter, account, video, clip):
    # given LinkedIn fails the finalize once with a 500
    network = FakeLinkedIn(replay, clip.stat().st_size)
    replay.replace(responses.POST, FINALIZE, status=500, json={"message": "Internal error", "status": 500})
    attempt = Attempt()
    with pytest.raises(Transient):
        adapter.publish(account, video_post(video), attempt.attempt)
    assert attempt.last["li_video"]["finalize_sent"] and not attempt.last["li_video"]["finalized"]
    # when the engine retries, the video still waits for its finalize
    replay.replace(responses.POST, FINALIZE, status=200, body="")
    network.statuses = ["WAITING_UPLOAD", "AVAILABLE"]
    network.received.clear()
    adapter.publish(account, video_post(video), Attempt(state=attempt.last).attempt)
    # then the finalize is sent again, no part is, and one post goes out
    assert len(network.finalizes) == 2 and network.received == []
    assert len(network.posts) == 1


def test_a_part_refused_for_good_is_permanent_and_says_which(replay, adapter, account, video, clip):
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.put_status[2] = [400]
    attempt = Attempt()
    with pytest.raises(Permanent) as failed:
        adapter.publish(account, video_post(video), attempt.attempt)
    assert "part 2 of 4" in failed.value.user_message
    assert attempt.last["li_video"] is None


def test_parts_that_do_not_cover_the_file_are_not_sent(replay, adapter, account, video, clip):
    replay.add(
        responses.POST,
        INIT,
        json={"value": {"video": VIDEO, "uploadInstructions": parts_of(1000, 2), "uploadToken": ""}},
    )
    with pytest.raises(Transient) as failed:
        adapter.publish(account, video_post(video), Attempt().attempt)
    assert "did not say where to upload" in failed.value.user_message


# --- lookup and metrics -------------------------------------------------------------------------------


def test_lookup_after_a_lost_answer_finds_the_post_carrying_our_video(replay, adapter, account, video):
    # given two recent posts with the same text; only one carries the video we uploaded
    state = {"li_video": {"urn": VIDEO}, "li_post_sent": True}
    elements = [
        {"id": "urn:li:share:1", "commentary": "Same words", "publishedAt": 1700000000000},
        {
            "id": POST,
            "commentary": "Same words",
            "content": {"media": {"id": VIDEO}},
            "publishedAt": 1700000300000,
        },
    ]
    replay.add(responses.GET, f"{API}/rest/posts", json={"elements": elements})
    found = adapter.lookup_published(account, video_post(video, "Same words"), Attempt(state=state).attempt)
    assert found.remote_id == POST
    assert found.published_at == dt.datetime.fromtimestamp(1700000300, dt.UTC)


def test_lookup_finds_nothing_when_no_post_carries_our_video(replay, adapter, account, video):
    replay.add(
        responses.GET,
        f"{API}/rest/posts",
        json={"elements": [{"id": "urn:li:share:1", "commentary": "Same words"}]},
    )
    state = {"li_video": {"urn": VIDEO}, "li_post_sent": True}
    assert adapter.lookup_published(account, video_post(video, "Same words"), Attempt(state=state).attempt) is None


def test_lookup_during_the_upload_knows_nothing_was_posted_without_asking(replay, adapter, account, video):
    # given the worker stopped while the video was being sent or processed (no post sent yet)
    state = {"li_video": {"urn": VIDEO, "etags": ["a"], "finalized": False}}
    # when the sweeper asks whether the post went out
    found = adapter.lookup_published(account, video_post(video), Attempt(state=state).attempt)
    # then: certainly not, and LinkedIn was not asked (a member's posts may not be listed)
    assert found is None
    assert len(replay.calls) == 0


def test_the_post_is_marked_sent_before_it_is_sent(replay, adapter, account, video, clip):
    network = FakeLinkedIn(replay, clip.stat().st_size)
    network.statuses = ["PROCESSING"]
    attempt = Attempt()
    with pytest.raises(StillProcessing):
        adapter.publish(account, video_post(video), attempt.attempt)
    assert "li_post_sent" not in attempt.last
    network.statuses = ["AVAILABLE"]
    again = Attempt(state=attempt.last)
    adapter.publish(account, video_post(video), again.attempt)
    marked = next(i for i, s in enumerate(again.saved) if s.get("li_post_sent"))
    assert "post_urn" not in again.saved[marked]  # saved before the post, not with its answer


def test_video_views_come_from_video_analytics(replay, adapter, account):
    # given a video post (ugcPost) with 1,234 views and statistics for it
    replay.add(
        responses.GET,
        f"{API}/rest/organizationalEntityShareStatistics",
        json={
            "elements": [
                {"ugcPost": POST, "totalShareStatistics": {"impressionCount": 5000, "likeCount": 40}},
            ]
        },
    )
    replay.add(
        responses.GET,
        f"{API}/rest/videoAnalytics",
        json={
            "elements": [
                {"entity": POST, "type": "VIDEO_VIEW", "value": 1234, "timeRange": {"start": 1, "end": 2}},
            ],
            "paging": {"count": 10, "start": 0},
        },
    )
    # when
    metrics = adapter.fetch_post_metrics(account, [POST])[POST]
    # then
    assert (metrics.impressions, metrics.likes, metrics.video_views) == (5000, 40, 1234)
    query = parse_qs(urlsplit(replay.calls[1].request.url).query)
    assert query == {"q": ["entity"], "entity": [POST], "type": ["VIDEO_VIEW"], "aggregation": ["ALL"]}


def test_a_rate_limit_on_video_views_keeps_the_statistics(replay, adapter, account):
    other = "urn:li:ugcPost:555"
    replay.add(
        responses.GET,
        f"{API}/rest/organizationalEntityShareStatistics",
        json={"elements": [{"ugcPost": POST, "totalShareStatistics": {"impressionCount": 5000}}]},
    )
    replay.add(responses.GET, f"{API}/rest/videoAnalytics", status=429, json={"message": "Too many", "status": 429})
    metrics = adapter.fetch_post_metrics(account, [POST, other])
    assert metrics[POST].impressions == 5000 and metrics[POST].video_views is None
    assert len([c for c in replay.calls if "videoAnalytics" in c.request.url]) == 1  # not asked again


def test_a_post_linkedin_will_not_give_views_for_stays_none(replay, adapter, account):
    replay.add(responses.GET, f"{API}/rest/organizationalEntityShareStatistics", json={"elements": []})
    replay.add(responses.GET, f"{API}/rest/videoAnalytics", status=400, json={"message": "Not a video", "status": 400})
    assert adapter.fetch_post_metrics(account, [POST])[POST].video_views is None
