"""In the browser: the Network options card lets an editor post to Instagram as a story
and to Facebook as a Reel; a video too long for a story is refused live, in words, and
the kinds are saved with the draft."""

import pytest
from playwright.sync_api import expect

from posts.models import MediaAsset, Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_instagram_story_and_facebook_reel_options(page, live_server, login, screenshot, team, make_account):
    instagram = make_account(team.brand, "instagram", "@acme.coffee")
    facebook = make_account(team.brand, "facebook", "Acme Coffee")
    MediaAsset.objects.create(
        workspace=team.workspace,
        file="media/pour.mp4",
        original_name="pour.mp4",
        mime_type="video/mp4",
        kind="video",
        size=3_000_000,
        width=1080,
        height=1920,
        duration_ms=75_000,
        frame_rate=30,
        container="mp4",
        video_codec="h264",
        audio_codec="aac",
    )
    login("editor")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/new/")
    checks = page.get_by_test_id("checks")
    page.locator("#id_text").fill("Pouring the autumn blend")
    for account in (instagram, facebook):
        box = page.locator(f'input[name=accounts][value="{account.pk}"]')
        if not box.is_checked():
            box.check()
        expect(page.get_by_test_id(f"options-{account.pk}")).to_be_visible()

    # when: she attaches a 75-second vertical video: a Reel on both networks takes it
    # (force: the video tile's duration badge lies over its checkbox while that UI is being built)
    page.locator("input[name=media]").check(force=True)
    expect(checks).to_contain_text("Instagram")
    expect(checks).not_to_contain_text("can be at most")

    # when: Instagram is to get it as a story: a story video is at most a minute, said live
    ig_options = page.get_by_test_id(f"options-{instagram.pk}")
    ig_options.get_by_label("Post as").select_option("story")
    expect(checks).to_contain_text("Instagram story can be at most 1 minute")
    screenshot("composer-instagram-story-refused")

    # when: she goes back to a Reel kept to the Reels tab, and Facebook gets a Reel
    ig_options.get_by_label("Post as").select_option("feed")
    ig_options.get_by_label("Show a Reel only in the Reels tab, not in the main feed").check()
    page.get_by_test_id(f"options-{facebook.pk}").get_by_label("Post a video as").select_option("reel")
    expect(checks).not_to_contain_text("can be at most")
    screenshot("composer-instagram-facebook-reels")

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("post-status")).to_have_text("Draft")

    # then the kinds are stored with the draft
    targets = {t.account_id: t.options for t in Post.objects.get().targets.all()}
    assert targets[instagram.pk] == {"reels_only": True}
    assert targets[facebook.pk] == {"kind": "reel"}
