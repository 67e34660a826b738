"""A community manager opens Listening in Chromium: sees the brand's figures and volume
bars, filters the mentions to the negative ones, sends one to the inbox, makes a monitor,
and follows a crisis alert to pause the brand's publishing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from listening import store
from listening.models import Competitor, Mention, Monitor, SpikeAlert
from listening.spikes import bucket_start
from smm.models import Brand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def listening_world(make_workspace, make_member, make_brand, make_account):
    ws = make_workspace("Acme")
    make_member(ws, "owner", username="olive")
    brand = make_brand(ws, "Acme Coffee", colour="#b45309")
    make_account(brand, network="bluesky", handle="@acme.bsky.social")
    own = Monitor.objects.create(workspace=ws, brand=brand, name="Acme", terms=["acme"], hashtags=["acmelaunch"])
    rival = Monitor.objects.create(workspace=ws, brand=brand, name="Bean Co", kind="competitor", terms=["beanco"])
    now = timezone.now()
    texts = [
        ("Acme's new roast is wonderful, love it", 0.8),
        ("acme lost my order again, awful service", -0.7),
        ("Walking past acme on my way in", 0.0),
        ("#acmelaunch was great fun", 0.7),
    ]
    rows = []
    for n in range(60):
        text, value = texts[n % 4]
        at = now - dt.timedelta(hours=n * 2.5)
        rows.append(
            Mention(
                workspace=ws,
                monitor=own if n % 5 else rival,
                source="bluesky",
                remote_id=f"at://did:plc:p{n % 6}/app.bsky.feed.post/{n}",
                author_id=f"did:plc:p{n % 6}",
                author_handle=f"person{n % 6}.bsky.social",
                text=text if n % 5 else "beanco is fine I guess",
                url=f"https://bsky.app/profile/did:plc:p{n % 6}/post/{n}",
                lang="en",
                created_at=at,
                seen_at=at,
                sentiment=value if n % 5 else 0.1,
                matched=["acme"] if n % 5 else ["beanco"],
            )
        )
    # the crisis: three angry posts in a closed 10-minute bucket
    window = bucket_start(now - dt.timedelta(minutes=20), 10)
    for n in range(3):
        at = window + dt.timedelta(minutes=n + 1)
        rows.append(
            Mention(
                workspace=ws,
                monitor=own,
                source="bluesky",
                remote_id=f"at://did:plc:angry{n}/app.bsky.feed.post/x",
                author_id=f"did:plc:angry{n}",
                text=f"acme burnt my beans, furious ({n})",
                created_at=at,
                seen_at=at,
                sentiment=-0.8,
                matched=["acme"],
            )
        )
    store.save(rows)
    alert = SpikeAlert.objects.create(
        workspace=ws,
        monitor=own,
        series="negative",
        window_minutes=10,
        bucket_start=window,
        count=3,
        baseline_mean=0.4,
        baseline_stddev=0.7,
        threshold=4.5,
    )
    return {"ws": ws, "brand": brand, "alert": alert}


def test_listening_dashboard_in_a_browser(page, live_server, login, screenshot, listening_world):
    ws, brand = listening_world["ws"], listening_world["brand"]
    login("olive")
    page.goto(f"{live_server.url}/w/{ws.slug}/")
    page.get_by_role("link", name="Listening").first.click()
    expect(page.get_by_role("heading", name="Listening: Acme Coffee")).to_be_visible()
    expect(page.locator('[data-kpi="volume"] .kpi-value')).to_have_text("51")
    expect(page.locator('[data-kpi="share"] .kpi-value')).to_have_text("81 %")  # 51 / (51 + 12)
    expect(page.locator('[data-testid="monitor"]')).to_have_count(2)
    expect(page.get_by_test_id("spike-alert")).to_contain_text("Negative volume spike")
    screenshot("listening-dashboard")

    # the negative mentions only
    page.select_option("select[name=sentiment]", "negative")
    page.get_by_role("button", name="Filter").click()
    rows = page.get_by_test_id("mention")
    expect(rows.first).to_contain_text("acme burnt my beans, furious")
    assert all("Negative" in text for text in page.get_by_test_id("sentiment").all_inner_texts())

    # one to the inbox: lands on the inbox item
    rows.first.get_by_test_id("to-inbox").click()
    expect(page.get_by_text("Sent to the inbox: answer it there.")).to_be_visible()
    expect(page.get_by_text("acme burnt my beans, furious").first).to_be_visible()

    # a new monitor
    page.goto(f"{live_server.url}/w/{ws.slug}/listening/?brand={brand.pk}")
    page.get_by_test_id("new-monitor").click()
    page.fill("input[name=name]", "Cold brew")
    page.fill("textarea[name=phrases]", "cold brew")
    page.fill("input[name=languages]", "en, de")
    screenshot("listening-monitor-form")
    page.get_by_test_id("save-monitor").click()
    expect(page.locator('[data-monitor="Cold brew"]')).to_be_visible()

    # the crisis alert: the posts behind it and the switch
    page.goto(f"{live_server.url}{listening_world['alert'].get_absolute_url()}")
    expect(page.get_by_role("heading", name="Crisis alert: Acme")).to_be_visible()
    expect(page.get_by_test_id("alert-mentions").locator("tbody tr")).to_have_count(3)
    screenshot("listening-alert")
    page.get_by_test_id("crisis-pause").click()
    expect(page.get_by_text("Acme Coffee is paused")).to_be_visible()
    brand.refresh_from_db()
    assert brand.paused


def test_an_empty_listening_page_the_sources_and_competitors(page, live_server, login, screenshot, listening_world):
    ws = listening_world["ws"]
    quiet = Brand.objects.create(workspace=ws, name="Quiet Tea", colour="#047857")
    Monitor.objects.create(workspace=ws, brand=quiet, name="Quiet", terms=["quiet tea"], hashtags=["quiettea"])
    Competitor.objects.create(workspace=ws, brand=quiet, name="Loud Tea", network="bluesky", handle="loud.bsky.social")
    login("olive")
    page.goto(f"{live_server.url}/w/{ws.slug}/listening/?brand={quiet.pk}")
    # nothing yet: plain muted text, not a numbered "1. None yet"
    for name in ("top-authors", "top-terms"):
        empty = page.get_by_test_id(name)
        expect(empty).to_have_text("None yet")
        assert empty.evaluate("e => e.tagName") == "P"
    # the Mentions heading sits inside its card's padding, like every other card's heading
    card = page.locator(".listen-mentions").bounding_box()
    heading = page.locator(".listen-mentions > h2").bounding_box()
    assert heading["x"] - card["x"] >= 12 and heading["y"] - card["y"] >= 8
    # the sources say what is read, and why Mastodon and X are not
    expect(page.get_by_test_id("mastodon-why")).to_contain_text("connect a Mastodon account")
    expect(page.get_by_test_id("x-why")).to_contain_text("X is not searched")
    page.get_by_test_id("sources").scroll_into_view_if_needed()
    screenshot("listening-empty")

    # competitors: the brand's own accounts and the competitor, then one more followed
    page.get_by_test_id("competitors-link").click()
    expect(page.get_by_role("heading", name="Competitors: Quiet Tea")).to_be_visible()
    expect(page.get_by_test_id("competitor-row")).to_have_count(1)
    page.select_option("select[name=network]", "mastodon")
    page.fill("input[name=name]", "Steep Co")
    page.fill("input[name=handle]", "steep@tea.example")
    page.get_by_test_id("add-competitor").click()
    expect(page.get_by_text("Following Steep Co")).to_be_visible()
    expect(page.get_by_test_id("competitor-row")).to_have_count(2)
    screenshot("listening-competitors")


@pytest.mark.parametrize("width", [390, 320])
def test_the_listening_pages_fit_a_phone(browser, live_server, listening_world, width):
    context = browser.new_context(viewport={"width": width, "height": 800}, has_touch=True, is_mobile=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "olive")
        page.fill("input[name=password]", "pw-for-tests-1")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        ws, brand = listening_world["ws"], listening_world["brand"]
        for url in (
            f"/w/{ws.slug}/listening/?brand={brand.pk}",
            f"/w/{ws.slug}/listening/monitors/new/",
            f"/w/{ws.slug}/listening/competitors/?brand={brand.pk}",
            listening_world["alert"].get_absolute_url(),
        ):
            page.goto(f"{live_server.url}{url}")
            # nothing is wider than the window: wide tables scroll inside their card
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            if width == 320 and "listening/?" in url:
                page.locator("[data-testid=mentions]").scroll_into_view_if_needed()
                page.screenshot(path="test-artifacts/listening-phone-320.png")
            assert overflow <= 1, url
    finally:
        context.close()
