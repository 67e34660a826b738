"""YouTube's daily allowance, counted per installation: what each call costs lands in
ApiQuotaUsage under the Pacific day, the operations page shows it, and owners get one email
when a bucket passes 80%."""

import datetime as dt
import re

import pytest
import responses
from django.core import mail

from posts import health
from smm import operations, quota
from smm.accounts import network_adapter
from smm.platforms.base import AccountContext
from smm.platforms.youtube import API
from smm.quota import ApiQuotaUsage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _workers_alive():
    from django.conf import settings

    for queue in settings.WORKER_QUEUES:
        operations.record_heartbeat(queue)
    health.record_dispatcher_tick()


def account() -> AccountContext:
    far = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    return AccountContext(
        network="youtube",
        remote_id="UCchan",
        credentials={"access_token": "ya29", "access_expires_at": far, "channel_id": "UCchan"},
    )


def used(bucket: str = "default") -> int:
    row = ApiQuotaUsage.objects.filter(network="youtube", bucket=bucket, day=quota.quota_day("youtube")).first()
    return row.units if row else 0


def test_the_adapter_the_core_builds_counts_what_its_calls_cost():
    adapter = network_adapter("youtube")
    with responses.RequestsMock() as replay:
        replay.add(responses.GET, f"{API}/videos", json={"items": []})
        replay.add(
            responses.POST,
            f"{API}/comments",
            status=403,
            json={"error": {"code": 403, "errors": [{"reason": "forbidden"}]}},
        )
        adapter.fetch_post_metrics(account(), ["a", "b"])
        with pytest.raises(Exception):  # noqa: B017 - a refused call costs its units too
            adapter.reply(account(), _item(), "Thanks")
    assert used() == 1 + 50


def _item():
    from smm.platforms.base import InboxItem

    return InboxItem(remote_id="Ug1", kind="comment", text="", created_at=dt.datetime.now(dt.UTC), author_handle="x")


def test_the_quota_day_is_a_pacific_date():
    # 07:30 UTC on 8 December is still 7 December in Los Angeles (23:30 PST)
    late_evening = dt.datetime(2026, 12, 8, 7, 30, tzinfo=dt.UTC)
    quota.spend("youtube", "videos.insert", 1, now=late_evening)
    quota.spend("youtube", "videos.insert", 1, now=late_evening + dt.timedelta(minutes=10))
    quota.spend("youtube", "videos.insert", 1, now=late_evening + dt.timedelta(minutes=40))
    rows = dict(ApiQuotaUsage.objects.values_list("day", "units"))
    assert rows == {dt.date(2026, 12, 7): 2, dt.date(2026, 12, 8): 1}
    assert quota.resets_at("youtube", late_evening) == dt.datetime(2026, 12, 8, 8, 0, tzinfo=dt.UTC)


def test_the_operations_page_shows_todays_allowance(client, shop):
    quota.spend("youtube", "videos.insert", 12)
    quota.spend("youtube", "default", 340)
    client.force_login(shop["owner"])
    response = client.get(f"/w/{shop['workspace'].slug}/operations/")
    body = response.content.decode()
    assert "Network allowances today" in body
    assert "12 of 100 (12%)" in body and "340 of 10,000 (3%)" in body
    # the network is named beside its coloured badge (it was white text on no background)
    cells = re.findall(r'<td class="ops-network">(.*?)</td>', body, re.S)
    assert len(cells) == 2
    assert all('style="background: ' in cell and cell.rstrip().endswith("</span> YouTube") for cell in cells)
    data = client.get(f"/w/{shop['workspace'].slug}/operations.json").json()
    assert {k: v for k, v in data["api_quota"][0].items() if k != "resets_at"} == {
        "network": "youtube",
        "bucket": "videos.insert",
        "used": 12,
        "limit": 100,
    }


def test_eighty_percent_of_the_uploads_is_a_warning_and_one_email(shop):
    quota.spend("youtube", "videos.insert", 79)
    assert operations.run_alerts()["api_quota"] == []
    report = operations.status()
    assert not any("YouTube" in i for i in report["incidents"] + report["warnings"])
    quota.spend("youtube", "videos.insert", 1)
    assert operations.run_alerts()["api_quota"] == ["youtube:videos.insert"]
    assert operations.run_alerts()["api_quota"] == []  # once a day
    quota_mails = [m for m in mail.outbox if "allowance" in m.subject]
    assert len(quota_mails) == 1 and "80%" in quota_mails[0].subject
    assert "olga@example.com" in quota_mails[0].to
    # an early warning: listed, but the installation is still healthy
    report = operations.status()
    assert report["healthy"] and report["incidents"] == []
    assert any("YouTube has used 80% of today's uploads (80 of 100 a day)" in w for w in report["warnings"])


def test_the_monitoring_endpoint_lists_the_warning_and_stays_200(client, settings, shop):
    # given the uploads allowance at 80%
    settings.OPS_STATUS_TOKEN = "monitor-token-123"
    quota.spend("youtube", "videos.insert", 80)
    # when monitoring reads the status
    response = client.get("/ops/status.json", HTTP_AUTHORIZATION="Bearer monitor-token-123")
    # then it answers 200, healthy, with the warning listed
    assert response.status_code == 200
    body = response.json()
    assert body["healthy"] is True and body["incidents"] == []
    assert len(body["warnings"]) == 1 and "80%" in body["warnings"][0]


def test_the_operations_page_shows_the_warning_apart_from_incidents(client, shop):
    quota.spend("youtube", "videos.insert", 85)
    client.force_login(shop["owner"])
    body = client.get(f"/w/{shop['workspace'].slug}/operations/").content.decode()
    assert 'data-testid="warnings"' in body and "YouTube has used 85%" in body
    assert 'data-testid="incidents"' not in body


def test_an_exhausted_allowance_is_an_incident(client, settings, shop):
    # given the uploads allowance used up: YouTube uploads wait until midnight Pacific
    settings.OPS_STATUS_TOKEN = "monitor-token-123"
    quota.spend("youtube", "videos.insert", 100)
    # when monitoring reads the status
    response = client.get("/ops/status.json", HTTP_AUTHORIZATION="Bearer monitor-token-123")
    # then it is an incident (503), not a warning
    assert response.status_code == 503
    body = response.json()
    assert body["warnings"] == []
    assert any("YouTube has used all of today's uploads (100 of 100 a day)" in i for i in body["incidents"])
