"""In Chromium: while Roast is paused, its scheduled post reads "Held" on the calendar (with
the reason in its tooltip) and on its page, and the calendar and the composer say Roast is paused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from posts.models import PostStatus
from tests.calendar.test_calendar_browser import card, paris

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_paused_brands_posts_read_held(page, live_server, login, screenshot, studio, make_post):
    # given: Roast is paused; it has a scheduled and a published post, Leaf a scheduled one
    first = (dt.date.today().replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    studio.roast.paused = True
    studio.roast.save(update_fields=["paused"])
    held = make_post(studio.roast, paris(first + dt.timedelta(days=9), 9), text="Spring roast drops Friday")
    done = make_post(
        studio.roast, paris(first + dt.timedelta(days=3), 9), status=PostStatus.PUBLISHED, text="Winter recap"
    )
    leaf = make_post(studio.leaf, paris(first + dt.timedelta(days=9), 12), text="Matcha week")
    ws = studio.workspace.slug

    # when: the owner opens that month
    login("olivia")
    page.goto(f"{live_server.url}/w/{ws}/calendar/?view=month&date={first.isoformat()}")

    # then: the page says Roast is paused, its waiting post reads "Held", the others do not
    expect(page.locator('[data-testid="held-notice"]')).to_contain_text("Held: Roast is paused")
    expect(card(page, held).locator(".pc-state")).to_have_text("Held")
    expect(card(page, held)).to_have_class(re.compile(r"\bheld\b"))
    expect(card(page, held)).to_have_attribute("title", re.compile("Roast is paused: nothing of it goes out"))
    expect(card(page, leaf).locator(".pc-state")).to_have_text("Scheduled")
    expect(card(page, done).locator(".pc-state")).to_have_text("Published")
    screenshot("calendar-held")

    # when: the owner opens the held post
    card(page, held).click()

    # then: its page says held, not scheduled
    expect(page.locator('[data-testid="post-status"]')).to_have_text("Held")
    expect(page.locator('[data-testid="held"]')).to_contain_text("Held: Roast is paused")
    screenshot("post-held")

    # when: the owner writes a post, first for Leaf, then switches to Roast
    page.goto(f"{live_server.url}/w/{ws}/posts/new/?brand={studio.leaf.pk}")
    notice = page.locator(f'[data-testid="held-notice"][data-brand="{studio.roast.pk}"]')
    expect(notice).to_be_hidden()
    page.select_option('[data-testid="brand"]', str(studio.roast.pk))

    # then: the composer says Roast's posts are held, beside the buttons that would send them
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Held: Roast is paused")
    screenshot("composer-held")
