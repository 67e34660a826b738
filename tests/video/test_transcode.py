"""Converting a video to the profile every network takes: what comes out (H.264 High,
yuv420p, AAC or silent, faststart, at most 30 fps, upright), the original kept, progress
on the conversion, failures in words, one conversion per original, stuck ones sent again."""

from __future__ import annotations

import io
import time

import av
import pytest
from django.core.files import File
from PIL import Image

from posts import transcode
from posts.models import MediaAsset
from posts.video import make_clip, moov_before_mdat, probe
from smm import operations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def ws(make_workspace):
    return make_workspace("Acme")


@pytest.fixture
def sent(monkeypatch):
    """Conversions handed to the "media" queue (not run here: tests call ``run``)."""
    calls = []
    monkeypatch.setattr(transcode, "send", calls.append)
    return calls


def rotated_clip(tmp_path):
    """A landscape-coded stream that players turn a quarter clockwise (phones do this)."""
    source = make_clip(tmp_path / "wide.mp4", seconds=1, width=320, height=180, audio=False)
    turned = tmp_path / "turned.mp4"
    with av.open(source) as src, av.open(str(turned), "w") as out:
        stream = src.streams.video[0]
        copy = out.add_stream_from_template(stream)
        copy.set_display_rotation(-90)
        for packet in src.demux(stream):
            if packet.dts is not None:
                packet.stream = copy
                out.mux(packet)
    return turned


def video_asset(workspace, path, name=None) -> MediaAsset:
    """A video in the library as an upload stores it (file + what the probe read)."""
    asset = MediaAsset(workspace=workspace, original_name=name or path.name)
    probe(path).apply_to(asset)
    with open(path, "rb") as handle:
        asset.file.save(asset.original_name, File(handle), save=False)
    asset.save()
    return asset


def first_frame(path):
    with av.open(str(path)) as container:
        frame = next(container.decode(container.streams.video[0]))
        return frame.to_image(), frame.rotation


def converted(workspace, path, sent):
    original = video_asset(workspace, path)
    conversion = transcode.start(original)
    assert sent == [] or sent[-1] == conversion.pk
    done = transcode.run(conversion.pk)
    assert done is not None
    done.refresh_from_db()
    return original, done


def assert_the_common_profile(conversion, *, audio=True):
    assert conversion.processing == MediaAsset.Processing.READY and conversion.processing_progress == 100
    assert conversion.processing_error == ""
    assert (conversion.container, conversion.mime_type, conversion.video_codec) == ("mp4", "video/mp4", "h264")
    assert conversion.pixel_format == "yuv420p" and conversion.faststart is True
    assert conversion.frame_rate <= 30 and conversion.rotation == 0
    assert conversion.audio_codec == ("aac" if audio else "")
    assert moov_before_mdat(conversion.file.path) is True
    with av.open(conversion.file.path) as container:
        video = container.streams.video[0]
        assert video.codec_context.profile == "High"
        if audio:
            sound = container.streams.audio[0]
            assert (sound.codec_context.sample_rate, sound.codec_context.channels) == (48000, 2)
        else:
            assert not container.streams.audio
    assert conversion.thumbnail and conversion.size > 0 and conversion.width % 2 == 0 == conversion.height % 2


def test_a_vp9_webm_becomes_an_mp4_every_network_takes_and_the_original_stays(ws, tmp_path, sent):
    path = make_clip(tmp_path / "clip.webm", seconds=1, width=320, height=180, codec="vp9")
    original, conversion = converted(ws, tmp_path / "clip.webm", sent)
    assert path
    assert_the_common_profile(conversion)
    assert conversion.source == original and conversion.workspace == ws
    assert conversion.original_name == "clip (converted).mp4"
    assert (conversion.width, conversion.height) == (320, 180)
    assert conversion.duration == pytest.approx(1.0, abs=0.1)
    original.refresh_from_db()
    assert original.video_codec == "vp9" and original.processing == MediaAsset.Processing.READY
    assert (tmp_path / "media").exists() and probe(original.file.path).video_codec == "vp9"


