"""A marketer keeps a post's page, the posts list or the calendar open while the post goes
out: the page follows without a reload ("Scheduled" becomes "Published", the history says
where it went; a failure shows with its reason), at desktop and phone widths."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from posts import actions, publishing
from posts.models import PostTarget, TargetState
from posts.states import bulk_transition, refresh_post_status
from smm.platforms.base import OutcomeUnknown, Permanent
from tests.engine.conftest import ScriptedAdapter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [pytest.param(1366, 860, "desktop", id="desktop"), pytest.param(390, 844, "phone", id="phone")]
# The pages ask every 3 s (the calendar every 4 s): an answer well within this, or a bug.
FOLLOWS_WITHIN_MS = 15_000


@pytest.fixture
def network(use_adapter):
    return use_adapter(ScriptedAdapter())


@pytest.fixture
def scheduled(team, write_post):
    """A post due in a few minutes: its pages ask often (no dispatcher runs here: the test
    sends it out itself)."""
    post = write_post(text="Fresh beans are in! Come by the shop this week.")
    return actions.schedule_post(post, timezone.now() + dt.timedelta(minutes=3), team.editor)


def go_out(target: PostTarget) -> str:
    """What the dispatcher, then a worker, do with the target once due (from this thread)."""
    bulk_transition([target.pk], TargetState.SCHEDULED, TargetState.QUEUED)
    refresh_post_status(target.post)
    return publishing.publish_target(target.pk)


def open_as(page, live_server, login, user, path, width, height):
    page.set_viewport_size({"width": width, "height": height})
    login(user.username)
    page.goto(live_server.url + path)
    # a mark that a reload would wipe out
    page.evaluate("() => { window.notReloaded = true; }")


def not_reloaded(page):
    assert page.evaluate("() => window.notReloaded === true"), "the page was reloaded"


@pytest.mark.parametrize(("width", "height", "name"), WIDTHS)
def test_the_post_page_follows_the_post_out(
    page, live_server, login, screenshot, team, scheduled, network, width, height, name
):
    # given the post page of a post scheduled on Mastodon and X
    open_as(page, live_server, login, team.editor, scheduled.get_absolute_url(), width, height)
    status = page.get_by_test_id("post-status")
    mastodon = page.get_by_test_id("target").filter(has_text="@acme@social.example")
    x = page.get_by_test_id("target").filter(has_text="@acmecoffee")
    history = page.get_by_test_id("history")
    expect(status).to_have_text("Scheduled")
    screenshot(f"live-post-{name}-1-scheduled")

    # when the Mastodon target goes out
    assert go_out(scheduled.targets.get(account=team.mastodon)) == "published"
    # then, without a reload, its row says so and the history says where it went
    expect(mastodon.get_by_test_id("target-state")).to_have_text("Published", timeout=FOLLOWS_WITHIN_MS)
    expect(mastodon.get_by_test_id("remote-url")).to_be_visible()
    expect(history).to_contain_text("Published on Mastodon (@acme@social.example)")
    expect(status).to_have_text("Publishing")  # X is still to go
    expect(x.get_by_test_id("target-state")).to_have_text("Scheduled")
    not_reloaded(page)
    screenshot(f"live-post-{name}-2-one-published")

    # when X refuses it
    network.publish_script = [Permanent("HTTP 422: too long", user_message="The text is too long for X.")]
    assert go_out(scheduled.targets.get(account=team.x)) == "failed"
    # then the post is partially published, X's row gives the reason and a Retry, the history too
    expect(status).to_have_text("Partially published", timeout=FOLLOWS_WITHIN_MS)
    expect(x.get_by_test_id("target-state")).to_have_text("Failed")
    expect(x.get_by_role("alert")).to_contain_text("The text is too long for X.")
    expect(x.get_by_role("button", name="Retry")).to_be_visible()
    expect(history).to_contain_text("Failed on X (@acmecoffee): The text is too long for X.")
    # the buttons of a waiting post are gone; nothing can move any more, so the page stops asking
    expect(page.get_by_role("button", name="Unschedule")).to_have_count(0)
    expect(page.locator("#post-live[hx-get]")).to_have_count(0)
    # and screen readers were told, in the page's polite live region
    expect(page.get_by_test_id("post-news")).to_have_text(
        "Partially published. Failed on X (@acmecoffee): The text is too long for X."
    )
    not_reloaded(page)
    screenshot(f"live-post-{name}-3-settled")


@pytest.mark.parametrize(("width", "height", "name"), WIDTHS)
def test_the_posts_list_follows_the_post_out(
    page, live_server, login, screenshot, team, scheduled, write_post, network, width, height, name
):
    write_post(text="A draft that stays a draft")
    path = reverse("posts:list", kwargs={"ws": team.workspace.slug})
    open_as(page, live_server, login, team.editor, path, width, height)
    row = page.get_by_test_id("post-row").filter(has_text="Fresh beans are in!")
    expect(row.get_by_test_id("post-row-status")).to_have_text("Scheduled")
    screenshot(f"live-list-{name}-1-scheduled")

    for target in scheduled.targets.all():
        assert go_out(target) == "published"

    expect(row.get_by_test_id("post-row-status")).to_have_text("Published", timeout=FOLLOWS_WITHIN_MS)
    draft = page.get_by_test_id("post-row").filter(has_text="A draft that stays a draft")
    expect(draft.get_by_test_id("post-row-status")).to_have_text("Draft")
    not_reloaded(page)
    screenshot(f"live-list-{name}-2-published")


@pytest.mark.parametrize(("width", "height", "name"), WIDTHS)
def test_the_calendar_card_follows_the_post_out(
    page, live_server, login, screenshot, team, scheduled, network, width, height, name
):
    day = scheduled.scheduled_at.date().isoformat()
    path = reverse("calendar:view", kwargs={"ws": team.workspace.slug}) + f"?date={day}"
    open_as(page, live_server, login, team.editor, path, width, height)
    card = page.locator(f'[data-testid="post-card"][data-post-id="{scheduled.pk}"]')
    expect(card.locator(".pc-state")).to_have_text("Scheduled")
    screenshot(f"live-calendar-{name}-1-scheduled")

    for target in scheduled.targets.all():
        assert go_out(target) == "published"

    expect(card.locator(".pc-state")).to_have_text("Published", timeout=FOLLOWS_WITHIN_MS)
    not_reloaded(page)
    screenshot(f"live-calendar-{name}-2-published")


def test_a_hidden_tab_does_not_ask_and_asks_again_once_shown(page, live_server, login, team, scheduled):
    open_as(page, live_server, login, team.editor, scheduled.get_absolute_url(), 1366, 860)
    asked = []
    page.on("request", lambda request: "/live/" in request.url and asked.append(request.url))
    # given the tab is hidden (the page believes it), and a counter of the poll's ticks
    page.evaluate(
        """() => {
            window.ticks = 0;
            document.addEventListener("htmx:beforeRequest", () => { window.ticks += 1; });
            Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
        }"""
    )
    # when two ticks have passed, then neither asked the server
    page.wait_for_function("() => window.ticks >= 2", timeout=10_000)
    assert asked == []
    # when the tab shows again, the next tick asks
    with page.expect_request(lambda request: "/live/" in request.url, timeout=10_000):
        page.evaluate('() => { Object.defineProperty(document, "hidden", { configurable: true, get: () => false }); }')


def test_what_a_person_types_survives_an_update_of_the_accounts(page, live_server, login, team, scheduled, network):
    # given Mastodon's outcome is unknown (its answer was lost, and looking it up said nothing)
    try:
        raise requests.ConnectionError("Connection aborted")
    except requests.ConnectionError as cause:
        dropped = OutcomeUnknown("The connection dropped before it answered")
        dropped.__cause__ = cause
    network.publish_script = [dropped]
    network.lookup_script = [OutcomeUnknown("The idempotency key has expired")]
    assert go_out(scheduled.targets.get(account=team.mastodon)) == "unknown"
    network.publish_script, network.lookup_script = [], []
    # and the owner is typing the post's link into the form that settles it
    open_as(page, live_server, login, team.owner, scheduled.get_absolute_url(), 1366, 860)
    link = page.get_by_label("Link to the post on Mastodon (optional)")
    link.fill("https://social.example/@acme/1234")
    link.focus()
    # when X goes out meanwhile and the accounts are redrawn
    assert go_out(scheduled.targets.get(account=team.x)) == "published"
    x = page.get_by_test_id("target").filter(has_text="@acmecoffee")
    expect(x.get_by_test_id("target-state")).to_have_text("Published", timeout=FOLLOWS_WITHIN_MS)
    # then what was typed is still there, still focused, and the form still sends it
    expect(link).to_have_value("https://social.example/@acme/1234")
    expect(link).to_be_focused()
    page.get_by_test_id("on-network").click()
    expect(page.get_by_role("status").filter(has_text="Marked published on Mastodon")).to_be_visible()
    mastodon = page.get_by_test_id("target").filter(has_text="@acme@social.example")
    expect(mastodon.get_by_test_id("target-state")).to_have_text("Published")


def test_the_page_stops_asking_once_the_session_ended(page, live_server, login, team, scheduled):
    open_as(page, live_server, login, team.editor, scheduled.get_absolute_url(), 1366, 860)
    expect(page.locator("#post-live[hx-get]")).to_have_count(1)
    # when the session ends (logged out elsewhere, expired), the next question lands on the login page
    page.context.clear_cookies()
    # then the page stops asking, and stays as it was
    expect(page.locator("#post-live")).to_have_count(0, timeout=FOLLOWS_WITHIN_MS)
    expect(page.get_by_test_id("post-status")).to_have_text("Scheduled")
    not_reloaded(page)
