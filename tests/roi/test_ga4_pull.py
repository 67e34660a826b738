"""The GA4 pull against recorded Data API v1beta answers (REST, replayed with ``responses``):
the service-account token exchange, the runReport request, paging, the re-pull that replaces,
Google's refusals in words, and the key kept out of the logs.

Hand-worked rows of property 123456789 (EUR) for "Spring Sale 2026" (tests/roi/conftest.py):
3 May x: 120 sessions, 4 key events, 180.50; 3 May mastodon: 30 sessions, 2 key events, 59.50;
so 150 sessions, 6 key events, 240.00 of revenue. Plus a "newsletter-may" row no SMM campaign
carries (kept aside) and a "(direct)" row (GA4's placeholder, skipped).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses

from links import ga4
from links.models import Ga4Connection, Ga4Row

pytestmark = pytest.mark.django_db

TOKEN_URL = "https://oauth2.googleapis.com/token"
PROPERTY = "123456789"
REPORT_URL = f"https://analyticsdata.googleapis.com/v1beta/properties/{PROPERTY}:runReport"
EMAIL = "smm-reader@acme-analytics.iam.gserviceaccount.com"
TODAY = dt.date(2026, 5, 4)


@pytest.fixture(scope="module")
def service_key():
    """A service account's JSON key as Google hands it out, with a key made for the test."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": "acme-analytics",
        "private_key_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6",
        "private_key": pem,
        "client_email": EMAIL,
        "client_id": "104857600000000000001",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "universe_domain": "googleapis.com",
    }


@pytest.fixture
def connection(roi_world, service_key):
    return Ga4Connection.objects.create(
        workspace=roi_world["ws"], property_id=PROPERTY, key=service_key, client_email=EMAIL
    )


def token_ok():
    responses.add(
        responses.POST, TOKEN_URL, json={"access_token": "ya29.test-access", "expires_in": 3599, "token_type": "Bearer"}
    )


def report(rows, *, row_count=None, currency="EUR"):
    return {
        "dimensionHeaders": [{"name": "date"}, {"name": "sessionCampaignName"}, {"name": "sessionSource"}],
        "metricHeaders": [
            {"name": "sessions", "type": "TYPE_INTEGER"},
            {"name": "keyEvents", "type": "TYPE_FLOAT"},
            {"name": "purchaseRevenue", "type": "TYPE_CURRENCY"},
        ],
        "rows": [
            {
                "dimensionValues": [{"value": d} for d in (day, campaign, source)],
                "metricValues": [{"value": m} for m in metrics],
            }
            for day, campaign, source, *metrics in rows
        ],
        "rowCount": len(rows) if row_count is None else row_count,
        "metadata": {"currencyCode": currency, "timeZone": "Europe/Berlin"},
        "kind": "analyticsData#runReport",
    }


ROWS = [
    ("20260503", "spring-sale-2026", "x", "120", "4", "180.5"),
    ("20260503", "spring-sale-2026", "mastodon", "30", "2", "59.50"),
    ("20260503", "newsletter-may", "newsletter", "75", "1", "20"),
    ("20260503", "(direct)", "(direct)", "900", "12", "1500"),
]


def google_error(status: int, code: str, message: str) -> dict:
    return {"error": {"code": status, "message": message, "status": code}}


def stored():
    return {
        (r.date.isoformat(), r.campaign_name, r.source): (r.sessions, r.key_events, r.revenue, r.campaign_id)
        for r in Ga4Row.objects.all()
    }


