"""GA4 chosen as the source: the figures' words follow it everywhere they are shown (one place,
posts.roi_definitions.figures_for), and GA4's days are said to be the property's when its time
zone (runReport's metadata.timeZone, stored at each pull) is not the workspace's."""

from __future__ import annotations

import pytest
import responses

from links import ga4, roi
from links.models import Ga4Connection, RoiSettings
from tests.roi.test_ga4_pages import MONEY, connected, figures, owner_client  # noqa: F401 - fixtures
from tests.roi.test_ga4_pull import REPORT_URL, ROWS, TODAY, report, service_key, token_ok  # noqa: F401
from tests.roi.test_pages import text_of

pytestmark = pytest.mark.django_db

DASHBOARD = "/w/acme/analytics/?period=custom&start=2026-05-01&end=2026-05-31"
BERLIN_DAYS = "Google Analytics' figures are of days in Europe/Berlin, the property's time zone"


def choose(world, source: str) -> None:
    RoiSettings.objects.filter(workspace=world["ws"]).update(figures_from=source)


def card_columns(world) -> dict:
    from analytics.money import campaign_money

    return {key: (label, text) for key, label, text in campaign_money(world["ws"])["columns"]}


def test_the_dashboard_cards_definitions_follow_the_chosen_source(owner_client, connected, roi_world):  # noqa: F811
    # given: SMM's own conversions, the default
    roi.settings_for(roi_world["ws"])
    smm = card_columns(roi_world)
    assert smm["conversions"] == (
        "Conversions",
        "Orders credited: the last tracked click within the window, else utm_campaign.",
    )
    assert smm["revenue"] == ("Revenue", "Sum of the credited conversions' values.")

    # when: Google Analytics 4 is chosen
    choose(roi_world, "ga4")

    # then: the card's columns name GA4's key events and purchase revenue, not SMM's orders
    columns = card_columns(roi_world)
    assert columns["conversions"][0] == "Conversions (GA4 key events)"
    assert columns["conversions"][1].startswith("Google Analytics 4's key events in sessions of the campaign")
    assert columns["revenue"] == ("Revenue (GA4)", "Google Analytics 4's purchase revenue of those sessions.")
    assert columns["roi"] == ("ROI", "(GA4 purchase revenue − spend) ÷ spend.")
    assert columns["cost"] == smm["cost"] and columns["clicks"] == smm["clicks"]
    # and: the dashboard shows those words, and not SMM's any more
    page = text_of(owner_client.get(DASHBOARD).content.decode())
    assert "Conversions (GA4 key events) : Google Analytics 4's key events in sessions of the campaign" in page
    assert "Revenue (GA4) : Google Analytics 4's purchase revenue of those sessions." in page
    assert "Orders credited: the last tracked click" not in page
    # and: the campaign page says the same, from the same place
    text = figures(owner_client, roi_world)
    assert "Conversions (GA4 key events) 6" in text
    assert "GA4 purchase revenue ÷ spend." in text


@responses.activate
def test_a_pull_stores_the_propertys_time_zone_and_it_is_said_beside_ga4s_figures(
    owner_client,  # noqa: F811
    roi_world,
    service_key,  # noqa: F811
):
    connection = Ga4Connection.objects.create(
        workspace=roi_world["ws"], property_id="123456789", key=service_key, client_email="x@y.iam.gserviceaccount.com"
    )
    assert roi_world["ws"].time_zone == "UTC"
    # given: the property counts its days in Berlin (the recorded answer's metadata.timeZone)
    token_ok()
    responses.add(responses.POST, REPORT_URL, json=report(ROWS))

    # when
    assert ga4.pull(connection, today=TODAY) is True

    # then: stored on the connection
    connection.refresh_from_db()
    assert connection.time_zone == "Europe/Berlin"
    # and: said on the money settings, the campaign page's GA4 figures
    money = text_of(owner_client.get(MONEY).content.decode())
    assert f"{BERLIN_DAYS} (this workspace's is UTC)." in money
    campaign = owner_client.get(f"/w/acme/links/campaigns/{roi_world['campaign'].pk}/").content.decode()
    assert 'data-testid="ga4-days"' in campaign and BERLIN_DAYS in text_of(campaign)
    # and: in the rule of the figures once GA4 is their source (dashboard card, campaign page)
    choose(roi_world, "ga4")
    from analytics.money import campaign_money

    assert campaign_money(roi_world["ws"])["rule"].endswith(f"{BERLIN_DAYS} (this workspace's is UTC).")
    assert BERLIN_DAYS in text_of(owner_client.get(DASHBOARD).content.decode())


def test_nothing_is_said_when_the_property_counts_the_workspaces_days(owner_client, connected, roi_world):  # noqa: F811
    Ga4Connection.objects.filter(pk=connected.pk).update(time_zone="Europe/Berlin")
    roi_world["ws"].time_zone = "Europe/Berlin"
    roi_world["ws"].save(update_fields=["time_zone"])
    choose(roi_world, "ga4")

    assert "property's time zone (this" not in roi.attribution_rule(roi.settings_for(roi_world["ws"]))
    campaign = owner_client.get(f"/w/acme/links/campaigns/{roi_world['campaign'].pk}/").content.decode()
    assert 'data-testid="ga4-days"' not in campaign
    money = text_of(owner_client.get(MONEY).content.decode())
    assert "Europe/Berlin, the property's time zone (the workspace's too)." in money


def test_a_connection_not_pulled_yet_says_nothing_of_days(connected, roi_world):  # noqa: F811
    assert ga4.days_note(connected) == ""


def test_the_apis_definitions_follow_the_chosen_source(connected, roi_world):  # noqa: F811
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(roi_world["owner"])
    campaign = f"/api/v1/workspaces/acme/campaigns/{roi_world['campaign'].pk}/figures/"
    # given: SMM's own conversions, the default
    smm = api.get("/api/v1/workspaces/acme/campaigns/figures/").json()["definitions"]
    assert smm["revenue"] == "Sum of the credited conversions' values."

    # when: Google Analytics 4 is chosen
    choose(roi_world, "ga4")

    # then: both figures endpoints define conversions and revenue as GA4's
    for url in ("/api/v1/workspaces/acme/campaigns/figures/", campaign):
        words = api.get(url).json()["definitions"]
        assert words["revenue"] == "Google Analytics 4's purchase revenue of those sessions."
        assert words["roi"] == "(GA4 purchase revenue − spend) ÷ spend."
        assert words["clicks"] == smm["clicks"]
