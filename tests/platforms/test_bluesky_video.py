"""Bluesky video against replayed XRPC answers: the flow of the official video tutorial
(service token for the PDS, uploadVideo on the video service, getJobStatus until the blob,
then the post with app.bsky.embed.video), the upload limits, and each way it fails.

Shapes: docs.bsky.app tutorial "Uploading Video", the app.bsky.video lexicons, the
answers reported in bluesky-social/atproto issues 3026 and 3097 (bare and wrapped job
statuses, ``already_exists``, ``unconfirmed_email``)."""

import datetime as dt
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from responses import matchers

from posts.video import make_clip
from smm.platforms.base import (
    MediaItem,
    Permanent,
    PostContent,
    PublishAttempt,
    RateLimited,
    StillProcessing,
    Transient,
)
from smm.platforms.bluesky import BlueskyAdapter
from smm.platforms.video import VIDEO_COUNT, VIDEO_MIXED, VIDEO_SIZE, VIDEO_TOO_LONG, VIDEO_TYPE
from tests.platforms.helpers import sent_json

NOW = dt.datetime(2026, 11, 20, 14, 0, 0, tzinfo=dt.UTC)
PDS = "https://bsky.social"
OWN_PDS = "https://morel.us-east.host.bsky.network"
DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
XRPC = f"{PDS}/xrpc"
VIDEO = "https://video.bsky.app/xrpc"
UPLOAD = f"{VIDEO}/app.bsky.video.uploadVideo"
JOB = f"{VIDEO}/app.bsky.video.getJobStatus"
LIMITS = f"{VIDEO}/app.bsky.video.getUploadLimits"
BLOB = {
    "$type": "blob",
    "ref": {"$link": "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"},
    "mimeType": "video/mp4",
    "size": 23481,
}


def session(email_confirmed=True, pds=OWN_PDS):
    body = {
        "did": DID,
        "handle": "brand.bsky.social",
        "email": "brand@example.com",
        "emailConfirmed": email_confirmed,
        "active": True,
    }
    if pds:
        body["didDoc"] = {
            "@context": ["https://www.w3.org/ns/did/v1"],
            "id": DID,
            "alsoKnownAs": ["at://brand.bsky.social"],
            "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": pds}],
        }
    return body


def job(state, *, progress=None, blob=None, **extra):
    status = {"jobId": "job-1", "did": DID, "state": state, **extra}
    if progress is not None:
        status["progress"] = progress
    if blob is not None:
        status["blob"] = blob
    return {"jobStatus": status}


@pytest.fixture
def slept():
    return []


@pytest.fixture
def adapter(slept):
    bluesky = BlueskyAdapter()
    bluesky.now = lambda: NOW
    bluesky.sleep = slept.append  # the short in-call wait before the first poll: recorded, not waited
    return bluesky


@pytest.fixture
def account(account_context):
    return account_context(
        "bluesky",
        DID,
        handle="brand.bsky.social",
        base_url=PDS,
        credentials={"access_token": "access-1", "refresh_token": "refresh-1", "did": DID},
    )


@pytest.fixture
def saves():
    return []


@pytest.fixture
def attempt(saves):
    return PublishAttempt(idempotency_key="target-7", save_state=lambda state: saves.append(dict(state)))


@pytest.fixture
def clip(tmp_path):
    return make_clip(tmp_path / "c.mp4", seconds=1)


def video_item(path, **fields):
    values = {
        "mime_type": "video/mp4",
        "path": str(path),
        "size": os.path.getsize(path),
        "width": 320,
        "height": 568,
        "duration": 1.0,
        "frame_rate": 30.0,
        "video_codec": "h264",
        "alt_text": "An orange bar crosses the screen",
        "filename": "Secret launch plan.mp4",
    }
    values.update(fields)
    return MediaItem(**values)