@responses.activate
def test_pull_exchanges_the_signed_jwt_asks_for_the_report_and_stores_the_rows(connection, roi_world):
    # given: Google's token endpoint and one page of the report
    token_ok()
    responses.add(responses.POST, REPORT_URL, json=report(ROWS))

    # when
    assert ga4.pull(connection, today=TODAY) is True

    # then: the token was asked for with the service account's signed JWT (RFC 7523)
    token_call = responses.calls[0].request
    form = parse_qs(token_call.body if isinstance(token_call.body, str) else token_call.body.decode())
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    header, claims, signature = form["assertion"][0].split(".")
    claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert claims["iss"] == EMAIL and claims["aud"] == TOKEN_URL
    assert claims["scope"] == "https://www.googleapis.com/auth/analytics.readonly"
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"] == "RS256"
    # and: the report for the property, our dimensions and metrics, the first 90 days
    call = responses.calls[1].request
    assert call.url.split("?")[0] == REPORT_URL
    assert call.headers["Authorization"] == "Bearer ya29.test-access"
    body = json.loads(call.body)
    assert [d["name"] for d in body["dimensions"]] == ["date", "sessionCampaignName", "sessionSource"]
    assert [m["name"] for m in body["metrics"]] == ["sessions", "keyEvents", "purchaseRevenue"]
    assert body["dateRanges"] == [{"startDate": "2026-02-04", "endDate": "2026-05-04"}]
    assert int(body["limit"]) == ga4.PAGE_SIZE and int(body.get("offset", 0)) == 0
    # and: the rows, matched to the campaign; the unknown one kept aside; (direct) skipped
    campaign = roi_world["campaign"].pk
    assert stored() == {
        ("2026-05-03", "spring-sale-2026", "x"): (120, Decimal("4.00"), Decimal("180.50"), campaign),
        ("2026-05-03", "spring-sale-2026", "mastodon"): (30, Decimal("2.00"), Decimal("59.50"), campaign),
        ("2026-05-03", "newsletter-may", "newsletter"): (75, Decimal("1.00"), Decimal("20.00"), None),
    }
    connection.refresh_from_db()
    assert connection.last_pull_ok is True and connection.retry_after is None
    assert connection.last_result.startswith("3 campaign rows for 4 Feb 2026–4 May 2026 (4 from Google Analytics")
    assert connection.pulled_through == dt.date(2026, 5, 2)  # settled; 3 and 4 May are asked again tomorrow
    assert ga4.campaign_sums(roi_world["ws"]) == {
        campaign: {"sessions": 150, "key_events": Decimal("6.00"), "revenue": Decimal("240.00")}
    }
    assert [r["campaign_name"] for r in ga4.unmatched(roi_world["ws"])] == ["newsletter-may"]


@responses.activate
def test_paging_reads_every_page_by_offset_until_row_count(connection, monkeypatch):
    # given: pages of two rows, five rows in all
    monkeypatch.setattr(ga4, "PAGE_SIZE", 2)
    token_ok()
    days = [(f"202605{d:02d}", "spring-sale-2026", "x", str(d), "1", "10") for d in range(1, 6)]
    for start in (0, 2, 4):
        responses.add(
            responses.POST, REPORT_URL, json=report(days[start : start + 2], row_count=5), match=[_offset(start)]
        )

    # when
    assert ga4.pull(connection, today=TODAY) is True

    # then: three calls, at offsets 0, 2, 4, and every row stored
    report_calls = [c.request for c in responses.calls if c.request.url.startswith(REPORT_URL)]
    offsets = [int(json.loads(r.body).get("offset", 0)) for r in report_calls]
    assert offsets == [0, 2, 4]
    assert sorted(r.sessions for r in Ga4Row.objects.all()) == [1, 2, 3, 4, 5]


def _offset(expected: int):
    def match(request):
        got = int(json.loads(request.body).get("offset", 0))
        return got == expected, f"offset {got} != {expected}"

    return match


@responses.activate
def test_a_re_pull_replaces_the_days_it_asked_for_and_never_adds(connection, roi_world):
    # given: a first pull (90 days)
    token_ok()
    responses.add(responses.POST, REPORT_URL, json=report(ROWS))
    ga4.pull(connection, today=TODAY)
    # when: the next day GA4 has revised 3 May (x: 130 sessions, 5 key events, 200.00) and the
    # mastodon row is gone
    revised = [("20260503", "spring-sale-2026", "x", "130", "5", "200"), ROWS[2]]
    responses.replace(responses.POST, REPORT_URL, json=report(revised))
    connection.refresh_from_db()
    assert ga4.pull(connection, today=TODAY + dt.timedelta(days=1)) is True

    # then: only the last three days were asked for again, and what GA4 says now is stored, once
    body = json.loads(responses.calls[-1].request.body)
    assert body["dateRanges"] == [{"startDate": "2026-05-03", "endDate": "2026-05-05"}]
    assert stored() == {
        ("2026-05-03", "spring-sale-2026", "x"): (130, Decimal("5.00"), Decimal("200.00"), roi_world["campaign"].pk),
        ("2026-05-03", "newsletter-may", "newsletter"): (75, Decimal("1.00"), Decimal("20.00"), None),
    }
    # and: pulling the same day again changes nothing
    connection.refresh_from_db()
    ga4.pull(connection, today=TODAY + dt.timedelta(days=1))
    assert Ga4Row.objects.count() == 2


