"""Celery discovers tasks in each app's tasks.py; the core's live with the API."""

from smm.api.tasks import deliver_webhook, send_due_webhooks  # noqa: F401
