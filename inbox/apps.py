"""One inbox for comments, mentions and DMs: ingestion, priority, assignment, replies."""

from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    # (label, url name, right, order): picked up by smm.context_processors.workspace_menu
    nav_entries = [("Inbox", "inbox:list", "view", 40)]
    # installation-wide incidents for smm.operations (monitoring, check_operations)
    operations_incidents = "inbox.webhooks.incidents"
    # queue of each task (merged into Celery's task_routes by smm/celery.py)
    task_routes = {"inbox.tasks.*": "inbox"}
    # Merged into Celery beat by smm/celery.py.
    beat_schedule = {
        "inbox-poll-due-accounts": {
            "task": "inbox.tasks.poll_due_accounts",
            "schedule": 15.0,
            "options": {"queue": "inbox"},
        },
        "inbox-resend-queued-replies": {
            "task": "inbox.tasks.resend_queued_replies",
            "schedule": 60.0,
            "options": {"queue": "inbox"},
        },
        "inbox-process-pending-webhooks": {
            "task": "inbox.tasks.process_pending_webhooks",
            "schedule": 60.0,
            "options": {"queue": "inbox"},
        },
        "inbox-wake-snoozed": {"task": "inbox.tasks.wake_snoozed", "schedule": 60.0, "options": {"queue": "inbox"}},
        "inbox-rescore-open-items": {
            "task": "inbox.tasks.rescore_open_items",
            "schedule": 600.0,
            "options": {"queue": "inbox"},
        },
    }
