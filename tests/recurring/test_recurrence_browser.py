"""A marketer sets up a repeating post in Chromium: weekly on Monday and Thursday at 09:00,
12 times; sees the summary and the next dates while editing, saves, and lands on the
series page with its planned posts. Also at 390 px wide."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from posts.models import Post, PostStatus
from recurring.models import Series

from .conftest import next_weekday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_series(page, monday):
    page.fill("#id_text", "Fresh roast on the shelf: come by!")
    page.fill("input[name=date]", monday.isoformat())
    page.fill("input[name=time]", "09:00")
    page.select_option("[data-testid=repeat-preset]", "weekly")
    details = page.get_by_test_id("repeat-details")
    expect(details).to_be_visible()
    # the start date's weekday is ticked for us; add Thursday
    expect(details.locator("input[name=repeat_days][value=MO]")).to_be_checked()
    details.locator("input[name=repeat_days][value=TH]").check()
    page.get_by_test_id("repeat-end-after").check()
    page.get_by_test_id("repeat-count").fill("12")


@pytest.mark.parametrize("width", [1366, 390])
def test_weekly_monday_thursday_at_nine(page, live_server, login, screenshot, world, width):
    page.set_viewport_size({"width": width, "height": 860})
    login("olive")
    ws = world["ws"].slug
    monday = next_weekday(0)
    page.goto(f"{live_server.url}/w/{ws}/posts/new/")
    expect(page.get_by_test_id("repeat-details")).to_be_hidden()
    fill_series(page, monday)
    summary = page.get_by_test_id("repeat-summary")
    expect(summary).to_have_text(
        f"Every Monday and Thursday at 09:00 Europe/Paris, from {monday:%a %d %b %Y}, 12 times"
    )
    dates = page.get_by_test_id("repeat-next").locator("li")
    expect(dates).to_have_count(5)
    thursday = monday + dt.timedelta(days=3)
    expect(dates.nth(0)).to_contain_text(f"{monday:%a %d %b %Y}, 09:00")
    expect(dates.nth(1)).to_contain_text(f"{thursday:%a %d %b %Y}, 09:00")
    page.get_by_test_id("recurrence").scroll_into_view_if_needed()
    screenshot(f"recurrence-editor-{width}")

    # untick both days: the preview says what is missing instead of dates
    page.locator("input[name=repeat_days][value=MO]").uncheck()
    page.locator("input[name=repeat_days][value=TH]").uncheck()
    expect(summary).to_have_text("Pick at least one day of the week.")
    expect(dates).to_have_count(0)
    page.locator("input[name=repeat_days][value=MO]").check()
    page.locator("input[name=repeat_days][value=TH]").check()
    expect(dates).to_have_count(5)

    page.get_by_test_id("save-series").click()
    expect(page).to_have_url(re.compile(rf"/w/{ws}/recurring/\d+/$"))
    expect(page.get_by_test_id("series-summary")).to_contain_text("Every Monday and Thursday at 09:00 Europe/Paris")
    occurrences = page.get_by_test_id("occurrence")
    planned = Post.objects.filter(status=PostStatus.SCHEDULED).count()
    assert planned >= 3
    expect(occurrences).to_have_count(planned)
    expect(occurrences.first).to_contain_text(f"{monday:%a %d %b %Y}")
    screenshot(f"recurrence-series-{width}")
    assert Series.objects.get().rule == "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=12"

    # from the posts list, one link leads to the series
    page.goto(f"{live_server.url}/w/{ws}/posts/")
    page.get_by_test_id("repeating-posts").click()
    expect(page.get_by_test_id("series-row")).to_have_count(1)


def test_edit_a_series_from_now_on_and_set_up_an_evergreen_category(page, live_server, login, screenshot, world):
    from recurring import actions
    from recurring.rules import Recurrence

    start = next_weekday(0)
    rec = Recurrence("weekly", start, dt.time(9, 0), "Europe/Paris", days=["MO", "TH"])
    series = actions.create_series(
        world["ws"], world["brand"], world["owner"], {"text": "Beans", "accounts": [world["mastodon"]]}, rec
    )
    login("olive")
    page.goto(f"{live_server.url}{series.get_absolute_url()}edit/")
    expect(page.get_by_test_id("repeat-summary")).to_contain_text("Every Monday and Thursday at 09:00")
    page.fill("input[name=time]", "10:30")
    expect(page.get_by_test_id("repeat-summary")).to_contain_text("Every Monday and Thursday at 10:30")
    expect(page.get_by_test_id("repeat-next").locator("li").first).to_contain_text(f"{start:%a %d %b %Y}, 10:30")
    screenshot("recurrence-edit")
    page.get_by_test_id("save-series-edit").click()
    expect(page.locator(".flash, [role=status], .messages").first).to_contain_text("Series changed from now on")
    expect(page.get_by_test_id("occurrence").first).to_contain_text("10:30 in Europe/Paris")

    page.goto(f"{live_server.url}/w/{world['ws'].slug}/recurring/evergreen/")
    form = page.get_by_test_id("category-form")
    form.locator("select[name=brand]").select_option(str(world["brand"].pk))
    form.locator("input[name=name]").fill("Brewing tips")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("category")).to_contain_text("Brewing tips")
    expect(page.get_by_test_id("category")).to_contain_text("gap 48 h · duplicate window 30 days")
    screenshot("evergreen-categories")
