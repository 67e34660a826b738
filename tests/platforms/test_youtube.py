"""YouTube against the documented Data API v3 shapes: Google OAuth, the resumable upload
(session, chunks answered 308 + Range, ``bytes */TOTAL`` after an interruption, 200 with the
video), the video's processing status, lookups, statistics, comment threads and replies,
and Google's JSON errors (quotaExceeded, uploadLimitExceeded, invalid_grant)."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from posts.video import make_clip, probe
from smm.platforms.base import (
    AccountContext,
    AppCredentials,
    AuthExpired,
    InboxItem,
    MediaItem,
    OutcomeUnknown,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    StillProcessing,
    Transient,
)
from smm.platforms.youtube import (
    API,
    CHUNK_QUANTUM,
    TOKEN_URL,
    UPLOAD_URL,
    YouTubeAdapter,
    chunk_plan,
    next_reset,
    youtube_error,
)

CHANNEL = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
UPLOADS = "UU_x5XG1OV2P6uZZ5FSM9Ttw"
VIDEO_ID = "dQw4w9WgXcQ"
SESSION = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=xa298sd_f"
CHUNK = 16 * 1024
OPTIONS = {"title": "Spring launch", "made_for_kids": "no", "privacy": "public", "tags": "launch, spring"}


class WorkerDied(BaseException):
    """A killed worker: it stops mid-flow."""


@pytest.fixture
def replay():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("yt") / "clip.mp4"
    make_clip(path, seconds=2, width=320, height=568, bitrate=300_000)  # vertical and short: a Short
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
def spent():
    return []


@pytest.fixture
def adapter(spent):
    adapter = YouTubeAdapter(AppCredentials(client_id="yt1.apps.googleusercontent.com", client_secret="ytsecret"))
    adapter.chunk_size = CHUNK
    adapter.count_quota = lambda bucket, units: spent.append((bucket, units))
    return adapter


@pytest.fixture
def account(saved):
    far = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    return AccountContext(
        network="youtube",
        remote_id=CHANNEL,
        credentials={
            "access_token": "ya29.a0",
            "refresh_token": "1//0refresh",
            "access_expires_at": far,
            "channel_id": CHANNEL,
            "uploads_playlist": UPLOADS,
        },
        save_credentials=saved.append,
    )


def attempt_with(states: list) -> PublishAttempt:
    return PublishAttempt(idempotency_key="k1", save_state=lambda state: states.append(json.loads(json.dumps(state))))


class Session:
    """YouTube's side of a resumable session: keeps the bytes, answers 308 + Range until
    complete, then 200 with the video; ``bytes */TOTAL`` asks where it stands."""

    def __init__(self, total: int, *, video_id: str = VIDEO_ID):
        self.total = total
        self.received = bytearray()
        self.video_id = video_id
        self.ranges: list[str] = []
        self.lengths: list[int] = []
        self.fail_next: list[int] = []  # statuses to answer the next chunk PUTs with
        self.gone = False

    def __call__(self, request):
        if self.gone:
            return (404, {}, json.dumps({"error": {"code": 404, "message": "Not Found"}}))
        content_range = request.headers["Content-Range"]
        self.ranges.append(content_range)
        if content_range == f"bytes */{self.total}":
            return self._where()
        body = request.body
        data = body.read() if hasattr(body, "read") else (body or b"")
        self.lengths.append(int(request.headers["Content-Length"]))
        if self.fail_next:
            return (self.fail_next.pop(0), {}, json.dumps({"error": {"code": 503, "message": "Backend Error"}}))
        first, last, total = map(int, re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range).groups())
        assert total == self.total and first == len(self.received) and last - first + 1 == len(data)
        self.received += data
        return self._where()

    def _where(self):
        if len(self.received) >= self.total:
            return (
                200,
                {},
                json.dumps({"kind": "youtube#video", "id": self.video_id, "status": {"uploadStatus": "uploaded"}}),
            )
        headers = {"Range": f"bytes=0-{len(self.received) - 1}"} if self.received else {}
        return (308, headers, "")


def register_upload(replay, session, init_calls: list):
    def init(request):
        init_calls.append(request)
        return (200, {"Location": SESSION}, "")

    replay.add_callback(responses.POST, UPLOAD_URL, callback=init)
    replay.add_callback(responses.PUT, SESSION, callback=session)


def register_status(replay, *statuses: dict):
    for status in statuses:
        replay.add(
            responses.GET,
            f"{API}/videos",
            json={"items": [{"id": VIDEO_ID, "status": status}]},
            match=[responses.matchers.query_param_matcher({"part": "status,processingDetails", "id": VIDEO_ID})],
        )


def content_with(video, **options):
    return PostContent(text="Our spring range is here.", media=[video], options={**OPTIONS, **options})


# --- content rules and options ------------------------------------------------------------------


def test_a_title_and_the_made_for_kids_answer_are_required(adapter, video):
    problems = adapter.validate(PostContent(text="Hello", media=[video]))
    codes = {p.code for p in problems}
    assert {"title_required", "made_for_kids_required"} <= codes
    assert adapter.validate(content_with(video)) == []


def test_title_limits_and_angle_brackets(adapter, video):
    long = adapter.validate(content_with(video, title="x" * 103))
    assert [p.message for p in long if p.code == "title_too_long"] == [
        "The title is 3 characters over YouTube's 100-character limit."
    ]
    assert any(p.code == "title_chars" for p in adapter.validate(content_with(video, title="A <b> title")))
    assert any(
        p.code == "angle_brackets"
        for p in adapter.validate(PostContent(text="I <3 it", media=[video], options=OPTIONS))
    )


def test_a_link_joins_the_description(adapter, video):
    content = PostContent(text="Watch this.", media=[video], options=OPTIONS, link="https://acme.example/spring")
    assert adapter.video_body(content)["snippet"]["description"] == "Watch this.\n\nhttps://acme.example/spring"
    assert adapter.description(PostContent(text="At https://acme.example", link="https://acme.example")) == (
        "At https://acme.example"
    )


def test_a_video_is_required_and_images_are_refused(adapter):
    image = MediaItem(mime_type="image/jpeg", data=b"\xff\xd8")
    codes = {p.code for p in adapter.validate(PostContent(text="x", media=[image], options=OPTIONS))}
    assert {"media_type", "media_required"} <= codes


def test_clean_options_shapes_what_is_sent(adapter):
    cleaned = adapter.clean_options(
        {
            "title": "  Hi ",
            "tags": "#one, two ,,one",
            "privacy": "UNLISTED",
            "notify_subscribers": "",
            "schedule_with": "smm",
            "publish_at": "2030-01-01T10:00:00Z",
            "junk": 1,
        }
    )
    assert cleaned == {"title": "Hi", "tags": ["one", "two"], "privacy": "unlisted"}
    assert adapter.clean_options({"notify_subscribers": False}) == {"notify_subscribers": False}


def test_youtube_scheduling_needs_a_time_and_a_private_upload(adapter, video):
    codes = {p.code for p in adapter.validate(content_with(video, schedule_with="youtube"))}
    assert "publish_at_required" in codes
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat()
    codes = {p.code for p in adapter.validate(content_with(video, schedule_with="youtube", publish_at=later))}
    assert "publish_at_privacy" in codes
    content = content_with(video, schedule_with="youtube", publish_at=later, privacy="private")
    assert adapter.validate(content) == []
    status = adapter.video_body(content)["status"]
    assert status["privacyStatus"] == "private" and status["publishAt"].endswith("Z")


def test_a_late_youtube_schedule_goes_public_now(adapter, video):
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    body = adapter.video_body(content_with(video, schedule_with="youtube", publish_at=past, privacy="private"))
    assert body["status"] == {"privacyStatus": "public", "selfDeclaredMadeForKids": False}


def test_a_vertical_short_video_gets_the_shorts_note(adapter, video):
    assert "Short" in adapter.notes(content_with(video))[0]
    wide = MediaItem(mime_type="video/mp4", path="x", width=1920, height=1080, duration=30)
    assert adapter.notes(content_with(wide)) == []


# --- chunk planner and offsets ---------------------------------------------------------------------


def test_chunk_plan_uses_multiples_of_256_kib_and_resumes_at_an_offset():
    total = 3 * CHUNK_QUANTUM + 100
    assert chunk_plan(total, 0, CHUNK_QUANTUM + 1000) == [
        (0, CHUNK_QUANTUM),
        (CHUNK_QUANTUM, CHUNK_QUANTUM),
        (2 * CHUNK_QUANTUM, CHUNK_QUANTUM),
        (3 * CHUNK_QUANTUM, 100),
    ]
    assert chunk_plan(total, 2 * CHUNK_QUANTUM, 2 * CHUNK_QUANTUM) == [(2 * CHUNK_QUANTUM, CHUNK_QUANTUM + 100)]
    assert chunk_plan(total, total, CHUNK_QUANTUM) == []


def test_the_class_chunk_size_is_a_multiple_of_256_kib():
    assert YouTubeAdapter.chunk_size % CHUNK_QUANTUM == 0


# --- connection ------------------------------------------------------------------------------------------


def test_authorization_url_asks_offline_consent_with_pkce(adapter):
    url = adapter.authorization_url(redirect_uri="https://smm.example/cb", state="s1", code_verifier="v" * 50)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == ["yt1.apps.googleusercontent.com"]
    assert "https://www.googleapis.com/auth/youtube.upload" in query["scope"][0].split()


def test_exchange_code_reads_the_channel(adapter, replay):
    replay.add(
        responses.POST,
        TOKEN_URL,
        json={"access_token": "ya29.new", "expires_in": 3599, "refresh_token": "1//r", "token_type": "Bearer"},
    )
    replay.add(
        responses.GET,
        f"{API}/channels",
        json={
            "items": [
                {
                    "id": CHANNEL,
                    "snippet": {
                        "title": "Acme",
                        "customUrl": "@acme",
                        "thumbnails": {"default": {"url": "https://yt3.ggpht.com/a"}},
                    },
                    "contentDetails": {"relatedPlaylists": {"uploads": UPLOADS}},
                }
            ]
        },
    )
    connected = adapter.exchange_code(code="4/0c", redirect_uri="https://smm.example/cb", code_verifier="v" * 50)
    form = parse_qs(replay.calls[0].request.body)
    assert form["code_verifier"] == ["v" * 50] and form["grant_type"] == ["authorization_code"]
    assert connected.remote_id == CHANNEL and connected.handle == "@acme" and connected.display_name == "Acme"
    assert connected.credentials["uploads_playlist"] == UPLOADS and connected.credentials["refresh_token"] == "1//r"
    assert "expires_at" not in connected.credentials and connected.token_expires_at is None
    assert replay.calls[1].request.headers["Authorization"] == "Bearer ya29.new"


def test_exchange_code_without_a_channel_says_so(adapter, replay):
    replay.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.new", "expires_in": 3599})
    replay.add(responses.GET, f"{API}/channels", json={"items": []})
    with pytest.raises(Permanent) as caught:
        adapter.exchange_code(code="c", redirect_uri="https://smm.example/cb", code_verifier="v" * 50)
    assert "no YouTube channel" in caught.value.user_message


def test_refresh_keeps_the_refresh_token_and_stores_a_rotated_one(adapter, account, replay, saved):
    replay.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.b", "expires_in": 3599})
    adapter.refresh(account)
    assert saved[-1]["access_token"] == "ya29.b" and saved[-1]["refresh_token"] == "1//0refresh"
    replay.replace(
        responses.POST, TOKEN_URL, json={"access_token": "ya29.c", "expires_in": 3599, "refresh_token": "1//new"}
    )
    adapter.refresh(account)
    assert saved[-1]["refresh_token"] == "1//new"


def test_a_revoked_refresh_token_means_reconnecting(adapter, account, replay):
    replay.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    with pytest.raises(AuthExpired) as caught:
        adapter.refresh(account)
    assert "reconnect" in caught.value.user_message


def test_an_access_token_about_to_expire_is_renewed_before_the_call(adapter, account, replay, saved):
    account.credentials["access_expires_at"] = dt.datetime.now(dt.UTC).isoformat()
    replay.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.fresh", "expires_in": 3599})
    replay.add(responses.GET, f"{API}/channels", json={"items": [{"statistics": {"subscriberCount": "12"}}]})
    assert adapter.fetch_account_metrics(account).followers == 12
    assert replay.calls[1].request.headers["Authorization"] == "Bearer ya29.fresh"


# --- publishing: the resumable upload ------------------------------------------------------------------


def test_publish_uploads_in_chunks_then_waits_for_processing(adapter, account, video, replay, spent, clip):
    size = clip.stat().st_size
    session, inits, states = Session(size), [], []
    register_upload(replay, session, inits)
    register_status(replay, {"uploadStatus": "uploaded"}, {"uploadStatus": "processed", "privacyStatus": "public"})
    attempt = attempt_with(states)
    content = content_with(video)

    with pytest.raises(StillProcessing):
        adapter.publish(account, content, attempt)

    # the session was remembered before any byte, then the offset after each chunk
    assert states[0]["yt"]["session"] == SESSION and states[0]["yt"]["offset"] == 0
    assert bytes(session.received) == clip.read_bytes()
    assert session.lengths[:-1] == [CHUNK] * (len(session.lengths) - 1) and sum(session.lengths) == size
    assert [s["yt"]["offset"] for s in states[1:-2]] == [CHUNK * n for n in range(1, len(session.lengths))]
    init = inits[0]
    assert init.headers["X-Upload-Content-Length"] == str(size)
    assert init.headers["X-Upload-Content-Type"] == "video/mp4"
    assert parse_qs(urlsplit(init.url).query) == {"uploadType": ["resumable"], "part": ["snippet,status"]}
    assert json.loads(init.body) == {
        "snippet": {
            "title": "Spring launch",
            "description": "Our spring range is here.",
            "categoryId": "22",
            "tags": ["launch", "spring"],
        },
        "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False},
    }
    # the next call asks the status once and publishes; nothing is uploaded again
    result = adapter.publish(account, content, attempt)
    assert result.remote_id == VIDEO_ID and result.url == f"https://www.youtube.com/shorts/{VIDEO_ID}"
    assert len(inits) == 1
    assert ("videos.insert", 1) in spent and spent.count(("videos.insert", 1)) == 1


def test_a_worker_killed_mid_upload_resumes_where_youtube_says(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    session, inits, states = Session(size), [], []
    register_upload(replay, session, inits)
    register_status(replay, {"uploadStatus": "processed"})
    attempt = attempt_with(states)

    def die_after_two(state):
        states.append(json.loads(json.dumps(state)))
        if state["yt"].get("offset") == 2 * CHUNK:
            raise WorkerDied

    attempt.save_state = die_after_two
    with pytest.raises(WorkerDied):
        adapter.publish(account, content_with(video), attempt)
    # a new worker gets the saved state only
    resumed = PublishAttempt(idempotency_key="k1", state=json.loads(json.dumps(states[-1])))
    result = adapter.publish(account, content_with(video), resumed)
    assert result.remote_id == VIDEO_ID
    assert len(inits) == 1 and bytes(session.received) == clip.read_bytes()
    query = session.ranges.index(f"bytes */{size}")
    assert session.ranges[query + 1].startswith(f"bytes {2 * CHUNK}-")


def test_a_5xx_mid_chunk_is_transient_and_the_next_call_asks_the_session(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    session, inits, states = Session(size), [], []
    session.fail_next = []
    calls = {"n": 0}

    def flaky(request):
        calls["n"] += 1
        if calls["n"] == 2:
            error = {"error": {"code": 503, "message": "Backend Error", "errors": [{"reason": "backendError"}]}}
            return (503, {}, json.dumps(error))
        return session(request)

    register_upload(replay, flaky, inits)
    register_status(replay, {"uploadStatus": "processed"})
    attempt = attempt_with(states)
    with pytest.raises(Transient) as caught:
        adapter.publish(account, content_with(video), attempt)
    assert "carry on" in caught.value.user_message
    result = adapter.publish(account, content_with(video), attempt)
    assert result.remote_id == VIDEO_ID and len(inits) == 1
    assert f"bytes */{size}" in session.ranges
    assert bytes(session.received) == clip.read_bytes()


def test_a_lost_answer_on_a_chunk_resumes_from_the_session(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    session, inits, states = Session(size), [], []
    calls = {"n": 0}

    def cut(request):
        calls["n"] += 1
        answer = session(request)
        if calls["n"] == 2:
            raise requests.ReadTimeout("read timed out")  # YouTube got the bytes; we never heard
        return answer

    register_upload(replay, cut, inits)
    register_status(replay, {"uploadStatus": "processed"})
    attempt = attempt_with(states)
    with pytest.raises(Transient):
        adapter.publish(account, content_with(video), attempt)
    assert adapter.publish(account, content_with(video), attempt).remote_id == VIDEO_ID
    assert bytes(session.received) == clip.read_bytes() and len(inits) == 1


def test_a_finished_session_answers_with_the_video_and_nothing_is_sent_again(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    session = Session(size)
    session.received = bytearray(clip.read_bytes())
    replay.add_callback(responses.PUT, SESSION, callback=session)
    register_status(replay, {"uploadStatus": "processed"})
    attempt = PublishAttempt(idempotency_key="k", state={"yt": {"session": SESSION, "size": size, "offset": 64}})
    assert adapter.publish(account, content_with(video), attempt).remote_id == VIDEO_ID
    assert session.ranges == [f"bytes */{size}"] and session.lengths == []


def test_a_gone_session_finds_the_video_in_the_uploads_before_uploading_again(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    session = Session(size)
    session.gone = True
    inits: list = []
    replay.add_callback(
        responses.POST, UPLOAD_URL, callback=lambda r: inits.append(r) or (200, {"Location": SESSION}, "")
    )
    replay.add_callback(responses.PUT, SESSION, callback=session)
    started = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    replay.add(
        responses.GET,
        f"{API}/playlistItems",
        json={
            "items": [
                {
                    "snippet": {"title": "Spring launch", "publishedAt": (started - dt.timedelta(days=3)).isoformat()},
                    "contentDetails": {"videoId": "olderOne111"},
                },
                {
                    "snippet": {
                        "title": "Spring launch",
                        "publishedAt": (started + dt.timedelta(minutes=2)).isoformat(),
                    },
                    "contentDetails": {"videoId": VIDEO_ID},
                },
            ]
        },
    )
    register_status(replay, {"uploadStatus": "processed"})
    attempt = PublishAttempt(
        idempotency_key="k",
        state={
            "yt": {
                "session": SESSION,
                "size": size,
                "offset": 0,
                "title": "Spring launch",
                "started_at": started.isoformat(),
            }
        },
    )
    assert adapter.publish(account, content_with(video), attempt).remote_id == VIDEO_ID
    assert inits == []
    assert parse_qs(urlsplit(replay.calls[1].request.url).query)["playlistId"] == [UPLOADS]


def test_a_gone_session_with_no_video_in_the_uploads_starts_one_new_upload(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    old = Session(size)
    old.gone = True
    fresh_url = SESSION + "2"
    fresh = Session(size)
    replay.add_callback(responses.PUT, SESSION, callback=old)
    replay.add(responses.POST, UPLOAD_URL, headers={"Location": fresh_url})
    replay.add_callback(responses.PUT, fresh_url, callback=fresh)
    replay.add(responses.GET, f"{API}/playlistItems", json={"items": []})
    register_status(replay, {"uploadStatus": "processed"})
    attempt = PublishAttempt(
        idempotency_key="k",
        state={
            "yt": {"session": SESSION, "size": size, "offset": 0, "started_at": dt.datetime.now(dt.UTC).isoformat()}
        },
    )
    assert adapter.publish(account, content_with(video), attempt).remote_id == VIDEO_ID
    assert bytes(fresh.received) == clip.read_bytes()


def test_a_lost_answer_to_the_session_request_opens_another_session(adapter, account, video, replay, clip):
    # No video exists before its bytes are sent: a second session costs nothing more.
    size = clip.stat().st_size
    session = Session(size)
    replay.add(responses.POST, UPLOAD_URL, body=requests.ReadTimeout("lost"))
    replay.add(responses.POST, UPLOAD_URL, headers={"Location": SESSION})
    replay.add_callback(responses.PUT, SESSION, callback=session)
    register_status(replay, {"uploadStatus": "processed"})
    attempt = attempt_with([])
    with pytest.raises(Transient):
        adapter.publish(account, content_with(video), attempt)
    assert adapter.publish(account, content_with(video), attempt).remote_id == VIDEO_ID


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ({"uploadStatus": "failed", "failureReason": "codec"}, "codec YouTube does not play"),
        ({"uploadStatus": "rejected", "rejectionReason": "duplicate"}, "already has the same video"),
    ],
)
def test_failed_or_rejected_processing_is_a_failure_in_words(adapter, account, video, replay, status, words):
    register_status(replay, status)
    attempt = PublishAttempt(idempotency_key="k", state={"yt": {"video_id": VIDEO_ID, "size": video.byte_size}})
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, content_with(video), attempt)
    assert words in caught.value.user_message


def test_processing_for_too_long_gives_up(adapter, account, video, replay):
    register_status(replay, {"uploadStatus": "uploaded"})
    since = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat()
    attempt = PublishAttempt(
        idempotency_key="k", state={"yt": {"video_id": VIDEO_ID, "size": video.byte_size, "processing_since": since}}
    )
    with pytest.raises(Permanent) as caught:
        adapter.publish(account, content_with(video), attempt)
    assert "over two hours" in caught.value.user_message


# --- errors --------------------------------------------------------------------------------------------------


def google_error(status: int, reason: str, domain: str = "youtube.quota") -> responses.Response:
    return {
        "error": {
            "code": status,
            "message": f"{reason} happened",
            "errors": [{"message": "m", "domain": domain, "reason": reason}],
        }
    }


def test_quota_exceeded_waits_until_pacific_midnight(adapter, account, video, replay):
    replay.add(responses.POST, UPLOAD_URL, status=403, json=google_error(403, "quotaExceeded"))
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, content_with(video), attempt_with([]))
    wait = (next_reset() - dt.datetime.now(dt.UTC)).total_seconds()
    assert abs(caught.value.retry_after - wait) < 5
    assert "midnight Pacific" in caught.value.user_message


def test_upload_limit_exceeded_waits_a_day(adapter, account, video, replay):
    replay.add(responses.POST, UPLOAD_URL, status=400, json=google_error(400, "uploadLimitExceeded", "youtube.video"))
    with pytest.raises(RateLimited) as caught:
        adapter.publish(account, content_with(video), attempt_with([]))
    assert caught.value.retry_after == 24 * 3600 and "daily upload limit" in caught.value.user_message


def test_next_reset_is_midnight_in_los_angeles():
    winter = dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC)  # 12:00 PST
    assert next_reset(winter) == dt.datetime(2026, 12, 8, 8, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2026, 7, 1, 6, 59, tzinfo=dt.UTC)  # 23:59 PDT
    assert next_reset(summer) == dt.datetime(2026, 7, 1, 7, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("status", "reason", "kind"),
    [
        (401, "authError", AuthExpired),
        (403, "insufficientPermissions", AuthExpired),
        (403, "forbidden", Permanent),
        (400, "invalidTitle", Permanent),
        (403, "rateLimitExceeded", RateLimited),
        (500, "backendError", Transient),
        (503, "backendError", Transient),
    ],
)
def test_google_errors_map_onto_the_four_classes(status, reason, kind):
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(google_error(status, reason, "youtube.video")).encode()
    error = youtube_error(response)
    assert type(error) is kind
    assert "{" not in error.user_message


def test_an_expired_token_on_a_chunk_keeps_the_session(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    replay.add(responses.POST, UPLOAD_URL, headers={"Location": SESSION})
    replay.add(responses.PUT, SESSION, status=401, json=google_error(401, "authError", "global"))
    states: list = []
    with pytest.raises(AuthExpired):
        adapter.publish(account, content_with(video), attempt_with(states))
    assert states[-1]["yt"]["session"] == SESSION and states[-1]["yt"]["size"] == size


# --- lookup --------------------------------------------------------------------------------------------------


def test_lookup_without_a_session_says_nothing_was_uploaded(adapter, account, video):
    assert adapter.lookup_published(account, content_with(video), PublishAttempt(idempotency_key="k")) is None


def test_lookup_with_an_open_session_says_not_yet(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    session = Session(size)
    session.received = bytearray(b"x" * CHUNK)
    replay.add_callback(responses.PUT, SESSION, callback=session)
    attempt = PublishAttempt(idempotency_key="k", state={"yt": {"session": SESSION, "size": size}})
    assert adapter.lookup_published(account, content_with(video), attempt) is None


def test_lookup_with_a_finished_session_finds_the_video(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    session = Session(size)
    session.received = bytearray(clip.read_bytes())
    replay.add_callback(responses.PUT, SESSION, callback=session)
    attempt = PublishAttempt(idempotency_key="k", state={"yt": {"session": SESSION, "size": size}})
    found = adapter.lookup_published(account, content_with(video), attempt)
    assert found.remote_id == VIDEO_ID and attempt.state["yt"]["video_id"] == VIDEO_ID


def test_remote_id_from_url(account):
    for url in (
        f"https://www.youtube.com/watch?v={VIDEO_ID}",
        f"https://youtu.be/{VIDEO_ID}",
        f"https://www.youtube.com/shorts/{VIDEO_ID}",
    ):
        assert YouTubeAdapter.remote_id_from_url(url, account) == VIDEO_ID
    assert YouTubeAdapter.remote_id_from_url("https://example.com/watch?v=dQw4w9WgXcQ", account) is None


# --- metrics ---------------------------------------------------------------------------------------------------


def test_post_metrics_are_batched_by_50(adapter, account, replay):
    ids = [f"vid{n:08d}" for n in range(60)]

    def answer(request):
        asked = parse_qs(urlsplit(request.url).query)["id"][0].split(",")
        items = [
            {"id": i, "statistics": {"viewCount": "100", "likeCount": "7", "commentCount": "2", "favoriteCount": "0"}}
            for i in asked
        ]
        return (200, {}, json.dumps({"items": items}))

    replay.add_callback(responses.GET, f"{API}/videos", callback=answer)
    metrics = adapter.fetch_post_metrics(account, ids)
    assert [len(parse_qs(urlsplit(c.request.url).query)["id"][0].split(",")) for c in replay.calls] == [50, 10]
    assert metrics[ids[59]].video_views == 100 and metrics[ids[0]].likes == 7 and metrics[ids[0]].comments == 2
    assert metrics[ids[0]].impressions is None and metrics[ids[0]].saves is None


def test_account_metrics_read_subscribers(adapter, account, replay):
    replay.add(
        responses.GET,
        f"{API}/channels",
        json={
            "items": [
                {
                    "snippet": {"title": "Acme"},
                    "statistics": {"subscriberCount": "1520", "videoCount": "31", "hiddenSubscriberCount": False},
                }
            ]
        },
    )
    metrics = adapter.fetch_account_metrics(account)
    assert metrics.followers == 1520 and metrics.posts_count == 31 and metrics.display_name == "Acme"


# --- inbox -------------------------------------------------------------------------------------------------------


def thread(thread_id, text, when, author="UCfan", replies=()):
    return {
        "id": thread_id,
        "snippet": {
            "videoId": VIDEO_ID,
            "topLevelComment": {
                "id": thread_id,
                "snippet": {
                    "textOriginal": text,
                    "authorDisplayName": "Fan",
                    "authorChannelId": {"value": author},
                    "publishedAt": when,
                    "videoId": VIDEO_ID,
                },
            },
        },
        "replies": {"comments": list(replies)},
    }


def test_fetch_inbox_reads_comment_threads_newer_than_the_cursor(adapter, account, replay):
    mine = {
        "id": "Ug1.r1",
        "snippet": {
            "textOriginal": "Thanks!",
            "authorChannelId": {"value": CHANNEL},
            "publishedAt": "2026-12-07T10:05:00Z",
        },
    }
    answer = {
        "id": "Ug1.r2",
        "snippet": {
            "textOriginal": "Me too",
            "authorDisplayName": "Bo",
            "authorChannelId": {"value": "UCbo"},
            "publishedAt": "2026-12-07T10:06:00Z",
        },
    }
    replay.add(
        responses.GET,
        f"{API}/commentThreads",
        json={
            "items": [
                thread("Ug1", "Love it", "2026-12-07T10:00:00Z", replies=[mine, answer]),
                thread("Ug0", "Old one", "2026-12-01T10:00:00Z"),
            ],
            "nextPageToken": "NEXT",
        },
    )
    page = adapter.fetch_inbox(account, cursor="2026-12-02T00:00:00+00:00")
    assert [(i.remote_id, i.kind, i.parent_remote_id) for i in page.items] == [
        ("Ug1", "comment", ""),
        ("Ug1.r2", "reply", "Ug1"),
    ]
    assert page.items[0].url == f"https://www.youtube.com/watch?v={VIDEO_ID}&lc=Ug1"
    assert page.cursor.startswith("2026-12-07T10:06:00+00:00|")
    query = parse_qs(urlsplit(replay.calls[0].request.url).query)
    assert query["allThreadsRelatedToChannelId"] == [CHANNEL] and query["order"] == ["time"]
    assert len(replay.calls) == 1  # an older comment ends the reading


def test_the_inbox_is_read_at_most_every_15_minutes(adapter, account, replay, spent):
    replay.add(responses.GET, f"{API}/commentThreads", json={"items": []})
    first = adapter.fetch_inbox(account, cursor="2026-12-07T10:00:00+00:00")
    assert first.items == [] and first.cursor.startswith("2026-12-07T10:00:00+00:00|")
    again = adapter.fetch_inbox(account, cursor=first.cursor)
    assert again.cursor == first.cursor and len(replay.calls) == 1 and spent == [("default", 1)]
    read_long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)).isoformat()
    adapter.fetch_inbox(account, cursor=f"2026-12-07T10:00:00+00:00|{read_long_ago}")
    assert len(replay.calls) == 2


def test_reply_goes_under_the_thread_and_costs_50_units(adapter, account, replay, spent):
    replay.add(responses.POST, f"{API}/comments", json={"id": "Ug1.r9", "snippet": {"textOriginal": "Thank you"}})
    item = InboxItem(
        remote_id="Ug1.r2",
        kind="reply",
        text="Me too",
        created_at=dt.datetime.now(dt.UTC),
        author_handle="Bo",
        post_remote_id=VIDEO_ID,
        parent_remote_id="Ug1",
        conversation_id="Ug1",
    )
    result = adapter.reply(account, item, "Thank you")
    assert json.loads(replay.calls[0].request.body) == {"snippet": {"parentId": "Ug1", "textOriginal": "Thank you"}}
    assert result.remote_id == "Ug1.r9" and ("default", 50) in spent


def test_reply_on_a_video_with_comments_off_is_refused_in_words(adapter, account, replay):
    replay.add(
        responses.POST,
        f"{API}/comments",
        status=403,
        json=google_error(403, "commentsDisabled", "youtube.commentThread"),
    )
    item = InboxItem(remote_id="Ug1", kind="comment", text="", created_at=dt.datetime.now(dt.UTC), author_handle="x")
    with pytest.raises(Permanent) as caught:
        adapter.reply(account, item, "Hi")
    assert "Comments are turned off" in caught.value.user_message


def test_find_reply_finds_ours_among_the_threads_replies(adapter, account, replay):
    since = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    replay.add(
        responses.GET,
        f"{API}/comments",
        json={
            "items": [
                {
                    "id": "Ug1.a",
                    "snippet": {
                        "textOriginal": "Thank you",
                        "authorChannelId": {"value": "UCother"},
                        "publishedAt": "2026-12-07T10:01:00Z",
                    },
                },
                {
                    "id": "Ug1.b",
                    "snippet": {
                        "textOriginal": "Thank you",
                        "authorChannelId": {"value": CHANNEL},
                        "publishedAt": "2026-12-07T10:01:00Z",
                    },
                },
            ]
        },
    )
    item = InboxItem(
        remote_id="Ug1", kind="comment", text="", created_at=since, author_handle="x", post_remote_id=VIDEO_ID
    )
    found = adapter.find_reply(account, item, "Thank you", since=since)
    assert found.remote_id == "Ug1.b"
    assert parse_qs(urlsplit(replay.calls[0].request.url).query)["parentId"] == ["Ug1"]
    replay.replace(responses.GET, f"{API}/comments", json={"items": []})
    assert adapter.find_reply(account, item, "Thank you", since=since) is None


def test_an_unknown_outcome_lookup_raises_when_the_uploads_cannot_be_read(adapter, account, video, replay, clip):
    size = clip.stat().st_size
    session = Session(size)
    session.gone = True
    replay.add_callback(responses.PUT, SESSION, callback=session)
    replay.add(responses.GET, f"{API}/playlistItems", body=requests.ConnectionError("reset by peer"))
    attempt = PublishAttempt(
        idempotency_key="k", state={"yt": {"session": SESSION, "size": size, "title": "Spring launch"}}
    )
    with pytest.raises(OutcomeUnknown):
        adapter.lookup_published(account, content_with(video), attempt)
