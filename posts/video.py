"""Videos in the media library: what a file is (probed with PyAV, whose wheels carry
FFmpeg), its poster frame, and short generated clips for the demo, the tests and the
benches (made here at run time: no video is kept in git).

Nothing here reads a whole video into memory: the probe reads the container's header
and, for the poster, decodes frames up to the chosen time.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field

import av
from PIL import Image, ImageDraw

# What a person may upload as video (the container decides; the name does not).
VIDEO_MIME_BY_FORMAT = {
    "mov,mp4,m4a,3gp,3g2,mj2": None,  # mp4 or mov: told apart by the major brand (below)
    "matroska,webm": "video/webm",
    "mpegts": "video/mp2t",
    "avi": "video/x-msvideo",
    "ogg": "video/ogg",
}
POSTER_SIZE = (480, 480)


class NotAVideo(ValueError):
    """The file is not a video we can read; the message says so in plain words."""


@dataclass
class VideoProbe:
    """What a video file is, as the composer and the networks' rules need it."""

    container: str  # "mp4", "mov", "webm", ...
    mime_type: str
    size: int
    duration: float | None  # seconds
    width: int  # as displayed (rotation applied)
    height: int
    rotation: int  # degrees the player turns the picture
    frame_rate: float | None
    video_codec: str
    pixel_format: str
    bitrate: int | None  # bits per second, all streams
    audio_codec: str = ""  # blank: no sound
    audio_channels: int | None = None
    audio_sample_rate: int | None = None
    faststart: bool | None = None  # MP4/MOV: the index (moov) is before the data
    warnings: list[str] = field(default_factory=list)

    @property
    def duration_ms(self) -> int | None:
        return None if self.duration is None else round(self.duration * 1000)

    def apply_to(self, asset) -> None:
        """Copy what was read onto a ``MediaAsset`` (not saved): the one place the probe's
        findings become the asset's fields (uploads, conversions, the demo)."""
        asset.kind = "video"
        asset.mime_type = self.mime_type
        asset.size = self.size
        asset.width, asset.height = self.width, self.height
        asset.duration_ms = self.duration_ms
        asset.frame_rate = self.frame_rate
        asset.container = self.container
        asset.video_codec = self.video_codec
        asset.audio_codec = self.audio_codec
        asset.pixel_format = self.pixel_format
        asset.bitrate = self.bitrate
        asset.rotation = self.rotation
        asset.faststart = self.faststart


def probe(path: str | os.PathLike) -> VideoProbe:
    """Read ``path``'s container and streams. Raises ``NotAVideo`` in plain words."""
    path = os.fspath(path)
    size = os.path.getsize(path)
    try:
        container = av.open(path, metadata_errors="ignore")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise NotAVideo("This file is not a video we can read: upload an MP4, MOV or WebM video.") from exc
    with container:
        video = next((s for s in container.streams if s.type == "video"), None)
        if video is None or not video.codec_context.width:
            raise NotAVideo("This file has no picture: upload a video (MP4, MOV or WebM).")
        audio = next((s for s in container.streams if s.type == "audio"), None)
        format_name = container.format.name
        if not _is_video_container(format_name):
            raise NotAVideo("This is a picture, not a video: add it as an image, or upload an MP4, MOV or WebM video.")
        container_name, mime_type = _container_and_mime(format_name, container.metadata)
        duration = _duration(container, video)
        rotation = _rotation(container, video)
        width, height = video.codec_context.width, video.codec_context.height
        if rotation % 180:
            width, height = height, width
        rate = video.average_rate or video.guessed_rate or video.base_rate
        frame_rate = round(float(rate), 3) if rate else None
        bitrate = container.bit_rate or (round(size * 8 / duration) if duration else None)
        codec_name = video.codec_context.name
        pixel_format = video.codec_context.format.name if video.codec_context.format else ""
        result = VideoProbe(
            container=container_name,
            mime_type=mime_type,
            size=size,
            duration=duration,
            width=width,
            height=height,
            rotation=rotation,
            frame_rate=frame_rate,
            video_codec=codec_name,
            pixel_format=pixel_format,
            bitrate=int(bitrate) if bitrate else None,
            audio_codec=audio.codec_context.name if audio is not None else "",
            audio_channels=audio.codec_context.channels if audio is not None else None,
            audio_sample_rate=audio.codec_context.sample_rate if audio is not None else None,
        )
    if result.container in ("mp4", "mov"):
        result.faststart = moov_before_mdat(path)
    return result


def _is_video_container(format_name: str) -> bool:
    names = set(format_name.split(","))
    return any(names & set(known.split(",")) for known in VIDEO_MIME_BY_FORMAT)


def _container_and_mime(format_name: str, metadata: dict) -> tuple[str, str]:
    if format_name.startswith("mov,mp4"):
        brand = (metadata.get("major_brand") or "").strip().lower()
        if brand == "qt":
            return "mov", "video/quicktime"
        return "mp4", "video/mp4"
    if "webm" in format_name.split(","):
        return "webm", "video/webm"
    for names, mime in VIDEO_MIME_BY_FORMAT.items():
        if format_name == names or format_name in names.split(","):
            return format_name.split(",")[0], mime or "video/mp4"
    return format_name.split(",")[0], f"video/{format_name.split(',')[0]}"


