"""TikTok posting against the Content Posting API's documented flow: creator_info, video
init (FILE_UPLOAD or PULL_FROM_URL) or content init (photos), the chunks PUT in order with
Content-Range, then status/fetch until PUBLISH_COMPLETE or FAILED. Uploads resume from the
saved chunk after a worker dies; a lost init answer is looked up in the creator's videos."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
import responses

from posts.video import make_clip, probe
from smm.platforms.base import (
    AppCredentials,
    AuthExpired,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    StillProcessing,
    Transient,
)
from smm.platforms.tiktok import (
    MAX_CHUNK,
    MAX_LAST_CHUNK,
    MIN_CHUNK,
    TikTokAdapter,
    content_range,
    plan_chunks,
)

API = "https://open.tiktokapis.com"
CREATOR = f"{API}/v2/post/publish/creator_info/query/"
VIDEO_INIT = f"{API}/v2/post/publish/video/init/"
PHOTO_INIT = f"{API}/v2/post/publish/content/init/"
STATUS = f"{API}/v2/post/publish/status/fetch/"
VIDEO_LIST = f"{API}/v2/video/list/"
UPLOAD = "https://open-upload.tiktokapis.com/video/?upload_id=67890&upload_token=Xza123"
PUBLISH_ID = "v_pub_file~v2-1.7312345678901234567"
POST_ID = "7312345678901234567"
CHUNK = 16 * 1024
MB = 1024 * 1024


class WorkerDied(BaseException):
    """What a killed worker looks like to the code it was running: it stops, mid-flow."""


def ok(data: dict | None = None) -> str:
    return json.dumps({"data": data or {}, "error": {"code": "ok", "message": "", "log_id": "202612071234"}})


def refused(code: str, message: str = "") -> str:
    return json.dumps({"data": {}, "error": {"code": code, "message": message or code, "log_id": "202612079999"}})


def creator_data(options=("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"), **kw):
    data = {
        "creator_avatar_url": "https://p16.tiktokcdn.com/avatar.jpeg",
        "creator_username": "brewco",
        "creator_nickname": "Brew Co",
        "privacy_level_options": list(options),
        "comment_disabled": False,
        "duet_disabled": False,
        "stitch_disabled": False,
        "max_video_post_duration_sec": 600,
    }
    data.update(kw)
    return data


# --- the chunk planner -----------------------------------------------------------------------


def test_a_file_under_5_mb_goes_whole_with_chunk_size_its_size():
    plan = plan_chunks(3 * MB)
    assert (plan.chunk_size, plan.total_chunk_count, plan.ranges) == (3 * MB, 1, ((0, 3 * MB),))


def test_total_chunk_count_is_the_floor_and_the_last_chunk_takes_the_rest():
    size = 50_000_000
    plan = plan_chunks(size, 10_000_000)
    assert plan.total_chunk_count == 5 and plan.chunk_size == 10_000_000
    plan = plan_chunks(57_000_000, 10_000_000)
    assert plan.total_chunk_count == 5  # floor(5.7)
    assert plan.ranges[-1] == (40_000_000, 17_000_000)  # 10 MB + the trailing 7 MB
    assert sum(length for _, length in plan.ranges) == 57_000_000
    # consecutive, no gap, no overlap
    assert all(a[0] + a[1] == b[0] for a, b in zip(plan.ranges, plan.ranges[1:], strict=False))


def test_chunks_stay_within_5_and_64_mb_and_the_last_within_128():
    assert plan_chunks(200 * MB, 1 * MB).chunk_size == MIN_CHUNK  # too small: raised to 5 MB
    big = plan_chunks(4 * 1024 * MB, 500 * MB)
    assert big.chunk_size == MAX_CHUNK  # too large: lowered to 64 MB
    assert big.total_chunk_count == (4 * 1024 * MB) // MAX_CHUNK
    assert max(length for _, length in big.ranges) <= MAX_LAST_CHUNK
    for size in (MIN_CHUNK, MIN_CHUNK + 1, 64_000_001, 127_999_999, 1_000_000_007):
        plan = plan_chunks(size)
        assert 1 <= plan.total_chunk_count <= 1000
        assert plan.total_chunk_count == len(plan.ranges) == max(1, size // plan.chunk_size)
        assert all(MIN_CHUNK <= length <= MAX_CHUNK for _, length in plan.ranges[:-1])
        assert plan.ranges[-1][1] <= MAX_LAST_CHUNK
        assert sum(length for _, length in plan.ranges) == size


def test_a_file_between_5_mb_and_one_chunk_goes_whole():
    plan = plan_chunks(12 * MB, 16_000_000)
    assert (plan.chunk_size, plan.total_chunk_count) == (12 * MB, 1)


def test_an_empty_file_is_refused_and_content_range_is_inclusive():
    with pytest.raises(ValueError):
        plan_chunks(0)
    assert content_range(0, 10, 30) == "bytes 0-9/30"
    assert content_range(20, 10, 30) == "bytes 20-29/30"


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def replay():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("tt") / "clip.mp4"
    make_clip(path, seconds=4, bitrate=400_000)
    return path


@pytest.fixture
def video(clip):
    found = probe(clip)
    return MediaItem(
        mime_type=found.mime_type,
        path=str(clip),
        url="https://smm.example.com/media/clip.mp4",
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


def make_adapter(**kw) -> TikTokAdapter:
    adapter = TikTokAdapter(AppCredentials(client_id="ttkey", client_secret="ttsecret"))
    adapter.pull_from_url = kw.get("pull_from_url", False)
    adapter.min_chunk = CHUNK  # a small clip in several chunks
    adapter.chunk_size = CHUNK
    return adapter


@pytest.fixture
def adapter():
    return make_adapter()


@pytest.fixture
def account(account_context):
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    return account_context(
        "tiktok",
        "open-1",
        handle="@brewco",
        credentials={
            "access_token": "act.1",
            "refresh_token": "rft.1",
            "username": "brewco",
            "access_expires_at": future,
        },
    )


class Attempt:
    """A PublishAttempt whose saved states are kept (what the database would hold), and
    which can make the worker die once a given number of chunks is saved."""

    def __init__(self, state=None, die_after_chunks=None):
        self.saved: list[dict] = []
        self.die_after_chunks = die_after_chunks
        self.attempt = PublishAttempt(idempotency_key="k-1", state=dict(state or {}), save_state=self.save)

    def save(self, state):
        self.saved.append(json.loads(json.dumps(state)))
        done = (state.get("tiktok") or {}).get("chunks_done")
        if self.die_after_chunks is not None and done == self.die_after_chunks:
            raise WorkerDied()

    @property
    def last(self) -> dict:
        return self.saved[-1]


class FakeTikTok:
    """The Content Posting API and its upload host, replayed as documented: records every
    init and every chunk it is sent (bytes, Content-Length, Content-Range)."""

    def __init__(self, replay, size: int):
        self.replay = replay
        self.size = size
        self.inits: list[dict] = []
        self.received: list[dict] = []
        self.creator = creator_data()
        self.init_answer: object = None  # an exception: the answer is lost
        self.put_status: dict[int, list] = {}  # chunk number -> statuses or exceptions, in turn
        self.statuses: list[dict] = [{"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [int(POST_ID)]}]
        self.videos: list[dict] = []
        self.creator_answers: list = []  # answers given before the creator info, in turn
        replay.add_callback(responses.POST, CREATOR, callback=self._creator)
        replay.add_callback(responses.POST, VIDEO_INIT, callback=self._init)
        replay.add_callback(responses.POST, PHOTO_INIT, callback=self._init)
        replay.add_callback(responses.PUT, UPLOAD, callback=self._put)
        replay.add_callback(responses.POST, STATUS, callback=self._status)
        replay.add_callback(
            responses.POST,
            VIDEO_LIST,
            callback=lambda r: (200, {}, ok({"videos": self.videos, "cursor": 0, "has_more": False})),
        )

    def _creator(self, request):
        return self.creator_answers.pop(0) if self.creator_answers else (200, {}, ok(self.creator))

    def _init(self, request):
        self.inits.append({"url": request.url, "body": json.loads(request.body)})
        if isinstance(self.init_answer, Exception):
            return self.init_answer
        if isinstance(self.init_answer, tuple):
            return self.init_answer
        data = {"publish_id": PUBLISH_ID}
        if request.url == VIDEO_INIT and self.inits[-1]["body"]["source_info"]["source"] == "FILE_UPLOAD":
            data["upload_url"] = UPLOAD
        return 200, {}, ok(data)

    def _put(self, request):
        body = request.body
        data = body.read() if hasattr(body, "read") else body
        number = len(self.received) + 1
        self.received.append(
            {
                "data": data,
                "length": int(request.headers["Content-Length"]),
                "range": request.headers["Content-Range"],
                "type": request.headers["Content-Type"],
                "auth": request.headers.get("Authorization"),
            }
        )
        queued = self.put_status.get(number)
        status = queued.pop(0) if queued else None
        if isinstance(status, Exception):
            return status
        if status is not None:
            return status, {}, refused("internal_error" if status >= 500 else "invalid_file_upload")
        last = int(request.headers["Content-Range"].split("-")[1].split("/")[0]) == self.size - 1
        return (201 if last else 206), {}, ""

    def _status(self, request):
        assert json.loads(request.body) == {"publish_id": PUBLISH_ID}
        data = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        if isinstance(data, Exception):
            return data  # the answer is lost
        return 200, {}, ok(data)

    def calls_to(self, url: str) -> list:
        return [c for c in self.replay.calls if c.request.url.startswith(url)]


def tiktok_post(video, text="Cold brew in 4 seconds #coffee", **options) -> PostContent:
    return PostContent(text=text, media=[video], options={"privacy_level": "PUBLIC_TO_EVERYONE", **options})


# --- video, FILE_UPLOAD --------------------------------------------------------------------------


def test_a_video_is_declared_sent_in_chunks_and_published(replay, adapter, account, video, clip):
    size = clip.stat().st_size
    network = FakeTikTok(replay, size)
    network.statuses = [
        {"status": "PROCESSING_UPLOAD", "uploaded_bytes": size},
        {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [int(POST_ID)]},
    ]
    attempt = Attempt()
    # when: the first run uploads and TikTok is still processing
    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    assert waiting.value.check_after == 10
    # creator_info first, then one init with what the chunk rules say
    assert replay.calls[0].request.url == CREATOR
    assert replay.calls[0].request.headers["Authorization"] == "Bearer act.1"
    plan = plan_chunks(size, CHUNK, min_chunk=CHUNK)
    assert plan.total_chunk_count >= 3
    [init] = network.inits
    assert init["body"] == {
        "post_info": {
            "title": "Cold brew in 4 seconds #coffee",
            "privacy_level": "PUBLIC_TO_EVERYONE",
            "disable_comment": True,  # no interaction is on unless chosen
            "disable_duet": True,
            "disable_stitch": True,
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
            "is_aigc": False,
        },
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": size,
            "chunk_size": plan.chunk_size,
            "total_chunk_count": plan.total_chunk_count,
        },
    }
    # each chunk once, in order, from disk, with its exact length and range; no token to the upload host
    whole = clip.read_bytes()
    assert len(network.received) == plan.total_chunk_count
    for got, (start, length) in zip(network.received, plan.ranges, strict=True):
        assert got["length"] == length == len(got["data"])
        assert got["data"] == whole[start : start + length]
        assert got["range"] == f"bytes {start}-{start + length - 1}/{size}"
        assert got["type"] == "video/mp4"
        assert got["auth"] is None
    assert b"".join(g["data"] for g in network.received) == whole
    # the publish id was kept the moment init answered, before any chunk
    first_with_id = next(s for s in attempt.saved if s["tiktok"].get("publish_id"))
    assert first_with_id["tiktok"]["chunks_done"] == 0
    assert attempt.last["tiktok"]["uploaded"] is True
    # when the engine runs it again: the status is asked, nothing is sent again
    result = make_adapter().publish(account, tiktok_post(video), Attempt(state=attempt.last).attempt)
    assert len(network.inits) == 1 and len(network.received) == plan.total_chunk_count
    assert result.remote_id == POST_ID
    assert result.url == f"https://www.tiktok.com/@brewco/video/{POST_ID}"


def test_each_chunk_is_remembered_as_it_completes(replay, adapter, account, video, clip):
    FakeTikTok(replay, clip.stat().st_size)
    attempt = Attempt()
    adapter.publish(account, tiktok_post(video), attempt.attempt)
    done = [s["tiktok"].get("chunks_done") for s in attempt.saved if "chunks_done" in s["tiktok"]]
    total = plan_chunks(clip.stat().st_size, CHUNK, min_chunk=CHUNK).total_chunk_count
    assert done[: total + 1] == list(range(total + 1))


def test_a_worker_killed_after_chunk_2_resumes_at_chunk_3_and_publishes_once(replay, adapter, account, video, clip):
    size = clip.stat().st_size
    network = FakeTikTok(replay, size)
    plan = plan_chunks(size, CHUNK, min_chunk=CHUNK)
    first = Attempt(die_after_chunks=2)
    with pytest.raises(WorkerDied):
        adapter.publish(account, tiktok_post(video), first.attempt)
    assert len(network.received) == 2
    # TikTok says how far it got; the new worker continues from the saved chunk
    network.statuses = [
        {"status": "PROCESSING_UPLOAD", "uploaded_bytes": plan.ranges[2][0]},
        {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [POST_ID]},
    ]
    network.received.clear()
    result = make_adapter().publish(account, tiktok_post(video), Attempt(state=first.last).attempt)
    whole = clip.read_bytes()
    assert [g["range"] for g in network.received] == [f"bytes {s}-{s + n - 1}/{size}" for s, n in plan.ranges[2:]]
    assert b"".join(g["data"] for g in network.received) == whole[plan.ranges[2][0] :]
    assert len(network.inits) == 1  # never initialised twice
    assert result.remote_id == POST_ID


def test_a_chunk_whose_answer_was_lost_is_not_sent_twice_when_tiktok_has_it(replay, adapter, account, video, clip):
    size = clip.stat().st_size
    network = FakeTikTok(replay, size)
    plan = plan_chunks(size, CHUNK, min_chunk=CHUNK)
    network.put_status[2] = [requests.ConnectionError("Connection reset by peer")]
    attempt = Attempt()
    with pytest.raises(Transient) as lost:
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    assert "part 2 of" in lost.value.user_message
    assert attempt.last["tiktok"]["chunks_done"] == 1
    # TikTok did receive chunk 2: the retry starts at chunk 3
    network.statuses = [
        {"status": "PROCESSING_UPLOAD", "uploaded_bytes": plan.ranges[2][0]},
        {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [POST_ID]},
    ]
    network.received.clear()
    make_adapter().publish(account, tiktok_post(video), Attempt(state=attempt.last).attempt)
    assert network.received[0]["range"].startswith(f"bytes {plan.ranges[2][0]}-")


def test_a_5xx_mid_chunk_is_transient_and_the_retry_continues_at_that_chunk(replay, adapter, account, video, clip):
    size = clip.stat().st_size
    network = FakeTikTok(replay, size)
    plan = plan_chunks(size, CHUNK, min_chunk=CHUNK)
    network.put_status[3] = [503]
    attempt = Attempt()
    with pytest.raises(Transient) as failed:
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    assert "part 3 of" in failed.value.user_message
    assert attempt.last["tiktok"]["chunks_done"] == 2
    network.statuses = [
        {"status": "PROCESSING_UPLOAD", "uploaded_bytes": plan.ranges[2][0]},
        {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [POST_ID]},
    ]
    network.received.clear()
    make_adapter().publish(account, tiktok_post(video), Attempt(state=attempt.last).attempt)
    assert [g["range"] for g in network.received][0] == content_range(*plan.ranges[2], size)
    assert len(network.inits) == 1


def test_a_refused_chunk_is_permanent_and_the_next_try_uploads_afresh(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.put_status[2] = [400]
    attempt = Attempt()
    with pytest.raises(Permanent) as refused_chunk:
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    assert "uploads the video afresh" in refused_chunk.value.user_message
    assert "publish_id" not in attempt.last["tiktok"]  # forgotten: that upload can never publish
    assert "init_sent_at" in attempt.last["tiktok"]


def test_processing_failed_is_permanent_in_plain_words(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.statuses = [{"status": "FAILED", "fail_reason": "frame_rate_check_failed"}]
    attempt = Attempt()
    with pytest.raises(Permanent) as failed:
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    assert failed.value.user_message == (
        "TikTok takes videos of 23 to 60 frames a second. Convert the video and try again."
    )
    assert "publish_id" not in attempt.last["tiktok"]


def test_an_unknown_fail_reason_is_still_said_in_words(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.statuses = [{"status": "FAILED", "fail_reason": "some_new_reason"}]
    with pytest.raises(Permanent) as failed:
        adapter.publish(account, tiktok_post(video), Attempt().attempt)
    assert failed.value.user_message == "TikTok could not publish the video (some new reason)."


def test_processing_for_over_30_minutes_gives_up(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.statuses = [{"status": "PROCESSING_UPLOAD"}]
    attempt = Attempt()
    with pytest.raises(StillProcessing):
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    state = attempt.last
    state["tiktok"]["processing_since"] = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)).isoformat()
    with pytest.raises(Permanent) as gave_up:
        make_adapter().publish(account, tiktok_post(video), Attempt(state=state).attempt)
    assert "over 30 minutes" in gave_up.value.user_message
    assert "Check the TikTok app" in gave_up.value.user_message


def test_a_public_post_under_review_waits_for_its_id(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.statuses = [{"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": []}]
    attempt = Attempt()
    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    assert "reviewing" in waiting.value.message
    # after two hours of review the post is recorded by its publish id and the profile's link
    state = attempt.last
    state["tiktok"]["processing_since"] = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat()
    result = make_adapter().publish(account, tiktok_post(video), Attempt(state=state).attempt)
    assert result.remote_id == PUBLISH_ID
    assert result.url == "https://www.tiktok.com/@brewco"


def test_a_private_post_completes_without_a_public_id(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.statuses = [{"status": "PUBLISH_COMPLETE"}]
    result = adapter.publish(account, tiktok_post(video, privacy_level="SELF_ONLY"), Attempt().attempt)
    assert result.remote_id == PUBLISH_ID
    assert network.inits[0]["body"]["post_info"]["privacy_level"] == "SELF_ONLY"


def test_a_video_longer_than_the_creator_may_post_is_refused_before_init(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.creator = creator_data(max_video_post_duration_sec=3)
    with pytest.raises(Permanent) as refused_video:
        adapter.publish(account, tiktok_post(video), Attempt().attempt)
    assert "at most 3 seconds" in refused_video.value.user_message
    assert network.inits == []


def test_interactions_the_creator_turned_off_stay_off(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.creator = creator_data(duet_disabled=True)
    adapter.publish(account, tiktok_post(video, allow_comment=True, allow_stitch=True), Attempt().attempt)
    info = network.inits[0]["body"]["post_info"]
    assert (info["disable_comment"], info["disable_duet"], info["disable_stitch"]) == (False, True, False)


def test_a_privacy_the_creator_no_longer_offers_is_refused_before_init(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.creator = creator_data(options=("MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"))
    with pytest.raises(Permanent) as refused_privacy:
        adapter.publish(account, tiktok_post(video), Attempt().attempt)
    assert "“Everyone” is not one of them" in refused_privacy.value.user_message
    assert network.inits == []


def test_an_unaudited_app_is_told_before_init_not_as_a_network_failure(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.creator = creator_data(options=("SELF_ONLY",))
    with pytest.raises(Permanent) as private:
        adapter.publish(account, tiktok_post(video), Attempt().attempt)
    assert "only as “Only me”" in private.value.user_message
    assert network.inits == []


# --- video, PULL_FROM_URL ----------------------------------------------------------------------


def test_pull_from_url_sends_the_public_url_and_no_bytes(replay, account, video, clip):
    adapter = make_adapter(pull_from_url=True)
    network = FakeTikTok(replay, clip.stat().st_size)
    network.statuses = [
        {"status": "PROCESSING_DOWNLOAD", "downloaded_bytes": 10},
        {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": POST_ID},  # a bare value, not a list
    ]
    attempt = Attempt()
    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    assert waiting.value.message == "TikTok is fetching the post"
    assert network.inits[0]["body"]["source_info"] == {
        "source": "PULL_FROM_URL",
        "video_url": "https://smm.example.com/media/clip.mp4",
    }
    assert network.received == []
    result = make_adapter(pull_from_url=True).publish(account, tiktok_post(video), Attempt(state=attempt.last).attempt)
    assert result.remote_id == POST_ID


def test_an_unverified_domain_is_said_plainly(replay, account, video, clip):
    adapter = make_adapter(pull_from_url=True)
    network = FakeTikTok(replay, clip.stat().st_size)
    network.init_answer = (403, {}, refused("url_ownership_unverified", "URL ownership not verified"))
    with pytest.raises(Permanent) as refused_url:
        adapter.publish(account, tiktok_post(video), Attempt().attempt)
    assert "not verified for SMM's TikTok app" in refused_url.value.user_message


# --- photos --------------------------------------------------------------------------------------


def photo(n: int, mime="image/jpeg") -> MediaItem:
    return MediaItem(mime_type=mime, data=b"x", url=f"https://smm.example.com/media/p{n}.jpg", size=1000)


def test_a_carousel_of_photos_goes_by_url_with_a_title(replay, account):
    adapter = make_adapter(pull_from_url=True)
    network = FakeTikTok(replay, 0)
    content = PostContent(
        text="Three roasts, one morning",
        media=[photo(1), photo(2), photo(3)],
        options={"privacy_level": "FOLLOWER_OF_CREATOR", "photo_title": "Roasts", "auto_add_music": "on"},
    )
    result = adapter.publish(account, content, Attempt().attempt)
    [init] = network.inits
    assert init["url"] == PHOTO_INIT
    assert init["body"] == {
        "post_info": {
            "title": "Roasts",
            "description": "Three roasts, one morning",
            "privacy_level": "FOLLOWER_OF_CREATOR",
            "disable_comment": True,
            "auto_add_music": True,
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
        },
        "source_info": {
            "source": "PULL_FROM_URL",
            "photo_cover_index": 0,
            "photo_images": [f"https://smm.example.com/media/p{n}.jpg" for n in (1, 2, 3)],
        },
        "post_mode": "DIRECT_POST",
        "media_type": "PHOTO",
    }
    assert result.url == f"https://www.tiktok.com/@brewco/photo/{POST_ID}"


def test_photos_need_the_verified_domain_and_jpeg_or_webp(account):
    adapter = make_adapter(pull_from_url=False)
    content = PostContent(text="x", media=[photo(1), photo(2, "image/png")], options={"privacy_level": "SELF_ONLY"})
    codes = {p.code for p in adapter.validate(content)}
    assert {"photos_need_verified_domain", "media_type"} <= codes
    adapter.pull_from_url = True
    assert {p.code for p in adapter.validate(content)} == {"media_type"}


def test_a_photo_that_cannot_be_fetched_fails_in_words(replay, account):
    adapter = make_adapter(pull_from_url=True)
    network = FakeTikTok(replay, 0)
    network.statuses = [{"status": "FAILED", "fail_reason": "photo_pull_failed"}]
    content = PostContent(text="x", media=[photo(1)], options={"privacy_level": "SELF_ONLY"})
    with pytest.raises(Permanent) as failed:
        adapter.publish(account, content, Attempt().attempt)
    assert failed.value.user_message == "TikTok could not fetch the photos from this site. Try again later."


# --- a lost init answer --------------------------------------------------------------------------


def test_a_lost_init_answer_is_looked_up_in_the_creators_videos(replay, account, video, clip):
    adapter = make_adapter(pull_from_url=True)
    network = FakeTikTok(replay, clip.stat().st_size)
    network.init_answer = requests.ConnectionError("Connection reset by peer")
    attempt = Attempt()
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    state = attempt.last
    assert "publish_id" not in state["tiktok"] and state["tiktok"]["init_sent_at"]
    # the video is there, with our caption, made after we sent init
    now = int(dt.datetime.now(dt.UTC).timestamp())
    network.videos = [
        {"id": "7300000000000000001", "title": "Cold brew in 4 seconds #coffee", "create_time": now - 86400},
        {"id": POST_ID, "title": "Cold brew in 4 seconds  #coffee", "create_time": now},
    ]
    found = adapter.lookup_published(account, tiktok_post(video), Attempt(state=state).attempt)
    assert found.remote_id == POST_ID  # the older one with the same caption is not ours
    listing = network.calls_to(VIDEO_LIST)[0].request
    assert "fields=" in listing.url and json.loads(listing.body) == {"max_count": 20}


def test_a_lost_init_not_found_yet_is_looked_at_again_then_sent_again(replay, account, video, clip):
    adapter = make_adapter(pull_from_url=True)
    FakeTikTok(replay, clip.stat().st_size)
    state = {"tiktok": {"init_sent_at": dt.datetime.now(dt.UTC).isoformat(), "source": "PULL_FROM_URL"}}
    with pytest.raises(Transient):  # TikTok may still be fetching it: look again shortly
        adapter.lookup_published(account, tiktok_post(video), Attempt(state=state).attempt)
    state["tiktok"]["init_sent_at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)).isoformat()
    assert adapter.lookup_published(account, tiktok_post(video), Attempt(state=state).attempt) is None


def test_a_lost_file_upload_init_cannot_have_published(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    state = {"tiktok": {"init_sent_at": dt.datetime.now(dt.UTC).isoformat(), "source": "FILE_UPLOAD"}}
    assert adapter.lookup_published(account, tiktok_post(video), Attempt(state=state).attempt) is None
    assert len(network.calls_to(VIDEO_LIST)) == 1  # looked anyway, as the docs advise


def test_a_lost_answer_after_init_is_resolved_by_the_publish_id(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.statuses = [{"status": "PROCESSING_UPLOAD"}]
    attempt = Attempt()
    with pytest.raises(StillProcessing):
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    # still processing: not found, and publish carries on with the same publish id
    assert adapter.lookup_published(account, tiktok_post(video), Attempt(state=attempt.last).attempt) is None
    network.statuses = [{"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [POST_ID]}]
    found = adapter.lookup_published(account, tiktok_post(video), Attempt(state=attempt.last).attempt)
    assert found.remote_id == POST_ID
    assert network.calls_to(VIDEO_LIST) == []
    assert len(network.inits) == 1


def test_nothing_sent_means_nothing_to_look_up(adapter, account, video):
    assert adapter.lookup_published(account, tiktok_post(video), Attempt().attempt) is None


# --- errors on init --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "error_class", "words"),
    [
        (403, "spam_risk_too_many_posts", RateLimited, "only so many posts a day"),
        (429, "rate_limit_exceeded", RateLimited, "slow down"),
        (400, "privacy_level_option_mismatch", Permanent, "Choose who can see it again"),
        (403, "unaudited_client_can_only_post_to_private_accounts", Permanent, "only as “Only me”"),
        (400, "duration_check_failed", Permanent, "length is outside"),
        (400, "frame_rate_check_failed", Permanent, "23 to 60 frames"),
        (400, "file_format_check_failed", Permanent, "Convert it to MP4"),
        (500, "internal_error", Transient, "problem on its side"),
        (403, "scope_not_authorized", AuthExpired, "Reconnect the account"),
    ],
)
def test_init_errors_are_classed_and_worded(replay, adapter, account, video, clip, status, code, error_class, words):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.init_answer = (status, {}, refused(code))
    with pytest.raises(error_class) as raised:
        adapter.publish(account, tiktok_post(video), Attempt().attempt)
    assert type(raised.value) is error_class
    assert words in raised.value.user_message
    assert code in raised.value.message
    if code == "spam_risk_too_many_posts":
        assert raised.value.retry_after == 24 * 3600
    if code == "rate_limit_exceeded":
        assert raised.value.retry_after == 60


def test_a_429_with_retry_after_waits_that_long(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.init_answer = (429, {"Retry-After": "17"}, refused("rate_limit_exceeded"))
    with pytest.raises(RateLimited) as raised:
        adapter.publish(account, tiktok_post(video), Attempt().attempt)
    assert raised.value.retry_after == 17


def test_an_invalid_token_is_refreshed_once_and_the_call_repeated(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.creator_answers = [(401, {}, refused("access_token_invalid"))]
    replay.add(
        responses.POST,
        f"{API}/v2/oauth/token/",
        json={
            "access_token": "act.2",
            "expires_in": 7200,
            "open_id": "open-1",
            "refresh_expires_in": 15552000,
            "refresh_token": "rft.2",
            "scope": "video.publish",
            "token_type": "Bearer",
        },
    )
    adapter.publish(account, tiktok_post(video), Attempt().attempt)
    creator_calls = network.calls_to(CREATOR)
    assert [c.request.headers["Authorization"] for c in creator_calls[-2:]] == ["Bearer act.1", "Bearer act.2"]
    assert account.saved[-1]["refresh_token"] == "rft.2"  # the rotated one, stored at once
    assert network.calls_to(VIDEO_INIT)[0].request.headers["Authorization"] == "Bearer act.2"


def test_an_invalid_token_that_does_not_refresh_needs_reconnecting(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.creator_answers = [(401, {}, refused("access_token_invalid"))]
    replay.add(
        responses.POST,
        f"{API}/v2/oauth/token/",
        status=400,
        json={"error": "invalid_grant", "error_description": "Refresh token is invalid or expired.", "log_id": "x"},
    )
    with pytest.raises(AuthExpired) as expired:
        adapter.publish(account, tiktok_post(video), Attempt().attempt)
    assert "reconnect" in expired.value.user_message.lower()


def test_a_lost_status_answer_is_an_unknown_outcome_the_publish_id_resolves(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.statuses = [
        requests.ConnectionError("Connection reset by peer"),
        {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [POST_ID]},
    ]
    attempt = Attempt()
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    found = adapter.lookup_published(account, tiktok_post(video), Attempt(state=attempt.last).attempt)
    assert found.remote_id == POST_ID
    assert len(network.inits) == 1


def test_a_lost_creator_info_answer_sent_nothing(replay, adapter, account, video, clip):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.creator_answers = [requests.ConnectionError("Connection reset by peer")]
    attempt = Attempt()
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    assert network.inits == []
    assert adapter.lookup_published(account, tiktok_post(video), attempt.attempt) is None


def test_a_fully_uploaded_video_is_followed_to_its_end_even_if_the_post_changed(
    replay, adapter, account, video, clip, tmp_path
):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.statuses = [{"status": "PROCESSING_UPLOAD"}]
    attempt = Attempt()
    with pytest.raises(StillProcessing):
        adapter.publish(account, tiktok_post(video), attempt.attempt)
    other = tmp_path / "other.mp4"
    make_clip(other, seconds=4, bitrate=300_000)
    replaced = MediaItem(**{**video.__dict__, "path": str(other), "size": other.stat().st_size})
    network.statuses = [{"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [POST_ID]}]
    result = make_adapter().publish(account, tiktok_post(replaced), Attempt(state=attempt.last).attempt)
    assert result.remote_id == POST_ID and len(network.inits) == 1


def test_a_video_replaced_mid_upload_is_uploaded_afresh(replay, adapter, account, video, clip, tmp_path):
    network = FakeTikTok(replay, clip.stat().st_size)
    first = Attempt(die_after_chunks=1)
    with pytest.raises(WorkerDied):
        adapter.publish(account, tiktok_post(video), first.attempt)
    other = tmp_path / "other.mp4"
    make_clip(other, seconds=4, bitrate=300_000)
    replaced = MediaItem(**{**video.__dict__, "path": str(other), "size": other.stat().st_size})
    network.size = other.stat().st_size
    make_adapter().publish(account, tiktok_post(replaced), Attempt(state=first.last).attempt)
    assert len(network.inits) == 2
    assert network.inits[1]["body"]["source_info"]["video_size"] == other.stat().st_size


def test_an_unaudited_refusal_is_kept_for_the_account_page_until_a_public_post_goes_out(
    replay, adapter, account, video, clip
):
    network = FakeTikTok(replay, clip.stat().st_size)
    network.init_answer = (403, {}, refused("unaudited_client_can_only_post_to_private_accounts"))
    with pytest.raises(Permanent):
        adapter.publish(account, tiktok_post(video), Attempt().attempt)
    assert account.saved[-1]["tiktok_unaudited_seen"]
    # the daily creator info carries it into the account's limits: the page and composer say it
    limits = adapter.account_limits(account)
    assert limits["tiktok_creator"]["unaudited_seen"] is True
    assert "only as “Only me”" in TikTokAdapter.account_notice(limits)
    # once the app is audited and a public post goes out, the notice goes
    network.init_answer = None
    make_adapter().publish(account, tiktok_post(video), Attempt().attempt)
    assert account.saved[-1]["tiktok_unaudited_seen"] is None
    assert TikTokAdapter.account_notice(make_adapter().account_limits(account)) == ""
