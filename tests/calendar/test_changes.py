"""The calendar's "what changed" endpoint: a fingerprint of a range's posts that changes
when a post or a target in it changes (so static/js/live.js refetches the events), and
stays the same while nothing did."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from posts.models import PostTarget, TargetState
from posts.states import transition_if
from tests.calendar.conftest import utc

pytestmark = pytest.mark.django_db

RANGE = {"start": "2026-06-01T00:00:00Z", "end": "2026-07-13T00:00:00Z"}


@pytest.fixture
def ask_answer(client, studio):
    client.force_login(studio.owner, backend="django.contrib.auth.backends.ModelBackend")

    def get(**params):
        response = client.get(reverse("calendar:changes", kwargs={"ws": studio.workspace.slug}), {**RANGE, **params})
        assert response.status_code == 200, response.content
        return response.json()

    return get


@pytest.fixture
def ask(ask_answer):
    return lambda **params: ask_answer(**params)["version"]


def test_nothing_changed_same_fingerprint(ask, studio, make_post):
    make_post(studio.roast, utc(2026, 6, 10, 9))
    assert ask() == ask()


def test_a_target_published_changes_it(ask, studio, make_post):
    post = make_post(studio.roast, utc(2026, 6, 10, 9))
    before = ask()
    target = post.targets.first()
    PostTarget.objects.filter(pk=target.pk).update(state=TargetState.PUBLISHING)
    target.state = TargetState.PUBLISHING
    assert transition_if(target, TargetState.PUBLISHING, TargetState.PUBLISHED, published_at=timezone.now())
    assert ask() != before


def test_a_change_that_commits_late_with_an_earlier_time_still_shows(ask, studio, make_post):
    # given two targets, one touched after the other
    post = make_post(studio.roast, utc(2026, 6, 10, 9))
    first, second = post.targets.order_by("pk")
    now = timezone.now()
    PostTarget.objects.filter(pk=second.pk).update(updated_at=now)
    before = ask()
    # when the other one's change lands with an earlier time (it committed later)
    PostTarget.objects.filter(pk=first.pk).update(state=TargetState.QUEUED, updated_at=now - dt.timedelta(seconds=1))
    # then the fingerprint still moves: it is not just the latest time
    assert ask() != before


def test_a_post_moving_out_of_the_range_changes_it(ask, studio, make_post):
    post = make_post(studio.roast, utc(2026, 6, 10, 9))
    before = ask()
    post.scheduled_at = utc(2026, 9, 1, 9)
    post.save()
    assert ask() != before


def test_pausing_a_brand_changes_it(ask, studio, make_post):
    make_post(studio.roast, utc(2026, 6, 10, 9))
    before = ask()
    studio.roast.paused = True
    studio.roast.save()
    assert ask() != before


def test_posts_outside_the_range_or_of_another_workspace_do_not(ask, studio, make_post, make_workspace, make_brand):
    make_post(studio.roast, utc(2026, 6, 10, 9))
    before = ask()
    make_post(studio.roast, utc(2026, 8, 20, 9))  # after the range
    elsewhere = make_brand(make_workspace("Elsewhere"), "Other")
    make_post(elsewhere, utc(2026, 6, 10, 9), accounts=[])
    assert ask() == before


@pytest.mark.parametrize(
    "params",
    [
        {"start": "yesterday"},
        {"end": RANGE["start"]},
        {"start": "2026-01-01T00:00:00Z", "end": "2026-12-31T00:00:00Z"},
    ],
)
def test_a_bad_range_is_refused_with_a_reason(client, studio, params):
    client.force_login(studio.owner, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("calendar:changes", kwargs={"ws": studio.workspace.slug}), {**RANGE, **params})
    assert response.status_code == 400
    assert response.json()["error"]


def test_it_costs_two_queries_whatever_the_number_of_posts(ask, studio, make_post, django_assert_max_num_queries):
    for day in range(1, 29):
        make_post(studio.roast, utc(2026, 6, day, 9))
    ask()
    # what every page costs (session, user, profile twice, membership), then one aggregate
    # over the range's posts and targets, and the paused brands
    with django_assert_max_num_queries(7):
        ask()


def test_the_calendar_page_tells_its_script_where_to_ask(client, studio):
    client.force_login(studio.client, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("calendar:view", kwargs={"ws": studio.workspace.slug})).content.decode()
    assert reverse("calendar:changes", kwargs={"ws": studio.workspace.slug}) in html
    assert "js/live.js" in html


def test_it_says_how_long_ago_the_range_last_changed(ask_answer, studio, make_post):
    assert ask_answer()["age"] is None  # no posts in the range
    post = make_post(studio.roast, utc(2026, 6, 10, 9))
    a_minute_ago = timezone.now() - dt.timedelta(minutes=1)
    post.targets.update(updated_at=a_minute_ago)
    type(post).objects.filter(pk=post.pk).update(updated_at=a_minute_ago)
    assert 59 <= ask_answer()["age"] <= 70
    post.targets.filter(account=studio.roast_mastodon).update(updated_at=timezone.now())
    assert ask_answer()["age"] < 5
