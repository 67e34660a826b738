"""Right after a start (make run, a deploy) the dispatcher's clock and the queues' heartbeats
still hold the previous run's times: until the new processes have had a moment to tick, that
is not an outage (no incident, no email, no warning in the log). After the grace it is."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from celery.signals import beat_init, worker_ready
from django.conf import settings
from django.core import mail
from django.utils import timezone

from posts import health
from smm import operations
from smm.tasks import operations_alerts

pytestmark = pytest.mark.django_db

M = dt.timedelta(minutes=1)


def previous_run_ended(ago: dt.timedelta) -> None:
    """The last run's dispatcher tick and heartbeats, left in the cache when it stopped."""
    then = timezone.now() - ago
    health.record_dispatcher_tick(then)
    for queue in settings.WORKER_QUEUES:
        operations.record_heartbeat(queue, then)


def test_a_dispatcher_that_has_not_ticked_since_the_start_is_not_stopped_yet(shop):
    # given the previous run stopped three hours ago, and worker and beat started 10 s ago
    previous_run_ended(3 * 60 * M)
    operations.record_start(timezone.now() - dt.timedelta(seconds=10))

    # when the alerts run before the dispatcher's first tick
    sent = operations.run_alerts()

    # then nothing is stopped or dead, and nobody is emailed
    assert sent["dispatcher_stopped"] is False and sent["dead_queues"] == []
    assert mail.outbox == []
    report = operations.status()
    assert report["dispatcher"]["starting"] is True
    assert not any("dispatcher" in i or "queue" in i for i in report["incidents"])


def test_after_the_grace_a_dispatcher_that_never_ticked_is_stopped(shop):
    # given a start three minutes ago and no tick since (beat failed to start)
    previous_run_ended(3 * 60 * M)
    operations.record_start(timezone.now() - 3 * M)

    # then it is an outage again: an incident and one email
    assert operations.run_alerts()["dispatcher_stopped"] is True
    assert any("dispatcher has not ticked" in i for i in operations.status()["incidents"])


def test_a_tick_after_the_start_ends_the_grace(shop):
    operations.record_start(timezone.now() - dt.timedelta(seconds=10))
    health.record_dispatcher_tick()
    tick = health.dispatcher(timezone.now())
    assert tick["ok"] is True and tick["starting"] is False


def test_an_outage_already_emailed_is_not_emailed_again_because_a_worker_restarted(shop):
    # given the dispatcher stopped and the owners were told
    previous_run_ended(10 * M)
    assert operations.run_alerts()["dispatcher_stopped"] is True
    # when a worker restarts and, after its grace, the dispatcher still does not tick
    operations.record_start(timezone.now() - dt.timedelta(seconds=5))
    assert operations.run_alerts()["dispatcher_stopped"] is False
    operations.record_start(timezone.now() - 3 * M)
    # then it is the same outage: no second email
    assert operations.run_alerts()["dispatcher_stopped"] is False
    assert [m.subject for m in mail.outbox if "not being sent" in m.subject] == [
        "[SMM] Scheduled posts are not being sent"
    ]


@pytest.mark.parametrize("started", [worker_ready, beat_init])
def test_a_worker_or_beat_starting_records_the_start(started):
    before = timezone.now()
    started.send(sender=None)
    assert operations.read_signal(operations.STARTED_KEY) >= before - dt.timedelta(seconds=1)


def test_the_alerts_task_logs_nothing_at_start_and_names_what_it_sent(shop, caplog):
    previous_run_ended(3 * 60 * M)
    operations.record_start(timezone.now() - dt.timedelta(seconds=10))
    with caplog.at_level(logging.WARNING, logger="smm.tasks"):
        operations_alerts()
    assert "Operations alerts sent" not in caplog.text
    # once the grace is over, the log names the alert that went out
    operations.record_start(timezone.now() - 3 * M)
    with caplog.at_level(logging.WARNING, logger="smm.tasks"):
        operations_alerts()
    assert "Operations alerts sent" in caplog.text and "dispatcher_stopped" in caplog.text


def test_the_operations_page_says_starting(client, shop):
    previous_run_ended(3 * 60 * M)
    operations.record_start(timezone.now() - dt.timedelta(seconds=10))
    client.force_login(shop["owner"])
    body = client.get(f"/w/{shop['workspace'].slug}/operations/").content.decode()
    assert 'data-testid="all-clear"' in body
    assert "Just started." in body and "starting…" in body
    # and once everything has ticked since, all clear
    health.record_dispatcher_tick()
    for queue in settings.WORKER_QUEUES:
        operations.record_heartbeat(queue)
    body = client.get(f"/w/{shop['workspace'].slug}/operations/").content.decode()
    assert "All clear." in body and "starting…" not in body
