"""The app on a phone (390 x 844) and on desktops (1366 x 800, 1920 x 1080): no page scrolls
sideways on the phone, the menu folds behind a button that opens it, the calendar opens as
a list; on a laptop the dashboard's "By network" table shows all its columns."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_MESSAGE = (
    "Is the new cold brew oat-milk friendly? We want to bring the team of twelve on Friday: "
    "https://example.com/a/very/long/link/that/does/not/break/anywhere/at/all/whatever/the/screen"
)


@pytest.fixture
def demo():
    """The demo workspaces with their generated history, a few inbox messages, an API token
    and a webhook (so that the API page has its tables)."""
    from inbox.ingest import ingest
    from inbox.models import InboxItem
    from posts.models import Post
    from smm.models import Brand, SocialAccount
    from smm.models_api import ApiToken, WebhookEndpoint
    from smm.platforms.base import InboxItem as NetworkItem

    call_command("seed_demo", verbosity=0)
    call_command("generate_history", seed=42, verbosity=0)
    brand = Brand.objects.get(workspace__slug="acme-coffee", name="Acme Coffee")
    account = SocialAccount.objects.filter(brand=brand).order_by("pk").first()
    now = dt.datetime.now(dt.UTC)
    ingest(
        account,
        [
            NetworkItem(
                remote_id=f"phone-{n}",
                kind="mention",
                text=LONG_MESSAGE,
                created_at=now - dt.timedelta(minutes=5 + n),
                author_handle="@sam.jones.with.a.long.handle@elsewhere.social",
                author_name="Sam Jones",
            )
            for n in range(3)
        ],
    )
    owner = brand.workspace.memberships.get(user__username="demo").user
    ApiToken.issue(brand.workspace, owner, "BI export for the quarterly board report", "client")
    WebhookEndpoint.objects.create(
        workspace=brand.workspace,
        url="https://hooks.example.com/smm/a-rather-long-receiver-path/for-published-posts",
        events=["post.published", "post.failed"],
        created_by=owner,
    )
    return {
        "brand": brand,
        "post": Post.objects.filter(brand=brand).exclude(scheduled_at=None).order_by("-scheduled_at").first(),
        "item": InboxItem.objects.filter(account=account).order_by("pk").first(),
    }


@pytest.fixture
def phone(browser):
    """A touch phone's window: 390 x 844 CSS pixels, the page's viewport meta honoured."""
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=1)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def shoot(page, name: str, element=None) -> None:
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, f"{name}.png")
    if element is None:
        page.screenshot(path=path, full_page=True)
    else:
        element.screenshot(path=path)


def log_in(page, live_server, password="demo-smm-2026"):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "demo")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def sideways_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: nothing scrolls sideways)."""
    width = page.viewport_size["width"]
    return page.evaluate("(width) => document.documentElement.scrollWidth - Math.min(window.innerWidth, width)", width)


def pages(live_server, demo) -> dict[str, str]:
    ws = f"{live_server.url}/w/acme-coffee"
    return {
        "home": f"{ws}/",
        "dashboard": f"{ws}/analytics/?brand={demo['brand'].pk}",
        "agency-overview": f"{ws}/analytics/overview/",
        "calendar": f"{ws}/calendar/",
        "posts": f"{ws}/posts/",
        "post": f"{ws}/posts/{demo['post'].pk}/",
        "composer": f"{ws}/posts/new/",
        "media": f"{ws}/posts/media/",
        "inbox": f"{ws}/inbox/",
        "inbox-item": f"{ws}/inbox/{demo['item'].pk}/",
        "operations": f"{ws}/operations/",
        "api": f"{ws}/api/",
        "members": f"{ws}/members/",
        "audit-log": f"{ws}/audit/",
        "brand": f"{ws}/brands/{demo['brand'].pk}/",
        "campaigns": f"{ws}/posts/campaigns/",
        "notices": f"{ws}/posts/notifications/",
        "settings": f"{ws}/settings/",
    }


def settle(page, name):
    """Wait for what a page draws after loading (charts, the calendar's events)."""
    if name in ("dashboard", "agency-overview"):
        page.locator("[data-chart][data-drawn='1']").first.wait_for(timeout=15000)
    if name == "calendar":
        page.locator(".fc-list-event, .fc-list-empty").first.wait_for(timeout=15000)


