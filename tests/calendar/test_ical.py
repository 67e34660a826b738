"""The iCal subscription: a secret URL per user and workspace, revocable, parsed by
``icalendar`` with the right events at the right (UTC) times."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from content_calendar.models import CalendarFeedToken, hash_feed_token
from posts.models import PostStatus
from smm.models import Membership
from tests.calendar.conftest import utc

pytestmark = pytest.mark.django_db


def subscribe(client, workspace, action="generate"):
    return client.post(reverse("calendar:feed_token", kwargs={"ws": workspace.slug}), {"action": action}, follow=True)


def feed_path_from_page(response) -> str:
    url = response.context["feed_url"]
    assert url, "the new subscription URL is shown once after generating it"
    return url.split("testserver", 1)[1]


def events(response) -> dict:
    cal = Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


@pytest.fixture
def planned(studio, make_post):
    """A scheduled, a published, a draft and a pending post near now."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return {
        "scheduled": make_post(studio.roast, now + dt.timedelta(days=3), text="Fresh beans are here this week"),
        "published": make_post(
            studio.leaf, now - dt.timedelta(days=2), status=PostStatus.PUBLISHED, text="Green tea tasting recap"
        ),
        "draft": make_post(studio.roast, now + dt.timedelta(days=4), status=PostStatus.DRAFT, text="Draft idea"),
        "pending": make_post(
            studio.roast, now + dt.timedelta(days=5), status=PostStatus.PENDING_APPROVAL, text="Awaiting approval"
        ),
    }


def test_the_feed_has_scheduled_and_published_posts_at_their_utc_times(client, studio, planned):
    # given: the owner creates a subscription address from the calendar page
    client.force_login(studio.owner)
    page = subscribe(client, studio.workspace)
    path = feed_path_from_page(page)
    assert path.startswith("/feeds/ical/") and path.endswith(".ics")
    client.logout()  # calendar apps have no session: the secret is the key

    # when: a calendar app reads it
    response = client.get(path)

    # then: valid iCal with the scheduled and published posts only
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response)
    assert set(found) == {"Roast: Fresh beans are here this week", "Leaf: Green tea tasting recap"}
    scheduled = found["Roast: Fresh beans are here this week"]
    assert scheduled.decoded("dtstart") == planned["scheduled"].scheduled_at
    assert scheduled.decoded("dtstart").tzinfo.utcoffset(None) == dt.timedelta(0)
    assert str(scheduled["uid"]) == f"post-{planned['scheduled'].pk}-{studio.workspace.pk}@testserver"
    assert "Fresh beans are here this week" in str(scheduled["description"])
    assert "Mastodon @roast@social.example" in str(scheduled["description"])
    assert str(scheduled["url"]).startswith("http://testserver/")

    # and: the uid is stable from one read to the next
    again = events(client.get(path))
    assert str(again["Roast: Fresh beans are here this week"]["uid"]) == str(scheduled["uid"])


def test_the_address_is_shown_once_and_only_its_hash_is_kept(client, studio):
    client.force_login(studio.owner)
    path = feed_path_from_page(subscribe(client, studio.workspace))
    raw = path.removeprefix("/feeds/ical/").removesuffix(".ics")

    token = CalendarFeedToken.objects.get(user=studio.owner, workspace=studio.workspace)
    assert token.token_hash == hash_feed_token(raw) and raw not in token.token_hash
    later = client.get(reverse("calendar:view", kwargs={"ws": studio.workspace.slug}))
    assert later.context["feed_url"] == ""
    assert raw not in later.content.decode()


def test_a_revoked_or_replaced_address_is_404(client, studio, planned):
    # given: an address, then a regenerated one
    client.force_login(studio.owner)
    first = feed_path_from_page(subscribe(client, studio.workspace))
    second = feed_path_from_page(subscribe(client, studio.workspace))

    # then: the first stopped working, the second works
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200

    # when: revoked from the panel
    subscribe(client, studio.workspace, action="revoke")

    # then: 404, and unknown tokens too
    assert client.get(second).status_code == 404
    assert client.get("/feeds/ical/not-a-token.ics").status_code == 404


def test_the_feed_shows_only_that_workspaces_posts(client, studio, planned, make_workspace, make_brand, make_post):
    # given: the owner also belongs to another workspace with its own scheduled post
    other = make_workspace("Other")
    Membership.objects.create(workspace=other, user=studio.owner, role="owner")
    make_post(make_brand(other, "Elsewhere"), utc(2099, 1, 1), text="Not in Studio")
    make_post(make_brand(other, "Nearby"), dt.datetime.now(dt.UTC) + dt.timedelta(days=1), text="Other soon")
    client.force_login(studio.owner)

    # when
    found = events(client.get(feed_path_from_page(subscribe(client, studio.workspace))))

    # then
    assert not [summary for summary in found if "Other" in summary or "Elsewhere" in summary]
    assert len(found) == 2


def test_a_former_member_loses_the_feed(client, studio, planned):
    client.force_login(studio.editor)
    path = feed_path_from_page(subscribe(client, studio.workspace))
    assert client.get(path).status_code == 200

    Membership.objects.filter(workspace=studio.workspace, user=studio.editor).delete()

    assert client.get(path).status_code == 404
