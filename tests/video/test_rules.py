"""Each network's video rules, in a marketer's words, and sending a file from disk."""

from __future__ import annotations

import pytest
import requests
import responses

from smm.platforms.base import MediaItem, PostContent
from smm.platforms.video import (
    CURABLE,
    VIDEO_ASPECT,
    VIDEO_CODEC,
    VIDEO_COUNT,
    VIDEO_FRAME_RATE,
    VIDEO_MIXED,
    VIDEO_NOT_TAKEN,
    VIDEO_SIZE,
    VIDEO_TOO_LONG,
    VIDEO_TOO_SHORT,
    FileRange,
    VideoRules,
    chunks,
    video_problems,
)

RULES = VideoRules(
    max_bytes=300_000_000,
    min_seconds=3,
    max_seconds=180,
    min_aspect=1 / 2.4,
    max_aspect=2.4,
    max_fps=60,
    video_codecs=("h264", "hevc"),
)


def video(**kw) -> MediaItem:
    base = {
        "mime_type": "video/mp4",
        "path": "/nonexistent.mp4",
        "size": 10_000_000,
        "width": 1080,
        "height": 1920,
        "duration": 30.0,
        "frame_rate": 30.0,
        "video_codec": "h264",
    }
    base.update(kw)
    return MediaItem(**base)


def codes(media, rules=RULES, label="Bluesky"):
    return [p.code for p in video_problems(rules, media, label=label)]


def test_a_video_within_the_rules_has_no_problem():
    assert codes([video()]) == []


def test_too_long_says_how_long_and_the_limit():
    (problem,) = video_problems(RULES, [video(duration=200.0)], label="Bluesky")
    assert problem.code == VIDEO_TOO_LONG and problem.field == "media"
    assert problem.message == "The video is 3 min 20 s long; a Bluesky video can be at most 3 minutes."


def test_too_short_and_too_big_and_wrong_shape_and_codec_and_fps():
    item = video(duration=1.0, size=400_000_000, width=3000, height=1000, video_codec="vp9", frame_rate=120.0)
    found = codes([item])
    assert set(found) == {VIDEO_TOO_SHORT, VIDEO_SIZE, VIDEO_ASPECT, VIDEO_CODEC, VIDEO_FRAME_RATE}
    messages = " ".join(p.message for p in video_problems(RULES, [item], label="LinkedIn"))
    assert "400 MB; LinkedIn's limit is 300 MB" in messages
    assert "3000x1000 (3.00:1)" in messages
    assert "VP9" in messages and "120 frames a second" in messages
    assert {VIDEO_CODEC, VIDEO_FRAME_RATE} <= CURABLE and VIDEO_TOO_LONG not in CURABLE


def test_one_video_per_post_and_no_mixing_with_images():
    image = MediaItem(mime_type="image/jpeg", data=b"x")
    assert codes([video(), video()]) == [VIDEO_COUNT]
    assert codes([video(), image]) == [VIDEO_MIXED]
    assert codes([video(), image], rules=VideoRules(mix_with_images=True)) == []


def test_a_network_without_video():
    (problem,) = video_problems(None, [video()], label="Pinterest")
    assert problem.code == VIDEO_NOT_TAKEN
    assert problem.message == "Pinterest does not take video from SMM; remove the video."
    assert video_problems(None, [MediaItem(mime_type="image/png", data=b"x")], label="Pinterest") == []


def test_live_limits_replace_the_defaults():
    narrowed = RULES.with_limits(max_bytes=1_000_000, max_seconds=None)
    assert narrowed.max_bytes == 1_000_000 and narrowed.max_seconds == 180


def test_image_checks_leave_videos_to_the_video_rules():
    from smm.platforms.linkedin import LinkedInAdapter

    adapter = LinkedInAdapter()
    content = PostContent(text="hello", media=[video()])
    messages = [
        p.message for p in adapter.image_rule_problems(content, name="LinkedIn", types_allowed="x", size_limit="y")
    ]
    assert messages == []


def test_chunks_cover_the_file_exactly():
    assert chunks(10, 4) == [(0, 4), (4, 4), (8, 2)]
    assert chunks(8, 4) == [(0, 4), (4, 4)]
    assert chunks(0, 4) == [(0, 0)]


@responses.activate
def test_a_file_range_is_sent_with_its_exact_length(tmp_path):
    path = tmp_path / "clip.mp4"
    payload = bytes(range(256)) * 1000  # 256,000 bytes
    path.write_bytes(payload)
    got = {}

    def upload(request):
        body = request.body
        data = body.read() if hasattr(body, "read") else body
        got["length"] = request.headers.get("Content-Length")
        got["data"] = data
        return (200, {}, "{}")

    responses.add_callback(responses.PUT, "http://127.0.0.1:9/upload", callback=upload)
    part = FileRange(path, start=100_000, length=50_000)
    assert len(part) == 50_000
    requests.put("http://127.0.0.1:9/upload", data=part, timeout=5)
    assert got["length"] == "50000"
    assert got["data"] == payload[100_000:150_000]


def test_a_file_range_is_read_a_piece_at_a_time_and_can_be_sent_again(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"abcdefghij")
    part = FileRange(path, start=2, length=5)
    assert part.read(2) == b"cd"
    assert part.read() == b"efg"
    assert part.read() == b""
    part.rewind()
    assert part.read() == b"cdefg"
    with pytest.raises(ValueError):
        FileRange(path, start=11)


def test_a_file_range_reports_its_progress_and_a_heartbeat_remembers_it_sparingly(tmp_path):
    from smm.platforms.video import Heartbeat

    path = tmp_path / "clip.mp4"
    path.write_bytes(b"x" * 100)
    now = [0.0]
    remembered = []
    beat = Heartbeat(remembered.append, every_bytes=30, every_seconds=10, total=100, clock=lambda: now[0])
    body = FileRange(path, on_progress=beat)
    for _ in range(10):
        body.read(10)  # 10 bytes a read: every 30 bytes, and at the end
    assert remembered == [30, 60, 90, 100]
    # time alone also makes it remember
    remembered.clear()
    beat = Heartbeat(remembered.append, every_seconds=10, clock=lambda: now[0])
    beat(5)
    now[0] = 11.0
    beat(6)
    assert remembered == [6]
