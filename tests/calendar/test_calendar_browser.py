"""A planner opens the calendar in Chromium: sees the month's posts, drags one to another
day (moved on the server), has a published one snap back with the reason, filters by
brand, opens the composer from an empty day, and looks at the week and list views."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from playwright.sync_api import expect

from content_calendar.models import CalendarNote
from posts.models import Campaign, Post, PostingSlot, PostStatus
from smm.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def paris(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS).astimezone(dt.UTC)


@pytest.fixture
def month(studio, make_post):
    """A month two months ahead, planned: posts of both brands in several states, a
    campaign, a note, and Roast's posting slots."""
    today = dt.date.today()
    first = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    d = lambda n: first + dt.timedelta(days=n - 1)  # noqa: E731
    launch = Campaign.objects.create(
        workspace=studio.workspace, name="Spring launch", colour="#0ea5e9", starts_on=d(8), ends_on=d(14)
    )
    CalendarNote.objects.create(workspace=studio.workspace, title="Trade fair", starts_on=d(21), ends_on=d(22))
    PostingSlot.objects.create(brand=studio.roast, weekday=d(10).weekday(), time=dt.time(9, 0))
    PostingSlot.objects.create(brand=studio.roast, weekday=d(12).weekday(), time=dt.time(13, 0))
    posts = {
        "move_me": make_post(
            studio.roast,
            paris(d(10), 9),
            text="Spring roast drops Friday: bright, floral, sweet",
            author=studio.editor,
            campaign=launch,
        ),
        "published": make_post(
            studio.leaf, paris(d(11), 12, 30), status=PostStatus.PUBLISHED, text="Matcha week recap with photos"
        ),
        "leaf_draft": make_post(studio.leaf, paris(d(12), 16), status=PostStatus.DRAFT, text="Tea pairing ideas"),
        "pending": make_post(
            studio.roast,
            paris(d(15), 8, 15),
            status=PostStatus.PENDING_APPROVAL,
            text="Barista of the month: meet Ana",
            accounts=[studio.roast_bluesky],
        ),
        "failed": make_post(studio.leaf, paris(d(17), 18), status=PostStatus.FAILED, text="Evening tea ritual thread"),
        "late": make_post(studio.roast, paris(d(23), 10), text="Trade fair booth 42: come taste the new espresso"),
    }
    return {"first": first, "d": d, "posts": posts}


def card(page, post):
    return page.locator(f'[data-testid="post-card"][data-post-id="{post.pk}"]')


def day_cell(page, day: dt.date):
    return page.locator(f'td.fc-daygrid-day[data-date="{day.isoformat()}"]')


def settled(page):
    """Wait until a move is answered and the cards are redrawn."""
    expect(page.locator("#calendar-wrap[data-busy]")).to_have_count(0)
    # FullCalendar redraws on the next frames after its fetch completes.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def quiet(page):
    """Wait until the calendar has looked at its range once (live.js may redraw the cards
    right after the page loads, when the posts were made just before) and is not busy."""
    expect(page.locator("#calendar-wrap[data-live-seen]")).to_have_count(1)
    settled(page)


def drag(page, source, target):
    quiet(page)
    source.wait_for(state="visible")
    target.wait_for(state="visible")
    box = source.bounding_box()
    goal = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 5, box["y"] + box["height"] / 2 + 5, steps=3)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] - 12, steps=12)
    page.mouse.up()
    settled(page)