class Service:
    """The PDS's session and service tokens and the video service, replayed; what was
    asked of them is kept for the assertions."""

    def __init__(self, network, *, session_body=None, limits=None, uploads=None, jobs=None):
        self.network = network
        self.tokens = []  # (aud, lxm, exp) asked of getServiceAuth
        self.uploads = []  # what each upload carried
        self.limit_auth = []
        network.add("GET", f"{XRPC}/com.atproto.server.getSession", json=session_body or session())
        network.add_callback("GET", f"{XRPC}/com.atproto.server.getServiceAuth", callback=self._token)
        network.add_callback("GET", LIMITS, callback=self._limits(limits))
        self._upload_answers = list(uploads or [(200, {"jobId": "job-1", "did": DID, "state": "JOB_STATE_CREATED"})])
        network.add_callback("POST", UPLOAD, callback=self._upload)
        for answer in jobs or []:
            status, body = answer if isinstance(answer, tuple) else (200, answer)
            network.add("GET", JOB, status=status, json=body)

    def _token(self, request):
        query = parse_qs(urlsplit(request.url).query)
        aud, lxm = query["aud"][0], query["lxm"][0]
        self.tokens.append((aud, lxm, int(query["exp"][0]) if "exp" in query else None))
        assert request.headers["Authorization"] == "Bearer access-1"
        return 200, {}, json.dumps({"token": f"{lxm}-token-{len(self.tokens)}"})

    def _limits(self, limits):
        def answer(request):
            self.limit_auth.append(request.headers.get("Authorization"))
            body = (
                limits
                if limits is not None
                else {"canUpload": True, "remainingDailyVideos": 24, "remainingDailyBytes": 10_000_000_000}
            )
            return 200, {}, json.dumps(body)

        return answer

    def _upload(self, request):
        # responses reads a file-like body into bytes before this (a real socket: see the
        # heartbeat test, which streams to a local server).
        data = request.body if isinstance(request.body, bytes) else request.body.read()
        query = parse_qs(urlsplit(request.url).query)
        self.uploads.append(
            {
                "data": data,
                "length": request.headers.get("Content-Length"),
                "type": request.headers.get("Content-Type"),
                "auth": request.headers.get("Authorization"),
                "did": query.get("did", [""])[0],
                "name": query.get("name", [""])[0],
            }
        )
        status, body = self._upload_answers.pop(0) if len(self._upload_answers) > 1 else self._upload_answers[0]
        if isinstance(body, Exception):
            raise body
        headers = {"RateLimit-Reset": str(int(NOW.timestamp()) + 90)} if status == 429 else {}
        return status, headers, json.dumps(body)


def create_record_ok(network):
    network.add_callback(
        "POST",
        f"{XRPC}/com.atproto.repo.createRecord",
        callback=lambda request: (
            200,
            {},
            json.dumps({"uri": f"at://{DID}/app.bsky.feed.post/{json.loads(request.body)['rkey']}", "cid": "bafy"}),
        ),
    )


