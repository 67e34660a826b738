"""Which video a target sends: the original, or its conversion when the network would
refuse the original only for what a conversion cures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from posts import actions, content, transcode
from posts.models import MediaAsset, PostTarget
from posts.video import make_clip
from smm.platforms import get_adapter as real_get_adapter
from smm.platforms.base import Permanent
from smm.platforms.video import VideoRules
from tests.video.test_transcode import video_asset

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PICKY = VideoRules(max_seconds=30, max_fps=30, video_codecs=("h264",), mime_types=("video/mp4",))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


@pytest.fixture
def picky(monkeypatch):
    """The account's network takes MP4 H.264 up to 30 fps and 30 s (rules as adapters declare)."""

    def get_adapter(network, *args, **kwargs):
        adapter = real_get_adapter(network, *args, **kwargs)
        adapter.video_rules = PICKY
        adapter.label = "Mastodon"
        adapter.apply_limits = lambda limits: adapter  # these rules, whatever the server says
        return adapter

    monkeypatch.setattr(content, "get_adapter", get_adapter)
    monkeypatch.setattr(transcode, "send", lambda pk: None)


@pytest.fixture
def shop(make_workspace, make_member, make_brand, make_account):
    ws = make_workspace("Acme")
    owner = make_member(ws, "owner", username="owner")
    brand = make_brand(ws, "Acme Coffee")
    account = make_account(brand, "mastodon", "@acme@social.example", base_url="https://social.example")
    return ws, owner, brand, account


def target_with(shop, asset) -> PostTarget:
    ws, owner, brand, account = shop
    post = actions.create_post(ws, brand, owner, "A clip", [account], media=[asset])
    return post.targets.get()


def test_a_video_the_network_takes_goes_as_it_is(shop, picky, tmp_path):
    asset = video_asset(shop[0], make_clip_path(tmp_path, "ok.mp4"))
    item = content.build_content(target_with(shop, asset)).media[0]
    assert item.path == asset.file.path and item.video_codec == "h264"


def test_a_refused_codec_without_a_conversion_fails_and_says_how_to_convert(shop, picky, tmp_path):
    asset = video_asset(shop[0], make_clip_path(tmp_path, "clip.webm", codec="vp9"))
    with pytest.raises(Permanent) as caught:
        content.build_content(target_with(shop, asset))
    message = caught.value.user_message
    assert "VP9" in message and "Convert for every network" in message and "clip.webm" in message


def test_a_refused_codec_with_a_ready_conversion_sends_the_conversion(shop, picky, tmp_path):
    asset = video_asset(shop[0], make_clip_path(tmp_path, "clip.webm", codec="vp9"))
    target = target_with(shop, asset)
    conversion = transcode.start(asset)
    with pytest.raises(Permanent):  # still converting: nothing to send yet
        content.build_content(target)
    transcode.run(conversion.pk)
    conversion.refresh_from_db()
    item = content.build_content(target).media[0]
    assert item.path == conversion.file.path
    assert (item.video_codec, item.mime_type, item.filename) == ("h264", "video/mp4", "clip (converted).mp4")


def test_a_60_fps_clip_goes_converted(shop, picky, tmp_path):
    asset = video_asset(shop[0], make_clip_path(tmp_path, "fast.mp4", fps=60))
    conversion = transcode.start(asset)
    transcode.run(conversion.pk)
    item = content.build_content(target_with(shop, asset)).media[0]
    assert item.frame_rate == 30 and item.filename == "fast (converted).mp4"


def test_a_video_too_long_goes_as_it_is_for_the_adapter_to_refuse(shop, picky, tmp_path):
    # a conversion does not make it shorter: the original goes, and the adapter's checks say why
    asset = video_asset(shop[0], make_clip_path(tmp_path, "long.webm", codec="vp9"))
    MediaAsset.objects.filter(pk=asset.pk).update(duration_ms=45_000)
    item = content.build_content(target_with(shop, asset)).media[0]
    assert item.path == asset.file.path and item.duration == 45


def test_a_conversion_still_running_picked_itself_is_not_sent(shop, picky, tmp_path):
    asset = video_asset(shop[0], make_clip_path(tmp_path, "clip.webm", codec="vp9"))
    conversion = transcode.start(asset)
    with pytest.raises(Permanent) as caught:
        content.build_content(target_with(shop, conversion))
    assert "is still being converted" in caught.value.user_message


def make_clip_path(tmp_path, name, **options):
    path = tmp_path / name
    make_clip(path, seconds=1, width=160, height=284, **options)
    return path


def test_a_publish_worker_does_not_load_pyav_to_choose_the_video():
    # PyAV (FFmpeg's libraries, ~17 MB) only where videos are probed or converted: the
    # publishing path picks the copy with a query (bench/README.md, video publishing RSS)
    code = (
        "import django, sys; django.setup(); "
        "import posts.content, posts.publishing, posts.tasks; print('av' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smm.settings"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"
