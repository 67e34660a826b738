# ruff: noqa: F811 (the engine's integration fixtures are imported by name)
"""A video post for real: Celery beat and a worker as subprocesses on PostgreSQL + Redis,
the sandbox (which processes video as Mastodon does: 202, 206, 200) over HTTP from
live_server. The target waits for the processing without a worker (StillProcessing puts it
back to wait), and one kill -9 in the middle of the upload still gives one status with the
video on the sandbox."""

from __future__ import annotations

import datetime as dt
import signal
import threading
import uuid

import pytest
from django.core.signals import request_started
from django.test import Client
from django.utils import timezone

from posts import publishing
from posts.models import MediaAsset, Post, PostMedia, PostTarget, TargetState
from posts.video import make_clip, poster_frame, probe
from tests.engine.test_integration import _services, engine, redis_db, sandbox_world, wait_for  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media_root(settings, tmp_path):
    """The worker's media folder (Engine gives it SMM_VAR_DIR=tmp/var, whose media/ is
    MEDIA_ROOT) is this process's too, so the asset written here is the file it sends."""
    root = tmp_path / "var" / "media"
    root.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT = root
    return root


def video_asset(world, root) -> MediaAsset:
    """A generated clip in the media library, with what the probe reads (the upload UI is
    another piece of work: the asset is made directly)."""
    name = f"media/{world['ws'].pk}/{uuid.uuid4().hex}/clip.mp4"
    path = root / name
    path.parent.mkdir(parents=True)
    make_clip(path, seconds=1, label="Cold brew")
    found = probe(path)
    thumb = f"media/{world['ws'].pk}/thumbs/{uuid.uuid4().hex}.jpg"
    (root / thumb).parent.mkdir(parents=True, exist_ok=True)
    (root / thumb).write_bytes(poster_frame(path))
    return MediaAsset.objects.create(
        workspace=world["ws"],
        kind=MediaAsset.Kind.VIDEO,
        file=name,
        thumbnail=thumb,
        original_name="cold-brew.mp4",
        mime_type=found.mime_type,
        size=found.size,
        width=found.width,
        height=found.height,
        alt_text="Cold brew poured over ice",
        duration_ms=found.duration_ms,
        frame_rate=found.frame_rate,
        container=found.container,
        video_codec=found.video_codec,
        audio_codec=found.audio_codec,
        pixel_format=found.pixel_format,
        bitrate=found.bitrate,
        faststart=found.faststart,
    )


def schedule_video(world, asset, *, start_in: float = 2.0) -> PostTarget:
    due = timezone.now() + dt.timedelta(seconds=start_in)
    post = Post.objects.create(
        workspace=world["ws"],
        brand=world["brand"],
        text=f"Our cold brew, in motion [{uuid.uuid4().hex}]",
        scheduled_at=due,
    )
    PostMedia.objects.create(post=post, asset=asset)
    target = PostTarget.objects.create(post=post, account=world["accounts"][0], state=TargetState.SCHEDULED, due_at=due)
    publishing.refresh_post_status(post)
    return target


def published(target) -> bool:
    return PostTarget.objects.filter(pk=target.pk, state=TargetState.PUBLISHED).exists()


def assert_one_status_with_the_video(target):
    from sandbox.models import SandboxStatus

    target.refresh_from_db()
    assert target.state == TargetState.PUBLISHED, (target.state, target.error_message)
    statuses = list(SandboxStatus.objects.filter(text=target.post.text))
    assert len(statuses) == 1, f"the post is on the sandbox {len(statuses)} times"
    status = statuses[0]
    assert target.remote_id == str(status.pk)
    (media,) = status.media_attachments.all()
    assert media.is_video and media.processed
    assert media.description == "Cold brew poured over ice"
    assert media.file.size == target.post.media.get().size
    # nothing else was posted by the brand accounts
    assert SandboxStatus.objects.filter(account__username__startswith="brand").count() == 1
    return status, media


def test_a_scheduled_video_waits_for_processing_and_is_published_once(engine, sandbox_world, media_root, settings):
    from smm.models import AuditEvent

    # given: the sandbox takes 3 s to process a video, and a video post due in 2 s
    settings.SANDBOX_FAULTS = {"video_processing_ms": 3000}
    target = schedule_video(sandbox_world, video_asset(sandbox_world, media_root))

    # when the worker uploads it, then the target waits for the network, holding no worker
    wait_for(
        lambda: PostTarget.objects.filter(pk=target.pk, state=TargetState.SCHEDULED, error_kind="processing").exists(),
        timeout=60,
        what="the target waiting for the sandbox to process the video",
    )
    waiting = PostTarget.objects.get(pk=target.pk)
    assert waiting.publish_state.get("video_media_id")
    assert "processing" in waiting.error_user_message.lower()

    # and once processed, the status goes out
    wait_for(lambda: published(target), timeout=60, what="the video post published")
    status, media = assert_one_status_with_the_video(target)
    target.refresh_from_db()
    assert target.attempts == 1  # the waits were not counted as attempts
    assert AuditEvent.objects.filter(verb="post.processing", subject_id=str(target.post_id)).count() == 1

    # and the sandbox's timeline plays it, with its poster
    page = Client().get("/sandbox/").content.decode()
    assert f'src="{media.file.url}"' in page and f'poster="{media.preview.url}"' in page


def test_killing_the_worker_mid_upload_gives_one_status_with_the_video(engine, sandbox_world, media_root, settings):
    from sandbox.models import SandboxMedia

    # given: video uploads that take 4 s to answer (in flight long enough to kill the worker
    # in the middle), processing of 0.5 s, and a video post due in 2 s
    settings.SANDBOX_FAULTS = {"upload_delay_ms": 4000, "video_processing_ms": 500}
    uploading = threading.Event()

    def on_request(sender, environ=None, **kwargs):
        if (environ or {}).get("PATH_INFO", "").endswith("/api/v2/media"):
            uploading.set()

    request_started.connect(on_request, dispatch_uid="video-upload-started")
    try:
        target = schedule_video(sandbox_world, video_asset(sandbox_world, media_root))

        # when: the worker is killed -9 while the sandbox is receiving the upload
        wait_for(uploading.is_set, timeout=60, what="the video upload reaching the sandbox")
        engine.kill("worker", signal.SIGKILL)
        at_kill = PostTarget.objects.get(pk=target.pk)
        assert at_kill.state == TargetState.PUBLISHING
        assert not at_kill.publish_state.get("video_media_id")  # the answer never came back

        # and a new worker starts
        engine.start_worker()

        # then: the sweeper takes the target back, it is uploaded again, processed, published
        wait_for(lambda: published(target), timeout=120, what="the video post after the kill")
    finally:
        request_started.disconnect(dispatch_uid="video-upload-started")
    status, media = assert_one_status_with_the_video(target)
    # the first upload finished on the sandbox after the kill, unattached: it was never posted
    account_media = SandboxMedia.objects.filter(account_id=int(sandbox_world["accounts"][0].remote_id))
    assert account_media.count() == 2
    assert account_media.filter(status__isnull=True).count() == 1
