"""In the browser: a per-account tab keeps exactly what is typed or pasted into it (the main
text is never glued onto it), and the Network options card sets Mastodon's visibility,
content warning and poll and X's reply settings, with a poll and an image refused live."""

import pytest
from playwright.sync_api import expect

from posts.models import MediaAsset, Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAIN = "Acme Coffee fans, our autumn blend is in"


def test_tabs_keep_what_is_typed_or_pasted_and_options_are_saved(page, live_server, login, screenshot, team):
    MediaAsset.objects.create(
        workspace=team.workspace,
        file="media/cup.png",
        original_name="cup.png",
        mime_type="image/png",
        size=2000,
        alt_text="A cup",
    )
    login("editor")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/new/")
    checks = page.get_by_test_id("checks")
    page.locator("#id_text").fill(MAIN)

    # when: she opens X's empty tab and types into it
    page.locator(f'.tab[data-tab="{team.x.pk}"]').click()
    x_text = page.locator(f"#id_variant_{team.x.pk}")
    x_text.click()
    # then: the tab stays empty until she types; the main text shows only as the placeholder
    expect(x_text).to_have_value("")
    expect(x_text).to_have_attribute("placeholder", f"Same as the main text: {MAIN}")
    page.keyboard.type("#coffee autumn is here")
    expect(x_text).to_have_value("#coffee autumn is here")

    # when: she pastes into Mastodon's empty tab
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.evaluate("text => navigator.clipboard.writeText(text)", "Pasted for the fediverse #coffee")
    page.locator(f'.tab[data-tab="{team.mastodon.pk}"]').click()
    mastodon_text = page.locator(f"#id_variant_{team.mastodon.pk}")
    mastodon_text.click()
    page.keyboard.press("Control+V")
    expect(mastodon_text).to_have_value("Pasted for the fediverse #coffee")
    screenshot("composer-tab-pasted")

    # when: she sets the networks' options
    options = page.get_by_test_id("network-options")
    expect(options.locator("fieldset.option-group:visible")).to_have_count(2)
    mastodon = page.get_by_test_id(f"options-{team.mastodon.pk}")
    mastodon.get_by_label("Who sees it").select_option("private")
    mastodon.get_by_label("Content warning").fill("Autumn spoilers")
    mastodon.locator("summary", has_text="Poll").click()
    mastodon.get_by_label("Poll answer 1").fill("Latte")
    mastodon.get_by_label("Poll answer 2").fill("Flat white")
    mastodon.get_by_label("Poll runs for").select_option("60")
    page.get_by_test_id(f"options-{team.x.pk}").get_by_label("Who may reply").select_option("following")

    # and attaches an image: a poll and an image do not go together on Mastodon, said live
    page.locator("input[name=media]").check()
    expect(checks).to_contain_text("Mastodon does not take a poll and images in one post: remove one of them.")
    screenshot("composer-network-options-refused")
    page.locator("input[name=media]").uncheck()
    expect(checks).not_to_contain_text("does not take a poll and images")

    # when: unticking X hides its options
    page.locator(f'input[name=accounts][value="{team.x.pk}"]').uncheck()
    expect(page.get_by_test_id(f"options-{team.x.pk}")).to_be_hidden()
    # and leaves nothing drawn in the card (a hidden account's group left a line)
    drawn = options.evaluate("card => [...card.children].filter(e => e.getClientRects().length).map(e => e.tagName)")
    assert drawn == ["H2", "FIELDSET"], drawn
    page.locator(f'input[name=accounts][value="{team.x.pk}"]').check()
    expect(page.get_by_test_id(f"options-{team.x.pk}")).to_be_visible()
    screenshot("composer-network-options")

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("post-status")).to_have_text("Draft")

    # then: exactly what was typed and pasted is stored, with the options
    post = Post.objects.get()
    targets = {t.account_id: t for t in post.targets.all()}
    assert post.text == MAIN
    assert targets[team.x.pk].text == "#coffee autumn is here"
    assert targets[team.mastodon.pk].text == "Pasted for the fediverse #coffee"
    assert targets[team.mastodon.pk].options == {
        "visibility": "private",
        "spoiler_text": "Autumn spoilers",
        "poll": {"options": ["Latte", "Flat white"], "duration_minutes": 60},
    }
    assert targets[team.x.pk].options == {"reply_settings": "following"}


def test_an_untouched_tab_follows_the_main_text(page, live_server, login, team):
    login("editor")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/new/")
    page.locator("#id_text").fill(MAIN)
    # she looks at X's tab, clicks into it and leaves it without typing
    page.locator(f'.tab[data-tab="{team.x.pk}"]').click()
    page.locator(f"#id_variant_{team.x.pk}").click()
    page.locator(".tab[data-tab=main]").click()

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("post-status")).to_have_text("Draft")

    assert {t.text for t in Post.objects.get().targets.all()} == {MAIN}
