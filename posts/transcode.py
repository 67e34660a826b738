"""Converting a video to the profile every network takes: MP4 with its index first
("faststart"), H.264 High yuv420p at no more than 30 fps (constant), at most 1920 px on
its longest side, turned upright (the rotation is baked into the picture), a keyframe
every 2 s, at most 8 Mbit/s; AAC-LC 48 kHz stereo at 128 kbit/s, or no sound track when
the original has none.

A conversion is its own ``MediaAsset`` (``source`` = the original, which is always
kept). It is created at once with ``processing`` "queued" and an empty file; the Celery
task ``posts.tasks.transcode_video`` (queue "media") runs ``run`` on it. Progress, the
state and a failure in plain words live on the NEW asset (``processing``,
``processing_progress``, ``processing_error``), never on the original.

Frame by frame: packets are demuxed, decoded, filtered and encoded one at a time into a
temporary file; nothing holds the whole video in memory. The finished file is probed
(``posts.video.probe``) and given a poster (``posts.video.poster_frame``) like an upload.

A worker that dies mid-conversion leaves the asset "running": the task beats a heartbeat
in the cache while it works, and the beat task ``posts.tasks.requeue_stuck_conversions``
sends again each conversion queued or running whose heartbeat is older than
``settings.TRANSCODE_STUCK_AFTER`` seconds, 10 minutes by default (a new run may take over
a "running" asset only then).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction

import av
from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction

from posts.models import MediaAsset
from posts.video import NotAVideo, poster_frame, probe
from smm import operations

logger = logging.getLogger(__name__)

MAX_SIDE = 1920
MAX_FPS = 30
VIDEO_MAXRATE = 8_000_000
AUDIO_BITRATE = 128_000
AUDIO_RATE = 48_000
KEYFRAME_SECONDS = 2
X264_PRESET = "veryfast"
X264_CRF = "21"
PROGRESS_STEP = 2  # percent between saved progress updates
HEARTBEAT_EVERY = 5.0  # seconds between heartbeats while converting (at most)
QUEUE = "media"  # the queue conversions run on (posts/apps.py task_routes)
MAX_TAKEOVERS = 3  # abandoned this many times (its worker died each time): failed

PENDING = (MediaAsset.Processing.QUEUED, MediaAsset.Processing.RUNNING)


class ConversionFailed(Exception):
    """The conversion cannot be done; the message is for the marketer."""


def converted_name(original: MediaAsset) -> str:
    stem = (original.original_name or os.path.basename(original.file.name) or "video").rsplit(".", 1)[0]
    return f"{stem[:220]} (converted).mp4"


# --- requesting a conversion ----------------------------------------------------------------------


def request_conversion(original: MediaAsset, *, user=None) -> tuple[MediaAsset, bool]:
    """The conversion of ``original``: the one queued, running or ready if there is one
    (a second request does not convert twice), else a new queued one. Returns
    ``(conversion, created)``; the caller sends the task when ``created`` (``start``)."""
    if not original.is_video:
        raise ConversionFailed("Only a video can be converted.")
    if original.source_id is not None and original.processing == MediaAsset.Processing.READY:
        return original, False  # already a conversion
    with transaction.atomic():
        # the original's row is the lock: two requests at once make one conversion
        MediaAsset.objects.select_for_update().filter(pk=original.pk).first()
        existing = original.conversions.order_by("-created_at", "-id").first()
        if existing is not None and existing.processing != MediaAsset.Processing.FAILED:
            return existing, False
        if existing is not None:  # a failed one is tried again (same asset, queued anew)
            existing.processing = MediaAsset.Processing.QUEUED
            existing.processing_progress = 0
            existing.processing_error = ""
            existing.save(update_fields=["processing", "processing_progress", "processing_error"])
            cache.delete(_takeover_key(existing.pk))  # asked again: its takeovers start over
            beat(existing.pk)
            return existing, True
        conversion = MediaAsset.objects.create(
            workspace_id=original.workspace_id,
            kind=MediaAsset.Kind.VIDEO,
            original_name=converted_name(original),
            mime_type="video/mp4",
            alt_text=original.alt_text,
            source=original,
            processing=MediaAsset.Processing.QUEUED,
            processing_progress=0,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        )
    cache.delete_many([_takeover_key(conversion.pk), _resent_key(conversion.pk)])  # (left by a database reset)
    beat(conversion.pk)
    return conversion, True


def start(original: MediaAsset, *, user=None) -> MediaAsset:
    """Ask for the conversion of ``original`` and send it to the "media" workers once it
    is committed (a new one only: see ``request_conversion``)."""
    conversion, created = request_conversion(original, user=user)
    if created:
        send(conversion.pk)
    return conversion


def send(conversion_id: int) -> None:
    from posts.tasks import transcode_video

    transaction.on_commit(lambda: transcode_video.delay(conversion_id))


def ready_conversion(original: MediaAsset) -> MediaAsset | None:
    """The newest finished conversion of ``original``, or None."""
    return (
        original.conversions.filter(processing=MediaAsset.Processing.READY)
        .exclude(file="")
        .order_by("-created_at", "-id")
        .first()
    )


# --- the heartbeat and stuck conversions ----------------------------------------------------------


def stuck_after() -> float:
    """Seconds without a heartbeat before a conversion counts as abandoned."""
    return float(getattr(settings, "TRANSCODE_STUCK_AFTER", 600))


def heartbeat_every() -> float:
    return min(HEARTBEAT_EVERY, stuck_after() / 4)


def _beat_key(conversion_id: int) -> str:
    return f"transcode:beat:{conversion_id}"


def beat(conversion_id: int, *, now: float | None = None) -> None:
    cache.set(_beat_key(conversion_id), time.time() if now is None else now, timeout=int(stuck_after() * 6) + 1)


def last_beat(conversion_id: int) -> float | None:
    return cache.get(_beat_key(conversion_id))


def is_stale(conversion: MediaAsset, *, now: float | None = None) -> bool:
    """Nobody has worked on (or sent) this conversion for ``stuck_after()`` seconds."""
    now = time.time() if now is None else now
    seen = last_beat(conversion.pk)
    if seen is None:  # the cache lost it: judge by the asset's age
        seen = conversion.created_at.timestamp()
    return now - seen > stuck_after()


def requeue_stuck(*, now: float | None = None) -> list[int]:
    """Send again each conversion queued or running that nobody has touched for
    ``stuck_after()`` seconds (its worker died, or its message was lost)."""
    now = time.time() if now is None else now
    sent = []
    for conversion in MediaAsset.objects.filter(processing__in=PENDING, source__isnull=False).only(
        "pk", "created_at", "processing"
    ):
        if not is_stale(conversion, now=now):
            continue
        # one message per period at most; the heartbeat stays as it is (a fresh one
        # would tell the run this message starts that a live worker has the conversion)
        resent = cache.get(_resent_key(conversion.pk))
        if resent is not None and now - resent <= stuck_after():
            continue
        cache.set(_resent_key(conversion.pk), now, timeout=int(stuck_after() * 2) + 1)
        send(conversion.pk)
        sent.append(conversion.pk)
    if sent:
        logger.warning("Sent again %d conversion(s) nobody worked on: %s", len(sent), sent)
    return sent


def _claim(conversion_id: int) -> MediaAsset | None:
    """Take the conversion for this run: a queued one, or a running one whose worker is
    gone (stale heartbeat). None: done, failed, or being converted by a live worker. A
    conversion whose workers died ``MAX_TAKEOVERS`` times (a video that crashes the
    converter, or one too big for the worker's memory) fails instead of looping."""
    with transaction.atomic():
        conversion = (
            MediaAsset.objects.select_for_update(of=("self",)).select_related("source").filter(pk=conversion_id).first()
        )
        if conversion is None or conversion.processing not in PENDING:
            return None
        if conversion.source is None:
            _fail(conversion, "The original video was deleted from the media library; nothing to convert.")
            return None
        if conversion.processing == MediaAsset.Processing.RUNNING:
            if not is_stale(conversion):
                return None
            takeovers = cache.get(_takeover_key(conversion_id), 0) + 1
            cache.set(_takeover_key(conversion_id), takeovers, timeout=int(stuck_after() * (MAX_TAKEOVERS + 2)) + 1)
            if takeovers > MAX_TAKEOVERS:
                logger.error("Conversion %s abandoned %d times: given up", conversion_id, takeovers - 1)
                _fail(
                    conversion,
                    "The video could not be converted: the converter stopped on it several times. "
                    "Export it again as MP4 from your phone or editor and upload it.",
                )
                return None
        conversion.processing = MediaAsset.Processing.RUNNING
        conversion.processing_progress = 0
        conversion.processing_error = ""
        conversion.save(update_fields=["processing", "processing_progress", "processing_error"])
    beat(conversion_id)
    return conversion


def _resent_key(conversion_id: int) -> str:
    return f"transcode:resent:{conversion_id}"


def _takeover_key(conversion_id: int) -> str:
    return f"transcode:takeovers:{conversion_id}"


# --- converting -----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What the output will be, read from the original."""

    width: int  # upright, even
    height: int
    rotation: int  # clockwise degrees the player turned the original
    rate: Fraction  # frames per second of the output
    audio: bool


def plan(in_video, probed, has_audio: bool) -> Plan:
    width, height = probed.width, probed.height  # as displayed
    scale = min(1.0, MAX_SIDE / max(width, height))
    out_w = max(2, int(width * scale) // 2 * 2)
    out_h = max(2, int(height * scale) // 2 * 2)
    source_rate = in_video.average_rate or in_video.guessed_rate or in_video.base_rate
    rate = Fraction(source_rate) if source_rate and 0 < float(source_rate) <= MAX_FPS else Fraction(MAX_FPS)
    if rate.denominator > 1001:  # an odd average of a variable rate: round it
        rate = Fraction(round(float(rate)))
    return Plan(width=out_w, height=out_h, rotation=probed.rotation % 360, rate=rate, audio=has_audio)


def _video_graph(in_video, p: Plan):
    graph = av.filter.Graph()
    nodes = [graph.add_buffer(template=in_video)]
    if p.rotation == 90:
        nodes.append(graph.add("transpose", "clock"))
    elif p.rotation == 270:
        nodes.append(graph.add("transpose", "cclock"))
    elif p.rotation == 180:
        nodes.append(graph.add("hflip"))
        nodes.append(graph.add("vflip"))
    nodes.append(graph.add("scale", f"{p.width}:{p.height}"))
    nodes.append(graph.add("fps", f"{p.rate.numerator}/{p.rate.denominator}"))
    nodes.append(graph.add("format", "yuv420p"))
    nodes.append(graph.add("buffersink"))
    graph.link_nodes(*nodes).configure()
    return graph


def convert_file(source_path: str, out_path: str, *, on_progress=None) -> Plan:
    """Write ``source_path`` converted to ``out_path`` (MP4). ``on_progress(percent)`` is
    called as decoding moves on (by decoded time over duration). Raises
    ``ConversionFailed`` in plain words."""
    try:
        probed = probe(source_path)
    except NotAVideo as exc:
        raise ConversionFailed(str(exc)) from exc
    duration = probed.duration or 0.0
    try:
        source = av.open(source_path, metadata_errors="ignore")
    except (av.FFmpegError, OSError) as exc:
        raise ConversionFailed("The video could not be opened; upload it again.") from exc
    try:
        with source, av.open(out_path, "w", format="mp4", options={"movflags": "+faststart"}) as out:
            in_video = source.streams.video[0]
            in_audio = source.streams.audio[0] if source.streams.audio else None
            in_video.thread_type = "AUTO"
            p = plan(in_video, probed, in_audio is not None)
            v_out = out.add_stream("libx264", rate=p.rate)
            v_out.width, v_out.height = p.width, p.height
            v_out.pix_fmt = "yuv420p"
            v_out.codec_context.time_base = 1 / p.rate
            gop = max(1, round(float(p.rate) * KEYFRAME_SECONDS))
            v_out.options = {
                "preset": X264_PRESET,
                "profile": "high",
                "crf": X264_CRF,
                "maxrate": str(VIDEO_MAXRATE),
                "bufsize": str(VIDEO_MAXRATE * 2),
                "g": str(gop),
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0",
            }
            a_out = resampler = fifo = None
            if in_audio is not None:
                a_out = out.add_stream("aac", rate=AUDIO_RATE)
                a_out.layout = "stereo"
                a_out.bit_rate = AUDIO_BITRATE
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE)
                fifo = av.AudioFifo()
            graph = _video_graph(in_video, p)
            state = {"video_frames": 0, "audio_samples": 0, "percent": -1, "video_time_base": 1 / p.rate}

            def report(seconds):
                if on_progress is None or not duration or seconds is None:
                    return
                percent = max(0, min(99, int(seconds * 100 / duration)))
                if percent >= state["percent"] + PROGRESS_STEP:
                    state["percent"] = percent
                    on_progress(percent)

            def write_video(frame):
                graph.push(frame)
                _drain_video(graph, v_out, out, state)

            def write_audio(frame):
                for chunk in resampler.resample(frame):
                    fifo.write(chunk)
                _drain_audio(fifo, a_out, out, state, final=frame is None)

            streams = [in_video] + ([in_audio] if in_audio is not None else [])
            for packet in source.demux(*streams):
                for frame in packet.decode():
                    if packet.stream is in_video:
                        write_video(frame)
                        report(frame.time)
                    else:
                        frame.pts = None  # the resampler makes its own timeline
                        write_audio(frame)
            write_video(None)
            for packet in v_out.encode():
                out.mux(packet)
            if a_out is not None:
                write_audio(None)
                for packet in a_out.encode():
                    out.mux(packet)
            if state["video_frames"] == 0:
                raise ConversionFailed("The video has no picture we could read; upload it again.")
    except ConversionFailed:
        raise
    except (av.FFmpegError, ValueError, OSError) as exc:
        logger.warning("Conversion of %s failed: %s", source_path, exc)
        raise ConversionFailed(
            "The video could not be converted: part of it could not be read (the file may be damaged). "
            "Export it again as MP4 from your phone or editor and upload it."
        ) from exc
    return p


def _drain_video(graph, v_out, out, state) -> None:
    while True:
        try:
            frame = graph.pull()
        except (av.BlockingIOError, av.EOFError):
            return
        frame.pts = state["video_frames"]
        frame.time_base = state["video_time_base"]
        frame.pict_type = av.video.frame.PictureType.NONE
        state["video_frames"] += 1
        for packet in v_out.encode(frame):
            out.mux(packet)


def _drain_audio(fifo, a_out, out, state, *, final: bool) -> None:
    size = a_out.codec_context.frame_size or 1024
    while fifo.samples >= size or (final and fifo.samples):
        frame = fifo.read(min(size, fifo.samples))
        frame.pts = state["audio_samples"]
        frame.time_base = Fraction(1, AUDIO_RATE)
        state["audio_samples"] += frame.samples
        for packet in a_out.encode(frame):
            out.mux(packet)


def run(conversion_id: int) -> MediaAsset | None:
    """Convert the original of conversion ``conversion_id`` (the task's body). Returns the
    conversion when this run did it; None when there was nothing to do for this run."""
    conversion = _claim(conversion_id)
    if conversion is None:
        return None
    original = conversion.source
    last = {"beat": float("-inf")}  # the first progress beats at once

    def on_progress(percent: int) -> None:
        MediaAsset.objects.filter(pk=conversion.pk, processing=MediaAsset.Processing.RUNNING).update(
            processing_progress=percent
        )
        now = time.monotonic()
        if now - last["beat"] >= heartbeat_every() or percent % 10 == 0:
            last["beat"] = now
            beat(conversion.pk)
            # the worker is busy on its queue, not gone: a one-at-a-time "media" worker
            # misses beat's heartbeat tasks while it converts a long video
            operations.record_heartbeat(QUEUE)

    try:
        try:
            source_path = original.file.path
        except (NotImplementedError, ValueError) as exc:
            raise ConversionFailed("The original video is not in the media library any more.") from exc
        if not os.path.exists(source_path):
            raise ConversionFailed("The original video is missing from the media library; upload it again.")
        # one work file per conversion: a run that takes over from a killed worker writes
        # over what that worker left (nothing piles up in the temp folder)
        work = os.path.join(tempfile.gettempdir(), "smm-convert")
        os.makedirs(work, exist_ok=True)
        out_path = os.path.join(work, f"{conversion.pk}.mp4")
        try:
            convert_file(source_path, out_path, on_progress=on_progress)
            beat(conversion.pk)
            _store(conversion, out_path)
        finally:
            if os.path.exists(out_path):
                os.unlink(out_path)
    except ConversionFailed as exc:
        _fail(conversion, str(exc))
        return conversion
    except Exception:
        logger.exception("Conversion %s failed", conversion.pk)
        _fail(conversion, "The video could not be converted because of an error on our side; try again later.")
        raise
    logger.info("Converted video %s into %s", original.pk, conversion.pk)
    return conversion


def _store(conversion: MediaAsset, out_path: str) -> None:
    try:
        result = probe(out_path)
        poster = poster_frame(out_path)
    except (NotAVideo, av.FFmpegError) as exc:
        raise ConversionFailed("The converted video could not be read back; try again.") from exc
    with open(out_path, "rb") as handle:
        conversion.file.save(conversion.original_name, File(handle), save=False)
    conversion.thumbnail.save("thumb.jpg", ContentFile(poster), save=False)
    result.apply_to(conversion)
    conversion.processing = MediaAsset.Processing.READY
    conversion.processing_progress = 100
    conversion.processing_error = ""
    conversion.save()


def _fail(conversion: MediaAsset, message: str) -> None:
    MediaAsset.objects.filter(pk=conversion.pk).update(
        processing=MediaAsset.Processing.FAILED, processing_error=message[:500]
    )
    conversion.processing = MediaAsset.Processing.FAILED
    conversion.processing_error = message[:500]
