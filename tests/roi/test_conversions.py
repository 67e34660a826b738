"""The signed conversion endpoint: signature (good, bad, old, missing), a replayed order
counted once (also when two arrive at once), field errors as JSON, tenancy."""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from links.models import Conversion

from .conftest import signed

pytestmark = pytest.mark.django_db

URL = "/api/v1/workspaces/acme/conversions/"
ORDER = {"order_id": "W-1", "value": "49.90", "currency": "EUR", "utm_campaign": "Spring Sale 2026"}


@pytest.fixture
def secret(roi_world):
    from links import roi

    return roi.rotate_secret(roi_world["ws"])


def post(client, body, headers):
    return client.post(URL, data=body, content_type="application/json", **headers)


def test_a_signed_conversion_is_recorded_and_credited(client, roi_world, secret):
    body, headers = signed(secret, ORDER, int(time.time()))
    response = post(client, body, headers)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["order_id"] == "W-1" and data["value"] == "49.90" and data["repeated"] is False
    assert data["campaign"] == roi_world["campaign"].pk
    stored = Conversion.objects.get(order_id="W-1")
    assert stored.value == Decimal("49.90") and stored.source == "api" and stored.workspace == roi_world["ws"]


def test_a_replayed_order_is_counted_once(client, roi_world, secret):
    for expected in (201, 200, 200):
        body, headers = signed(secret, {**ORDER, "value": "10.00" if expected == 200 else "49.90"}, int(time.time()))
        response = post(client, body, headers)
        assert response.status_code == expected
    assert response.json()["repeated"] is True
    assert Conversion.objects.filter(order_id="W-1").count() == 1
    assert Conversion.objects.get(order_id="W-1").value == Decimal("49.90")  # the replay changed nothing


def test_a_bad_signature_is_401_and_logged(client, roi_world, secret, caplog):
    body, headers = signed("cvsec_not-the-secret", ORDER, int(time.time()))
    with caplog.at_level(logging.WARNING, logger="api.views.roi"):
        response = post(client, body, headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Signature missing or wrong, or timestamp older than 5 minutes."}
    assert not Conversion.objects.filter(order_id="W-1").exists()
    assert "Conversion refused for workspace acme: bad signature" in caplog.text
    assert secret not in caplog.text


def test_a_changed_body_breaks_the_signature(client, roi_world, secret):
    body, headers = signed(secret, ORDER, int(time.time()))
    response = post(client, body.replace(b"49.90", b"4990.00"), headers)
    assert response.status_code == 401


@pytest.mark.parametrize("age, expected", [(290, 201), (310, 401), (-310, 401)])
def test_the_timestamp_tolerance_stops_replays(client, roi_world, secret, age, expected):
    body, headers = signed(secret, ORDER, int(time.time()) - age)
    assert post(client, body, headers).status_code == expected


def test_missing_headers_unknown_workspace_and_no_secret(client, roi_world, caplog, make_workspace):
    from links import roi

    assert post(client, b"{}", {}).status_code == 401
    # no secret made yet: nothing can be signed
    body, headers = signed("", ORDER, int(time.time()))
    assert post(client, body, headers).status_code == 401
    key = roi.rotate_secret(roi_world["ws"])
    body, headers = signed(key, ORDER, int(time.time()))
    response = client.post(
        "/api/v1/workspaces/nobody/conversions/", data=body, content_type="application/json", **headers
    )
    assert response.status_code == 401  # an unknown workspace reads as a bad signature: no probing
    # a rotated secret: the old one stops working at once
    roi.rotate_secret(roi_world["ws"])
    assert post(client, body, headers).status_code == 401


def test_another_workspaces_secret_does_not_sign_here(client, roi_world, secret, make_workspace):
    from links import roi

    beta = make_workspace("Beta")
    beta_key = roi.rotate_secret(beta)
    body, headers = signed(beta_key, ORDER, int(time.time()))
    assert post(client, body, headers).status_code == 401
    body, headers = signed(beta_key, ORDER, int(time.time()))
    response = client.post(f"/api/v1/workspaces/{beta.slug}/conversions/", data=body,
                           content_type="application/json", **headers)  # fmt: skip
    assert response.status_code == 201
    # the same order id in two workspaces: two orders
    body, headers = signed(secret, ORDER, int(time.time()))
    assert post(client, body, headers).status_code == 201
    assert Conversion.objects.filter(order_id="W-1").count() == 2
    # a click id of Acme's sent to Beta is not credited there
    body, headers = signed(beta_key, {"order_id": "W-2", "value": "5", "click_id": "x001"}, int(time.time()))
    response = client.post(f"/api/v1/workspaces/{beta.slug}/conversions/", data=body,
                           content_type="application/json", **headers)  # fmt: skip
    assert response.json()["target"] is None and response.json()["campaign"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"value": "10"}, "order_id"),
        ({"order_id": "Z", "value": "ten"}, "value"),
        ({"order_id": "Z", "value": "-5"}, "value"),
        ({"order_id": "Z", "value": "1.234"}, "value"),
        ({"order_id": "Z"}, "value"),
        ({"order_id": "Z", "value": "10", "currency": "USD"}, "currency"),
        ({"order_id": "Z", "value": "10", "occurred_at": "yesterday"}, "occurred_at"),
    ],
)
def test_bad_fields_are_json_field_errors(client, roi_world, secret, body, field):
    raw, headers = signed(secret, body, int(time.time()))
    response = post(client, raw, headers)
    assert response.status_code == 400
    assert field in response.json()
    assert not Conversion.objects.filter(order_id="Z").exists()


def test_another_currency_is_refused_in_words(client, roi_world, secret):
    raw, headers = signed(secret, {"order_id": "Z", "value": "10", "currency": "usd"}, int(time.time()))
    message = post(client, raw, headers).json()["currency"][0]
    assert "counts money in EUR" in message and "USD" in message and "converts nothing" in message


def test_a_body_that_is_not_json(client, roi_world, secret):
    raw, headers = signed(secret, b"order_id=1", int(time.time()))
    response = post(client, raw, headers)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["The body is not JSON."]}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_the_same_order_at_the_same_moment_is_counted_once(roi_world):
    from django.db import connections

    from links import roi

    start = threading.Barrier(4)
    results = []

    def send():
        try:
            start.wait(timeout=10)
            results.append(roi.record_conversion(roi_world["ws"], {"order_id": "RACE", "value": "10"})[1])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [False, False, False, True]
    assert Conversion.objects.filter(order_id="RACE").count() == 1


def test_the_endpoint_is_rate_limited_per_address(client, roi_world, secret, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "2/min"}}
    codes = []
    for n in range(3):
        body, headers = signed(secret, {**ORDER, "order_id": f"R-{n}"}, int(time.time()))
        codes.append(post(client, body, headers).status_code)
    assert codes == [201, 201, 429]
    assert not Conversion.objects.filter(order_id="R-2").exists()
