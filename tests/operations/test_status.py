"""The operations page, its JSON twin and the monitoring endpoint."""

import datetime as dt
import io

import pytest
from django.utils import timezone

from posts import health
from smm import operations

pytestmark = pytest.mark.django_db

M = dt.timedelta(minutes=1)


def all_queues_beating(now=None):
    from django.conf import settings

    for queue in settings.WORKER_QUEUES:
        operations.record_heartbeat(queue, now)
    health.record_dispatcher_tick(now)


def test_owner_sees_late_posts_workers_and_on_time_rate(client, shop, make_target):
    # given workers and the dispatcher alive, one post 3 minutes late, one published on time
    all_queues_beating()
    late = make_target(shop["mastodon"], state="queued", due_in=-3 * M)
    make_target(shop["x"], state="published", due_in=-10 * M, published_after=dt.timedelta(seconds=20))
    make_target(shop["x"], state="scheduled", due_in=10 * M)  # not due yet: not late
    client.force_login(shop["owner"])
    # when the owner opens the operations page
    response = client.get(f"/w/{shop['workspace'].slug}/operations/")
    # then the late post, the incident and the on-time figure are shown
    assert response.status_code == 200
    body = response.content.decode()
    assert "Needs attention" in body
    assert "1 post target(s) are more than a minute late" in body
    assert late.account.handle in body
    report = response.context["report"]
    assert [t.pk for t in report["overdue"]] == [late.pk]
    assert report["on_time"] == {"days": 7, "due": 2, "on_time": 1, "rate": 0.5}
    assert all(beat["ok"] for beat in report["heartbeats"])


def test_all_clear_when_nothing_is_wrong(client, shop):
    all_queues_beating()
    client.force_login(shop["owner"])
    body = client.get(f"/w/{shop['workspace'].slug}/operations/").content.decode()
    assert "All clear" in body


def test_menu_shows_operations_to_owners_only(client, shop):
    url = f"/w/{shop['workspace'].slug}/"
    client.force_login(shop["owner"])
    assert f'href="/w/{shop["workspace"].slug}/operations/"' in client.get(url).content.decode()
    client.force_login(shop["editor"])
    assert "/operations/" not in client.get(url).content.decode()
    assert client.get(url + "operations/").status_code == 403


def test_json_twin_has_the_same_figures(client, shop, make_target):
    all_queues_beating()
    make_target(shop["x"], state="failed", due_in=-30 * M, error_kind="auth")
    make_target(shop["x"], state="failed", due_in=-20 * M, error_kind="auth")
    make_target(shop["mastodon"], state="failed", due_in=-20 * M, error_kind="permanent")
    client.force_login(shop["owner"])
    body = client.get(f"/w/{shop['workspace'].slug}/operations.json").json()
    assert body["healthy"] is True
    assert body["failures"] == [
        {"network": "x", "reason": "auth", "count": 2},
        {"network": "mastodon", "reason": "permanent", "count": 1},
    ]
    assert body["on_time"]["due"] == 3 and body["on_time"]["on_time"] == 0
    assert {b["queue"] for b in body["heartbeats"]} == {"publish", "default", "metrics", "inbox", "webhooks", "media"}


def test_other_workspaces_posts_are_not_counted(client, shop, make_target, two_workspaces):
    all_queues_beating()
    make_target(two_workspaces["account_a"], state="queued", due_in=-3 * M)
    client.force_login(shop["owner"])
    body = client.get(f"/w/{shop['workspace'].slug}/operations.json").json()
    assert body["overdue"] == []


def test_a_silent_queue_and_a_stopped_dispatcher_are_incidents(shop):
    # given heartbeats 3 minutes old on every queue but "publish", and no dispatcher tick
    from django.conf import settings

    old = timezone.now() - 3 * M
    for queue in settings.WORKER_QUEUES:
        operations.record_heartbeat(queue, timezone.now() if queue != "publish" else old)
    report = operations.status(shop["workspace"])
    assert not report["healthy"]
    assert any("“publish” queue" in incident for incident in report["incidents"])
    assert any("dispatcher" in incident for incident in report["incidents"])
    # when the worker answers again, the incident is gone from the page
    all_queues_beating()
    assert operations.status(shop["workspace"])["healthy"]


def test_heartbeat_task_and_dispatcher_tick_signal_write_the_cache():
    from celery.signals import task_postrun

    from posts.tasks import dispatch_due
    from smm.tasks import heartbeat

    heartbeat("metrics")
    task_postrun.send(sender=dispatch_due, task_id="t1", task=dispatch_due, args=(), kwargs={}, retval=0)
    now = timezone.now()
    beat = {b["queue"]: b for b in operations.heartbeats(now)}["metrics"]
    assert beat["ok"]
    assert health.dispatcher(now)["ok"]


def test_queue_depths_are_unknown_on_the_filesystem_broker(settings):
    settings.CELERY_BROKER_URL = "filesystem://"
    assert set(operations.queue_depths().values()) == {"unknown"}


