"""Meta video through the publishing engine.

A Facebook Reel: the worker is killed while the bytes stream to rupload; the sweeper asks
Facebook about the remembered video (not published), the target goes back in line, sends
only the bytes Facebook does not have, finishes the Reel once, waits for Meta without a
worker, and is published once.

An Instagram Reel: the container is made once, the target waits (not an attempt, one
history line) while Instagram processes it, and is published from the same container."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import responses
from django.utils import timezone

from posts import publishing
from posts.models import PostMedia, PostTarget, TargetState
from posts.video import make_clip
from smm.models import AuditEvent
from smm.platforms.base import AppCredentials
from smm.platforms.facebook import FacebookAdapter
from smm.platforms.instagram import InstagramAdapter
from tests.media import video_asset as stored_video

pytestmark = pytest.mark.django_db

G = "https://graph.facebook.com/v23.0"
RUPLOAD = "https://rupload.facebook.com/video-upload/v23.0"
IG = "https://graph.instagram.com/v23.0"


class WorkerKilled(BaseException):
    """A worker dying mid-request: nothing the adapter may catch."""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = "https://smm.example"


@pytest.fixture
def video_asset(engine_world, tmp_path):
    asset = stored_video(engine_world["ws"], make_clip(tmp_path / "pour.mp4", seconds=4, bitrate=300_000))
    return asset


def row(target) -> PostTarget:
    return PostTarget.objects.get(pk=target.pk)


def run_again(target) -> str:
    """What the dispatcher does for a due target: queue it; then the worker runs it."""
    assert PostTarget.objects.filter(pk=target.pk, state=TargetState.SCHEDULED).update(state=TargetState.QUEUED)
    return publishing.publish_target(target.pk)


def status(video="processing", **phases):
    return {"id": "r1", "status": {"video_status": video, **phases}}


def test_a_facebook_reel_killed_mid_upload_resumes_and_is_published_once(
    engine_world, make_account, make_target, use_adapter, video_asset
):
    # given a queued Reel on a Facebook Page
    page = make_account(
        engine_world["brand"],
        network="facebook",
        handle="Northwind",
        remote_id="500",
        credentials={"access_token": "P"},
    )
    use_adapter(FacebookAdapter(AppCredentials(client_id="fb")))
    target = make_target(state=TargetState.QUEUED, account=page, text="Pouring, slowly", options={"kind": "reel"})
    PostMedia.objects.create(post=target.post, asset=video_asset)
    whole = Path(video_asset.file.path).read_bytes()
    arrived = 4096  # what Facebook says it got before the worker died
    uploads: list[tuple[str, bytes]] = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as replay:
        # Facebook's answers, in the order they are asked for
        replay.post(f"{G}/500/video_reels", json={"video_id": "r1", "upload_url": f"{RUPLOAD}/r1"})
        replay.post(f"{G}/500/video_reels", json={"success": True})
        for answer in (
            status("uploading", uploading_phase={"status": "in_progress"}),  # the sweeper's look
            status("uploading", uploading_phase={"status": "in_progress", "bytes_transferred": arrived}),
            status("processing", publishing_phase={"status": "in_progress"}),
            status("ready", publishing_phase={"status": "complete", "publish_status": "published"}),
        ):
            replay.get(f"{G}/r1", json=answer)

        def rupload(request):
            body = request.body if isinstance(request.body, bytes) else request.body.read()
            uploads.append((request.headers["offset"], body))
            if len(uploads) == 1:
                raise WorkerKilled()
            return (200, {}, '{"success": true}')

        replay.add_callback("POST", f"{RUPLOAD}/r1", callback=rupload)

        # when the worker is killed while the bytes stream
        with pytest.raises(WorkerKilled):
            publishing.publish_target(target.pk)
        # then the Reel's video id is on the target, which still holds its lease
        dead = row(target)
        assert dead.state == TargetState.PUBLISHING
        assert dead.publish_state["reel_id"] == "r1"

        # when its lease runs out and the sweeper asks Facebook: not published
        PostTarget.objects.filter(pk=target.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
        assert publishing.resolve_expired() == 1
        assert row(target).state == TargetState.SCHEDULED

        # when a worker runs it: Facebook has the first bytes; the rest go up, the Reel is
        # finished, and Meta is still publishing it
        assert run_again(target) == "processing"
        waiting = row(target)
        assert waiting.error_kind == "processing"
        assert waiting.publish_state["reel_finished"] is True

        # when it is due again and Meta has published it
        assert run_again(target) == "published"
        graph_posts = [c for c in replay.calls if c.request.method == "POST" and c.request.url.startswith(G)]

    # then the rest of the bytes went up once, from where Facebook stopped; one start, one finish
    assert [offset for offset, _ in uploads] == ["0", str(arrived)]
    assert uploads[1][1] == whole[arrived:]
    phases = [dict(p.split("=", 1) for p in c.request.body.split("&"))["upload_phase"] for c in graph_posts]
    assert phases == ["start", "finish"]
    done = row(target)
    assert (done.state, done.remote_id, done.remote_url) == (
        TargetState.PUBLISHED,
        "r1",
        "https://www.facebook.com/reel/r1",
    )


def test_an_instagram_reel_waits_for_processing_without_spending_attempts(
    engine_world, make_account, make_target, use_adapter, video_asset
):
    # given a queued Instagram Reel
    account = make_account(
        engine_world["brand"],
        network="instagram",
        handle="@northwind",
        remote_id="1784",
        credentials={"access_token": "IG", "user_id": "1784"},
    )
    use_adapter(InstagramAdapter(AppCredentials(client_id="ig")))
    target = make_target(state=TargetState.QUEUED, account=account, text="Pouring, slowly")
    PostMedia.objects.create(post=target.post, asset=video_asset)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as replay:
        replay.post(f"{IG}/1784/media", json={"id": "c1"})
        replay.get(f"{IG}/c1", json={"status_code": "IN_PROGRESS"})

        # when the worker runs it twice while Instagram processes the video
        assert publishing.publish_target(target.pk) == "processing"
        first = row(target)
        assert 25 <= (first.due_at - timezone.now()).total_seconds() <= 30
        assert run_again(target) == "processing"
        second = row(target)
        assert 55 <= (second.due_at - timezone.now()).total_seconds() <= 60

        # when Instagram has finished
        replay.replace(responses.GET, f"{IG}/c1", json={"status_code": "FINISHED"})
        replay.post(f"{IG}/1784/media_publish", json={"id": "m1"})
        replay.get(f"{IG}/m1", json={"permalink": "https://www.instagram.com/reel/m1/"})
        assert run_again(target) == "published"
        creates = [c for c in replay.calls if c.request.url == f"{IG}/1784/media"]

    # then one container was made (from the file's public URL) and published once
    assert len(creates) == 1
    sent = dict(parse_qsl(creates[0].request.body))
    assert sent["media_type"] == "REELS"
    assert sent["video_url"].startswith("https://smm.example/")
    done = row(target)
    assert (done.state, done.remote_id, done.attempts) == (TargetState.PUBLISHED, "m1", 1)
    waits = AuditEvent.objects.filter(verb="post.processing", subject_id=str(target.post_id))
    assert waits.count() == 1  # one history line for the whole wait
