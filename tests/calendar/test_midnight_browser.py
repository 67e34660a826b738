"""A post late in the evening is one card on its own day, in every view, on a desktop and on
a phone: its card never spills past midnight into the next day."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("width", [1366, 390], ids=["desktop", "phone"])
def test_a_post_at_2330_is_one_card_on_its_day(page, live_server, login, screenshot, studio, make_post, width):
    # given: a post at 23:30 Paris time (the viewer's zone) on the 13th of a month ahead
    first = (dt.date.today().replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    the_13th = first.replace(day=13)
    late = dt.datetime.combine(the_13th, dt.time(23, 30), tzinfo=PARIS).astimezone(dt.UTC)
    post = make_post(studio.leaf, late, text="Midnight tasting: last call for the night owls")
    page.set_viewport_size({"width": width, "height": 860})
    login("olivia")
    base = f"{live_server.url}/w/{studio.workspace.slug}/calendar/"
    cards = page.locator(f'[data-testid="post-card"][data-post-id="{post.pk}"]')

    # when: the month is opened
    page.goto(f"{base}?view=month&date={first.isoformat()}")

    # then: exactly one card, in the 13th's cell, none in the 14th's
    on_13th = page.locator(f'td.fc-daygrid-day[data-date="{the_13th.isoformat()}"]')
    expect(on_13th.locator(f'[data-post-id="{post.pk}"]')).to_have_count(1)
    expect(cards).to_have_count(1)
    the_14th = the_13th + dt.timedelta(days=1)
    on_14th = page.locator(f'td.fc-daygrid-day[data-date="{the_14th.isoformat()}"]')
    expect(on_14th.locator(f'[data-post-id="{post.pk}"]')).to_have_count(0)
    screenshot(f"calendar-midnight-month-{width}")

    # and: the week and the list show it once too, at 23:30 with no end time
    page.goto(f"{base}?view=week&date={the_13th.isoformat()}")
    expect(cards).to_have_count(1)
    page.goto(f"{base}?view=list&date={first.isoformat()}")
    expect(cards).to_have_count(1)
    expect(page.locator(".fc-list-event-time", has_text="23:30")).to_have_text("23:30")
    screenshot(f"calendar-midnight-list-{width}")
