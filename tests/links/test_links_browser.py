"""A manager turns link tracking on, sees in the composer how each network will publish the
post's link (UTM per network, short link, length as counted), then finds the link's clicks
in the links list and pauses it."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from links.models import TrackedLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def test_composer_preview_links_list_and_pause(page, live_server, login, screenshot, world):
    login("olive")
    # the composer: the link as each network will publish it
    page.goto(f"{live_server.url}/w/{world['ws'].slug}/posts/new/")
    page.locator("#id_text").click()
    page.keyboard.type("Spring beans are in https://shop.example.com/beans?size=1kg")
    previews = page.get_by_test_id("link-previews")
    expect(previews.get_by_test_id("link-preview")).to_have_count(2)
    expect(previews).to_contain_text("utm_source=x")
    expect(previews).to_contain_text("utm_source=mastodon")
    expect(previews.get_by_test_id("final-link").first).to_contain_text("/l/xxxxxxxx")
    screenshot("links-composer-preview")

    # a published link with clicks (two people, one twice, and a crawler)
    link = TrackedLink.objects.create(
        workspace=world["ws"],
        brand=world["brand"],
        target=world["targets"]["x"],
        original_url="https://shop.example.com/beans",
        destination="https://shop.example.com/beans?utm_source=x&utm_medium=social",
    )
    for address in ("198.51.100.1", "198.51.100.1", "198.51.100.2"):
        Client().get(f"/l/{link.code}", HTTP_USER_AGENT=DESKTOP, REMOTE_ADDR=address)
    Client().get(f"/l/{link.code}", HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")

    page.goto(f"{live_server.url}/w/{world['ws'].slug}/links/")
    row = page.get_by_test_id("link-row")
    expect(row.get_by_test_id("clicks")).to_have_text("3")
    expect(row.get_by_test_id("unique")).to_have_text("2")
    screenshot("links-list")
    row.get_by_test_id("pause").click()
    expect(page.get_by_test_id("link-row").get_by_test_id("paused")).to_be_visible()
    link.refresh_from_db()
    assert link.paused

    # a visitor now sees the product's page, not an error
    page.goto(f"{live_server.url}/l/{link.code}")
    expect(page.get_by_test_id("link-unavailable")).to_contain_text("paused")
    screenshot("links-paused-page")

    page.goto(f"{live_server.url}/w/{world['ws'].slug}/links/settings/")
    expect(page.get_by_test_id("preset-workspace")).to_contain_text("utm_medium=social")
    screenshot("links-settings")


def test_links_pages_fit_a_phone(browser, live_server, world):
    import os

    from tests.conftest import ARTIFACTS

    TrackedLink.objects.create(
        workspace=world["ws"],
        brand=world["brand"],
        target=world["targets"]["x"],
        original_url="https://shop.example.com/beans",
        destination="https://shop.example.com/beans?utm_source=x&utm_medium=social&utm_campaign=spring-sale-2026",
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "olive")
        page.fill("input[name=password]", "pw-for-tests-1")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        for name, path in (("list", "links/"), ("settings", "links/settings/")):
            page.goto(f"{live_server.url}/w/{world['ws'].slug}/{path}")
            os.makedirs(ARTIFACTS, exist_ok=True)
            page.screenshot(path=os.path.join(ARTIFACTS, f"links-phone-{name}.png"), full_page=True)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, name
    finally:
        context.close()