def read(path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def calls_to(network, url):
    return [call for call in network.calls if call.request.url.split("?")[0] == url]


# --- the flow ------------------------------------------------------------------------------


def test_a_video_post_goes_through_the_video_service_then_embeds_the_blob(
    network, adapter, account, attempt, clip, slept
):
    service = Service(network, jobs=[job("JOB_STATE_COMPLETED", blob=BLOB, progress=100)])
    create_record_ok(network)

    result = adapter.publish(
        account, PostContent(text="Our new cold brew, in motion", media=[video_item(clip)]), attempt
    )

    # The upload: the whole file, its exact length, its type, the PDS service token.
    [upload] = service.uploads
    assert upload["data"] == read(clip)
    assert upload["length"] == str(os.path.getsize(clip))
    assert upload["type"] == "video/mp4"
    assert upload["auth"] == "Bearer com.atproto.repo.uploadBlob-token-2"
    assert upload["did"] == DID
    assert upload["name"].endswith(".mp4") and "Secret" not in upload["name"]
    # Tokens: one for the limits (audience the video service), one for uploadBlob on the
    # account's own PDS (not the bsky.social entryway), valid 30 minutes.
    assert service.tokens == [
        ("did:web:video.bsky.app", "app.bsky.video.getUploadLimits", None),
        ("did:web:morel.us-east.host.bsky.network", "com.atproto.repo.uploadBlob", int(NOW.timestamp()) + 1800),
    ]
    assert service.limit_auth == ["Bearer app.bsky.video.getUploadLimits-token-1"]
    # One short wait, one look at the job (public: no token), then the post.
    assert slept == [2.0]
    [poll] = calls_to(network, JOB)
    assert parse_qs(urlsplit(poll.request.url).query) == {"jobId": ["job-1"]}
    assert "Authorization" not in poll.request.headers
    [create] = calls_to(network, f"{XRPC}/com.atproto.repo.createRecord")
    record = sent_json(create)["record"]
    assert record["text"] == "Our new cold brew, in motion"
    assert record["embed"] == {
        "$type": "app.bsky.embed.video",
        "video": BLOB,
        "aspectRatio": {"width": 320, "height": 568},
        "alt": "An orange bar crosses the screen",
    }
    rkey = sent_json(create)["rkey"]
    assert result.remote_id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    assert result.url == f"https://bsky.app/profile/brand.bsky.social/post/{rkey}"
    # What a later call would resume from: the job, then the blob, then the record key.
    assert attempt.state["video_job"] == "job-1"
    assert attempt.state["video_blob"] == BLOB
    assert attempt.state["rkey"] == rkey


def test_a_video_still_encoding_waits_then_posts_on_the_next_call(network, adapter, account, attempt, clip):
    service = Service(
        network,
        jobs=[job("JOB_STATE_ENCODING", progress=40), job("JOB_STATE_COMPLETED", blob=BLOB, progress=100)],
    )
    create_record_ok(network)
    content = PostContent(text="Cold brew", media=[video_item(clip)])

    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, content, attempt)
    assert waiting.value.check_after == 5.0
    assert waiting.value.progress == 40
    assert waiting.value.user_message == "Bluesky is processing the video (40%)."
    assert attempt.state["video_job"] == "job-1" and "rkey" not in attempt.state
    assert calls_to(network, f"{XRPC}/com.atproto.repo.createRecord") == []
    # Meanwhile an unknown-outcome lookup rightly says "not sent", without asking anyone.
    asked = len(network.calls)
    assert adapter.lookup_published(account, content, attempt) is None
    assert len(network.calls) == asked

    # The engine calls again: one more look at the job, no second upload, the post.
    result = adapter.publish(account, content, attempt)
    assert len(service.uploads) == 1
    assert len(calls_to(network, JOB)) == 2
    [create] = calls_to(network, f"{XRPC}/com.atproto.repo.createRecord")
    assert sent_json(create)["record"]["embed"]["video"] == BLOB
    assert result.remote_id.endswith(sent_json(create)["rkey"])


@pytest.mark.parametrize("status", [200, 409])
def test_a_video_the_service_already_processed_uses_the_blob_it_returns(
    network, adapter, account, attempt, clip, status
):
    # atproto issue 3097: bare, with error "already_exists" and (tutorial) the earlier blob.
    bare = {"did": DID, "error": "already_exists", "jobId": "job-0", "message": "Video already processed"}
    Service(network, uploads=[(status, {**bare, "state": "JOB_STATE_COMPLETED", "blob": BLOB})])
    create_record_ok(network)

    adapter.publish(account, PostContent(text="Again", media=[video_item(clip)]), attempt)

    assert calls_to(network, JOB) == []
    [create] = calls_to(network, f"{XRPC}/com.atproto.repo.createRecord")
    assert sent_json(create)["record"]["embed"]["video"] == BLOB


