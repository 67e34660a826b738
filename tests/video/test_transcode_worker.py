"""A conversion handed to a real Celery worker on the "media" queue (PostgreSQL + Redis),
as the media library's button does it: the worker converts and stores the copy."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from posts import transcode
from posts.models import MediaAsset
from posts.video import make_clip, probe
from tests.engine.test_integration import Engine, _services, redis_db, wait_for  # noqa: F401 (fixtures)
from tests.video.test_transcode import video_asset

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media_worker(tmp_path, redis_db, settings):  # noqa: F811 (the fixture imported above)
    engine = Engine(tmp_path)
    media = tmp_path / "var" / "media"
    settings.MEDIA_ROOT = str(media)
    engine.env["MEDIA_ROOT"] = str(media)  # the worker reads the file the web stored
    engine.queue_worker("media", "media")
    try:
        yield engine
    finally:
        engine.stop_all()
        print(engine.logs())  # shown by pytest only when the test failed


def test_the_media_worker_converts_a_webm(make_workspace, media_worker, tmp_path):
    ws = make_workspace("Acme")
    make_clip(tmp_path / "clip.webm", seconds=1, width=320, height=180, codec="vp9")
    original = video_asset(ws, tmp_path / "clip.webm")
    conversion = transcode.start(original)
    assert transcode.start(original).pk == conversion.pk  # a second click: the same one

    def finished():
        conversion.refresh_from_db()
        return conversion.processing in ("ready", "failed")

    wait_for(finished, timeout=90, what="the media worker to convert the video")
    assert (conversion.processing, conversion.processing_progress, conversion.processing_error) == ("ready", 100, "")
    found = probe(conversion.file.path)
    assert (found.container, found.video_codec, found.audio_codec, found.faststart) == ("mp4", "h264", "aac", True)
    assert MediaAsset.objects.filter(source=original).count() == 1


@pytest.fixture
def media_workers(tmp_path, redis_db, settings):  # noqa: F811 (the fixture imported above)
    """Workers on "media" that count a conversion abandoned after 4 s without a heartbeat."""
    engine = Engine(tmp_path)
    media = tmp_path / "var" / "media"
    settings.MEDIA_ROOT = str(media)
    settings.TRANSCODE_STUCK_AFTER = 4
    engine.env.update(MEDIA_ROOT=str(media), TRANSCODE_STUCK_AFTER="4")
    try:
        yield engine
    finally:
        engine.stop_all()
        print(engine.logs())


def test_a_worker_killed_mid_conversion_is_taken_over_and_the_copy_made_once(make_workspace, media_workers, tmp_path):
    ws = make_workspace("Acme")
    make_clip(tmp_path / "long.mp4", seconds=20, width=720, height=1280)
    original = video_asset(ws, tmp_path / "long.mp4")
    media_workers.queue_worker("media", "media1")
    conversion = transcode.start(original)

    def progress():
        conversion.refresh_from_db()
        return conversion.processing == "running" and conversion.processing_progress >= 4

    wait_for(progress, timeout=90, what="the conversion to be under way")
    media_workers.kill("worker")  # SIGKILL, mid-conversion
    conversion.refresh_from_db()
    assert conversion.processing == "running" and conversion.processing_progress < 100
    assert not conversion.file
    work = Path(tempfile.gettempdir()) / "smm-convert" / f"{conversion.pk}.mp4"
    assert work.exists()  # what the killed worker had written

    media_workers.queue_worker("media", "media2")
    # beat's requeue_stuck_conversions, once the heartbeat is older than 4 s
    wait_for(lambda: transcode.requeue_stuck() == [conversion.pk], timeout=30, what="the conversion to count as stuck")

    def finished():
        conversion.refresh_from_db()
        return conversion.processing in ("ready", "failed")

    wait_for(finished, timeout=180, what="the second worker to convert the video")
    assert (conversion.processing, conversion.processing_error) == ("ready", "")
    found = probe(conversion.file.path)
    assert (found.video_codec, found.frame_rate, found.faststart) == ("h264", 30, True)
    assert found.duration == pytest.approx(20, abs=0.2)
    assert MediaAsset.objects.filter(source=original).count() == 1
    assert transcode.requeue_stuck() == []  # ready: nothing to send again
    assert not work.exists()  # the killed worker's half-written file was written over, then removed
