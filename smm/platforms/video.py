"""Video for adapters: each network's rules as data, the problems a video breaks in a
marketer's words, and the pieces that send a video from disk without reading it into
memory.

A video reaches an adapter as a ``MediaItem`` with ``path`` (a local file) and what the
app's probe read (duration, frame rate, codecs...); ``data`` is None. Adapters upload it
with ``FileRange`` (one byte range, exact ``Content-Length``) or ``open_stream`` (the whole
file), never with ``read()`` of the whole file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smm.platforms.base import MediaItem, Problem

# Codes of the video problems (``Problem.code``): the composer and the tests match on these.
VIDEO_NOT_TAKEN = "video_not_taken"
VIDEO_COUNT = "video_count"
VIDEO_MIXED = "video_mixed"
VIDEO_TYPE = "video_type"
VIDEO_CODEC = "video_codec"
VIDEO_SIZE = "video_size"
VIDEO_TOO_LONG = "video_too_long"
VIDEO_TOO_SHORT = "video_too_short"
VIDEO_ASPECT = "video_aspect"
VIDEO_FRAME_RATE = "video_frame_rate"
VIDEO_DIMENSIONS = "video_dimensions"

# Problems a conversion to the common profile (MP4 H.264 yuv420p AAC, 30 fps, at most
# 1920 px) would cure: the composer offers "Convert" for these, not for length or size.
CURABLE = frozenset({VIDEO_TYPE, VIDEO_CODEC, VIDEO_FRAME_RATE, VIDEO_DIMENSIONS})


@dataclass(frozen=True)
class VideoRules:
    """What one network takes as video. A limit left at None is not checked (the network
    has none, or none we could confirm). Sizes are bytes; durations seconds; aspect is
    width / height."""

    max_bytes: int | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    min_aspect: float | None = None
    max_aspect: float | None = None
    max_fps: float | None = None
    min_fps: float | None = None
    max_width: int | None = None
    max_height: int | None = None
    max_pixels: int | None = None  # width x height (Mastodon's "matrix")
    mime_types: tuple[str, ...] = ("video/mp4", "video/quicktime")
    # lower-case codec names as the probe reports them (PyAV: "h264", "hevc", "vp9"...);
    # empty: any codec
    video_codecs: tuple[str, ...] = ()
    max_videos: int = 1
    mix_with_images: bool = False
    # what the network calls it, where that differs from "video" ("Reel")
    noun: str = "video"
    extra: dict[str, Any] = field(default_factory=dict)

    def with_limits(self, **changes: Any) -> VideoRules:
        """These rules with some limits replaced (an instance's own, read live)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _seconds(value: float) -> str:
    if value >= 120 and value % 60 == 0:
        return f"{value / 60:g} minutes"
    if value >= 60:
        minutes, seconds = divmod(round(value), 60)
        return f"{minutes} min {seconds:02d} s" if seconds else f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{value:g} second{'s' if value != 1 else ''}"


def _size(value: int) -> str:
    if value >= 1_000_000_000:
        return f"{value / 1_000_000_000:.3g} GB"
    return f"{value / 1_000_000:.3g} MB"


def _ratio(value: float) -> str:
    """1.7777 -> "16:9"-like words a person knows, else "1.78:1"."""
    known = {16 / 9: "16:9", 9 / 16: "9:16", 1.0: "1:1", 4 / 5: "4:5", 4 / 3: "4:3", 3 / 4: "3:4"}
    for ratio, words in known.items():
        if abs(ratio - value) < 0.01:
            return words
    return f"{value:.2f}:1" if value >= 1 else f"1:{1 / value:.2f}"


def video_problems(rules: VideoRules | None, media: list[MediaItem], *, label: str) -> list[Problem]:
    """What ``media`` breaks of ``rules`` as "Mastodon ..." sentences (field "media").
    ``rules`` None: the network takes no video from us. Images are not judged here."""
    from smm.platforms.base import Problem

    videos = [item for item in media if item.is_video]
    if not videos:
        return []
    if rules is None:
        return [Problem("media", f"{label} does not take video from SMM; remove the video.", VIDEO_NOT_TAKEN)]
    problems: list[Problem] = []
    noun = rules.noun
    if len(videos) > rules.max_videos:
        most = "one video" if rules.max_videos == 1 else f"{rules.max_videos} videos"
        problems.append(Problem("media", f"{label} takes {most} per post; this post has {len(videos)}.", VIDEO_COUNT))
    if not rules.mix_with_images and len(videos) < len(media):
        problems.append(
            Problem(
                "media", f"{label} does not mix a video with images in one post; keep one or the other.", VIDEO_MIXED
            )
        )
    many = len(videos) > 1
    for index, item in enumerate(videos, start=1):
        name = f"Video {index}" if many else "The video"
        problems += _one_video(rules, item, name=name, label=label, noun=noun)
    return problems


def _one_video(rules: VideoRules, item: MediaItem, *, name: str, label: str, noun: str) -> list[Problem]:
    from smm.platforms.base import Problem

    out: list[Problem] = []
    possessive = f"{label}'" if label.endswith("s") else f"{label}'s"
    if rules.mime_types and item.mime_type not in rules.mime_types:
        kinds = ", ".join(sorted({t.split("/")[-1].replace("quicktime", "MOV").upper() for t in rules.mime_types}))
        out.append(Problem("media", f"{name} is a {_kind(item.mime_type)} file; {label} takes {kinds}.", VIDEO_TYPE))
    if rules.video_codecs and item.video_codec and item.video_codec.lower() not in rules.video_codecs:
        out.append(
            Problem(
                "media",
                f"{name} is encoded as {item.video_codec.upper()}, which {label} does not play; "
                "convert it to MP4 (H.264).",
                VIDEO_CODEC,
            )
        )
    size = item.byte_size
    if rules.max_bytes and size > rules.max_bytes:
        out.append(
            Problem(
                "media",
                f"{name} is {_size(size)}; {possessive} limit is {_size(rules.max_bytes)}.",
                VIDEO_SIZE,
            )
        )
    duration = item.duration
    if duration is not None:
        if rules.max_seconds is not None and duration > rules.max_seconds + 0.05:
            out.append(
                Problem(
                    "media",
                    f"{name} is {_seconds(round(duration, 1))} long; {_article(label)} {label} {noun} can be at most "
                    f"{_seconds(rules.max_seconds)}.",
                    VIDEO_TOO_LONG,
                )
            )
        if rules.min_seconds is not None and duration < rules.min_seconds - 0.05:
            out.append(
                Problem(
                    "media",
                    f"{name} is {_seconds(round(duration, 1))} long; {_article(label)} {label} {noun} "
                    f"must last at least {_seconds(rules.min_seconds)}.",
                    VIDEO_TOO_SHORT,
                )
            )
    width, height = item.width or 0, item.height or 0
    if width and height:
        aspect = width / height
        if (rules.min_aspect is not None and aspect < rules.min_aspect - 0.005) or (
            rules.max_aspect is not None and aspect > rules.max_aspect + 0.005
        ):
            low = _ratio(rules.min_aspect) if rules.min_aspect else None
            high = _ratio(rules.max_aspect) if rules.max_aspect else None
            span = f"between {low} and {high}" if low and high else (f"at least {low}" if low else f"at most {high}")
            out.append(
                Problem(
                    "media",
                    f"{name} is {width}x{height} ({_ratio(aspect)}); {label} takes shapes {span}.",
                    VIDEO_ASPECT,
                )
            )
        too_big = (
            (rules.max_width and width > rules.max_width)
            or (rules.max_height and height > rules.max_height)
            or (rules.max_pixels and width * height > rules.max_pixels)
        )
        if too_big:
            out.append(
                Problem(
                    "media",
                    f"{name} is {width}x{height} pixels, larger than {label} plays; convert it to a smaller size.",
                    VIDEO_DIMENSIONS,
                )
            )
    fps = item.frame_rate
    if fps:
        if rules.max_fps and fps > rules.max_fps + 0.5:
            out.append(
                Problem(
                    "media",
                    f"{name} has {fps:.0f} frames a second; {label} takes at most {rules.max_fps:g}.",
                    VIDEO_FRAME_RATE,
                )
            )
        if rules.min_fps and fps < rules.min_fps - 0.5:
            out.append(
                Problem(
                    "media",
                    f"{name} has {fps:.0f} frames a second; {label} needs at least {rules.min_fps:g}.",
                    VIDEO_FRAME_RATE,
                )
            )
    return out


def _article(word: str) -> str:
    """ "an Instagram", "an X", "a LinkedIn" (X is said "ex")."""
    return "an" if word[:1].upper() in "AEIOUX" else "a"


def _kind(mime_type: str) -> str:
    sub = (mime_type or "unknown").split("/")[-1]
    return {"quicktime": "MOV", "x-matroska": "MKV", "x-msvideo": "AVI"}.get(sub, sub.upper())


# --- sending a file from disk ----------------------------------------------------------


class FileRange:
    """Bytes ``start`` .. ``start + length - 1`` of the file at ``path``, as a body for
    ``requests``: it has ``__len__`` (so requests sends that exact ``Content-Length``) and
    ``read(n)``, and reads from disk as requests asks, 64 KiB or so at a time. Use one per
    request (it is consumed); ``rewind()`` to send it again."""

    def __init__(
        self,
        path: str | os.PathLike,
        start: int = 0,
        length: int | None = None,
        *,
        on_progress: Callable[[int], None] | None = None,
    ):
        self._handle = None
        self._on_progress = on_progress  # told the bytes read so far, after each read
        self.path = os.fspath(path)
        total = os.path.getsize(self.path)
        if start < 0 or start > total:
            raise ValueError(f"start {start} outside a file of {total} bytes")
        self.start = start
        self.length = total - start if length is None else min(length, total - start)
        self._left = self.length

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            self.close()
            return b""
        if self._handle is None:
            self._handle = open(self.path, "rb")  # noqa: SIM115 -- closed at the end or by close()
            self._handle.seek(self.start)
        want = self._left if size is None or size < 0 else min(size, self._left)
        chunk = self._handle.read(want)
        self._left -= len(chunk)
        if not chunk:
            self._left = 0
        if self._left <= 0:
            self.close()
        if chunk and self._on_progress is not None:
            self._on_progress(self.length - self._left)
        return chunk

    def rewind(self) -> None:
        self.close()
        self._left = self.length

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __del__(self):
        self.close()


class Heartbeat:
    """Called with the bytes sent so far while one long request streams a file: every
    ``every_bytes`` more bytes or ``every_seconds`` (whichever first; None: not that one),
    and at ``total`` when given, it calls ``remember(sent)``. Adapters remember their
    progress with it through ``attempt.remember``, which also renews the publishing lease,
    so a 300 MB upload is never taken by the sweeper while it is still going."""

    def __init__(
        self,
        remember: Callable[[int], None],
        *,
        every_bytes: int | None = None,
        every_seconds: float | None = None,
        total: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.remember = remember
        self.every_bytes = every_bytes
        self.every_seconds = every_seconds
        self.total = total
        self.clock = clock
        self._bytes = 0
        self._at = clock()

    def __call__(self, sent: int) -> None:
        now = self.clock()
        due = (
            (self.every_bytes is not None and sent - self._bytes >= self.every_bytes)
            or (self.every_seconds is not None and now - self._at >= self.every_seconds)
            or (self.total is not None and sent >= self.total)
        )
        if due:
            self._bytes, self._at = sent, now
            self.remember(sent)


def chunks(total: int, size: int) -> list[tuple[int, int]]:
    """(start, length) of each chunk of a ``total``-byte file cut in ``size``-byte pieces."""
    if size <= 0:
        raise ValueError("chunk size must be positive")
    return [(start, min(size, total - start)) for start in range(0, total, size)] or [(0, 0)]