def test_already_exists_without_a_blob_asks_the_job_for_it(network, adapter, account, attempt, clip):
    bare = {"did": DID, "error": "already_exists", "jobId": "job-1", "state": "JOB_STATE_COMPLETED"}
    Service(network, uploads=[(409, bare)], jobs=[job("JOB_STATE_COMPLETED", blob=BLOB, error="already_exists")])
    create_record_ok(network)

    adapter.publish(account, PostContent(text="Again", media=[video_item(clip)]), attempt)

    assert len(calls_to(network, JOB)) == 1
    assert attempt.state["video_blob"] == BLOB


class LocalNetwork(BaseHTTPRequestHandler):
    """The PDS and the video service on 127.0.0.1, so the upload goes over a real socket
    (urllib3 sends a file-like body a block at a time; responses would read it whole,
    even for a pass-through)."""

    received: ClassVar[list] = []
    audiences: ClassVar[list] = []

    def do_GET(self):
        if self.path.startswith("/xrpc/com.atproto.server.getSession"):
            self._answer(session(pds=None))
        elif self.path.startswith("/xrpc/com.atproto.server.getServiceAuth"):
            self.audiences.append(parse_qs(urlsplit(self.path).query)["aud"][0])
            self._answer({"token": "service-token"})
        elif self.path.startswith("/xrpc/app.bsky.video.getUploadLimits"):
            self._answer({"canUpload": True, "remainingDailyVideos": 24, "remainingDailyBytes": 10_000_000_000})
        else:
            self._answer(job("JOB_STATE_COMPLETED", blob=BLOB))

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        data = b""
        while len(data) < length:
            data += self.rfile.read(min(65536, length - len(data)))
        if self.path.startswith("/xrpc/com.atproto.repo.createRecord"):
            self._answer({"uri": f"at://{DID}/app.bsky.feed.post/{json.loads(data)['rkey']}", "cid": "bafy"})
            return
        self.received.append((self.headers["Content-Length"], self.headers["Content-Type"], data))
        self._answer({"jobId": "job-1", "did": DID, "state": "JOB_STATE_CREATED"})

    def _answer(self, body):
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_network():
    LocalNetwork.received = []
    LocalNetwork.audiences = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), LocalNetwork)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_upload_streams_over_a_socket_and_remembers_its_progress(
    adapter, account, attempt, clip, saves, local_network
):
    """Each remember renews the publishing lease: a long upload is never taken away."""
    account.base_url = local_network
    adapter.video_service = local_network
    adapter.video_heartbeat_bytes = 4096

    adapter.publish(account, PostContent(text="", media=[video_item(clip)]), attempt)

    size = os.path.getsize(clip)
    [(length, kind, data)] = LocalNetwork.received
    assert (length, kind, data) == (str(size), "video/mp4", read(clip))
    sent = [state["video_sent"] for state in saves if state.get("video_sent")]
    assert len(sent) >= size // 16384  # urllib3 sends a file 16 KiB at a time
    assert len(sent) >= 2 and sent == sorted(sent) and sent[-1] == size
    assert attempt.state["video_blob"] == BLOB
    # A PDS on a port (development) is a did:web with the port encoded.
    port = urlsplit(local_network).port
    assert LocalNetwork.audiences == ["did:web:video.bsky.app", f"did:web:127.0.0.1%3A{port}"]


# --- resuming -------------------------------------------------------------------------------


class WorkerKilled(BaseException):
    """Stands for the worker dying (SIGKILL) at that point."""


def test_a_worker_killed_after_the_upload_resumes_with_the_job_and_never_uploads_again(
    network, adapter, account, saves, clip
):
    service = Service(network, jobs=[job("JOB_STATE_COMPLETED", blob=BLOB)])
    create_record_ok(network)
    content = PostContent(text="Cold brew", media=[video_item(clip)])
    first = PublishAttempt(idempotency_key="target-7", save_state=lambda state: saves.append(dict(state)))

    def die(seconds):
        raise WorkerKilled

    adapter.sleep = die
    with pytest.raises(WorkerKilled):
        adapter.publish(account, content, first)

    # The re-queued target starts from what was saved (the database's publish_state).
    again = PublishAttempt(idempotency_key="target-7", state=dict(saves[-1]))
    assert again.state["video_job"] == "job-1"
    fresh = BlueskyAdapter()
    fresh.now = lambda: NOW
    fresh.publish(account, content, again)

    assert len(service.uploads) == 1
    assert len(calls_to(network, f"{XRPC}/com.atproto.server.getSession")) == 1
    assert len(calls_to(network, f"{XRPC}/com.atproto.repo.createRecord")) == 1


