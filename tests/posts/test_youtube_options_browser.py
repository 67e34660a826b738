"""In the browser: a YouTube account's options in the composer (title, made for kids,
who can watch), the live check asking for what YouTube requires, and the note that a
vertical video of under 3 minutes goes out as a Short."""

import pytest
from playwright.sync_api import expect

from posts.models import Post
from posts.video import make_clip
from tests.media import video_asset as stored_video

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vertical_clip(team, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    asset = stored_video(team.workspace, make_clip(tmp_path / "short.mp4", seconds=2, width=320, height=568))
    return asset


def test_youtube_options_and_the_shorts_note(page, live_server, login, screenshot, team, make_account, vertical_clip):
    youtube = make_account(team.brand, "youtube", "@acmecoffee-yt", remote_id="UCacme")
    login("editor")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/new/")
    checks = page.get_by_test_id("checks")
    for other in (team.mastodon, team.x):
        box = page.locator(f'input[name=accounts][value="{other.pk}"]')
        if box.is_checked():
            box.uncheck()
    page.locator(f'input[name=accounts][value="{youtube.pk}"]').check()
    page.locator("#id_text").fill("Our new roast, in under a minute.")
    page.locator(f'input[name=media][value="{vertical_clip.pk}"]').check()

    # then: YouTube asks for a title and the kids answer, and says it will be a Short
    expect(checks).to_contain_text("YouTube needs a title for the video")
    expect(checks).to_contain_text("is this video made for kids?")
    expect(checks).to_contain_text("YouTube shows it as a Short")

    # when: she fills the options in
    options = page.get_by_test_id(f"options-{youtube.pk}")
    expect(options).to_be_visible()
    options.get_by_label("Video title").fill("New roast in 60 seconds")
    options.get_by_label("Made for kids?").select_option("no")
    options.get_by_label("Who can watch").select_option("unlisted")
    expect(checks).not_to_contain_text("YouTube needs a title")
    expect(checks).not_to_contain_text("made for kids?")
    screenshot("composer-youtube-options")

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("post-status")).to_have_text("Draft")
    target = Post.objects.get().targets.get(account=youtube)
    assert target.options == {"title": "New roast in 60 seconds", "made_for_kids": "no", "privacy": "unlisted"}
