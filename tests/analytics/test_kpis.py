"""KPI arithmetic on small hand-built data sets; every expected figure is worked out here."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from analytics import kpis
from analytics.models import PostMetricLatest, PostMetricSnapshot
from analytics.periods import Period, iso_week, parse_period

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def shop(make_workspace, make_brand, make_account):
    ws = make_workspace("Shop", time_zone="Europe/Paris")
    brand = make_brand(ws, "Shop", time_zone="Europe/Paris")
    insta = make_account(brand, "instagram", "@shop_insta")
    masto = make_account(brand, "mastodon", "@shop@social.example")
    return ws, brand, insta, masto


def dashboard(ws, brand, period):
    return kpis.compute(kpis.Scope(workspace=ws, brand_ids=[brand.pk]), period)


def test_engagement_rate_leaves_out_posts_without_impressions(shop, publish, measure):
    # given ISO week 2026-W10 in Paris and four posts published on Wednesday
    ws, brand, insta, masto = shop
    week = iso_week(2026, 10, PARIS)
    wednesday = dt.datetime(2026, 3, 4, 12, 0, tzinfo=PARIS)
    later = wednesday + dt.timedelta(days=1)
    a = publish(insta, wednesday)
    b = publish(insta, wednesday)
    c = publish(masto, wednesday)
    d = publish(insta, wednesday)
    # A: 1000 impressions; 30 + 5 + 3 + 2 + 10 = 50 engagements, 10 link clicks
    measure(a, later, impressions=1000, likes=30, comments=5, shares=3, saves=2, clicks=10)
    # B: zero impressions, 2 likes: counts as engagements but is left out of the rate
    measure(b, later, impressions=0, likes=2)
    # C: Mastodon reports no impressions (None): 7 + 1 + 2 = 10 engagements, left out of the rate
    measure(c, later, likes=7, comments=1, shares=2)
    # D: 500 impressions, 10 likes, clicks not reported
    measure(d, later, impressions=500, likes=10)

    # when
    board = dashboard(ws, brand, week)

    # then totals: impressions 1000 + 0 + 500; engagements 50 + 2 + 10 + 10
    assert board.figure("impressions") == 1500
    assert board.figure("engagements") == 72
    # rate only over A and D: (50 + 10) / (1000 + 500) = 0.04
    assert board.figure("engagement_rate") == pytest.approx(0.04)
    assert board.left_out["cur"] == 2
    # CTR over posts reporting both clicks and impressions (A only): 10 / 1000
    assert board.figure("clicks") == 10
    assert board.figure("ctr") == pytest.approx(0.01)
    # reach was never reported: unknown, not zero
    assert board.figure("reach") is None
    assert board.figure("posts_published") == 4
    # and per network
    assert board.figure("posts_published", "instagram") == 3
    assert board.figure("posts_published", "mastodon") == 1
    assert board.figure("impressions", "mastodon") is None
    assert board.figure("engagement_rate", "mastodon") is None
    assert board.figure("left_out", "mastodon") == 1
    assert board.figure("engagements", "mastodon") == 10
    assert board.figure("engagement_rate", "instagram") == pytest.approx(0.04)


def test_a_published_post_without_metrics_yet_is_counted_as_left_out(shop, publish, measure):
    # given two posts in the week, only one measured so far
    ws, brand, insta, _ = shop
    week = iso_week(2026, 10, PARIS)
    at = dt.datetime(2026, 3, 3, 9, 0, tzinfo=PARIS)
    measured = publish(insta, at)
    publish(insta, at)
    measure(measured, at + dt.timedelta(hours=6), impressions=200, likes=4)

    board = dashboard(ws, brand, week)

    # then the rate is 4 / 200 and the page says one post was left out
    assert board.figure("engagement_rate") == pytest.approx(0.02)
    assert board.figure("posts_published") == 2
    assert board.left_out["cur"] == 1


def test_the_latest_snapshot_of_each_post_counts_and_history_is_kept(shop, publish, measure):
    # given a post measured three times, the oldest capture arriving last (a late task)
    ws, brand, insta, _ = shop
    at = dt.datetime(2026, 3, 3, 9, 0, tzinfo=PARIS)
    target = publish(insta, at)
    measure(target, at + dt.timedelta(hours=1), impressions=100, likes=1)
    measure(target, at + dt.timedelta(days=3), impressions=900, likes=30)
    measure(target, at + dt.timedelta(hours=6), impressions=400, likes=9)

    board = dashboard(ws, brand, iso_week(2026, 10, PARIS))

    # then the dashboard uses the 3-day figures and all three snapshots are stored
    assert board.figure("impressions") == 900
    assert board.figure("engagements") == 30
    assert PostMetricSnapshot.objects.filter(target=target).count() == 3
    assert PostMetricLatest.objects.get(target=target).captured_at == at + dt.timedelta(days=3)


def test_change_against_the_previous_week(shop, publish, measure):
    # given 300 impressions / 9 engagements in W09 and 600 / 12 in W10
    ws, brand, insta, _ = shop
    prev_post = publish(insta, dt.datetime(2026, 2, 25, 10, 0, tzinfo=PARIS))
    cur_post = publish(insta, dt.datetime(2026, 3, 5, 10, 0, tzinfo=PARIS))
    measure(prev_post, dt.datetime(2026, 3, 1, tzinfo=UTC), impressions=300, likes=9)
    measure(cur_post, dt.datetime(2026, 3, 8, tzinfo=UTC), impressions=600, likes=12)

    board = dashboard(ws, brand, iso_week(2026, 10, PARIS))
    tiles = {tile["key"]: tile for tile in board.tiles()}

    # then impressions doubled (+100%), engagements +33.3%
    assert tiles["impressions"]["previous"] == 300
    assert tiles["impressions"]["delta"]["text"] == "+100.0%"
    assert tiles["impressions"]["delta"]["trend"] == "up"
    assert tiles["engagements"]["delta"]["text"] == "+33.3%"
    # the rate fell from 9/300 = 3% to 12/600 = 2%: -1 percentage point, shown as down
    assert tiles["engagement_rate"]["display"] == "2.00%"
    assert tiles["engagement_rate"]["delta"]["text"] == "-1.00 pp"
    assert tiles["engagement_rate"]["delta"]["trend"] == "down"
    # without the inbox app's KPIs there are no response tiles
    assert "response_rate" in tiles or not board.has_inbox


def test_follower_growth_uses_the_last_snapshot_before_each_period(shop, followers):
    # given daily follower counts around W09 and W10 (Sunday 1 March ends W09)
    ws, brand, insta, masto = shop
    followers(insta, dt.date(2026, 2, 22), 950)  # the Sunday before W09
    followers(insta, dt.date(2026, 3, 1), 1000)  # end of W09 = start of W10
    followers(insta, dt.date(2026, 3, 6), 1080)  # Friday of W10; no snapshot on Sunday 8 March
    followers(masto, dt.date(2026, 3, 1), 40)
    followers(masto, dt.date(2026, 3, 8), None)  # a day the network did not say
    followers(masto, dt.date(2026, 3, 7), 45)

    board = dashboard(ws, brand, iso_week(2026, 10, PARIS))

    # then W10: instagram 1080 - 1000 = 80, mastodon 45 - 40 = 5; W09: 1000 - 950 = 50
    assert board.figure("follower_growth", "instagram") == 80
    assert board.figure("follower_growth", "mastodon") == 5
    assert board.figure("follower_growth") == 85
    assert board.figure("follower_growth", "instagram", "prev") == 50


def test_an_account_first_measured_inside_the_period_grows_from_its_first_snapshot(shop, followers):
    ws, brand, insta, _ = shop
    followers(insta, dt.date(2026, 3, 4), 500)
    followers(insta, dt.date(2026, 3, 8), 530)

    board = dashboard(ws, brand, iso_week(2026, 10, PARIS))

    assert board.figure("follower_growth") == 30


def test_week_boundaries_follow_the_workspace_time_zone_across_dst(
    make_workspace, make_brand, make_account, publish, measure
):
    # given a New York workspace; US clocks go forward on Sunday 8 March 2026, so ISO week
    # 2026-W10 runs from 2 March 05:00 UTC (EST) to 9 March 04:00 UTC (EDT): 167 hours
    ws = make_workspace("NY", time_zone="America/New_York")
    brand = make_brand(ws, "NY", time_zone="America/New_York")
    account = make_account(brand, "instagram", "@ny")
    week = iso_week(2026, 10, NEW_YORK)
    assert week.end_at - week.start_at == dt.timedelta(hours=167)
    posts = {
        "sunday 23:30 before the week (W09)": dt.datetime(2026, 3, 2, 4, 30, tzinfo=UTC),
        "monday 00:00 local": dt.datetime(2026, 3, 2, 5, 0, tzinfo=UTC),
        "sunday 23:30 EDT, last minutes of W10": dt.datetime(2026, 3, 9, 3, 30, tzinfo=UTC),
        "monday 00:30 EDT (W11)": dt.datetime(2026, 3, 9, 4, 30, tzinfo=UTC),
    }
    impressions = {name: 10**i for i, name in enumerate(posts)}
    for name, at in posts.items():
        measure(publish(account, at), at + dt.timedelta(hours=1), impressions=impressions[name], likes=1)

    board = dashboard(ws, brand, week)

    # then only the two posts inside the local week count: 10 + 100 impressions
    assert board.figure("impressions") == 110
    assert board.figure("posts_published") == 2
    # and the one published at Sunday 23:30 local before it belongs to the previous week
    assert board.figure("impressions", which="prev") == 1


def test_an_iso_week_with_the_european_dst_change_has_167_hours():
    # Europe moves its clocks on Sunday 29 March 2026 (ISO week 13); autumn on 25 October (week 43)
    spring = iso_week(2026, 13, PARIS)
    autumn = iso_week(2026, 43, PARIS)
    assert spring.end_at - spring.start_at == dt.timedelta(hours=167)
    assert autumn.end_at - autumn.start_at == dt.timedelta(hours=169)
    assert spring.start_at == dt.datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    assert spring.end_at == dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_periods_from_the_url():
    now = dt.datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # a Wednesday
    # the default is the last complete ISO week in the workspace's zone
    default = parse_period({}, PARIS, now)
    assert (default.start, default.end, default.iso_week) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8), "2026-W10")
    assert default.previous().iso_week == "2026-W09"
    last28 = parse_period({"period": "28d"}, PARIS, now)
    assert (last28.start, last28.end, last28.days) == (dt.date(2026, 2, 11), dt.date(2026, 3, 10), 28)
    assert last28.previous().end == dt.date(2026, 2, 10)
    custom = parse_period({"period": "custom", "start": "2026-01-01", "end": "2026-01-10"}, PARIS, now)
    assert custom.days == 10 and custom.previous().start == dt.date(2025, 12, 22)
    assert parse_period(custom.query(), PARIS, now) == custom
    assert parse_period(parse_period({"period": "week", "week": "2026-W01"}, PARIS, now).query(), PARIS, now).start == (
        dt.date(2025, 12, 29)
    )


def test_an_empty_period_has_no_figures_but_does_not_fail(shop):
    ws, brand, _, _ = shop
    board = dashboard(ws, brand, Period(dt.date(2026, 3, 2), dt.date(2026, 3, 8), PARIS, "week"))
    tiles = {tile["key"]: tile for tile in board.tiles()}
    assert tiles["impressions"]["display"] == "—"
    assert tiles["posts_published"]["display"] == "0"
    assert tiles["engagement_rate"]["delta"]["text"] == "no comparison"