def test_with_a_blob_saved_it_goes_straight_to_the_record(rsps, adapter, account, clip):
    attempt = PublishAttempt(idempotency_key="target-7", state={"video_job": "job-1", "video_blob": BLOB})
    create_record_ok(rsps)  # strict: nothing else may be asked

    adapter.publish(account, PostContent(text="Cold brew", media=[video_item(clip)]), attempt)

    assert sent_json(rsps.calls[0])["record"]["embed"]["video"] == BLOB


def test_a_video_replaced_between_tries_is_uploaded_anew(network, adapter, account, clip, tmp_path):
    other = make_clip(tmp_path / "other.mp4", seconds=1, label="NEW")
    attempt = PublishAttempt(
        idempotency_key="target-7",
        state={"video_job": "job-0", "video_blob": {**BLOB, "size": 1}, "video_of": f"{clip}|{os.path.getsize(clip)}"},
    )
    service = Service(network, jobs=[job("JOB_STATE_COMPLETED", blob=BLOB)])
    create_record_ok(network)

    adapter.publish(account, PostContent(text="Cold brew", media=[video_item(other)]), attempt)

    assert [upload["data"] for upload in service.uploads] == [read(other)]
    [create] = calls_to(network, f"{XRPC}/com.atproto.repo.createRecord")
    assert sent_json(create)["record"]["embed"]["video"] == BLOB


def test_a_record_key_saved_before_a_lost_answer_is_looked_up_not_posted_twice(
    network, adapter, account, attempt, clip
):
    Service(network, jobs=[job("JOB_STATE_COMPLETED", blob=BLOB)])
    network.add("POST", f"{XRPC}/com.atproto.repo.createRecord", body=requests.ConnectionError("reset by peer"))
    content = PostContent(text="Cold brew", media=[video_item(clip)])

    with pytest.raises(Transient):  # OutcomeUnknown: the engine looks it up
        adapter.publish(account, content, attempt)
    rkey = attempt.state["rkey"]
    network.add(
        "GET",
        f"{XRPC}/com.atproto.repo.getRecord",
        json={
            "uri": f"at://{DID}/app.bsky.feed.post/{rkey}",
            "cid": "bafy",
            "value": {"createdAt": "2026-11-20T14:00:00.000Z", "embed": {"$type": "app.bsky.embed.video"}},
        },
        match=[matchers.query_param_matcher({"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey})],
    )

    found = adapter.lookup_published(account, content, attempt)
    assert found.remote_id == f"at://{DID}/app.bsky.feed.post/{rkey}"
    # And a retry finds it too, without creating it again.
    adapter.publish(account, content, attempt)
    assert len(calls_to(network, f"{XRPC}/com.atproto.repo.createRecord")) == 1


def test_a_record_key_saved_but_no_record_is_created_with_that_key_and_the_saved_blob(network, adapter, account, clip):
    attempt = PublishAttempt(
        idempotency_key="target-7", state={"video_job": "job-1", "video_blob": BLOB, "rkey": "3lbmmhu5yjc2a"}
    )
    network.add(
        "GET",
        f"{XRPC}/com.atproto.repo.getRecord",
        status=400,
        json={"error": "RecordNotFound", "message": "Could not locate record"},
    )
    create_record_ok(network)

    adapter.publish(account, PostContent(text="Cold brew", media=[video_item(clip)]), attempt)

    [create] = calls_to(network, f"{XRPC}/com.atproto.repo.createRecord")
    assert sent_json(create)["rkey"] == "3lbmmhu5yjc2a"
    assert sent_json(create)["record"]["embed"]["video"] == BLOB
    assert calls_to(network, UPLOAD) == []


# --- refusals before anything is sent ---------------------------------------------------------


def test_a_video_breaking_the_rules_is_refused_before_anything_is_sent(rsps, adapter, account, attempt, clip):
    with pytest.raises(Permanent) as refused:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip, duration=200.0)]), attempt)

    assert "at most 3 minutes" in refused.value.user_message
    assert len(rsps.calls) == 0  # no call at all


