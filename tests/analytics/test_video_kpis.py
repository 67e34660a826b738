"""Video views and view rate beside engagements: defined once, the same on every path,
shown only where a scope has video figures."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from analytics import kpis
from analytics.periods import iso_week

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def studio(make_workspace, make_brand, make_account):
    ws = make_workspace("Studio", time_zone="Europe/Paris")
    brand = make_brand(ws, "Studio", time_zone="Europe/Paris")
    quiet = make_brand(ws, "Quiet", time_zone="Europe/Paris")
    return (
        ws,
        brand,
        quiet,
        make_account(brand, "instagram", "@studio"),
        make_account(quiet, "mastodon", "@q@m.example"),
    )


def board(ws, brand, week):
    return kpis.compute(kpis.Scope(workspace=ws, brand_ids=[brand.pk]), week)


def test_views_and_view_rate_over_the_videos_that_report_both(studio, publish, measure, client, make_member):
    ws, brand, _quiet, insta, _masto = studio
    week = iso_week(2026, 10, PARIS)
    wednesday = dt.datetime(2026, 3, 4, 12, 0, tzinfo=PARIS)
    reel = publish(insta, wednesday)
    clip = publish(insta, wednesday)
    photo = publish(insta, wednesday)
    measure(reel, wednesday + dt.timedelta(days=1), impressions=2000, video_views=900, likes=40)
    measure(clip, wednesday + dt.timedelta(days=1), video_views=100)  # views but no impressions
    measure(photo, wednesday + dt.timedelta(days=1), impressions=1000, likes=10)

    figures = board(ws, brand, week)

    # views of every video that reports them: 900 + 100
    assert figures.figure("video_views") == 1000
    # view rate only over the videos reporting both: 900 / 2000
    assert figures.figure("view_rate") == pytest.approx(0.45)
    assert [t["label"] for t in figures.tiles() if t["key"] in kpis.VIDEO_KEYS] == ["Video views", "View rate"]
    assert "Video views" in [label for _k, label, _kind, _n in figures.table_columns()]

    # the same figures through the ORM path (the PostgreSQL statement was used above)
    if connection.vendor == "postgresql":
        sums = kpis.post_sums(kpis.Scope(workspace=ws, brand_ids=[brand.pk]), week)
        current = [row for row in sums if row["current"]]
        assert sum(row["sum_video_views"] or 0 for row in current) == 1000
        assert sum(row["view_views"] or 0 for row in current) == 900

    # and the dashboard page shows them
    owner = make_member(ws, "owner", username="vera")
    client.force_login(owner)
    page = client.get(f"/w/{ws.slug}/analytics/?period=week&week=2026-W10&brand={brand.pk}").content.decode()
    assert "Video views" in page and "45.00%" in page


def test_a_brand_without_video_shows_no_video_tiles(studio, publish, measure):
    ws, _brand, quiet, _insta, masto = studio
    week = iso_week(2026, 10, PARIS)
    wednesday = dt.datetime(2026, 3, 4, 12, 0, tzinfo=PARIS)
    measure(publish(masto, wednesday), wednesday + dt.timedelta(days=1), likes=3)
    figures = board(ws, quiet, week)
    assert figures.figure("video_views") is None
    keys = [t["key"] for t in figures.tiles()]
    assert "video_views" not in keys and "view_rate" not in keys
    assert "engagements" in keys