def _duration(container, video) -> float | None:
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return None


def _rotation(container, video) -> int:
    """Degrees clockwise a player turns the picture (phone videos shot upright carry 90).
    FFmpeg keeps it in the stream's display matrix, which PyAV shows on decoded frames:
    the first frame is decoded for it (cheap: one frame)."""
    value = (video.metadata or {}).get("rotate")
    if value is not None:
        try:
            return int(value) % 360
        except ValueError:
            return 0
    try:
        frame = next(container.decode(video))
    except (StopIteration, av.FFmpegError):
        return 0
    # the display matrix's angle is counter-clockwise
    return round(-(getattr(frame, "rotation", 0) or 0)) % 360


def moov_before_mdat(path: str | os.PathLike) -> bool | None:
    """Whether an MP4/MOV file has its index (``moov``) before its data (``mdat``): the
    "fast start" Meta requires. Walks the top-level boxes only (reads a few bytes each)."""
    with open(path, "rb") as handle:
        offset = 0
        end = os.fstat(handle.fileno()).st_size
        while offset + 8 <= end:
            handle.seek(offset)
            header = handle.read(16)
            if len(header) < 8:
                return None
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8]
            if size == 1 and len(header) >= 16:
                size = int.from_bytes(header[8:16], "big")
            elif size == 0:
                size = end - offset
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size < 8:
                return None
            offset += size
    return None


def poster_frame(path: str | os.PathLike, at: float | None = None, *, size=POSTER_SIZE) -> bytes:
    """A JPEG of the picture at ``at`` seconds (default: a second in, or the middle of a
    shorter clip), turned as the player shows it, fitted in ``size``."""
    with av.open(os.fspath(path)) as container:
        video = container.streams.video[0]
        duration = _duration(container, video) or 0
        if at is None:
            at = min(1.0, duration / 2)
        at = max(0.0, min(at, max(0.0, duration - 0.05)))
        if at > 0 and video.time_base:
            container.seek(int(at / float(video.time_base)), stream=video, backward=True, any_frame=False)
        image = None
        for frame in container.decode(video):
            image = frame.to_image()
            if frame.time is None or frame.time >= at - 0.001:
                break
        if image is None:
            raise NotAVideo("This video has no picture we could read.")
        rotation = getattr(frame, "rotation", 0) or 0
    if rotation:  # counter-clockwise degrees, as PIL turns
        image = image.rotate(rotation, expand=True)
    image = image.convert("RGB")
    image.thumbnail(size)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def make_clip(
    path: str | os.PathLike,
    *,
    seconds: float = 2.0,
    width: int = 320,
    height: int = 568,
    fps: int = 30,
    codec: str = "h264",
    audio: bool = True,
    label: str = "SMM",
    bitrate: int | None = None,
    faststart: bool = True,
) -> str:
    """Write a short generated video (a moving bar and a label, a tone if ``audio``) to
    ``path``: for the demo, the tests and the benches. ``codec`` "h264" makes an MP4 every
    network takes; "vp9" a WebM; "mpeg4" an MP4 most networks refuse."""
    path = os.fspath(path)
    options = {"movflags": "faststart"} if faststart and path.endswith((".mp4", ".mov")) else {}
    with av.open(path, "w", options=options) as container:
        stream = container.add_stream({"vp9": "libvpx-vp9"}.get(codec, codec), rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        if bitrate:
            stream.bit_rate = bitrate
        if codec == "h264":
            stream.options = {"preset": "ultrafast", "g": str(fps * 2)}
        sound = None
        if audio:
            sound = container.add_stream("libopus" if codec == "vp9" else "aac", rate=48000)
            sound.layout = "stereo"
        frames = max(1, round(seconds * fps))
        for index in range(frames):
            image = Image.new("RGB", (width, height), (24, 32, 48))
            draw = ImageDraw.Draw(image)
            x = int((index / frames) * width)
            draw.rectangle([x, height // 3, x + width // 8, height // 3 + height // 10], fill=(240, 160, 40))
            draw.text((10, 10), f"{label} {index / fps:0.1f}s", fill=(255, 255, 255))
            frame = av.VideoFrame.from_image(image)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            _write_tone(container, sound, seconds)
    return path


def _write_tone(container, stream, seconds: float) -> None:
    rate = 48000
    samples_per_frame = stream.codec_context.frame_size or 1024
    total = int(seconds * rate)
    sent = 0
    while sent < total:
        count = min(samples_per_frame, total - sent)
        # planar float stereo, a quiet 440 Hz tone
        channel = b"".join(
            _float_bytes(0.1 * math.sin(2 * math.pi * 440 * (sent + i) / rate)) for i in range(samples_per_frame)
        )
        frame = av.AudioFrame(format="fltp", layout="stereo", samples=samples_per_frame)
        frame.planes[0].update(channel)
        frame.planes[1].update(channel)
        frame.sample_rate = rate
        frame.pts = sent
        for packet in stream.encode(frame):
            container.mux(packet)
        sent += count
    for packet in stream.encode():
        container.mux(packet)


def _float_bytes(value: float) -> bytes:
    import struct

    return struct.pack("<f", value)