def test_queue_depths_count_redis_lists(settings):
    import redis

    url = "redis://127.0.0.1:6379/10"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is needed on 127.0.0.1:6379 for this test")
    settings.CELERY_BROKER_URL = url
    client.delete("publish", "publish\x06\x163")
    client.lpush("publish", "a", "b")
    client.lpush("publish\x06\x163", "c")
    try:
        assert operations.queue_depths()["publish"] == 3
    finally:
        client.delete("publish", "publish\x06\x163")


def test_monitoring_endpoint_needs_its_token(client, settings, shop, make_target):
    settings.OPS_STATUS_TOKEN = "monitor-token-123"
    all_queues_beating()
    assert client.get("/ops/status.json").status_code == 404
    assert client.get("/ops/status.json", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    ok = client.get("/ops/status.json", HTTP_AUTHORIZATION="Bearer monitor-token-123")
    assert ok.status_code == 200 and ok.json()["healthy"] is True
    # while a post is late the endpoint answers 503, so a plain HTTP check alerts
    make_target(shop["mastodon"], state="scheduled", due_in=-2 * M)
    late = client.get("/ops/status.json", HTTP_AUTHORIZATION="Bearer monitor-token-123")
    assert late.status_code == 503
    assert late.json()["overdue"][0]["late_seconds"] >= 60


def test_paused_brands_are_not_late(shop, make_target):
    all_queues_beating()
    make_target(shop["mastodon"], state="scheduled", due_in=-10 * M)
    shop["brand"].paused = True
    shop["brand"].save()
    assert operations.status(shop["workspace"])["overdue"] == []


def test_on_time_counts_from_the_chosen_time_not_the_retry_time(shop, make_target):
    from posts.models import PostTarget

    # given a post published 20 s after its last retry but 5 minutes after its chosen time
    target = make_target(shop["x"], state="published", due_in=-10 * M, published_after=5 * M)
    PostTarget.objects.filter(pk=target.pk).update(due_at=target.published_at - dt.timedelta(seconds=20))
    # then it is not on time
    assert health.on_time_rate(timezone.now(), workspace=shop["workspace"]) == {
        "days": 7,
        "due": 1,
        "on_time": 0,
        "rate": 0.0,
    }


def test_posts_waiting_to_retry_show_a_network_in_trouble(shop, make_target):
    from posts.models import PostTarget

    all_queues_beating()
    target = make_target(shop["mastodon"], state="scheduled", due_in=-10 * dt.timedelta(seconds=1))
    PostTarget.objects.filter(pk=target.pk).update(error_kind="rate_limited", due_at=timezone.now() + M)
    report = operations.status(shop["workspace"])
    assert report["retrying"] == [{"network": "mastodon", "reason": "rate_limited", "count": 1}]
    assert any("mastodon: rate limited ×1" in incident for incident in report["incidents"])
    # once it is out, the incident is over
    PostTarget.objects.filter(pk=target.pk).update(state="published", published_at=timezone.now())
    assert operations.status(shop["workspace"])["healthy"]


def test_status_names_redis_when_it_is_unreachable(client, settings, shop, redis_down):
    # given the cache's Redis down (heartbeats are kept there) and the monitor's token
    settings.OPS_STATUS_TOKEN = "monitor-token-123"
    # when the monitoring endpoint is asked
    response = client.get("/ops/status.json", HTTP_AUTHORIZATION="Bearer monitor-token-123")
    # then it answers 503 and names Redis as the cause, without its password
    assert response.status_code == 503
    body = response.json()
    assert body["incidents"][0].startswith("Redis at 127.0.0.1:1 is unreachable: ")
    assert "redis-secret-pw" not in response.content.decode()
    # and does not blame the workers for what Redis did
    assert not any("No worker" in incident for incident in body["incidents"])


def test_status_names_the_broker_redis_too(settings, shop):
    # given the cache on files but the Celery broker on a Redis that is down
    settings.CELERY_BROKER_URL = "redis://:broker-secret@127.0.0.1:1/3"
    all_queues_beating()
    report = operations.status()
    assert "Redis at 127.0.0.1:1 is unreachable: " in report["incidents"][0]
    assert not any("broker-secret" in incident for incident in report["incidents"])


def test_the_operations_page_names_redis_too(client, shop, redis_down):
    client.force_login(shop["owner"])
    response = client.get(f"/w/{shop['workspace'].slug}/operations/")
    assert response.status_code == 200
    assert "Redis at 127.0.0.1:1 is unreachable" in response.content.decode()


def test_check_operations_reports_redis_instead_of_crashing(shop, redis_down):
    # given the cache's Redis down (alerts are sent once per incident, keyed there)
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    # when the host's scheduler runs the check
    with pytest.raises(CommandError) as failed:
        call_command("check_operations", "--quiet", stdout=out)
    # then it exits 1 and names Redis
    assert failed.value.returncode == 1
    assert "Redis at 127.0.0.1:1 is unreachable" in out.getvalue()
