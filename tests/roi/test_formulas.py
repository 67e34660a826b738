"""The money figures on hand-worked numbers (posts.roi_definitions), and as links.roi adds
them up for the campaign of tests/roi/conftest.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from posts import roi_definitions as d


def test_each_formula_on_hand_worked_numbers():
    f = d.figures(impressions=3000, clicks=60, unique_clicks=50, conversions=4, revenue=Decimal("200.00"),
                  cost=Decimal("120.00"))  # fmt: skip
    assert f["own_ctr"] == Decimal("0.02")
    assert f["conversion_rate"] == Decimal(4) / Decimal(60)
    assert f["cpc"] == Decimal("2")
    assert f["cpa"] == Decimal("30")
    assert f["roas"] == Decimal(200) / Decimal(120)
    assert f["roi"] == Decimal(80) / Decimal(120)
    shown = {key: d.display(key, f[key], "EUR") for key in f}
    assert shown["own_ctr"] == "2.0%"
    assert shown["conversion_rate"] == "6.7%"
    assert shown["cpc"] == "2.00 EUR"
    assert shown["cpa"] == "30.00 EUR"
    assert shown["roas"] == "1.67×"
    assert shown["roi"] == "66.7%"
    assert shown["revenue"] == "200.00 EUR"
    assert shown["clicks"] == "60"


def test_a_loss_is_a_negative_roi():
    assert d.roi(Decimal("30"), Decimal("120")) == Decimal("-0.75")
    assert d.display("roi", d.roi(Decimal("30"), Decimal("120"))) == "-75.0%"
    assert d.roi(0, Decimal("50")) == Decimal(-1)


@pytest.mark.parametrize(
    "sums, empty",
    [
        ({"impressions": None, "clicks": 10, "conversions": 1, "revenue": Decimal(5), "cost": Decimal(20)},
         ["own_ctr"]),
        ({"impressions": 0, "clicks": 0, "conversions": 0, "revenue": Decimal(0), "cost": Decimal(20)},
         ["own_ctr", "conversion_rate", "cpc", "cpa"]),
        ({"impressions": 100, "clicks": 10, "conversions": 2, "revenue": Decimal(50), "cost": None},
         ["cpc", "cpa", "roas", "roi"]),
        # nothing spent: each click cost 0, but no return on nothing
        ({"impressions": 100, "clicks": 10, "conversions": 2, "revenue": Decimal(50), "cost": Decimal(0)},
         ["roas", "roi"]),
    ],
)  # fmt: skip
def test_division_by_zero_or_unknown_is_a_dash(sums, empty):
    f = d.figures(unique_clicks=0, **sums)
    for key in ("own_ctr", "conversion_rate", "cpc", "cpa", "roas", "roi"):
        if key in empty:
            assert f[key] is None, key
            assert d.display(key, f[key], "EUR") == "—"
            assert d.plain(key, f[key]) == ""
        else:
            assert f[key] is not None, key


def test_thousands_and_rounding():
    assert d.display("revenue", Decimal("1234567.005"), "USD") == "1,234,567.01 USD"
    assert d.display("clicks", 12345) == "12,345"
    assert d.plain("roi", Decimal(2) / Decimal(3)) == "0.6667"
    assert d.plain("cpc", Decimal("2")) == "2.00"


@pytest.mark.django_db
def test_the_campaign_adds_up_to_the_hand_worked_figures(roi_world):
    from links import roi

    [row] = roi.campaign_rows(roi_world["ws"])
    assert row["campaign"] == roi_world["campaign"]
    assert (row["impressions"], row["clicks"], row["unique_clicks"], row["conversions"]) == (3000, 60, 50, 4)
    assert row["revenue"] == Decimal("200.00")
    assert row["cost"] == Decimal("120.00")
    assert d.display("cpc", row["cpc"], "EUR") == "2.00 EUR"
    assert d.display("cpa", row["cpa"], "EUR") == "30.00 EUR"
    assert d.display("roas", row["roas"]) == "1.67×"
    assert d.display("roi", row["roi"]) == "66.7%"
    assert d.display("own_ctr", row["own_ctr"]) == "2.0%"


@pytest.mark.django_db
def test_per_network_post_and_brand(roi_world):
    from links import roi

    by_network = {r["key"]: r for r in roi.breakdown(roi_world["ws"], roi_world["campaign"], "network")}
    assert by_network["x"]["clicks"] == 40 and by_network["x"]["unique_clicks"] == 30
    assert by_network["x"]["impressions"] == 2000
    assert by_network["x"]["conversions"] == 3 and by_network["x"]["revenue"] == Decimal("180.50")
    assert d.display("own_ctr", by_network["x"]["own_ctr"]) == "2.0%"
    assert by_network["mastodon"]["clicks"] == 20 and by_network["mastodon"]["conversions"] == 0
    assert d.display("conversion_rate", by_network["mastodon"]["conversion_rate"]) == "0.0%"
    # the utm_campaign conversion is tied to no post: its own row
    assert by_network[None]["conversions"] == 1 and by_network[None]["revenue"] == Decimal("19.50")
    # no spend below the campaign: no CPC per network
    assert by_network["x"]["cpc"] is None
    by_post = {r["key"]: r for r in roi.breakdown(roi_world["ws"], roi_world["campaign"], "post")}
    assert by_post[roi_world["post"].pk]["clicks"] == 60
    by_brand = {r["key"]: r for r in roi.breakdown(roi_world["ws"], roi_world["campaign"], "brand")}
    assert by_brand[roi_world["brand"].pk]["label"] == "Acme Coffee"
    assert by_brand[roi_world["brand"].pk]["conversions"] == 3


@pytest.mark.django_db
def test_period_bounds(roi_world):
    import datetime as dt

    from links import roi

    from .conftest import T0

    # Only 1 May: clicks and spend of that day; conversions were on 3 May
    window = roi.Window(T0.replace(hour=0), T0.replace(hour=0) + dt.timedelta(days=1))
    [row] = roi.campaign_rows(roi_world["ws"], window=window)
    assert row["clicks"] == 60 and row["conversions"] == 0 and row["cost"] == Decimal("80.00")
    assert row["roi"] == Decimal(-1)