def test_a_60_fps_clip_comes_out_at_30_fps_constant(ws, tmp_path, sent):
    make_clip(tmp_path / "fast.mp4", seconds=1, fps=60, width=320, height=568)
    original, conversion = converted(ws, tmp_path / "fast.mp4", sent)
    assert original.frame_rate == 60
    assert_the_common_profile(conversion)
    assert conversion.frame_rate == 30
    with av.open(conversion.file.path) as container:
        frames = list(container.decode(container.streams.video[0]))
    assert len(frames) == pytest.approx(30, abs=1)
    steps = {round((b.pts - a.pts) * float(b.time_base), 4) for a, b in zip(frames, frames[1:], strict=False)}
    assert steps == {round(1 / 30, 4)}  # constant frame rate


def test_a_rotated_phone_clip_comes_out_upright_without_a_rotation_flag(ws, tmp_path, sent):
    original, conversion = converted(ws, rotated_clip(tmp_path), sent)
    assert original.rotation == 90 and (original.width, original.height) == (180, 320)
    assert_the_common_profile(conversion, audio=False)
    assert (conversion.width, conversion.height) == (180, 320)
    image, rotation = first_frame(conversion.file.path)
    assert rotation == 0 and image.size == (180, 320)  # the picture itself is upright
    poster = Image.open(io.BytesIO(conversion.thumbnail.read()))
    assert poster.height > poster.width


def test_a_silent_clip_stays_silent_and_a_big_one_is_scaled_to_1920(ws, tmp_path, sent):
    make_clip(tmp_path / "silent.mp4", seconds=1, audio=False, width=320, height=568, faststart=False)
    _, silent = converted(ws, tmp_path / "silent.mp4", sent)
    assert_the_common_profile(silent, audio=False)
    make_clip(tmp_path / "big.mp4", seconds=0.2, width=2160, height=3840, fps=10)
    _, big = converted(ws, tmp_path / "big.mp4", sent)
    assert_the_common_profile(big)
    assert (big.width, big.height) == (1080, 1920)


def test_progress_is_saved_on_the_conversion_as_it_goes(ws, tmp_path, sent, monkeypatch):
    make_clip(tmp_path / "clip.mp4", seconds=2, width=160, height=284)
    original = video_asset(ws, tmp_path / "clip.mp4")
    conversion = transcode.start(original)
    transcode.cache.delete(operations.HEARTBEAT_KEY.format(queue="media"))
    seen = []

    def watch(percent):
        row = MediaAsset.objects.get(pk=conversion.pk)
        seen.append((row.processing, row.processing_progress))

    real_progress = transcode.convert_file

    def convert(source, out, *, on_progress=None):
        def both(percent):
            on_progress(percent)
            watch(percent)

        return real_progress(source, out, on_progress=both)

    monkeypatch.setattr(transcode, "convert_file", convert)
    transcode.run(conversion.pk)
    assert len(seen) >= 20  # about every 2 %
    assert all(state == "running" for state, _ in seen)
    percents = [p for _, p in seen]
    assert percents == sorted(percents) and percents[0] <= 5 and percents[-1] >= 90
    conversion.refresh_from_db()
    assert (conversion.processing, conversion.processing_progress) == ("ready", 100)
    # the busy "media" worker counts as alive on the operations page while it converts
    assert operations.read_signal(operations.HEARTBEAT_KEY.format(queue="media")) is not None


