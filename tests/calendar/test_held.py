"""A paused brand (the crisis switch) holds its posts: the calendar shows them as held, not
as scheduled — in its feed, the API's shape, the page, a drag's answer and the iCal feed."""

from __future__ import annotations

import zoneinfo

import pytest
from django.http import QueryDict
from django.urls import reverse

from content_calendar.events import calendar_events
from posts.models import PostStatus
from smm.models import Membership
from tests.calendar.conftest import utc

pytestmark = pytest.mark.django_db

WEEK = {"start": "2030-03-04", "end": "2030-03-11"}


@pytest.fixture
def paused_roast(studio):
    studio.roast.paused = True
    studio.roast.save(update_fields=["paused"])
    return studio.roast


def cards(events):
    return {e["extendedProps"]["postId"]: e for e in events if e["extendedProps"]["kind"] == "post"}


def test_the_feed_marks_a_paused_brands_waiting_posts_as_held(client, studio, paused_roast, make_post):
    # given: a scheduled and a published post of the paused brand, a scheduled one of the other
    held = make_post(studio.roast, utc(2030, 3, 6, 12, 0))
    published = make_post(studio.roast, utc(2030, 3, 5, 12, 0), status=PostStatus.PUBLISHED)
    other = make_post(studio.leaf, utc(2030, 3, 6, 9, 0))
    client.force_login(studio.owner)

    # when
    body = client.get(reverse("calendar:events", kwargs={"ws": studio.workspace.slug}), WEEK).json()

    # then: only the waiting post of the paused brand is held, and the brand says it is paused
    by_id = cards(body["events"])
    assert by_id[held.pk]["extendedProps"]["held"] is True
    assert by_id[published.pk]["extendedProps"]["held"] is False
    assert by_id[other.pk]["extendedProps"]["held"] is False
    assert body["brands"][str(studio.roast.pk)]["paused"] is True
    assert body["brands"][str(studio.leaf.pk)]["paused"] is False
    assert body["heldLabel"] == "Held"
    assert body["heldReasons"] == {str(studio.roast.pk): "Roast is paused: nothing of it goes out until it is resumed."}


def test_the_api_shape_says_held_with_the_reason(studio, paused_roast, make_post):
    held = make_post(studio.roast, utc(2030, 3, 6, 12, 0), status=PostStatus.PENDING_APPROVAL)
    waiting = make_post(studio.roast, utc(2030, 3, 7, 12, 0))
    membership = Membership.objects.get(workspace=studio.workspace, user=studio.owner)

    events, _, _ = calendar_events(
        studio.workspace, membership, QueryDict("start=2030-03-04&end=2030-03-11"), zoneinfo.ZoneInfo("Europe/Paris")
    )

    card = cards(events)[waiting.pk]
    assert card["classNames"] == ["post-card", "state-scheduled", "held"]
    assert card["extendedProps"]["statusLabel"] == "Held"
    assert card["extendedProps"]["held"] is True
    assert card["extendedProps"]["heldReason"] == "Roast is paused: nothing of it goes out until it is resumed."
    # a post waiting for approval still says so (it is not going out either way)
    pending = cards(events)[held.pk]
    assert pending["extendedProps"]["statusLabel"] == "Pending approval"
    assert pending["extendedProps"]["held"] is False


def test_the_calendar_page_says_which_brands_are_paused(client, studio, paused_roast):
    client.force_login(studio.editor)
    html = client.get(reverse("calendar:view", kwargs={"ws": studio.workspace.slug})).content.decode()
    assert 'data-testid="held-notice"' in html
    assert "Held: Roast is paused" in html
    assert "Leaf is paused" not in html
    assert "Held (brand paused)" in html  # the legend


def test_the_calendar_page_says_nothing_when_no_brand_is_paused(client, studio):
    client.force_login(studio.editor)
    html = client.get(reverse("calendar:view", kwargs={"ws": studio.workspace.slug})).content.decode()
    assert 'data-testid="held-notice"' not in html


def test_moving_a_held_post_says_it_stays_held(client, studio, paused_roast, make_post, future):
    post = make_post(studio.roast, future)
    client.force_login(studio.editor)
    response = client.post(
        reverse("calendar:reschedule", kwargs={"ws": studio.workspace.slug, "post_id": post.pk}),
        data={"start": (future.replace(hour=9)).isoformat()},
        content_type="application/json",
    )
    body = response.json()
    assert body["ok"] is True
    assert "Held: Roast is paused" in body["message"]
    assert body["event"]["extendedProps"]["held"] is True


def test_the_ical_feed_says_held(client, studio, paused_roast, make_post, future):
    from content_calendar.ical import build_feed

    make_post(studio.roast, future, text="Roast of the week")
    make_post(studio.leaf, future, text="Tea of the week")
    ical = build_feed(studio.workspace, site_url="https://smm.example").decode().replace("\r\n ", "")
    assert "SUMMARY:Held · Roast: Roast of the week" in ical
    assert "SUMMARY:Leaf: Tea of the week" in ical
    assert "Roast is paused" in ical
