"""The money settings' Google Analytics 4 section (connect, refusals in words, key never shown
back), the campaign page's GA4 figures beside our own, and the choice of source changing the
ROI figures on hand-worked numbers.

With the rows of tests/roi/test_ga4_pull.py stored for "Spring Sale 2026" (x: 120 sessions,
4 key events, 180.50; mastodon: 30 sessions, 2 key events, 59.50) and the campaign's own
figures of tests/roi/conftest.py (60 clicks, 4 conversions, 200.00 revenue, 120.00 spend):

- SMM conversions: conversions 4, revenue 200.00, ROAS 1.67×, ROI 66.7%, CPA 30.00, rate 6.7%;
- Google Analytics 4: conversions 6, revenue 240.00, ROAS 240 / 120 = 2.00×,
  ROI (240 - 120) / 120 = 100.0%, CPA 120 / 6 = 20.00, rate 6 / 60 = 10.0%.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from decimal import Decimal

import pytest
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from links.models import FiguresSource, Ga4Connection, Ga4Row
from tests.roi.test_ga4_pull import EMAIL, REPORT_URL, service_key, token_ok  # noqa: F401 - fixture
from tests.roi.test_pages import text_of

pytestmark = pytest.mark.django_db

MONEY = "/w/acme/links/money/"


@pytest.fixture
def owner_client(client, roi_world):
    client.force_login(roi_world["owner"])
    return client


@pytest.fixture
def sent(monkeypatch):
    """Pulls enqueued (connection ids), instead of a broker."""
    from links import tasks

    ids = []
    monkeypatch.setattr(tasks.ga4_pull, "delay", ids.append)
    return ids


def key_file(info: dict | str, name="acme-analytics-0f1e2d.json"):
    raw = info if isinstance(info, str) else json.dumps(info)
    return SimpleUploadedFile(name, raw.encode(), content_type="application/json")


def ga4_rows(world):
    now = timezone.now()
    for source, sessions, key_events, revenue in (("x", 120, "4", "180.50"), ("mastodon", 30, "2", "59.50")):
        Ga4Row.objects.create(
            workspace=world["ws"],
            campaign=world["campaign"],
            date=dt.date(2026, 5, 3),
            campaign_name="spring-sale-2026",
            source=source,
            sessions=sessions,
            key_events=Decimal(key_events),
            revenue=Decimal(revenue),
            pulled_at=now,
        )


@pytest.fixture
def connected(roi_world, service_key):  # noqa: F811 - the fixture imported above
    connection = Ga4Connection.objects.create(
        workspace=roi_world["ws"],
        property_id="123456789",
        key=service_key,
        client_email=EMAIL,
        key_added_at=timezone.now(),
    )
    ga4_rows(roi_world)
    return connection


def test_connecting_with_a_key_file_stores_it_encrypted_and_starts_a_pull(
    owner_client,
    roi_world,
    service_key,  # noqa: F811
    sent,
    django_capture_on_commit_callbacks,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            f"{MONEY}ga4/", {"property_id": " properties/123456789 ", "key_file": key_file(service_key)}
        )
    # then
    assert response.status_code == 302
    connection = Ga4Connection.objects.get(workspace=roi_world["ws"])
    assert (connection.property_id, connection.client_email) == ("123456789", EMAIL)
    assert connection.key["private_key"] == service_key["private_key"]
    assert sent == [connection.pk]
    # and: the page shows the account and when, never the key
    page = owner_client.get(MONEY).content.decode()
    assert EMAIL in page and "Test connection" in page
    secret_line = service_key["private_key"].splitlines()[1]
    assert secret_line not in page and service_key["private_key_id"] not in page
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert secret_line not in logged


def test_a_pasted_key_works_too_and_the_key_can_stay_when_the_property_changes(
    owner_client,
    roi_world,
    service_key,  # noqa: F811
    sent,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"{MONEY}ga4/", {"property_id": "111", "key_text": json.dumps(service_key)})
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"{MONEY}ga4/", {"property_id": "222"})  # no key: keep the stored one
    assert response.status_code == 302
    connection = Ga4Connection.objects.get(workspace=roi_world["ws"])
    assert connection.property_id == "222" and connection.client_email == EMAIL
    assert len(sent) == 2


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"key_file": "not json at all"}, "key_file", "This is not a JSON key file."),
        ({"key_file": '{"type": "authorized_user", "client_id": "x"}'}, "key_file", "This is a “authorized_user” file"),
        ({"key_file": "[1, 2]"}, "key_file", "This JSON is not a service account key"),
        ({"key_text": '{"type": "service_account", "client_email": "a@b"}'}, "key_text", "This key lacks private_key"),
        (
            {"key_text": '{"type": "service_account", "client_email": "a@b", "private_key": "-----BEGIN nonsense"}'},
            "key_text",
            "The private key in this file cannot be read",
        ),
        ({}, "key_file", "Upload the service account's JSON key file"),
    ],
)
def test_a_bad_key_is_refused_in_words_and_the_property_id_is_kept(owner_client, roi_world, given, field, words):
    data = {"property_id": "123456789"}
    if "key_file" in given:
        data["key_file"] = key_file(given["key_file"])
    if "key_text" in given:
        data["key_text"] = given["key_text"]
    response = owner_client.post(f"{MONEY}ga4/", data)
    assert response.status_code == 400
    form = response.context["ga4_form"]
    assert any(words in e for e in form.errors[field]), form.errors
    page = response.content.decode()
    assert 'value="123456789"' in page  # what was typed is kept...
    assert "BEGIN nonsense" not in page  # ...except the key
    assert not Ga4Connection.objects.exists()


def test_a_measurement_id_is_refused_with_what_to_give_instead(owner_client, service_key):  # noqa: F811
    response = owner_client.post(f"{MONEY}ga4/", {"property_id": "G-ABC123XYZ", "key_file": key_file(service_key)})
    assert response.status_code == 400
    assert "That is a measurement id (G-…)" in text_of(response.content.decode())
    assert 'value="G-ABC123XYZ"' in response.content.decode()


def test_only_owners_and_managers_connect(client, roi_world, make_member, service_key):  # noqa: F811
    client.force_login(make_member(roi_world["ws"], "editor", username="eddie"))
    response = client.post(f"{MONEY}ga4/", {"property_id": "1", "key_file": key_file(service_key)})
    assert response.status_code in (403, 404)
    assert not Ga4Connection.objects.exists()


def test_another_workspace_sees_nothing_of_the_connection(client, connected, roi_world, make_workspace, make_member):
    from links import ga4, roi

    beta = make_workspace("Beta")
    client.force_login(make_member(beta, "owner", username="bo"))
    page = client.get(f"/w/{beta.slug}/links/money/").content.decode()
    assert EMAIL not in page and "123456789" not in page
    client.post(f"/w/{beta.slug}/links/money/ga4/remove/")
    assert Ga4Connection.objects.filter(pk=connected.pk).exists() and Ga4Row.objects.count() == 2
    assert ga4.connection_for(beta) is None and ga4.campaign_sums(beta) == {}
    # and: beta choosing GA4 without a connection of its own is refused
    response = client.post(
        f"/w/{beta.slug}/links/money/", {"currency": "EUR", "attribution_days": "30", "figures_from": "ga4"}
    )
    assert "Connect a Google Analytics 4 property below first." in response.content.decode()
    assert roi.settings_for(beta).figures_from == FiguresSource.SMM


def test_campaign_page_shows_ga4_figures_beside_ours_per_source(owner_client, connected, roi_world):
    text = text_of(owner_client.get(f"/w/acme/links/campaigns/{roi_world['campaign'].pk}/").content.decode())
    assert "Google Analytics 4's figures" in text
    assert "x 120 4 180.50 EUR" in text and "mastodon 30 2 59.50 EUR" in text
    assert "All sources 150 6 240.00 EUR" in text
    assert "not added to them (that would count the same orders twice)" in text
    assert "Purchase revenue Revenue of the purchases GA4 recorded during those sessions" in text
    # our own figures are unchanged (SMM conversions are the default source)
    assert "Conversions 4 Conversion rate: 6.7%" in text and "ROI 66.7%" in text


def figures(client, world) -> str:
    return text_of(client.get(f"/w/acme/links/campaigns/{world['campaign'].pk}/").content.decode())


def test_choosing_ga4_makes_its_key_events_and_revenue_the_roi_inputs(owner_client, connected, roi_world):
    from analytics.money import campaign_money
    from links import roi

    # given: SMM's own figures
    before = roi.campaign_rows(roi_world["ws"], campaign_ids=[roi_world["campaign"].pk])[0]
    assert (before["conversions"], before["revenue"], before["cost"]) == (4, Decimal("200.00"), Decimal("120.00"))
    # when: the money settings choose Google Analytics 4
    response = owner_client.post(MONEY, {"currency": "EUR", "attribution_days": "30", "figures_from": "ga4"})
    assert response.status_code == 302
    # then: GA4's 6 key events and 240.00 go through the same formulas
    row = roi.campaign_rows(roi_world["ws"], campaign_ids=[roi_world["campaign"].pk])[0]
    assert (row["conversions"], row["revenue"]) == (Decimal("6.00"), Decimal("240.00"))
    assert row["roas"] == Decimal("2") and row["roi"] == Decimal("1") and row["cpa"] == Decimal("20")
    assert row["conversion_rate"] == Decimal("0.1")
    text = figures(owner_client, roi_world)
    for shown in ("Conversions (GA4 key events) 6", "Revenue (GA4) 240.00 EUR", "ROAS 2.00×", "ROI 100.0%",
                  "Cost per acquisition 20.00 EUR", "Conversion rate 10.0%"):  # fmt: skip
        assert shown in text, shown
    assert "Conversions and revenue are Google Analytics 4's key events and purchase revenue" in text
    assert "The money settings use them as this campaign's conversions and revenue above." in text
    # and: the dashboard card says the same figures and which source they use
    card = campaign_money(roi_world["ws"])
    assert card["rows"][0]["roi"] == Decimal("1")
    assert card["rule"].startswith("Conversions and revenue are Google Analytics 4's")
    # and: back to SMM conversions, the figures are ours again (never both added)
    owner_client.post(MONEY, {"currency": "EUR", "attribution_days": "30", "figures_from": "smm"})
    after = roi.campaign_rows(roi_world["ws"], campaign_ids=[roi_world["campaign"].pk])[0]
    assert (after["conversions"], after["revenue"], after["roi"]) == (4, Decimal("200.00"), before["roi"])


def test_ga4_figures_follow_the_dashboards_period(connected, roi_world):
    from links import roi

    type(roi.settings_for(roi_world["ws"])).objects.filter(workspace=roi_world["ws"]).update(figures_from="ga4")
    may = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    inside = roi.dashboard_rows(roi_world["ws"], start=may, end=may + dt.timedelta(days=7))["rows"]
    assert inside[0]["revenue"] == Decimal("240.00")
    # the rows are of 3 May: a period ending on 3 May (excluded) has none of them
    window = roi.Window(may - dt.timedelta(days=7), dt.datetime(2026, 5, 3, tzinfo=dt.UTC))
    earlier = roi.campaign_rows(roi_world["ws"], window=window, campaign_ids=[roi_world["campaign"].pk])[0]
    assert (earlier["conversions"], earlier["revenue"]) == (0, Decimal("0.00"))


@responses.activate
def test_test_connection_says_what_google_answered(owner_client, connected):
    token_ok()
    responses.add(
        responses.POST,
        REPORT_URL,
        status=403,
        json={"error": {"code": 403, "message": "No access.", "status": "PERMISSION_DENIED"}},
    )
    page = owner_client.post(f"{MONEY}ga4/test/", follow=True).content.decode()
    assert f"the service account {EMAIL} has no access to property 123456789" in text_of(page)


def test_removing_deletes_the_key_and_rows_and_falls_back_to_smm(owner_client, connected, roi_world):
    from links import roi

    type(roi.settings_for(roi_world["ws"])).objects.filter(workspace=roi_world["ws"]).update(figures_from="ga4")
    response = owner_client.post(f"{MONEY}ga4/remove/")
    assert response.status_code == 302
    assert not Ga4Connection.objects.exists() and not Ga4Row.objects.exists()
    assert roi.settings_for(roi_world["ws"]).figures_from == FiguresSource.SMM
