"""A marketer attaches a video in the composer: it goes up in pieces (tus) with its progress
in percent and MB, survives a dropped connection (the upload resumes where the bytes
stopped, nothing sent twice), then shows attached with its poster and duration, and the live
checks say which networks refuse it (a 3-minute-plus clip: Bluesky and X say it is too long)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from posts.models import MediaAsset, MediaUpload
from posts.video import make_clip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_a_video_attached_in_the_composer_uploads_with_progress_resumes_after_a_drop_and_is_checked(
    page, live_server, login, screenshot, team, make_account, tmp_path
):
    # given: the editor of Acme, whose brand also posts to Bluesky, and a 185-second clip
    bluesky = make_account(team.brand, "bluesky", "@acme.bsky.social")
    path = make_clip(tmp_path / "beans.mp4", seconds=185, fps=1, width=160, height=284, audio=False)
    with open(path, "rb") as handle:
        clip = handle.read()
    login("editor")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/new/")
    page.locator("#id_text").fill("Our roastery, in three minutes and a bit")
    # small chunks, so the upload takes several requests
    page.evaluate("document.querySelector('[data-tus]').dataset.chunkSize = String(16 * 1024)")

    # the network drops the second piece; the retry of it is held until the progress is seen
    sent: list[str] = []
    held = []

    def network(route, request):
        sent.append(request.method)
        patches = sent.count("PATCH")
        if request.method == "PATCH" and patches == 2:
            route.abort("connectionreset")
        elif request.method == "PATCH" and patches == 3:
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r".*/media/uploads/.*"), network)

    # when: she chooses the video
    page.get_by_test_id("media-upload").set_input_files(str(path))

    # then: the progress shows percent and megabytes while the upload waits on the network
    status = page.get_by_test_id("upload-status")
    expect(status).to_have_text(re.compile(r"^Uploading beans\.mp4: \d+% \(\d+\.\d of \d+\.\d MB\)$"))
    page.wait_for_function("() => document.querySelector('progress[data-tus-bar]').value > 0", timeout=10_000)
    screenshot("video-upload-progress")
    # and after the drop the client asked where the upload was (HEAD) before going on
    for _ in range(200):  # up to 10 s for the retry to arrive
        if held:
            break
        page.wait_for_timeout(50)
    assert held, f"the retry of the dropped piece never came: {sent}"
    assert sent[:4] == ["POST", "PATCH", "PATCH", "HEAD"], sent
    held.pop().continue_()
    page.unroute(re.compile(r".*/media/uploads/.*"))

    # then: the video is attached, checked in the picker, with its poster and duration
    expect(status).to_contain_text("beans.mp4 is attached (185.0 s", timeout=20_000)
    asset = MediaAsset.objects.get()
    choice = page.locator(f'.media-choice:has(input[value="{asset.pk}"])')
    expect(choice.locator("input")).to_be_checked()
    expect(choice.locator("img")).to_be_visible()
    expect(choice.get_by_test_id("video-duration")).to_have_text("▶ 185.0 s")
    # the bytes arrived once and whole, from one upload
    assert MediaUpload.objects.count() == 1
    with asset.file.open("rb") as stored:
        assert stored.read() == clip
    assert (asset.kind, asset.video_codec) == ("video", "h264")

    # and the live checks say which networks refuse a video of this length
    checks = page.get_by_test_id("checks")
    expect(checks.locator(f'[data-account="{bluesky.pk}"]')).to_contain_text("long", timeout=10_000)
    expect(checks.locator(f'[data-account="{bluesky.pk}"]')).to_contain_text("at most")
    expect(checks.locator(f'[data-account="{team.x.pk}"]')).to_contain_text("at most")
    expect(page.locator("#id_text")).to_have_value("Our roastery, in three minutes and a bit")
    screenshot("video-upload-attached")

    # when: she presses Schedule without a date, the page comes back with what she chose
    page.get_by_test_id("schedule").click()
    expect(page.get_by_text("Pick a date and a time to schedule the post.")).to_be_visible()
    expect(page.locator("#id_text")).to_have_value("Our roastery, in three minutes and a bit")
    expect(page.locator(f'.media-choice input[value="{asset.pk}"]')).to_be_checked()
    expect(page.locator(f'.media-choice:has(input[value="{asset.pk}"])').get_by_test_id("video-duration")).to_have_text(
        "▶ 185.0 s"
    )


def test_a_video_uploaded_in_the_media_library_is_listed_and_its_poster_chosen_again(
    page, live_server, login, screenshot, team, tmp_path
):
    # given: the editor on the media library page, and a 4-second phone-shaped clip
    path = make_clip(tmp_path / "latte-art.mp4", seconds=4, width=180, height=320)
    login("editor")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/media/")
    # when: she picks the video and presses Upload
    page.locator("input[type=file][name=file]").set_input_files(str(path))
    page.locator("#id_alt_text").fill("Latte art, poured slowly")
    page.get_by_role("button", name="Upload", exact=True).click()
    # then: once it is up, the page shows it with its poster, duration, size and codec
    card = page.get_by_test_id("asset").filter(has_text="latte-art.mp4")
    expect(card).to_contain_text("180 × 320", timeout=20_000)
    expect(card).to_contain_text("4.0 s")
    expect(card).to_contain_text("H264")
    expect(card.locator("img").first).to_be_visible()
    asset = MediaAsset.objects.get()
    assert asset.alt_text == "Latte art, poured slowly"
    first_poster = asset.thumbnail.name
    # when: she chooses the frame at 3 seconds as its poster
    card.get_by_text("Change the poster").click()
    card.get_by_label("Poster frame of latte-art.mp4, in seconds").fill("3")
    card.get_by_role("button", name="Use this frame").click()
    # then: the page says so and the poster is a new picture
    expect(page.get_by_text("New poster for latte-art.mp4.")).to_be_visible()
    asset.refresh_from_db()
    assert asset.thumbnail.name != first_poster
    screenshot("media-library-video")