def test_an_unconfirmed_email_is_refused_in_words_before_uploading(network, adapter, account, attempt, clip):
    service = Service(network, session_body=session(email_confirmed=False))

    with pytest.raises(Permanent) as refused:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert "confirmed email" in refused.value.user_message
    assert service.uploads == [] and calls_to(network, LIMITS) == []


def test_a_self_hosted_pds_without_email_leaves_the_decision_to_the_video_service(
    network, adapter, account, attempt, clip
):
    service = Service(
        network,
        session_body=session(email_confirmed=False, pds="https://pds.example.org"),
        uploads=[(400, {"jobStatus": {"did": "", "error": "unconfirmed_email", "jobId": "", "state": ""}})],
    )

    with pytest.raises(Permanent) as refused:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert service.tokens[-1][0] == "did:web:pds.example.org"
    assert len(service.uploads) == 1
    assert "confirmed email" in refused.value.user_message


def test_without_a_did_document_the_token_is_for_the_accounts_server(network, adapter, account, attempt, clip):
    service = Service(network, session_body=session(pds=None), jobs=[job("JOB_STATE_COMPLETED", blob=BLOB)])
    create_record_ok(network)

    adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert service.tokens[-1][0] == "did:web:bsky.social"


@pytest.mark.parametrize(
    "limits",
    [
        {"canUpload": False, "message": "User has exceeded daily upload videos limit", "error": ""},
        {"canUpload": False, "message": "User has exceeded daily upload bytes limit"},
        {"canUpload": True, "remainingDailyVideos": 0, "remainingDailyBytes": 10_000_000_000},
        {"canUpload": True, "remainingDailyVideos": 3, "remainingDailyBytes": 1000},
    ],
)
def test_a_daily_limit_reached_waits_hours_without_uploading(network, adapter, account, attempt, clip, limits):
    service = Service(network, limits=limits)

    with pytest.raises(RateLimited) as limited:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert limited.value.retry_after == 2 * 3600
    assert "daily limit for video uploads" in limited.value.user_message
    assert service.uploads == []


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("User is not allowed to upload videos", "does not allow this account to post videos"),
        ("Account is not old enough to upload videos", "too new to post videos"),
    ],
)
def test_an_account_refused_video_is_told_why(network, adapter, account, attempt, clip, message, words):
    service = Service(network, limits={"canUpload": False, "message": message})

    with pytest.raises(Permanent) as refused:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert words in refused.value.user_message
    assert service.uploads == []


def test_limits_the_service_cannot_read_now_are_retried(network, adapter, account, attempt, clip):
    Service(network, limits={"canUpload": False, "message": "Failed to get user's upload stats"})

    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)


# --- refusals of the upload -----------------------------------------------------------------


def test_a_refused_service_token_is_renewed_once_and_the_file_sent_again(network, adapter, account, attempt, clip):
    service = Service(
        network,
        uploads=[
            (401, {"error": "InvalidToken", "message": "jwt expired"}),
            (200, {"jobId": "job-1", "did": DID, "state": "JOB_STATE_CREATED"}),
        ],
        jobs=[job("JOB_STATE_COMPLETED", blob=BLOB)],
    )
    create_record_ok(network)

    adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    whole = read(clip)
    assert [upload["data"] for upload in service.uploads] == [whole, whole]
    assert [upload["auth"] for upload in service.uploads] == [
        "Bearer com.atproto.repo.uploadBlob-token-2",
        "Bearer com.atproto.repo.uploadBlob-token-3",
    ]


