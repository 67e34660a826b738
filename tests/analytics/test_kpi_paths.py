"""Every path that computes the engagement rate and the CTR gives the same figures on the
same posts (analytics.definitions): the dashboard tiles and its network rows, the ORM
and the PostgreSQL statements, the pandas frames behind the charts, the heatmap, the top
posts, both CSV exports and the API's KPI payload."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from analytics import charts, definitions, frames, kpis
from analytics.periods import iso_week
from posts.models import Campaign

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
WEEK = {"period": "week", "week": "2026-W10"}
WEDNESDAY = dt.datetime(2026, 3, 4, 12, 0, tzinfo=PARIS)
MEASURED = WEDNESDAY + dt.timedelta(days=1)

# Rated (impressions > 0): A 50 / 1000, D 10 / 500, E none reported / 400 (counts as 0).
RATE = (50 + 10 + 0) / (1000 + 500 + 400)
CTR = 10 / 1000  # A is the one rated post that reports clicks
LEFT_OUT = 4  # B (0 impressions), C and F (no impressions), G (not measured yet)


@pytest.fixture
def week_of_posts(make_workspace, make_member, make_brand, make_account, publish, measure):
    # given a brand whose week mixes posts with and without impressions
    ws = make_workspace("Shop", time_zone="Europe/Paris")
    owner = make_member(ws, "owner")
    brand = make_brand(ws, "Shop", time_zone="Europe/Paris")
    insta = make_account(brand, "instagram", "@shop_insta")
    masto = make_account(brand, "mastodon", "@shop@social.example")
    linked = make_account(brand, "linkedin", "Shop")
    spring = Campaign.objects.create(workspace=ws, name="Spring")
    posts = {name: publish(account, WEDNESDAY, campaign=spring) for name, account in [
        ("a", insta), ("b", insta), ("c", masto), ("d", insta), ("e", linked), ("f", masto), ("g", insta),
    ]}  # fmt: skip
    measure(posts["a"], MEASURED, impressions=1000, likes=30, comments=5, shares=3, saves=2, clicks=10)
    measure(posts["b"], MEASURED, impressions=0, likes=2)
    measure(posts["c"], MEASURED, likes=7, comments=1, shares=2)
    measure(posts["d"], MEASURED, impressions=500, likes=10)
    # E: LinkedIn reported impressions and none of the engagement parts
    measure(posts["e"], MEASURED, impressions=400)
    measure(posts["f"], MEASURED, shares=4)
    return {"ws": ws, "owner": owner, "brand": brand, "posts": posts}


def _orm_board(scope, period):
    published, totals = kpis.published_counts(scope, period)
    sums = kpis.post_sums(scope, period)
    return frames.kpi_table(sums, published, totals, kpis.follower_rows(scope, period), None)


def test_every_path_gives_the_same_rates_and_leaves_out_the_same_posts(week_of_posts, client):
    ws, brand = week_of_posts["ws"], week_of_posts["brand"]
    week = iso_week(2026, 10, PARIS)
    scope = kpis.Scope(workspace=ws, brand_ids=[brand.pk])

    # when every path computes the week
    board = kpis.compute(scope, week)  # the PostgreSQL statement on PostgreSQL, else the ORM
    orm = _orm_board(scope, week)
    tiles = {tile["key"]: tile for tile in board.tiles()}
    daily = frames.daily_series(kpis.daily_rows(scope, week), week.dates(), kpis.DAILY_SUMS)
    campaign = kpis.campaign_rows(scope, week)[0]
    campaign_chart = charts.campaigns(kpis.campaign_rows(scope, week))
    heatmap = frames.heatmap_rates(kpis.heatmap_rows(scope, week))
    top, _ = kpis.top_and_bottom_posts(scope, week, limit=10)

    # then the dashboard's figures are the definition's
    assert board.figure("engagement_rate") == pytest.approx(RATE)
    assert board.figure("ctr") == pytest.approx(CTR)
    assert board.left_out["cur"] == LEFT_OUT
    assert tiles["engagement_rate"]["value"] == pytest.approx(RATE)
    # a network whose rated posts reported no engagements has a rate of 0, not "unknown"
    assert board.figure("engagement_rate", "linkedin") == 0.0
    assert board.figure("engagement_rate", "mastodon") is None
    # the ORM queries agree with it cell by cell (on PostgreSQL it came from the one statement)
    for key in ("engagement_rate", "ctr", "left_out", "engagements", "impressions"):
        for row in ("total", "instagram", "mastodon", "linkedin"):
            assert frames.value(orm, row, key) == pytest.approx(board.figure(key, row)), (key, row)
    # the pandas frames behind the charts (daily sums, campaign chart) give the same rate
    rate_engagements = sum(sum(series["rate_engagements"]) for series in daily["values"].values())
    rate_impressions = sum(sum(series["rate_impressions"]) for series in daily["values"].values())
    assert rate_engagements / rate_impressions == pytest.approx(RATE)
    assert definitions.ratio(campaign["rate_engagements"], campaign["rate_impressions"]) == pytest.approx(RATE)
    assert campaign_chart["data"][1]["y"] == [pytest.approx(RATE * 100)]
    # each rated post has one rate, wherever it is shown; the others have none
    per_post = {"a": 50 / 1000, "d": 10 / 500, "e": 0.0}
    assert sorted(rate for _, _, rates in heatmap for rate in rates) == pytest.approx(sorted(per_post.values()))
    assert {e.target_id for e in top} == {week_of_posts["posts"][n].pk for n in per_post}
    assert [definitions.post_rate(e.engagements, e.impressions) for e in top] == pytest.approx(
        sorted(per_post.values(), reverse=True)
    )

    # and what a manager reads agrees: the page, both CSV exports
    client.force_login(week_of_posts["owner"])
    base = reverse("analytics:dashboard", kwargs={"ws": ws.slug})
    page = client.get(base, {**WEEK, "brand": brand.pk}).content.decode()
    assert f"{RATE * 100:.2f}%" in page
    assert f"{LEFT_OUT} posts left out of the engagement rate" in page
    # E's preview says 0.00%, like its rate everywhere else
    assert "rate <strong>0.00%</strong>" in page
    # (the CSVs write rates as percentages with two decimals)
    figures = csv.DictReader(io.StringIO(client.get(f"{base}export/figures.csv", WEEK).content.decode("utf-8-sig")))
    total = {row["kpi"]: row for row in figures if row["network"] == "all"}
    assert total["Engagement rate"]["value"] == f"{RATE * 100:.2f}"
    assert total["Click-through rate"]["value"] == f"{CTR * 100:.2f}"
    posts_csv = list(
        csv.DictReader(io.StringIO(client.get(f"{base}export/posts.csv", WEEK).content.decode("utf-8-sig")))
    )
    rates = sorted(float(row["engagement_rate_pct"]) for row in posts_csv if row["engagement_rate_pct"])
    assert rates == pytest.approx(sorted(round(rate * 100, 2) for rate in per_post.values()))


def test_the_api_kpi_payload_gives_the_same_figures(week_of_posts):
    from rest_framework.test import APIClient

    from smm.models_api import ApiToken

    ws, brand = week_of_posts["ws"], week_of_posts["brand"]
    _, raw = ApiToken.issue(ws, week_of_posts["owner"], "figures", "owner")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    data = api.get(f"/api/v1/workspaces/{ws.slug}/analytics/kpis/", {**WEEK, "brand": brand.pk}).json()

    figures = {kpi["key"]: kpi["value"] for kpi in data["kpis"]}
    assert figures["engagement_rate"] == pytest.approx(RATE)
    assert figures["ctr"] == pytest.approx(CTR)
    assert data["left_out_of_rates"] == LEFT_OUT
