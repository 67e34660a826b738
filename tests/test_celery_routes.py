"""Every task goes to the queue whose workers are meant to run it (routes declared on the
apps' AppConfig ``task_routes``, not with the deprecated ``queue=`` task option)."""

import importlib
import warnings

import pytest

from smm.celery import app as celery_app

# The queue each task had with ``@shared_task(queue=...)``: it must not move.
EXPECTED = {
    "posts.tasks.dispatch_due": "publish",
    "posts.tasks.sweep_leases": "publish",
    "posts.tasks.publish_target": "publish",
    "posts.tasks.email_notices": "default",
    "posts.tasks.run_bulk_import": "default",
    "posts.tasks.delete_expired_uploads": "default",
    "posts.tasks.transcode_video": "media",
    "posts.tasks.requeue_stuck_conversions": "media",
    "analytics.tasks.schedule_post_metric_pulls": "metrics",
    "analytics.tasks.schedule_account_metric_pulls": "metrics",
    "analytics.tasks.pull_post_metrics": "metrics",
    "analytics.tasks.pull_account_metrics": "metrics",
    "analytics.tasks.send_weekly_reports": "metrics",
    "analytics.tasks.send_weekly_report": "metrics",
    "inbox.tasks.poll_due_accounts": "inbox",
    "inbox.tasks.poll_account": "inbox",
    "inbox.tasks.send_reply": "inbox",
    "inbox.tasks.resolve_stalled_reply": "inbox",
    "inbox.tasks.rescore_open_items": "inbox",
    "inbox.tasks.resend_queued_replies": "inbox",
    "inbox.tasks.wake_snoozed": "inbox",
    "inbox.tasks.process_inbound_webhook": "inbox",
    "inbox.tasks.process_pending_webhooks": "inbox",
    "sandbox.tasks.simulate_audience": "default",
    "smm.tasks.operations_alerts": "default",
    "smm.tasks.send_password_reset_email": "default",
    "smm.api.tasks.deliver_webhook": "webhooks",
    "smm.api.tasks.send_due_webhooks": "webhooks",
    "links.tasks.drain_clicks": "default",
    "links.tasks.ga4_pull_due": "default",
    "links.tasks.ga4_pull": "default",
    "listening.tasks.check_spikes": "default",
    "listening.tasks.poll_sources": "default",
    "listening.tasks.fill_reach": "default",
    "listening.tasks.snapshot_competitors": "default",
    "recurring.tasks.materialise_all": "default",
    "recurring.tasks.recycle_evergreen": "default",
}


@pytest.fixture(autouse=True, scope="module")
def _tasks_loaded():
    # what the worker does at start: import every app's tasks module
    for module in (
        "posts.tasks",
        "analytics.tasks",
        "inbox.tasks",
        "links.tasks",
        "listening.tasks",
        "recurring.tasks",
        "sandbox.tasks",
        "smm.tasks",
    ):
        importlib.import_module(module)
    celery_app.finalize(auto=True)


def _queue(name, **options):
    return celery_app.amqp.router.route(options, name)["queue"].name


@pytest.mark.parametrize(("name", "queue"), sorted(EXPECTED.items()))
def test_each_task_routes_to_its_queue(name, queue):
    assert name in celery_app.tasks  # the name is a real, registered task
    assert _queue(name) == queue


def test_every_project_task_is_in_the_table():
    # a new task must be given a queue on purpose (and added above)
    apps = {"posts", "analytics", "inbox", "links", "listening", "recurring", "sandbox", "smm"}
    ours = {n for n in celery_app.tasks if n.split(".")[0] in apps}
    assert ours - {"smm.tasks.heartbeat"} == set(EXPECTED)


def test_heartbeat_goes_where_beat_sends_it_and_an_explicit_queue_wins():
    # the heartbeat is sent to each queue in turn by beat, with the queue in its options
    assert _queue("smm.tasks.heartbeat", queue="inbox") == "inbox"
    assert _queue("smm.tasks.heartbeat") == "default"
    assert _queue("posts.tasks.publish_target", queue="default") == "default"


def test_no_task_uses_the_deprecated_queue_attribute():
    for name in EXPECTED:
        assert getattr(celery_app.tasks[name], "queue", None) is None, name


def test_what_apply_async_sends_goes_to_the_routed_queue_without_warnings():
    # given: the options a task's apply_async starts from (no queue of its own)
    task = celery_app.tasks["posts.tasks.publish_target"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # when: the router resolves them
        options = celery_app.amqp.router.route(task._get_exec_options(), task.name)
    # then: the publish queue, as before
    assert options["queue"].name == "publish"
