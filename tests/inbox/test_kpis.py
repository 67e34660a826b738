"""Response KPIs on hand-built data: rate and median first-response time per brand and member."""

from __future__ import annotations

import datetime as dt

import pytest

from inbox.kpis import response_kpis
from inbox.models import InboxItem

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)  # a Monday
END = START + dt.timedelta(days=7)


@pytest.fixture
def data(shop, make_brand, make_account, make_member):
    eve = make_member(shop["ws"], "editor", username="eve")
    cold = make_brand(shop["ws"], "Acme Cold Brew")
    cold_account = make_account(cold, "mastodon", "@cold", remote_id="901")
    owner = shop["owner"]

    def item(account, n, *, at, answered_after_min=None, by=None):
        InboxItem.objects.create(
            workspace=shop["ws"],
            account=account,
            kind="mention",
            remote_id=str(n),
            created_at=at,
            first_response_at=at + dt.timedelta(minutes=answered_after_min) if answered_after_min is not None else None,
            responded_by=by,
        )

    day = START + dt.timedelta(days=1)
    # Acme Coffee: 4 received, 3 answered after 10, 20 and 60 minutes
    item(shop["account"], 1, at=day, answered_after_min=10, by=owner)
    item(shop["account"], 2, at=day, answered_after_min=20, by=eve)
    item(shop["account"], 3, at=day, answered_after_min=60, by=eve)
    item(shop["account"], 4, at=day)
    # Cold Brew: 2 received, 1 answered after 30 minutes
    item(cold_account, 5, at=day, answered_after_min=30, by=eve)
    item(cold_account, 6, at=day)
    # outside the period: ignored
    item(shop["account"], 7, at=START - dt.timedelta(hours=1), answered_after_min=1, by=owner)
    item(shop["account"], 8, at=END, answered_after_min=1, by=owner)
    return {"cold": cold, "eve": eve}


def test_response_rate_and_median_for_the_workspace(shop, data):
    kpis = response_kpis(shop["ws"], None, START, END)

    assert kpis["received"] == 6
    assert kpis["responded"] == 4
    assert kpis["response_rate"] == pytest.approx(4 / 6, abs=1e-4)
    # answered after 10, 20, 30, 60 minutes -> median 25 minutes
    assert kpis["median_first_response_seconds"] == pytest.approx(25 * 60)


def test_per_brand(shop, data):
    by_brand = {row["brand"]: row for row in response_kpis(shop["ws"], [], START, END)["by_brand"]}

    assert by_brand["Acme Coffee"]["received"] == 4
    assert by_brand["Acme Coffee"]["response_rate"] == 0.75
    assert by_brand["Acme Coffee"]["median_first_response_seconds"] == pytest.approx(20 * 60)
    assert by_brand["Acme Cold Brew"]["response_rate"] == 0.5
    assert by_brand["Acme Cold Brew"]["median_first_response_seconds"] == pytest.approx(30 * 60)


def test_per_member(shop, data):
    by_member = response_kpis(shop["ws"], None, START, END)["by_member"]

    assert [(row["member"], row["responded"]) for row in by_member] == [("eve", 3), ("olivia", 1)]
    assert by_member[0]["median_first_response_seconds"] == pytest.approx(30 * 60)
    assert by_member[1]["median_first_response_seconds"] == pytest.approx(10 * 60)


def test_limited_to_some_brands(shop, data):
    kpis = response_kpis(shop["ws"], [data["cold"]], START, END)
    assert (kpis["received"], kpis["responded"]) == (2, 1)
    assert [row["brand"] for row in kpis["by_brand"]] == ["Acme Cold Brew"]


def test_an_empty_period_has_no_rate_rather_than_zero(shop, data):
    kpis = response_kpis(shop["ws"], None, END + dt.timedelta(days=30), END + dt.timedelta(days=37))
    assert kpis["received"] == 0
    assert kpis["response_rate"] is None
    assert kpis["median_first_response_seconds"] is None
    assert kpis["by_brand"] == [] and kpis["by_member"] == []


def test_another_workspace_is_not_counted(shop, data, two_workspaces):
    kpis = response_kpis(two_workspaces["a"], None, START, END)
    assert kpis["received"] == 0
