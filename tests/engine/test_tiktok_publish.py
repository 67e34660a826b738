"""A TikTok video through the publishing engine, with TikTok's own text and options: the
worker is killed halfway through the chunked upload; the sweeper asks TikTok by the saved
publish id (nothing published), the target goes back to the queue, sends only the chunks
TikTok does not have, waits for TikTok's processing without a worker, and is posted once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import responses
from django.utils import timezone

from posts import publishing
from posts.models import PostMedia, PostTarget, TargetState
from posts.video import make_clip
from smm.platforms.base import AppCredentials
from smm.platforms.tiktok import TikTokAdapter, plan_chunks
from tests.media import video_asset as stored_video

pytestmark = pytest.mark.django_db

API = "https://open.tiktokapis.com"
UPLOAD = "https://open-upload.tiktokapis.com/video/?upload_id=1&upload_token=t"
PUBLISH_ID = "v_pub_file~v2-1.99"
POST_ID = "7399999999999999999"
CHUNK = 16 * 1024


class WorkerKilled(BaseException):
    """The worker process dying mid-request."""


def ok(data: dict) -> str:
    return json.dumps({"data": data, "error": {"code": "ok", "message": "", "log_id": "1"}})


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = "https://smm.example"


@pytest.fixture
def tiktok_account(engine_world, make_account, use_adapter):
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    account = make_account(
        engine_world["brand"],
        network="tiktok",
        handle="@northwind",
        remote_id="open-1",
        credentials={"access_token": "tt", "refresh_token": "rt", "username": "northwind", "access_expires_at": future},
    )
    adapter = TikTokAdapter(AppCredentials(client_id="k", client_secret="s"))
    adapter.pull_from_url = False
    adapter.min_chunk = adapter.chunk_size = CHUNK
    use_adapter(adapter)
    return account


@pytest.fixture
def video_asset(engine_world, tmp_path):
    asset = stored_video(engine_world["ws"], make_clip(tmp_path / "roast.mp4", seconds=4, bitrate=400_000))
    return asset


def row(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def run_again(target) -> str:
    assert PostTarget.objects.filter(pk=target.pk, state=TargetState.SCHEDULED).update(state=TargetState.QUEUED)
    return publishing.publish_target(target.pk)


def test_a_tiktok_post_with_its_own_text_and_options_survives_a_killed_worker_and_posts_once(
    tiktok_account, video_asset, make_target
):
    target = make_target(
        state=TargetState.QUEUED,
        account=tiktok_account,
        text="Fresh roast today",
    )
    PostTarget.objects.filter(pk=target.pk).update(
        text="Fresh roast, TikTok cut #coffee",
        options={"privacy_level": "MUTUAL_FOLLOW_FRIENDS", "allow_comment": True},
    )
    PostMedia.objects.create(post=target.post, asset=video_asset)
    size = video_asset.size
    plan = plan_chunks(size, CHUNK, min_chunk=CHUNK)
    assert plan.total_chunk_count >= 3
    received: list[str] = []
    alive = {"worker": True}
    statuses: list[dict] = []

    def put(request):
        if len(received) == 2 and alive["worker"]:
            alive["worker"] = False
            raise WorkerKilled()
        received.append(request.headers["Content-Range"])
        return 206, {}, ""

    def status(request):
        return 200, {}, ok(statuses.pop(0))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as replay:
        replay.post(
            f"{API}/v2/post/publish/creator_info/query/",
            body=ok(
                {
                    "creator_username": "northwind",
                    "creator_nickname": "Northwind",
                    "privacy_level_options": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
                    "comment_disabled": False,
                    "duet_disabled": False,
                    "stitch_disabled": False,
                    "max_video_post_duration_sec": 600,
                }
            ),
        )
        replay.post(f"{API}/v2/post/publish/video/init/", body=ok({"publish_id": PUBLISH_ID, "upload_url": UPLOAD}))
        replay.add_callback("PUT", UPLOAD, callback=put)
        replay.add_callback("POST", f"{API}/v2/post/publish/status/fetch/", callback=status)

        # when the worker is killed while sending chunk 3
        with pytest.raises(WorkerKilled):
            publishing.publish_target(target.pk)
        dead = row(target)
        assert dead.state == TargetState.PUBLISHING
        assert dead.publish_state["tiktok"]["publish_id"] == PUBLISH_ID
        assert dead.publish_state["tiktok"]["chunks_done"] == 2

        # when its lease runs out, the sweeper asks TikTok by the publish id: still uploading
        PostTarget.objects.filter(pk=target.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
        statuses.append({"status": "PROCESSING_UPLOAD", "uploaded_bytes": plan.ranges[2][0]})
        assert publishing.resolve_expired() == 1
        assert row(target).state == TargetState.SCHEDULED

        # when a worker runs it: TikTok says how far it got, the rest is sent, TikTok processes
        statuses.extend(
            [
                {"status": "PROCESSING_UPLOAD", "uploaded_bytes": plan.ranges[2][0]},
                {"status": "PROCESSING_UPLOAD", "uploaded_bytes": size},
            ]
        )
        assert run_again(target) == "processing"
        waiting = row(target)
        assert waiting.error_user_message == "TikTok is processing the video"
        assert 0 < (waiting.due_at - timezone.now()).total_seconds() <= 10

        # when it is due again and TikTok has published it
        statuses.append({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [int(POST_ID)]})
        assert run_again(target) == "published"
        inits = [c for c in replay.calls if c.request.url == f"{API}/v2/post/publish/video/init/"]

    # every chunk once (the one cut by the dying worker sent again), one init, with TikTok's own text and options
    assert received == [f"bytes {s}-{s + n - 1}/{size}" for s, n in plan.ranges]
    assert len(inits) == 1
    info = json.loads(inits[0].request.body)["post_info"]
    assert info["title"] == "Fresh roast, TikTok cut #coffee"
    assert info["privacy_level"] == "MUTUAL_FOLLOW_FRIENDS"
    assert (info["disable_comment"], info["disable_duet"], info["disable_stitch"]) == (False, True, True)
    done = row(target)
    assert done.state == TargetState.PUBLISHED
    assert done.remote_id == POST_ID
    assert done.remote_url == f"https://www.tiktok.com/@northwind/video/{POST_ID}"