@responses.activate
def test_a_campaign_made_later_picks_up_the_rows_kept_aside(connection, roi_world):
    from posts.models import Campaign

    token_ok()
    responses.add(responses.POST, REPORT_URL, json=report(ROWS))
    ga4.pull(connection, today=TODAY)
    newsletter = Campaign.objects.create(workspace=roi_world["ws"], name="Newsletter May")
    connection.refresh_from_db()
    ga4.pull(connection, today=TODAY)
    assert Ga4Row.objects.get(campaign_name="newsletter-may").campaign == newsletter


@responses.activate
def test_permission_denied_is_said_in_words_and_not_retried_within_the_hour(connection):
    token_ok()
    responses.add(
        responses.POST,
        REPORT_URL,
        status=403,
        json=google_error(403, "PERMISSION_DENIED", "User does not have sufficient permissions for this property."),
    )
    assert ga4.pull(connection, today=TODAY) is False
    connection.refresh_from_db()
    assert connection.last_pull_ok is False and connection.retry_after is None
    assert connection.last_result == (
        f"Google Analytics refused: the service account {EMAIL} has no access to property {PROPERTY} — "
        "add it as a Viewer in GA4 Admin > Property access management."
    )
    assert not Ga4Row.objects.exists()


@responses.activate
def test_api_not_turned_on_is_said_in_words(connection):
    token_ok()
    message = (
        "Google Analytics Data API has not been used in project 104857 before or it is disabled. Enable it by "
        "visiting https://console.developers.google.com/apis/api/analyticsdata.googleapis.com/overview"
    )
    responses.add(responses.POST, REPORT_URL, status=403, json=google_error(403, "PERMISSION_DENIED", message))
    ga4.pull(connection, today=TODAY)
    connection.refresh_from_db()
    assert "Google Analytics Data API is not turned on" in connection.last_result


@responses.activate
def test_resource_exhausted_is_retried_after_the_wait(connection, roi_world):
    from django.utils import timezone

    # given: Google answers 429 RESOURCE_EXHAUSTED
    token_ok()
    responses.add(
        responses.POST,
        REPORT_URL,
        status=429,
        json=google_error(429, "RESOURCE_EXHAUSTED", "Exhausted property tokens per hour for a project per property."),
    )
    # when
    assert ga4.pull(connection, today=TODAY) is False
    # then: said, and due again once the wait is over (not before)
    connection.refresh_from_db()
    assert "limiting requests for property 123456789" in connection.last_result
    wait_over = connection.retry_after
    assert wait_over is not None
    assert connection not in ga4.due(now=wait_over - dt.timedelta(minutes=1))
    assert connection in ga4.due(now=wait_over)
    # and: the retry succeeds and clears the wait
    responses.replace(responses.POST, REPORT_URL, json=report(ROWS))
    assert ga4.pull(connection, today=TODAY) is True
    connection.refresh_from_db()
    assert connection.retry_after is None and connection not in ga4.due(now=wait_over)
    assert connection in ga4.due(now=timezone.now() + dt.timedelta(hours=24))


@responses.activate
def test_bad_property_400_is_said_in_words(connection):
    token_ok()
    responses.add(
        responses.POST,
        REPORT_URL,
        status=400,
        json=google_error(400, "INVALID_ARGUMENT", "Invalid property ID: 123456789."),
    )
    ga4.pull(connection, today=TODAY)
    connection.refresh_from_db()
    assert connection.last_result == (
        "Google Analytics refused the request for property 123456789: Invalid property ID: 123456789. "
        "Check the property id (digits, GA4 Admin > Property details)."
    )


@responses.activate
def test_a_revoked_key_is_said_as_revoked(connection):
    responses.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
    )
    assert ga4.pull(connection, today=TODAY) is False
    connection.refresh_from_db()
    assert connection.last_result.startswith(f"Google refused the key of {EMAIL}: the key was revoked or deleted")
    assert connection.retry_after is None
    assert len(responses.calls) == 1  # the report was never asked for


@responses.activate
def test_a_401_from_the_api_is_said_as_revoked(connection):
    token_ok()
    responses.add(
        responses.POST,
        REPORT_URL,
        status=401,
        json=google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
    )
    ga4.pull(connection, today=TODAY)
    connection.refresh_from_db()
    assert "the key was revoked" in connection.last_result


@responses.activate
def test_revenue_in_another_currency_is_refused_not_converted(connection):
    token_ok()
    responses.add(responses.POST, REPORT_URL, json=report(ROWS, currency="USD"))
    assert ga4.pull(connection, today=TODAY) is False
    connection.refresh_from_db()
    assert "in USD; this workspace counts in EUR and SMM converts nothing" in connection.last_result
    assert not Ga4Row.objects.exists()


