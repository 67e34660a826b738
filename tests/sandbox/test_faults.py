"""Fault injection: 429/503 by header or settings, runtime switch, dropped answers after storing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests

from sandbox.models import SandboxFaults, SandboxStatus

pytestmark = pytest.mark.django_db


def test_429_by_header_carries_retry_after_and_iso_reset(sandbox_account, api):
    # given an account
    sandbox_account("acmecoffee")

    # when a request asks for a certain 429
    response = api("token-acmecoffee").post_json(
        "/api/v1/statuses",
        {"status": "Hi"},
        headers={"X-Sandbox-Faults": json.dumps({"rate_429": 1, "retry_after": 12})},
    )

    # then it is refused the way Mastodon does, and nothing is stored
    assert response.status_code == 429
    assert response.json() == {"error": "Too many requests"}
    assert response["Retry-After"] == "12"
    assert response["X-RateLimit-Remaining"] == "0"
    reset = dt.datetime.fromisoformat(response["X-RateLimit-Reset"].replace("Z", "+00:00"))
    assert dt.timedelta(seconds=5) < reset - dt.datetime.now(dt.UTC) <= dt.timedelta(seconds=12)
    assert SandboxStatus.objects.count() == 0


def test_the_mastodon_adapter_reads_the_429_as_rate_limited(sandbox_account, api):
    from smm.platforms.base import RateLimited
    from smm.platforms.mastodon import MastodonAdapter

    sandbox_account("acmecoffee")
    response = api("token-acmecoffee").get(
        "/api/v1/accounts/verify_credentials", headers={"X-Sandbox-Faults": '{"rate_429": 1, "retry_after": 30}'}
    )
    adapter = MastodonAdapter()

    class Shim:  # the test client's response, seen through requests' interface
        status_code = response.status_code
        headers = dict(response.items())
        text = response.content.decode()

        def json(self):
            return response.json()

    with pytest.raises(RateLimited) as caught:
        adapter._raise_for_status(Shim())
    assert 0 < caught.value.retry_after <= 30


def test_503_from_settings(sandbox_account, api, settings):
    sandbox_account("acmecoffee")
    settings.SANDBOX_FAULTS = {"rate_503": 1.0}
    response = api("token-acmecoffee").get("/api/v1/accounts/verify_credentials")
    assert response.status_code == 503


def test_runtime_switch_by_command_and_endpoint(sandbox_account, api, client):
    from django.core.management import call_command

    sandbox_account("acmecoffee")
    # when faults are switched on by the management command
    call_command("sandbox_faults", '{"rate_503": 1}')
    assert api("token-acmecoffee").get("/api/v1/accounts/verify_credentials").status_code == 503
    # and switched off again through the JSON endpoint (loopback caller)
    answer = client.post("/sandbox/admin/faults", "{}", content_type="application/json", REMOTE_ADDR="127.0.0.1")
    assert answer.json() == {"faults": {}}
    assert api("token-acmecoffee").get("/api/v1/accounts/verify_credentials").status_code == 200
    # unknown keys are refused in plain words
    bad = client.post("/sandbox/admin/faults", '{"rate_42": 1}', content_type="application/json")
    assert bad.status_code == 422
    assert "Unknown fault" in bad.json()["error"]
    # and strangers cannot switch them
    far = client.get("/sandbox/admin/faults", REMOTE_ADDR="203.0.113.9")
    assert far.status_code == 403
    assert SandboxFaults.current() == {}


def test_seeded_faults_repeat(sandbox_account, api):
    sandbox_account("acmecoffee")
    header = {"X-Sandbox-Faults": json.dumps({"rate_503": 0.5, "seed": 991})}
    first = [api("token-acmecoffee").get("/api/v2/instance", headers=header).status_code for _ in range(12)]
    header = {"X-Sandbox-Faults": json.dumps({"rate_503": 0.5, "seed": 992})}
    second = [api("token-acmecoffee").get("/api/v2/instance", headers=header).status_code for _ in range(12)]
    assert set(first) == {200, 503}
    assert first != second


@pytest.mark.django_db(transaction=True)
def test_drop_after_store_stores_then_closes_the_connection(sandbox_account, live_server):
    from smm.platforms.base import AccountContext, OutcomeUnknown, PostContent, PublishAttempt
    from smm.platforms.mastodon import MastodonAdapter

    # given an account and a request that asks for its answer to be dropped
    sandbox_account("acmecoffee")
    url = f"{live_server.url}/sandbox/api/v1/statuses"
    headers = {
        "Authorization": "Bearer token-acmecoffee",
        "Idempotency-Key": "drop-1",
        "X-Sandbox-Faults": '{"drop_after_store_rate": 1}',
    }

    # when it is sent
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json={"status": "Dropped"}, headers=headers, timeout=10)

    # then the status is stored although no answer came back
    assert SandboxStatus.objects.filter(text="Dropped").count() == 1

    # and the real adapter sees an unknown outcome, which the same key then resolves
    adapter = MastodonAdapter()
    account = AccountContext(
        network="mastodon", base_url=f"{live_server.url}/sandbox", credentials={"access_token": "token-acmecoffee"}
    )
    adapter.http.session.headers["X-Sandbox-Faults"] = '{"drop_after_store_rate": 1}'
    attempt = PublishAttempt(idempotency_key="drop-2")
    with pytest.raises(OutcomeUnknown):
        adapter.publish(account, PostContent(text="Dropped again"), attempt)
    del adapter.http.session.headers["X-Sandbox-Faults"]
    result = adapter.lookup_published(account, PostContent(text="Dropped again"), attempt)
    assert SandboxStatus.objects.filter(text="Dropped again").count() == 1
    assert result.remote_id == str(SandboxStatus.objects.get(text="Dropped again").pk)
