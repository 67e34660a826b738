"""A marketer composes one post for Mastodon and X, watches each network's remaining
characters change while typing, adapts the X text, schedules it and finds it on the
post page."""

import re

import pytest
from playwright.sync_api import expect

from posts.models import Post, PostStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_compose_check_live_and_schedule(page, live_server, login, screenshot, team):
    # given: the editor of Acme (brand in Europe/Berlin, a Mastodon and an X account)
    login("editor")
    page.goto(f"{live_server.url}/w/{team.workspace.slug}/posts/new/")
    expect(page.get_by_role("heading", name="New post")).to_be_visible()
    checks = page.get_by_test_id("checks")
    mastodon = checks.locator(f'[data-account="{team.mastodon.pk}"] [data-testid=remaining]')
    x = checks.locator(f'[data-account="{team.x.pk}"] [data-testid=remaining]')
    # both accounts are pre-selected; with no text each network has its whole limit
    expect(mastodon).to_have_text("500 left")
    expect(x).to_have_text("280 left")

    # when: she types a text with a long link and an emoji
    page.locator("#id_text").click()
    page.keyboard.type("Autumn blend is in ☕ https://example.com/autumn-blend-2026-limited-edition")
    # then: each network counts its own way (link = 23; X weighs the emoji as 2)
    expect(mastodon).to_have_text("456 left")  # 21 + 23
    expect(x).to_have_text("235 left")  # 22 + 23
    screenshot("composer-live-counts")

    # when: she adapts the X text in its tab, making it too long
    page.locator(f'.tab[data-tab="{team.x.pk}"]').click()
    variant = page.locator(f"#id_variant_{team.x.pk}")
    variant.click()
    # it stays empty (following the main text, shown as its placeholder) until she types
    expect(variant).to_have_value("")
    expect(variant).to_have_attribute("placeholder", re.compile("^Same as the main text: Autumn blend"))
    variant.fill("Autumn blend " + "!" * 280)
    # then: X says how far over, Mastodon is unchanged
    expect(x).to_have_text("13 over")
    expect(checks).to_contain_text("over X's 280-character limit")
    expect(mastodon).to_have_text("456 left")
    expect(page.locator(f"#count-{team.x.pk}")).to_have_text("-13")
    screenshot("composer-x-over")

    # when: she shortens it and schedules for a winter morning, Berlin time
    variant.fill("Autumn blend is in ☕ #coffee")
    expect(x).to_have_text("251 left")
    page.locator("#id_date").fill("2099-01-15")
    page.locator("#id_time").fill("09:30")
    expect(page.get_by_test_id("brand-zone")).to_have_text("Europe/Berlin")
    page.get_by_test_id("schedule").click()

    # then: the post page shows it scheduled, with both accounts and the adapted X text
    expect(page.get_by_test_id("post-status")).to_have_text("Scheduled")
    expect(page.get_by_test_id("target")).to_have_count(2)
    expect(page.get_by_text("Autumn blend is in ☕ #coffee")).to_be_visible()
    expect(page.get_by_test_id("scheduled-at")).to_contain_text("Thu 15 Jan 2099, 08:30 UTC")
    expect(page.get_by_test_id("scheduled-at")).to_contain_text("09:30 in Europe/Berlin")
    expect(page.get_by_test_id("history")).to_contain_text("Scheduled for Thu 15 Jan 2099 09:30 Europe/Berlin")
    screenshot("composer-post-page")

    # and the post list shows it with its status
    page.get_by_role("link", name="All posts").or_(page.get_by_role("link", name="Posts", exact=True)).first.click()
    expect(page.get_by_test_id("post-row")).to_have_count(1)
    expect(page.get_by_test_id("post-row")).to_contain_text("Scheduled")
    screenshot("composer-post-list")

    post = Post.objects.get()
    assert post.status == PostStatus.SCHEDULED
    assert {t.account_id: t.text for t in post.targets.all()}[team.x.pk] == "Autumn blend is in ☕ #coffee"