def test_on_a_phone_no_page_scrolls_sideways_and_the_menu_folds(phone, live_server, demo):
    # given a phone
    page = phone

    # the login page fits
    page.goto(f"{live_server.url}/login/")
    shoot(page, "phone-login")
    assert sideways_overflow(page) <= 1

    # when the demo owner logs in and opens each page
    log_in(page, live_server)
    for name, url in pages(live_server, demo).items():
        page.goto(url)
        settle(page, name)
        shoot(page, f"phone-{name}")
        # then nothing is wider than the window: wide tables scroll inside their card
        assert sideways_overflow(page) <= 1, name
        # and the menu is folded behind its button
        toggle = page.get_by_test_id("nav-toggle")
        expect(toggle).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_role("navigation", name="Workspace")).to_be_hidden()

    # when the menu button is tapped (on the posts page)
    page.goto(pages(live_server, demo)["posts"])
    toggle = page.get_by_test_id("nav-toggle")
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    menu = page.get_by_role("navigation", name="Workspace")
    expect(menu).to_be_visible()
    # then every link is there, with the workspace switcher and the user's links
    for label in ("Calendar", "Posts", "Analytics", "Inbox", "Operations"):
        expect(menu.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.get_by_test_id("workspace-switcher")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert sideways_overflow(page) <= 1
    shoot(page, "phone-menu-open")

    # and a link in it leads to its page, where the menu is folded again
    menu.get_by_role("link", name="Calendar", exact=True).click()
    page.wait_for_url("**/calendar/**")
    expect(page.get_by_test_id("nav-toggle")).to_have_attribute("aria-expanded", "false")

    # the calendar opened in the list view (an agenda), and the address says so
    expect(page.locator(".fc-listMonth-view")).to_be_visible()
    page.wait_for_url("**view=list**")
    # switching view still works, and the month grid fits the window too
    page.locator(".fc-dayGridMonth-button").click()
    expect(page.locator(".fc-dayGridMonth-view")).to_be_visible()
    page.wait_for_url("**view=month**")
    assert sideways_overflow(page) <= 1
    shoot(page, "phone-calendar-month")
    # a view the address asks for is kept, on a phone too
    page.goto(f"{live_server.url}/w/acme-coffee/calendar/?view=week")
    expect(page.locator(".fc-timeGridWeek-view")).to_be_visible()
    assert sideways_overflow(page) <= 1
    shoot(page, "phone-calendar-week")

    # and on the smallest phones still in use (320 px), nothing scrolls sideways either
    page.set_viewport_size({"width": 320, "height": 640})
    for name, url in pages(live_server, demo).items():
        page.goto(url)
        settle(page, name)
        assert sideways_overflow(page) <= 1, f"{name} at 320 px"


def test_menu_button_works_from_the_keyboard_and_escape_closes_it(phone, live_server, make_workspace, make_member):
    workspace = make_workspace("Acme")
    make_member(workspace, "owner", username="demo")
    page = phone
    log_in(page, live_server, password="pw-for-tests-1")
    page.goto(f"{live_server.url}/w/{workspace.slug}/posts/")
    toggle = page.get_by_test_id("nav-toggle")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("navigation", name="Workspace")).to_be_visible()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("navigation", name="Workspace")).to_be_hidden()
    assert page.evaluate("() => document.activeElement.dataset.testid") == "nav-toggle"


def test_on_desktops_the_by_network_table_shows_every_column(page, live_server, screenshot, demo):
    log_in(page, live_server)
    for width, height in ((1366, 800), (1920, 1080)):
        # given a laptop's or a desktop's window
        page.set_viewport_size({"width": width, "height": height})
        check_desktop(page, live_server, screenshot, demo, width)


def check_desktop(page, live_server, screenshot, demo, width):
    # when the brand's dashboard is opened
    page.goto(pages(live_server, demo)["dashboard"])
    settle(page, "dashboard")
    table = page.get_by_test_id("by-network")
    table.scroll_into_view_if_needed()

    # then the last column's header is whole inside the table's card: nothing is cut off
    # and nothing needs scrolling sideways
    geometry = table.evaluate(
        """(table) => {
          const box = table.closest('.card').getBoundingClientRect();
          const last = table.querySelector('thead th:last-child').getBoundingClientRect();
          const scroller = table.parentElement;
          return {last: [last.left, last.right], card: [box.left, box.right],
                  hidden: scroller.scrollWidth - scroller.clientWidth,
                  text: table.querySelector('thead th:last-child').textContent.trim()};
        }"""
    )
    assert geometry["text"] == "Left out"
    assert geometry["card"][0] <= geometry["last"][0] and geometry["last"][1] <= geometry["card"][1], geometry
    assert geometry["hidden"] <= 1, geometry
    assert sideways_overflow(page) <= 1
    # the sidebar is a sidebar: no Menu button, every link in view
    expect(page.get_by_test_id("nav-toggle")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Inbox")).to_be_visible()
    screenshot(f"desktop-{width}-dashboard")
    shoot(page, f"desktop-{width}-by-network", element=page.locator(".kpi-table-card"))

    # the agency overview's "By brand" table (the same partial) too
    page.goto(pages(live_server, demo)["agency-overview"])
    settle(page, "agency-overview")
    overflow = page.get_by_test_id("by-network").evaluate(
        "(t) => t.parentElement.scrollWidth - t.parentElement.clientWidth"
    )
    assert overflow <= 1
    screenshot(f"desktop-{width}-agency-overview")

    # and the calendar opens in the month grid, as before
    page.goto(pages(live_server, demo)["calendar"])
    expect(page.locator(".fc-dayGridMonth-view")).to_be_visible()
    screenshot(f"desktop-{width}-calendar")


def test_without_scripts_the_phone_menu_stays_open(browser, live_server, make_workspace, make_member):
    # given a phone whose browser runs no scripts
    workspace = make_workspace("Acme")
    make_member(workspace, "owner", username="demo")
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server, password="pw-for-tests-1")
        page.goto(f"{live_server.url}/w/{workspace.slug}/posts/")
        # then the menu's links are there to tap, and no button that would do nothing
        expect(page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Calendar")).to_be_visible()
        expect(page.get_by_test_id("nav-toggle")).to_be_hidden()
        assert sideways_overflow(page) <= 1
    finally:
        context.close()
