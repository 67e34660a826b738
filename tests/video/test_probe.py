"""Probing videos with PyAV: what the composer and the networks' rules read."""

from __future__ import annotations

import io

import av
import pytest
from PIL import Image

from posts.video import NotAVideo, make_clip, moov_before_mdat, poster_frame, probe


def test_an_mp4_from_a_phone_app_is_read_fully(tmp_path):
    path = make_clip(tmp_path / "clip.mp4", seconds=2, width=320, height=568, fps=30)
    found = probe(path)
    assert (found.container, found.mime_type) == ("mp4", "video/mp4")
    assert (found.width, found.height, found.rotation) == (320, 568, 0)
    assert found.duration == pytest.approx(2.0, abs=0.05)
    assert found.frame_rate == 30
    assert (found.video_codec, found.pixel_format, found.audio_codec) == ("h264", "yuv420p", "aac")
    assert found.audio_channels == 2 and found.audio_sample_rate == 48000
    assert found.faststart is True and found.bitrate > 0


def test_webm_and_silent_videos_and_a_late_index(tmp_path):
    webm = probe(make_clip(tmp_path / "clip.webm", seconds=1, codec="vp9", width=640, height=360))
    assert (webm.container, webm.mime_type, webm.video_codec) == ("webm", "video/webm", "vp9")
    silent = probe(make_clip(tmp_path / "silent.mp4", seconds=1, audio=False, faststart=False))
    assert silent.audio_codec == "" and silent.audio_channels is None
    assert silent.faststart is False
    assert moov_before_mdat(tmp_path / "silent.mp4") is False


def test_a_phone_video_shot_upright_is_measured_as_it_is_shown(tmp_path):
    # a landscape-coded stream with a display matrix that turns it a quarter, as phones write
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
    found = probe(turned)
    assert found.rotation == 90
    assert (found.width, found.height) == (180, 320)
    poster = Image.open(io.BytesIO(poster_frame(turned)))
    assert poster.height > poster.width  # upright, as the player shows it


def test_the_poster_is_a_jpeg_of_the_chosen_moment(tmp_path):
    path = make_clip(tmp_path / "clip.mp4", seconds=2, width=320, height=568)
    early = Image.open(io.BytesIO(poster_frame(path, at=0)))
    late = Image.open(io.BytesIO(poster_frame(path, at=1.8)))
    assert early.format == "JPEG" and max(early.size) <= 480
    assert early.tobytes() != late.tobytes()  # the bar has moved


def test_what_is_not_a_video_is_refused_in_words(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all")
    with pytest.raises(NotAVideo, match="not a video we can read"):
        probe(text)
    image = tmp_path / "photo.png"
    Image.new("RGB", (10, 10)).save(image)
    with pytest.raises(NotAVideo):
        probe(image)
