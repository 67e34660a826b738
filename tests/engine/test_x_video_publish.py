"""An X video through the publishing engine: the worker is killed halfway through the
chunked upload; the sweeper finds nothing was posted (without asking X: no post was sent),
the target goes back to the queue, sends only the segments after the last one saved,
waits for X's processing without a worker, and is posted once."""

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
from smm.platforms.x import XAdapter
from tests.media import video_asset as stored_video
from tests.platforms.test_x_video import (
    API,
    APPEND_RE,
    INIT_URL,
    MEDIA_ID,
    TWEET_ID,
    USER_ID,
    WorkerKilled,
    appends,
    finalized,
    initialized,
    posted,
)

pytestmark = pytest.mark.django_db

SEGMENT = 32 * 1024


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = "https://smm.example"


@pytest.fixture
def x_account(engine_world, make_account, use_adapter):
    account = make_account(
        engine_world["brand"],
        network="x",
        handle="@northwind",
        remote_id=USER_ID,
        credentials={"access_token": "x-token", "refresh_token": "x-refresh"},
    )
    adapter = XAdapter(AppCredentials(client_id="x-client"))
    adapter.video_chunk_size = SEGMENT
    use_adapter(adapter)
    return account


@pytest.fixture
def video_asset(engine_world, tmp_path):
    asset = stored_video(engine_world["ws"], make_clip(tmp_path / "roast.mp4", seconds=4, bitrate=400_000))
    return asset


def row(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def run_again(target) -> str:
    """What the dispatcher does for a due target: queue it; then the worker runs it."""
    assert PostTarget.objects.filter(pk=target.pk, state=TargetState.SCHEDULED).update(state=TargetState.QUEUED)
    return publishing.publish_target(target.pk)


def test_a_worker_killed_mid_upload_resumes_at_the_saved_segment_and_posts_once(x_account, video_asset, make_target):
    # given a queued X post with a video X takes in several segments
    target = make_target(state=TargetState.QUEUED, account=x_account, text="Fresh roast, in motion")
    PostMedia.objects.create(post=target.post, asset=video_asset)
    segments = -(-video_asset.size // SEGMENT)
    assert segments >= 3
    kill_at = 1
    with responses.RequestsMock(assert_all_requests_are_fired=False) as replay:
        replay.post(INIT_URL, json=initialized())
        alive = {"worker": True}

        def append(request):
            index = int(re.search(rb'name="segment_index"\r\n\r\n(\d+)', request.body).group(1))
            if index == kill_at and alive["worker"]:
                alive["worker"] = False
                raise WorkerKilled()
            return (204, {}, b"")

        replay.add_callback("POST", APPEND_RE, callback=append)
        replay.post(
            f"{API}/2/media/upload/{MEDIA_ID}/finalize",
            json=finalized(processing={"state": "pending", "check_after_secs": 4}),
        )
        replay.get(f"{API}/2/media/upload", json=finalized(processing={"state": "succeeded", "progress_percent": 100}))
        replay.post(f"{API}/2/tweets", json=posted("Fresh roast, in motion"), status=201)

        # when the worker is killed while sending segment 1
        with pytest.raises(WorkerKilled):
            publishing.publish_target(target.pk)
        # then segment 0 is saved on the target, which still holds its lease
        dead = row(target)
        assert dead.state == TargetState.PUBLISHING
        assert dead.publish_state["x_video"]["segments_done"] == kill_at
        assert dead.publish_state["x_video"]["id"] == MEDIA_ID

        # when its lease runs out and the sweeper looks
        PostTarget.objects.filter(pk=target.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
        calls_before = len(replay.calls)
        assert publishing.resolve_expired() == 1
        # then it knows nothing was posted without asking X, and queues it again now
        assert len(replay.calls) == calls_before
        back = row(target)
        assert back.state == TargetState.SCHEDULED
        assert back.due_at <= timezone.now()

        # when a worker runs it: the remaining segments only, finalized, X still processing
        assert run_again(target) == "processing"
        waiting = row(target)
        assert waiting.error_kind == "processing"
        assert waiting.error_user_message == "X is processing the video"
        assert 0 < (waiting.due_at - timezone.now()).total_seconds() <= 4

        # when it is due again and X has processed the video
        assert run_again(target) == "published"

        sent = [index for _, index, _ in appends(replay)]
        inits = [call for call in replay.calls if call.request.url == INIT_URL]
        tweets = [call for call in replay.calls if call.request.url == f"{API}/2/tweets"]

    # then the killed send of segment 1 was followed by segment 1 again, the rest once each
    assert sent == [0, kill_at, *range(kill_at, segments)]
    assert len(inits) == 1
    assert len(tweets) == 1
    assert json.loads(tweets[0].request.body) == {"text": "Fresh roast, in motion", "media": {"media_ids": [MEDIA_ID]}}
    done = row(target)
    assert done.state == TargetState.PUBLISHED
    assert done.remote_id == TWEET_ID
    assert done.remote_url == f"https://x.com/northwind/status/{TWEET_ID}"