def test_a_service_token_refused_twice_is_retried_later_not_a_reconnect(network, adapter, account, attempt, clip):
    service = Service(network, uploads=[(401, {"error": "InvalidToken", "message": "bad audience"})])

    with pytest.raises(Transient) as failed:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert len(service.uploads) == 2
    assert "video service" in failed.value.user_message
    assert "video_job" not in attempt.state


@pytest.mark.parametrize(
    "answer",
    [(413, {"error": "PayloadTooLarge"}), (400, {"error": "VideoTooLarge", "message": "Video is too large"})],
)
def test_a_video_too_large_for_the_service_is_refused(network, adapter, account, attempt, clip, answer):
    Service(network, uploads=[answer])

    with pytest.raises(Permanent) as refused:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert refused.value.user_message == "The video is too large for Bluesky (300 MB at most)."


def test_a_daily_limit_met_at_upload_time_waits_hours(network, adapter, account, attempt, clip):
    Service(network, uploads=[(400, {"error": "DailyLimitExceeded", "message": "daily upload limit reached"})])

    with pytest.raises(RateLimited) as limited:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert limited.value.retry_after == 2 * 3600


def test_a_server_error_on_upload_is_retried_and_leaves_no_job(network, adapter, account, attempt, clip):
    Service(network, uploads=[(503, {"error": "ServiceUnavailable"})])

    with pytest.raises(Transient) as failed:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert failed.value.status == 503
    assert "video_job" not in attempt.state


def test_a_connection_cut_mid_upload_is_a_retry_not_an_unknown_outcome(network, adapter, account, attempt, clip):
    """Uploading a video publishes nothing: no lookup needed, just upload again later."""
    Service(network, uploads=[(200, requests.ConnectionError("Connection reset by peer"))])

    with pytest.raises(Transient) as failed:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert type(failed.value) is Transient
    assert "video service" in failed.value.user_message


def test_the_service_asking_to_slow_down_is_a_rate_limit(network, adapter, account, attempt, clip):
    Service(network, uploads=[(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})])

    with pytest.raises(RateLimited) as limited:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert limited.value.retry_after == 90


# --- processing that fails ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("validation_failure", "could not read the video"),
        ("encoding_failure", "Convert it to MP4 (H.264)"),
        ("pds_upload_failure", "could not save it to this account's server"),
        ("pds_upload_unsupported_blob_size", "larger than this account's Bluesky server accepts"),
        ("generic_failure", "could not process the video"),
        ("", "could not process the video"),
    ],
)
def test_a_failed_job_says_why_in_words_and_is_forgotten(network, adapter, account, attempt, clip, code, words):
    failed_status = job("JOB_STATE_FAILED", error="video processing error", message="Failed to process video")
    if code:
        failed_status["jobStatus"]["failureCode"] = code
    Service(network, jobs=[failed_status])

    with pytest.raises(Permanent) as failed:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert words in failed.value.user_message
    assert "Failed to process video" in failed.value.message
    # A person's "publish again" uploads anew rather than asking about a dead job.
    assert attempt.state["video_job"] is None
    assert calls_to(network, f"{XRPC}/com.atproto.repo.createRecord") == []


def test_a_server_error_while_polling_keeps_the_job(network, adapter, account, clip):
    attempt = PublishAttempt(idempotency_key="t", state={"video_job": "job-1", "video_since": "2026-11-20T13:59:00Z"})
    network.add("GET", JOB, status=502, body="Bad Gateway")

    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert attempt.state["video_job"] == "job-1"


def test_a_job_the_service_lost_is_uploaded_again_on_the_retry(network, adapter, account, clip):
    attempt = PublishAttempt(
        idempotency_key="t", state={"video_job": "job-gone", "video_since": "2026-11-20T13:59:00Z"}
    )
    network.add("GET", JOB, status=404, json={"error": "NotFound", "message": "job not found"})

    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)
    assert attempt.state["video_job"] is None

    network.remove("GET", JOB)
    service = Service(network, jobs=[job("JOB_STATE_COMPLETED", blob=BLOB)])
    create_record_ok(network)
    adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)
    assert len(service.uploads) == 1