def test_a_damaged_video_fails_in_plain_words_and_the_original_is_kept(ws, tmp_path, sent):
    make_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=284)
    original = video_asset(ws, tmp_path / "clip.mp4")
    with open(original.file.path, "r+b") as handle:  # the data after the header is garbage
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(size // 3)
        handle.write(b"\x00" * (size - size // 3))
        handle.truncate(size // 2)
    conversion = transcode.start(original)
    transcode.run(conversion.pk)
    conversion.refresh_from_db()
    assert conversion.processing == MediaAsset.Processing.FAILED
    assert "could not" in conversion.processing_error and "upload" in conversion.processing_error
    assert "Errno" not in conversion.processing_error and "av." not in conversion.processing_error
    assert not conversion.file
    assert MediaAsset.objects.filter(pk=original.pk).exists()


def test_a_missing_original_fails_in_words(ws, tmp_path, sent):
    make_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=284)
    original = video_asset(ws, tmp_path / "clip.mp4")
    conversion = transcode.start(original)
    original.file.storage.delete(original.file.name)
    transcode.run(conversion.pk)
    conversion.refresh_from_db()
    assert conversion.processing == "failed"
    assert conversion.processing_error == "The original video is missing from the media library; upload it again."


def test_one_conversion_per_original_and_a_second_run_does_nothing(ws, tmp_path, sent):
    make_clip(tmp_path / "clip.webm", seconds=1, width=160, height=90, codec="vp9")
    original = video_asset(ws, tmp_path / "clip.webm")
    first = transcode.start(original)
    again = transcode.start(original)
    assert again.pk == first.pk and first.processing == "queued"
    assert original.conversions.count() == 1
    assert transcode.run(first.pk) is not None
    assert transcode.run(first.pk) is None  # a duplicate message: already done
    assert transcode.start(original).pk == first.pk  # ready: the same copy
    assert transcode.ready_conversion(original).pk == first.pk
    assert original.conversions.count() == 1


def test_a_failed_conversion_asked_again_is_tried_again(ws, tmp_path, sent):
    make_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=284)
    original = video_asset(ws, tmp_path / "clip.mp4")
    conversion = transcode.start(original)
    MediaAsset.objects.filter(pk=conversion.pk).update(processing="failed", processing_error="x")
    again = transcode.start(original)
    assert again.pk == conversion.pk and again.processing == "queued" and again.processing_error == ""
    assert sent == [conversion.pk, conversion.pk]


def test_only_a_video_can_be_converted(ws):
    image = MediaAsset.objects.create(workspace=ws, kind="image", mime_type="image/png")
    with pytest.raises(transcode.ConversionFailed, match="Only a video"):
        transcode.request_conversion(image)


def test_a_conversion_abandoned_by_a_dead_worker_is_sent_again_and_taken_over(ws, tmp_path, sent):
    make_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=284)
    original = video_asset(ws, tmp_path / "clip.mp4")
    conversion = transcode.start(original)
    # a worker took it, then died: "running", and its heartbeat stops
    MediaAsset.objects.filter(pk=conversion.pk).update(processing="running", processing_progress=40)
    assert transcode.requeue_stuck() == []  # still beating: left alone
    assert transcode.run(conversion.pk) is None  # a live worker has it
    transcode.beat(conversion.pk, now=time.time() - transcode.stuck_after() - 5)  # its last beat, long ago
    assert transcode.requeue_stuck() == [conversion.pk]
    assert sent[-1] == conversion.pk
    assert transcode.requeue_stuck() == []  # one message per period, not a flood
    assert transcode.requeue_stuck(now=time.time() + transcode.stuck_after() + 1) == [conversion.pk]  # next period
    assert transcode.run(conversion.pk) is not None  # the message sent again takes it over
    conversion.refresh_from_db()
    assert conversion.processing == "ready"
    assert transcode.requeue_stuck() == []


def test_a_video_that_kills_its_worker_every_time_fails_instead_of_looping(ws, tmp_path, sent):
    make_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=284)
    original = video_asset(ws, tmp_path / "clip.mp4")
    conversion = transcode.start(original)
    long_ago = time.time() - transcode.stuck_after() - 5
    for _ in range(transcode.MAX_TAKEOVERS):  # taken over, then its worker dies again
        MediaAsset.objects.filter(pk=conversion.pk).update(processing="running")
        transcode.beat(conversion.pk, now=long_ago)
        assert transcode._claim(conversion.pk) is not None
    MediaAsset.objects.filter(pk=conversion.pk).update(processing="running")
    transcode.beat(conversion.pk, now=long_ago)
    assert transcode.run(conversion.pk) is None
    conversion.refresh_from_db()
    assert conversion.processing == "failed"
    assert "stopped on it several times" in conversion.processing_error


def test_a_conversion_whose_original_was_deleted_fails_in_words(ws, tmp_path, sent):
    make_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=284)
    original = video_asset(ws, tmp_path / "clip.mp4")
    conversion = transcode.start(original)
    original.delete()
    assert transcode.run(conversion.pk) is None
    conversion.refresh_from_db()
    assert conversion.processing == "failed" and "was deleted" in conversion.processing_error


def test_a_keyframe_every_two_seconds(ws, tmp_path, sent):
    make_clip(tmp_path / "long.mp4", seconds=4.5, width=160, height=284, fps=25, audio=False)
    _, conversion = converted(ws, tmp_path / "long.mp4", sent)
    with av.open(conversion.file.path) as container:
        video = container.streams.video[0]
        keyframes = [float(p.pts * p.time_base) for p in container.demux(video) if p.is_keyframe and p.pts is not None]
    assert keyframes == pytest.approx([0.0, 2.0, 4.0], abs=0.05)
    assert conversion.frame_rate == 25  # a source at 30 fps or less keeps its rate
