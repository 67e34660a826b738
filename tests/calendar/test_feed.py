"""The calendar's JSON feed: the requested range only, in the viewer's zone, filtered,
never another workspace's posts, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse

from content_calendar.models import CalendarNote
from posts.models import Campaign, MediaAsset, Post, PostingSlot, PostMedia, PostStatus, PostTarget, TargetState
from tests.calendar.conftest import set_time_zone, utc

pytestmark = pytest.mark.django_db


def feed(client, workspace, **params):
    response = client.get(reverse("calendar:events", kwargs={"ws": workspace.slug}), params)
    return response


def posts_of(response):
    return [e for e in response.json()["events"] if e["extendedProps"]["kind"] == "post"]


def ids(response):
    return {e["extendedProps"]["postId"] for e in posts_of(response)}


def test_only_posts_in_the_requested_range(client, studio, make_post):
    # given: posts just before, at the start of, inside, and at the (exclusive) end of a week
    before = make_post(studio.roast, utc(2030, 3, 3, 22, 59))  # Sun 23:59 in Paris
    first = make_post(studio.roast, utc(2030, 3, 3, 23, 0))  # Mon 00:00 in Paris
    inside = make_post(studio.leaf, utc(2030, 3, 6, 12, 0))
    at_end = make_post(studio.roast, utc(2030, 3, 10, 23, 0))  # next Mon 00:00 in Paris
    unscheduled = Post.objects.create(workspace=studio.workspace, brand=studio.roast, text="No date yet")
    client.force_login(studio.owner)

    # when: the week is asked for as FullCalendar does, with offsets
    response = feed(client, studio.workspace, start="2030-03-04T00:00:00+01:00", end="2030-03-11T00:00:00+01:00")

    # then: only the posts from Monday 00:00 up to (not including) next Monday
    assert response.status_code == 200
    assert ids(response) == {first.pk, inside.pk}
    assert before.pk not in ids(response) and at_end.pk not in ids(response) and unscheduled.pk not in ids(response)


def test_times_are_in_the_viewers_zone_with_the_brands_zone_alongside(client, studio, make_post):
    # given: a viewer in Tokyo and a post of the New York brand at 00:30 UTC
    set_time_zone(studio.owner, "Asia/Tokyo")
    post = make_post(studio.roast, utc(2030, 3, 10, 0, 30))
    client.force_login(studio.owner)

    # when: the day is asked for without offsets (read in the viewer's zone)
    response = feed(client, studio.workspace, start="2030-03-10", end="2030-03-11")

    # then: the card says 09:30 Tokyo time, and the brand's own time is there too
    (event,) = posts_of(response)
    assert event["extendedProps"]["postId"] == post.pk
    assert event["start"] == "2030-03-10T09:30:00+09:00"
    assert response.json()["timeZone"] == "Asia/Tokyo"
    assert event["extendedProps"]["brandTime"] == "Sat 09 Mar, 19:30 EST"
    brand = response.json()["brands"][str(event["extendedProps"]["brandId"])]
    assert (brand["name"], brand["timeZone"]) == ("Roast", "America/New_York")


def test_a_naive_range_is_read_in_the_viewers_zone(client, studio, make_post):
    # given: a viewer in Tokyo; one post at 01:00 on the 10th Tokyo time, one at 23:30 on the 9th
    set_time_zone(studio.owner, "Asia/Tokyo")
    on_the_10th = make_post(studio.leaf, utc(2030, 3, 9, 16, 0))
    on_the_9th = make_post(studio.leaf, utc(2030, 3, 9, 14, 30))
    client.force_login(studio.owner)

    # when: the 10th is asked for
    response = feed(client, studio.workspace, start="2030-03-10", end="2030-03-11")

    # then: only the post that is on the 10th where the viewer is
    assert ids(response) == {on_the_10th.pk}
    assert on_the_9th.pk not in ids(response)


def test_no_brand_time_when_the_brand_shares_the_viewers_zone(client, studio, make_post):
    make_post(studio.leaf, utc(2030, 3, 6, 12, 0))
    client.force_login(studio.owner)  # in Paris, like Leaf

    (event,) = posts_of(feed(client, studio.workspace, start="2030-03-04", end="2030-03-11"))

    assert event["start"] == "2030-03-06T13:00:00+01:00"
    assert event["extendedProps"]["brandTime"] is None


def test_a_card_carries_what_the_calendar_shows(client, studio, make_post, settings, tmp_path):
    # given: a post with a campaign, an author, two networks and an image
    settings.MEDIA_ROOT = str(tmp_path)
    campaign = Campaign.objects.create(workspace=studio.workspace, name="Spring roast")
    post = make_post(
        studio.roast,
        utc(2030, 3, 6, 12, 0),
        text="Our   spring roast\nis here: bright, floral and sweet with a long finish of cocoa",
        author=studio.editor,
        campaign=campaign,
    )
    asset = MediaAsset.objects.create(
        workspace=studio.workspace,
        file="media/1/a/beans.jpg",
        thumbnail="media/1/thumbs/beans.jpg",
        mime_type="image/jpeg",
    )
    PostMedia.objects.create(post=post, asset=asset)
    client.force_login(studio.owner)

    # when
    response = feed(client, studio.workspace, start="2030-03-04", end="2030-03-11")
    (event,) = posts_of(response)
    body = response.json()

    # then: first words, networks, state, thumbnail, brand colour, campaign and author; the
    # brand's, accounts', campaign's and author's details come once, beside the cards
    props = event["extendedProps"]
    assert event["title"] == "Our spring roast is here: bright, floral and sweet with…"
    assert props["networks"] == ["bluesky", "mastodon"]
    assert (props["status"], body["statusLabels"][props["status"]]) == ("scheduled", "Scheduled")
    assert props["thumbnail"] == "/media/media/1/thumbs/beans.jpg"
    assert body["brands"][str(props["brandId"])] == {
        "id": studio.roast.pk,
        "name": "Roast",
        "colour": "#b45309",
        "timeZone": "America/New_York",
        "paused": False,
    }
    assert {body["accounts"][str(a)]["handle"] for a in props["accountIds"]} == {
        "@roast@social.example",
        "roast.bsky.social",
    }
    assert body["campaigns"][str(props["campaignId"])] == "Spring roast"
    assert body["authors"][str(props["authorId"])] == "editor1"
    assert body["postUrl"].replace("{id}", str(post.pk)) == f"/w/{studio.workspace.slug}/posts/{post.pk}/"
    assert body["editable"] is True


def test_the_api_shape_carries_every_detail_on_each_card(studio, make_post, settings, tmp_path):
    # given: the same post as above, read through the function the API's calendar endpoint uses
    from django.http import QueryDict

    from content_calendar.events import calendar_events
    from smm.models import Membership

    settings.MEDIA_ROOT = str(tmp_path)
    campaign = Campaign.objects.create(workspace=studio.workspace, name="Spring roast")
    post = make_post(
        studio.roast,
        utc(2030, 3, 6, 12, 0),
        text="Our   spring roast\nis here: bright, floral and sweet with a long finish of cocoa",
        author=studio.editor,
        campaign=campaign,
    )
    asset = MediaAsset.objects.create(
        workspace=studio.workspace, file="media/1/a/beans.jpg", thumbnail="media/1/thumbs/beans.jpg"
    )
    PostMedia.objects.create(post=post, asset=asset)
    membership = Membership.objects.get(workspace=studio.workspace, user=studio.owner)

    # when
    events, _, _ = calendar_events(
        studio.workspace, membership, QueryDict("start=2030-03-04&end=2030-03-11"), zoneinfo.ZoneInfo("Asia/Tokyo")
    )

    # then: every detail is inline, as the API documents it
    (event,) = [e for e in events if e["extendedProps"]["kind"] == "post"]
    props = event["extendedProps"]
    assert event["title"] == "Our spring roast is here: bright, floral and sweet with…"
    assert event["start"] == "2030-03-06T21:00:00+09:00"
    assert event["classNames"] == ["post-card", "state-scheduled"]
    assert event["editable"] is True
    assert props["networks"] == ["bluesky", "mastodon"]
    assert (props["status"], props["statusLabel"]) == ("scheduled", "Scheduled")
    assert (props["held"], props["heldReason"]) == (False, "")
    assert props["thumbnail"] == "/media/media/1/thumbs/beans.jpg"
    assert props["brand"] == {
        "id": studio.roast.pk,
        "name": "Roast",
        "colour": "#b45309",
        "timeZone": "America/New_York",
        "paused": False,
    }
    assert props["brandTime"] == {"name": "America/New_York", "label": "Wed 06 Mar, 07:00 EST"}
    assert sorted((a["network"], a["handle"], a["state"]) for a in props["accounts"]) == [
        ("bluesky", "roast.bsky.social", "Scheduled"),
        ("mastodon", "@roast@social.example", "Scheduled"),
    ]
    assert props["url"] == f"/w/{studio.workspace.slug}/posts/{post.pk}/"
    assert props["campaign"] == "Spring roast"
    assert props["author"] == "editor1"


@pytest.mark.parametrize(
    "param, expected",
    [
        ("brand", {"roast_scheduled", "roast_published"}),
        ("account", {"roast_published"}),
        ("network", {"leaf_draft"}),
        ("campaign", {"roast_scheduled"}),
        ("state", {"roast_published"}),
        ("author", {"leaf_draft"}),
    ],
)
def test_filters(client, studio, make_post, param, expected):
    # given: three posts that differ by brand, account, network, campaign, state and author
    launch = Campaign.objects.create(workspace=studio.workspace, name="Launch")
    posts = {
        "roast_scheduled": make_post(
            studio.roast, utc(2030, 3, 5, 9), accounts=[studio.roast_mastodon], campaign=launch
        ),
        "roast_published": make_post(
            studio.roast, utc(2030, 3, 5, 10), status=PostStatus.PUBLISHED, accounts=[studio.roast_bluesky]
        ),
        "leaf_draft": make_post(studio.leaf, utc(2030, 3, 5, 11), status=PostStatus.DRAFT, author=studio.contributor),
    }
    value = {
        "brand": studio.roast.pk,
        "account": studio.roast_bluesky.pk,
        "network": "x",
        "campaign": launch.pk,
        "state": "published",
        "author": studio.contributor.pk,
    }[param]
    client.force_login(studio.owner)

    # when
    response = feed(client, studio.workspace, start="2030-03-04", end="2030-03-11", **{param: value})

    # then
    assert ids(response) == {posts[name].pk for name in expected}


def test_bad_parameters_are_refused_in_plain_words(client, studio):
    client.force_login(studio.owner)
    ws = studio.workspace

    assert feed(client, ws, end="2030-03-11").json() == {"error": "start is required (an ISO date or date-time)."}
    assert feed(client, ws, start="2030-03-11", end="2030-03-04").status_code == 400
    assert "at most 100 days" in feed(client, ws, start="2030-01-01", end="2031-01-01").json()["error"]
    assert feed(client, ws, start="2030-03-04", end="2030-03-11", brand="roast").json() == {
        "error": "brand must be a number, not 'roast'."
    }
    assert feed(client, ws, start="2030-03-04", end="2030-03-11", state="lost").status_code == 400


def test_another_workspaces_posts_never_appear(client, studio, make_post, make_workspace, make_member, make_brand):
    # given: another workspace with a post at the same time, whose brand id is asked for
    other = make_workspace("Other")
    make_member(other, "owner", username="mallory")
    other_brand = make_brand(other, "Other brand")
    stranger = make_post(other_brand, utc(2030, 3, 5, 9))
    mine = make_post(studio.roast, utc(2030, 3, 5, 9))
    client.force_login(studio.owner)

    # when: the whole workspace, then filtered by the other workspace's brand
    everything = feed(client, studio.workspace, start="2030-03-04", end="2030-03-11")
    by_their_brand = feed(client, studio.workspace, start="2030-03-04", end="2030-03-11", brand=other_brand.pk)

    # then
    assert ids(everything) == {mine.pk}
    assert stranger.pk not in ids(by_their_brand)
    assert ids(by_their_brand) == set()


def test_another_workspaces_feed_is_404_and_anonymous_goes_to_log_in(client, studio, make_workspace):
    other = make_workspace("Other")
    assert feed(client, studio.workspace, start="2030-03-04", end="2030-03-11").status_code == 302
    client.force_login(studio.owner)
    assert feed(client, other, start="2030-03-04", end="2030-03-11").status_code == 404


def test_empty_posting_slots_campaigns_and_notes_are_banners(client, studio, make_post):
    # given: Roast posts Mon and Wed at 09:00 New York time; Monday's slot is taken
    PostingSlot.objects.create(brand=studio.roast, weekday=0, time=dt.time(9, 0))
    PostingSlot.objects.create(brand=studio.roast, weekday=2, time=dt.time(9, 0))
    make_post(studio.roast, utc(2030, 3, 4, 14, 0))  # Mon 09:00 in New York
    Campaign.objects.create(
        workspace=studio.workspace, name="Spring", colour="#0ea5e9", starts_on="2030-03-01", ends_on="2030-03-05"
    )
    Campaign.objects.create(workspace=studio.workspace, name="Summer", starts_on="2030-06-01", ends_on="2030-06-30")
    CalendarNote.objects.create(
        workspace=studio.workspace, title="Trade fair", starts_on="2030-03-07", ends_on="2030-03-08"
    )
    client.force_login(studio.owner)

    # when: the week view asks for slots
    events = feed(client, studio.workspace, start="2030-03-04", end="2030-03-11", slots=1).json()["events"]

    # then: one open slot (Wednesday 09:00 New York = 15:00 Paris), the campaign and the note
    slots = [e for e in events if e["extendedProps"]["kind"] == "slot"]
    assert [(s["start"], s["display"]) for s in slots] == [("2030-03-06T15:00:00+01:00", "background")]
    banners = {
        e["title"]: (e["start"], e["end"], e["allDay"])
        for e in events
        if e["extendedProps"]["kind"] in ("campaign", "note")
    }
    assert banners["Campaign: Spring"] == ("2030-03-01", "2030-03-06", True)
    assert banners["Trade fair"] == ("2030-03-07", "2030-03-09", True)
    assert "Campaign: Summer" not in banners

    # and: the month view (no slots asked) gets no placeholders
    month = feed(client, studio.workspace, start="2030-03-04", end="2030-03-11").json()["events"]
    assert not [e for e in month if e["extendedProps"]["kind"] == "slot"]


def _bulk_posts(studio, count, start):
    posts = Post.objects.bulk_create(
        Post(
            workspace=studio.workspace,
            brand=studio.roast if i % 2 else studio.leaf,
            author=studio.editor,
            text=f"Bulk post {i}",
            scheduled_at=start + dt.timedelta(minutes=30 * i),
            status=PostStatus.SCHEDULED,
        )
        for i in range(count)
    )
    PostTarget.objects.bulk_create(
        PostTarget(
            post=post,
            account=studio.roast_mastodon if post.brand_id == studio.roast.pk else studio.leaf_x,
            state=TargetState.SCHEDULED,
            due_at=post.scheduled_at,
        )
        for post in posts
    )
    asset = MediaAsset.objects.create(workspace=studio.workspace, file="media/x.jpg", mime_type="image/jpeg")
    PostMedia.objects.bulk_create(PostMedia(post=post, asset=asset) for post in posts[::3])


def test_query_count_does_not_grow_with_the_number_of_posts(client, studio, django_assert_max_num_queries):
    # given: 10 posts in a month with targets, media, a campaign, a note and slots
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PostingSlot.objects.create(brand=studio.roast, weekday=1, time=dt.time(9, 0))
    Campaign.objects.create(workspace=studio.workspace, name="C", starts_on="2030-03-01", ends_on="2030-03-20")
    CalendarNote.objects.create(workspace=studio.workspace, title="N", starts_on="2030-03-02", ends_on="2030-03-02")
    _bulk_posts(studio, 10, utc(2030, 3, 1, 8))
    client.force_login(studio.owner)
    params = {"start": "2030-03-01", "end": "2030-04-01", "slots": "1"}
    feed(client, studio.workspace, **params)  # warm the session and profile

    with CaptureQueriesContext(connection) as ten:
        response = feed(client, studio.workspace, **params)
    assert len(posts_of(response)) == 10

    # when: 490 more posts in the same month
    _bulk_posts(studio, 490, utc(2030, 3, 5, 8))

    # then: the same number of queries serves 500
    with django_assert_max_num_queries(len(ten.captured_queries)):
        response = feed(client, studio.workspace, **params)
    assert len(posts_of(response)) == 500


def test_a_post_near_midnight_ends_on_its_own_day(client, studio, make_post):
    # given: a viewer in Paris and posts at 23:30 and 23:59 on the 13th and 10:00 on the 14th, Paris time
    late = make_post(studio.leaf, utc(2030, 3, 13, 22, 30))
    last_minute = make_post(studio.leaf, utc(2030, 3, 13, 22, 59))
    morning = make_post(studio.leaf, utc(2030, 3, 14, 9, 0))
    client.force_login(studio.owner)

    # when: the month is asked for
    response = feed(client, studio.workspace, start="2030-03-01", end="2030-04-01")

    # then: every card ends on the day it starts (a card crossing midnight is drawn on both days)
    events = {e["extendedProps"]["postId"]: e for e in posts_of(response)}
    for post in (late, last_minute, morning):
        start = dt.datetime.fromisoformat(events[post.pk]["start"])
        end = dt.datetime.fromisoformat(events[post.pk]["end"])
        assert start < end, post.text
        assert end <= dt.datetime.combine(start.date() + dt.timedelta(days=1), dt.time.min, start.tzinfo)
    assert events[late.pk]["end"] == "2030-03-14T00:00:00+01:00"
    assert events[morning.pk]["end"] == "2030-03-14T11:00:00+01:00"