def test_processing_that_never_ends_gives_up_after_half_an_hour(network, adapter, account, clip):
    started = (NOW - dt.timedelta(minutes=31)).isoformat()
    attempt = PublishAttempt(idempotency_key="t", state={"video_job": "job-1", "video_since": started})
    network.add("GET", JOB, json=job("JOB_STATE_SCANNING", progress=80))

    with pytest.raises(Permanent) as gave_up:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert "over 30 minutes" in gave_up.value.user_message
    assert attempt.state["video_job"] is None


def test_an_unknown_job_state_is_still_working(network, adapter, account, clip):
    attempt = PublishAttempt(idempotency_key="t", state={"video_job": "job-1", "video_since": NOW.isoformat()})
    network.add("GET", JOB, json={"jobStatus": {"jobId": "job-1", "did": DID, "state": "JOB_STATE_THINKING"}})

    with pytest.raises(StillProcessing) as waiting:
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert waiting.value.progress is None
    assert waiting.value.user_message == "Bluesky is processing the video."


def test_a_job_completed_without_a_blob_is_uploaded_again_later(network, adapter, account, clip):
    attempt = PublishAttempt(idempotency_key="t", state={"video_job": "job-1", "video_since": NOW.isoformat()})
    network.add("GET", JOB, json=job("JOB_STATE_COMPLETED", progress=100))

    with pytest.raises(Transient):
        adapter.publish(account, PostContent(text="x", media=[video_item(clip)]), attempt)

    assert attempt.state["video_job"] is None


# --- the rules the composer shows ------------------------------------------------------------


def codes(adapter, *media, text="Cold brew"):
    return {problem.code for problem in adapter.validate(PostContent(text=text, media=list(media)))}


def test_a_video_within_bluesky_rules_has_no_problem_even_without_alt_text(adapter, clip):
    assert codes(adapter, video_item(clip, alt_text="")) == set()
    for mime in ("video/webm", "video/quicktime", "video/mpeg"):  # the service converts these
        assert codes(adapter, video_item(clip, mime_type=mime)) == set()


def test_bluesky_video_rules(adapter, clip):
    assert codes(adapter, video_item(clip, duration=200.0)) == {VIDEO_TOO_LONG}
    assert codes(adapter, video_item(clip, size=300_000_001)) == {VIDEO_SIZE}
    assert codes(adapter, video_item(clip, mime_type="video/x-matroska")) == {VIDEO_TYPE}
    assert codes(adapter, video_item(clip), video_item(clip)) == {VIDEO_COUNT}
    image = MediaItem(mime_type="image/png", data=b"png", alt_text="A cup")
    assert codes(adapter, video_item(clip), image) == {VIDEO_MIXED}
    [too_long] = adapter.validate(PostContent(text="x", media=[video_item(clip, duration=200.0)]))
    assert too_long.message == "The video is 3 min 20 s long; a Bluesky video can be at most 3 minutes."


def test_bluesky_has_no_video_views(network, adapter, account):
    uri = f"at://{DID}/app.bsky.feed.post/3lbmmhu5yjc2a"
    network.add(
        "GET",
        f"{XRPC}/app.bsky.feed.getPosts",
        json={
            "posts": [
                {
                    "uri": uri,
                    "cid": "bafy",
                    "likeCount": 3,
                    "replyCount": 1,
                    "repostCount": 2,
                    "quoteCount": 0,
                    "embed": {"$type": "app.bsky.embed.video#view", "cid": "bafk", "playlist": "https://x/p.m3u8"},
                }
            ]
        },
    )

    metrics = adapter.fetch_post_metrics(account, [uri])[uri]

    assert metrics.likes == 3 and metrics.video_views is None
