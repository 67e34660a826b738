"""Attribution: the last tracked click within the window (its edges), else utm_campaign."""

from __future__ import annotations

import datetime as dt

import pytest

from links import roi
from links.models import Click

from .conftest import T0

pytestmark = pytest.mark.django_db

CLICK_AT = T0 + dt.timedelta(hours=1)  # the fixture's clicks


def credit(ws, **data):
    conversion, created = roi.record_conversion(ws, {"value": "10", **data})
    assert created
    return conversion


@pytest.mark.parametrize(
    "after, credited",
    [
        (dt.timedelta(0), True),  # the same moment
        (dt.timedelta(days=30), True),  # the last moment of the window
        (dt.timedelta(days=30, seconds=1), False),
        (-dt.timedelta(seconds=1), False),  # a conversion before the click cannot come from it
    ],
)
def test_window_edges(roi_world, after, credited):
    conversion = credit(roi_world["ws"], order_id="E", click_id="m005", occurred_at=(CLICK_AT + after).isoformat())
    if credited:
        assert conversion.click.click_id == "m005"
        assert conversion.target == roi_world["targets"]["mastodon"]
        assert conversion.link == roi_world["links"]["mastodon"]
        assert conversion.campaign == roi_world["campaign"]
        assert conversion.attribution == "click m005 within 30 days"
    else:
        assert conversion.click is None and conversion.campaign is None
        assert conversion.attribution == "click m005 unknown or older than 30 days"


def test_the_window_is_a_setting(roi_world):
    settings = roi.settings_for(roi_world["ws"])
    settings.attribution_days = 7
    settings.save()
    late = credit(
        roi_world["ws"], order_id="L", click_id="m006", occurred_at=(CLICK_AT + dt.timedelta(days=8)).isoformat()
    )
    assert late.campaign is None
    on_time = credit(roi_world["ws"], order_id="O", click_id="m007",
                     occurred_at=(CLICK_AT + dt.timedelta(days=7)).isoformat())  # fmt: skip
    assert on_time.campaign == roi_world["campaign"]
    assert "within 7 days" in roi.attribution_rule(settings)


def test_a_stale_click_falls_back_to_utm_campaign(roi_world):
    late = (CLICK_AT + dt.timedelta(days=45)).isoformat()
    conversion = credit(
        roi_world["ws"], order_id="S", click_id="m008", utm_campaign="spring-sale-2026", occurred_at=late
    )
    assert conversion.click is None and conversion.target is None
    assert conversion.campaign == roi_world["campaign"]
    assert conversion.attribution == "utm_campaign spring-sale-2026"


@pytest.mark.parametrize("utm", ["Spring Sale 2026", "spring-sale-2026", "SPRING-SALE-2026", "spring26"])
def test_utm_campaign_matches_name_slug_or_the_campaigns_preset(roi_world, utm):
    from links.models import UtmPreset

    UtmPreset.objects.create(workspace=roi_world["ws"], campaign=roi_world["campaign"], campaign_name="spring26")
    assert credit(roi_world["ws"], order_id="U", utm_campaign=utm).campaign == roi_world["campaign"]


def test_nothing_to_credit(roi_world):
    conversion = credit(roi_world["ws"], order_id="N", utm_campaign="winter")
    assert conversion.campaign is None and conversion.attribution == "not credited"
    [row] = roi.campaign_rows(roi_world["ws"])
    assert row["conversions"] == 4  # not counted for the campaign


def test_another_workspaces_click_or_campaign_is_never_credited(roi_world, make_workspace):
    from posts.models import Campaign

    beta = make_workspace("Beta")
    Campaign.objects.create(workspace=beta, name="Other")
    conversion = credit(beta, order_id="B", click_id="x010", utm_campaign="Spring Sale 2026")
    assert conversion.click is None and conversion.campaign is None
    assert roi.campaign_rows(beta) == []
    assert Click.objects.filter(click_id="x010").exists()
