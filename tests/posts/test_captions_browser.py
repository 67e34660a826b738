"""A marketer adds subtitles to a video in the media library: an SRT file is refused in
words with the language kept, the WebVTT file is taken and listed, then removed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from posts.video import make_clip
from tests.media import video_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_subtitles_are_added_refused_in_words_and_removed_in_the_library(
    page, live_server, login, screenshot, team, tmp_path
):
    video = video_asset(team.workspace, make_clip(tmp_path / "roastery.mp4", seconds=1, audio=False))
    srt = tmp_path / "roastery.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nGrãos frescos\n", encoding="utf-8")
    vtt = tmp_path / "roastery.vtt"
    vtt.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nGrãos frescos chegaram!\n", encoding="utf-8")
    login("editor")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/media/")
    card = page.locator(f"#asset-{video.pk}")
    captions = card.get_by_test_id("captions")

    # an SRT file: refused in words, the language kept, the form open
    captions.locator("summary").click()
    captions.get_by_label("Language of the subtitles of roastery.mp4").fill("pt-BR")
    captions.get_by_label("Subtitle file of roastery.mp4").set_input_files(str(srt))
    captions.get_by_role("button", name="Add subtitles").click()
    card = page.locator(f"#asset-{video.pk}")
    captions = card.get_by_test_id("captions")
    expect(captions.get_by_role("alert")).to_contain_text("This is not a WebVTT subtitle file (.vtt)")
    expect(captions.get_by_label("Language of the subtitles of roastery.mp4")).to_have_value("pt-BR")
    screenshot("captions-refused")

    # the WebVTT file: taken and listed
    captions.get_by_label("Subtitle file of roastery.mp4").set_input_files(str(vtt))
    captions.get_by_role("button", name="Add subtitles").click()
    expect(page.get_by_text("Added the pt-BR subtitles of roastery.mp4.")).to_be_visible()
    captions = page.locator(f"#asset-{video.pk}").get_by_test_id("captions")
    expect(captions.locator("summary")).to_have_text("Subtitles (pt-BR)")
    captions.locator("summary").click()
    expect(captions.get_by_role("link", name="pt-BR.vtt")).to_be_visible()
    screenshot("captions-added")

    # removed
    captions.get_by_role("button", name="Remove the pt-BR subtitles of roastery.mp4").click()
    expect(page.get_by_text("Removed the pt-BR subtitles of roastery.mp4.")).to_be_visible()
    expect(page.locator(f"#asset-{video.pk}").get_by_test_id("captions").locator("summary")).to_have_text("Subtitles")
    assert not video.captions.exists()
