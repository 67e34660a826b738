"""A YouTube video through the publishing engine, with YouTube's own text (the description)
and options (title, privacy, kids answer, tags): the worker is killed halfway through the
resumable upload; the sweeper asks the saved session where it stands (no video yet), the
target goes back to the queue, sends only the bytes YouTube does not have, waits for
YouTube's processing without a worker, and is published once, as a Short."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import responses
from django.utils import timezone

from posts import publishing
from posts.models import PostMedia, PostTarget, TargetState
from posts.video import make_clip
from smm.platforms.base import AppCredentials
from smm.platforms.youtube import API, UPLOAD_URL, YouTubeAdapter
from tests.media import video_asset as stored_video

pytestmark = pytest.mark.django_db

SESSION = "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=ABC"
VIDEO_ID = "Ks-_Mh1QhMc"
CHUNK = 16 * 1024


class WorkerKilled(BaseException):
    """The worker process dying mid-request."""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def youtube_account(engine_world, make_account, use_adapter):
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    account = make_account(
        engine_world["brand"],
        network="youtube",
        handle="@northwind",
        remote_id="UCnorthwind",
        credentials={
            "access_token": "ya29",
            "refresh_token": "1//r",
            "access_expires_at": future,
            "channel_id": "UCnorthwind",
            "uploads_playlist": "UUnorthwind",
        },
    )
    adapter = YouTubeAdapter(AppCredentials(client_id="c", client_secret="s"))
    adapter.chunk_size = CHUNK
    use_adapter(adapter)
    return account


@pytest.fixture
def video_asset(engine_world, tmp_path):
    asset = stored_video(
        engine_world["ws"], make_clip(tmp_path / "roast.mp4", seconds=3, width=320, height=568, bitrate=300_000)
    )
    return asset


def row(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def run_again(target) -> str:
    assert PostTarget.objects.filter(pk=target.pk, state=TargetState.SCHEDULED).update(state=TargetState.QUEUED)
    return publishing.publish_target(target.pk)


def test_a_youtube_short_with_its_own_text_and_options_survives_a_killed_worker_and_uploads_once(
    youtube_account, video_asset, make_target
):
    target = make_target(state=TargetState.QUEUED, account=youtube_account, text="Fresh roast today")
    options = {"title": "Fresh roast", "made_for_kids": "no", "privacy": "unlisted", "tags": ["coffee"]}
    PostTarget.objects.filter(pk=target.pk).update(text="Fresh roast, the YouTube cut", options=options)
    PostMedia.objects.create(post=target.post, asset=video_asset)
    size = video_asset.size
    assert size > 3 * CHUNK
    received = bytearray()
    ranges: list[str] = []
    inits: list = []
    alive = {"worker": True}
    statuses: list[str] = []

    def session(request):
        content_range = request.headers["Content-Range"]
        ranges.append(content_range)
        if content_range != f"bytes */{size}":
            if len(ranges) == 3 and alive["worker"]:
                alive["worker"] = False
                raise WorkerKilled()
            first = int(re.match(r"bytes (\d+)-", content_range).group(1))
            assert first == len(received)
            body = request.body
            received.extend(body.read() if hasattr(body, "read") else body)
        if len(received) == size:
            return 200, {}, json.dumps({"id": VIDEO_ID, "status": {"uploadStatus": "uploaded"}})
        return 308, {"Range": f"bytes=0-{len(received) - 1}"} if received else {}, ""

    def init(request):
        inits.append(json.loads(request.body))
        return 200, {"Location": SESSION}, ""

    def status(request):
        return 200, {}, json.dumps({"items": [{"id": VIDEO_ID, "status": {"uploadStatus": statuses.pop(0)}}]})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as replay:
        replay.add_callback("POST", UPLOAD_URL, callback=init)
        replay.add_callback("PUT", SESSION, callback=session)
        replay.add_callback("GET", f"{API}/videos", callback=status)

        # when the worker is killed while sending chunk 3
        with pytest.raises(WorkerKilled):
            publishing.publish_target(target.pk)
        dead = row(target)
        assert dead.state == TargetState.PUBLISHING
        assert dead.publish_state["yt"]["session"] == SESSION
        assert dead.publish_state["yt"]["offset"] == 2 * CHUNK

        # when its lease runs out, the sweeper asks the session: incomplete, so no video yet
        PostTarget.objects.filter(pk=target.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
        assert publishing.resolve_expired() == 1
        assert row(target).state == TargetState.SCHEDULED

        # when a worker runs it: the session says how far it got, the rest is sent, YouTube processes
        statuses.append("uploaded")
        assert run_again(target) == "processing"
        waiting = row(target)
        assert waiting.error_user_message == "YouTube is processing the video"
        assert 0 < (waiting.due_at - timezone.now()).total_seconds() <= 15

        # when it is due again and YouTube has processed it
        statuses.append("processed")
        assert run_again(target) == "published"

    # every byte once, one session, with YouTube's own text and options
    assert bytes(received) == open(video_asset.file.path, "rb").read()  # noqa: SIM115
    assert len(inits) == 1
    assert inits[0]["snippet"]["title"] == "Fresh roast"
    assert inits[0]["snippet"]["description"] == "Fresh roast, the YouTube cut"
    assert inits[0]["snippet"]["tags"] == ["coffee"]
    assert inits[0]["status"] == {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False}
    done = row(target)
    assert done.state == TargetState.PUBLISHED
    assert done.remote_id == VIDEO_ID
    assert done.remote_url == f"https://www.youtube.com/shorts/{VIDEO_ID}"