@responses.activate
def test_a_key_file_pointing_elsewhere_is_not_followed(connection, service_key):
    # given: a key whose token_uri names another address
    connection.key = {**service_key, "token_uri": "http://127.0.0.1:9/steal"}
    connection.save()
    token_ok()
    responses.add(responses.POST, REPORT_URL, json=report(ROWS))
    # when / then: Google's token endpoint is used all the same
    assert ga4.pull(connection, today=TODAY) is True
    assert responses.calls[0].request.url == TOKEN_URL


@responses.activate
def test_the_key_never_reaches_the_logs(connection, service_key, caplog):
    caplog.set_level(logging.DEBUG)
    token_ok()
    responses.add(responses.POST, REPORT_URL, status=403, json=google_error(403, "PERMISSION_DENIED", "No."))
    ga4.pull(connection, today=TODAY)
    responses.replace(responses.POST, REPORT_URL, json=report(ROWS))
    connection.refresh_from_db()
    ga4.pull(connection, today=TODAY)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "GA4 pull for workspace acme" in logged  # the pull did log
    body = service_key["private_key"].splitlines()[1]
    assert body not in logged and service_key["private_key_id"] not in logged
    assert "ya29.test-access" not in logged


@responses.activate
def test_test_connection_asks_for_one_small_report(connection):
    token_ok()
    responses.add(
        responses.POST,
        REPORT_URL,
        json={
            "metricHeaders": [{"name": "sessions", "type": "TYPE_INTEGER"}],
            "rows": [{"metricValues": [{"value": "4321"}]}],
            "rowCount": 1,
            "metadata": {"currencyCode": "EUR"},
        },
    )
    ok, words = ga4.test_connection(connection)
    assert ok and words == "Connected: property 123456789 answered (4,321 sessions in the last 7 days, revenue in EUR)."
    body = json.loads(responses.calls[-1].request.body)
    assert [m["name"] for m in body["metrics"]] == ["sessions"] and int(body["limit"]) == 1


def test_the_key_is_encrypted_at_rest(connection, service_key):
    from django.db import connection as db

    with db.cursor() as cursor:
        cursor.execute("SELECT key FROM links_ga4connection WHERE id = %s", [connection.pk])
        raw = cursor.fetchone()[0]
    assert EMAIL not in raw and "PRIVATE KEY" not in raw
    assert Ga4Connection.objects.get(pk=connection.pk).key["private_key"] == service_key["private_key"]


def test_the_task_never_raises_and_skips_a_pull_in_progress(connection, monkeypatch):
    from django.core.cache import cache

    from links import tasks

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ga4, "pull", broken)
    assert tasks.ga4_pull(connection.pk) is False  # logged, not raised
    cache.add(tasks.GA4_LOCK.format(connection.pk), 1, timeout=60)
    try:
        monkeypatch.setattr(ga4, "pull", lambda c: pytest.fail("pulled while another pull runs"))
        assert tasks.ga4_pull(connection.pk) is False
    finally:
        cache.delete(tasks.GA4_LOCK.format(connection.pk))


def test_due_connections_are_sent_one_task_each(connection, monkeypatch):
    from links import tasks

    sent = []
    monkeypatch.setattr(tasks.ga4_pull, "delay", sent.append)
    assert tasks.ga4_pull_due() == 1 and sent == [connection.pk]


@responses.activate
def test_a_connection_removed_while_google_answers_stays_removed(connection):
    from links.models import Ga4Connection as Model

    # given: the connection is removed while the report is on its way
    def removed_meanwhile(request):
        Model.objects.filter(pk=connection.pk).delete()
        return 200, {}, json.dumps(report(ROWS))

    token_ok()
    responses.add_callback(responses.POST, REPORT_URL, callback=removed_meanwhile)
    # when / then: nothing stored, nothing brought back
    assert ga4.pull(connection, today=TODAY) is False
    assert not Model.objects.exists() and not Ga4Row.objects.exists()


@responses.activate
def test_rows_of_a_property_replaced_while_google_answers_are_dropped(connection, roi_world):
    # given: another property is saved while the report of the old one is on its way
    def replaced_meanwhile(request):
        Ga4Connection.objects.filter(pk=connection.pk).update(property_id="987654321", pulled_through=None)
        return 200, {}, json.dumps(report(ROWS))

    token_ok()
    responses.add_callback(responses.POST, REPORT_URL, callback=replaced_meanwhile)
    assert ga4.pull(connection, today=TODAY) is False
    assert not Ga4Row.objects.exists()
    assert Ga4Connection.objects.get(pk=connection.pk).pulled_through is None
