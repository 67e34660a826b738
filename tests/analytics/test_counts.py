""" "Posts published" is one figure: distinct posts (not targets), each counted in the ISO week
(in the workspace's zone) of its first publication. The agency overview (per brand and total),
the brand dashboard's tile, the printable report (the PDF's page) and the API's KPI agree."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from analytics.periods import iso_week
from posts.models import Post, PostTarget, TargetState

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2030, 3, day, hour, minute, tzinfo=TOKYO)


@pytest.fixture
def agency(make_workspace, make_member, make_brand, make_account):
    ws = make_workspace("Agency", time_zone="Asia/Tokyo")
    owner = make_member(ws, "owner", username="owen")
    coffee, cold = make_brand(ws, "Acme Coffee"), make_brand(ws, "Cold Brew")
    accounts = {
        "coffee_masto": make_account(coffee, "mastodon", "@coffee"),
        "coffee_bsky": make_account(coffee, "bluesky", "coffee.bsky.social"),
        "cold_masto": make_account(cold, "mastodon", "@cold"),
        "cold_x": make_account(cold, "x", "@coldbrew"),
    }
    return ws, owner, coffee, cold, accounts


def post_to(brand, *targets):
    """A post sent to (account, published at | None for a failed attempt) pairs."""
    post = Post.objects.create(workspace=brand.workspace, brand=brand, text="Fresh roast", status="published")
    for n, (account, at) in enumerate(targets):
        PostTarget.objects.create(
            post=post,
            account=account,
            state=TargetState.PUBLISHED if at else TargetState.FAILED,
            published_at=at,
            remote_id=f"{post.pk}-{n}" if at else "",
        )
    return post


def number(html: str, pattern: str) -> int:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return int(found.group(1).replace(",", ""))


def tile(html: str) -> int:
    return number(html, r'data-kpi="posts_published".*?class="kpi-value">([\d,]+)<')


def table_cell(html: str, row) -> int:
    return number(html, rf'<tr[^>]*data-row="{row}".*?<td[^>]*data-kpi="posts_published"[^>]*>([\d,]+)<')


def test_posts_published_is_the_same_figure_everywhere(client, agency):
    # given ISO week 2030-W10 in Tokyo (Mon 4 March to Sun 10 March, local time)
    ws, owner, coffee, cold, a = agency
    week = iso_week(2030, 10, TOKYO)
    # Acme Coffee: one post sent to two accounts (one post, not two)
    post_to(coffee, (a["coffee_masto"], tokyo(6, 12)), (a["coffee_bsky"], tokyo(6, 12, 1)))
    # Sunday 23:30 and Monday 00:30 local: inside the week (in UTC one would fall outside)
    post_to(coffee, (a["coffee_masto"], tokyo(10, 23, 30)))
    post_to(coffee, (a["coffee_masto"], tokyo(4, 0, 30)))
    # next Monday 00:30 local (still Sunday in UTC): the next week
    post_to(coffee, (a["coffee_masto"], tokyo(11, 0, 30)))
    # first out on Sunday 23:50 of the week before, on its second account ten minutes later:
    # it belongs to the week it was first published in, the previous one
    post_to(coffee, (a["coffee_masto"], tokyo(3, 23, 50)), (a["coffee_bsky"], tokyo(4, 0, 0)))
    # Cold Brew: one post out on Mastodon, failed on X: still one post published
    post_to(cold, (a["cold_masto"], tokyo(7, 9)), (a["cold_x"], None))
    client.force_login(owner)
    query = week.query()

    # when: the overview, each brand's dashboard and report, and the API are read
    overview = client.get(reverse("analytics:overview", kwargs={"ws": ws.slug}), query).content.decode()
    pages = {}
    for brand in (coffee, cold):
        params = {**query, "brand": brand.pk}
        pages[brand.pk] = {
            "dashboard": tile(
                client.get(reverse("analytics:dashboard", kwargs={"ws": ws.slug}), params).content.decode()
            ),
            "report": tile(client.get(reverse("analytics:report", kwargs={"ws": ws.slug}), params).content.decode()),
            "api": api_value(client, ws, params),
        }
    whole = {
        "overview tile": tile(overview),
        "overview total row": table_cell(overview, "total"),
        "dashboard": tile(client.get(reverse("analytics:dashboard", kwargs={"ws": ws.slug}), query).content.decode()),
        "report": tile(client.get(reverse("analytics:report", kwargs={"ws": ws.slug}), query).content.decode()),
        "api": api_value(client, ws, query),
    }

    # then: Acme Coffee published 3 posts in the week, Cold Brew 1, the workspace 4, on every page
    assert {**pages[coffee.pk], "overview row": table_cell(overview, coffee.pk)} == dict.fromkeys(
        ["dashboard", "report", "api", "overview row"], 3
    )
    assert {**pages[cold.pk], "overview row": table_cell(overview, cold.pk)} == dict.fromkeys(
        ["dashboard", "report", "api", "overview row"], 1
    )
    assert whole == dict.fromkeys(whole, 4)
    # and the previous week has the post first published on its last Sunday
    previous = client.get(reverse("analytics:overview", kwargs={"ws": ws.slug}), week.previous().query())
    assert table_cell(previous.content.decode(), coffee.pk) == 1


def api_value(client, ws, params) -> int:
    response = client.get(reverse("api-kpis", kwargs={"ws": ws.slug}), params)
    assert response.status_code == 200, response.content
    (kpi,) = [k for k in response.json()["kpis"] if k["key"] == "posts_published"]
    return kpi["value"]
