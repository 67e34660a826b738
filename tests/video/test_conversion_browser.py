"""A marketer converts a WebM from the media library: the button, the progress that
follows the worker without a reload, then the copy beside the original; and in the
composer a network refusing the VP9 video offers "Convert it", which swaps the copy in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from posts import transcode
from posts.models import MediaAsset
from posts.video import make_clip
from tests.video.test_conversion_views import picky_checks  # noqa: F401 (fixture)
from tests.video.test_transcode import video_asset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FOLLOWS_WITHIN_MS = 15_000  # the fragment asks every 2 s


@pytest.fixture
def library(settings, tmp_path, make_workspace, make_member, make_brand, make_account, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    sent = []
    monkeypatch.setattr(transcode, "send", sent.append)  # the worker is this test
    ws = make_workspace("Acme")
    editor = make_member(ws, "editor", username="editor")
    brand = make_brand(ws, "Acme Coffee")
    account = make_account(brand, "mastodon", "@acme@social.example", base_url="https://social.example")
    make_clip(tmp_path / "beans.webm", seconds=1, width=320, height=180, codec="vp9")
    video = video_asset(ws, tmp_path / "beans.webm")
    return {"ws": ws, "editor": editor, "brand": brand, "account": account, "video": video, "sent": sent}


def test_convert_from_the_library_and_follow_the_progress(page, live_server, login, screenshot, library):
    login("editor")
    page.goto(f"{live_server.url}/w/{library['ws'].slug}/posts/media/")
    card = page.locator('[data-testid="asset"]', has_text="beans.webm")
    card.get_by_role("button", name="Convert for every network").click()
    expect(card.get_by_test_id("conversion-progress")).to_have_text("Waiting to be converted…")
    conversion = library["video"].conversions.get()
    assert library["sent"] == [conversion.pk]
    MediaAsset.objects.filter(pk=conversion.pk).update(processing="running", processing_progress=42)
    expect(card.get_by_test_id("conversion-progress")).to_contain_text("42%", timeout=FOLLOWS_WITHIN_MS)
    screenshot("video-conversion-progress")
    MediaAsset.objects.filter(pk=conversion.pk).update(processing="queued")
    transcode.run(conversion.pk)
    expect(card.get_by_test_id("conversion-ready")).to_contain_text(
        "Converted copy ready: “beans (converted).mp4”", timeout=FOLLOWS_WITHIN_MS
    )
    page.reload()
    expect(page.get_by_test_id("converted-from")).to_have_text("Converted copy of “beans.webm”")
    screenshot("video-conversion-ready")


def test_convert_it_in_the_composer_swaps_the_copy_in(
    page,
    live_server,
    login,
    screenshot,
    library,
    picky_checks,  # noqa: F811
):
    login("editor")
    page.goto(f"{live_server.url}/w/{library['ws'].slug}/posts/new/")
    page.select_option("#id_brand", str(library["brand"].pk))
    page.check(f"input[name=accounts][value='{library['account'].pk}']")
    page.check(f"input[name=media][value='{library['video'].pk}']")
    checks = page.get_by_test_id("checks")
    expect(checks).to_contain_text("VP9")
    checks.get_by_role("button", name="Convert it").click()
    expect(checks.get_by_test_id("conversion-progress")).to_be_visible()
    screenshot("video-convert-it-composer")
    conversion = library["video"].conversions.get()
    transcode.run(conversion.pk)
    # the copy takes the original's place in the media choice, and the network takes it
    expect(page.locator(f"input[name=media][value='{conversion.pk}']")).to_be_checked(timeout=FOLLOWS_WITHIN_MS)
    expect(checks).not_to_contain_text("VP9", timeout=FOLLOWS_WITHIN_MS)
    assert page.locator(f"input[name=media][value='{library['video'].pk}']:checked").count() == 0
    # the preview still shows the video, now the copy's poster
    conversion.refresh_from_db()
    expect(page.locator(f"img[src='{conversion.thumbnail.url}']").first).to_be_attached(timeout=FOLLOWS_WITHIN_MS)
    screenshot("video-convert-it-swapped")