def test_plan_drag_filter_and_open_the_composer(page, live_server, login, screenshot, studio, month):
    posts, d = month["posts"], month["d"]
    ws = studio.workspace.slug

    # given: the owner (in Paris) opens the workspace calendar on that month
    login("olivia")
    page.goto(f"{live_server.url}/w/{ws}/calendar/?view=month&date={month['first'].isoformat()}")

    # then: the month shows every post as a card with its time, state and network
    expect(page.locator('[data-testid="post-card"]')).to_have_count(6)
    move_me = card(page, posts["move_me"])
    expect(move_me).to_contain_text("09:00")
    expect(move_me).to_contain_text("Scheduled")
    expect(move_me).to_contain_text("Spring roast drops Friday")
    # and: its tooltip has the brand, the brand's own time, the accounts, the campaign and the author
    expect(move_me).to_have_attribute(
        "title",
        re.compile(
            r"^Roast · Scheduled\nYour time: 09:00 \(Europe/Paris\)\n"
            r"Brand time: .+, 0[34]:00 E[SD]T \(America/New_York\)\n"
            r"(Bluesky roast\.bsky\.social, Mastodon @roast@social\.example"
            r"|Mastodon @roast@social\.example, Bluesky roast\.bsky\.social)\n"
            r"Campaign: Spring launch\nBy editor1\n\nSpring roast drops Friday"
        ),
    )
    expect(card(page, posts["published"])).to_contain_text("Published")
    expect(day_cell(page, d(10)).locator('[data-testid="post-card"]')).to_have_count(1)
    expect(page.get_by_text("Campaign: Spring launch").first).to_be_visible()
    expect(page.get_by_text("Trade fair").first).to_be_visible()
    screenshot("calendar-month")

    # when: the scheduled post is dragged from the 10th to the 13th
    drag(page, move_me, day_cell(page, d(13)))

    # then: the server moved it (same time of day, in Paris), it says so, and history has it
    expect(page.get_by_test_id("calendar-toast")).to_contain_text("Moved to")
    expect(day_cell(page, d(13)).locator(f'[data-post-id="{posts["move_me"].pk}"]')).to_have_count(1)
    moved = Post.objects.get(pk=posts["move_me"].pk)
    assert moved.scheduled_at == paris(d(13), 9)
    assert AuditEvent.objects.filter(verb="post.rescheduled", subject_id=str(moved.pk)).count() == 1

    # when: the published post is dragged to the 20th
    drag(page, card(page, posts["published"]), day_cell(page, d(20)))

    # then: it snaps back to the 11th with the reason, and nothing changed on the server
    expect(page.get_by_test_id("calendar-toast")).to_contain_text("cannot move")
    expect(day_cell(page, d(11)).locator(f'[data-post-id="{posts["published"].pk}"]')).to_have_count(1)
    expect(day_cell(page, d(20)).locator('[data-testid="post-card"]')).to_have_count(0)
    assert Post.objects.get(pk=posts["published"].pk).scheduled_at == paris(d(11), 12, 30)
    screenshot("calendar-refused-move")

    # when: filtering on the Leaf brand
    page.get_by_test_id("filter-brand").select_option(label="Leaf")

    # then: only Leaf's three posts remain, and the link reproduces the view
    expect(page.locator('[data-testid="post-card"]')).to_have_count(3)
    expect(page.get_by_text("Spring roast drops Friday")).to_have_count(0)
    assert f"brand={studio.leaf.pk}" in page.url and "view=month" in page.url
    page.goto(page.url)
    expect(page.locator('[data-testid="post-card"]')).to_have_count(3)
    expect(page.locator("h1")).to_have_text("Leaf calendar")

    # when: the filter is lifted and the state filter asks for published posts only
    page.get_by_test_id("filter-brand").select_option(value="")
    page.get_by_test_id("filter-state").select_option(value="published")
    expect(page.locator('[data-testid="post-card"]')).to_have_count(1)
    page.get_by_test_id("filter-state").select_option(value="")
    expect(page.locator('[data-testid="post-card"]')).to_have_count(6)

    # when: the colour toggle switches to networks
    page.locator("input[name=colour][value=network]").check()
    expect(page.locator("#calendar-wrap")).to_have_class(re.compile("colour-by-network"))

    # when: the week of the move is shown
    page.goto(f"{live_server.url}/w/{ws}/calendar/?view=week&date={d(13).isoformat()}")
    expect(page.locator(".fc-timegrid")).to_be_visible()
    expect(page.locator(".slot-placeholder").first).to_be_attached()
    expect(card(page, posts["move_me"])).to_be_visible()
    screenshot("calendar-week")

    # when: the list (agenda) view
    page.get_by_role("button", name="List").click()
    expect(page.locator(".fc-list")).to_be_visible()
    assert "view=list" in page.url
    screenshot("calendar-list")

    # when: an empty day of the month view is clicked
    page.goto(f"{live_server.url}/w/{ws}/calendar/?view=month&date={month['first'].isoformat()}")
    expect(page.locator('[data-testid="post-card"]').first).to_be_visible()
    empty = day_cell(page, d(19))
    box = empty.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 10)

    # then: the composer opens at nine that morning, Paris time
    page.wait_for_url(re.compile(r"/posts/new/\?"))
    assert f"at={d(19).isoformat()}T09%3A00%3A00%2B0" in page.url or f"at={d(19).isoformat()}T09:00:00" in page.url


def test_a_client_sees_the_calendar_but_cannot_drag(page, live_server, login, screenshot, studio, month):
    posts, d = month["posts"], month["d"]
    login("client1")
    page.goto(f"{live_server.url}/w/{studio.workspace.slug}/calendar/?date={month['first'].isoformat()}")

    expect(page.locator('[data-testid="post-card"]')).to_have_count(6)
    drag(page, card(page, posts["move_me"]), day_cell(page, d(13)))

    expect(day_cell(page, d(10)).locator(f'[data-post-id="{posts["move_me"].pk}"]')).to_have_count(1)
    assert Post.objects.get(pk=posts["move_me"].pk).scheduled_at == paris(d(10), 9)
    expect(page.get_by_text("Your role can look but not move posts.")).to_be_visible()
